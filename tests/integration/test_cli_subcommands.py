"""A missing or wrong subcommand is named for the user, not by argparse's internal dest."""

from __future__ import annotations

import subprocess
import sys

import pytest

from counter_app.cli import build_parser


def counter_app(lang: str, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "counter_app.cli", *argv],
        capture_output=True,
        text=True,
        env={"COUNTER_APP_LANG": lang, "PATH": ""},
        check=False,
    )


@pytest.mark.parametrize(
    ("argv", "choices"),
    [
        (("dossier",), "show, list, move, extend, apology"),
        (("guidance", "online-only"), "add, remove, list"),  # a group of an extension module
        (("hub",), "serve, enroll-code, counts"),
    ],
)
def test_a_missing_subcommand_lists_the_choices_in_one_line(argv, choices) -> None:
    prog = "counter-app " + " ".join(argv)
    for lang, expected, foreign in (
        ("vi", f"{prog}: thiếu lệnh con ({choices}", "missing subcommand"),
        ("en", f"{prog}: missing subcommand ({choices}", "thiếu lệnh con"),
    ):
        result = counter_app(lang, *argv)
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr.count("\n") == 1 and result.stderr.startswith(expected)
        assert foreign not in result.stderr and "_command" not in result.stderr


def test_a_wrong_subcommand_and_the_help_use_the_readable_name() -> None:
    result = counter_app("vi", "report", "nope")
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "tham số LỆNH: lựa chọn không hợp lệ: 'nope'" in result.stderr
    assert "report_command" not in result.stderr
    result = counter_app("en", "dossier", "--help")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert "  COMMAND" in lines and "dossier_command" not in result.stdout
    assert any(line.split()[:2] == ["show", "show"] for line in lines if line.strip())


def test_a_subcommand_still_runs_its_own_handler() -> None:
    args = build_parser().parse_args(["dossier", "show", "X-1"])
    assert args.handler.__name__ == "cmd_dossier_show" and args.code == "X-1"
    args = build_parser().parse_args(["guidance", "online-only", "list"])
    assert args.handler.__name__ == "cmd_online_only_list"
