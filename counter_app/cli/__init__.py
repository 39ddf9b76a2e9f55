"""The command line (`counter-app`): `main` runs it, `build_parser` builds it."""

from __future__ import annotations

from typing import Any

from counter_app.cli.main import build_parser, main

__all__ = ["ARGPARSE_TEXTS", "build_parser", "main"]


def __getattr__(name: str) -> Any:
    """`ARGPARSE_TEXTS` on first use: `counter-app --version` loads no command helpers."""
    if name == "ARGPARSE_TEXTS":
        from counter_app.kernel.commands import ARGPARSE_TEXTS

        return ARGPARSE_TEXTS
    raise AttributeError(name)
