"""The maintenance commands: `verify`, `backup` and `restore`.

A backup is sealed with a passphrase read from standard input (`--passphrase-stdin`, one
line; typed unseen at a terminal) or from `$COUNTER_APP_BACKUP_PASSPHRASE`; without one it
is an open zip that leaves the hub enrolment out (docs/privacy.md says why both exist).
`backup --auto` is the automatic backup (auto.py): always sealed, into the backup folder,
old ones rotated; it also takes the passphrase an administrator kept in the program.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from counter_app.errors import ValidationError
from counter_app.i18n import _
from counter_app.kernel.commands import (
    Commands,
    context_for,
    json_flag,
    print_json,
)
from counter_app.maintenance.sealing import PASSPHRASE_ENV


def cmd_verify(args: argparse.Namespace) -> int:
    from counter_app.maintenance.service import repair_search_index, verify

    with context_for(args) as ctx:
        if args.repair_index:
            repair_search_index(ctx)
            if not args.json:
                print(_("Đã dựng lại chỉ mục tìm kiếm từ hồ sơ."))
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


def passphrase_for(args: argparse.Namespace, *, confirm: bool = False) -> str | None:
    """The backup passphrase: one line of standard input, else the environment, else none.

    Typed at a terminal it is not echoed, and for a new backup (`confirm`) typed twice: a
    typing slip there would lock the backup for good.
    """
    if not args.passphrase_stdin:
        return os.environ.get(PASSPHRASE_ENV) or None
    if sys.stdin.isatty():
        import getpass

        line = getpass.getpass(_("Mật khẩu sao lưu: "))
        if confirm and getpass.getpass(_("Nhập lại mật khẩu sao lưu: ")) != line:
            raise ValidationError(_("Hai lần nhập mật khẩu sao lưu không khớp."))
    else:
        line = sys.stdin.readline()
    passphrase = line.rstrip("\r\n")
    if not passphrase:
        raise ValidationError(_("Không đọc được mật khẩu sao lưu từ đầu vào chuẩn."))
    return passphrase


def cmd_backup(args: argparse.Namespace) -> int:
    from counter_app.maintenance.service import backup

    if args.auto:
        if args.file is not None:
            raise ValidationError(_("--auto ghi vào thư mục sao lưu đã chọn; bỏ tên tệp đi."))
        return cmd_backup_auto(args)
    if args.file is None:
        raise ValidationError(_("Cần tên tệp sao lưu, hoặc --auto."))
    passphrase = passphrase_for(args, confirm=True)
    with context_for(args) as ctx:
        result = backup(ctx, args.file, passphrase=passphrase)
    if args.json:
        print_json({"path": str(result.path), "sealed": result.sealed})
        return 0
    print(_("Đã sao lưu vào {path}").format(path=result.path))
    if not result.sealed:
        print(
            _(
                "Bản sao lưu không mã hóa (không có mật khẩu): không kèm khóa đồng bộ và khóa "
                "ký của quầy; quầy khôi phục từ bản này phải ghi danh lại với hub."
            )
        )
    return 0


def cmd_backup_auto(args: argparse.Namespace) -> int:
    """`backup --auto`: what the program does at day close, for a scheduler: a sealed
    backup into the backup folder, then the rotation."""
    from counter_app.kernel.run_log import install_run_log
    from counter_app.maintenance.auto import run_auto_backup

    passphrase = passphrase_for(args) if args.passphrase_stdin else None
    with context_for(args) as ctx:
        install_run_log(ctx.data_dir, ctx.config.log_level)
        result = run_auto_backup(ctx, passphrase=passphrase)
    if args.json:
        print_json(
            {
                "path": str(result.path),
                "taken_at": result.taken_at.isoformat(),
                "removed": [str(path) for path in result.removed],
            }
        )
        return 0
    print(_("Đã sao lưu vào {path}").format(path=result.path))
    if result.removed:
        print(_("Đã xóa {n} bản sao lưu cũ theo lịch giữ.").format(n=len(result.removed)))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from counter_app.kernel.context import default_data_dir
    from counter_app.maintenance.sealing import is_sealed
    from counter_app.maintenance.service import restore

    data_dir = getattr(args, "data_dir", None) or default_data_dir()
    passphrase = passphrase_for(args)
    if passphrase is None and is_sealed(args.file):
        raise ValidationError(
            _("Bản sao lưu được mã hóa; cần mật khẩu (--passphrase-stdin hoặc biến {env}).").format(
                env=PASSPHRASE_ENV
            )
        )
    result = restore(args.file, data_dir, passphrase=passphrase, accept_problems=args.force)
    print(_("Đã khôi phục vào {path}").format(path=result.data_dir))
    if result.problems:
        print(
            _("Đã khôi phục dù kiểm tra toàn vẹn báo {n} lỗi, lỗi đầu: {problem}").format(
                n=len(result.problems), problem=result.problems[0]
            )
        )
    if result.enrol_again:
        print(_("Bản sao lưu không kèm ghi danh với hub: hãy ghi danh lại (counter-app enroll)."))
    return 0


def _passphrase_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--passphrase-stdin",
        action="store_true",
        help=_("đọc mật khẩu sao lưu (một dòng) từ đầu vào chuẩn; mặc định: ${env}").format(
            env=PASSPHRASE_ENV
        ),
    )


def register(commands: Commands) -> None:
    sub, common = commands.subparsers, commands.common
    verify = sub.add_parser("verify", parents=[common], help=_("kiểm tra toàn vẹn dữ liệu"))
    json_flag(verify)
    verify.add_argument(
        "--repair-index",
        action="store_true",
        help=_("dựng lại chỉ mục tìm kiếm từ hồ sơ trước khi kiểm tra"),
    )
    verify.set_defaults(handler=cmd_verify)

    backup = sub.add_parser("backup", parents=[common], help=_("sao lưu"))
    backup.add_argument("file", type=Path, nargs="?", help=_("tệp sao lưu để ghi"))
    _passphrase_flag(backup)
    backup.add_argument(
        "--auto",
        action="store_true",
        help=_(
            "sao lưu mã hóa vào thư mục sao lưu đã chọn (backup_folder) và xóa bản cũ theo "
            "lịch giữ 7 ngày, 4 tuần, 12 tháng (cho bộ lập lịch)"
        ),
    )
    json_flag(backup)
    backup.set_defaults(handler=cmd_backup)
    restore = sub.add_parser("restore", parents=[common], help=_("khôi phục"))
    restore.add_argument("file", type=Path, help=_("tệp sao lưu để khôi phục"))
    _passphrase_flag(restore)
    restore.add_argument(
        "--force",
        action="store_true",
        help=_("khôi phục cả khi bản sao lưu không qua kiểm tra toàn vẹn (để cứu dữ liệu)"),
    )
    restore.set_defaults(handler=cmd_restore)
