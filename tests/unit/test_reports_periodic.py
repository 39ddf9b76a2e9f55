"""Biểu 06: every figure recounted by a plain loop over the raw dossiers (ORM views)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from counter_app.domain.applicants import Person
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Channel, Status
from counter_app.domain.periods import PeriodKind, parse_month, report_period
from counter_app.dossiers.service import DossierFilter, IntakeRequest, intake, list_dossiers, move
from counter_app.errors import ValidationError
from counter_app.kernel.dossier_store import get_dossier
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.reports.periodic import COLUMNS
from counter_app.reports.service import period_for, report_periodic
from tests.report_recount import recount

PERSON = Person(name="Nguyễn Văn An", id_number="056090012345", address="12 Trần Phú")


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=VN_TZ)


# Each edge case uses its own procedure, so its row shows how it was counted.
# (name, procedure, channel, received at, [(moment, status), ...])
CASES: list[tuple[str, str, Channel, datetime, list[tuple[datetime, Status]]]] = [
    ("carried_open", "1.004884", Channel.DIRECT, at(3, 10), [(at(3, 11), Status.PROCESSING)]),
    ("carried_early", "1.004772", Channel.DIRECT, at(3, 12), [(at(3, 18), Status.RESOLVED)]),
    ("before_period", "1.005461", Channel.DIRECT, at(3, 2), [(at(3, 5), Status.RESOLVED)]),
    ("supplement_pending", "1.004746", Channel.DIRECT, at(4, 1), [(at(4, 3), Status.SUPPLEMENT)]),
    ("withdrawn", "1.004873", Channel.DIRECT, at(4, 1), [(at(4, 2), Status.WITHDRAWN)]),
    ("refused", "1.001022", Channel.DIRECT, at(3, 20), [(at(3, 20, 10), Status.REFUSED)]),
    ("late_one_day", "1.000689", Channel.DIRECT, at(3, 23), [(at(3, 27), Status.RESOLVED)]),
    ("due_on_end_date", "1.004837", Channel.DIRECT, at(4, 9), []),
    (
        "second_supplement",
        "1.004845",
        Channel.DIRECT,
        at(3, 16),
        [
            (at(3, 16, 10), Status.SUPPLEMENT),
            (at(3, 17, 8), Status.PROCESSING),
            (at(3, 17, 10), Status.SUPPLEMENT),
            (at(3, 18, 8), Status.PROCESSING),
            (at(3, 18, 9), Status.RESOLVED),
        ],
    ),
    ("after_period", "1.001776", Channel.DIRECT, at(4, 15), []),
    ("resolved_after_end", "1.014027", Channel.DIRECT, at(4, 1), [(at(4, 16), Status.RESOLVED)]),
    (
        "online_on_time",
        "1.001731",
        Channel.ONLINE,
        at(3, 25),
        [(at(3, 30, 16), Status.RESOLVED), (at(3, 31), Status.RETURNED)],
    ),
    ("postal_overdue", "1.014028", Channel.POSTAL, at(3, 16), []),
    ("assisted_last_day", "2.001035", Channel.ASSISTED, at(4, 14, 16), []),
    (
        "carried_withdrawn",
        "2.001019",
        Channel.DIRECT,
        at(3, 13),
        [(at(3, 13, 10), Status.SUPPLEMENT), (at(3, 16), Status.WITHDRAWN)],
    ),
    ("last_minute", "2.001406", Channel.DIRECT, at(4, 14, 23, 30), []),
    ("first_minute", "2.001016", Channel.DIRECT, at(3, 15, 0, 30), []),
]


def build_cases(ctx: Any, clock: Any) -> dict[str, str]:
    """Log every case through the real services, in time order; name -> dossier code."""
    steps: list[tuple[datetime, int, str, Any]] = []
    for index, (_name, _procedure, _channel, received, moves) in enumerate(CASES):
        steps.append((received, index, "intake", None))
        steps.extend((moment, index, "move", status) for moment, status in moves)
    codes: dict[str, str] = {}
    for moment, index, action, status in sorted(steps, key=lambda s: (s[0], s[1])):
        name, procedure, channel, _received, _moves = CASES[index]
        clock.now = moment
        if action == "intake":
            portal = "G22.99-260414-0001" if channel is Channel.ASSISTED else None
            request = IntakeRequest(procedure, PERSON, channel=channel, portal_code=portal)
            codes[name] = intake(ctx, request, SYSTEM_ACTOR).code
        else:
            move(ctx, codes[name], status, SYSTEM_ACTOR, reason="lý do kiểm thử")
    clock.now = at(4, 20)
    return codes


# --- the independent recount ----------------------------------------------------------


def raw_dossiers(ctx: Any) -> list[dict[str, Any]]:
    views = list_dossiers(ctx, DossierFilter(), limit=100_000)
    return [get_dossier(ctx, view.code).to_json() for view in views]


def assert_matches_recount(report: dict[str, Any], dossiers: list[dict[str, Any]]) -> None:
    first = date.fromisoformat(report["period"]["from"])
    last = date.fromisoformat(report["period"]["to"])
    # A period still running is read as of the moment the report says.
    now = datetime.fromisoformat(report["as_of"]) if report.get("as_of") else None
    expected = recount(dossiers, first, last, now=now)
    got = {(r["field"], r["procedure"]): {c: r[c] for c in COLUMNS} for r in report["rows"]}
    assert set(got) == set(expected)
    for key, counts in got.items():
        assert counts == {c: expected[key][c] for c in COLUMNS}, key
    for column in COLUMNS:
        assert report["totals"][column] == sum(c[column] for c in expected.values()), column
    totals = report["totals"]
    assert totals["received"] == (
        totals["received_online"] + totals["received_direct_postal"] + totals["carried_over"]
    )
    assert totals["received"] == totals["resolved"] + totals["in_progress"]


def test_edge_cases_match_the_recount_and_the_rules(any_ctx, clock):
    codes = build_cases(any_ctx, clock)
    period = period_for(any_ctx, PeriodKind.MONTHLY, 2026, 4)
    assert (period.date_from, period.date_to) == (date(2026, 3, 15), date(2026, 4, 14))
    report = report_periodic(any_ctx, period).to_json()
    assert_matches_recount(report, raw_dossiers(any_ctx))

    by_procedure = {row["procedure"]: row for row in report["rows"]}

    def counted(name: str) -> set[str]:
        procedure = next(c[1] for c in CASES if c[0] == name)
        row = by_procedure.get(procedure)
        return set() if row is None else {c for c in COLUMNS if row[c] and c != "received"}

    assert counted("carried_open") == {"carried_over", "in_progress", "in_progress_overdue"}
    assert counted("carried_early") == {"carried_over", "resolved", "resolved_early"}
    assert counted("before_period") == set()
    assert counted("after_period") == set()
    direct_in_time = {"received_direct_postal", "in_progress", "in_progress_in_time"}
    assert counted("supplement_pending") == direct_in_time
    assert counted("due_on_end_date") == direct_in_time
    assert counted("resolved_after_end") == direct_in_time
    assert counted("last_minute") == direct_in_time
    # 00:30 on the first day is in the period (Vietnam time), and long overdue by its end.
    assert counted("first_minute") == {
        "received_direct_postal",
        "in_progress",
        "in_progress_overdue",
    }
    direct_on_time = {"received_direct_postal", "resolved", "resolved_on_time"}
    assert counted("withdrawn") == direct_on_time
    assert counted("refused") == direct_on_time
    assert counted("late_one_day") == {"received_direct_postal", "resolved", "resolved_late"}
    assert counted("second_supplement") == {"received_direct_postal", "resolved", "resolved_late"}
    assert counted("online_on_time") == {"received_online", "resolved", "resolved_on_time"}
    assert counted("postal_overdue") == {
        "received_direct_postal",
        "in_progress",
        "in_progress_overdue",
    }
    assert counted("assisted_last_day") == {"received_online", "in_progress", "in_progress_in_time"}
    assert counted("carried_withdrawn") == {"carried_over", "resolved", "resolved_on_time"}
    assert len(codes) == len(CASES)


def test_the_previous_month_counts_differently_and_still_matches(ctx, clock):
    build_cases(ctx, clock)
    dossiers = raw_dossiers(ctx)
    for month in (3, 4, 5):
        report = report_periodic(ctx, period_for(ctx, PeriodKind.MONTHLY, 2026, month))
        assert_matches_recount(report.to_json(), dossiers)
    quarter = report_periodic(ctx, period_for(ctx, PeriodKind.QUARTERLY, 2026, 2)).to_json()
    assert_matches_recount(quarter, dossiers)


def test_an_empty_period_has_zero_totals(ctx):
    report = report_periodic(ctx, period_for(ctx, PeriodKind.YEARLY, 2026)).to_json()
    assert report["rows"] == []
    assert set(report["totals"].values()) == {0}
    assert report["office"] == "22333"


@pytest.mark.parametrize(
    ("kind", "number", "start_day", "expected"),
    [
        (PeriodKind.MONTHLY, 1, 15, (date(2025, 12, 15), date(2026, 1, 14))),
        (PeriodKind.MONTHLY, 3, 15, (date(2026, 2, 15), date(2026, 3, 14))),
        (PeriodKind.QUARTERLY, 1, 15, (date(2025, 12, 15), date(2026, 3, 14))),
        (PeriodKind.QUARTERLY, 4, 15, (date(2026, 9, 15), date(2026, 12, 14))),
        (PeriodKind.HALF_YEAR, 1, 15, (date(2025, 12, 15), date(2026, 6, 14))),
        (PeriodKind.NINE_MONTHS, 1, 15, (date(2025, 12, 15), date(2026, 9, 14))),
        (PeriodKind.YEARLY, 1, 15, (date(2025, 12, 15), date(2026, 12, 14))),
        (PeriodKind.MONTHLY, 2, 1, (date(2026, 2, 1), date(2026, 2, 28))),
        (PeriodKind.QUARTERLY, 1, 20, (date(2025, 12, 20), date(2026, 3, 19))),
    ],
)
def test_windows(kind, number, start_day, expected):
    period = report_period(kind, 2026, number, start_day=start_day)
    assert (period.date_from, period.date_to) == expected


def test_bad_periods_are_refused():
    with pytest.raises(ValidationError):
        report_period(PeriodKind.MONTHLY, 2026, 13)
    with pytest.raises(ValidationError):
        report_period(PeriodKind.QUARTERLY, 2026, 0)
    for text in ("2026-13", "2026-1", "26-01", "tháng 3", ""):
        with pytest.raises(ValidationError):
            parse_month(text)
    assert parse_month(" 2026-03 ") == (2026, 3)
