"""Command line of the online guidance: `guide`, `guidance` (clerks log and report guidance
sessions; admins correct the guidance data), `pay`, `vietqr`, `online`."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from counter_app.cli import (
    OneLineParser,
    _actor,
    _context,
    _json_flag,
    _parse_date,
    _print_json,
)
from counter_app.domain.calendar import VN_TZ
from counter_app.errors import ValidationError
from counter_app.files import write_atomically
from counter_app.i18n import _


def _today(ctx: Any, args: argparse.Namespace) -> date:
    given: date | None = getattr(args, "date", None)
    return given or ctx.clock().astimezone(VN_TZ).date()


def cmd_guide(args: argparse.Namespace) -> int:
    from counter_app.guidance.data import load_guidance
    from counter_app.guidance.sheet import guide_sheet_pdf, make_guide

    with _context(args) as ctx:
        procedure = ctx.catalog.get(args.procedure)
        guide = make_guide(load_guidance(ctx.data_dir), procedure, _today(ctx, args))
        office = ctx.config.office.name if ctx.config.office else ""
    if args.pdf:
        write_atomically(args.pdf, guide_sheet_pdf(guide, office))
    if args.json:
        _print_json(guide.to_json())
        return 0
    print(f"{procedure.code} {procedure.name}")
    print(guide.headline)
    print(_("Trang thủ tục: {url}").format(url=guide.guidance.portal_page))
    fees = guide.fees
    from counter_app.guidance.sheet import money

    print(
        _("Phí, lệ phí: tại quầy {counter}; trực tuyến {online}.").format(
            counter=money(fees.counter_vnd), online=money(fees.online_vnd)
        )
    )
    if guide.online_only:
        print(_("Thủ tục này chỉ nhận hồ sơ trực tuyến tại đơn vị."))
    if args.pdf:
        print(_("Đã ghi {path}").format(path=args.pdf))
    return 0


def _json_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def cmd_guidance_set(args: argparse.Namespace) -> int:
    from counter_app.guidance.data import EDITABLE_FIELDS

    if args.field not in EDITABLE_FIELDS:
        raise ValidationError(
            _("Trường không sửa được: {value}. Dùng một trong: {names}.").format(
                value=args.field, names=", ".join(EDITABLE_FIELDS)
            )
        )
    entry = {"field": args.field, "value": _json_value(args.value), "source": args.source}
    return _correct(args, "procedures", args.procedure, entry)


def _correct(args: argparse.Namespace, section: str, key: str, entry: dict[str, Any]) -> int:
    from counter_app.guidance.data import admin_correct

    with _context(args) as ctx:
        admin_correct(ctx, _actor(ctx, args), section, key, entry)
    print(_("Đã lưu sửa đổi dữ liệu hướng dẫn ({section} {key}).").format(section=section, key=key))
    return 0


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def cmd_online_only_add(args: argparse.Namespace) -> int:
    entry = {
        "valid_from": _iso(args.date_from),
        "valid_to": _iso(args.date_to),
        "source": args.source,
    }
    with _context(args) as ctx:
        ctx.catalog.get(args.procedure)  # refuses an unknown code
    return _correct(args, "online_only", args.procedure.strip(), entry)


def cmd_online_only_remove(args: argparse.Namespace) -> int:
    return _correct(
        args, "online_only", args.procedure.strip(), {"removed": True, "source": args.source}
    )


def cmd_online_only_list(args: argparse.Namespace) -> int:
    from counter_app.guidance.data import load_guidance

    with _context(args) as ctx:
        entries = sorted(load_guidance(ctx.data_dir).online_only.values(), key=lambda e: e.code)
    rows = [
        {
            "procedure": e.code,
            "valid_from": _iso(e.valid_from),
            "valid_to": _iso(e.valid_to),
            "source": e.source,
            "by": e.correction.by if e.correction else None,
            "at": e.correction.at if e.correction else None,
        }
        for e in entries
    ]
    if args.json:
        _print_json(rows)
    else:
        for row in rows:
            dates = f"{row['valid_from'] or '-'}\t{row['valid_to'] or '-'}"
            print(f"{row['procedure']}\t{dates}\t{row['source']}")
    return 0


def cmd_incentive_set(args: argparse.Namespace) -> int:
    entry: dict[str, Any] = {
        "title": args.title,
        "procedures": [c.strip() for c in args.procedures.split(",")] if args.procedures else None,
        "channels": [c.strip() for c in args.channels.split(",")],
        "kind": args.kind,
        "amount_vnd": args.amount,
        "percent": args.percent,
        "valid_from": _iso(args.date_from),
        "valid_to": _iso(args.date_to),
        "condition": args.condition,
        "source": args.source,
    }
    return _correct(args, "incentives", args.id, entry)


def cmd_incentive_remove(args: argparse.Namespace) -> int:
    return _correct(args, "incentives", args.id, {"removed": True, "source": args.source})


def cmd_target(args: argparse.Namespace) -> int:
    if not 0 < args.percent <= 100:
        raise ValidationError(_("Chỉ tiêu phải lớn hơn 0 và không quá 100 (%)."))
    return _correct(
        args, "targets", args.level, {"share": args.percent / 100, "source": args.source}
    )


def cmd_bank(args: argparse.Namespace) -> int:
    from counter_app.guidance.payments import set_bank_account

    with _context(args) as ctx:
        bank = set_bank_account(ctx, _actor(ctx, args), args.bin, args.account, args.name or "")
    print(
        _("Đã lưu tài khoản nhận phí {account} (BIN {bin}).").format(
            account=bank.account, bin=bank.bank_bin
        )
    )
    return 0


def cmd_pay(args: argparse.Namespace) -> int:
    from counter_app.guidance.payments import PaymentMethod, record_payment

    method = PaymentMethod.parse(args.method)
    with _context(args) as ctx:
        dossier = record_payment(
            ctx, args.code, method, _actor(ctx, args), reference=args.reference
        )
    if args.json:
        _print_json(dossier.to_json())
    else:
        print(f"{dossier.code}: {method.value}")
    return 0


def cmd_vietqr(args: argparse.Namespace) -> int:
    from counter_app.guidance.payments import fee_qr_payload
    from counter_app.guidance.vietqr import parse_payload

    with _context(args) as ctx:
        payload = fee_qr_payload(ctx, args.code)
    if args.png:
        import io

        import segno

        buffer = io.BytesIO()
        segno.make(payload, error="m", micro=False).save(buffer, kind="png", scale=8, border=4)
        write_atomically(args.png, buffer.getvalue())
    if args.json:
        code = parse_payload(payload)
        _print_json(
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


def cmd_guidance_log(args: argparse.Namespace) -> int:
    from counter_app.guidance.sessions import record_guidance

    with _context(args) as ctx:
        record = record_guidance(
            ctx,
            args.procedure,
            args.outcome,
            _actor(ctx, args),
            reason=args.reason,
            dossier_code=args.dossier,
        )
    if args.json:
        _print_json(record.to_json())
    else:
        print(
            _("Đã ghi nhận hướng dẫn nộp trực tuyến: {code} — {outcome}.").format(
                code=record.procedure_code, outcome=record.outcome.label
            )
        )
    return 0


def cmd_guidance_report(args: argparse.Namespace) -> int:
    from counter_app.guidance.sessions import GuidanceOutcome
    from counter_app.reports.guidance import guidance_figures

    with _context(args) as ctx:
        day = _today(ctx, args)
        figures = guidance_figures(ctx, args.date_from or day.replace(day=1), args.date_to or day)
    if args.json:
        _print_json(figures.to_json())
        return 0
    print(_guided_line(figures))
    for outcome in GuidanceOutcome:
        print(f"  {outcome.label}: {figures.by_outcome[outcome.value]}")
    for code, counts in figures.by_procedure.items():
        print(f"  {code}\t" + "\t".join(f"{o}={n}" for o, n in sorted(counts.items())))
    return 0


def _guided_line(figures: Any) -> str:
    share = figures.received.share
    return _(
        "Từ {start} đến {end}: đã hướng dẫn nộp trực tuyến {guided} lượt; "
        "tiếp nhận {received} hồ sơ, trong đó trực tuyến {online} ({share})."
    ).format(
        start=f"{figures.start:%d/%m/%Y}",
        end=f"{figures.end:%d/%m/%Y}",
        guided=figures.guided,
        received=figures.received.received,
        online=figures.received.online,
        share="—" if share is None else f"{share * 100:.1f}%",
    )


def cmd_online(args: argparse.Namespace) -> int:
    from counter_app.reports.guidance import guidance_figures
    from counter_app.reports.online import month_bounds, paper_reasons, target_progress

    with _context(args) as ctx:
        day = _today(ctx, args)
        progress = target_progress(ctx, day)
        first, _last = month_bounds(day)
        reasons = paper_reasons(ctx, first, day)
        guided = guidance_figures(ctx, first, day)
    document = {
        **progress.to_json(),
        "paper_reasons": reasons.to_json(),
        "guided_month": guided.to_json(),
    }
    if args.json:
        _print_json(document)
        return 0

    def percent(value: float | None) -> str:
        return "—" if value is None else f"{value * 100:.1f}%"

    target = progress.target
    print(
        _(
            "Tỷ lệ trực tuyến hôm nay {today}, tháng này {month}, năm nay {year} "
            "(chỉ tiêu {target})."
        ).format(
            today=percent(progress.today.share),
            month=percent(progress.month.share),
            year=percent(progress.year.share),
            target=percent(target),
        )
    )
    for code, count in reasons.by_reason.items():
        print(f"  {code}: {count}")
    print(_guided_line(guided))
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    guide = sub.add_parser(
        "guide", parents=[common], help=_("hướng dẫn nộp trực tuyến một thủ tục")
    )
    guide.add_argument("procedure")
    guide.add_argument("--pdf", type=Path, help=_("ghi tờ hướng dẫn khổ A5"))
    guide.add_argument("--date", type=_parse_date)
    _json_flag(guide)
    guide.set_defaults(handler=cmd_guide)

    guidance = sub.add_parser(
        "guidance",
        parents=[common],
        help=_(
            "ghi nhận và báo cáo lượt hướng dẫn nộp trực tuyến; sửa dữ liệu hướng dẫn (quản trị)"
        ),
    )
    gsub = guidance.add_subparsers(
        dest="guidance_command", required=True, parser_class=OneLineParser
    )
    setting = gsub.add_parser("set", parents=[common], help=_("sửa một trường của một thủ tục"))
    setting.add_argument("procedure")
    setting.add_argument("field")
    setting.add_argument("value", help=_('giá trị JSON (null, true, "full", ...) hoặc văn bản'))
    setting.add_argument("--source", required=True)
    setting.set_defaults(handler=cmd_guidance_set)

    only = gsub.add_parser("online-only", parents=[common], help=_("danh sách chỉ nhận trực tuyến"))
    only_sub = only.add_subparsers(
        dest="online_only_command", required=True, parser_class=OneLineParser
    )
    add = only_sub.add_parser("add", parents=[common])
    add.add_argument("procedure")
    add.add_argument("--from", dest="date_from", type=_parse_date)
    add.add_argument("--to", dest="date_to", type=_parse_date)
    add.add_argument("--source", required=True)
    add.set_defaults(handler=cmd_online_only_add)
    remove = only_sub.add_parser("remove", parents=[common])
    remove.add_argument("procedure")
    remove.add_argument("--source", required=True)
    remove.set_defaults(handler=cmd_online_only_remove)
    listing = only_sub.add_parser("list", parents=[common])
    _json_flag(listing)
    listing.set_defaults(handler=cmd_online_only_list)

    incentive = gsub.add_parser("incentive", parents=[common], help=_("quy tắc ưu đãi phí"))
    inc_sub = incentive.add_subparsers(
        dest="incentive_command", required=True, parser_class=OneLineParser
    )
    inc_set = inc_sub.add_parser("set", parents=[common])
    inc_set.add_argument("id")
    inc_set.add_argument("--title", required=True)
    inc_set.add_argument("--kind", required=True, choices=("fixed", "percent", "exempt", "notice"))
    inc_set.add_argument("--procedures", help=_("mã thủ tục, cách nhau bởi dấu phẩy"))
    inc_set.add_argument("--channels", default="online")
    inc_set.add_argument("--amount", type=int)
    inc_set.add_argument("--percent", type=int)
    inc_set.add_argument("--from", dest="date_from", type=_parse_date)
    inc_set.add_argument("--to", dest="date_to", type=_parse_date)
    inc_set.add_argument("--condition")
    inc_set.add_argument("--source", required=True)
    inc_set.set_defaults(handler=cmd_incentive_set)
    inc_remove = inc_sub.add_parser("remove", parents=[common])
    inc_remove.add_argument("id")
    inc_remove.add_argument("--source", required=True)
    inc_remove.set_defaults(handler=cmd_incentive_remove)

    target = gsub.add_parser("target", parents=[common], help=_("chỉ tiêu tỷ lệ trực tuyến"))
    target.add_argument("level")
    target.add_argument("percent", type=float)
    target.add_argument("--source", required=True)
    target.set_defaults(handler=cmd_target)

    log = gsub.add_parser(
        "log", parents=[common], help=_("ghi nhận một lần hướng dẫn nộp trực tuyến")
    )
    log.add_argument("--procedure", required=True)
    log.add_argument("--outcome", required=True, help="assisted|at_home|could_not")
    log.add_argument("--reason", help=_("lý do không nộp trực tuyến được (could_not)"))
    log.add_argument("--dossier", help=_("mã hồ sơ đã hỗ trợ nộp trực tuyến (assisted)"))
    _json_flag(log)
    log.set_defaults(handler=cmd_guidance_log)
    report = gsub.add_parser(
        "report", parents=[common], help=_("số lượt hướng dẫn nộp trực tuyến theo kỳ")
    )
    report.add_argument("--from", dest="date_from", type=_parse_date)
    report.add_argument("--to", dest="date_to", type=_parse_date)
    _json_flag(report)
    report.set_defaults(handler=cmd_guidance_report)

    bank = gsub.add_parser("bank", parents=[common], help=_("tài khoản nhận phí VietQR"))
    bank.add_argument("--bin", required=True)
    bank.add_argument("--account", required=True)
    bank.add_argument("--name")
    bank.set_defaults(handler=cmd_bank)

    pay = sub.add_parser("pay", parents=[common], help=_("ghi nhận đã thu phí"))
    pay.add_argument("code")
    pay.add_argument("--method", required=True, help="cash|vietqr|portal")
    pay.add_argument("--reference")
    _json_flag(pay)
    pay.set_defaults(handler=cmd_pay)

    vietqr = sub.add_parser("vietqr", parents=[common], help=_("mã VietQR thu phí của hồ sơ"))
    vietqr.add_argument("code")
    vietqr.add_argument("--png", type=Path)
    _json_flag(vietqr)
    vietqr.set_defaults(handler=cmd_vietqr)

    online = sub.add_parser(
        "online", parents=[common], help=_("tỷ lệ trực tuyến và lý do nộp giấy")
    )
    online.add_argument("--date", type=_parse_date)
    _json_flag(online)
    online.set_defaults(handler=cmd_online)
