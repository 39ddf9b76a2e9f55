"""The dashboard's "Trực tuyến" and "Chỉ số 766 (xem trước)" panels show what the service
returns with the target from the guidance data; the status bar says today's share against
the target, with a sign (not colour alone) when it is below."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from pytestqt.qtbot import QtBot

from counter_app.domain.applicants import Person
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Channel, Role
from counter_app.domain.periods import PeriodKind
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.guidance.data import admin_correct
from counter_app.guidance.policy import paper_reason_label
from counter_app.kernel.users import SYSTEM_ACTOR, Actor
from counter_app.reports.online import format_percent
from counter_app.reports.service import dashboard_summary, online_panel, period_for
from ui.dashboard import DashboardView, TargetBar
from ui.main_window import MainWindow

PERSON = Person(name="Trần Thị Bích", id_number="056190001234")
ADMIN = Actor("quantri", "Quản trị", Role.ADMIN)
TRICH_LUC = "1.004884"  # can be filed online


def _intake(ctx, clock, day: int, channel: Channel = Channel.DIRECT, reason: str | None = None):
    clock.now = datetime(2026, 3, day, 9, tzinfo=VN_TZ)
    request = IntakeRequest(
        TRICH_LUC,
        PERSON,
        channel=channel,
        paper_reason=reason,
        portal_code="G22-9" if channel is Channel.ASSISTED else None,
    )
    return intake(ctx, request, SYSTEM_ACTOR).code


def _fill(ctx, clock) -> None:
    # February's window (15/02-14/03) and March's (15/03-14/04) both get dossiers.
    for day, channel, reason in (
        (2, Channel.DIRECT, "no_vneid"),
        (3, Channel.ONLINE, None),
        (16, Channel.DIRECT, "no_vneid"),
        (16, Channel.DIRECT, "no_vneid"),
        (17, Channel.DIRECT, "elderly"),
        (17, Channel.DIRECT, None),
        (18, Channel.ASSISTED, None),
    ):
        _intake(ctx, clock, day, channel, reason)
    clock.now = datetime(2026, 3, 18, 15, tzinfo=VN_TZ)


def _cells(table, column: int) -> list[str]:
    return [table.item(r, column).text() for r in range(table.rowCount())]


def _open(qtbot: QtBot, ctx) -> DashboardView:
    view = DashboardView(ctx, SYSTEM_ACTOR)
    qtbot.add_widget(view)
    qtbot.wait_until(lambda: view.online is not None, timeout=15000)
    return view


def test_online_panel_shows_the_service_figures_and_the_configured_target(qtbot: QtBot, ctx, clock):
    _fill(ctx, clock)
    expected = dashboard_summary(ctx).online
    view = _open(qtbot, ctx)
    panel = view.online
    assert panel == expected
    channels = expected.channels
    # 1 online of 5 in the March window: 20 % against the commune's 20 %: met, not below.
    assert channels["received"] == 5 and channels["online_share"] == 20.0
    assert expected.target is not None and not expected.target.confirmed
    assert channels["online_target"] == pytest.approx(expected.target.share * 100)
    text = view.online_label.text()
    assert format_percent(channels["online_share"]) in text
    assert f"mục tiêu {format_percent(channels['online_target'])}" in text
    assert "chưa xác nhận" in text and "dưới mục tiêu" not in text
    assert view.online_bar.share == channels["online_share"]
    assert view.online_bar.target == channels["online_target"]
    assert format_percent(channels["digitisation_rate"]) in view.digitisation_label.text()
    # Reasons for paper, most frequent first, in words.
    assert _cells(view.reasons_table, 0)[0] == paper_reason_label("no_vneid")
    assert _cells(view.reasons_table, 1)[:1] == ["2"]
    assert set(_cells(view.reasons_table, 0)) == {
        paper_reason_label("no_vneid"),
        paper_reason_label("elderly"),
        "Chưa ghi lý do",
    }
    # The 766 preview: one row per configured indicator, placeholders said as such.
    rows = {code: r for r, code in enumerate(_cells(view.indicators_table, 0))}
    assert list(rows) == [i["code"] for i in expected.indicators["indicators"]]
    for item in expected.indicators["indicators"]:
        r = rows[item["code"]]
        rate = view.indicators_table.item(r, 2).text()
        if item["has_data"]:
            assert rate == format_percent(item["rate"])
            fraction = f"{item['numerator']}/{item['denominator']}"
            if item["multiplier"] is not None:  # 3.3: times the sync rate
                fraction += f" × {format_percent(item['multiplier'])}"
            assert view.indicators_table.item(r, 3).text() == fraction
        else:
            assert rate == "chưa có dữ liệu"
    assert view.indicators_table.item(rows["5.4"], 2).text() == "chưa có dữ liệu"
    assert "tạm tính" in view.indicators_note.text()
    assert view.indicators_table.horizontalHeaderItem(5).text() == "Điểm (tạm tính)"

    # Another month, chosen in the panel, is computed off the GUI thread.
    earlier = period_for(ctx, PeriodKind.MONTHLY, 2026, 3)
    index = next(i for i, p in enumerate(view._periods) if p == earlier)
    view.online_period.setCurrentIndex(index)
    view.online_period.activated.emit(index)
    qtbot.wait_until(lambda: view.online.period == earlier, timeout=15000)
    assert view.online == online_panel(ctx, earlier)
    assert view.online.channels["received"] == 2

    view.resize(1200, 1000)
    view.show()
    assert not view.grab().isNull()


def test_panel_follows_a_corrected_target_and_says_below(qtbot: QtBot, ctx, clock):
    _fill(ctx, clock)
    admin_correct(ctx, ADMIN, "targets", "commune", {"share": 0.45, "source": "KH 2027"})
    view = _open(qtbot, ctx)
    assert view.online.channels["online_target"] == pytest.approx(45)
    assert view.online.below_target
    text = view.online_label.text()
    assert "▼ dưới mục tiêu" in text and "mục tiêu 45 %" in text
    assert "chưa xác nhận" not in text
    assert view.online_bar.target == pytest.approx(45)


def test_empty_period_and_bar_painting(qtbot: QtBot, ctx):
    view = _open(qtbot, ctx)
    assert view.online.channels["received"] == 0
    assert "—" in view.online_label.text() and "dưới" not in view.online_label.text()
    assert view.reasons_table.rowCount() == 0
    bar = TargetBar()
    qtbot.add_widget(bar)
    bar.resize(400, 80)
    for share, target in ((None, 20.0), (5.0, 20.0), (80.0, 20.0), (100.0, None)):
        bar.set_data(share, target)
        assert not bar.grab().isNull()
    assert bar.accessibleDescription() == "Trực tuyến 100 % / mục tiêu —"


def test_status_bar_shows_today_against_the_target(qtbot: QtBot, ctx, clock):
    clock.now = datetime(2026, 3, 18, 9, tzinfo=VN_TZ)
    window = MainWindow(ctx, SYSTEM_ACTOR)
    qtbot.add_widget(window)
    qtbot.wait_until(lambda: window.online_label.text() != "", timeout=15000)
    assert window.online_label.text() == "Trực tuyến hôm nay — / mục tiêu 20 %"

    for channel in (Channel.DIRECT, Channel.DIRECT, Channel.DIRECT, Channel.ONLINE):
        _intake(ctx, clock, 18, channel, "no_vneid" if channel is Channel.DIRECT else None)
    window.refresh_counts()
    qtbot.wait_until(lambda: "25 %" in window.online_label.text(), timeout=15000)
    assert window.online_label.text() == "Trực tuyến hôm nay 25 % / mục tiêu 20 %"
    assert window.online_label.property("tone") is None
    assert "Hôm nay: 4 hồ sơ" in window.counts_label.text()
    assert "chưa xác nhận" in window.online_label.toolTip()

    admin_correct(ctx, ADMIN, "targets", "commune", {"share": 0.3, "source": "KH 2027"})
    window.refresh_counts()
    qtbot.wait_until(lambda: "30 %" in window.online_label.text(), timeout=15000)
    assert window.online_label.text() == (
        "▼ Trực tuyến hôm nay 25 % / mục tiêu 30 % (dưới mục tiêu)"
    )
    assert window.online_label.property("tone") == "warning"  # and the ▼ says it in words


def test_dates_and_figures_read_as_a_vietnamese_clerk_writes_them(qtbot: QtBot, ctx, clock):
    """dd/mm/yyyy, not the data's ISO days; "27,2 %", not "27.2%"; "Hệ thống", not "system"."""
    _fill(ctx, clock)
    view = _open(qtbot, ctx)
    note = view.indicators_note.text()
    texts = [
        note,
        view.online_label.text(),
        view.digitisation_label.text(),
        view.month_label.text(),
    ]
    for row in range(view.indicators_table.rowCount()):
        texts.extend(
            view.indicators_table.item(row, column).text()
            for column in range(view.indicators_table.columnCount())
        )
    shown = "\n".join(texts)
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", shown), shown
    assert not re.search(r"\d\.\d+ ?%|\d%", shown), shown
    if not view.online.indicators["rules"]["confirmed"]:
        assert re.search(r"cấu hình từ \d{2}/\d{2}/\d{4}", note), note
    assert re.search(r"\d+(,\d)? %", shown)
    assert "system" not in view.staff_chart.categories
