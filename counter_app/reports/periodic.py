"""The periodic report on TTHC results: Circular 01/2020 Biểu 06 (and II.06a, same columns).

Counting rules (docs/rules.md §12: the columns of Circular 01/2020, the conventions of
production one-stop systems, plus Decision 766 for a second supplement request), all
evaluated in SQL so a month over a million dossiers stays fast:

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
- In progress at the end of the period (not finished by then), read as it stood at that
  moment from its events, so a closed period keeps its figures however often it is re-run:
  two or more supplement requests made before the end = overdue; waiting for a supplement
  at the end (its last move before the end went to `supplement`) = in time; no due date,
  or the due date then in force on or after the last day = in time; else overdue. The due
  date then in force is the one the first resumption after the end replaced (each move out
  of a supplement pause records `previous_due_at` and the new `due_at` in its event data),
  or today's when there has been none since. An extension (form 04) also records both
  dates, but does not cure lateness: an extended dossier is measured, finished or not,
  against the due date before its first extension (dossiers/deadlines.py).
- A period still running (it includes now, e.g. the December report on 7 December) is read
  as of now, not as of its last day: the same rules with today for the last day (nothing
  has happened after now), so a dossier still in progress is overdue only when the due date
  then in force is already past (before today, date only, as a result handed back today
  would still be on time), never for a due date later in the period. The report carries that moment
  (`as_of`, printed "tính đến HH:MM dd/MM/yyyy"). Closed periods are unchanged, and a
  report run on a period's last day gives the figures it keeps once closed.

A finished dossier is read from today's row: its result or close is final, and nothing the
outcome depends on (requests, due date) changes after it.

What can still change a closed period's figures: a dossier logged late, after the period,
with a receipt time inside it (it is counted, and listed among the late entries); and a
resumption recorded before the due dates went into the event data (an older data
directory), for which today's due date stands in for the one then in force.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from counter_app.domain.calendar import VN_TZ, WorkCalendar
from counter_app.domain.lifecycle import Channel, EventKind, Status
from counter_app.domain.periods import ReportPeriod
from counter_app.kernel.day import day_bounds
from counter_app.reports.late_entries import LateEntry, late_entries
from counter_app.reports.sql import iso_moment, vn_date
from counter_app.store.models import Dossier, Event, Office, UtcDateTime

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
    late_entries: tuple[LateEntry, ...] = ()
    """Dossiers received in the period and logged after the fact (issue 2)."""
    as_of: datetime | None = None
    """For a period still running, the moment its open dossiers were read at (now);
    None for a closed period, read as it stood at its end."""

    def to_json(self) -> dict[str, Any]:
        """The `report monthly --json` document scripts rely on, plus the late-entry count
        and, for a period still running, the moment it was read at (`as_of`)."""
        return {
            "period": self.period.to_json(),
            "office": self.office_code,
            "totals": dict(self.totals),
            "rows": [row.to_json() for row in self.rows],
            "late_entries": len(self.late_entries),
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
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


class Outcome(IntEnum):
    """Where a counted dossier stands at the end of a period."""

    EARLY = 1
    ON_TIME = 2
    LATE = 3
    IN_TIME = 4
    OVERDUE = 5


FINISHED_OUTCOMES = (Outcome.EARLY, Outcome.ON_TIME, Outcome.LATE)


def _moves_before(ends: Any) -> sa.Select[Any]:
    """The status moves of the outer row's dossier made before `ends`, as a base query."""
    return (
        sa.select()
        .where(Event.dossier_id == Dossier.id, Event.to_status.is_not(None), Event.at < ends)
        .correlate_except(Event)
    )


