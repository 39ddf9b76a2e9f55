"""Late entries: dossiers logged after the fact (`intake --received-at ... --reason ...`).

Catching up after a power cut or a network outage must never hide that it happened, so
every report of a period lists the late entries among the dossiers it received. The
selection and the delay in hours are computed in SQL; the delay in working days needs the
office calendar, counted once per (receipt day, entry day) pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from counter_app.domain.calendar import WorkCalendar
from counter_app.kernel.day import day_bounds
from counter_app.kernel.views import iso, vn_time
from counter_app.reports.sql import hours_between
from counter_app.store.models import Dossier, Office


@dataclass(frozen=True)
class LateEntry:
    code: str
    procedure: str
    procedure_name: str
    received_at: datetime
    """The real time of receipt (Vietnam time)."""
    entered_at: datetime
    """When it was typed in (Vietnam time)."""
    delay_hours: float
    delay_working_days: int
    """Working days from the receipt day to the entry day; 0 when entered the same day."""
    entered_by: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "procedure": self.procedure,
            "procedure_name": self.procedure_name,
            "received_at": iso(self.received_at),
            "entered_at": iso(self.entered_at),
            "delay_hours": self.delay_hours,
            "delay_working_days": self.delay_working_days,
            "entered_by": self.entered_by,
            "reason": self.reason,
        }


def late_entries(
    session: Session, office: Office, date_from: date, date_to: date, calendar: WorkCalendar
) -> list[LateEntry]:
    """Late entries of `office` received from `date_from` to `date_to` (Vietnam dates,
    inclusive), oldest receipt first: the same receipt window the period's report counts."""
    start, _ = day_bounds(date_from)
    _, end = day_bounds(date_to)
    rows = session.execute(
        sa.select(
            Dossier.code,
            Dossier.procedure_code,
            Dossier.procedure_name,
            Dossier.received_at,
            Dossier.entered_at,
            hours_between(Dossier.received_at, Dossier.entered_at).label("delay_hours"),
            Dossier.received_by,
            Dossier.late_entry_reason,
        )
        .where(
            Dossier.office_id == office.id,
            Dossier.late_entry.is_(True),
            Dossier.received_at >= start,
            Dossier.received_at < end,
        )
        .order_by(Dossier.received_at, Dossier.id)
    ).all()
    days: dict[tuple[date, date], int] = {}
    found = []
    for row in rows:
        received, entered = vn_time(row.received_at), vn_time(row.entered_at)
        assert received is not None and entered is not None
        pair = (received.date(), entered.date())
        if pair not in days:
            days[pair] = calendar.working_days_between(*pair)
        found.append(
            LateEntry(
                code=row.code,
                procedure=row.procedure_code,
                procedure_name=row.procedure_name,
                received_at=received,
                entered_at=entered,
                delay_hours=round(float(row.delay_hours), 2),
                delay_working_days=days[pair],
                entered_by=row.received_by,
                reason=row.late_entry_reason or "",
            )
        )
    return found
