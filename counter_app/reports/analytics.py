"""Figures beside Biểu 06: late dossiers by person, unused procedures, online filing and
digitisation, and the Decision 766 preview. Counting is done in SQL (GROUP BY / CASE /
EXISTS); Python only walks the short list of open late dossiers to count working days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from counter_app.domain.calendar import VN_TZ, WorkCalendar
from counter_app.domain.catalog import Catalog
from counter_app.domain.periods import ReportPeriod
from counter_app.errors import ConfigError
from counter_app.i18n import _
from counter_app.kernel.day import day_bounds
from counter_app.kernel.views import vn_time
from counter_app.reports.periodic import (
    OPEN_STATUSES,
    RESULT_STATUSES,
    PeriodicReport,
)
from counter_app.resources import read_json, resource_path
from counter_app.store.models import (
    Dossier,
    DossierDocument,
    DossierFee,
    Event,
    Office,
    OutboxItem,
    Page,
)

# --- late and near-due dossiers by person ---------------------------------------------


@dataclass(frozen=True)
class LateDossier:
    code: str
    procedure: str
    procedure_name: str
    handler: str
    status: str
    due_at: datetime
    working_days_late: int
    """0 for a dossier not yet late but due within the near-due window."""


def late_dossiers(
    session: Session, office: Office, now: datetime, calendar: WorkCalendar, near_days: int
) -> list[LateDossier]:
    """Open dossiers past their due date or due within `near_days` working days.

    A dossier waiting for a supplement is left out: its clock is stopped.
    """
    horizon_day = calendar.add_working_days(now.date(), near_days)
    _, horizon = day_bounds(horizon_day)
    statuses = [s.value for s in OPEN_STATUSES if s.value != "supplement"]
    rows = session.execute(
        sa.select(
            Dossier.code,
            Dossier.procedure_code,
            Dossier.procedure_name,
            Dossier.handler,
            Dossier.received_by,
            Dossier.status,
            Dossier.due_at,
        )
        .where(
            Dossier.office_id == office.id,
            Dossier.status.in_(statuses),
            Dossier.due_at.is_not(None),
            Dossier.due_at < horizon,
        )
        .order_by(Dossier.due_at)
    ).all()
    found = []
    # Everything due on an earlier day is late by the same count: count once per day.
    late_by_day: dict[date, int] = {}
    today = now.astimezone(VN_TZ).date()
    for row in rows:
        due = vn_time(row.due_at)
        assert due is not None
        if due.date() < today:
            if due.date() not in late_by_day:
                late_by_day[due.date()] = calendar.working_days_late(due, now)
            days_late = late_by_day[due.date()]
        else:
            days_late = calendar.working_days_late(due, now)
        found.append(
            LateDossier(
                code=row.code,
                procedure=row.procedure_code,
                procedure_name=row.procedure_name,
                handler=row.handler or row.received_by,
                status=row.status,
                due_at=due,
                working_days_late=days_late,
            )
        )
    return found


def late_by_person(dossiers: list[LateDossier]) -> dict[str, dict[str, int]]:
    """Per holder: late dossiers, near-due ones, and the most working days late."""
    summary: dict[str, dict[str, int]] = {}
    for dossier in dossiers:
        entry = summary.setdefault(dossier.handler, {"late": 0, "near_due": 0, "max_days": 0})
        if dossier.working_days_late:
            entry["late"] += 1
            entry["max_days"] = max(entry["max_days"], dossier.working_days_late)
        else:
            entry["near_due"] += 1
    return dict(sorted(summary.items(), key=lambda item: (-item[1]["late"], item[0])))


# --- unused procedures ----------------------------------------------------------------


@dataclass(frozen=True)
class UnusedProcedure:
    code: str
    name: str
    field: str
    last_received: date | None


def unused_procedures(
    session: Session, office: Office, catalog: Catalog, today: date, years: int
) -> list[UnusedProcedure]:
    """Catalog procedures with no dossier received in the last `years` years (or ever)."""
    cutoff_day = date(today.year - years, today.month, min(today.day, 28))
    last = {
        code: vn_time(moment)
        for code, moment in session.execute(
            sa.select(Dossier.procedure_code, sa.func.max(Dossier.received_at))
            .where(Dossier.office_id == office.id)
            .group_by(Dossier.procedure_code)
        )
    }
    unused = []
    for procedure in catalog.procedures:
        moment = last.get(procedure.code)
        if moment is None or moment.date() < cutoff_day:
            unused.append(
                UnusedProcedure(
                    procedure.code,
                    procedure.name,
                    procedure.field,
                    moment.date() if moment else None,
                )
            )
    return unused


# --- online filing and digitisation ---------------------------------------------------


def _rate(numerator: int, denominator: int) -> float | None:
    """A percentage with 2 decimals, None when nothing was counted (766 general rules)."""
    return None if denominator == 0 else round(100.0 * numerator / denominator, 2)


def _has(model: Any, *conditions: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    return sa.exists().where(model.dossier_id == Dossier.id, *conditions)


def _count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def channel_figures(
    session: Session, office: Office, period: ReportPeriod, online_payment_methods: list[str]
) -> dict[str, Any]:
    """Dossiers received in the period: channels, paper reasons, digitisation, payment."""
    start, _ = day_bounds(period.date_from)
    _, end = day_bounds(period.date_to)
    in_period = (
        Dossier.office_id == office.id,
        Dossier.received_at >= start,
        Dossier.received_at < end,
        Dossier.status != "submitted",
    )
    with_result = Dossier.status.in_([s.value for s in RESULT_STATUSES])
    digitised = _has(DossierDocument, DossierDocument.digitised.is_(True))
    e_result = _has(Page, Page.is_result.is_(True))
    reused = _has(DossierDocument, DossierDocument.reused.is_(True))
    paid_online = _has(
        DossierFee, DossierFee.amount > 0, DossierFee.payment_method.in_(online_payment_methods)
    )
    # The hub acknowledged the dossier's receipt: an outbox row of one of its events is sent
    # (the first payload of a dossier carries its receipt, NgayTiepNhan).
    synced = sa.exists().where(
        Event.dossier_id == Dossier.id,
        OutboxItem.event_id == Event.id,
        OutboxItem.sent_at.is_not(None),
    )
    figures = session.execute(
        sa.select(
            sa.func.count(Dossier.id),
            _count(Dossier.channel == "online"),
            _count(Dossier.channel == "assisted"),
            _count(Dossier.channel == "direct"),
            _count(Dossier.channel == "postal"),
            _count(digitised),
            _count(sa.and_(digitised, sa.or_(sa.not_(with_result), e_result))),
            _count(with_result),
            _count(sa.and_(with_result, e_result)),
            _count(reused),
            _count(Dossier.fee_total > 0),
            _count(sa.and_(Dossier.fee_total > 0, paid_online)),
            _count(synced),
        ).where(*in_period)
    ).one()
    (
        received,
        online,
        assisted,
        direct,
        postal,
        with_scans,
        digitised_full,
        resolved,
        resolved_e_result,
        reused_n,
        fee_bearing,
        paid_online_n,
        synced_n,
    ) = (int(v) for v in figures)
    reasons = {
        reason or "": int(n)
        for reason, n in session.execute(
            sa.select(Dossier.paper_reason, sa.func.count(Dossier.id))
            .where(*in_period, Dossier.channel.in_(["direct", "postal"]))
            .group_by(Dossier.paper_reason)
            .order_by(sa.func.count(Dossier.id).desc())
        )
    }
    online_total = online + assisted
    # Before the first sync the province holds nothing of this counter: 3.3 has no data yet.
    ever_synced = session.execute(
        sa.select(sa.exists().where(OutboxItem.sent_at.is_not(None)))
    ).scalar_one()
    return {
        "period": period.to_json(),
        "received": received,
        "by_channel": {"online": online, "assisted": assisted, "direct": direct, "postal": postal},
        "online_share": _rate(online_total, received),
        "assisted_share_of_online": _rate(assisted, online_total),
        "paper_reasons": reasons,
        "with_scans": with_scans,
        "digitised": digitised_full,
        "digitisation_rate": _rate(digitised_full, received),
        "resolved_with_result": resolved,
        "e_result": resolved_e_result,
        "reused": reused_n,
        "fee_bearing": fee_bearing,
        "paid_online": paid_online_n,
        "synced": synced_n,
        "ever_synced": bool(ever_synced),
    }


# --- Decision 766 preview --------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    numerator: int
    denominator: int
    rate: float | None
    full_at: float
    points: float
    max_points: float
    has_data: bool = True
    """False for an indicator the counter records nothing for (e.g. 5.4 satisfaction):
    shown as "no data", never as a computed 0."""
    multiplier: float | None = None
    """The sync rate (per cent) the share was multiplied by (3.3), None for the others."""

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def indicator_rules(on: date) -> dict[str, Any]:
    """The 766 configuration version in force on `on` (the latest not after it)."""
    document = read_json(
        resource_path("reports", "indicators-766.json"),
        lambda reason: ConfigError(
            _("Không đọc được cấu hình chỉ số 766: {reason}").format(reason=reason)
        ),
    )
    versions = document.get("versions", []) if isinstance(document, dict) else []
    valid = [v for v in versions if date.fromisoformat(v["valid_from"]) <= on]
    if not valid:
        raise ConfigError(_("Không có cấu hình chỉ số 766 áp dụng cho ngày {day}.").format(day=on))
    rules: dict[str, Any] = max(valid, key=lambda v: v["valid_from"])
    return rules


def points(rate: float | None, full_at: float, max_points: float) -> float:
    """Full points at or above `full_at` percent, else proportionally (docs/rules.md §13)."""
    if rate is None or full_at <= 0:
        return 0.0
    return round(min(1.0, rate / full_at) * max_points, 2)


ONLINE_SHARE = "3.3"


def online_rate(online: int, synced: int, received: int) -> float | None:
    """766 indicator 3.3: the online share times the sync rate, in per cent with 2
    decimals (online/received × synced/received); None when nothing was received."""
    if received == 0:
        return None
    return round(100.0 * online * synced / (received * received), 2)


def indicators_766(
    report: PeriodicReport, channels: dict[str, Any], rules: dict[str, Any]
) -> list[Indicator]:
    """The configured indicators, in code order: 1.4, 2.1, 3.3, 3.6, 4.1, 4.2 and 4.3 from the
    period's report and channel figures (3.3 multiplied by the sync rate, without data
    before the first sync); any other (5.4 satisfaction: no ratings or complaints are
    recorded) without data."""
    totals = report.totals
    within = totals["resolved_early"] + totals["resolved_on_time"] + totals["in_progress_in_time"]
    by_channel = channels["by_channel"]
    fractions = {
        "1.4": (channels["synced"], channels["received"]),
        "2.1": (within, totals["received"]),
        "3.3": (by_channel["online"] + by_channel["assisted"], channels["received"]),
        "3.6": (channels["paid_online"], channels["fee_bearing"]),
        "4.1": (channels["e_result"], channels["resolved_with_result"]),
        "4.2": (channels["digitised"], channels["received"]),
        "4.3": (channels["reused"], channels["received"]),
    }
    # 3.3 is the online share multiplied by the sync rate (1.4); before the first sync
    # there is nothing to multiply by, so it has no data (docs/rules.md §13).
    synced, received = channels["synced"], channels["received"]
    sync_rate = _rate(synced, received)
    indicators = []
    for code in sorted(rules["indicators"], key=lambda c: tuple(int(p) for p in c.split("."))):
        rule = rules["indicators"][code]
        numerator, denominator = fractions.get(code, (0, 0))
        has_data = code in fractions
        rate = _rate(numerator, denominator) if has_data else None
        multiplier = None
        if code == ONLINE_SHARE:
            has_data = bool(channels.get("ever_synced"))
            multiplier = sync_rate if has_data else None
            rate = online_rate(numerator, synced, received) if has_data else None
        indicators.append(
            Indicator(
                code=code,
                name=str(rule["name"]),
                numerator=numerator,
                denominator=denominator,
                rate=rate,
                full_at=float(rule["full_at"]),
                points=points(rate, float(rule["full_at"]), float(rule["max_points"])),
                max_points=float(rule["max_points"]),
                has_data=has_data,
                multiplier=multiplier,
            )
        )
    return indicators


def month_starts(today: date, months: int) -> list[tuple[int, int]]:
    """The (year, month) of the last `months` months, oldest first, ending with today's."""
    out = []
    year, month = today.year, today.month
    for _i in range(months):
        out.append((year, month))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(out))


