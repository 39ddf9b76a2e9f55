"""Biểu 06 / II.06a for the province: the counter's own report code, run on the hub's data.

The counting rules of the form (docs/rules.md §12) live in `counter_app.reports.periodic`
as SQL over the counter's tables (dossiers and their events). The hub holds the same facts
in another shape (the latest record of each dossier and every event of its chain), so the
province report replays the dossiers a period counts into a private in-memory database
with the counter's tables, runs `periodic_report` there once per office, and sums the rows
by field and procedure. The figures are therefore the ones each counter would print for
itself from the data it has sent; the PDF and XLSX come from `counter_app.reports.forms`.

What the hub does not hold and the replay therefore leaves empty: the applicant (never
needed by the form and never copied), the documents and fees. A dossier's field is the
record's `TenLinhVuc`. Dossiers the hub has not received are not counted: the day-close
state on the overview tells which offices are behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from counter_app.domain.calendar import VN_TZ, WorkCalendar, default_calendar
from counter_app.domain.periods import PeriodKind, ReportPeriod, load_report_settings, report_period
from counter_app.hub.dashboard import DRAFT, OPEN_STATUSES, day_start, office_names
from counter_app.hub.models import HubDossier, HubEvent
from counter_app.i18n import _
from counter_app.reports.forms import ReportForm, report_pdf, report_xlsx
from counter_app.reports.periodic import COLUMNS, PeriodicReport, ReportRow, periodic_report
from counter_app.store.models import Base, Dossier, Event, Office
from counter_app.sync.protocol import parse_utc_text


def month_period(year: int, month: int) -> ReportPeriod:
    """The monthly period with the data window the counters use (settings.json)."""
    settings = load_report_settings()
    return report_period(PeriodKind.MONTHLY, year, month, start_day=settings.window_start_day)


@contextmanager
def _scratch() -> Iterator[sa.Engine]:
    engine = sa.create_engine("sqlite://", poolclass=StaticPool)
    try:
        Base.metadata.create_all(
            engine,
            tables=[Office.__table__, Dossier.__table__, Event.__table__],  # type: ignore[list-item]
        )
        yield engine
    finally:
        engine.dispose()


def _in_scope(period: ReportPeriod) -> tuple[sa.ColumnElement[bool], ...]:
    """A superset of the dossiers the period counts: received before its end and received
    in it, still open, or sent again since its start (a dossier finished since then was)."""
    starts = day_start(period.date_from)
    ends = day_start(period.date_to + timedelta(days=1))
    return (
        HubDossier.received_at < ends,
        HubDossier.status != DRAFT,
        sa.or_(
            HubDossier.received_at >= starts,
            HubDossier.status.in_(OPEN_STATUSES),
            HubDossier.updated_at >= starts,
        ),
    )


def _replay(hub: Session, scratch: sa.Connection, period: ReportPeriod) -> dict[str, int]:
    """Copy the period's dossiers and their events into the scratch tables; the id given to
    each office."""
    scope = _in_scope(period)
    dossiers = hub.execute(
        sa.select(
            HubDossier.code,
            HubDossier.office_unit,
            HubDossier.procedure_code,
            HubDossier.procedure_name,
            HubDossier.record["TenLinhVuc"].as_string(),
            HubDossier.channel,
            HubDossier.status,
            HubDossier.received_at,
            HubDossier.due_at,
            HubDossier.head_hash,
        ).where(*scope)
    ).all()
    events = hub.execute(
        sa.select(HubEvent.dossier_code, HubEvent.payload)
        .join(HubDossier, HubDossier.code == HubEvent.dossier_code)
        .where(*scope)
        .order_by(HubEvent.dossier_code, HubEvent.seq)
    ).all()
    offices = {office: n for n, office in enumerate(sorted({row[1] for row in dossiers}), 1)}
    names = office_names(list(offices))
    scratch.execute(
        sa.insert(Office),
        [
            {"id": n, "unit_code": o, "electronic_id": o, "name": names[o]}
            for o, n in offices.items()
        ],
    )
    ids = {row[0]: n for n, row in enumerate(dossiers, 1)}
    history: dict[str, list[dict[str, Any]]] = {}
    event_rows = []
    for n, (code, payload) in enumerate(events, 1):
        if code not in ids:
            continue
        history.setdefault(code, []).append(payload)
        event_rows.append(
            {
                "id": n,
                "uuid": str(payload["uuid"]),
                "dossier_id": ids[code],
                "kind": str(payload["kind"]),
                "from_status": payload.get("from_status"),
                "to_status": payload.get("to_status"),
                "actor": str(payload.get("actor", "")),
                "actor_role": str(payload.get("actor_role", "")),
                "at": parse_utc_text(str(payload["at"])),
                "reason": payload.get("reason"),
                "data": dict(payload.get("data") or {}),
                "state_digest": str(payload.get("state_digest", "")),
                "prev_hash": str(payload.get("prev_hash", "")),
                "hash": f"{code}:{payload.get('hash', n)}",
            }
        )
    dossier_rows = []
    for row in dossiers:
        code, office, procedure, name, field, channel, status, received, due, head = row
        chain = history.get(code, [])
        first = chain[0] if chain else {}
        first_data = dict(first.get("data") or {})
        entered = parse_utc_text(str(first["at"])) if first else received

        def first_move(to: str, chain: list[dict[str, Any]] = chain) -> datetime | None:
            times = [parse_utc_text(str(e["at"])) for e in chain if e.get("to_status") == to]
            return min(times) if times else None

        dossier_rows.append(
            {
                "id": ids[code],
                "code": code,
                "office_id": offices[office],
                "procedure_code": procedure,
                "procedure_name": name or "",
                "procedure_field": field or "",
                "catalog_version": "",
                "channel": channel,
                "status": status,
                "applicant_kind": "",
                "applicant_name": "",
                "applicant": {},
                "submitted_at": received,
                "received_at": received,
                "received_by": str(first.get("actor", "")),
                "entered_at": entered,
                "due_at": due,
                "resolved_at": first_move("resolved"),
                "returned_at": first_move("returned"),
                "late_entry": bool(first_data.get("late_entry")),
                "late_entry_reason": first.get("reason") if first_data.get("late_entry") else None,
                "supplement_count": sum(1 for e in chain if e.get("to_status") == "supplement"),
                "search_folded": "",
                "head_hash": head,
            }
        )
    if dossier_rows:
        scratch.execute(sa.insert(Dossier), dossier_rows)
    if event_rows:
        scratch.execute(sa.insert(Event), event_rows)
    return offices


def province_report(
    hub: Session,
    period: ReportPeriod,
    *,
    now: datetime,
    calendar: WorkCalendar | None = None,
    province_name: str = "",
) -> tuple[PeriodicReport, list[PeriodicReport]]:
    """The province's report over `period` (the sum of every office's rows) and each
    office's own, computed by the counter's `periodic_report`."""
    calendar = calendar or default_calendar()
    with _scratch() as engine:
        with engine.begin() as connection:
            offices = _replay(hub, connection, period)
        reports = []
        with Session(engine) as session:
            for office_id in offices.values():
                office = session.get_one(Office, office_id)
                reports.append(periodic_report(session, office, period, calendar, now=now))
    summed: dict[tuple[str, str], ReportRow] = {}
    for report in reports:
        for row in report.rows:
            key = (row.field, row.procedure)
            held = summed.get(key)
            if held is None:
                summed[key] = row
            else:
                counts = {c: held.counts[c] + row.counts[c] for c in COLUMNS}
                summed[key] = ReportRow(row.field, row.procedure, held.procedure_name, counts)
    rows = tuple(summed[key] for key in sorted(summed))
    late = sorted(
        (entry for report in reports for entry in report.late_entries),
        key=lambda entry: (entry.received_at, entry.code),
    )
    name = province_name or _("Các xã, phường gửi dữ liệu về hub ({n} đơn vị)").format(
        n=len(reports)
    )
    total = PeriodicReport(
        period=period,
        office_code="",
        office_name=name,
        parent_body="",
        totals={c: sum(row.counts[c] for row in rows) for c in COLUMNS},
        rows=rows,
        late_entries=tuple(late),
        as_of=reports[0].as_of if reports else None,
    )
    return total, reports


def province_export(
    hub: Session,
    period: ReportPeriod,
    kind: str,
    *,
    now: datetime | None = None,
    form: ReportForm = ReportForm.BIEU_06,
    reporting_body: str = "",
    province_name: str = "",
) -> bytes:
    """The province report as `xlsx` or `pdf` bytes."""
    moment = now or datetime.now(UTC)
    report, _offices = province_report(hub, period, now=moment, province_name=province_name)
    if kind == "xlsx":
        return report_xlsx(report, form=form, reporting_body=reporting_body)
    return report_pdf(report, form=form, reporting_body=reporting_body, day=_today(moment))


def _today(moment: datetime) -> date:
    return moment.astimezone(VN_TZ).date()
