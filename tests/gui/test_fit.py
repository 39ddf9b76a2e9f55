"""Every page and dialog is whole on the smallest counter screen, at every text size up to
13 pt: 1920×1080 at 150 % (1280×720 logical) with a 40-pixel taskbar.

The main window is taken as it is maximised there; each page's minimum size has to fit
the room the window gives it (no scrolling up to 13 pt), the actions a clerk needs are
shown without scrolling, and each dialog the user guide's screenshots open has a minimum
size the screen leaves room for.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from scan_support import new_dossier

from PySide6.QtCore import QCoreApplication, QPoint, QRect, QSize
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from counter_app.documents.templates import FormKind
from counter_app.domain.applicants import Person
from counter_app.domain.lifecycle import Status
from counter_app.dossiers.service import IntakeRequest, intake, move
from counter_app.kernel.context import AppContext
from counter_app.kernel.dossier_store import get_dossier
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.scanning.devices import DeviceInfo, Registry
from ui import app as app_module
from ui import fit, style
from ui.actions import ACTIONS, ACTIONS_BY_KEY
from ui.detail_view import ActionDialog, DossierDetailView
from ui.fit import EllipsisLabel, FlowLayout, dialog_room, maximised_size
from ui.intake_dialogs import LeaderOverrideDialog, PaymentDialog, PaymentSlipPreview
from ui.intake_view import IntakeView
from ui.login import IdleWatcher, LoginDialog, SessionLock
from ui.main_window import DossierDeskPage, MainWindow
from ui.office_settings import OfficeSettingsDialog
from ui.print_preview import PrintPreviewDialog
from ui.result_dialog import ResultDialog
from ui.scan_view import ScanView
from ui.settings import TEXT_SIZE, UiSettings
from ui.settings_view import HolidayDialog, HolidaySection
from ui.setup_wizard import ADMIN_PAGE, DEVICES_PAGE, OFFICE_PAGE, PROVINCE_PAGE, SetupWizard
from ui.tasks import default_runner

SCREEN = QSize(1280, 720)
TEXT_SIZES = (9, 11, 13)
FEE_PROCEDURE = "2.000635"  # 8.000 đ
LONG_NAME = "Thủ tục đăng ký khai sinh kết hợp đăng ký nhận cha, mẹ, con và đăng ký thường trú"


class OneScanner:
    name = "one"

    def available(self) -> bool:
        return True

    def devices(self) -> list[DeviceInfo]:
        return [DeviceInfo(name="one:0", backend="one", model="Máy quét văn phòng tầng 2")]

    def open(self, name: str) -> object:
        raise AssertionError("not scanned here")


def _registry() -> Registry:
    return Registry([OneScanner()])


def _printers() -> list[str]:
    return ["Máy in phiếu A5 quầy 1 (HP LaserJet Pro M404dn)"]


@pytest.fixture(params=TEXT_SIZES, ids=[f"{size}pt" for size in TEXT_SIZES])
def text_size(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[int]:
    """The application's style at this size, as Cài đặt applies it: the shipped font, the
    palette and the style sheet (its paddings and outlines count in every size); the
    conftest puts the font back after the test, the style is taken off here."""
    with style.applied_style(qapp, int(request.param), style.LIGHT):
        yield int(request.param)


def _settle(qtbot: QtBot) -> None:
    default_runner().wait_idle()
    QCoreApplication.processEvents()
    qtbot.wait(10)


def _fits(size: QSize, room: QSize) -> bool:
    return size.width() <= room.width() and size.height() <= room.height()


def shown_whole(widget: QWidget) -> bool:
    """Inside its window and inside every scrolled area on the way: seen without scrolling."""
    if not widget.isVisible():
        return False
    rect = QRect(QPoint(0, 0), widget.size())
    current = widget
    while not current.isWindow():
        parent = current.parentWidget()
        assert parent is not None
        rect = rect.translated(current.pos())
        if not parent.rect().contains(rect):
            return False
        current = parent
    return True


def test_every_page_fits_the_maximised_window(
    qtbot: QtBot, ctx: AppContext, text_size: int
) -> None:
    code = new_dossier(ctx)
    window = MainWindow(ctx, SYSTEM_ACTOR)
    qtbot.add_widget(window)
    room = maximised_size(SCREEN)
    assert _fits(window.minimumSizeHint(), room), window.minimumSizeHint()
    window.resize(room)
    window.show()
    qtbot.wait_exposed(window)
    assert window.size() == room
    assert window.statusBar().minimumSizeHint().width() <= room.width()
    for key, page in window.pages.items():
        window.show_page(key)
        _settle(qtbot)
        viewport = page.parentWidget()
        assert viewport is not None and isinstance(viewport.parentWidget(), QScrollArea)
        # Up to 13 pt the page needs no scrolling: its minimum fits the room it is given.
        assert _fits(page.minimumSizeHint(), viewport.size()), (
            f"{key} at {text_size} pt: {page.minimumSizeHint()} in {viewport.size()}"
        )

    window.show_page("intake")
    intake_view = window.pages["intake"]
    assert isinstance(intake_view, IntakeView)
    intake_view.choose_procedure(ctx.reference.catalog.get("1.001193"))  # online, so a reason
    _settle(qtbot)
    guidance = intake_view.guidance
    for widget in (intake_view.picker.search, intake_view.confirm, guidance.reason):
        assert shown_whole(widget), f"intake at {text_size} pt: {widget.objectName()!r}"
    assert shown_whole(guidance.guided_button) and shown_whole(guidance.print_button)

    window.show_page("dossiers")
    desk_page = window.pages["dossiers"]
    assert isinstance(desk_page, DossierDeskPage)
    detail = desk_page.detail
    detail.load(code)
    qtbot.wait_until(lambda: detail.view is not None, timeout=10000)
    _settle(qtbot)
    buttons: list[QPushButton] = [*detail.buttons.values(), detail.print_button]
    buttons += [detail.scan_button, detail.fee_button, detail.result_button]
    for button in buttons:
        assert shown_whole(button), f"Hồ sơ at {text_size} pt: {button.text()}"


def _fee_dossier(ctx: AppContext) -> str:
    person = Person(name="Trần Thị Bích", id_number="056190001234")
    return intake(ctx, IntakeRequest(FEE_PROCEDURE, person), SYSTEM_ACTOR).code


def _supplemented_once(ctx: AppContext) -> str:
    code = new_dossier(ctx)
    move(ctx, code, Status.PROCESSING, SYSTEM_ACTOR)
    move(ctx, code, Status.SUPPLEMENT, SYSTEM_ACTOR, "Thiếu giấy", data={"items": ["Giấy"]})
    move(ctx, code, Status.PROCESSING, SYSTEM_ACTOR)
    return code


def _dialogs(ctx: AppContext, window: QMainWindow) -> Iterator[tuple[str, Callable[[], QWidget]]]:
    """Each dialog (or window) the screenshots open, built on demand."""
    actor, today = SYSTEM_ACTOR, date(2026, 3, 2)
    code, fee_code, twice = new_dossier(ctx), _fee_dossier(ctx), _supplemented_once(ctx)
    yield "login", lambda: LoginDialog(ctx)
    yield "lock", lambda: LoginDialog(ctx, window, locked_to=actor)
    for action in ACTIONS:
        yield f"action {action.key}", lambda a=action: ActionDialog(a, today, window)
    yield "fee", lambda: PaymentDialog(ctx, actor, fee_code, window)
    yield "fee slip", lambda: PaymentSlipPreview(ctx, actor, fee_code, window)
    yield "leader", lambda: LeaderOverrideDialog(ctx, LONG_NAME, window)

    def receipt() -> QWidget:  # with the 80 mm slip, as after intake
        kind = FormKind.RECEIPT
        return PrintPreviewDialog(ctx, actor, kind, code, parent=window, offer_slip=True)

    yield "receipt", receipt
    yield "result", lambda: ResultDialog(ctx, actor, code, window, registry_factory=_registry)
    yield "holiday", lambda: HolidayDialog(today, window)
    yield "holidays", lambda: HolidaySection(ctx, actor)

    def scan() -> QWidget:
        dialog = QDialog(window)
        QVBoxLayout(dialog).addWidget(ScanView(ctx, actor, code, registry_factory=_registry))
        return dialog

    yield "scan", scan

    def guide_sheet() -> QWidget:
        view = IntakeView(ctx, actor, window)
        view.choose_procedure(ctx.reference.catalog.get("1.001193"))
        sheet = view.guidance.print_sheet()
        assert sheet is not None
        return sheet

    yield "guide sheet", guide_sheet

    def second_supplement() -> QWidget:
        detail = DossierDetailView(ctx, actor, window)
        detail.show_dossier(get_dossier(ctx, twice))
        detail.start_action(ACTIONS_BY_KEY["supplement"])
        box = detail.confirm_box
        assert isinstance(box, QMessageBox)
        return box

    yield "second supplement", second_supplement

    def setup_at(step: int) -> QWidget:  # each step of the first-start setup, as first shown
        wizard = SetupWizard(ctx, parent=window, registry_factory=_registry, printers=_printers)
        wizard.setStartId(step)
        return wizard

    for step in (OFFICE_PAGE, ADMIN_PAGE, DEVICES_PAGE, PROVINCE_PAGE):
        yield f"setup step {step}", lambda s=step: setup_at(s)
    yield "office settings", lambda: OfficeSettingsDialog(ctx, actor, window)


def test_every_dialog_fits_the_screen(qtbot: QtBot, ctx: AppContext, text_size: int) -> None:
    window = MainWindow(ctx, SYSTEM_ACTOR)
    qtbot.add_widget(window)
    room = dialog_room(SCREEN)
    too_large = []
    for name, build in _dialogs(ctx, window):
        dialog = build()
        if dialog.parentWidget() is None:
            qtbot.add_widget(dialog)
        dialog.show()
        _settle(qtbot)
        needed = dialog.minimumSizeHint().expandedTo(dialog.minimumSize())
        if not _fits(needed, room):
            too_large.append(f"{name}: {needed.width()}×{needed.height()}")
        dialog.close()
    assert too_large == [], f"at {text_size} pt, larger than {room}: {too_large}"


def test_a_window_is_made_no_larger_than_the_free_screen(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fit, "available_area", lambda _widget=None: QRect(0, 0, 1280, 680))
    widget = QWidget()
    qtbot.add_widget(widget)
    fit.fit_to_screen(widget, 1400, 900)
    assert widget.size() == QSize(1280, 680) - fit.FRAME
    fit.fit_to_screen(widget, 600, 400)
    assert widget.size() == QSize(600, 400)


def test_a_flow_of_buttons_wraps_instead_of_widening(qtbot: QtBot) -> None:
    host = QWidget()
    qtbot.add_widget(host)
    flow = FlowLayout(host, justify=True)
    buttons = [QPushButton(f"Thao tác số {n} (Alt+{n})") for n in range(1, 7)]
    for button in buttons:
        flow.addWidget(button)
    widest = max(button.sizeHint().width() for button in buttons)
    assert flow.minimumSize().width() <= widest + 2 * host.layout().contentsMargins().left()
    one_row = flow.sizeHint().width()
    assert flow.heightForWidth(widest + 30) > flow.heightForWidth(one_row)
    host.resize(widest * 2 + 60, flow.heightForWidth(widest * 2 + 60))
    host.show()
    qtbot.wait_exposed(host)
    rows = {button.y() for button in buttons}
    assert len(rows) == 3  # two a row
    assert all(host.rect().contains(button.geometry()) for button in buttons)


def test_a_cut_label_keeps_its_whole_text(qtbot: QtBot) -> None:
    text = "Trực tuyến hôm nay 32,7% / mục tiêu 80% (dưới mục tiêu)"
    label = EllipsisLabel(text)
    qtbot.add_widget(label)
    assert label.minimumSizeHint().width() < label.fontMetrics().horizontalAdvance(text) // 2
    label.resize(label.minimumSizeHint())
    assert label.text() == text and label.is_elided()
    label.resize(label.sizeHint())
    assert not label.is_elided()


def test_the_sign_in_dialog_shows_in_the_text_size(
    qapp: QApplication, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The text size is applied before sign-in (it used to be applied after)."""
    UiSettings(data_dir).set(TEXT_SIZE, 14)
    seen: list[int] = []

    def sign_in(ctx: AppContext) -> None:  # cancelled: run_gui ends there
        seen.append(LoginDialog(ctx).font().pointSize())

    monkeypatch.setattr(app_module, "sign_in", sign_in)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # run_gui installs its own
    monkeypatch.setattr(logging, "basicConfig", lambda **_kwargs: None)
    assert app_module.run_gui(data_dir, no_error_dialogs=True) == 1
    assert seen == [14]


def test_the_lock_dialog_is_centred_on_the_screen(qtbot: QtBot, ctx: AppContext) -> None:
    window = MainWindow(ctx, SYSTEM_ACTOR)
    qtbot.add_widget(window)
    window.resize(500, 400)
    window.move(0, 0)
    window.show()
    qtbot.wait_exposed(window)
    lock = SessionLock(ctx, window, IdleWatcher(0, window))
    lock.lock()
    dialog = lock.dialog
    assert dialog is not None
    qtbot.wait_exposed(dialog)
    centre = fit.available_area(dialog).center()
    shown = dialog.geometry().center()
    slack = fit.FRAME.height()  # the frame a window manager would add is counted in
    assert abs(shown.x() - centre.x()) <= slack and abs(shown.y() - centre.y()) <= slack
    assert abs(shown.x() - window.geometry().center().x()) > slack  # not the window's centre
    dialog.reject()
