"""The dashboard's read queries over the hub's tables (no web code here).

Each page is one function with a plain signature (a session, the day, the moment) so it can
be measured on its own (benchmarks/): every figure is counted by the database in a few
grouped statements over indexed columns, never row by row in Python.

What the figures mean (docs/hub-dashboard.md):

* received: dossiers received in the period (by their receipt time, Vietnam dates), drafts
  (`submitted`) left out;
* resolved: dossiers finished with a result in the period (`NgayKetThucXuLy` of the record
  the counter sent), whenever they were received;
* late: those of them finished after their due date (date only, as Biểu 06 counts);
* overdue now: dossiers still open whose due date has passed (before today);
* online share: online and assisted (guided at the counter) filings over those received,
  against the province's target for communes (`online_target`);
* day close: whether the office closed the last working day (today after 17:00): matched,
  a difference, or missing (not closed).

Nothing here reads or returns applicant data: `dossier_detail` is the one function that
does, and the page calling it is for administrators only and logs each opening.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from counter_app.domain.calendar import VN_TZ, WorkCalendar
from counter_app.domain.units import load_units
from counter_app.hub.models import (
    HubAccessLog,
    HubDayClose,
    HubDevice,
    HubDossier,
    HubEvent,
    HubMeta,
    HubOffice,
)
from counter_app.reports.sql import vn_date
from counter_app.resources import read_json, resource_path

RESULT_STATUSES = ("resolved", "returned")
OPEN_STATUSES = ("received", "processing", "supplement", "fees_due")
ONLINE_CHANNELS = ("online", "assisted")
GUIDED_CHANNEL = "assisted"
"""An online filing made at the counter with the clerk's help: the guided-online count."""
DRAFT = "submitted"

TARGET_KEY = "online_target"
"""`hub_meta` key of the province's online-share target for communes (a fraction)."""
TARGET_SOURCE_KEY = "online_target_source"
TARGET_LEVEL = "commune"

CLOSE_HOUR = 17
"""From this hour (Vietnam time) the overview checks today's close, before it yesterday's."""
CLOSE_MATCHED = "matched"
CLOSE_DIFFERENCE = "difference"
CLOSE_MISSING = "missing"
_CLOSE_RANK = {CLOSE_DIFFERENCE: 0, CLOSE_MISSING: 1, CLOSE_MATCHED: 2}


# --- the target -------------------------------------------------------------------------


@dataclass(frozen=True)
class OnlineTarget:
    share: float
    """A fraction: 0.2 is 20 %."""
    source: str
    configured: bool
    """Set on this hub (`hub target`); False: the shipped default of the counter's guidance."""


def online_target(session: Session) -> OnlineTarget | None:
    """The province's online-share target for communes: the hub's own setting when made
    (`hub target`), else the commune target the counters ship with (their guidance data)."""
    rows = dict(
        session.execute(
            sa.select(HubMeta.key, HubMeta.value).where(
                HubMeta.key.in_([TARGET_KEY, TARGET_SOURCE_KEY])
            )
        ).all()
    )
    if TARGET_KEY in rows:
        return OnlineTarget(float(rows[TARGET_KEY]), rows.get(TARGET_SOURCE_KEY, ""), True)
    try:
        rules: Any = read_json(resource_path("guidance", "rules.json"), ValueError)
        shipped = rules["targets"][TARGET_LEVEL]
        return OnlineTarget(float(shipped["share"]), str(shipped.get("source", "")), False)
    except (ValueError, KeyError, TypeError):
        return None


def set_online_target(session: Session, share: float, source: str) -> OnlineTarget:
    """Record the province's target (a fraction from 0 to 1) and where it comes from."""
    if not 0.0 <= share <= 1.0:
        raise ValueError(share)
    for key, value in ((TARGET_KEY, repr(share)), (TARGET_SOURCE_KEY, source[:200])):
        row = session.get(HubMeta, key)
        if row is None:
            session.add(HubMeta(key=key, value=value))
        else:
            row.value = value
    return OnlineTarget(share, source[:200], True)


# --- shared pieces ----------------------------------------------------------------------


def day_start(day: date) -> datetime:
    """Midnight of `day` in Vietnam time (an aware moment)."""
    return datetime.combine(day, time(0), VN_TZ)


def _portal_text(day: date) -> str:
    """`day` at midnight as the record writes its dates (`yyyyMMddHHmmss`, Vietnam time)."""
    return f"{day:%Y%m%d}000000"


def _record_text(key: str) -> sa.ColumnElement[str]:
    """A text field of the stored record (JSON on SQLite, JSONB on PostgreSQL)."""
    text: sa.ColumnElement[str] = HubDossier.record[key].as_string()
    return text


