"""The command line: the composition root that wires the services (DESIGN "Command line").

Every subcommand takes `--data-dir`, exits 0 on success and non-zero with one line on
stderr on any error. `--json` prints one JSON document on stdout and nothing else.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from counter_app import __version__
from counter_app.domain.applicants import applicant_from_json
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Channel, Status
from counter_app.errors import CounterError, ValidationError
from counter_app.i18n import N_, _, ngettext, set_language

if TYPE_CHECKING:  # the services load lazily: `--version` and `--help` stay fast
    from counter_app.services.context import AppContext
    from counter_app.services.users import Actor

MAX_APPLICANT_FILE_BYTES = 64 * 1024

Handler = Callable[[argparse.Namespace], int]


# argparse's own texts (English msgids of its gettext calls) and ours for them, so usage
# errors and help headings follow the user's language; a text not listed stays as it is.
ARGPARSE_TEXTS = {
    "usage: ": N_("cách dùng: "),
    "positional arguments": N_("tham số vị trí"),
    "options": N_("tùy chọn"),
    "show this help message and exit": N_("in trợ giúp này rồi thoát"),
    "show program's version number and exit": N_("in số phiên bản rồi thoát"),
    "argument %(argument_name)s: %(message)s": N_("tham số %(argument_name)s: %(message)s"),
    "the following arguments are required: %s": N_("thiếu tham số bắt buộc: %s"),
    "unrecognized arguments: %s": N_("tham số không nhận ra: %s"),
    "invalid choice: %(value)r (choose from %(choices)s)": N_(
        "lựa chọn không hợp lệ: %(value)r (chọn một trong %(choices)s)"
    ),
    "invalid %(type)s value: %(value)r": N_("giá trị %(type)s không hợp lệ: %(value)r"),
    "expected one argument": N_("cần một giá trị"),
    "expected at most one argument": N_("cần nhiều nhất một giá trị"),
    "expected at least one argument": N_("cần ít nhất một giá trị"),
    "not allowed with argument %s": N_("không dùng được cùng tham số %s"),
    "one of the arguments %s is required": N_("cần một trong các tham số %s"),
    "ambiguous option: %(option)s could match %(matches)s": N_(
        "tùy chọn không rõ: %(option)s có thể là %(matches)s"
    ),
    "ignored explicit argument %r": N_("bỏ qua giá trị không dùng được %r"),
    "unexpected option string: %s": N_("tùy chọn không mong đợi: %s"),
    "can't open '%(filename)s': %(error)s": N_("không mở được “%(filename)s”: %(error)s"),
}
ARGPARSE_PLURALS = {
    ("expected %s argument", "expected %s arguments"): N_("cần %s giá trị"),
}


def _argparse_gettext(message: str) -> str:
    ours = ARGPARSE_TEXTS.get(message)
    return _(ours) if ours else message


def _argparse_ngettext(singular: str, plural: str, count: int) -> str:
    ours = ARGPARSE_PLURALS.get((singular, plural))
    return ngettext(ours, ours, count) if ours else (singular if count == 1 else plural)


# argparse looks these names up on each call (`from gettext import gettext as _`).
setattr(argparse, "_", _argparse_gettext)  # noqa: B010 (not in the typeshed stub)
setattr(argparse, "ngettext", _argparse_ngettext)  # noqa: B010


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line, exit 2, in the user's language."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}\n")

    def add_subparsers(self, **kwargs: Any) -> Any:
        """Subcommands named for the user, wherever a group is added (here or in a module).

        argparse names a group by its `dest` ("dossier_command") in its messages, so a
        group gets a readable metavar, and a required one is checked here instead: a missing
        subcommand reads "thiếu lệnh con (show, list, …)".
        """
        kwargs.setdefault("metavar", _("LỆNH"))
        required = kwargs.pop("required", False)
        group = super().add_subparsers(**kwargs)
        if required:  # the chosen subcommand's own handler replaces this one
            self.set_defaults(handler=lambda _args: self._missing_subcommand(group))
        return group

    def _missing_subcommand(self, group: Any) -> NoReturn:
        choices = ", ".join(group.choices)
        self.error(_("thiếu lệnh con ({choices})").format(choices=choices))


def _common() -> OneLineParser:
    common = OneLineParser(add_help=False)
    common.add_argument(
        "--data-dir",
        type=Path,
        default=argparse.SUPPRESS,
        help=_("thư mục dữ liệu (mặc định: $COUNTER_APP_DATA_DIR hoặc thư mục người dùng)"),
    )
    common.add_argument(
        "--user",
        default=argparse.SUPPRESS,
        help=_("người thực hiện (mặc định: tài khoản hệ thống)"),
    )
    return common


def _json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help=_("in một tài liệu JSON"))


def _print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("ngày không hợp lệ: {value} (dạng YYYY-MM-DD)").format(value=text)
        ) from None


def _parse_moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("thời điểm không hợp lệ: {value} (dạng ISO 8601)").format(value=text)
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("cần một số nguyên: {value}").format(value=text)
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(_("cần một số lớn hơn 0: {value}").format(value=text))
    return value


# --- handlers ---------------------------------------------------------------------------


def _context(args: argparse.Namespace, *, create: bool = False) -> AppContext:
    """The data directory's context; use it in a `with` block so it is closed."""
    from counter_app.services.context import open_context

    return open_context(getattr(args, "data_dir", None), create=create)


