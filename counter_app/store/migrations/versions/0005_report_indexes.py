"""report indexes: the periodic report reads open, resolved and closed dossiers by time

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 14:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Dossiers received before a period and still open, or resolved within it.
    op.create_index("ix_dossiers_status_received_at", "dossiers", ["status", "received_at"])
    op.create_index("ix_dossiers_resolved_at", "dossiers", ["resolved_at"])
    # Dossiers refused, withdrawn or stopped within a period (the time of that move).
    op.create_index("ix_events_to_status_at", "events", ["to_status", "at"])


def downgrade() -> None:
    op.drop_index("ix_events_to_status_at", table_name="events")
    op.drop_index("ix_dossiers_resolved_at", table_name="dossiers")
    op.drop_index("ix_dossiers_status_received_at", table_name="dossiers")