def _finished_text() -> sa.ColumnElement[str]:
    return _record_text("NgayKetThucXuLy")


def _due_text() -> sa.ColumnElement[str]:
    return _record_text("NgayHenTra")


def _count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _finished_late() -> sa.ColumnElement[bool]:
    """Finished after the due date, date only (both texts are Vietnam time)."""
    due = _due_text()
    return sa.and_(
        due.is_not(None),
        due != "",
        sa.func.substr(_finished_text(), 1, 8) > sa.func.substr(due, 1, 8),
    )


@dataclass(frozen=True)
class Figures:
    received: int = 0
    online: int = 0
    guided: int = 0
    resolved: int = 0
    late: int = 0

    @property
    def share(self) -> float | None:
        """Online over received; None when nothing was received."""
        return self.online / self.received if self.received else None


@dataclass(frozen=True)
class CloseState:
    day: date | None
    state: str
    """`matched`, `difference` or `missing`."""
    devices: int = 0


@dataclass(frozen=True)
class OfficeLine:
    office_unit: str
    name: str
    today: Figures
    month: Figures
    overdue_now: int
    last_sync: datetime | None
    close: CloseState
    below_target: bool

    @property
    def rank(self) -> tuple[int, int, int, float]:
        """Worst first: a day-close difference, then missing, then the most overdue, the
        most late this month, the lowest online share."""
        share = self.month.share
        return (
            _CLOSE_RANK[self.close.state],
            -self.overdue_now,
            -self.month.late,
            share if share is not None else 2.0,
        )


@dataclass(frozen=True)
class Overview:
    today: date
    close_day: date
    month_start: date
    target: OnlineTarget | None
    offices: tuple[OfficeLine, ...]
    totals_today: Figures
    totals_month: Figures


def office_names(codes: Sequence[str]) -> dict[str, str]:
    """The official names of the communes the hub knows, from the shipped unit list."""
    try:
        units = {unit.code: unit.name for unit in load_units()}
    except Exception:  # a missing or broken list: codes stand in for names
        units = {}
    return {code: units.get(code, code) for code in codes}


def known_offices(session: Session) -> list[str]:
    """Offices with a bound electronic ID or an enrolled device, sorted."""
    bound = sa.select(HubOffice.office_unit)
    enrolled = sa.select(HubDevice.office_unit).distinct()
    rows = session.execute(sa.union(bound, enrolled)).scalars().all()
    return sorted(str(code) for code in rows)


def _period_figures(
    session: Session, offices: Sequence[str], starts: date, ends: date
) -> dict[str, Figures]:
    """Figures of each office for the Vietnam dates [starts, ends): two grouped statements,
    one on (office_unit, received_at), one on (office_unit, updated_at)."""
    lo, hi = day_start(starts), day_start(ends)
    received = session.execute(
        sa.select(
            HubDossier.office_unit,
            sa.func.count(),
            _count(HubDossier.channel.in_(ONLINE_CHANNELS)),
            _count(HubDossier.channel == GUIDED_CHANNEL),
        )
        .where(
            HubDossier.office_unit.in_(offices),
            HubDossier.received_at >= lo,
            HubDossier.received_at < hi,
            HubDossier.status != DRAFT,
        )
        .group_by(HubDossier.office_unit)
    ).all()
    # A dossier finished in the period was sent (updated) at or after its start.
    finished = _finished_text()
    resolved = session.execute(
        sa.select(HubDossier.office_unit, sa.func.count(), _count(_finished_late()))
        .where(
            HubDossier.office_unit.in_(offices),
            HubDossier.updated_at >= lo,
            HubDossier.status.in_(RESULT_STATUSES),
            finished >= _portal_text(starts),
            finished < _portal_text(ends),
        )
        .group_by(HubDossier.office_unit)
    ).all()
    found: dict[str, dict[str, int]] = {}
    for office, n, online, guided in received:
        found.setdefault(office, {}).update(received=n, online=online, guided=guided)
    for office, n, late in resolved:
        found.setdefault(office, {}).update(resolved=n, late=late)
    return {
        office: Figures(**{k: int(v) for k, v in values.items()})
        for office, values in found.items()
    }


def _overdue_now(session: Session, offices: Sequence[str], today: date) -> dict[str, int]:
    """Open dossiers past their due date (before today) of each office."""
    rows = session.execute(
        sa.select(HubDossier.office_unit, sa.func.count())
        .where(
            HubDossier.office_unit.in_(offices),
            HubDossier.status.in_(OPEN_STATUSES),
            HubDossier.due_at < day_start(today),
        )
        .group_by(HubDossier.office_unit)
    ).all()
    return {office: int(n) for office, n in rows}