def _actor(ctx: AppContext, args: argparse.Namespace) -> Actor:
    from counter_app.services.users import resolve_actor

    return resolve_actor(ctx, getattr(args, "user", None))


def cmd_gui(args: argparse.Namespace) -> int:
    import importlib

    try:
        gui_app = importlib.import_module("ui.app")  # lazily: the core never imports ui
    except ImportError as exc:  # PySide6 missing or broken on this machine
        raise CounterError(_("Không mở được giao diện: {error}").format(error=exc)) from exc
    code: int = gui_app.run_gui(getattr(args, "data_dir", None), args.no_error_dialogs)
    return code


def cmd_demo(args: argparse.Namespace) -> int:
    from counter_app.services.demo import DemoOptions, generate_demo

    with _context(args, create=True) as ctx:
        summary = generate_demo(
            ctx, DemoOptions(days=args.days, seed=args.seed), if_empty=args.if_empty
        )
    if args.json:
        _print_json(summary)
    else:
        print(summary["message"])
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    from counter_app.services.users import add_user, parse_role

    role = parse_role(args.role)
    password = sys.stdin.readline().rstrip("\r\n")
    with _context(args, create=True) as ctx:
        _actor(ctx, args).require(parse_role("admin"))
        actor = add_user(ctx, args.login, password, role, args.name or "")
    print(
        _("Đã thêm người dùng {login} ({role}).").format(login=actor.login, role=actor.role.value)
    )
    return 0


def cmd_office_set(args: argparse.Namespace) -> int:
    from counter_app.domain.codes import format_code
    from counter_app.domain.units import find_unit, load_units
    from counter_app.services.config import OfficeConfig, load_config, save_config
    from counter_app.services.context import default_data_dir, prepare_data_dir

    data_dir = prepare_data_dir(getattr(args, "data_dir", None) or default_data_dir(), create=True)
    unit = find_unit(load_units(), args.unit)
    format_code(args.electronic_id, date.today(), 1)  # refuses a malformed e-ID now
    config = load_config(data_dir)
    office = OfficeConfig(
        unit_code=unit.code,
        electronic_id=args.electronic_id,
        name=args.name or f"Trung tâm Phục vụ hành chính công {unit.name}",
        parent_body=args.parent_body or f"UBND {unit.name}",
        province_name=unit.province_name,
    )
    from dataclasses import replace

    save_config(data_dir, replace(config, office=office))
    print(_("Đã cấu hình đơn vị {name} ({code}).").format(name=unit.name, code=unit.code))
    return 0


def _read_applicant(path: Path) -> Any:
    from counter_app.files import read_json_input

    raw = read_json_input(path, max_bytes=MAX_APPLICANT_FILE_BYTES, what=_("người nộp"))
    return applicant_from_json(raw)


def cmd_intake(args: argparse.Namespace) -> int:
    from counter_app.services.dossiers import IntakeRequest, intake

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
    )
    with _context(args) as ctx:
        dossier = intake(ctx, request, _actor(ctx, args))
    if args.json:
        _print_json(dossier.to_json())
    else:
        print(dossier.code)
    return 0


def cmd_dossier_show(args: argparse.Namespace) -> int:
    from counter_app.services.dossiers import get_dossier

    with _context(args) as ctx:
        dossier = get_dossier(ctx, args.code)
    if args.json:
        _print_json(dossier.to_json())
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
        print(f"{key}: {document[key]}")
    print(f"applicant: {dossier.applicant_name}")
    for event in dossier.events:
        print(
            f"  {event.at:%d/%m/%Y %H:%M} {event.actor} {event.kind} "
            f"{event.from_status or ''}->{event.to_status or ''} {event.reason or ''}".rstrip()
        )
    return 0


