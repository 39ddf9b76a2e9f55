"""The command line's composition root: it builds the parser from every slice's commands.

Every subcommand takes `--data-dir`, exits 0 on success and non-zero with one line on
stderr on any error. `--json` prints one JSON document on stdout and nothing else.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from counter_app import __version__
from counter_app.calendar import cli as calendar_cli
from counter_app.cli import admin
from counter_app.demo import cli as demo_cli
from counter_app.documents import cli as documents_cli
from counter_app.dossiers import cli as dossiers_cli
from counter_app.errors import CounterError
from counter_app.guidance import cli as guidance_cli
from counter_app.hub import cli as hub_cli
from counter_app.i18n import _, set_language
from counter_app.kernel.commands import Commands, Handler, OneLineParser, common_options
from counter_app.maintenance import cli as maintenance_cli
from counter_app.payments import cli as payments_cli
from counter_app.reports import cli as reports_cli
from counter_app.scanning import cli as scanning_cli
from counter_app.sync import cli as sync_cli

# In the order `counter-app --help` lists them.
REGISTRATIONS: tuple[Callable[[Commands], None], ...] = (
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
    hub_cli.register,
    documents_cli.register,
    calendar_cli.register,
)


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = OneLineParser(
        prog="counter-app",
        parents=[common],
        description=_("Quầy Một Cửa — phần mềm bộ phận một cửa cấp xã"),
    )
    parser.add_argument("--version", action="version", version=f"counter-app {__version__}")
    parser.add_argument(
        "--no-error-dialogs", action="store_true", default=False, help=argparse.SUPPRESS
    )
    parser.set_defaults(handler=admin.cmd_gui)
    commands = Commands(parser.add_subparsers(dest="command", parser_class=OneLineParser), common)
    for register in REGISTRATIONS:
        register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
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