def close_day_of(now: datetime, calendar: WorkCalendar) -> date:
    """The day whose close the overview checks: today once the office day is over
    (`CLOSE_HOUR`, Vietnam time) and it is a working day, else the last working day before."""
    local = now.astimezone(VN_TZ)
    day = local.date()
    if local.hour >= CLOSE_HOUR and calendar.is_working_day(day):
        return day
    day -= timedelta(days=1)
    for _ in range(31):  # a long holiday at most
        if calendar.is_working_day(day):
            break
        day -= timedelta(days=1)
    return day


def _close_states(
    session: Session, offices: Sequence[str], close_day: date
) -> dict[str, CloseState]:
    """Whether each office closed `close_day`, and whether every device that closed it
    matched the hub."""
    rows = session.execute(
        sa.select(
            HubDayClose.office_unit,
            sa.func.count(),
            _count(HubDayClose.match.is_(False)),
        )
        .where(HubDayClose.office_unit.in_(offices), HubDayClose.day == close_day)
        .group_by(HubDayClose.office_unit)
    ).all()
    found = {
        office: CloseState(close_day, CLOSE_DIFFERENCE if differing else CLOSE_MATCHED, int(n))
        for office, n, differing in rows
    }
    return {o: found.get(o, CloseState(close_day, CLOSE_MISSING)) for o in offices}


def _last_syncs(session: Session, offices: Sequence[str]) -> dict[str, datetime | None]:
    rows = session.execute(
        sa.select(HubDevice.office_unit, sa.func.max(HubDevice.last_seen_at))
        .where(HubDevice.office_unit.in_(offices))
        .group_by(HubDevice.office_unit)
    ).all()
    return {office: seen for office, seen in rows}


def _sum(figures: Sequence[Figures]) -> Figures:
    return Figures(
        received=sum(f.received for f in figures),
        online=sum(f.online for f in figures),
        guided=sum(f.guided for f in figures),
        resolved=sum(f.resolved for f in figures),
        late=sum(f.late for f in figures),
    )


def overview(session: Session, today: date, close_day: date | None = None) -> Overview:
    """Every office with today's and this month's figures, the open dossiers past due, the
    last sync and whether it closed `close_day` (yesterday unless given; the page passes
    `close_day_of(now)`), worst first."""
    offices = known_offices(session)
    target = online_target(session)
    month_start = today.replace(day=1)
    tomorrow = today + timedelta(days=1)
    if not offices:
        return Overview(today, close_day or today, month_start, target, (), Figures(), Figures())
    day_figures = _period_figures(session, offices, today, tomorrow)
    month_figures = _period_figures(session, offices, month_start, tomorrow)
    overdue = _overdue_now(session, offices, today)
    closes = _close_states(session, offices, close_day or today - timedelta(days=1))
    syncs = _last_syncs(session, offices)
    names = office_names(offices)
    lines = []
    for office in offices:
        month = month_figures.get(office, Figures())
        share = month.share
        lines.append(
            OfficeLine(
                office_unit=office,
                name=names[office],
                today=day_figures.get(office, Figures()),
                month=month,
                overdue_now=overdue.get(office, 0),
                last_sync=syncs.get(office),
                close=closes[office],
                below_target=share is not None and target is not None and share < target.share,
            )
        )
    lines.sort(key=lambda line: (line.rank, line.office_unit))
    return Overview(
        today,
        close_day or today - timedelta(days=1),
        month_start,
        target,
        tuple(lines),
        _sum([line.today for line in lines]),
        _sum([line.month for line in lines]),
    )


# --- the commune page -------------------------------------------------------------------


@dataclass(frozen=True)
class DayLine:
    day: date
    received: int
    online: int
    guided: int


@dataclass(frozen=True)
class ProcedureLine:
    code: str
    name: str
    received: int
    online: int
    resolved: int
    open: int


@dataclass(frozen=True)
class LateDossier:
    code: str
    procedure: str
    status: str
    due: date | None
    days_late: int


@dataclass(frozen=True)
class OfficerLate:
    officer: str
    """The login of the officer who moved the dossier last (the event chain's actor)."""
    overdue: int
    codes: tuple[LateDossier, ...]


@dataclass(frozen=True)
class CloseDay:
    day: date
    device: str
    closed_at: datetime
    match: bool
    counter_received: int
    hub_received: int
    missing_on_hub: tuple[str, ...]
    unknown_to_counter: tuple[str, ...]
    head_mismatch: tuple[str, ...]
    count_differences: tuple[tuple[str, str, int, int], ...]
    """(group, key, counter, hub): by channel, status or procedure."""


