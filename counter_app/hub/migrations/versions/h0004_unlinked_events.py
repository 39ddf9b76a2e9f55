"""events whose predecessor the hub does not hold, kept by ingest for the day close

Revision ID: h0004
Revises: h0003
Create Date: 2026-12-07 23:30:00

* `hub_unlinked_events`: (device, seq) of each held event whose `prev_hash` names an event
  the hub does not hold; ingest adds and removes rows as events arrive, and the day close
  reads it instead of checking the device's whole chain (which took about a second per
  35,000 events of a device on PostgreSQL: docs/performance.md). Filled here from the
  events already held.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "h0004"
down_revision = "h0003"
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64


def upgrade() -> None:
    op.create_table(
        "hub_unlinked_events",
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "seq", name=op.f("pk_hub_unlinked_events")),
    )
    op.create_index(op.f("ix_hub_unlinked_events_prev_hash"), "hub_unlinked_events", ["prev_hash"])
    op.execute(
        sa.text(
            "INSERT INTO hub_unlinked_events (device_id, seq, prev_hash) "
            "SELECT e.device_id, e.seq, e.prev_hash FROM hub_events e "
            "WHERE e.prev_hash != :genesis AND NOT EXISTS "
            "(SELECT 1 FROM hub_events b WHERE b.hash = e.prev_hash)"
        ).bindparams(genesis=GENESIS_HASH)
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_hub_unlinked_events_prev_hash"), table_name="hub_unlinked_events")
    op.drop_table("hub_unlinked_events")
