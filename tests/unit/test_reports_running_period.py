"""A report of a period still running (the December report on 7/12) reads its open dossiers
as of now: overdue only when already past due, never for a due date later in the period.

The reproduction: on 7/12 the December window (15/11–14/12) called 33 open dossiers overdue
where 8 were past due. Closed periods keep their rule (due on or after the last day).
"""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from counter_app.domain.calendar import VN_TZ
from counter_app.domain.periods import PeriodKind
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.reports.periodic import COLUMNS
from counter_app.reports.service import (
    dashboard_summary,
    export_periodic,
    period_for,
    report_indicators,
    report_late,
    report_periodic,
)
from tests.report_recount import recount
from tests.unit.test_reports_periodic import PERSON, raw_dossiers

THREE_DAYS = "1.004873"  # 3 working days
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=VN_TZ)  # Monday morning, before any due time today
AS_OF = "tính đến 08:00 07/12/2026"


def _december(ctx: Any, clock: Any) -> list[str]:
    """8 dossiers past due on 7/12 (received 16–19/11) and 25 due 7–9/12 (received 2–4/12),
    all open; the clock then stands at `NOW`."""
    codes = []
    moments = [datetime(2026, 11, day, 9, 0, tzinfo=VN_TZ) for day in (16, 17, 18, 19)] * 2
    moments += [datetime(2026, 12, 2 + n % 3, 8 + n // 3, 0, tzinfo=VN_TZ) for n in range(25)]
    for moment in sorted(moments):
        clock.now = moment
        codes.append(intake(ctx, IntakeRequest(THREE_DAYS, PERSON), SYSTEM_ACTOR).code)
    clock.now = NOW
    return codes


def _pdf_text(path: Path) -> str:
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return " ".join(done.stdout.decode().split())


def _xlsx_text(path: Path) -> str:
    sheet = load_workbook(path, read_only=True).active
    assert sheet is not None
    cells = (v for row in sheet.iter_rows(values_only=True) for v in row if isinstance(v, str))
    return " ".join(cells)


@pytest.fixture
def december(any_ctx: Any, clock: Any) -> list[str]:
    return _december(any_ctx, clock)


def test_the_running_december_report_counts_only_past_due_as_overdue(
    any_ctx, clock, december, tmp_path
):
    ctx = any_ctx
    period = period_for(ctx, PeriodKind.MONTHLY, 2026, 12)
    report = report_periodic(ctx, period)
    totals = report.totals
    assert report.as_of == NOW
    assert (totals["in_progress"], totals["in_progress_overdue"]) == (33, 8)
    assert totals["in_progress_in_time"] == 25
    # The one rule: the late list (past due now), the recount, the dashboard and its trend.
    past_due = [d for d in report_late(ctx) if d.working_days_late > 0]
    assert len(past_due) == totals["in_progress_overdue"]
    expected = recount(raw_dossiers(ctx), period.date_from, period.date_to, now=NOW)
    assert totals == {c: sum(row[c] for row in expected.values()) for c in COLUMNS}
    data = dashboard_summary(ctx)
    assert data.month.totals == totals and data.trend[-1].totals == totals
    assert sum(row["late"] for row in data.staff) == 8
    indicators = {i["code"]: i for i in report_indicators(ctx, period)["indicators"]}
    assert (indicators["2.1"]["numerator"], indicators["2.1"]["denominator"]) == (25, 33)
    assert report.to_json()["as_of"] == NOW.isoformat()

    # The header says when the figures stand, in the PDF and the XLSX of both forms.
    pdf, xlsx = tmp_path / "12.pdf", tmp_path / "12.xlsx"
    export_periodic(ctx, report, pdf=pdf, xlsx=xlsx)
    assert AS_OF in _pdf_text(pdf)
    assert AS_OF in _xlsx_text(xlsx)


def test_a_closed_period_keeps_its_rule(any_ctx, clock, december, tmp_path):
    ctx = any_ctx
    period = period_for(ctx, PeriodKind.MONTHLY, 2026, 12)
    on_last_day = datetime(2026, 12, 14, 16, 0, tzinfo=VN_TZ)
    clock.now = on_last_day
    last_day = report_periodic(ctx, period)
    assert last_day.as_of == on_last_day
    clock.now = datetime(2026, 12, 16, 9, 0, tzinfo=VN_TZ)
    closed = report_periodic(ctx, period)
    assert closed.as_of is None and closed.to_json()["as_of"] is None
    # Every one of them was due before the last day (14/12): overdue at the period's end,
    # as on its last day.
    assert closed.totals["in_progress_overdue"] == 33
    assert closed.totals == last_day.totals
    expected = recount(raw_dossiers(ctx), period.date_from, period.date_to)
    assert closed.totals == {c: sum(row[c] for row in expected.values()) for c in COLUMNS}
    pdf = tmp_path / "12.pdf"
    export_periodic(ctx, closed, pdf=pdf)
    assert "tính đến" not in _pdf_text(pdf)
