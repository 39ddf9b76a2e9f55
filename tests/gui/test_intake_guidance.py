"""Intake meets the guidance: online notice, reason for paper, online-only with a leader's
sign-in, assisted filing, the VietQR fee step, and the CCCD read from an image or a scanner."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
import segno
import zxingcpp
from PIL import Image
from pytestqt.qtbot import QtBot

from PySide6.QtCore import QBuffer, QIODevice, Qt
from PySide6.QtWidgets import QFileDialog

from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Channel, Role
from counter_app.guidance.data import save_correction
from counter_app.kernel.context import AppContext
from counter_app.kernel.dossier_store import get_dossier
from counter_app.kernel.users import Actor, add_user
from counter_app.payments.service import set_bank_account
from counter_app.payments.vietqr import parse_payload
from counter_app.scanning.devices import CancelToken, DeviceInfo, Registry, ScanRequest
from ui.intake_view import IntakeView

KHAI_SINH = "1.001193"  # free, can be filed online
TRICH_LUC = "2.000635"  # 8.000 đ, can be filed online
CHUNG_THUC = "2.000815"  # counter only
QR = (
    "056090001234|225123456|Nguyễn Văn Đức|15031990|Nam|"
    "Tổ 5, Phường Bắc Nha Trang, Khánh Hòa|01072021"
)


@pytest.fixture
def clerk(ctx: AppContext) -> Actor:
    return add_user(ctx, "tiepnhan1", "demo1234", Role.CLERK, "Nguyễn Thị Mỹ Linh")


@pytest.fixture
def leader(ctx: AppContext) -> Actor:
    return add_user(ctx, "lanhdao", "lanhdao123", Role.LEADER, "Phạm Văn Bình")


def make_view(qtbot: QtBot, ctx: AppContext, actor: Actor, **kwargs: object) -> IntakeView:
    widget = IntakeView(ctx, actor, **kwargs)  # type: ignore[arg-type]
    qtbot.add_widget(widget)
    widget.show()
    qtbot.wait_exposed(widget)
    return widget


@pytest.fixture
def view(qtbot: QtBot, ctx: AppContext, clerk: Actor) -> IntakeView:
    return make_view(qtbot, ctx, clerk)


def fill_person(view: IntakeView, procedure: str) -> None:
    view.choose_procedure(view.ctx.catalog.get(procedure))
    view.applicant.wedge.feed(QR)
    view.applicant.finish_wedge()


def choose_reason(view: IntakeView, code: str) -> None:
    view.guidance.reason.setCurrentIndex(view.guidance.reason.findData(code))


def test_online_capable_procedure_shows_the_notice_and_asks_why_paper(
    qtbot: QtBot, view: IntakeView, ctx: AppContext
) -> None:
    fill_person(view, TRICH_LUC)
    assert "trực tuyến" in view.guidance.headline.text()
    assert view.guidance.reason.isVisibleTo(view)
    view.submit()
    assert "lý do" in view.error_label.text()
    choose_reason(view, "other")
    assert view.guidance.reason_text.isVisibleTo(view)
    view.submit()
    assert "lý do khác" in view.error_label.text()
    view.guidance.reason_text.setText("Cổng chậm, công dân vội")
    with qtbot.wait_signal(view.dossier_logged, timeout=10000) as logged:
        view.submit()
    assert get_dossier(ctx, logged.args[0].code).paper_reason == "other: Cổng chậm, công dân vội"


def test_counter_only_procedure_asks_no_reason(
    qtbot: QtBot, view: IntakeView, ctx: AppContext
) -> None:
    fill_person(view, CHUNG_THUC)
    assert not view.guidance.reason.isVisibleTo(view)
    view.fee.setValue(0)
    with qtbot.wait_signal(view.intake_finished, timeout=10000) as finished:
        view.submit()
    assert get_dossier(ctx, finished.args[0]).paper_reason is None


def test_assisted_filing_needs_the_portal_code_and_no_reason(
    qtbot: QtBot, view: IntakeView, ctx: AppContext
) -> None:
    fill_person(view, KHAI_SINH)
    assert not view.portal_code.isVisibleTo(view)
    view.channel.setCurrentIndex(view.channel.findData(Channel.ASSISTED))
    assert view.portal_code.isVisibleTo(view)
    assert not view.guidance.reason.isVisibleTo(view)
    view.submit()
    assert "mã hồ sơ trên Cổng" in view.error_label.text()
    view.portal_code.setText("G22.104-260302-0001")
    with qtbot.wait_signal(view.dossier_logged, timeout=10000) as logged:
        view.submit()
    stored = get_dossier(ctx, logged.args[0].code)
    assert (stored.channel, stored.portal_code) == ("assisted", "G22.104-260302-0001")
    # The same filing never becomes a second dossier.
    fill_person(view, KHAI_SINH)
    view.channel.setCurrentIndex(view.channel.findData(Channel.ASSISTED))
    view.portal_code.setText("G22.104-260302-0001")
    view.submit()
    qtbot.waitUntil(lambda: stored.code in view.error_label.text(), timeout=10000)


def make_online_only(ctx: AppContext, code: str) -> None:
    save_correction(
        ctx.data_dir,
        "online_only",
        code,
        {"valid_from": "2026-01-01", "source": "QĐ thí điểm số 1/2026"},
        by="quantri",
        at=datetime(2026, 1, 1, 8, tzinfo=VN_TZ),
    )


def test_online_only_on_paper_needs_a_leader_sign_in(
    qtbot: QtBot, view: IntakeView, ctx: AppContext, leader: Actor
) -> None:
    make_online_only(ctx, KHAI_SINH)
    fill_person(view, KHAI_SINH)
    assert "chỉ nhận trực tuyến" in view.guidance.headline.text()
    choose_reason(view, "elderly")
    view.submit()
    dialog = view.override_dialog
    assert dialog is not None and dialog.isVisible()
    assert "lãnh đạo" in view.error_label.text()
    # No reason, then a clerk, then a wrong password: each refused with a message.
    dialog.submit()
    assert "lý do" in dialog.message.text()
    dialog.reason.setPlainText("Cụ già 90 tuổi, không dùng điện thoại")
    dialog.login.setText("tiepnhan1")
    dialog.password.setText("demo1234")
    dialog.submit()
    qtbot.waitUntil(lambda: "Chỉ lãnh đạo" in dialog.message.text(), timeout=10000)
    dialog.login.setText("lanhdao")
    dialog.password.setText("sai")
    dialog.submit()
    qtbot.waitUntil(lambda: "Sai tên đăng nhập" in dialog.message.text(), timeout=10000)
    assert dialog.isVisible()
    dialog.password.setText("lanhdao123")
    with qtbot.wait_signal(view.dossier_logged, timeout=10000) as logged:
        dialog.submit()
    first = get_dossier(ctx, logged.args[0].code).events[0]
    assert first.actor == "tiepnhan1"
    assert first.data["online_only_override"]["by"] == "lanhdao"
    assert first.data["online_only_override"]["reason"] == "Cụ già 90 tuổi, không dùng điện thoại"
    assert first.data["paper_reason"] == "elderly"


def test_online_only_cancelled_takes_nothing(
    qtbot: QtBot, view: IntakeView, ctx: AppContext
) -> None:
    make_online_only(ctx, KHAI_SINH)
    fill_person(view, KHAI_SINH)
    choose_reason(view, "elderly")
    view.submit()
    assert view.override_dialog is not None
    view.override_dialog.reject()
    assert view.procedure is not None  # the form is kept for an online filing instead
    view.channel.setCurrentIndex(view.channel.findData(Channel.ONLINE))
    with qtbot.wait_signal(view.dossier_logged, timeout=10000) as logged:
        view.submit()  # online needs no leader
    assert logged.args[0].channel == "online"


def decode_pixmap(view_pixmap: object) -> str:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    view_pixmap.save(buffer, "PNG")  # type: ignore[attr-defined]
    image = Image.open(io.BytesIO(bytes(buffer.data())))
    return str(zxingcpp.read_barcodes(image)[0].text)


def test_fee_due_shows_the_vietqr_code_then_the_receipt(
    qtbot: QtBot, view: IntakeView, ctx: AppContext
) -> None:
    admin = add_user(ctx, "quantri", "quantri123", Role.ADMIN, "Quản trị")
    set_bank_account(ctx, admin, "970436", "0011001800879", "UBND phường Bắc Nha Trang")
    fill_person(view, TRICH_LUC)
    choose_reason(view, "no_smartphone")
    assert view.fee.value() == 8000
    with qtbot.wait_signal(view.dossier_logged, timeout=10000) as logged:
        view.submit()
    code = logged.args[0].code
    dialog = view.payment_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.state is not None, timeout=10000)
    assert "8.000 đ" in dialog.title.text()
    payload = parse_payload(decode_pixmap(dialog.qr.pixmap()))
    assert (payload.bank_bin, payload.account, payload.amount, payload.note) == (
        "970436",
        "0011001800879",
        8000,
        code,
    )
    dialog.reference.setText("FT26061")
    with qtbot.wait_signal(view.intake_finished, timeout=10000) as finished:
        qtbot.keyClick(dialog.method_buttons[_vietqr()], Qt.Key.Key_Space)
    assert finished.args[0] == code
    stored = get_dossier(ctx, code)
    assert stored.payment_method == "vietqr"
    assert stored.events[-1].data["payment"]["reference"] == "FT26061"


def _vietqr() -> object:
    from counter_app.domain.fees import PaymentMethod

    return PaymentMethod.VIETQR


def test_fee_without_bank_account_is_taken_in_cash_or_later(
    qtbot: QtBot, view: IntakeView, ctx: AppContext
) -> None:
    from counter_app.domain.fees import PaymentMethod

    fill_person(view, TRICH_LUC)
    choose_reason(view, "no_smartphone")
    with qtbot.wait_signal(view.dossier_logged, timeout=10000) as logged:
        view.submit()
    dialog = view.payment_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.state is not None, timeout=10000)
    assert "VietQR" in dialog.qr_note.text()  # why there is no code: the bank is not set
    assert not dialog.method_buttons[PaymentMethod.VIETQR].isEnabled()
    with qtbot.wait_signal(view.intake_finished, timeout=10000):
        dialog.later.click()
    assert get_dossier(ctx, logged.args[0].code).payment_method is None  # still due


# --- the card from an image ---------------------------------------------------------------


def card_png(path: Path, text: str = QR) -> Path:
    """A photo-like card: the QR on a grey background."""
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=6, border=4)
    qr = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    card = Image.new("L", (qr.width + 400, qr.height + 200), 200)
    card.paste(qr, (300, 100))
    card.save(path, dpi=(300, 300))
    return path


def test_card_read_from_a_photo_fills_the_applicant(
    qtbot: QtBot, view: IntakeView, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    photo = card_png(tmp_path / "the.png")
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(photo), ""))
    )
    with qtbot.wait_signal(view.applicant.card_read, timeout=10000):
        view.card_file_action.trigger()
    panel = view.applicant
    assert panel.id_number.text() == "056090001234"
    assert panel.name.text() == "Nguyễn Văn Đức"
    assert panel.birth_date.text() == "15/03/1990"
    assert panel.address.text() == "Tổ 5, Phường Bắc Nha Trang, Khánh Hòa"
    assert panel.card_button.isEnabled()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: card_png(p / "x.png", "https://dichvucong.gov.vn"), "không phải mã"),
        (lambda p: Image.new("L", (400, 300), 255).save(p / "x.png") or p / "x.png", "Không tìm"),
        (lambda p: (p / "x.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken") and p / "x.png", ""),
        (lambda p: (p / "x.txt").write_text("hi") and p / "x.txt", "chỉ nhận ảnh"),
    ],
)
def test_bad_card_images_give_a_message_and_fill_nothing(
    qtbot: QtBot, view: IntakeView, tmp_path: Path, make: object, message: str
) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    view.read_card_file(path)
    panel = view.applicant
    qtbot.waitUntil(lambda: panel.card_button.isEnabled(), timeout=10000)
    assert panel.message.text() and "Đang đọc" not in panel.message.text()
    assert message in panel.message.text()
    assert panel.id_number.text() == "" and panel.name.text() == ""


@dataclass
class PhotoScanner:
    """A flatbed that 'scans' a stored photo of a card (the SANE pnm backend does the same)."""

    photo: Path
    info: DeviceInfo = field(
        default_factory=lambda: DeviceInfo("photo:0", "photo", model="Ảnh thẻ")
    )
    closed: bool = False

    def scan(self, request: ScanRequest, cancel: CancelToken) -> Iterator[Image.Image]:
        assert request.dpi == 300
        yield Image.open(self.photo)

    def close(self) -> None:
        self.closed = True


@dataclass
class PhotoBackend:
    scanner: PhotoScanner
    name: str = "photo"

    def available(self) -> bool:
        return True

    def devices(self) -> list[DeviceInfo]:
        return [self.scanner.info]

    def open(self, name: str) -> PhotoScanner:
        return self.scanner


def test_card_scanned_from_a_scanner_fills_the_applicant(
    qtbot: QtBot, ctx: AppContext, clerk: Actor, tmp_path: Path
) -> None:
    scanner = PhotoScanner(card_png(tmp_path / "card.png"))
    view = make_view(qtbot, ctx, clerk, registry_factory=lambda: Registry([PhotoBackend(scanner)]))
    view.card_menu.aboutToShow.emit()
    qtbot.waitUntil(lambda: len(view.card_menu.actions()) == 3, timeout=10000)
    scan_action = view.card_menu.actions()[-1]
    assert "Ảnh thẻ" in scan_action.text()
    with qtbot.wait_signal(view.applicant.card_read, timeout=10000):
        scan_action.trigger()
    assert view.applicant.name.text() == "Nguyễn Văn Đức"
    assert scanner.closed