def _as_of(ends: Any) -> tuple[sa.ColumnElement[bool], sa.ColumnElement[bool], Any]:
    """The outer row's dossier as it stood at `ends`, from its events: (two or more
    supplement requests, waiting for a supplement, the due date then in force).

    Each part tests the current row first (requests are only ever added; a dossier never
    asked for one has its first due date), so the events are read only for the few
    dossiers that had a supplement request.
    """
    requests = (
        _moves_before(ends)
        .add_columns(sa.func.count())
        .where(Event.to_status == Status.SUPPLEMENT.value)
        .scalar_subquery()
    )
    second_supplement = sa.and_(
        Dossier.supplement_count >= SECOND_SUPPLEMENT, requests >= SECOND_SUPPLEMENT
    )
    last_move_to = (
        _moves_before(ends)
        .add_columns(Event.to_status)
        .order_by(Event.at.desc(), Event.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    waiting = sa.and_(Dossier.supplement_count > 0, last_move_to == Status.SUPPLEMENT.value)
    # The due date moves only when a supplement pause ends or an extension is granted, and
    # both record the date they replaced: the first such event at or after `ends` holds the
    # date in force then; none since means today's date. Moves recorded before the previous
    # due date was written to the event carry none: today's date is used for them.
    replaced_due = (
        sa.select(Event.data["previous_due_at"].as_string())
        .where(
            Event.dossier_id == Dossier.id,
            sa.or_(
                Event.from_status == Status.SUPPLEMENT.value,
                Event.kind == EventKind.EXTENDED.value,
            ),
            Event.at >= ends,
        )
        .correlate_except(Event)
        .order_by(Event.at, Event.id)
        .limit(1)
        .scalar_subquery()
    )
    # An extension granted before `ends` does not cure lateness: its first one's date stands.
    due_at = sa.func.coalesce(due_before_extension(ends), iso_moment(replaced_due), Dossier.due_at)
    return second_supplement, waiting, due_at


def due_before_extension(ends: Any | None = None) -> sa.ColumnElement[Any]:
    """The due date in force before the outer row's dossier was first extended (before
    `ends`, when given); NULL when it was not. An apology and extension (form 04) does not
    make a late dossier on time (dossiers/deadlines.py)."""
    first_extension = (
        sa.select(Event.data["previous_due_at"].as_string())
        .where(Event.dossier_id == Dossier.id, Event.kind == EventKind.EXTENDED.value)
        .correlate_except(Event)
    )
    if ends is not None:
        first_extension = first_extension.where(Event.at < ends)
    return iso_moment(first_extension.order_by(Event.at, Event.id).limit(1).scalar_subquery())


def _outcome(ends: Any, last_day: Any) -> sa.ColumnElement[int]:
    """A dossier's `Outcome` for a period ending at `ends` (a moment) on `last_day` (its
    last day, or today while it runs), once per row, so the aggregate only tallies small
    numbers.

    A dossier finished before `ends` is read from today's row: nothing that the outcome
    depends on changes after a result or a close. One still in progress at `ends` is read
    as it stood then (`_as_of`), so a closed period's figures do not change later.
    """
    finished_at = finished_at_column()
    finish_day = vn_date(finished_at)
    due_day = vn_date(sa.func.coalesce(due_before_extension(), Dossier.due_at))
    resolved = sa.case(
        (Dossier.status.in_(_values(CLOSED_STATUSES)), Outcome.ON_TIME.value),
        (Dossier.supplement_count >= SECOND_SUPPLEMENT, Outcome.LATE.value),
        (Dossier.due_at.is_(None), Outcome.ON_TIME.value),
        (finish_day < due_day, Outcome.EARLY.value),
        (finish_day == due_day, Outcome.ON_TIME.value),
        else_=Outcome.LATE.value,
    )
    second_supplement_then, waiting_then, due_then = _as_of(ends)
    in_progress = sa.case(
        (second_supplement_then, Outcome.OVERDUE.value),
        (waiting_then, Outcome.IN_TIME.value),
        (Dossier.due_at.is_(None), Outcome.IN_TIME.value),
        (vn_date(due_then) >= last_day, Outcome.IN_TIME.value),
        else_=Outcome.OVERDUE.value,
    )
    return sa.case(
        (sa.and_(finished_at.is_not(None), finished_at < ends), resolved), else_=in_progress
    )


# Later than any stored moment: the open upper end of the last bucket.
_END_OF_TIME = datetime(9999, 1, 1, tzinfo=UTC)


def _literal_table(name: str, rows: list[dict[str, Any]], types: dict[str, Any]) -> sa.Subquery:
    selects = [
        sa.select(*(sa.literal(row[key], types[key]).label(key) for key in types)) for row in rows
    ]
    if not selects:
        raise ValueError(f"{name}: no rows")
    table = selects[0] if len(selects) == 1 else sa.union_all(*selects)
    return table.subquery(name)


def running_as_of(period: ReportPeriod, now: datetime) -> datetime | None:
    """`now` when `period` is still running (it has begun and not ended), else None."""
    start, _ = day_bounds(period.date_from)
    _, end = day_bounds(period.date_to)
    return now if start <= now < end else None


def periods_table(periods: Sequence[ReportPeriod], now: datetime) -> sa.Subquery:
    """The periods as rows (idx, starts, ends, last_day): one query counts them all. Open
    dossiers are read at the end against `last_day`: the period's last day or, while it
    runs, today (Vietnam time). Nothing has happened after now, so a running period read
    at its end is read as it stands now."""
    rows = []
    for index, period in enumerate(periods):
        start, _ = day_bounds(period.date_from)
        _, end = day_bounds(period.date_to)
        running = running_as_of(period, now)
        rows.append(
            {
                "idx": index,
                "starts": start,
                "ends": end,
                "last_day": period.date_to if running is None else running.astimezone(VN_TZ).date(),
            }
        )
    types = {"idx": sa.Integer(), "starts": UtcDateTime(), "ends": UtcDateTime()}
    return _literal_table("periods", rows, {**types, "last_day": sa.Date()})


def _start_buckets(periods: Sequence[ReportPeriod]) -> sa.Subquery:
    """[lo, hi) between consecutive period starts, the last one open: each finished dossier
    falls in one bucket, so it is read once however many periods it was carried through."""
    starts = sorted({day_bounds(period.date_from)[0] for period in periods})
    rows = [
        {"lo": lo, "hi": hi} for lo, hi in zip(starts, [*starts[1:], _END_OF_TIME], strict=True)
    ]
    return _literal_table("buckets", rows, {"lo": UtcDateTime(), "hi": UtcDateTime()})


def period_dossiers(office: Office, periods: Sequence[ReportPeriod], now: datetime) -> sa.Subquery:
    """The dossiers each period counts, one row per dossier and period, from four
    index-driven parts; each row carries its period's idx and bounds. A period still
    running at `now` has its open dossiers read as of `now`."""
    table = periods_table(periods, now)
    p = table.c
    columns = (
        Dossier.procedure_field,
        Dossier.procedure_code,
        Dossier.procedure_name,
        p.idx,
        sa.case((Dossier.received_at >= p.starts, 1), else_=0).label("new"),
        sa.case((Dossier.channel.in_(_values(ONLINE_CHANNELS)), 1), else_=0).label("online"),
        _outcome(p.ends, p.last_day).label("outcome"),
    )
    counted = _values(OPEN_STATUSES + RESULT_STATUSES + CLOSED_STATUSES)
    in_period = sa.select(*columns).where(
        Dossier.office_id == office.id,
        Dossier.received_at >= p.starts,
        Dossier.received_at < p.ends,
        Dossier.status.in_(counted),
    )
    before = (Dossier.office_id == office.id, Dossier.received_at < p.starts)
    still_open = sa.select(*columns).where(*before, Dossier.status.in_(_values(OPEN_STATUSES)))
    # Received before a period and resolved at or after its start. Only a move to RESOLVED
    # sets `resolved_at`, and RESOLVED only moves on to RETURNED: no status test. Each
    # dossier is found once, in the bucket of its result time, on the
    # (resolved_at, received_at) index; then joined to every period it was carried into.
    buckets = _start_buckets(periods)
    resolved_since = (
        sa.select(*columns)
        .select_from(buckets)
        .join(
            Dossier,
            sa.and_(
                Dossier.resolved_at >= buckets.c.lo,
                Dossier.resolved_at < buckets.c.hi,
                Dossier.received_at < buckets.c.lo,
            ),
        )
        .join(table, sa.and_(*before[1:], Dossier.resolved_at >= p.starts))
        .where(before[0])
    )
    # Closed (refused, withdrawn, stopped) at or after a period's start: the latest closing
    # move of each dossier closed since the first period began.
    closings = (
        sa.select(Event.dossier_id, sa.func.max(Event.at).label("last_at"))
        .where(
            Event.to_status.in_(_values(CLOSED_STATUSES)),
            Event.at >= min(day_bounds(period.date_from)[0] for period in periods),
        )
        .group_by(Event.dossier_id)
        .subquery("closings")
    )
    closed_since = (
        sa.select(*columns)
        .join_from(Dossier, closings, closings.c.dossier_id == Dossier.id)
        .join(table, sa.and_(*before[1:], closings.c.last_at >= p.starts))
        .where(before[0], Dossier.status.in_(_values(CLOSED_STATUSES)))
    )
    return sa.union_all(in_period, still_open, resolved_since, closed_since).subquery("counted")


def _count_expressions(dossiers: sa.Subquery) -> list[sa.ColumnElement[Any]]:
    """The report's columns, tallied from each counted row's flags and outcome."""
    d = dossiers.c

    def count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    finished = d.outcome.in_([o.value for o in FINISHED_OUTCOMES])
    return [
        sa.func.count().label("received"),
        count(sa.and_(d.new == 1, d.online == 1)).label("received_online"),
        count(sa.and_(d.new == 1, d.online == 0)).label("received_direct_postal"),
        count(d.new == 0).label("carried_over"),
        count(finished).label("resolved"),
        count(d.outcome == Outcome.EARLY.value).label("resolved_early"),
        count(d.outcome == Outcome.ON_TIME.value).label("resolved_on_time"),
        count(d.outcome == Outcome.LATE.value).label("resolved_late"),
        count(sa.not_(finished)).label("in_progress"),
        count(d.outcome == Outcome.IN_TIME.value).label("in_progress_in_time"),
        count(d.outcome == Outcome.OVERDUE.value).label("in_progress_overdue"),
    ]


def periodic_report(
    session: Session,
    office: Office,
    period: ReportPeriod,
    calendar: WorkCalendar,
    *,
    now: datetime,
) -> PeriodicReport:
    """Biểu 06 for `office` over `period`: rows by field and procedure, the totals, and the
    late entries among the dossiers received in the period (their delay on `calendar`).
    A period still running at `now` is read as of `now` (the report's `as_of`)."""
    dossiers = period_dossiers(office, [period], now)
    statement = (
        sa.select(
            dossiers.c.procedure_field,
            dossiers.c.procedure_code,
            sa.func.max(dossiers.c.procedure_name),
            *_count_expressions(dossiers),
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
        late_entries=tuple(
            late_entries(session, office, period.date_from, period.date_to, calendar)
        ),
        as_of=running_as_of(period, now),
    )


def period_totals(
    session: Session, office: Office, periods: Sequence[ReportPeriod], *, now: datetime
) -> list[dict[str, int]]:
    """The report's totals for each of `periods`, in one query grouped by period: the same
    rows and rules as `periodic_report` (the dashboard's 12-month trend), the one still
    running at `now` read as of `now`."""
    if not periods:
        return []
    dossiers = period_dossiers(office, periods, now)
    statement = sa.select(dossiers.c.idx, *_count_expressions(dossiers)).group_by(dossiers.c.idx)
    found = {int(row[0]): row[1:] for row in session.execute(statement)}
    return [
        {column: int(found[index][i]) if index in found else 0 for i, column in enumerate(COLUMNS)}
        for index in range(len(periods))
    ]
