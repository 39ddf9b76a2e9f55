"""argparse's own messages and help headings follow the user's language, in one line."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from counter_app.cli import ARGPARSE_TEXTS, build_parser, main
from counter_app.i18n import _, current_language, set_language

ARGPARSE_ENGLISH_VERSION = "show program's version number and exit"


@pytest.fixture
def language() -> Iterator[None]:
    before = current_language()
    yield
    set_language(before)


def run(monkeypatch, capsys, lang: str, *argv: str) -> tuple[int, str, str]:
    monkeypatch.setenv("COUNTER_APP_LANG", lang)
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("argv", "vi", "en"),
    [
        (
            ("dossier", "nope"),
            "lựa chọn không hợp lệ: 'nope' (chọn một trong 'show'",
            "invalid choice: 'nope' (choose from 'show'",
        ),
        (
            ("report", "indicators"),
            "thiếu tham số bắt buộc: --month",
            "the following arguments are required: --month",
        ),
        (("dossier", "list", "--bogus"), "tham số không nhận ra: --bogus", "unrecognized"),
        (("demo", "--days"), "tham số --days: cần một giá trị", "argument --days: expected one"),
    ],
)
def test_usage_errors_are_one_line_in_the_users_language(
    monkeypatch, capsys, language, argv, vi, en
) -> None:
    for lang, expected, foreign in (("vi", vi, en), ("en", en, vi)):
        code, out, err = run(monkeypatch, capsys, lang, *argv)
        assert code == 2 and out == ""
        assert err.count("\n") == 1 and err.startswith("counter-app")
        assert expected in err and foreign not in err


def test_help_headings_and_every_report_has_a_help_line(monkeypatch, capsys, language) -> None:
    code, out, _err = run(monkeypatch, capsys, "vi", "report", "--help")
    assert code == 0
    assert out.startswith("cách dùng: counter-app report")
    assert "tham số vị trí:" in out and "tùy chọn:" in out and "in trợ giúp này rồi thoát" in out
    assert "usage:" not in out and "show this help" not in out
    day_line = next(line for line in out.splitlines() if line.strip().startswith("day "))
    assert "số liệu một ngày" in day_line
    code, out, _err = run(monkeypatch, capsys, "en", "report", "--help")
    assert out.startswith("usage: counter-app report") and "one day's figures" in out


def test_every_argparse_text_has_an_english_translation(language) -> None:
    set_language("en")
    for english, ours in ARGPARSE_TEXTS.items():
        assert _(ours) == english  # so English mode reads exactly like plain argparse


def test_a_user_error_still_exits_1_from_the_installed_command(tmp_path: Path) -> None:
    """The exit-code contract scripts rely on: usage errors 2, CounterError 1, one line each."""
    env = {"COUNTER_APP_LANG": "vi", "PATH": ""}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "counter_app.cli",
            "dossier",
            "list",
            "--data-dir",
            str(tmp_path / "x"),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert "không tồn tại" in result.stderr
    result = subprocess.run(
        [sys.executable, "-m", "counter_app.cli", "dossier", "nope"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 2 and "lựa chọn không hợp lệ" in result.stderr


def _every_action(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    """(command path, action) of every option, argument and subcommand of the parser."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                yield (*path, name), helps.get(name)
                yield from _every_action(sub, (*path, name))
        else:
            yield path, action


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_command_and_option_has_a_help_line_in_the_language(language, lang) -> None:
    set_language(lang)
    parser = build_parser()
    without = []
    for path, action in _every_action(parser):
        text = action if isinstance(action, str | None) else action.help
        if text is None:
            without.append((path, getattr(action, "option_strings", None) or action))
    assert without == []
    version = next(a for a in parser._actions if "--version" in a.option_strings)
    expected = "in số phiên bản rồi thoát" if lang == "vi" else ARGPARSE_ENGLISH_VERSION
    assert version.help == expected


def test_the_top_help_is_all_vietnamese(monkeypatch, capsys, language) -> None:
    code, out, _err = run(monkeypatch, capsys, "vi", "--help")
    assert code == 0
    assert "--version" in out and "in số phiên bản rồi thoát" in out
    assert "show " not in out and "usage" not in out
    code, out, _err = run(monkeypatch, capsys, "vi", "guidance", "online-only", "--help")
    assert "thêm một thủ tục chỉ nhận trực tuyến" in out
