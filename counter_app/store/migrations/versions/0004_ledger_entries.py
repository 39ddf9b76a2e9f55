"""ledger entries: the tracking book's book and entry number of each dossier

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_sequences",
        sa.Column("counter_id", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("counter_id", "year", name=op.f("pk_ledger_sequences")),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("counter_id", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("book", sa.String(length=40), nullable=False),
        sa.Column("entry", sa.Integer(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_ledger_entries_dossier_id_dossiers")
        ),
        sa.PrimaryKeyConstraint("dossier_id", name=op.f("pk_ledger_entries")),
        sa.UniqueConstraint(
            "counter_id", "year", "entry", name=op.f("uq_ledger_entries_counter_id_year_entry")
        ),
    )


def downgrade() -> None:
    op.drop_table("ledger_entries")
    op.drop_table("ledger_sequences")
