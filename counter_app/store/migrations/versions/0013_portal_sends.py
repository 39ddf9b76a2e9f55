"""portal sends: where each dossier stands with the province's one-stop system

`portal_sends`, one row per dossier the counter pushed to the province directly
(`counter-app portal push`): the code sent, the state (sent, accepted, refused, retrying),
the hash of the record version last answered, the progress entries accepted, the
province's own words on a refusal, and the retry schedule.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "portal_sends",
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("record_hash", sa.String(length=64), nullable=True),
        sa.Column("head_hash", sa.String(length=64), nullable=True),
        sa.Column("basis", sa.String(length=64), nullable=True),
        sa.Column("progress_hashes", _JSON, nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_portal_sends_dossier_id_dossiers")
        ),
        sa.PrimaryKeyConstraint("dossier_id", name=op.f("pk_portal_sends")),
    )
    op.create_index("ix_portal_sends_state_next", "portal_sends", ["state", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_portal_sends_state_next", table_name="portal_sends")
    op.drop_table("portal_sends")
