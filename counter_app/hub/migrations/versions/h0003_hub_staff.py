"""the dashboard's staff accounts, web sessions and access log

Revision ID: h0003
Revises: h0002
Create Date: 2026-12-07 22:40:00

* `hub_staff`: provincial officers (login, argon2 hash, role viewer|admin, failed sign-ins
  in a row, locked until);
* `hub_web_sessions`: signed-in browsers (the sha256 of the cookie's random token, the
  CSRF token, created, last seen, idle expiry);
* `hub_access_log`: who opened which page or object, and whether applicant data was shown;
* two indexes on `hub_dossiers` for the dashboard: (office_unit, updated_at) finds a
  period's results, (office_unit, status, due_at) the open dossiers past due.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "h0003"
down_revision = "h0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hub_staff",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_count", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_staff")),
        sa.UniqueConstraint("login", name=op.f("uq_hub_staff_login")),
    )
    op.create_table(
        "hub_web_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["hub_staff.id"], name=op.f("fk_hub_web_sessions_staff_id_hub_staff")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_hub_web_sessions")),
    )
    op.create_index("ix_hub_web_sessions_staff_id", "hub_web_sessions", ["staff_id"], unique=False)
    op.create_index(
        "ix_hub_web_sessions_expires_at", "hub_web_sessions", ["expires_at"], unique=False
    )
    op.create_table(
        "hub_access_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("page", sa.String(length=200), nullable=False),
        sa.Column("object", sa.String(length=100), nullable=True),
        sa.Column("personal_data", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_access_log")),
    )
    op.create_index("ix_hub_access_log_at", "hub_access_log", ["at"], unique=False)
    # The dashboard's figures: results of a period, open dossiers past due.
    op.create_index("ix_hub_dossiers_office_updated", "hub_dossiers", ["office_unit", "updated_at"])
    op.create_index(
        "ix_hub_dossiers_office_status_due", "hub_dossiers", ["office_unit", "status", "due_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_hub_dossiers_office_status_due", table_name="hub_dossiers")
    op.drop_index("ix_hub_dossiers_office_updated", table_name="hub_dossiers")
    op.drop_table("hub_access_log")
    op.drop_table("hub_web_sessions")
    op.drop_table("hub_staff")