def staff_figures(
    session: Session, office: Office, period: ReportPeriod, now: datetime
) -> list[dict[str, Any]]:
    """Per staff member: received in the period, open dossiers held now, and of those late."""
    start, _ = day_bounds(period.date_from)
    _, end = day_bounds(period.date_to)
    received = dict(
        session.execute(
            sa.select(Dossier.received_by, sa.func.count(Dossier.id))
            .where(
                Dossier.office_id == office.id,
                Dossier.received_at >= start,
                Dossier.received_at < end,
            )
            .group_by(Dossier.received_by)
        ).all()
    )
    holder = sa.func.coalesce(Dossier.handler, Dossier.received_by)
    open_statuses = [s.value for s in OPEN_STATUSES]
    held = {
        name: (int(n), int(late))
        for name, n, late in session.execute(
            sa.select(
                holder,
                sa.func.count(Dossier.id),
                _count(sa.and_(Dossier.due_at < now, Dossier.status != "supplement")),
            )
            .where(Dossier.office_id == office.id, Dossier.status.in_(open_statuses))
            .group_by(holder)
        )
    }
    names = sorted(set(received) | set(held))
    return [
        {
            "login": name,
            "received": int(received.get(name, 0)),
            "open": held.get(name, (0, 0))[0],
            "late": held.get(name, (0, 0))[1],
        }
        for name in names
    ]
