"""Cashless fees at the counter: the office's VietQR code for a dossier, and the payment record.

The office's bank (BIN, account, account name) is configuration (`config.json`, key
"vietqr", `kernel.config.BankAccount`), set by an admin. The clerk confirms a receipt; the
method (cash, VietQR transfer, online on the portal) is recorded on the fee lines and in
the dossier's history.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import sqlalchemy as sa

from counter_app.domain.calendar import VN_TZ
from counter_app.domain.fees import PaymentMethod
from counter_app.domain.lifecycle import EventKind, Role
from counter_app.domain.text import BANK_ACCOUNT_NAME, PAYMENT_REFERENCE
from counter_app.errors import ConfigError, ValidationError
from counter_app.i18n import _
from counter_app.kernel.admin_log import SETTINGS, record_change
from counter_app.kernel.config import BankAccount, save_config
from counter_app.kernel.context import AppContext
from counter_app.kernel.dossier_store import dossier_view, get_dossier, load_dossier
from counter_app.kernel.events import append_event
from counter_app.kernel.users import Actor
from counter_app.kernel.views import DossierView
from counter_app.payments.vietqr import VietQR, build_payload
from counter_app.store.models import DossierFee

MAX_REFERENCE_LENGTH = PAYMENT_REFERENCE.max_length


def bank_account(ctx: AppContext) -> BankAccount:
    """The office's receiving account; ConfigError until an admin sets it."""
    bank = ctx.config.vietqr
    if bank is None or not bank.bank_bin or not bank.account:
        raise ConfigError(
            _("Chưa cấu hình tài khoản nhận phí VietQR: quản trị viên đặt trong Cài đặt."),
            command="counter-app guidance bank",
        )
    return bank


def set_bank_account(
    ctx: AppContext, actor: Actor, bank_bin: str, account: str, account_name: str
) -> BankAccount:
    actor.require(Role.ADMIN)
    bank = BankAccount(bank_bin.strip(), account.strip(), BANK_ACCOUNT_NAME.clean(account_name))
    build_payload(VietQR(bank.bank_bin, bank.account, None, "", dynamic=False))  # validates
    with ctx.session() as session:
        ctx.config = replace(ctx.config, vietqr=bank)
        save_config(ctx.data_dir, ctx.config)
        record_change(
            session,
            kind="settings.vietqr",
            actor=actor.login,
            actor_role=actor.role.value,
            at=ctx.clock(),
            groups={SETTINGS},
            config=ctx.config,
            data={"bank_bin": bank.bank_bin},
        )
    return bank


def fee_due(dossier: DossierView) -> int:
    return sum(fee.amount for fee in dossier.fees if fee.payment_method is None)


def fee_qr_payload(ctx: AppContext, code: str) -> str:
    """The VietQR payload for the unpaid fees of a dossier, with its code as the note."""
    dossier = get_dossier(ctx, code)
    amount = fee_due(dossier)
    if amount <= 0:
        raise ValidationError(_("Hồ sơ {code} không còn khoản phí nào phải nộp.").format(code=code))
    bank = bank_account(ctx)
    return build_payload(VietQR(bank.bank_bin, bank.account, amount, dossier.code))


_UNPAID = sa.select(DossierFee).where(
    DossierFee.dossier_id == sa.bindparam("dossier_id"),
    DossierFee.payment_method.is_(None),
    DossierFee.amount > 0,
)


def record_payment(
    ctx: AppContext,
    code: str,
    method: PaymentMethod,
    actor: Actor,
    *,
    reference: str | None = None,
) -> DossierView:
    """The clerk confirms the unpaid fees of a dossier were received by `method`."""
    actor.require(Role.CLERK, Role.LEADER, Role.ADMIN)
    reference = PAYMENT_REFERENCE.optional(reference)
    now = ctx.clock().astimezone(VN_TZ)
    with ctx.session() as session:
        dossier = load_dossier(session, code, for_update=True)
        unpaid = session.execute(_UNPAID, {"dossier_id": dossier.id}).scalars().all()
        if not unpaid:
            raise ValidationError(
                _("Hồ sơ {code} không còn khoản phí nào phải nộp.").format(code=dossier.code)
            )
        for fee in unpaid:
            fee.payment_method = method.value
            fee.paid_at = now
        dossier.payment_method = method.value
        data: dict[str, Any] = {
            "payment": {
                "method": method.value,
                "amount": sum(fee.amount for fee in unpaid),
                "reference": reference,
            }
        }
        append_event(
            session,
            dossier,
            kind=EventKind.NOTE.value,
            actor=actor.login,
            actor_role=actor.role.value,
            at=now,
            data=data,
        )
        return dossier_view(session, dossier, with_details=True)
