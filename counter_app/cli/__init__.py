"""The command line (`counter-app`): `main` runs it, `build_parser` builds it."""

from counter_app.cli.main import build_parser, main
from counter_app.kernel.commands import ARGPARSE_TEXTS

__all__ = ["ARGPARSE_TEXTS", "build_parser", "main"]
