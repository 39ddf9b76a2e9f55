"""Intake through the widgets, keyboard only: picker, QR wedge (NFC and NFD), confirm."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from counter_app.domain.applicants import Person
from counter_app.domain.lifecycle import Role
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.kernel.context import AppContext
from counter_app.kernel.dossier_store import get_dossier
from counter_app.kernel.users import Actor, add_user
from ui.intake_view import IntakeView

Keys = Any

QR = (
    "056090001234|225123456|Nguyễn Văn Đức|15031990|Nam|"
    "Tổ 5, Phường Bắc Nha Trang, Khánh Hòa|01072021"
)


@pytest.fixture
def clerk(ctx: AppContext) -> Actor:
    return add_user(ctx, "tiepnhan1", "demo1234", Role.CLERK, "Nguyễn Thị Mỹ Linh")


@pytest.fixture
def view(qtbot: QtBot, ctx: AppContext, clerk: Actor) -> IntakeView:
    widget = IntakeView(ctx, clerk)
    qtbot.add_widget(widget)
    widget.show()
    widget.activateWindow()
    qtbot.wait_exposed(widget)
    widget.initial_focus().setFocus()
    return widget


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def press(
    qtbot: QtBot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    qtbot.keyClick(focused(), key, modifier)


def test_keyboard_only_intake_end_to_end(
    keys: Keys, qtbot: QtBot, view: IntakeView, ctx: AppContext
) -> None:
    keys.type_text(focused(), "khai sinh")
    assert "khai sinh" in view.picker.results.item(0).text().lower()
    press(qtbot, Qt.Key.Key_Return)
    assert view.procedure is not None and view.procedure.code == "1.001193"
    assert focused() is view.applicant.id_number
    assert view.due_label.text()  # computed live from the calendar

    keys.type_into_focus(QR)
    press(qtbot, Qt.Key.Key_Return)  # the reader ends with Enter
    assert view.applicant.name.text() == "Nguyễn Văn Đức"
    assert view.applicant.id_number.text() == "056090001234"
    assert view.applicant.birth_date.text() == "15/03/1990"
    assert focused() is view.applicant.phone
    keys.type_text(focused(), "0905123456")
    # The procedure can be filed online: the guidance says so, and paper needs a reason.
    assert "trực tuyến" in view.guidance.headline.text()
    press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "lý do" in view.error_label.text()
    for _tab in range(15):  # phone, e-mail, checklist, fee, channel, then the reason
        if focused() is view.guidance.reason:
            break
        press(qtbot, Qt.Key.Key_Tab)
    assert focused() is view.guidance.reason
    press(qtbot, Qt.Key.Key_Down)
    assert view.guidance.paper_reason() == "no_vneid"

    with qtbot.wait_signal(view.dossier_logged, timeout=10000) as logged:
        press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    code = logged.args[0].code
    assert get_dossier(ctx, code).paper_reason == "no_vneid"
    stored = get_dossier(ctx, code)
    assert stored.procedure == "1.001193"
    assert stored.applicant["name"] == "Nguyễn Văn Đức"
    assert stored.applicant["phone"] == "0905123456"
    assert stored.received_by == "tiepnhan1"
    assert code in view.result_label.text()
    assert focused() is view.picker.search  # ready for the next citizen


@pytest.mark.parametrize("field", ["name", "address", "gender", "id_number"])
def test_wedge_qr_in_any_field_typed_decomposed(
    keys: Keys, qtbot: QtBot, view: IntakeView, field: str
) -> None:
    view.applicant.name.setText("")
    getattr(view.applicant, field).setFocus()
    decomposed = unicodedata.normalize("NFD", QR)
    assert decomposed != QR
    keys.type_into_focus(decomposed)
    press(qtbot, Qt.Key.Key_Return)
    panel = view.applicant
    assert panel.id_number.text() == "056090001234"
    assert panel.name.text() == "Nguyễn Văn Đức"
    assert unicodedata.is_normalized("NFC", panel.address.text())
    assert panel.address.text() == "Tổ 5, Phường Bắc Nha Trang, Khánh Hòa"
    assert panel.gender.currentData() == "Nam"


def test_wedge_without_enter_is_read_when_the_reader_goes_quiet(
    keys: Keys, qtbot: QtBot, view: IntakeView
) -> None:
    view.applicant.address.setFocus()
    keys.type_text(view.applicant.address, "Tổ ")
    keys.type_into_focus(QR)
    with qtbot.wait_signal(view.applicant.card_read, timeout=5000):
        pass
    assert view.applicant.name.text() == "Nguyễn Văn Đức"
    assert view.applicant.address.text() == "Tổ 5, Phường Bắc Nha Trang, Khánh Hòa"


def test_bad_qr_shows_a_message_and_fills_nothing(
    keys: Keys, qtbot: QtBot, view: IntakeView
) -> None:
    view.applicant.name.setFocus()
    keys.type_into_focus("056090001234|225123456|Nguyễn Văn Đức|31021990|Nam|Tổ 5|01072021")
    press(qtbot, Qt.Key.Key_Return)
    assert "ngày sinh" in view.applicant.message.text()
    assert view.applicant.name.text() == ""
    assert view.applicant.id_number.text() == ""


def test_bad_input_messages(keys: Keys, qtbot: QtBot, view: IntakeView) -> None:
    press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "Chọn thủ tục" in view.error_label.text()
    keys.type_text(focused(), "khai sinh")
    press(qtbot, Qt.Key.Key_Return)
    keys.type_text(view.applicant.id_number, "12345")
    view.applicant.name.setText("Trần Thị B")
    view.submit()
    assert "12 chữ số" in view.error_label.text()
    view.applicant.id_number.setText("056090001234")
    view.applicant.birth_date.setText("31/02/1990")
    view.submit()
    assert "Ngày sinh" in view.error_label.text()
    view.applicant.birth_date.setText("15/03/1991")
    view.submit()
    assert "1990" in view.error_label.text()  # the ID says born in 1990


def test_a_refusal_names_the_field_as_the_screen_and_puts_the_focus_on_it(
    keys: Keys, qtbot: QtBot, view: IntakeView
) -> None:
    press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert focused() is view.picker.search  # "Chọn thủ tục"
    keys.type_text(focused(), "khai sinh")
    press(qtbot, Qt.Key.Key_Return)
    panel = view.applicant
    panel.id_number.setText("056090001234")
    panel.name.setText("Trần Thị B")
    panel.address.setFocus()
    cases = (
        (panel.phone, "12", "Số điện thoại"),
        (panel.email, "b.example.vn", "Thư điện tử"),
        (panel.birth_date, "31/02/1990", "Ngày sinh"),
        (panel.birth_date, "15/03/1991", "Số định danh"),  # the ID says born in 1990
        (panel.id_number, "05609000123", "Số định danh"),
    )
    for widget, text, label in cases:
        widget.setText(text)
        view.submit()
        message = view.error_label.text()
        assert label in message, message
        assert "trường" not in message and "_" not in message, message
        target = panel.id_number if label == "Số định danh" else widget
        assert focused() is target, (label, focused())
        assert target.selectedText() == target.text()
        widget.setText({panel.phone: "", panel.email: ""}.get(widget, "15/03/1990"))
    panel.id_number.setText("056090001234")


def test_returning_citizen_is_found_by_id(
    keys: Keys, qtbot: QtBot, view: IntakeView, ctx: AppContext, clerk: Actor
) -> None:
    person = Person(name="Nguyễn Văn Đức", id_number="056090001234", phone="0905000111")
    earlier = intake(ctx, IntakeRequest("1.001193", person), clerk)
    view.applicant.id_number.setFocus()
    with qtbot.wait_signal(view.applicant.returning_shown, timeout=5000):
        keys.type_text(view.applicant.id_number, "056090001234")
    assert earlier.code in view.applicant.returning.text()
    assert view.applicant.phone.text() == "0905000111"
    assert view.applicant.name.text() == "Nguyễn Văn Đức"


def test_organisation_by_tax_code(qtbot: QtBot, view: IntakeView, ctx: AppContext) -> None:
    view.picker.search.setText("1.001193")
    press(qtbot, Qt.Key.Key_Return)
    view.applicant.organisation.setChecked(True)
    assert not view.applicant.id_number.isVisibleTo(view)
    view.applicant.name.setText("Công ty TNHH Biển Xanh")
    view.applicant.tax_code.setText("12345")
    view.submit()
    assert "Mã số thuế" in view.error_label.text()
    view.applicant.tax_code.setText("4201234567")
    view.guidance.reason.setCurrentIndex(view.guidance.reason.findData("prefers_paper"))
    with qtbot.wait_signal(view.dossier_logged, timeout=10000) as logged:
        view.submit()
    assert get_dossier(ctx, logged.args[0].code).applicant["tax_code"] == "4201234567"


def test_due_date_follows_the_channel(view: IntakeView, ctx: AppContext) -> None:
    procedure = next(p for p in ctx.catalog.procedures if p.online_time_limit is not None)
    view.choose_procedure(procedure)
    direct = view.due_at()
    view.channel.setCurrentIndex(view.channel.findData(procedure_online_channel()))
    assert view.due_at() != direct
    assert view.due_label.text() == view.due_at().strftime("%H:%M %d/%m/%Y")


def procedure_online_channel() -> object:
    from counter_app.domain.lifecycle import Channel

    return Channel.ONLINE
