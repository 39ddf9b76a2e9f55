"""The dossier commands: `intake` and `dossier show|list|move|extend|apology`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from counter_app.domain.applicants import applicant_from_json
from counter_app.domain.lifecycle import Channel, Delivery, Status
from counter_app.domain.text import visible
from counter_app.errors import ValidationError
from counter_app.i18n import _
from counter_app.kernel.commands import (
    Commands,
    OneLineParser,
    actor_for,
    context_for,
    json_flag,
    parse_date,
    parse_moment,
    positive,
    print_json,
)

MAX_APPLICANT_FILE_BYTES = 64 * 1024


def _read_applicant(path: Path) -> Any:
    from counter_app.files import read_json_input

    raw = read_json_input(path, max_bytes=MAX_APPLICANT_FILE_BYTES, what=_("người nộp"))
    return applicant_from_json(raw)


def cmd_intake(args: argparse.Namespace) -> int:
    from counter_app.dossiers.service import IntakeRequest, intake

    applicant = _read_applicant(args.applicant_json)
    if args.reason and args.received_at is None:
        raise ValidationError(_("--reason chỉ dùng kèm --received-at."))
    request = IntakeRequest(
        procedure_code=args.procedure,
        applicant=applicant,
        channel=Channel.parse(args.channel),
        received_at=args.received_at,
        late_reason=args.reason,
        portal_code=args.portal_code,
        paper_reason=args.paper_reason,
        override_reason=args.override_reason,
        competent_body=args.competent_body,
        result_delivery=Delivery.parse(args.result_delivery) if args.result_delivery else None,
    )
    with context_for(args) as ctx:
        dossier = intake(ctx, request, actor_for(ctx, args))
    if args.json:
        print_json(dossier.to_json())
    else:
        print(dossier.code)
    return 0


def cmd_dossier_show(args: argparse.Namespace) -> int:
    from counter_app.kernel.dossier_store import get_dossier

    with context_for(args) as ctx:
        dossier = get_dossier(ctx, args.code)
    if args.json:
        print_json(dossier.to_json())
        return 0
    document = dossier.to_json()
    for key in (
        "code",
        "procedure",
        "procedure_name",
        "channel",
        "status",
        "received_at",
        "due_at",
        "resolved_at",
        "returned_at",
        "handler",
        "pages",
        "late_entry",
    ):
        print(visible(f"{key}: {document[key]}"))
    print(visible(f"applicant: {dossier.applicant_name}"))
    for event in dossier.events:
        line = (
            f"  {event.at:%d/%m/%Y %H:%M} {event.actor} {event.kind} "
            f"{event.from_status or ''}->{event.to_status or ''} {event.reason or ''}"
        )
        print(visible(line.rstrip()))
    return 0


def cmd_dossier_list(args: argparse.Namespace) -> int:
    from counter_app.dossiers.service import DossierFilter, list_dossiers

    flt = DossierFilter(
        status=tuple(Status.parse(s) for s in args.status or ()),
        search=args.search or "",
        received_from=args.date_from,
        received_to=args.date_to,
    )
    with context_for(args) as ctx:
        dossiers = list_dossiers(ctx, flt, limit=args.limit)
    if args.json:
        print_json([d.to_json() for d in dossiers])
    else:
        for d in dossiers:
            due = f"{d.due_at:%d/%m/%Y}" if d.due_at else "-"
            fields = (d.code, d.status, d.channel, due, d.applicant_name, d.procedure)
            print("\t".join(visible(str(field)) for field in fields))
    return 0


def cmd_dossier_move(args: argparse.Namespace) -> int:
    from counter_app.dossiers.deadlines import makes_second_supplement, second_supplement_warning
    from counter_app.dossiers.service import move
    from counter_app.kernel.dossier_store import get_dossier

    target = Status.parse(args.to)
    with context_for(args) as ctx:
        # Warn, not refuse: the request may be needed all the same, and the event records it.
        if target is Status.SUPPLEMENT and makes_second_supplement(get_dossier(ctx, args.code)):
            sys.stderr.write("counter-app: " + second_supplement_warning() + "\n")
        dossier = move(
            ctx, args.code, target, actor_for(ctx, args), args.reason, handler=args.assignee
        )
    if args.json:
        print_json(dossier.to_json())
    else:
        print(f"{dossier.code}: {dossier.status}")
    return 0


def _print_deadline_event(event: Any, args: argparse.Namespace) -> None:
    if args.json:
        print_json({"code": args.code, **event.to_json()})
    elif event.kind == "extended":
        print(f"{args.code}: {event.data['previous_due_at']} -> {event.data['due_at']}")
    else:
        print(f"{args.code}: {event.kind} {event.data['issued_on']}")


def cmd_dossier_extend(args: argparse.Namespace) -> int:
    from counter_app.dossiers.deadlines import extend_deadline

    with context_for(args) as ctx:
        event = extend_deadline(
            ctx, args.code, args.until, args.reason, actor_for(ctx, args), approver=args.approver
        )
    _print_deadline_event(event, args)
    return 0


def cmd_dossier_apology(args: argparse.Namespace) -> int:
    from counter_app.dossiers.deadlines import record_apology

    with context_for(args) as ctx:
        event = record_apology(
            ctx,
            args.code,
            args.reason,
            actor_for(ctx, args),
            approver=args.approver,
            issued_on=args.issued_on,
        )
    _print_deadline_event(event, args)
    return 0


def register(commands: Commands) -> None:
    sub, common = commands.subparsers, commands.common
    intake = sub.add_parser("intake", parents=[common], help=_("tiếp nhận một hồ sơ"))
    intake.add_argument("--procedure", required=True, help=_("mã thủ tục"))
    intake.add_argument(
        "--applicant-json", required=True, type=Path, help=_("tệp JSON thông tin người nộp")
    )
    intake.add_argument(
        "--channel",
        default="direct",
        help=_("kênh nộp: direct, online, assisted, postal (mặc định: direct)"),
    )
    intake.add_argument(
        "--received-at", type=parse_moment, help=_("thời điểm tiếp nhận khi nhập muộn (ISO 8601)")
    )
    intake.add_argument("--reason", help=_("lý do nhập muộn"))
    intake.add_argument("--portal-code", help=_("mã hồ sơ trên Cổng"))
    intake.add_argument(
        "--result-delivery",
        help=_("cách nhận kết quả: counter, post hoặc online (mặc định: tại quầy)"),
    )
    intake.add_argument(
        "--competent-body", help=_("cơ quan có thẩm quyền giải quyết, khi khác đơn vị tiếp nhận")
    )
    intake.add_argument(
        "--paper-reason", help="no_vneid|no_smartphone|elderly|prefers_paper|portal_down|other: …"
    )
    intake.add_argument("--override-reason", help=_("lãnh đạo cho phép nhận hồ sơ giấy"))
    json_flag(intake)
    intake.set_defaults(handler=cmd_intake)

    dossier = sub.add_parser("dossier", parents=[common], help=_("hồ sơ"))
    dossier_sub = dossier.add_subparsers(
        dest="dossier_command", required=True, parser_class=OneLineParser
    )
    show = dossier_sub.add_parser("show", parents=[common], help=_("xem một hồ sơ"))
    show.add_argument("code", help=_("mã hồ sơ"))
    json_flag(show)
    show.set_defaults(handler=cmd_dossier_show)
    listing = dossier_sub.add_parser("list", parents=[common], help=_("liệt kê, lọc, tìm hồ sơ"))
    listing.add_argument(
        "--status", action="append", help=_("trạng thái (lặp lại cho nhiều trạng thái)")
    )
    listing.add_argument("--search", help=_("tìm theo mã, tên, số định danh, điện thoại"))
    listing.add_argument(
        "--from", dest="date_from", type=parse_date, help=_("nhận từ ngày (YYYY-MM-DD)")
    )
    listing.add_argument(
        "--to", dest="date_to", type=parse_date, help=_("nhận đến ngày (YYYY-MM-DD)")
    )
    listing.add_argument(
        "--limit", type=positive, default=100, help=_("số hồ sơ tối đa (mặc định: 100)")
    )
    json_flag(listing)
    listing.set_defaults(handler=cmd_dossier_list)
    moving = dossier_sub.add_parser("move", parents=[common], help=_("chuyển hồ sơ một bước xử lý"))
    moving.add_argument("code", help=_("mã hồ sơ"))
    moving.add_argument("--to", required=True, help=_("trạng thái mới"))
    moving.add_argument("--reason", help=_("lý do (bắt buộc với một số bước)"))
    moving.add_argument("--handler", dest="assignee", help=_("người xử lý (chuyển hồ sơ)"))
    json_flag(moving)
    moving.set_defaults(handler=cmd_dossier_move)
    approver_help = _("lãnh đạo phê duyệt (mặc định: người thực hiện, phải là lãnh đạo)")
    extend = dossier_sub.add_parser(
        "extend", parents=[common], help=_("gia hạn kèm thư xin lỗi (mẫu 04)")
    )
    extend.add_argument("code", help=_("mã hồ sơ"))
    extend.add_argument(
        "--until", required=True, type=parse_date, help=_("ngày hẹn trả mới (YYYY-MM-DD)")
    )
    extend.add_argument("--reason", required=True, help=_("lý do gia hạn"))
    extend.add_argument("--approver", help=approver_help)
    json_flag(extend)
    extend.set_defaults(handler=cmd_dossier_extend)
    apology = dossier_sub.add_parser(
        "apology", parents=[common], help=_("ghi thư xin lỗi không đổi ngày hẹn")
    )
    apology.add_argument("code", help=_("mã hồ sơ"))
    apology.add_argument("--reason", required=True, help=_("lý do xin lỗi"))
    apology.add_argument("--approver", help=approver_help)
    apology.add_argument("--issued-on", type=parse_date, help=_("ngày ký thư (mặc định: hôm nay)"))
    json_flag(apology)
    apology.set_defaults(handler=cmd_dossier_apology)
