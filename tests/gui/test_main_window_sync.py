"""The main window syncs in the background with a real hub on loopback: on start, on demand
(Ctrl+Shift+S), and says in the status bar how things stand, warnings included."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt

from counter_app.domain.applicants import Person
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.sync.service import enroll, sync_overview
from tests.sync_support import RunningHub, running_hub
from ui.bus import Changes, bus
from ui.main_window import MainWindow

PERSON = Person(name="Nguyễn Văn An", id_number="056090001234")
OFFICE = "22333"


def log_one(ctx: AppContext) -> str:
    code = intake(ctx, IntakeRequest("1.001193", PERSON), SYSTEM_ACTOR).code
    bus().changes_applied.emit(Changes(dossiers=(code,)), None)  # as the intake view does
    return code


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[RunningHub]:
    with running_hub(tmp_path / "hub") as running:
        yield running


def window_for(qtbot: QtBot, ctx: AppContext) -> MainWindow:
    window = MainWindow(ctx, SYSTEM_ACTOR)
    qtbot.add_widget(window)
    window.show()
    qtbot.wait_exposed(window)
    return window


def received_at_hub(hub: RunningHub, ctx: AppContext) -> int:
    return int(hub.hub.counts(OFFICE, ctx.clock().date())["received"])


def test_enrolled_counter_syncs_on_start_and_on_demand(
    qtbot: QtBot, ctx: AppContext, hub: RunningHub
) -> None:
    enroll(ctx, hub.url, hub.hub.create_enroll_code(OFFICE))
    log_one(ctx)
    log_one(ctx)
    window = window_for(qtbot, ctx)
    qtbot.wait_until(lambda: window.sync_status.background is not None, timeout=10000)
    qtbot.wait_until(lambda: received_at_hub(hub, ctx) == 2, timeout=20000)
    qtbot.wait_until(lambda: "không còn gì chờ gửi" in window.sync_label.full_text, timeout=20000)
    assert "Đã gửi lên tỉnh 09:00 02/03/2026" in window.sync_label.full_text  # counter time
    assert not window.sync_label.full_text.startswith("⚠")

    log_one(ctx)  # the timer is minutes away: the clerk asks for it now, by keyboard
    qtbot.wait_until(lambda: "chờ gửi 1 hồ sơ" in window.sync_label.full_text, timeout=20000)
    with qtbot.wait_signal(window.sync_status.reported, timeout=20000):
        qtbot.keyClick(
            window,
            Qt.Key.Key_S,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    assert received_at_hub(hub, ctx) == 3
    qtbot.wait_until(lambda: "không còn gì chờ gửi" in window.sync_label.full_text, timeout=20000)
    assert window.sync_button.text() == "Gửi lên tỉnh (Ctrl+Shift+S)"
    window.close()
    assert window.sync_status.background is None  # the thread was stopped


def test_unreachable_hub_is_a_warning_and_days_unsynced_are_counted(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path, clock
) -> None:
    with running_hub(tmp_path / "gone") as gone:
        enroll(ctx, gone.url, gone.hub.create_enroll_code(OFFICE))
    log_one(ctx)  # the hub has stopped: nothing can be sent
    window = window_for(qtbot, ctx)
    with qtbot.wait_signal(window.sync_status.failed, timeout=20000) as failed:
        pass
    assert failed.args[0].message
    qtbot.wait_until(lambda: window.sync_label.full_text.startswith("⚠"), timeout=20000)
    text = window.sync_label.full_text
    assert "chờ gửi 1 hồ sơ, 0 trang" in text and "kết nối mạng" in text  # what to do next
    assert "hub" not in text.lower()
    assert window.sync_status.background is not None
    assert window.sync_status.background.failures >= 1  # backs off, keeps the thread

    clock.now = clock.now + timedelta(days=3)
    window.sync_status.refresh()
    qtbot.wait_until(
        lambda: "Đã 3 ngày chưa gửi được lên tỉnh" in window.sync_label.full_text, timeout=20000
    )
    assert sync_overview(ctx).pending_events >= 1  # nothing lost meanwhile


def test_counter_not_enrolled_says_so_and_starts_no_thread(qtbot: QtBot, ctx: AppContext) -> None:
    log_one(ctx)
    window = window_for(qtbot, ctx)
    label = window.sync_label
    qtbot.wait_until(lambda: "Máy chưa đăng ký với tỉnh" in label.full_text, timeout=10000)
    assert "chờ gửi 1 hồ sơ" in label.full_text and "trang “Gửi lên tỉnh”" in label.full_text
    with qtbot.wait_signal(bus().notice, timeout=10000) as notice:
        window.sync_button.click()
    assert "đăng ký" in notice.args[1] and "counter-app" not in notice.args[1]
    assert window.sync_status.background is None


def test_a_fresh_demo_says_it_is_not_sent_in_a_neutral_colour(
    qtbot: QtBot, ctx: AppContext, clock
) -> None:
    """Demo data is weeks old and never sent: no red "28 days" alarm, a plain sentence."""
    ctx.config = replace(ctx.config, demo=True)
    clock.now = clock.now - timedelta(days=28)
    log_one(ctx)
    clock.now = clock.now + timedelta(days=28)
    assert sync_overview(ctx).overdue_days == 28  # the core still counts them
    window = window_for(qtbot, ctx)
    label = window.sync_label
    qtbot.wait_until(lambda: label.full_text == "Dữ liệu mẫu: không gửi lên tỉnh", timeout=10000)
    assert label.property("tone") is None
    with qtbot.wait_signal(bus().notice, timeout=10000) as notice:
        window.sync_now()
    assert notice.args[1] == "Dữ liệu mẫu không gửi lên tỉnh."
