"""The periodic report on TTHC results: Circular 01/2020 Biểu 06 (and II.06a, same columns).

Counting rules (REGULATIONS §5.1, the TD-DVC conventions, plus Decision 766 for a second
supplement request), all evaluated in SQL so a month over a million dossiers stays fast:

- A dossier belongs to the period when it was received on or before the last day and was
  not finished before the first day. `submitted` dossiers are not yet received: left out.
- Finished means resolved (`resolved_at`, for statuses resolved and returned) or closed
  without a result (refused, withdrawn, stopped: the time of that move).
- Received = online (online, assisted) + direct and postal (both received in the period)
  + carried over (received before the first day). Received = resolved + in progress.
- Resolved in the period: closed without a result counts as on time; otherwise a dossier
  with two or more supplement requests is late; else the finishing date against the due
  date, date only (Vietnam time): before = early, same day or no due date = on time,
  after = late.
- In progress at the end of the period (not finished by then): two or more supplement
  requests = overdue; waiting for a supplement since before the end, or no due date, or
  due on or after the last day = in time; else overdue.

Known approximations, since the report reads today's row of each dossier: a due date
later extended by a supplement pause, a supplement pending at the end of a past period but
completed since, and a second supplement request made after the period, are seen as they
are now.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from counter_app.domain.lifecycle import Channel, Status
from counter_app.reports.day import day_bounds
from counter_app.reports.periods import ReportPeriod
from counter_app.reports.sql import vn_date
from counter_app.store.models import Dossier, Event, Office

COLUMNS: tuple[str, ...] = (
    "received",
    "received_online",
    "received_direct_postal",
    "carried_over",
    "resolved",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "in_progress",
    "in_progress_in_time",
    "in_progress_overdue",
)

OPEN_STATUSES = (
    Status.RECEIVED,
    Status.PROCESSING,
    Status.SUPPLEMENT,
    Status.FEES_DUE,
)
RESULT_STATUSES = (Status.RESOLVED, Status.RETURNED)
CLOSED_STATUSES = (Status.REFUSED, Status.WITHDRAWN, Status.STOPPED)
ONLINE_CHANNELS = tuple(c for c in Channel if c.is_online)
SECOND_SUPPLEMENT = 2


def _values(statuses: tuple[Any, ...]) -> list[str]:
    return [s.value for s in statuses]


@dataclass(frozen=True)
class ReportRow:
    field: str
    procedure: str
    procedure_name: str
    counts: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "procedure": self.procedure,
            "procedure_name": self.procedure_name,
            **self.counts,
        }


@dataclass(frozen=True)
class PeriodicReport:
    period: ReportPeriod
    office_code: str
    office_name: str
    parent_body: str
    totals: dict[str, int]
    rows: tuple[ReportRow, ...]

    def to_json(self) -> dict[str, Any]:
        """The `report monthly --json` shape of DESIGN.md."""
        return {
            "period": self.period.to_json(),
            "office": self.office_code,
            "totals": dict(self.totals),
            "rows": [row.to_json() for row in self.rows],
        }

    def fields(self) -> list[tuple[str, dict[str, int], list[ReportRow]]]:
        """Rows grouped by field, each with its subtotal, in report order."""
        grouped: dict[str, list[ReportRow]] = {}
        for row in self.rows:
            grouped.setdefault(row.field, []).append(row)
        return [
            (name, {c: sum(r.counts[c] for r in rows) for c in COLUMNS}, rows)
            for name, rows in grouped.items()
        ]


def finished_at_column() -> sa.ColumnElement[Any]:
    """When a dossier was finished: its result, or its move to a closing status; else NULL."""
    closing_event = (
        sa.select(sa.func.min(Event.at))
        .where(Event.dossier_id == Dossier.id, Event.to_status == Dossier.status)
        .correlate(Dossier)
        .scalar_subquery()
    )
    return sa.case(
        (Dossier.status.in_(_values(RESULT_STATUSES)), Dossier.resolved_at),
        (Dossier.status.in_(_values(CLOSED_STATUSES)), closing_event),
        else_=sa.null(),
    )


def period_dossiers(office: Office, period: ReportPeriod) -> sa.Subquery:
    """The dossiers the period counts, one row each, from four index-driven parts."""
    start, _ = day_bounds(period.date_from)
    _, end = day_bounds(period.date_to)
    columns = (
        Dossier.id,
        Dossier.procedure_field,
        Dossier.procedure_code,
        Dossier.procedure_name,
        Dossier.channel,
        Dossier.status,
        Dossier.received_at,
        Dossier.due_at,
        Dossier.paused_at,
        Dossier.supplement_count,
        finished_at_column().label("finished_at"),
        # Local dates once per row here, not in every CASE of the aggregate.
        vn_date(finished_at_column()).label("finish_day"),
        vn_date(Dossier.due_at).label("due_day"),
    )
    counted = _values(OPEN_STATUSES + RESULT_STATUSES + CLOSED_STATUSES)
    in_period = sa.select(*columns).where(
        Dossier.office_id == office.id,
        Dossier.received_at >= start,
        Dossier.received_at < end,
        Dossier.status.in_(counted),
    )
    before = (Dossier.office_id == office.id, Dossier.received_at < start)
    still_open = sa.select(*columns).where(*before, Dossier.status.in_(_values(OPEN_STATUSES)))
    # Only a move to RESOLVED sets `resolved_at`, and RESOLVED only moves on to RETURNED:
    # no status test here, so the search runs on the resolved_at index.
    resolved_since = sa.select(*columns).where(*before, Dossier.resolved_at >= start)
    closed_since = sa.select(*columns).where(
        *before,
        Dossier.status.in_(_values(CLOSED_STATUSES)),
        Dossier.id.in_(
            sa.select(Event.dossier_id).where(
                Event.to_status.in_(_values(CLOSED_STATUSES)), Event.at >= start
            )
        ),
    )
    return sa.union_all(in_period, still_open, resolved_since, closed_since).subquery("counted")


def _count_expressions(dossiers: sa.Subquery, period: ReportPeriod) -> list[sa.ColumnElement[Any]]:
    start, _ = day_bounds(period.date_from)
    _, end = day_bounds(period.date_to)
    d = dossiers.c
    new = d.received_at >= start
    finished = sa.and_(d.finished_at.is_not(None), d.finished_at < end)
    second_supplement = d.supplement_count >= SECOND_SUPPLEMENT
    closed = d.status.in_(_values(CLOSED_STATUSES))
    finish_day, due_day = d.finish_day, d.due_day
    resolved_class = sa.case(
        (closed, "on_time"),
        (second_supplement, "late"),
        (d.due_at.is_(None), "on_time"),
        (finish_day < due_day, "early"),
        (finish_day == due_day, "on_time"),
        else_="late",
    )
    waiting = sa.and_(
        d.status == Status.SUPPLEMENT.value, d.paused_at.is_not(None), d.paused_at < end
    )
    progress_class = sa.case(
        (second_supplement, "overdue"),
        (waiting, "in_time"),
        (d.due_at.is_(None), "in_time"),
        (due_day >= period.date_to, "in_time"),
        else_="overdue",
    )

    def count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    online = d.channel.in_(_values(ONLINE_CHANNELS))
    return [
        count(sa.true()).label("received"),
        count(sa.and_(new, online)).label("received_online"),
        count(sa.and_(new, sa.not_(online))).label("received_direct_postal"),
        count(sa.not_(new)).label("carried_over"),
        count(finished).label("resolved"),
        count(sa.and_(finished, resolved_class == "early")).label("resolved_early"),
        count(sa.and_(finished, resolved_class == "on_time")).label("resolved_on_time"),
        count(sa.and_(finished, resolved_class == "late")).label("resolved_late"),
        count(sa.not_(finished)).label("in_progress"),
        count(sa.and_(sa.not_(finished), progress_class == "in_time")).label("in_progress_in_time"),
        count(sa.and_(sa.not_(finished), progress_class == "overdue")).label("in_progress_overdue"),
    ]


def periodic_report(session: Session, office: Office, period: ReportPeriod) -> PeriodicReport:
    """Biểu 06 for `office` over `period`: rows by field and procedure, and the totals."""
    dossiers = period_dossiers(office, period)
    statement = (
        sa.select(
            dossiers.c.procedure_field,
            dossiers.c.procedure_code,
            sa.func.max(dossiers.c.procedure_name),
            *_count_expressions(dossiers, period),
        )
        .group_by(dossiers.c.procedure_field, dossiers.c.procedure_code)
        .order_by(dossiers.c.procedure_field, dossiers.c.procedure_code)
    )
    rows = tuple(
        ReportRow(
            field=row[0] or "",
            procedure=row[1],
            procedure_name=row[2] or "",
            counts={column: int(row[3 + i]) for i, column in enumerate(COLUMNS)},
        )
        for row in session.execute(statement)
    )
    totals = {column: sum(row.counts[column] for row in rows) for column in COLUMNS}
    return PeriodicReport(
        period=period,
        office_code=office.unit_code,
        office_name=office.name,
        parent_body=office.parent_body,
        totals=totals,
        rows=rows,
    )
