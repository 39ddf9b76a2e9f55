"""admin log: changes of users, catalog, offices, holidays, enrolment and settings, chained

Each change of the office's reference data is an `admin_events` row (who, when, what, and
the digest of every item after it), chained by hash; its end is `ledger_head` row 2, beside
the dossier chain's row 1. The first open after this revision records the data as found.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_GENESIS = "0" * 64
_HEAD_ID = 2


def upgrade() -> None:
    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    op.create_table(
        "admin_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("data", json_type, nullable=False),
        sa.Column("digests", json_type, nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_events")),
        sa.UniqueConstraint("uuid", name=op.f("uq_admin_events_uuid")),
        sa.UniqueConstraint("hash", name=op.f("uq_admin_events_hash")),
    )
    head = sa.table(
        "ledger_head",
        sa.column("id", sa.Integer()),
        sa.column("last_event_id", sa.Integer()),
        sa.column("last_hash", sa.String()),
    )
    op.execute(head.insert().values(id=_HEAD_ID, last_event_id=None, last_hash=_GENESIS))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM ledger_head WHERE id = :id").bindparams(id=_HEAD_ID))
    op.drop_table("admin_events")
