"""The command line's composition root: it builds the parser from every slice's commands.

Every subcommand takes `--data-dir`, exits 0 on success and non-zero with one line on
stderr on any error. `--json` prints one JSON document on stdout and nothing else.

An expected failure (`CounterError`) prints `counter-app: <message>` and exits 1. Anything
else is a bug: it prints one line with a reference into the error log (kernel/error_log.py)
and exits 70, never a traceback, which could carry a citizen's data. While a command runs
the umask is 077, so whatever it creates is for this user only (Decree 13/2023).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from counter_app import __version__
from counter_app.errors import CounterError
from counter_app.i18n import _, set_language

if TYPE_CHECKING:
    from counter_app.kernel.commands import Commands, Handler

VERSION_TEXT = f"counter-app {__version__}"


def registrations() -> tuple[Callable[[Commands], None], ...]:
    """Every slice's `register`, in the order `counter-app --help` lists them.

    Imported here, not at the top: `counter-app --version` needs none of them, and each
    slice's `cli` module loads its services (and their libraries) only when a command runs.
    """
    from counter_app.calendar import cli as calendar_cli
    from counter_app.cli import admin
    from counter_app.demo import cli as demo_cli
    from counter_app.documents import cli as documents_cli
    from counter_app.dossiers import cli as dossiers_cli
    from counter_app.guidance import cli as guidance_cli
    from counter_app.hub import cli as hub_cli
    from counter_app.maintenance import cli as maintenance_cli
    from counter_app.payments import cli as payments_cli
    from counter_app.reports import cli as reports_cli
    from counter_app.scanning import cli as scanning_cli
    from counter_app.sync import cli as sync_cli

    return (
        admin.register_gui,
        demo_cli.register,
        admin.register_admin,
        dossiers_cli.register,
        reports_cli.register,
        admin.register_catalog,
        maintenance_cli.register,
        guidance_cli.register,
        reports_cli.register_guidance_report,
        payments_cli.register,
        reports_cli.register_online,
        scanning_cli.register,
        sync_cli.register,
        sync_cli.register_portal,
        hub_cli.register,
        documents_cli.register,
        calendar_cli.register,
    )


def build_parser() -> argparse.ArgumentParser:
    from counter_app.cli import admin
    from counter_app.kernel.commands import Commands, OneLineParser, common_options

    common = common_options()
    parser = OneLineParser(
        prog="counter-app",
        parents=[common],
        description=_("Quầy Một Cửa — phần mềm bộ phận một cửa cấp xã"),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=VERSION_TEXT,
        help=_("in số phiên bản rồi thoát"),
    )
    parser.add_argument(
        "--no-error-dialogs", action="store_true", default=False, help=argparse.SUPPRESS
    )
    parser.set_defaults(handler=admin.cmd_gui)
    commands = Commands(parser.add_subparsers(dest="command", parser_class=OneLineParser), common)
    for register in registrations():
        register(commands)
    return parser


UNEXPECTED_EXIT = 70  # EX_SOFTWARE: a bug, not the user's input


def unexpected_error_line(exc: BaseException, args: argparse.Namespace) -> str:
    """The one line shown for a bug, after writing it (without its message) to the log."""
    from counter_app.kernel.context import default_data_dir
    from counter_app.kernel.error_log import record_error

    data_dir = getattr(args, "data_dir", None) or default_data_dir()
    try:
        reference, path = record_error(exc, data_dir, where=getattr(args, "command", None) or "")
    except OSError:
        return _("lỗi ngoài dự kiến (không ghi được nhật ký lỗi); hãy báo bộ phận kỹ thuật.")
    return _(
        "lỗi ngoài dự kiến, mã {reference}; hãy báo bộ phận kỹ thuật (nhật ký: {path})"
    ).format(reference=reference, path=path)


def main(argv: Sequence[str] | None = None) -> int:
    if lang := os.environ.get("COUNTER_APP_LANG"):
        set_language(lang)
    if list(sys.argv[1:] if argv is None else argv) == ["--version"]:
        sys.stdout.write(VERSION_TEXT + "\n")  # what argparse prints, without building it
        return 0
    from counter_app.domain.text import visible

    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    umask = os.umask(0o077) if os.name == "posix" else None
    try:
        return handler(args)
    except CounterError as exc:
        # One line, and hostile input echoed in the message (an ESC sequence, a bidi
        # override typed into an argument) is shown, not obeyed, by the terminal.
        # The message says what to do in the desktop program; the command line adds its own.
        hint = " — " + _("lệnh: {command}").format(command=exc.command) if exc.command else ""
        sys.stderr.write(f"counter-app: {visible(exc.message)}{hint}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("counter-app: " + _("đã hủy") + "\n")
        return 130
    except Exception as exc:  # a bug: its message may hold a citizen's data, so not shown
        sys.stderr.write("counter-app: " + unexpected_error_line(exc, args) + "\n")
        return UNEXPECTED_EXIT
    finally:
        if umask is not None:
            os.umask(umask)


if __name__ == "__main__":
    raise SystemExit(main())