@dataclass(frozen=True)
class CommunePage:
    office_unit: str
    name: str
    electronic_id: str | None
    start: date
    end: date
    """The Vietnam dates shown: [start, end]."""
    totals: Figures
    days: tuple[DayLine, ...]
    procedures: tuple[ProcedureLine, ...]
    channels: dict[str, int]
    statuses: dict[str, int]
    late_by_officer: tuple[OfficerLate, ...]
    closes: tuple[CloseDay, ...]
    devices: int
    last_sync: datetime | None
    target: OnlineTarget | None = None
    notes: tuple[str, ...] = field(default=())


def _vn_day(column: Any) -> Any:
    return vn_date(column)


def commune_page(
    session: Session,
    office_unit: str,
    start: date,
    end: date,
    today: date,
    *,
    late_limit: int = 200,
) -> CommunePage | None:
    """One office over the Vietnam dates [start, end]: receipts by day, procedure, channel
    and status; the open dossiers past due by the officer who last moved them; the day
    closes of the period with every difference named dossier by dossier. None when the hub
    does not know the office."""
    if office_unit not in known_offices(session):
        return None
    lo, hi = day_start(start), day_start(end + timedelta(days=1))
    in_period = (
        HubDossier.office_unit == office_unit,
        HubDossier.received_at >= lo,
        HubDossier.received_at < hi,
        HubDossier.status != DRAFT,
    )
    online = HubDossier.channel.in_(ONLINE_CHANNELS)
    guided = HubDossier.channel == GUIDED_CHANNEL
    day = _vn_day(HubDossier.received_at).label("day")
    days = tuple(
        DayLine(_as_date(d), int(n), int(o), int(g))
        for d, n, o, g in session.execute(
            sa.select(day, sa.func.count(), _count(online), _count(guided))
            .where(*in_period)
            .group_by(day)
            .order_by(day)
        ).all()
    )
    procedures = tuple(
        ProcedureLine(code, name or "", int(n), int(o), int(r), int(p))
        for code, name, n, o, r, p in session.execute(
            sa.select(
                HubDossier.procedure_code,
                sa.func.max(HubDossier.procedure_name),
                sa.func.count(),
                _count(online),
                _count(HubDossier.status.in_(RESULT_STATUSES)),
                _count(HubDossier.status.in_(OPEN_STATUSES)),
            )
            .where(*in_period)
            .group_by(HubDossier.procedure_code)
            .order_by(sa.func.count().desc(), HubDossier.procedure_code)
        ).all()
    )
    channels = {
        str(c): int(n)
        for c, n in session.execute(
            sa.select(HubDossier.channel, sa.func.count())
            .where(*in_period)
            .group_by(HubDossier.channel)
            .order_by(HubDossier.channel)
        ).all()
    }
    statuses = {
        str(s): int(n)
        for s, n in session.execute(
            sa.select(HubDossier.status, sa.func.count())
            .where(*in_period)
            .group_by(HubDossier.status)
            .order_by(HubDossier.status)
        ).all()
    }
    figures = _period_figures(session, [office_unit], start, end + timedelta(days=1))
    totals = figures.get(office_unit, Figures())
    late = _late_by_officer(session, office_unit, today, late_limit)
    closes = _closes(session, office_unit, start, end)
    devices, last_sync = session.execute(
        sa.select(sa.func.count(), sa.func.max(HubDevice.last_seen_at)).where(
            HubDevice.office_unit == office_unit
        )
    ).one()
    electronic_id = session.execute(
        sa.select(HubOffice.electronic_id).where(HubOffice.office_unit == office_unit)
    ).scalar_one_or_none()
    return CommunePage(
        office_unit=office_unit,
        name=office_names([office_unit])[office_unit],
        electronic_id=electronic_id,
        start=start,
        end=end,
        totals=totals,
        days=days,
        procedures=procedures,
        channels=channels,
        statuses=statuses,
        late_by_officer=late,
        closes=closes,
        devices=int(devices),
        last_sync=last_sync,
        target=online_target(session),
    )


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _late_by_officer(
    session: Session, office_unit: str, today: date, limit: int
) -> tuple[OfficerLate, ...]:
    """The open dossiers of the office past their due date, by the officer of the head event
    (the last move): one join on the (device_id, seq) index."""
    head = sa.orm.aliased(HubEvent)
    actor = head.payload["actor"].as_string()
    rows = session.execute(
        sa.select(
            HubDossier.code,
            HubDossier.procedure_code,
            HubDossier.status,
            HubDossier.due_at,
            actor.label("actor"),
        )
        .join(
            head, sa.and_(head.device_id == HubDossier.device_id, head.seq == HubDossier.head_seq)
        )
        .where(
            HubDossier.office_unit == office_unit,
            HubDossier.status.in_(OPEN_STATUSES),
            HubDossier.due_at < day_start(today),
        )
        .order_by(actor, HubDossier.due_at, HubDossier.code)
        .limit(limit)
    ).all()
    grouped: dict[str, list[LateDossier]] = {}
    for code, procedure, status, due_at, officer in rows:
        due = due_at.astimezone(VN_TZ).date() if due_at else None
        grouped.setdefault(officer or "", []).append(
            LateDossier(code, procedure, status, due, (today - due).days if due else 0)
        )
    lines = [OfficerLate(officer, len(codes), tuple(codes)) for officer, codes in grouped.items()]
    lines.sort(key=lambda line: (-line.overdue, line.officer))
    return tuple(lines)


