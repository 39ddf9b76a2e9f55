"""Command line of the online guidance: `guide`, `guidance` (clerks log and report guidance
sessions; admins correct the guidance data), `pay`, `vietqr`, `online`."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from counter_app.errors import ValidationError
from counter_app.files import write_atomically
from counter_app.i18n import _
from counter_app.kernel.commands import (
    Commands,
    OneLineParser,
    actor_for,
    context_for,
    day_or_today,
    json_flag,
    parse_date,
    print_json,
)


def cmd_guide(args: argparse.Namespace) -> int:
    from counter_app.guidance.data import load_guidance
    from counter_app.guidance.sheet import guide_sheet_pdf, make_guide

    with context_for(args) as ctx:
        procedure = ctx.catalog.get(args.procedure)
        guide = make_guide(load_guidance(ctx.data_dir), procedure, day_or_today(ctx, args))
        office = ctx.config.office.name if ctx.config.office else ""
    if args.pdf:
        write_atomically(args.pdf, guide_sheet_pdf(guide, office))
    if args.json:
        print_json(guide.to_json())
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
    """A JSON value (null, true, "full", a list of steps), else the text as it is."""
    from counter_app.files import MAX_JSON_DEPTH, json_depth

    if json_depth(text) > MAX_JSON_DEPTH:
        raise ValidationError(_("Giá trị lồng nhau quá {limit} tầng.").format(limit=MAX_JSON_DEPTH))
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

    with context_for(args) as ctx:
        admin_correct(ctx, actor_for(ctx, args), section, key, entry)
    print(_("Đã lưu sửa đổi dữ liệu hướng dẫn ({section} {key}).").format(section=section, key=key))
    return 0


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _check_dates(args: argparse.Namespace) -> None:
    from counter_app.domain.periods import check_range

    if args.date_from is not None and args.date_to is not None:
        check_range(args.date_from, args.date_to)


def cmd_online_only_add(args: argparse.Namespace) -> int:
    _check_dates(args)
    entry = {
        "valid_from": _iso(args.date_from),
        "valid_to": _iso(args.date_to),
        "source": args.source,
    }
    with context_for(args) as ctx:
        ctx.catalog.get(args.procedure)  # refuses an unknown code
    return _correct(args, "online_only", args.procedure.strip(), entry)


def cmd_online_only_remove(args: argparse.Namespace) -> int:
    return _correct(
        args, "online_only", args.procedure.strip(), {"removed": True, "source": args.source}
    )


def cmd_online_only_list(args: argparse.Namespace) -> int:
    from counter_app.guidance.data import load_guidance

    with context_for(args) as ctx:
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
        print_json(rows)
    else:
        for row in rows:
            dates = f"{row['valid_from'] or '-'}\t{row['valid_to'] or '-'}"
            print(f"{row['procedure']}\t{dates}\t{row['source']}")
    return 0


def cmd_incentive_set(args: argparse.Namespace) -> int:
    _check_dates(args)
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


def cmd_guidance_log(args: argparse.Namespace) -> int:
    from counter_app.guidance.sessions import record_guidance

    with context_for(args) as ctx:
        record = record_guidance(
            ctx,
            args.procedure,
            args.outcome,
            actor_for(ctx, args),
            reason=args.reason,
            dossier_code=args.dossier,
        )
    if args.json:
        print_json(record.to_json())
    else:
        print(
            _("Đã ghi nhận hướng dẫn nộp trực tuyến: {code} — {outcome}.").format(
                code=record.procedure_code, outcome=record.outcome.label
            )
        )
    return 0


def guidance_group(commands: Commands) -> Any:
    """The `guidance` group; the payments and reports slices add their subcommands to it."""
    return commands.group(
        "guidance",
        _("ghi nhận và báo cáo lượt hướng dẫn nộp trực tuyến; sửa dữ liệu hướng dẫn (quản trị)"),
    )


def register(commands: Commands) -> None:
    sub, common = commands.subparsers, commands.common
    guide = sub.add_parser(
        "guide", parents=[common], help=_("hướng dẫn nộp trực tuyến một thủ tục")
    )
    guide.add_argument("procedure", help=_("mã thủ tục"))
    guide.add_argument("--pdf", type=Path, help=_("ghi tờ hướng dẫn khổ A5"))
    guide.add_argument(
        "--date", type=parse_date, help=_("ngày áp dụng (YYYY-MM-DD, mặc định: hôm nay)")
    )
    json_flag(guide)
    guide.set_defaults(handler=cmd_guide)

    gsub = guidance_group(commands)
    setting = gsub.add_parser("set", parents=[common], help=_("sửa một trường của một thủ tục"))
    setting.add_argument("procedure", help=_("mã thủ tục"))
    setting.add_argument("field", help=_("trường cần sửa"))
    setting.add_argument("value", help=_('giá trị JSON (null, true, "full", ...) hoặc văn bản'))
    setting.add_argument(
        "--source", required=True, help=_("văn bản làm căn cứ (số, ngày ban hành)")
    )
    setting.set_defaults(handler=cmd_guidance_set)

    only = gsub.add_parser("online-only", parents=[common], help=_("danh sách chỉ nhận trực tuyến"))
    only_sub = only.add_subparsers(
        dest="online_only_command", required=True, parser_class=OneLineParser
    )
    add = only_sub.add_parser(
        "add", parents=[common], help=_("thêm một thủ tục chỉ nhận trực tuyến")
    )
    add.add_argument("procedure", help=_("mã thủ tục"))
    add.add_argument(
        "--from", dest="date_from", type=parse_date, help=_("áp dụng từ ngày (YYYY-MM-DD)")
    )
    add.add_argument(
        "--to", dest="date_to", type=parse_date, help=_("áp dụng đến ngày (YYYY-MM-DD)")
    )
    add.add_argument("--source", required=True, help=_("văn bản làm căn cứ (số, ngày ban hành)"))
    add.set_defaults(handler=cmd_online_only_add)
    remove = only_sub.add_parser(
        "remove", parents=[common], help=_("bỏ một thủ tục khỏi danh sách")
    )
    remove.add_argument("procedure", help=_("mã thủ tục"))
    remove.add_argument("--source", required=True, help=_("văn bản làm căn cứ (số, ngày ban hành)"))
    remove.set_defaults(handler=cmd_online_only_remove)
    listing = only_sub.add_parser("list", parents=[common], help=_("liệt kê danh sách"))
    json_flag(listing)
    listing.set_defaults(handler=cmd_online_only_list)

    incentive = gsub.add_parser("incentive", parents=[common], help=_("quy tắc ưu đãi phí"))
    inc_sub = incentive.add_subparsers(
        dest="incentive_command", required=True, parser_class=OneLineParser
    )
    inc_set = inc_sub.add_parser(
        "set", parents=[common], help=_("thêm hoặc sửa một quy tắc ưu đãi")
    )
    inc_set.add_argument("id", help=_("mã quy tắc"))
    inc_set.add_argument("--title", required=True, help=_("tên quy tắc"))
    inc_set.add_argument(
        "--kind",
        required=True,
        choices=("fixed", "percent", "exempt", "notice"),
        help=_("loại: fixed (số tiền), percent (phần trăm), exempt (miễn), notice (thông báo)"),
    )
    inc_set.add_argument("--procedures", help=_("mã thủ tục, cách nhau bởi dấu phẩy"))
    inc_set.add_argument(
        "--channels",
        default="online",
        help=_("các kênh được ưu đãi, cách nhau bởi dấu phẩy (mặc định: online)"),
    )
    inc_set.add_argument("--amount", type=int, help=_("số tiền giảm, đồng (fixed)"))
    inc_set.add_argument("--percent", type=int, help=_("phần trăm giảm (percent)"))
    inc_set.add_argument(
        "--from", dest="date_from", type=parse_date, help=_("áp dụng từ ngày (YYYY-MM-DD)")
    )
    inc_set.add_argument(
        "--to", dest="date_to", type=parse_date, help=_("áp dụng đến ngày (YYYY-MM-DD)")
    )
    inc_set.add_argument("--condition", help=_("điều kiện áp dụng"))
    inc_set.add_argument(
        "--source", required=True, help=_("văn bản làm căn cứ (số, ngày ban hành)")
    )
    inc_set.set_defaults(handler=cmd_incentive_set)
    inc_remove = inc_sub.add_parser("remove", parents=[common], help=_("xoá một quy tắc ưu đãi"))
    inc_remove.add_argument("id", help=_("mã quy tắc"))
    inc_remove.add_argument(
        "--source", required=True, help=_("văn bản làm căn cứ (số, ngày ban hành)")
    )
    inc_remove.set_defaults(handler=cmd_incentive_remove)

    target = gsub.add_parser("target", parents=[common], help=_("chỉ tiêu tỷ lệ trực tuyến"))
    target.add_argument("level", help=_("cấp: commune, district, province hoặc decision_766"))
    target.add_argument("percent", type=float, help=_("chỉ tiêu, phần trăm (0-100)"))
    target.add_argument("--source", required=True, help=_("văn bản làm căn cứ (số, ngày ban hành)"))
    target.set_defaults(handler=cmd_target)

    log = gsub.add_parser(
        "log", parents=[common], help=_("ghi nhận một lần hướng dẫn nộp trực tuyến")
    )
    log.add_argument("--procedure", required=True, help=_("mã thủ tục"))
    log.add_argument("--outcome", required=True, help="assisted|at_home|could_not")
    log.add_argument("--reason", help=_("lý do không nộp trực tuyến được (could_not)"))
    log.add_argument("--dossier", help=_("mã hồ sơ đã hỗ trợ nộp trực tuyến (assisted)"))
    json_flag(log)
    log.set_defaults(handler=cmd_guidance_log)
