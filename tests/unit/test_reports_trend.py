"""The dashboard's 12-month trend (one query grouped by period) against separate reports,
on demo data and on the edge cases of the periodic report's recount."""

from __future__ import annotations

import pytest

from counter_app.domain.periods import PeriodKind
from counter_app.kernel.dossier_store import ensure_office
from counter_app.reports.periodic import COLUMNS, period_totals
from counter_app.reports.service import dashboard_summary, period_for, report_periodic
from tests.demo_support import POSTGRESQL, REPORTS_DEMO, SQLITE
from tests.unit.test_reports_periodic import build_cases, raw_dossiers, recount


@pytest.mark.parametrize("database", [SQLITE, POSTGRESQL])
def test_trend_equals_twelve_monthly_reports_on_demo_data(demo_copy, database):
    any_ctx = demo_copy(REPORTS_DEMO, database)  # 80 days, 5 a day, made 10/06/2026 16:00
    data = dashboard_summary(any_ctx)
    assert len(data.trend) == 12
    separate = [report_periodic(any_ctx, point.period) for point in data.trend]
    for point, report in zip(data.trend, separate, strict=True):
        assert point.totals == report.totals, point.label
    assert data.trend[-1].period == data.month.period
    assert data.month.totals == separate[-1].totals
    # The demo's 80 days reach into four monthly windows; the months before are empty.
    assert sum(1 for point in data.trend if point.totals["received"]) >= 3
    assert all(point.totals == dict.fromkeys(COLUMNS, 0) for point in data.trend[:7])
    carried = [point.totals["carried_over"] for point in data.trend]
    assert any(carried), "the windows share open dossiers"
    labels = [point.label for point in data.trend]
    assert labels[-1] == "06/26" and labels[0] == "07/25"


def test_totals_of_overlapping_periods_match_the_recount(any_ctx, clock):
    build_cases(any_ctx, clock)
    dossiers = raw_dossiers(any_ctx)
    periods = [period_for(any_ctx, PeriodKind.MONTHLY, 2026, month) for month in (5, 2, 3, 4)] + [
        period_for(any_ctx, PeriodKind.QUARTERLY, 2026, 2),
        period_for(any_ctx, PeriodKind.HALF_YEAR, 2026),
        period_for(any_ctx, PeriodKind.MONTHLY, 2026, 4),  # twice: counted twice alike
    ]
    with any_ctx.session() as session:
        office = ensure_office(session, any_ctx)
        totals = period_totals(session, office, periods, now=any_ctx.clock())
        assert period_totals(session, office, [], now=any_ctx.clock()) == []
    assert totals[-1] == totals[3]
    for period, figures in zip(periods, totals, strict=True):
        assert figures == report_periodic(any_ctx, period).totals, period.label
        expected = recount(dossiers, period.date_from, period.date_to, now=any_ctx.clock())
        assert figures == {c: sum(row[c] for row in expected.values()) for c in COLUMNS}
    assert any(figures["carried_over"] for figures in totals)
    assert any(figures["resolved_late"] for figures in totals)
