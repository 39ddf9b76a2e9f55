"""The printable VietQR payment slip: text and QR read back from the PDF, and the button of
the fee dialog that previews and prints it."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from pytestqt.qtbot import QtBot
from unit.test_forms import pdf_text as flowing_text
from unit.test_vietqr import PUBLISHED

from PySide6.QtPrintSupport import QPrinter

from counter_app.documents.forms import place_name
from counter_app.domain.applicants import Person
from counter_app.domain.fees import PaymentMethod
from counter_app.domain.lifecycle import EventKind, Role
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.errors import ConfigError, ValidationError
from counter_app.kernel.config import FormsConfig, OfficeConfig
from counter_app.kernel.context import AppContext
from counter_app.kernel.dossier_store import get_dossier
from counter_app.kernel.users import SYSTEM_ACTOR, add_user
from counter_app.payments.service import BankAccount, record_payment, set_bank_account
from counter_app.payments.slip import PaymentSlip, payment_slip, payment_slip_pdf
from counter_app.payments.vietqr import VietQR, build_payload, parse_payload
from ui.intake_dialogs import PaymentDialog

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
TRICH_LUC = "2.000635"  # 8.000 đ


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "slip.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def qr_texts(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        assert len(document) == 1
        image = document[0].render(scale=200 / 72, grayscale=True).to_pil()
    finally:
        document.close()
    return [r.text for r in zxingcpp.read_barcodes(image) if r.valid]


@pytest.mark.parametrize(("bank_bin", "account", "amount", "note", "payload"), PUBLISHED)
@pytest.mark.parametrize("paper", ["A5", "A4"])
def test_the_slip_carries_the_published_payload(
    tmp_path: Path, paper: str, bank_bin: str, account: str, amount: int, note: str, payload: str
) -> None:
    slip = PaymentSlip(
        code="000.00.22.H56-261130-0007",
        office_name="UBND phường Bắc Nha Trang",
        parent_body="UBND tỉnh Khánh Hòa",
        place="Nha Trang",
        applicant_name="Nguyễn Thị Ánh Tuyết",
        procedure_name="Cấp bản sao trích lục hộ tịch",
        fees=(("Lệ phí cấp bản sao trích lục", amount),),
        amount=amount,
        bank=BankAccount(bank_bin, account, "Ủy ban nhân dân phường Bắc Nha Trang"),
        payload=payload,
        day=date(2026, 11, 30),
    )
    pdf = payment_slip_pdf(slip, paper)
    assert qr_texts(pdf) == [payload]
    text = pdf_text(pdf, tmp_path)
    for expected in (
        "UBND PHƯỜNG BẮC NHA TRANG",
        slip.code,
        "Nguyễn Thị Ánh Tuyết",
        "Cấp bản sao trích lục hộ tịch",
        account,
        bank_bin,
        "Ủy ban nhân dân phường Bắc Nha Trang",
        f"{amount:,}".replace(",", ".") + " đ",
        "Nha Trang, ngày 30 tháng 11 năm 2026",
    ):
        assert expected in text, expected
    assert "NHÁP" not in text
    assert "NHÁP" in pdf_text(payment_slip_pdf(slip, paper, draft=True), tmp_path)


@pytest.fixture
def dossier_with_fee(ctx: AppContext) -> str:
    person = Person(name="Lê Văn Hùng", id_number="056090012345")
    return intake(ctx, IntakeRequest(TRICH_LUC, person), SYSTEM_ACTOR).code


def set_bank(ctx: AppContext) -> None:
    admin = add_user(ctx, "quantri", "quantri123", Role.ADMIN, "Quản trị")
    set_bank_account(ctx, admin, "970436", "0011001800879", "UBND phường Bắc Nha Trang")


def test_slip_of_a_dossier_and_bad_cases(ctx: AppContext, dossier_with_fee: str) -> None:
    with pytest.raises(ConfigError):
        payment_slip(ctx, dossier_with_fee)  # no bank account yet
    set_bank(ctx)
    slip = payment_slip(ctx, dossier_with_fee)
    decoded = parse_payload(qr_texts(payment_slip_pdf(slip))[0])
    assert (decoded.bank_bin, decoded.account, decoded.amount, decoded.note) == (
        "970436",
        "0011001800879",
        8000,
        dossier_with_fee,
    )
    assert slip.payload == build_payload(VietQR("970436", "0011001800879", 8000, dossier_with_fee))
    record_payment(ctx, dossier_with_fee, PaymentMethod.CASH, SYSTEM_ACTOR)
    with pytest.raises(ValidationError):
        payment_slip(ctx, dossier_with_fee)  # nothing left to pay


def test_the_slip_dates_itself_at_the_offices_place(
    ctx: AppContext, dossier_with_fee: str, tmp_path: Path
) -> None:
    set_bank(ctx)
    day = ctx.clock().date()
    on_day = f"ngày {day:%d} tháng {day:%m} năm {day:%Y}"
    # No place set for the office's forms: the parent body's (UBND Phường Bắc Nha Trang).
    assert ctx.config.forms.place == ""
    text = flowing_text(payment_slip_pdf(payment_slip(ctx, dossier_with_fee)), tmp_path)
    assert f"Phường Bắc Nha Trang, {on_day}" in text
    assert f"…, {on_day}" not in text
    # The place set for the forms is the slip's too.
    ctx.config = replace(ctx.config, forms=replace(ctx.config.forms, place="Nha Trang"))
    slip = payment_slip(ctx, dossier_with_fee)
    assert slip.place == "Nha Trang"
    assert f"Nha Trang, {on_day}" in flowing_text(payment_slip_pdf(slip), tmp_path)


def test_place_name_falls_back_to_the_office_name(ctx: AppContext) -> None:
    office = OfficeConfig("1", "000.00.01.H56", "UBND xã Cam Hải Đông", parent_body=" ")
    assert place_name(ctx, office) == "UBND xã Cam Hải Đông"
    blank_setting = replace(ctx.config, forms=FormsConfig(place="  "))
    ctx.config = blank_setting  # a blank setting is no place
    assert place_name(ctx, replace(office, parent_body="UBND Xã Cam Hải Đông")) == "Xã Cam Hải Đông"


def test_the_fee_dialog_previews_and_prints_the_slip(
    qtbot: QtBot, ctx: AppContext, dossier_with_fee: str, tmp_path: Path
) -> None:
    set_bank(ctx)
    dialog = PaymentDialog(ctx, SYSTEM_ACTOR, dossier_with_fee)
    qtbot.add_widget(dialog)
    qtbot.waitUntil(lambda: dialog.state is not None, timeout=10000)
    assert dialog.print_qr_button.isEnabled()
    dialog.print_qr_button.click()
    preview = dialog.slip_preview
    assert preview is not None
    qtbot.waitUntil(lambda: preview.draft is not None, timeout=20000)
    assert preview.draft.paper == "A5"
    assert preview.document.pageCount() == 1
    assert qr_texts(preview.draft.pdf) == [dialog.state.payload]

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    output = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(output))
    with qtbot.wait_signal(preview.printed, timeout=30000) as printed:
        preview.print_to(printer)
    event = printed.args[0]
    assert event.kind == EventKind.PRINTED.value and event.data["form"] == "vietqr"
    assert output.stat().st_size > 0
    assert get_dossier(ctx, dossier_with_fee).payment_method is None  # printing is not paying


def test_no_bank_account_no_print_button(
    qtbot: QtBot, ctx: AppContext, dossier_with_fee: str
) -> None:
    dialog = PaymentDialog(ctx, SYSTEM_ACTOR, dossier_with_fee)
    qtbot.add_widget(dialog)
    qtbot.waitUntil(lambda: dialog.state is not None, timeout=10000)
    assert not dialog.print_qr_button.isEnabled()
