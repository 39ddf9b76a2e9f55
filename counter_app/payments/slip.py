"""The printable VietQR payment slip of a dossier: office, dossier code, fees, the office's
bank account and the QR any Vietnamese banking app can pay (issue 6: "show and print").

    slip = payment_slip(ctx, code)             # the unpaid fees and the payload
    pdf = payment_slip_pdf(slip, "A5", draft=True)
    record_slip_print(ctx, code, actor, paper="A5", copies=1, printer="HP")
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from counter_app.documents.forms import place_name
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import EventKind
from counter_app.guidance.sheet import money
from counter_app.i18n import _
from counter_app.kernel.config import BankAccount
from counter_app.kernel.context import AppContext
from counter_app.kernel.dossier_store import get_dossier, record_event
from counter_app.kernel.users import Actor
from counter_app.kernel.views import EventView
from counter_app.payments.service import bank_account, fee_due, fee_qr_payload

SLIP_FORM = "vietqr"
"""The `form` recorded with a print of the slip (the one-stop forms use their FormKind)."""
QR_SIZE_MM = {"A5": 62.0, "A4": 80.0}


@dataclass(frozen=True)
class PaymentSlip:
    code: str
    office_name: str
    parent_body: str
    place: str
    """Of the place-date line, as on the office's forms."""
    applicant_name: str
    procedure_name: str
    fees: tuple[tuple[str, int], ...]
    """(fee name, amount) of each unpaid line."""
    amount: int
    bank: BankAccount
    payload: str
    day: date


def payment_slip(ctx: AppContext, code: str) -> PaymentSlip:
    """The slip of the dossier's unpaid fees; ValidationError when none is due,
    ConfigError when the office's bank account is not set."""
    payload = fee_qr_payload(ctx, code)  # checks the amount and the bank first
    dossier = get_dossier(ctx, code)
    office = ctx.config.office
    return PaymentSlip(
        code=dossier.code,
        office_name=office.name if office else "",
        parent_body=office.parent_body if office else "",
        place=place_name(ctx, office) if office else "",
        applicant_name=dossier.applicant_name,
        procedure_name=dossier.procedure_name,
        fees=tuple(
            (fee.name, fee.amount)
            for fee in dossier.fees
            if fee.payment_method is None and fee.amount > 0
        ),
        amount=fee_due(dossier),
        bank=bank_account(ctx),
        payload=payload,
        day=ctx.clock().astimezone(VN_TZ).date(),
    )


def payment_slip_pdf(slip: PaymentSlip, paper: str = "A5", *, draft: bool = False) -> bytes:
    """One page: who is paid, for which dossier, how much, and the QR to pay it."""
    from reportlab.platypus import Spacer

    from counter_app.documents.layout import (
        HeaderText,
        PageSetup,
        build_pdf,
        grid_table,
        header_block,
        make_styles,
        para,
        qr_flowable,
    )

    setup = PageSetup.parse(paper)
    st = make_styles(setup)
    qr_mm = QR_SIZE_MM.get(setup.paper, QR_SIZE_MM["A5"])
    header = HeaderText(slip.parent_body, slip.office_name, place=slip.place, day=slip.day)
    fee_rows: list[list[object]] = [
        [para(_("Khoản phí, lệ phí"), st.cell_head), para(_("Số tiền"), st.cell_head)]
    ]
    fee_rows += [
        [para(name, st.cell), para(money(amount), st.cell_center)] for name, amount in slip.fees
    ]
    fee_rows.append([para(_("Tổng cộng"), st.cell_head), para(money(slip.amount), st.cell_head)])
    story: list[object] = [
        header_block(header, setup),
        para(_("MÃ QR NỘP PHÍ, LỆ PHÍ"), st.title),
        para(_("Hồ sơ {code}").format(code=slip.code), st.subtitle),
        para(_("Người nộp: {name}").format(name=slip.applicant_name), st.body),
        para(_("Thủ tục: {name}").format(name=slip.procedure_name), st.body),
        Spacer(1, 4),
        grid_table(fee_rows, (0.7, 0.3), setup),
        Spacer(1, 6),
        qr_flowable(slip.payload, qr_mm * 72 / 25.4),
        para(
            _("Quét mã bằng ứng dụng ngân hàng để nộp {amount}.").format(amount=money(slip.amount)),
            st.body_center,
        ),
        Spacer(1, 4),
        para(
            _("Tài khoản nhận: {account} — {name}").format(
                account=slip.bank.account, name=slip.bank.account_name
            ),
            st.body,
        ),
        para(_("Ngân hàng (mã BIN): {bin}").format(bin=slip.bank.bank_bin), st.body),
        para(_("Nội dung chuyển khoản: {code}").format(code=slip.code), st.body),
        para(
            _(
                "Giữ nguyên nội dung chuyển khoản để bộ phận một cửa đối chiếu; "
                "đưa màn hình xác nhận giao dịch cho cán bộ."
            ),
            st.small,
        ),
    ]
    return build_pdf(
        story,
        setup,
        title=_("Mã QR nộp phí hồ sơ {code}").format(code=slip.code),
        author=slip.office_name,
        draft=draft,
    )


def record_slip_print(
    ctx: AppContext, code: str, actor: Actor, *, paper: str, copies: int, printer: str
) -> EventView:
    """A print of the slip on the dossier's history, like a print of a form."""
    return record_event(
        ctx,
        code,
        EventKind.PRINTED,
        actor,
        data={
            "form": SLIP_FORM,
            "paper": paper,
            "copies": copies,
            "printer": printer,
            "medium": "paper",
        },
    )
