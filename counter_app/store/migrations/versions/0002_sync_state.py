"""sync state: enrolled device, per-dossier sync state, pages sent, day closes

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "sync_device",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("hub_url", sa.String(length=500), nullable=False),
        sa.Column("office_unit", sa.String(length=16), nullable=False),
        sa.Column("block_first", sa.Integer(), nullable=False),
        sa.Column("block_last", sa.Integer(), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("clock_offset_seconds", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_device")),
    )
    op.create_table(
        "sync_dossier_state",
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason_code", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("synced_at", sa.DateTime(), nullable=True),
        sa.Column("synced_head_hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_sync_dossier_state_dossier_id_dossiers")
        ),
        sa.PrimaryKeyConstraint("dossier_id", name=op.f("pk_sync_dossier_state")),
    )
    op.create_index(
        "ix_sync_dossier_state_state_next",
        "sync_dossier_state",
        ["state", "next_attempt_at"],
    )
    op.create_table(
        "sync_page_sent",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_sync_page_sent")),
    )
    op.create_table(
        "sync_day_close",
        sa.Column("office_unit", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.Column("match", sa.Boolean(), nullable=False),
        sa.Column("manifest", _JSON, nullable=False),
        sa.Column("difference", _JSON, nullable=False),
        sa.Column("signed_off_by", sa.String(length=64), nullable=True),
        sa.Column("signed_off_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("office_unit", "day", name=op.f("pk_sync_day_close")),
    )


def downgrade() -> None:
    op.drop_table("sync_day_close")
    op.drop_table("sync_page_sent")
    op.drop_index("ix_sync_dossier_state_state_next", table_name="sync_dossier_state")
    op.drop_table("sync_dossier_state")
    op.drop_table("sync_device")