def cmd_dossier_list(args: argparse.Namespace) -> int:
    from counter_app.services.dossiers import DossierFilter, list_dossiers

    flt = DossierFilter(
        status=tuple(Status.parse(s) for s in args.status or ()),
        search=args.search or "",
        received_from=args.date_from,
        received_to=args.date_to,
    )
    with _context(args) as ctx:
        dossiers = list_dossiers(ctx, flt, limit=args.limit)
    if args.json:
        _print_json([d.to_json() for d in dossiers])
    else:
        for d in dossiers:
            due = f"{d.due_at:%d/%m/%Y}" if d.due_at else "-"
            print(f"{d.code}\t{d.status}\t{d.channel}\t{due}\t{d.applicant_name}\t{d.procedure}")
    return 0


def cmd_dossier_move(args: argparse.Namespace) -> int:
    from counter_app.services.deadlines import makes_second_supplement, second_supplement_warning
    from counter_app.services.dossiers import get_dossier, move

    target = Status.parse(args.to)
    with _context(args) as ctx:
        # Warn, not refuse: the request may be needed all the same, and the event records it.
        if target is Status.SUPPLEMENT and makes_second_supplement(get_dossier(ctx, args.code)):
            sys.stderr.write("counter-app: " + second_supplement_warning() + "\n")
        dossier = move(
            ctx, args.code, target, _actor(ctx, args), args.reason, handler=args.assignee
        )
    if args.json:
        _print_json(dossier.to_json())
    else:
        print(f"{dossier.code}: {dossier.status}")
    return 0


def _print_deadline_event(event: Any, args: argparse.Namespace) -> None:
    if args.json:
        _print_json({"code": args.code, **event.to_json()})
    elif event.kind == "extended":
        print(f"{args.code}: {event.data['previous_due_at']} -> {event.data['due_at']}")
    else:
        print(f"{args.code}: {event.kind} {event.data['issued_on']}")


def cmd_dossier_extend(args: argparse.Namespace) -> int:
    from counter_app.services.deadlines import extend_deadline

    with _context(args) as ctx:
        event = extend_deadline(
            ctx, args.code, args.until, args.reason, _actor(ctx, args), approver=args.approver
        )
    _print_deadline_event(event, args)
    return 0


def cmd_dossier_apology(args: argparse.Namespace) -> int:
    from counter_app.services.deadlines import record_apology

    with _context(args) as ctx:
        event = record_apology(
            ctx,
            args.code,
            args.reason,
            _actor(ctx, args),
            approver=args.approver,
            issued_on=args.issued_on,
        )
    _print_deadline_event(event, args)
    return 0


