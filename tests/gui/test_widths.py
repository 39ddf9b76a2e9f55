"""Narrow fields of the desk, result and scan screens show enough of their text."""

from __future__ import annotations

from pytestqt.qtbot import QtBot
from scan_support import new_dossier

from PySide6.QtWidgets import QComboBox

from counter_app.domain.lifecycle import Role, Status
from counter_app.dossiers.service import move
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import SYSTEM_ACTOR, add_user
from counter_app.scanning.devices import DeviceInfo, Registry
from ui.desk_view import STATUS_COLUMN, DeskView
from ui.result_dialog import ResultDialog
from ui.scan_view import ScanView
from ui.tasks import default_runner

LONG_MODEL = "Máy quét văn phòng tầng 2 (demo:0)"


class NamedBackend:
    name = "named"

    def available(self) -> bool:
        return True

    def devices(self) -> list[DeviceInfo]:
        return [DeviceInfo(name="named:0", backend="named", model=LONG_MODEL)]

    def open(self, name: str) -> object:
        raise AssertionError("not scanned here")


def _text_fits(combo: QComboBox) -> bool:
    return combo.width() >= combo.fontMetrics().horizontalAdvance(combo.currentText()) + 20


def test_desk_handler_filter_and_status_column(qtbot: QtBot, ctx: AppContext) -> None:
    clerk = add_user(ctx, "tiepnhan1", "demo1234", Role.CLERK, "Nguyễn Thị Mỹ Linh")
    view = DeskView(ctx, clerk)
    qtbot.add_widget(view)
    view.resize(850, 500)
    view.show()
    qtbot.wait_exposed(view)
    placeholder = view.handler.placeholderText()
    assert view.handler.width() > view.handler.fontMetrics().horizontalAdvance(placeholder)
    longest = max((view.status.itemText(i) for i in range(view.status.count())), key=len)
    # the longest status no longer sets the window's minimum width
    assert view.status.minimumSizeHint().width() < view.fontMetrics().horizontalAdvance(longest)
    header = view.table.horizontalHeader()
    assert header.visualIndex(STATUS_COLUMN) == 3  # after the due date
    right = header.sectionViewportPosition(STATUS_COLUMN) + header.sectionSize(STATUS_COLUMN)
    assert 0 < right <= view.table.viewport().width()


def test_result_dialog_shows_the_whole_scanner_name(qtbot: QtBot, ctx: AppContext) -> None:
    code = new_dossier(ctx)
    move(ctx, code, Status.PROCESSING, SYSTEM_ACTOR)
    dialog = ResultDialog(
        ctx, SYSTEM_ACTOR, code, registry_factory=lambda: Registry([NamedBackend()])
    )
    qtbot.add_widget(dialog)
    dialog.show()
    qtbot.wait_until(lambda: dialog.scan_button.isEnabled(), timeout=10000)
    qtbot.wait_until(lambda: _text_fits(dialog.device))
    assert dialog.device.currentText() == LONG_MODEL


def test_scan_view_move_target_shows_the_document_name(qtbot: QtBot, ctx: AppContext) -> None:
    code = new_dossier(ctx)
    view = ScanView(ctx, SYSTEM_ACTOR, code, registry_factory=lambda: Registry([NamedBackend()]))
    qtbot.add_widget(view)
    view.resize(1100, 700)
    view.show()
    qtbot.wait_exposed(view)
    qtbot.waitUntil(lambda: default_runner().pending == 0, timeout=20000)
    combo = view.move_target
    assert combo.count() >= 1
    enough = combo.fontMetrics().horizontalAdvance("x" * 28)
    assert combo.width() >= enough and combo.width() > view.move_button.width()
