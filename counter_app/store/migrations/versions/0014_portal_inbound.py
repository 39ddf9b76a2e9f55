"""portal inbound: dossiers filed online pulled from the province; 2026 calendar corrections

`portal_inbound`, one row per dossier the counter pulled from the province's one-stop
system (`counter-app portal pull`): the portal's code (`MaHoSo`, unique, so a dossier is
taken once however often it is listed), the dossier it became and the last status the
province reported for it (a change is applied once, as an event).

The 2026 calendar, corrected in the shipped overrides file, is corrected in the holiday
table of a database seeded before (migration 0007 seeds new ones from the file itself):
2/1/2026 is a day off, confirmed (Công văn 12729/VPCP-KGVX, swapped with Saturday
10/1/2026, now a make-up working day); 24/11/2026 is a proposed, unapplied day off (the
Labour Code change it needs was not confirmed). An entry an admin already changed is left
as it is.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-10 12:00:00
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

from counter_app.resources import resource_path

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_SEED_ACTOR = "system"
_CORRECTED = (date(2026, 1, 2), date(2026, 1, 10), date(2026, 11, 24))
_KINDS = {"days_off": "day_off", "working_days": "working_day"}


def _shipped(day: date) -> dict[str, object]:
    """The entry of the shipped overrides file for `day` (frozen: file format 1)."""
    document = json.loads(resource_path("calendar", "overrides.json").read_text("utf-8"))
    for section, kind in _KINDS.items():
        for entry in document["years"][str(day.year)].get(section, []):
            if entry["date"] == day.isoformat():
                source = entry.get("source")
                return {
                    "kind": kind,
                    "name": entry.get("name") or "",
                    "status": "proposed" if entry.get("proposed") else "confirmed",
                    "source": source if isinstance(source, str) else None,
                }
    raise LookupError(day)


def _correct_calendar() -> None:
    bind = op.get_bind()
    days = sa.table(
        "calendar_days",
        sa.column("id", sa.Integer),
        sa.column("day", sa.Date),
        sa.column("kind", sa.String),
        sa.column("name", sa.String),
        sa.column("status", sa.String),
        sa.column("source", sa.Text),
        sa.column("changed_by", sa.String),
        sa.column("changed_at", sa.DateTime),
    )
    changes = sa.table(
        "calendar_day_changes",
        sa.column("day", sa.Date),
        sa.column("action", sa.String),
        sa.column("kind", sa.String),
        sa.column("name", sa.String),
        sa.column("status", sa.String),
        sa.column("actor", sa.String),
        sa.column("actor_role", sa.String),
        sa.column("at", sa.DateTime),
        sa.column("forced", sa.Boolean),
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    for day in _CORRECTED:
        entry = _shipped(day)
        row = bind.execute(
            sa.select(days.c.id, days.c.status, days.c.changed_by).where(days.c.day == day)
        ).first()
        if row is None:
            bind.execute(
                days.insert().values(day=day, changed_by=_SEED_ACTOR, changed_at=now, **entry)
            )
            action = "seeded"
        elif row.status == "proposed" and row.changed_by == _SEED_ACTOR:
            # The shipped proposal, never touched by an admin: the corrected entry.
            bind.execute(
                days.update()
                .where(days.c.id == row.id)
                .values(changed_by=_SEED_ACTOR, changed_at=now, **entry)
            )
            action = "corrected"
        else:
            continue  # as shipped already, or an admin's decision: left alone
        bind.execute(
            changes.insert().values(
                day=day,
                action=action,
                kind=entry["kind"],
                name=entry["name"],
                status=entry["status"],
                actor=_SEED_ACTOR,
                actor_role="admin",
                at=now,
                forced=day < now.date(),
            )
        )


def upgrade() -> None:
    op.create_table(
        "portal_inbound",
        sa.Column("portal_code", sa.String(length=64), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("upstream_status", sa.String(length=4), nullable=False),
        sa.Column("pulled_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("acknowledged", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_portal_inbound_dossier_id_dossiers")
        ),
        sa.PrimaryKeyConstraint("portal_code", name=op.f("pk_portal_inbound")),
        sa.UniqueConstraint("dossier_id", name=op.f("uq_portal_inbound_dossier_id")),
    )
    _correct_calendar()


def downgrade() -> None:
    # The calendar corrections stay: the holiday table keeps its history either way.
    op.drop_table("portal_inbound")
