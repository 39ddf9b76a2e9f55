"""resolved and received time together: the report finds dossiers carried into a period
from the index alone

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 16:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # "Received before the period, resolved since its start": the receipt time is tested in
    # the index, so only the dossiers really carried over are read from the table.
    op.create_index(
        "ix_dossiers_resolved_at_received_at", "dossiers", ["resolved_at", "received_at"]
    )
    op.drop_index("ix_dossiers_resolved_at", table_name="dossiers")


def downgrade() -> None:
    op.create_index("ix_dossiers_resolved_at", "dossiers", ["resolved_at"])
    op.drop_index("ix_dossiers_resolved_at_received_at", table_name="dossiers")