def _closes(session: Session, office_unit: str, start: date, end: date) -> tuple[CloseDay, ...]:
    rows = session.execute(
        sa.select(HubDayClose)
        .where(
            HubDayClose.office_unit == office_unit,
            HubDayClose.day >= start,
            HubDayClose.day <= end,
        )
        .order_by(HubDayClose.day.desc(), HubDayClose.device_id)
    ).scalars()
    found = []
    for row in rows:  # one row per device and closed day: a few dozen
        difference = dict(row.difference or {})
        pairs = []
        for group in ("by_channel", "by_status", "by_procedure"):
            for key, pair in sorted(dict(difference.get(group) or {}).items()):
                pairs.append((group, key, int(pair["counter"]), int(pair["hub"])))
        received = difference.get("received") or {}
        manifest_received = int(dict(row.manifest or {}).get("received", 0))
        found.append(
            CloseDay(
                day=row.day,
                device=row.device_id,
                closed_at=row.closed_at,
                match=row.match,
                counter_received=int(received.get("counter", manifest_received)),
                hub_received=int(received.get("hub", manifest_received)),
                missing_on_hub=tuple(difference.get("missing_on_hub") or ()),
                unknown_to_counter=tuple(difference.get("unknown_to_counter") or ()),
                head_mismatch=tuple(difference.get("head_mismatch") or ()),
                count_differences=tuple(pairs),
            )
        )
    return tuple(found)


# --- one dossier (administrators only) --------------------------------------------------


@dataclass(frozen=True)
class DossierDetail:
    code: str
    office_unit: str
    procedure: str
    procedure_name: str
    channel: str
    status: str
    received_at: datetime
    due_at: datetime | None
    applicant_name: str
    applicant_number: str
    history: tuple[tuple[str, str, str], ...]
    """(time, status, officer) of each progress entry, oldest first."""


def dossier_detail(session: Session, code: str) -> DossierDetail | None:
    """A dossier with its applicant's name and number: for an administrator's page, which
    logs the opening (`log_access`)."""
    row = session.get(HubDossier, code)
    if row is None:
        return None
    record = dict(row.record or {})
    history = tuple(
        (str(p.get("ThoiDiemXuLy", "")), str(p.get("TrangThai", "")), str(p.get("NguoiXuLy", "")))
        for (p,) in session.execute(
            sa.select(HubEvent.progress).where(HubEvent.dossier_code == code).order_by(HubEvent.seq)
        ).all()
    )
    return DossierDetail(
        code=row.code,
        office_unit=row.office_unit,
        procedure=row.procedure_code,
        procedure_name=row.procedure_name,
        channel=row.channel,
        status=row.status,
        received_at=row.received_at,
        due_at=row.due_at,
        applicant_name=str(record.get("ChuHoSo", "")),
        applicant_number=str(record.get("SoGiayToChuHoSo", "")),
        history=history,
    )


# --- the access log ---------------------------------------------------------------------


def log_access(
    session: Session,
    at: datetime,
    login: str,
    page: str,
    obj: str | None = None,
    *,
    personal_data: bool = False,
) -> None:
    session.add(
        HubAccessLog(
            at=at,
            login=login,
            page=page[:200],
            object=obj[:100] if obj else None,
            personal_data=personal_data,
        )
    )


def access_log(
    session: Session, *, limit: int = 200, before_id: int | None = None
) -> list[HubAccessLog]:
    """The latest entries, newest first (`before_id` pages back)."""
    statement = sa.select(HubAccessLog).order_by(HubAccessLog.id.desc()).limit(limit)
    if before_id is not None:
        statement = statement.where(HubAccessLog.id < before_id)
    return list(session.execute(statement).scalars())
