"""The intake path with a 2D reader, driven by key events as the clerk makes them: at most
25 keystrokes from the procedure to the printed receipt (docs/user-guide.md counts them).

The CCCD QR comes from the reader typing like a keyboard, ending with Enter: reader input,
not the clerk's keystrokes. A key held with Ctrl counts as two.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QWidget

import ui.print_preview
from counter_app.domain.lifecycle import EventKind, Role
from counter_app.kernel.context import AppContext
from counter_app.kernel.dossier_store import get_dossier
from counter_app.kernel.users import add_user
from ui.intake_view import IntakeView
from ui.main_window import MainWindow
from ui.print_preview import PrintPreviewDialog

QR = (
    "056090001234|225123456|Nguyễn Văn Đức|15031990|Nam|"
    "Tổ 5, Phường Bắc Nha Trang, Khánh Hòa|01072021"
)
MAX_KEYSTROKES = 25
PRINTER_NAME = "Máy in phiếu A5 quầy 1"


class Clerk:
    """Presses keys on whatever has the focus and counts them, step by step."""

    def __init__(self, qtbot: QtBot) -> None:
        self.qtbot = qtbot
        self.steps: list[tuple[str, int]] = []

    @property
    def total(self) -> int:
        return sum(n for _step, n in self.steps)

    @staticmethod
    def focus() -> QWidget:
        widget = QApplication.focusWidget()
        assert widget is not None, "no widget has the focus"
        return widget

    def type(self, step: str, text: str) -> None:
        self.qtbot.keyClicks(self.focus(), text)  # ASCII: one key each
        self.steps.append((step, len(text)))

    def press(
        self,
        step: str,
        key: Qt.Key,
        modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
    ) -> None:
        self.qtbot.keyClick(self.focus(), key, modifier)
        held = 0 if modifier == Qt.KeyboardModifier.NoModifier else 1
        self.steps.append((step, 1 + held))


class PdfPrinter(QPrinter):
    """The counter's A5 printer, as a PDF file: no printer is installed here."""

    output: Path

    def __init__(self, *_info: Any) -> None:
        super().__init__(QPrinter.PrinterMode.HighResolution)
        self.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        self.setOutputFileName(str(self.output))


class OnePrinter:
    """`QPrinterInfo` as on a counter with its receipt printer installed."""

    class Info:
        def printerName(self) -> str:
            return PRINTER_NAME

    @staticmethod
    def availablePrinters() -> list[Any]:
        return [OnePrinter.Info()]

    @staticmethod
    def defaultPrinterName() -> str:
        return PRINTER_NAME

    @staticmethod
    def printerInfo(_name: str) -> Any:
        return None


@pytest.fixture
def printer(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    output = tmp_path / "receipt.pdf"
    monkeypatch.setattr(PdfPrinter, "output", output, raising=False)
    monkeypatch.setattr(ui.print_preview, "QPrinterInfo", OnePrinter)
    monkeypatch.setattr(ui.print_preview, "QPrinter", PdfPrinter)
    return output


def test_intake_with_a_2d_reader_takes_at_most_25_keystrokes(
    keys: Any, qtbot: QtBot, ctx: AppContext, printer: Path
) -> None:
    clerk_user = add_user(ctx, "tiepnhan1", "demo1234", Role.CLERK, "Nguyễn Thị Mỹ Linh")
    window = MainWindow(ctx, clerk_user)
    qtbot.add_widget(window)
    window.show()
    window.activateWindow()
    qtbot.wait_exposed(window)
    window.show_page("intake")
    view = window.pages["intake"]
    assert isinstance(view, IntakeView)
    window.activateWindow()
    view.initial_focus().setFocus()  # as after the previous citizen: the procedure search
    qtbot.wait_until(lambda: QApplication.focusWidget() is view.picker.search, timeout=5000)
    clerk = Clerk(qtbot)

    # 1. The procedure, by typing (no diacritics), Enter.
    clerk.type("Gõ tên thủ tục", "khai sinh")
    clerk.press("Chọn thủ tục", Qt.Key.Key_Return)
    assert view.procedure is not None and view.procedure.code == "1.001193"
    assert Clerk.focus() is view.applicant.id_number

    # 2. The CCCD QR: the reader types it and presses Enter itself (not counted).
    keys.type_into_focus(QR)
    qtbot.keyClick(Clerk.focus(), Qt.Key.Key_Return)
    assert view.applicant.name.text() == "Nguyễn Văn Đức"
    assert view.applicant.birth_date.text() == "15/03/1990"

    # 3. The phone (not required, but most citizens leave one): the focus is there.
    assert Clerk.focus() is view.applicant.phone
    clerk.type("Số điện thoại", "0905123456")

    # 4. The checklist: the usual papers come ticked; nothing to press.
    ticked = [view.documents.item(r).checkState() for r in range(view.documents.count())]
    assert Qt.CheckState.Checked in ticked

    # 5. Khai sinh can be filed online: paper needs a reason. Enter goes on to it, past the
    # checklist, fee and channel; ↓ picks the first reason; Ctrl+Enter saves.
    clerk.press("Sang lý do nộp giấy (Enter)", Qt.Key.Key_Return)
    assert Clerk.focus() is view.guidance.reason
    clerk.press("Chọn lý do nộp giấy (↓)", Qt.Key.Key_Down)
    with qtbot.wait_signal(view.dossier_logged, timeout=20000) as logged:
        clerk.press("Lưu (Ctrl+Enter)", Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    code = logged.args[0].code

    # 6. The receipt's preview opens by itself, "In" is its default button: Enter prints.
    def preview() -> PrintPreviewDialog | None:
        found = [d for d in window.findChildren(PrintPreviewDialog) if d.isVisible()]
        return found[0] if found else None

    qtbot.wait_until(lambda: preview() is not None, timeout=20000)
    dialog = preview()
    assert dialog is not None and dialog.code == code
    qtbot.wait_until(dialog.print_button.isEnabled, timeout=30000)
    qtbot.wait_until(lambda: dialog.isAncestorOf(QApplication.focusWidget()), timeout=5000)
    with qtbot.wait_signal(dialog.printed, timeout=30000):
        clerk.press("In giấy tiếp nhận (Enter)", Qt.Key.Key_Return)

    stored = get_dossier(ctx, code)
    assert stored.applicant["name"] == "Nguyễn Văn Đức"
    assert stored.applicant["phone"] == "0905123456"
    assert stored.paper_reason
    assert EventKind.PRINTED.value in [e.kind for e in stored.events]
    assert printer.stat().st_size > 0
    assert clerk.total <= MAX_KEYSTROKES, clerk.steps
    # The count docs/user-guide.md gives, step by step.
    assert clerk.steps == [
        ("Gõ tên thủ tục", 9),
        ("Chọn thủ tục", 1),
        ("Số điện thoại", 10),
        ("Sang lý do nộp giấy (Enter)", 1),
        ("Chọn lý do nộp giấy (↓)", 1),
        ("Lưu (Ctrl+Enter)", 2),
        ("In giấy tiếp nhận (Enter)", 1),
    ]
    assert clerk.total == 25
