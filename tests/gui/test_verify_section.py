"""Cài đặt › Kiểm tra toàn vẹn dữ liệu: verify runs on the database thread with a progress
bar, its answer in Vietnamese; "Dừng" stops it."""

from __future__ import annotations

import threading

from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt

from counter_app.domain.applicants import Person
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import SYSTEM_ACTOR
from ui.settings_view import SettingsView
from ui.tasks import Op, default_runner

TIMEOUT = 20000


def _dossiers(ctx: AppContext, count: int) -> None:
    for number in range(count):
        person = Person(name="Trần Thị Thu Hà", id_number=f"05619001234{number}")
        intake(ctx, IntakeRequest("1.004873", person), SYSTEM_ACTOR)


def hold_database_thread(gate: threading.Event) -> None:
    def hold() -> None:  # returns None: a bool crossing threads upsets PySide's refcounts
        gate.wait(TIMEOUT / 1000)

    Op(None, hold).start()


def idle(qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: default_runner().pending == 0, timeout=TIMEOUT)


def test_the_check_reports_progress_and_its_answer(qtbot: QtBot, ctx: AppContext) -> None:
    _dossiers(ctx, 2)
    view = SettingsView(ctx, SYSTEM_ACTOR)
    qtbot.add_widget(view)
    idle(qtbot)
    section = view.verify
    gate = threading.Event()
    hold_database_thread(gate)  # until we listen
    qtbot.mouseClick(section.start_button, Qt.MouseButton.LeftButton)
    assert section.running and not section.start_button.isEnabled()
    assert section.stop_button.isEnabled()
    assert section.op is not None
    seen: list[tuple[int, int]] = []
    section.op.progressed.connect(lambda done, total: seen.append((done, total)))
    gate.set()
    qtbot.waitUntil(lambda: not section.running, timeout=TIMEOUT)
    text = section.result.text()
    assert text.startswith("Dữ liệu toàn vẹn: không phát hiện sai lệch.")
    assert "Đã kiểm tra 2 hồ sơ, 2 sự kiện, 0 trang đã quét." in text
    assert seen and seen[-1] == (4, 4)
    assert section.start_button.isEnabled() and not section.stop_button.isEnabled()
    assert not section.progress.isVisible()


def test_stop_ends_the_check_in_words(qtbot: QtBot, ctx: AppContext) -> None:
    _dossiers(ctx, 1)
    view = SettingsView(ctx, SYSTEM_ACTOR)
    qtbot.add_widget(view)
    idle(qtbot)
    section = view.verify
    gate = threading.Event()
    hold_database_thread(gate)  # busy: the check waits its turn
    section.start()
    section.stop()
    assert section.result.text() == "Đang dừng…" and not section.stop_button.isEnabled()
    gate.set()
    qtbot.waitUntil(lambda: not section.running, timeout=TIMEOUT)
    assert section.result.text() == "Đã dừng kiểm tra toàn vẹn dữ liệu."
    assert section.start_button.isEnabled()


def test_repair_rebuilds_the_search_index_then_checks_again(qtbot: QtBot, ctx: AppContext) -> None:
    _dossiers(ctx, 2)
    with ctx.engine.begin() as connection:  # a dossier dropped from the index, by hand
        connection.exec_driver_sql(
            "INSERT INTO dossier_search(dossier_search, rowid, search_folded, search_name) "
            "SELECT 'delete', id, search_folded, search_name FROM dossiers ORDER BY id LIMIT 1"
        )
    view = SettingsView(ctx, SYSTEM_ACTOR)
    qtbot.add_widget(view)
    idle(qtbot)
    section = view.verify
    section.start()
    qtbot.waitUntil(lambda: not section.running, timeout=TIMEOUT)
    found = section.result.text()
    assert "chỉ mục tìm kiếm" in found and "Dựng lại chỉ mục tìm kiếm" in found
    assert "counter-app" not in found and "--repair-index" not in found
    qtbot.mouseClick(section.repair_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not section.running, timeout=TIMEOUT)
    assert section.result.text().startswith("Dữ liệu toàn vẹn: không phát hiện sai lệch.")