def cmd_report_day(args: argparse.Namespace) -> int:
    from counter_app.services.reporting import report_day

    with _context(args) as ctx:
        counts = report_day(ctx, args.date)
    if args.json:
        _print_json(counts)
    else:
        print(_("{date}: {n} hồ sơ tiếp nhận").format(date=counts["date"], n=counts["received"]))
        for channel, n in counts["by_channel"].items():
            print(f"  {channel}: {n}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from counter_app.services.maintenance import verify

    with _context(args) as ctx:
        report = verify(ctx)
    if args.json:
        _print_json(
            {
                "ok": report.ok,
                "dossiers": report.dossiers,
                "events": report.events,
                "pages": report.pages,
                "problems": list(report.problems),
                "warnings": list(report.warnings),
            }
        )
    elif report.ok:
        print(
            _("Toàn vẹn: {d} hồ sơ, {e} sự kiện, {p} trang — không có lỗi.").format(
                d=report.dossiers, e=report.events, p=report.pages
            )
        )
    if not report.ok:
        first = report.problems[0]
        more = len(report.problems) - 1
        suffix = _(" (và {n} lỗi khác)").format(n=more) if more else ""
        sys.stderr.write(_("Kiểm tra thất bại: {problem}").format(problem=first) + suffix + "\n")
        return 1
    return 0


def cmd_catalog_import(args: argparse.Namespace) -> int:
    from counter_app.services.catalog import import_catalog

    with _context(args) as ctx, ctx.session() as session:
        actor = _actor(ctx, args)
        catalog = import_catalog(session, args.file, actor, ctx.clock())
    print(
        _("Đã nhập danh mục phiên bản {version} ({n} thủ tục).").format(
            version=catalog.version, n=len(catalog.procedures)
        )
    )
    return 0


def cmd_catalog_list(args: argparse.Namespace) -> int:
    from counter_app.services.catalog import list_versions

    with _context(args) as ctx:
        ctx.reload_catalog()  # a fresh database stores the bundled version first
        with ctx.session() as session:
            versions = list_versions(session)
    if args.json:
        _print_json(
            [
                {
                    "version": v.version,
                    "published": v.published.isoformat(),
                    "procedures": v.procedures,
                    "current": v.current,
                }
                for v in versions
            ]
        )
    else:
        for v in versions:
            mark = "*" if v.current else " "
            print(f"{mark} {v.version}\t{v.published:%d/%m/%Y}\t{v.procedures}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from counter_app.services.maintenance import backup

    with _context(args) as ctx:
        target = backup(ctx, args.file)
    print(_("Đã sao lưu vào {path}").format(path=target))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from counter_app.services.context import default_data_dir
    from counter_app.services.maintenance import restore

    data_dir = getattr(args, "data_dir", None) or default_data_dir()
    restore(args.file, data_dir)
    _context(args).close()  # applies the migrations a newer version may need
    print(_("Đã khôi phục vào {path}").format(path=data_dir))
    return 0


# --- parser -----------------------------------------------------------------------------

# Modules that add subcommands of their own: each has `register(subparsers, common)`.
EXTENSION_MODULES: tuple[str, ...] = (
    "counter_app.guidance.commands",
    "counter_app.scanning.cli",
    "counter_app.reports.cli",
    "counter_app.sync.cli",
    "counter_app.documents.commands",
    "counter_app.calendar_cli",
)


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = OneLineParser(
        prog="counter-app",
        parents=[common],
        description=_("Quầy Một Cửa — phần mềm bộ phận một cửa cấp xã"),
    )
    parser.add_argument("--version", action="version", version=f"counter-app {__version__}")
    parser.add_argument(
        "--no-error-dialogs", action="store_true", default=False, help=argparse.SUPPRESS
    )
    parser.set_defaults(handler=cmd_gui)
    sub = parser.add_subparsers(dest="command", parser_class=OneLineParser)

    gui = sub.add_parser("gui", parents=[common], help=_("mở giao diện"))
    gui.add_argument("--no-error-dialogs", action="store_true")
    gui.set_defaults(handler=cmd_gui)

    demo = sub.add_parser("demo", parents=[common], help=_("tạo dữ liệu mẫu"))
    demo.add_argument("--days", type=_positive, default=60)
    demo.add_argument("--seed", type=int, default=2026)
    demo.add_argument(
        "--if-empty", action="store_true", help=_("không làm gì nếu thư mục đã có hồ sơ")
    )
    _json_flag(demo)
    demo.set_defaults(handler=cmd_demo)

    user = sub.add_parser("user", parents=[common], help=_("người dùng"))
    user_sub = user.add_subparsers(dest="user_command", required=True, parser_class=OneLineParser)
    user_add = user_sub.add_parser(
        "add", parents=[common], help=_("thêm người dùng (mật khẩu qua stdin)")
    )
    user_add.add_argument("login")
    user_add.add_argument("--role", required=True)
    user_add.add_argument("--name")
    user_add.set_defaults(handler=cmd_user_add)

    office = sub.add_parser("office", parents=[common], help=_("đơn vị tiếp nhận"))
    office_sub = office.add_subparsers(
        dest="office_command", required=True, parser_class=OneLineParser
    )
    office_set = office_sub.add_parser("set", parents=[common], help=_("cấu hình đơn vị"))
    office_set.add_argument("--unit", required=True, help=_("mã hoặc tên đơn vị hành chính"))
    office_set.add_argument("--electronic-id", required=True, help=_("mã định danh điện tử"))
    office_set.add_argument("--name")
    office_set.add_argument("--parent-body")
    office_set.set_defaults(handler=cmd_office_set)

    intake = sub.add_parser("intake", parents=[common], help=_("tiếp nhận một hồ sơ"))
    intake.add_argument("--procedure", required=True)
    intake.add_argument("--applicant-json", required=True, type=Path)
    intake.add_argument("--channel", default="direct")
    intake.add_argument("--received-at", type=_parse_moment)
    intake.add_argument("--reason")
    intake.add_argument("--portal-code")
    intake.add_argument(
        "--competent-body", help=_("cơ quan có thẩm quyền giải quyết, khi khác đơn vị tiếp nhận")
    )
    intake.add_argument(
        "--paper-reason", help="no_vneid|no_smartphone|elderly|prefers_paper|portal_down|other: …"
    )
    intake.add_argument("--override-reason", help=_("lãnh đạo cho phép nhận hồ sơ giấy"))
    _json_flag(intake)
    intake.set_defaults(handler=cmd_intake)

    dossier = sub.add_parser("dossier", parents=[common], help=_("hồ sơ"))
    dossier_sub = dossier.add_subparsers(
        dest="dossier_command", required=True, parser_class=OneLineParser
    )
    show = dossier_sub.add_parser("show", parents=[common], help=_("xem một hồ sơ"))
    show.add_argument("code")
    _json_flag(show)
    show.set_defaults(handler=cmd_dossier_show)
    listing = dossier_sub.add_parser("list", parents=[common], help=_("liệt kê, lọc, tìm hồ sơ"))
    listing.add_argument("--status", action="append")
    listing.add_argument("--search")
    listing.add_argument("--from", dest="date_from", type=_parse_date)
    listing.add_argument("--to", dest="date_to", type=_parse_date)
    listing.add_argument("--limit", type=_positive, default=100)
    _json_flag(listing)
    listing.set_defaults(handler=cmd_dossier_list)
    moving = dossier_sub.add_parser("move", parents=[common], help=_("chuyển hồ sơ một bước xử lý"))
    moving.add_argument("code")
    moving.add_argument("--to", required=True)
    moving.add_argument("--reason")
    moving.add_argument("--handler", dest="assignee", help=_("người xử lý (chuyển hồ sơ)"))
    _json_flag(moving)
    moving.set_defaults(handler=cmd_dossier_move)
    approver_help = _("lãnh đạo phê duyệt (mặc định: người thực hiện, phải là lãnh đạo)")
    extend = dossier_sub.add_parser(
        "extend", parents=[common], help=_("gia hạn kèm thư xin lỗi (mẫu 04)")
    )
    extend.add_argument("code")
    extend.add_argument(
        "--until", required=True, type=_parse_date, help=_("ngày hẹn trả mới (YYYY-MM-DD)")
    )
    extend.add_argument("--reason", required=True)
    extend.add_argument("--approver", help=approver_help)
    _json_flag(extend)
    extend.set_defaults(handler=cmd_dossier_extend)
    apology = dossier_sub.add_parser(
        "apology", parents=[common], help=_("ghi thư xin lỗi không đổi ngày hẹn")
    )
    apology.add_argument("code")
    apology.add_argument("--reason", required=True)
    apology.add_argument("--approver", help=approver_help)
    apology.add_argument("--issued-on", type=_parse_date, help=_("ngày ký thư (mặc định: hôm nay)"))
    _json_flag(apology)
    apology.set_defaults(handler=cmd_dossier_apology)

    report = sub.add_parser("report", parents=[common], help=_("báo cáo"))
    report_sub = report.add_subparsers(
        dest="report_command", required=True, parser_class=OneLineParser
    )
    day = report_sub.add_parser(
        "day", parents=[common], help=_("số liệu một ngày: tiếp nhận, giải quyết, trả kết quả")
    )
    day.add_argument("--date", required=True, type=_parse_date)
    _json_flag(day)
    day.set_defaults(handler=cmd_report_day)

    catalog = sub.add_parser("catalog", parents=[common], help=_("danh mục thủ tục"))
    catalog_sub = catalog.add_subparsers(
        dest="catalog_command", required=True, parser_class=OneLineParser
    )
    catalog_import = catalog_sub.add_parser(
        "import", parents=[common], help=_("nhập một phiên bản danh mục (quản trị)")
    )
    catalog_import.add_argument("file", type=Path)
    catalog_import.set_defaults(handler=cmd_catalog_import)
    catalog_list = catalog_sub.add_parser("list", parents=[common], help=_("các phiên bản"))
    _json_flag(catalog_list)
    catalog_list.set_defaults(handler=cmd_catalog_list)

    verify = sub.add_parser("verify", parents=[common], help=_("kiểm tra toàn vẹn dữ liệu"))
    _json_flag(verify)
    verify.set_defaults(handler=cmd_verify)

    backup = sub.add_parser("backup", parents=[common], help=_("sao lưu"))
    backup.add_argument("file", type=Path)
    backup.set_defaults(handler=cmd_backup)
    restore = sub.add_parser("restore", parents=[common], help=_("khôi phục"))
    restore.add_argument("file", type=Path)
    restore.set_defaults(handler=cmd_restore)

    import importlib

    for module_name in EXTENSION_MODULES:
        importlib.import_module(module_name).register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    import os

    if lang := os.environ.get("COUNTER_APP_LANG"):
        set_language(lang)
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except CounterError as exc:
        sys.stderr.write(f"counter-app: {exc.message}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("counter-app: " + _("đã hủy") + "\n")
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
