"""the office's holiday table in the database, seeded from the shipped overrides file

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 18:00:00
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

from counter_app.resources import resource_path

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The file's sections and the kinds stored for them (frozen here: the file format 1).
_SECTIONS = {"days_off": "day_off", "working_days": "working_day"}
_SEED_ACTOR = "system"


def _shipped_entries() -> list[dict[str, object]]:
    """The entries of resources/calendar/overrides.json, as the release being installed ships it.

    A proposed entry stays proposed (not applied) until an admin confirms it.
    """
    path = resource_path("calendar", "overrides.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    entries: list[dict[str, object]] = []
    for table in document.get("years", {}).values():
        for section, kind in _SECTIONS.items():
            for entry in table.get(section, []):
                source = entry.get("source")
                entries.append(
                    {
                        "day": date.fromisoformat(entry["date"]),
                        "kind": kind,
                        "name": entry.get("name") or "",
                        "status": "proposed" if entry.get("proposed") else "confirmed",
                        "source": source if isinstance(source, str) else None,
                    }
                )
    return entries


def upgrade() -> None:
    days = op.create_table(
        "calendar_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.String(length=64), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_days")),
        sa.UniqueConstraint("day", name=op.f("uq_calendar_days_day")),
    )
    changes = op.create_table(
        "calendar_day_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("forced", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_day_changes")),
    )
    op.create_index(
        op.f("ix_calendar_day_changes_day"), "calendar_day_changes", ["day"], unique=False
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    entries = _shipped_entries()
    op.bulk_insert(
        days, [{**entry, "changed_by": _SEED_ACTOR, "changed_at": now} for entry in entries]
    )
    op.bulk_insert(
        changes,
        [
            {
                "day": entry["day"],
                "action": "seeded",
                "kind": entry["kind"],
                "name": entry["name"],
                "status": entry["status"],
                "actor": _SEED_ACTOR,
                "actor_role": "admin",
                "at": now,
                "forced": False,
            }
            for entry in entries
        ],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_calendar_day_changes_day"), table_name="calendar_day_changes")
    op.drop_table("calendar_day_changes")
    op.drop_table("calendar_days")
