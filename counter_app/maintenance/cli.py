"""The maintenance commands: `verify`, `backup` and `restore`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from counter_app.i18n import _
from counter_app.kernel.commands import (
    Commands,
    context_for,
    json_flag,
    print_json,
)


def cmd_verify(args: argparse.Namespace) -> int:
    from counter_app.maintenance.service import verify

    with context_for(args) as ctx:
        report = verify(ctx)
    if args.json:
        print_json(
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


def cmd_backup(args: argparse.Namespace) -> int:
    from counter_app.maintenance.service import backup

    with context_for(args) as ctx:
        target = backup(ctx, args.file)
    print(_("Đã sao lưu vào {path}").format(path=target))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from counter_app.kernel.context import default_data_dir
    from counter_app.maintenance.service import restore

    data_dir = getattr(args, "data_dir", None) or default_data_dir()
    restore(args.file, data_dir)
    context_for(args).close()  # applies the migrations a newer version may need
    print(_("Đã khôi phục vào {path}").format(path=data_dir))
    return 0


def register(commands: Commands) -> None:
    sub, common = commands.subparsers, commands.common
    verify = sub.add_parser("verify", parents=[common], help=_("kiểm tra toàn vẹn dữ liệu"))
    json_flag(verify)
    verify.set_defaults(handler=cmd_verify)

    backup = sub.add_parser("backup", parents=[common], help=_("sao lưu"))
    backup.add_argument("file", type=Path)
    backup.set_defaults(handler=cmd_backup)
    restore = sub.add_parser("restore", parents=[common], help=_("khôi phục"))
    restore.add_argument("file", type=Path)
    restore.set_defaults(handler=cmd_restore)
