"""The dashboard shows the same figures as the report services, and exports the month."""

from __future__ import annotations

from datetime import datetime

from openpyxl import load_workbook
from pytestqt.qtbot import QtBot

from counter_app.domain.applicants import Person
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Channel, Status
from counter_app.dossiers.service import IntakeRequest, intake, move
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.reports.service import dashboard_summary
from ui.dashboard import BarChart, DashboardView

PERSON = Person(name="Trần Thị Bích", id_number="056190001234")


def _fill(ctx, clock) -> None:
    for day, channel in ((2, Channel.DIRECT), (3, Channel.ONLINE), (9, Channel.DIRECT)):
        clock.now = datetime(2026, 3, day, 9, tzinfo=VN_TZ)
        code = intake(ctx, IntakeRequest("1.004884", PERSON, channel=channel), SYSTEM_ACTOR).code
        if day == 2:
            clock.now = datetime(2026, 3, 4, 9, tzinfo=VN_TZ)
            move(ctx, code, Status.RESOLVED, SYSTEM_ACTOR)
    clock.now = datetime(2026, 3, 23, 10, tzinfo=VN_TZ)  # the 9th's dossier is late by now


def test_dashboard_shows_the_service_figures_and_exports(qtbot: QtBot, ctx, clock, tmp_path):
    _fill(ctx, clock)
    expected = dashboard_summary(ctx)
    view = DashboardView(ctx, SYSTEM_ACTOR)
    qtbot.add_widget(view)
    qtbot.wait_until(lambda: view.data is not None, timeout=10000)
    assert view.data == expected
    assert len(view.trend_chart.categories) == 12
    assert view.trend_chart.values[-1][0] == expected.month.totals["received"]
    # 23/03 lies in the April window (15/03-14/04): the two open dossiers carry over into
    # it and the one resolved on 04/03 does not.
    assert expected.month.period.date_from.isoformat() == "2026-03-15"
    assert expected.month.totals["received"] == expected.month.totals["carried_over"] == 2
    late_rows = [view.late_table.item(r, 3).text() for r in range(view.late_table.rowCount())]
    assert any(text.startswith("Trễ hạn") for text in late_rows)  # said in words, not colour
    assert str(expected.month.totals["received"]) in view.month_label.text()
    view.resize(1100, 900)
    view.show()
    image = view.grab()
    assert not image.isNull()

    target = tmp_path / "month.xlsx"
    view.export("xlsx", target)
    qtbot.wait_until(lambda: target.exists(), timeout=10000)
    sheet = load_workbook(target, read_only=True).active
    total = next(row for row in sheet.iter_rows(values_only=True) if row[1] == "Tổng cộng")
    assert total[2] == 2


def test_bar_chart_paints_empty_and_full(qtbot: QtBot):
    chart = BarChart(["A", "B"])
    qtbot.add_widget(chart)
    chart.resize(300, 200)
    assert not chart.grab().isNull()  # "no data" text
    chart.set_data(["x", "y"], [[1, 2], [0, 5]])
    assert "x: A 1, B 2" in chart.accessibleDescription()
    assert not chart.grab().isNull()
