"""guidance sessions: "guided to online" counted apart from "received", append-only

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_REFUSAL = "guidance_sessions is append-only"


def upgrade() -> None:
    op.create_table(
        "guidance_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("procedure_code", sa.String(length=20), nullable=False),
        sa.Column("catalog_version", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("clerk", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("dossier_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["office_id"], ["offices.id"], name=op.f("fk_guidance_sessions_office_id_offices")
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_guidance_sessions_dossier_id_dossiers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guidance_sessions")),
        sa.UniqueConstraint("uuid", name=op.f("uq_guidance_sessions_uuid")),
        sa.UniqueConstraint("dossier_id", name=op.f("uq_guidance_sessions_dossier_id")),
    )
    op.create_index("ix_guidance_sessions_at", "guidance_sessions", ["at"])
    # The log is a count the province relies on: the database itself refuses edits.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION guidance_sessions_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{_REFUSAL}'; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER guidance_sessions_append_only BEFORE UPDATE OR DELETE "
            "ON guidance_sessions FOR EACH ROW EXECUTE FUNCTION guidance_sessions_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER guidance_sessions_no_{action.lower()} BEFORE {action} "
                f"ON guidance_sessions BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END"
            )


def downgrade() -> None:
    op.drop_index("ix_guidance_sessions_at", table_name="guidance_sessions")
    op.drop_table("guidance_sessions")  # its triggers go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS guidance_sessions_append_only()")
