"""Cashless fees (VietQR for a dossier, payment record) and the online share / paper reasons."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
import segno
import zxingcpp
from PIL import Image

from counter_app.domain.applicants import Person
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.fees import PaymentMethod
from counter_app.domain.lifecycle import Channel, Role
from counter_app.dossiers.service import FeeLine, IntakeRequest, intake
from counter_app.errors import ConfigError, NotFoundError, PermissionDeniedError, ValidationError
from counter_app.guidance.data import admin_correct
from counter_app.kernel.dossier_store import get_dossier
from counter_app.kernel.users import Actor
from counter_app.maintenance.service import verify
from counter_app.payments.service import fee_qr_payload, record_payment, set_bank_account
from counter_app.payments.vietqr import parse_payload
from counter_app.reports.online import online_share, paper_reasons, target_progress

AN = Person(name="Nguyễn Văn An", id_number="056090012345")
CLERK = Actor("tiepnhan1", "Lê Thị Hoa", Role.CLERK)
ADMIN = Actor("quantri", "Quản trị", Role.ADMIN)
TRICH_LUC = "2.000635"  # 8.000 đ, can be filed online
CHUNG_THUC = "2.000815"  # counter only


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


def test_fee_qr_encodes_the_office_account_amount_and_dossier_code(any_ctx) -> None:
    dossier = intake(any_ctx, IntakeRequest(TRICH_LUC, AN), CLERK)
    with pytest.raises(ConfigError, match="Cài đặt") as missing:  # where, in the GUI
        fee_qr_payload(any_ctx, dossier.code)
    assert missing.value.command == "counter-app guidance bank"  # the command line's way
    with pytest.raises(PermissionDeniedError):
        set_bank_account(any_ctx, CLERK, "970436", "0011001800879", "UBND phường")
    set_bank_account(any_ctx, ADMIN, "970436", "0011001800879", "UBND phường Bắc Nha Trang")
    payload = fee_qr_payload(any_ctx, dossier.code)
    png = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(png, kind="png", scale=5, border=4)
    png.seek(0)
    decoded = zxingcpp.read_barcodes(Image.open(png))[0].text
    code = parse_payload(decoded)  # checks the CRC too
    assert (code.bank_bin, code.account, code.amount, code.note) == (
        "970436",
        "0011001800879",
        8000,
        dossier.code,
    )


@pytest.mark.parametrize(("bank_bin", "account"), [("97043", "123"), ("970436", "12 3")])
def test_bad_bank_configuration_is_refused(ctx, bank_bin: str, account: str) -> None:
    with pytest.raises(ValidationError):
        set_bank_account(ctx, ADMIN, bank_bin, account, "x")


def test_payment_method_is_recorded_once(any_ctx) -> None:
    request = IntakeRequest(
        TRICH_LUC, AN, fees=(FeeLine("Phí cấp bản sao", 8000), FeeLine("Phí gửi trả", 20000))
    )
    dossier = intake(any_ctx, request, CLERK)
    paid = record_payment(any_ctx, dossier.code, PaymentMethod.VIETQR, CLERK, reference="FT26")
    assert paid.payment_method == "vietqr"
    assert {f.payment_method for f in paid.fees} == {"vietqr"}
    assert all(f.paid_at is not None for f in paid.fees)
    assert paid.events[-1].data["payment"] == {
        "method": "vietqr",
        "amount": 28000,
        "reference": "FT26",
    }
    with pytest.raises(ValidationError, match="không còn khoản phí"):
        record_payment(any_ctx, dossier.code, PaymentMethod.CASH, CLERK)
    with pytest.raises(ValidationError):
        fee_qr_payload(any_ctx, dossier.code)
    assert verify(any_ctx).ok


def test_payment_bad_input(ctx) -> None:
    free = intake(ctx, IntakeRequest("1.001193", AN), CLERK)  # khai sinh: free
    with pytest.raises(ValidationError):
        record_payment(ctx, free.code, PaymentMethod.CASH, CLERK)
    with pytest.raises(NotFoundError):
        record_payment(ctx, "000.00.22.H56-260302-9999", PaymentMethod.CASH, CLERK)
    with pytest.raises(ValidationError):
        PaymentMethod.parse("cheque")
    assert PaymentMethod.parse(" Portal ") is PaymentMethod.PORTAL
    assert get_dossier(ctx, free.code).payment_method is None


def test_online_share_counts_assisted_as_online(any_ctx, clock) -> None:
    clock.now = at("2026-03-02T09:00")
    intake(any_ctx, IntakeRequest(TRICH_LUC, AN, Channel.ONLINE), CLERK)
    intake(any_ctx, IntakeRequest(TRICH_LUC, AN, Channel.ASSISTED, portal_code="G1"), CLERK)
    intake(any_ctx, IntakeRequest(TRICH_LUC, AN, paper_reason="no_vneid"), CLERK)
    intake(any_ctx, IntakeRequest(CHUNG_THUC, AN), CLERK)
    clock.now = at("2026-03-03T09:00")
    intake(any_ctx, IntakeRequest(TRICH_LUC, AN, Channel.POSTAL), CLERK)
    clock.now = at("2026-04-01T08:00")
    intake(any_ctx, IntakeRequest(TRICH_LUC, AN, Channel.ONLINE), CLERK)

    day = online_share(any_ctx, date(2026, 3, 2), date(2026, 3, 2))
    assert (day.received, day.online) == (4, 2)
    assert day.by_channel == {"direct": 2, "online": 1, "postal": 0, "assisted": 1}
    assert day.share == pytest.approx(0.5)
    month = online_share(any_ctx, date(2026, 3, 1), date(2026, 3, 31))
    assert (month.received, month.online) == (5, 2)
    empty = online_share(any_ctx, date(2026, 2, 1), date(2026, 2, 28))
    assert empty.received == 0 and empty.share is None

    progress = target_progress(any_ctx, date(2026, 3, 3))
    assert progress.level == "commune" and progress.target == pytest.approx(0.20)
    assert (progress.today.received, progress.month.received) == (1, 5)
    assert progress.to_json()["month"]["share"] == pytest.approx(0.4)


def test_paper_reasons_are_counted(ctx, clock) -> None:
    clock.now = at("2026-03-02T09:00")
    for reason in ("no_vneid", "no_vneid", "elderly", "other: Quên mật khẩu", None):
        intake(ctx, IntakeRequest(TRICH_LUC, AN, paper_reason=reason), CLERK)
    intake(ctx, IntakeRequest(CHUNG_THUC, AN), CLERK)  # cannot be filed online: not counted
    intake(ctx, IntakeRequest(TRICH_LUC, AN, Channel.ONLINE), CLERK)
    reasons = paper_reasons(ctx, date(2026, 3, 1), date(2026, 3, 31))
    assert reasons.by_reason == {
        "no_vneid": 2,
        "no_smartphone": 0,
        "elderly": 1,
        "prefers_paper": 0,
        "portal_down": 0,
        "other": 1,
        "unspecified": 1,
    }
    assert reasons.other_texts == {"Quên mật khẩu": 1}
    assert reasons.total == 5
    assert paper_reasons(ctx, date(2026, 4, 1), date(2026, 4, 30)).total == 0


def test_target_follows_the_office_configuration(ctx) -> None:
    admin_correct(ctx, ADMIN, "targets", "commune", {"share": 0.35, "source": "KH 2027"})
    assert target_progress(ctx, date(2026, 3, 2)).target == pytest.approx(0.35)
