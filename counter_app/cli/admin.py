"""Commands of the kernel itself: `gui`, `user add`, `office set`, `catalog import|list`."""

from __future__ import annotations

import argparse
import sys
from datetime import date
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
        actor_for(ctx, args).require(parse_role("admin"))
        actor = add_user(ctx, args.login, password, role, args.name or "")
    print(
        _("Đã thêm người dùng {login} ({role}).").format(login=actor.login, role=actor.role.value)
    )
    return 0


def cmd_office_set(args: argparse.Namespace) -> int:
    from counter_app.domain.codes import format_code
    from counter_app.domain.text import OFFICE_NAME, PARENT_BODY
    from counter_app.domain.units import find_unit, load_units
    from counter_app.kernel.config import OfficeConfig, load_config, save_config
    from counter_app.kernel.context import default_data_dir, prepare_data_dir

    data_dir = prepare_data_dir(getattr(args, "data_dir", None) or default_data_dir(), create=True)
    unit = find_unit(load_units(), args.unit)
    format_code(args.electronic_id, date.today(), 1)  # refuses a malformed e-ID now
    name = OFFICE_NAME.clean(args.name)
    parent_body = PARENT_BODY.clean(args.parent_body)
    config = load_config(data_dir)
    office = OfficeConfig(
        unit_code=unit.code,
        electronic_id=args.electronic_id,
        name=name or f"Trung tâm Phục vụ hành chính công {unit.name}",
        parent_body=parent_body or f"UBND {unit.name}",
        province_name=unit.province_name,
    )
    from dataclasses import replace

    save_config(data_dir, replace(config, office=office))
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
