"""Every control a clerk can reach on every page has a name a screen reader says: its own
accessible name, its text, or the label it is the buddy of (asked of Qt's accessibility
interface, as a screen reader asks it). The style keeps the focus visible."""

from __future__ import annotations

from pytestqt.qtbot import QtBot
from scan_support import new_dossier

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from counter_app.kernel.context import AppContext
from counter_app.kernel.users import SYSTEM_ACTOR
from ui import style
from ui.main_window import COUNT_ROLE, SHORTCUT_ROLE, DossierDeskPage, MainWindow
from ui.tasks import default_runner

INTERACTIVE = (
    QAbstractButton,
    QLineEdit,
    QComboBox,
    QAbstractSpinBox,
    QPlainTextEdit,
    QTextEdit,
    QAbstractItemView,
)


def _reachable(widget: QWidget, page: QWidget) -> bool:
    """A control the clerk meets: shown on the page, not a part of another control."""
    if not widget.isVisibleTo(page) or widget.objectName().startswith("qt_"):
        return False
    if isinstance(widget, QHeaderView):
        return False
    parent = widget.parentWidget()
    return not (isinstance(widget, QLineEdit) and isinstance(parent, QComboBox | QAbstractSpinBox))


def spoken_name(widget: QWidget) -> str:
    interface = QAccessible.queryAccessibleInterface(widget)
    assert interface is not None
    return interface.text(QAccessible.Text.Name).replace("&", "").strip()


def describe(widget: QWidget) -> str:
    hint = widget.placeholderText() if isinstance(widget, QLineEdit) else ""
    parent = widget.parentWidget()
    return f"{type(widget).__name__} {widget.objectName()!r} in {type(parent).__name__} {hint!r}"


def unnamed(page: QWidget) -> list[str]:
    missing = []
    for widget in page.findChildren(QWidget):
        if isinstance(widget, INTERACTIVE) and _reachable(widget, page) and not spoken_name(widget):
            missing.append(describe(widget))
    return missing


def test_every_control_of_every_page_has_a_name(
    qtbot: QtBot, ctx: AppContext, qapp: QApplication
) -> None:
    code = new_dossier(ctx)
    with style.applied_style(qapp, 11):
        window = MainWindow(ctx, SYSTEM_ACTOR)
        qtbot.add_widget(window)
        window.show()
        qtbot.wait_exposed(window)
        missing: dict[str, list[str]] = {}
        for key, page in window.pages.items():
            window.show_page(key)
            if isinstance(page, DossierDeskPage):
                page.detail.load(code)
                qtbot.wait_until(lambda p=page: p.detail.view is not None, timeout=10000)
            default_runner().wait_idle()
            QCoreApplication.processEvents()
            found = unnamed(page)
            if found:
                missing[key] = found
        assert spoken_name(window.nav) and missing == {}, missing


def test_the_navigation_shows_name_shortcut_and_counts(qtbot: QtBot, ctx: AppContext) -> None:
    window = MainWindow(ctx, SYSTEM_ACTOR)
    qtbot.add_widget(window)
    items = {window.nav.item(row).data(Qt.ItemDataRole.UserRole): window.nav.item(row)
             for row in range(window.nav.count())}  # fmt: skip
    intake, sync = items["intake"], items["sync"]
    assert intake.text() == "Tiếp nhận" and intake.data(SHORTCUT_ROLE) == "Ctrl+1"
    assert intake.toolTip() == "Ctrl+1"
    window.sync_status.waiting_changed.emit(3)
    assert sync.data(COUNT_ROLE)[0] == 3
    assert sync.toolTip() == "Ctrl+5 · 3 hồ sơ chờ gửi lên tỉnh"  # in words, not colour alone
    window.sync_status.waiting_changed.emit(0)
    assert sync.data(COUNT_ROLE) is None and sync.toolTip() == "Ctrl+5"


def test_the_style_sheet_rings_the_focus() -> None:
    for theme, palette in style.PALETTES.items():
        sheet = style.style_sheet(palette, style.TypeScale.for_size(11))
        for selector in ("QPushButton:focus", "QLineEdit:focus", "QAbstractItemView:focus",
                         "QCheckBox:focus", "QListWidget#nav:focus"):  # fmt: skip
            assert selector in sheet, (theme, selector)
        assert f"solid {palette.focus}" in sheet
