"""Commands of the kernel itself: `gui`, `user add`, `office set`, `catalog import|list`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from counter_app.errors import CounterError
from counter_app.i18n import _
from counter_app.kernel.commands import (
    Commands,
    OneLineParser,
    actor_for,
    context_for,
    json_flag,
    print_json,
)


def cmd_gui(args: argparse.Namespace) -> int:
    import importlib

    try:
        gui_app = importlib.import_module("ui.app")  # lazily: the core never imports ui
    except ImportError as exc:  # PySide6 missing or broken on this machine
        raise CounterError(_("Không mở được giao diện: {error}").format(error=exc)) from exc
    code: int = gui_app.run_gui(getattr(args, "data_dir", None), args.no_error_dialogs)
    return code


def cmd_user_add(args: argparse.Namespace) -> int:
    from counter_app.kernel.users import MAX_PASSWORD_LENGTH, add_user, parse_role

    role = parse_role(args.role)
    # One line, read no further than a password can be: stdin may be a device or a pipe.
    password = sys.stdin.readline(MAX_PASSWORD_LENGTH + 2).rstrip("\r\n")
    with context_for(args, create=True) as ctx:
        admin = actor_for(ctx, args)
        admin.require(parse_role("admin"))
        actor = add_user(ctx, args.login, password, role, args.name or "", by=admin)
    print(
        _("Đã thêm người dùng {login} ({role}).").format(login=actor.login, role=actor.role.value)
    )
    return 0


def cmd_user_role(args: argparse.Namespace) -> int:
    from counter_app.kernel.users import parse_role, set_role

    role = parse_role(args.role)
    with context_for(args) as ctx:
        actor = set_role(ctx, args.login, role, actor_for(ctx, args))
    print(
        _("Đã đổi vai trò của {login} thành {role}.").format(
            login=actor.login, role=actor.role.value
        )
    )
    return 0


def cmd_office_set(args: argparse.Namespace) -> int:
    from counter_app.domain.units import find_unit, load_units
    from counter_app.kernel.context import default_data_dir, prepare_data_dir
    from counter_app.kernel.office import configure_office, office_for

    data_dir = prepare_data_dir(getattr(args, "data_dir", None) or default_data_dir(), create=True)
    unit = find_unit(load_units(), args.unit)
    office = office_for(unit, args.electronic_id, args.name or "", args.parent_body or "")
    configure_office(data_dir, office)
    print(_("Đã cấu hình đơn vị {name} ({code}).").format(name=unit.name, code=unit.code))
    return 0


def cmd_catalog_import(args: argparse.Namespace) -> int:
    from counter_app.kernel.catalog import import_catalog

    with context_for(args) as ctx, ctx.session() as session:
        actor = actor_for(ctx, args)
        catalog = import_catalog(session, args.file, actor, ctx.clock())
    print(
        _("Đã nhập danh mục phiên bản {version} ({n} thủ tục).").format(
            version=catalog.version, n=len(catalog.procedures)
        )
    )
    return 0


def cmd_catalog_list(args: argparse.Namespace) -> int:
    from counter_app.kernel.catalog import list_versions

    with context_for(args) as ctx:
        ctx.reload_catalog()  # a fresh database stores the bundled version first
        with ctx.session() as session:
            versions = list_versions(session)
    if args.json:
        print_json(
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


def cmd_catalog_check(args: argparse.Namespace) -> int:
    """The procedures of the catalog in use whose national codes are not all known."""
    from counter_app.domain.catalog import missing_codes

    with context_for(args) as ctx:
        catalog = ctx.reload_catalog()
    missing = missing_codes(catalog)
    if args.json:
        print_json(
            [
                {
                    "code": item.code,
                    "name": item.name,
                    "field_code_missing": item.field_code,
                    "result_code_missing": item.result_code,
                    "documents_without_code": list(item.documents),
                }
                for item in missing
            ]
        )
        return 0
    for item in missing:
        parts = []
        if item.field_code:
            parts.append(_("thiếu mã lĩnh vực"))
        if item.result_code:
            parts.append(_("thiếu mã kết quả"))
        if item.documents:
            parts.append(_("{n} thành phần chưa có mã").format(n=len(item.documents)))
        print(f"{item.code}\t{'; '.join(parts)}\t{item.name}")
    print(
        _("{n}/{total} thủ tục chưa đủ mã của Cổng dịch vụ công (danh mục {version}).").format(
            n=len(missing), total=len(catalog.procedures), version=catalog.version
        )
    )
    return 0


def register_gui(commands: Commands) -> None:
    gui = commands.command("gui", _("mở giao diện"))
    gui.add_argument(
        "--no-error-dialogs",
        action="store_true",
        help=_("lỗi ngoài dự kiến chỉ ghi vào nhật ký, không hiện hộp thoại"),
    )
    gui.set_defaults(handler=cmd_gui)


def register_admin(commands: Commands) -> None:
    sub, common = commands.subparsers, commands.common
    user = sub.add_parser("user", parents=[common], help=_("người dùng"))
    user_sub = user.add_subparsers(dest="user_command", required=True, parser_class=OneLineParser)
    user_add = user_sub.add_parser(
        "add", parents=[common], help=_("thêm người dùng (mật khẩu qua stdin)")
    )
    user_add.add_argument("login", help=_("tên đăng nhập (chữ thường không dấu, số, . _ -)"))
    user_add.add_argument("--role", required=True, help=_("vai trò: clerk, leader hoặc admin"))
    user_add.add_argument("--name", help=_("họ tên người dùng"))
    user_add.set_defaults(handler=cmd_user_add)
    user_role = user_sub.add_parser(
        "role", parents=[common], help=_("đổi vai trò của người dùng (quản trị)")
    )
    user_role.add_argument("login", help=_("tên đăng nhập"))
    user_role.add_argument("--role", required=True, help=_("vai trò: clerk, leader hoặc admin"))
    user_role.set_defaults(handler=cmd_user_role)

    office = sub.add_parser("office", parents=[common], help=_("đơn vị tiếp nhận"))
    office_sub = office.add_subparsers(
        dest="office_command", required=True, parser_class=OneLineParser
    )
    office_set = office_sub.add_parser("set", parents=[common], help=_("cấu hình đơn vị"))
    office_set.add_argument("--unit", required=True, help=_("mã hoặc tên đơn vị hành chính"))
    office_set.add_argument("--electronic-id", required=True, help=_("mã định danh điện tử"))
    office_set.add_argument("--name", help=_("tên đơn vị"))
    office_set.add_argument("--parent-body", help=_("tên cơ quan chủ quản"))
    office_set.set_defaults(handler=cmd_office_set)


def register_catalog(commands: Commands) -> None:
    sub, common = commands.subparsers, commands.common
    catalog = sub.add_parser("catalog", parents=[common], help=_("danh mục thủ tục"))
    catalog_sub = catalog.add_subparsers(
        dest="catalog_command", required=True, parser_class=OneLineParser
    )
    catalog_import = catalog_sub.add_parser(
        "import", parents=[common], help=_("nhập một phiên bản danh mục (quản trị)")
    )
    catalog_import.add_argument("file", type=Path, help=_("tệp danh mục thủ tục cần nhập"))
    catalog_import.set_defaults(handler=cmd_catalog_import)
    catalog_list = catalog_sub.add_parser("list", parents=[common], help=_("các phiên bản"))
    json_flag(catalog_list)
    catalog_list.set_defaults(handler=cmd_catalog_list)
    catalog_check = catalog_sub.add_parser(
        "check", parents=[common], help=_("các thủ tục chưa đủ mã của Cổng dịch vụ công")
    )
    json_flag(catalog_check)
    catalog_check.set_defaults(handler=cmd_catalog_check)
