"""Late entries are said in words on the dashboard, the desk and the dossier's header."""

from __future__ import annotations

from datetime import datetime

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt

from counter_app.domain.applicants import Person
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Role
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.kernel.context import AppContext
from counter_app.kernel.dossier_store import get_dossier
from counter_app.kernel.users import Actor, add_user
from counter_app.reports.service import dashboard_summary
from ui.dashboard import DashboardView
from ui.desk_view import DeskView
from ui.detail_view import DossierDetailView

PERSON = Person(name="Võ Thị Thu", id_number="056190004321")
REASON = "Mất điện từ 14 giờ, nhập bù <sáng hôm sau>"


@pytest.fixture
def clerk(ctx: AppContext) -> Actor:
    return add_user(ctx, "tiepnhan3", "demo1234", Role.CLERK, "Đỗ Văn Nam")


@pytest.fixture
def codes(ctx: AppContext, clerk: Actor, clock) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """One dossier entered on the spot and one entered the morning after a power cut."""
    clock.now = datetime(2026, 3, 19, 9, 0, tzinfo=VN_TZ)
    on_time = intake(ctx, IntakeRequest("1.001193", PERSON), clerk).code
    clock.now = datetime(2026, 3, 20, 8, 5, tzinfo=VN_TZ)
    request = IntakeRequest(
        "1.001193",
        PERSON,
        received_at=datetime(2026, 3, 19, 15, 20, tzinfo=VN_TZ),
        late_reason=REASON,
    )
    late = intake(ctx, request, clerk).code
    clock.now = datetime(2026, 3, 20, 10, 0, tzinfo=VN_TZ)
    return {"on_time": on_time, "late": late}


def test_dashboard_counts_and_lists_this_periods_late_entries(
    qtbot: QtBot, ctx: AppContext, clerk: Actor, codes: dict[str, str]
) -> None:
    expected = dashboard_summary(ctx).month.late_entries
    assert [entry.code for entry in expected] == [codes["late"]]
    view = DashboardView(ctx, clerk)
    qtbot.add_widget(view)
    qtbot.wait_until(lambda: view.data is not None, timeout=10000)
    assert f"có {len(expected)} hồ sơ nhập muộn" in view.late_entries_label.text()
    table = view.late_entries_table
    assert table.rowCount() == len(expected)
    row = [table.item(0, column).text() for column in range(table.columnCount())]
    assert row == [codes["late"], "tiepnhan3", "20/03/2026 08:05", "19/03/2026 15:20", REASON]


def test_dashboard_says_when_there_are_none(qtbot: QtBot, ctx: AppContext, clerk: Actor) -> None:
    intake(ctx, IntakeRequest("1.001193", PERSON), clerk)
    view = DashboardView(ctx, clerk)
    qtbot.add_widget(view)
    qtbot.wait_until(lambda: view.data is not None, timeout=10000)
    assert view.late_entries_label.text() == "Không có hồ sơ nhập muộn trong kỳ."
    assert view.late_entries_table.rowCount() == 0


def test_desk_marks_late_entry_rows_in_words(
    qtbot: QtBot, ctx: AppContext, clerk: Actor, codes: dict[str, str]
) -> None:
    desk = DeskView(ctx, clerk)
    qtbot.add_widget(desk)
    model = desk.model
    qtbot.wait_until(lambda: model.rowCount() == 2, timeout=10000)
    model.dossier_at(0)
    qtbot.wait_until(lambda: model.loaded_pages == 1, timeout=10000)
    rows = {model.index(row, 0).data(): row for row in range(model.rowCount())}
    late, on_time = rows[codes["late"]], rows[codes["on_time"]]
    received_column = 5
    assert model.index(late, received_column).data() == "19/03/2026 15:20 · Nhập muộn"
    assert model.index(on_time, received_column).data() == "19/03/2026 09:00"
    tip = model.index(late, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "20/03/2026 08:05" in tip and "tiepnhan3" in tip and REASON in tip
    assert model.index(on_time, 0).data(Qt.ItemDataRole.ToolTipRole) is None


def test_detail_header_says_when_by_whom_and_why(
    qtbot: QtBot, ctx: AppContext, clerk: Actor, codes: dict[str, str]
) -> None:
    detail = DossierDetailView(ctx, clerk)
    qtbot.add_widget(detail)
    with qtbot.wait_signal(detail.loaded, timeout=10000):
        detail.load(codes["late"])
    view = get_dossier(ctx, codes["late"])
    shown = detail.header.text()
    # The reason is escaped, so text like "<sáng hôm sau>" is shown, not taken for markup.
    expected = "Nhập muộn lúc 20/03/2026 08:05 bởi tiepnhan3 — lý do " + REASON.replace(
        "<", "&lt;"
    ).replace(">", "&gt;")
    assert expected in shown
    assert view.late_entry and view.late_entry_reason == REASON

    with qtbot.wait_signal(detail.loaded, timeout=10000):
        detail.load(codes["on_time"])
    assert "Nhập muộn" not in detail.header.text()
