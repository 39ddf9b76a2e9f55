"""initial hub schema: the tables the pre-Alembic hub built with `create_all`

Revision ID: h0001
Revises:
Create Date: 2026-11-29 04:42:59.013113
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "h0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copies of the model types: UtcDateTime is a naive DateTime, JsonDocument is JSONB
# on PostgreSQL.
Json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

TABLES = (
    "hub_day_closes",
    "hub_devices",
    "hub_dossiers",
    "hub_enroll_codes",
    "hub_events",
    "hub_meta",
    "hub_nonces",
    "hub_pages",
    "hub_portal_records",
    "hub_portal_sessions",
)


def upgrade() -> None:
    op.create_table(
        "hub_day_closes",
        sa.Column("office_unit", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.Column("match", sa.Boolean(), nullable=False),
        sa.Column("manifest", Json, nullable=False),
        sa.Column("difference", Json, nullable=False),
        sa.PrimaryKeyConstraint("office_unit", "day", "device_id", name=op.f("pk_hub_day_closes")),
    )
    op.create_table(
        "hub_devices",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("office_unit", sa.String(length=16), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("block_first", sa.Integer(), nullable=False),
        sa.Column("block_last", sa.Integer(), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_devices")),
    )
    op.create_index(
        op.f("ix_hub_devices_office_unit"), "hub_devices", ["office_unit"], unique=False
    )
    op.create_table(
        "hub_dossiers",
        sa.Column("code", sa.String(length=48), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("office_unit", sa.String(length=16), nullable=False),
        sa.Column("procedure_code", sa.String(length=20), nullable=False),
        sa.Column("procedure_name", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("head_seq", sa.BigInteger(), nullable=False),
        sa.Column("record", Json, nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_hub_dossiers")),
    )
    op.create_index(
        "ix_hub_dossiers_office_received",
        "hub_dossiers",
        ["office_unit", "received_at"],
        unique=False,
    )
    op.create_table(
        "hub_enroll_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("office_unit", sa.String(length=16), nullable=False),
        sa.Column("block_size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("device_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_hub_enroll_codes")),
    )
    op.create_table(
        "hub_events",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("dossier_code", sa.String(length=48), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("payload", Json, nullable=False),
        sa.Column("progress", Json, nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("uuid", name=op.f("pk_hub_events")),
    )
    op.create_index(
        "ix_hub_events_dossier_seq", "hub_events", ["dossier_code", "seq"], unique=False
    )
    op.create_table(
        "hub_meta",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_hub_meta")),
    )
    op.create_table(
        "hub_nonces",
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "nonce", name=op.f("pk_hub_nonces")),
    )
    op.create_index("ix_hub_nonces_seen_at", "hub_nonces", ["seen_at"], unique=False)
    op.create_table(
        "hub_pages",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("received_bytes", sa.BigInteger(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("chunks_accepted", sa.Integer(), nullable=False),
        sa.Column("chunks_refused", sa.Integer(), nullable=False),
        sa.Column("bytes_accepted", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_hub_pages")),
    )
    op.create_table(
        "hub_portal_records",
        sa.Column("ma_ho_so", sa.String(length=64), nullable=False),
        sa.Column("madonvi", sa.String(length=40), nullable=False),
        sa.Column("record", Json, nullable=False),
        sa.Column("progress", Json, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updates", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("ma_ho_so", name=op.f("pk_hub_portal_records")),
    )
    op.create_table(
        "hub_portal_sessions",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_hub_portal_sessions")),
    )


def downgrade() -> None:
    # No foreign keys between hub tables; a table's indexes go with it.
    for table in reversed(TABLES):
        op.drop_table(table)
