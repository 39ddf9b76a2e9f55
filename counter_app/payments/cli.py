"""The payment commands: `guidance bank`, `pay` and `vietqr`."""

from __future__ import annotations

import argparse
from pathlib import Path

from counter_app.files import write_atomically
from counter_app.guidance.cli import guidance_group
from counter_app.i18n import _
from counter_app.kernel.commands import (
    Commands,
    actor_for,
    context_for,
    json_flag,
    print_json,
)


def cmd_bank(args: argparse.Namespace) -> int:
    from counter_app.payments.service import set_bank_account

    with context_for(args) as ctx:
        bank = set_bank_account(ctx, actor_for(ctx, args), args.bin, args.account, args.name or "")
    print(
        _("Đã lưu tài khoản nhận phí {account} (BIN {bin}).").format(
            account=bank.account, bin=bank.bank_bin
        )
    )
    return 0


def cmd_pay(args: argparse.Namespace) -> int:
    from counter_app.domain.fees import PaymentMethod
    from counter_app.payments.service import record_payment

    method = PaymentMethod.parse(args.method)
    with context_for(args) as ctx:
        dossier = record_payment(
            ctx, args.code, method, actor_for(ctx, args), reference=args.reference
        )
    if args.json:
        print_json(dossier.to_json())
    else:
        print(f"{dossier.code}: {method.value}")
    return 0


def cmd_vietqr(args: argparse.Namespace) -> int:
    from counter_app.payments.service import fee_qr_payload
    from counter_app.payments.vietqr import parse_payload

    with context_for(args) as ctx:
        payload = fee_qr_payload(ctx, args.code)
    if args.png:
        import io

        import segno

        buffer = io.BytesIO()
        segno.make(payload, error="m", micro=False).save(buffer, kind="png", scale=8, border=4)
        write_atomically(args.png, buffer.getvalue())
    if args.json:
        code = parse_payload(payload)
        print_json(
            {
                "payload": payload,
                "bank_bin": code.bank_bin,
                "account": code.account,
                "amount": code.amount,
                "note": code.note,
            }
        )
    else:
        print(payload)
    return 0


def register(commands: Commands) -> None:
    sub, common = commands.subparsers, commands.common
    gsub = guidance_group(commands)
    bank = gsub.add_parser("bank", parents=[common], help=_("tài khoản nhận phí VietQR"))
    bank.add_argument("--bin", required=True, help=_("mã BIN của ngân hàng (6 chữ số)"))
    bank.add_argument("--account", required=True, help=_("số tài khoản"))
    bank.add_argument("--name", help=_("tên chủ tài khoản"))
    bank.set_defaults(handler=cmd_bank)

    pay = sub.add_parser("pay", parents=[common], help=_("ghi nhận đã thu phí"))
    pay.add_argument("code", help=_("mã hồ sơ"))
    pay.add_argument("--method", required=True, help="cash|vietqr|portal")
    pay.add_argument("--reference", help=_("mã giao dịch"))
    json_flag(pay)
    pay.set_defaults(handler=cmd_pay)

    vietqr = sub.add_parser("vietqr", parents=[common], help=_("mã VietQR thu phí của hồ sơ"))
    vietqr.add_argument("code", help=_("mã hồ sơ"))
    vietqr.add_argument("--png", type=Path, help=_("ghi mã QR ra tệp PNG"))
    json_flag(vietqr)
    vietqr.set_defaults(handler=cmd_vietqr)
