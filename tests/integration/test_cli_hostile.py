"""Hostile input on the command line, each reproduction of "Nothing lost, nobody let in" §7
(and the `attach` part of §8): one line on stderr, a non-zero exit, nothing written.

A command that could hang or exhaust memory (a named pipe or a device handed in as a file)
runs as a real process with a time limit, so a regression fails the test instead of the
suite; the others run in this process through `main`, which is what the script runs.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from counter_app.cli import main
from counter_app.kernel.context import open_context
from counter_app.store.engine import SQLITE_FILE_NAME
from tests.conftest import make_data_dir

AN = {
    "kind": "person",
    "name": "Nguyễn Văn An",
    "id_number": "056090012345",
    "birth_date": "1990-01-01",
    "gender": "Nam",
}
LONG = "A" * 10_000
UNEXPECTED = 70  # the exit of a bug (cli/main.py): none of these may end there


def run(*args: str, stdin: str = "", timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "counter_app.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "COUNTER_APP_LANG": "vi"},
        timeout=timeout,
    )


def refused(*args: str, stdin: str = "", exit_code: int | None = None) -> str:
    """The one line a refused command prints on stderr (nothing on stdout, no traceback)."""
    result = run(*args, stdin=stdin)
    assert result.returncode not in (0, UNEXPECTED), result.stderr
    if exit_code is not None:
        assert result.returncode == exit_code, result.stderr
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    return result.stderr.strip()


def refused_here(capsys, *args: str, exit_code: int | None = None) -> str:
    """`refused`, run in this process (the same `main` the script calls)."""
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    out, err = capsys.readouterr()
    assert code not in (0, None, UNEXPECTED), err
    if exit_code is not None:
        assert code == exit_code, err
    assert out == "" and err.count("\n") == 1, err
    return err.strip()


def count(data_dir: Path, table: str) -> int:
    engine = sa.create_engine(f"sqlite:///{data_dir / SQLITE_FILE_NAME}")
    with engine.connect() as connection:
        value = connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
    engine.dispose()
    return int(value)


@pytest.fixture
def cli_dir(tmp_path: Path) -> Path:
    data_dir = make_data_dir(tmp_path)
    open_context(data_dir).close()
    return data_dir


@pytest.fixture
def applicant(tmp_path: Path) -> Path:
    path = tmp_path / "an.json"
    path.write_text(json.dumps(AN, ensure_ascii=False), encoding="utf-8")
    return path


def intake(
    data_dir: Path, applicant_file: Path, *extra: str, code: int | None = None, capsys=None
) -> str:
    """A refused intake: in this process with `capsys`, else as a process of its own."""
    args = ["intake", "--procedure", "1.004873", "--applicant-json", str(applicant_file)]
    args += [*extra, "--data-dir", str(data_dir)]
    if capsys is not None:
        return refused_here(capsys, *args, exit_code=code)
    return refused(*args, exit_code=code)


# --- files handed in -----------------------------------------------------------------------


def test_applicant_json_nested_30000_deep(cli_dir: Path, tmp_path: Path, capsys) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 30_000 + "]" * 30_000, encoding="utf-8")
    assert "lồng nhau quá" in intake(cli_dir, deep, code=1, capsys=capsys)
    assert count(cli_dir, "dossiers") == 0


def test_a_device_or_a_named_pipe_as_the_applicant_file(cli_dir: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "an.json"
    os.mkfifo(fifo)
    for path in (Path("/dev/zero"), fifo, tmp_path):  # MemoryError, a hang, a folder
        assert "không phải tệp thường" in intake(cli_dir, path, code=1)
    assert count(cli_dir, "dossiers") == 0


def test_catalog_import_of_a_device(cli_dir: Path) -> None:
    message = refused("catalog", "import", "/dev/zero", "--data-dir", str(cli_dir), exit_code=1)
    assert "không phải tệp thường" in message
    assert count(cli_dir, "catalog_versions") <= 1  # at most the bundled one


def test_attach_of_a_device_or_a_pipe(cli_dir: Path, applicant: Path, tmp_path: Path) -> None:
    d = str(cli_dir)
    result = run(
        "intake", "--procedure", "1.004873", "--applicant-json", str(applicant), "--data-dir", d
    )
    code = result.stdout.strip()
    zero = tmp_path / "zero.pdf"
    zero.symlink_to("/dev/zero")
    pipe = tmp_path / "pipe.png"
    os.mkfifo(pipe)
    for path in (zero, pipe):
        assert "không phải tệp thường" in refused("attach", code, str(path), "--data-dir", d)
    assert not (cli_dir / "pages").exists() or not any((cli_dir / "pages").rglob("*.*"))


# --- numbers and dates ---------------------------------------------------------------------


def test_received_at_in_year_one(cli_dir: Path, applicant: Path) -> None:
    message = intake(
        cli_dir, applicant, "--received-at", "0001-01-01T00:00:00+00:00", "--reason", "x", code=2
    )
    assert "2000–2099" in message and "--received-at" in message
    assert count(cli_dir, "dossiers") == 0


@pytest.mark.parametrize("limit", ["1e30", str(10**23), "0", "-5"])
def test_dossier_list_limit_out_of_range(cli_dir: Path, limit: str, capsys) -> None:
    args = ("dossier", "list", "--limit", limit, "--data-dir", str(cli_dir))
    assert "--limit" in refused_here(capsys, *args, exit_code=2)


@pytest.mark.parametrize(
    "args",
    [
        ("scan", "--device", "x", "--dossier", "y", "--dpi", "999999"),
        ("scan", "--device", "x", "--dossier", "y", "--dpi", "10"),
        ("scan", "--device", "x", "--dossier", "y", "--pages", str(10**9)),
        ("calendar", "list", "--year", "99999999"),
        ("report", "period", "--kind", "yearly", "--year", str(10**20)),
        ("demo", "--days", "1000000000"),
        ("report", "day", "--date", "9999-12-31"),
        ("dossier", "list", "--to", "9999-12-31"),
        ("hub", "serve", "--port", "70000"),
        ("attach", "X", "a.png", "--document", str(10**20)),
    ],
    ids=lambda args: " ".join(args[:1] + args[-2:-1]),
)
def test_numbers_and_dates_beyond_what_the_device_or_rule_allows(cli_dir, args, capsys) -> None:
    assert refused_here(capsys, *args, "--data-dir", str(cli_dir), exit_code=2)


@pytest.mark.parametrize(
    "args",
    [
        ("dossier", "list"),
        ("report", "book"),
        ("report", "late-entries"),
        ("guidance", "report"),
        ("guidance", "online-only", "add", "1.004873", "--source", "CV 1"),
        (
            "guidance",
            "incentive",
            "set",
            "r1",
            "--title",
            "t",
            "--kind",
            "exempt",
            "--source",
            "CV",
        ),
        ("print", "book", "--pdf", "book.pdf"),
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_from_after_to_is_refused_everywhere(cli_dir: Path, tmp_path: Path, args, capsys) -> None:
    pdf = tmp_path / "book.pdf"
    args = tuple(str(pdf) if arg == "book.pdf" else arg for arg in args)
    reversed_range = ("--from", "2026-03-05", "--to", "2026-03-01")
    message = refused_here(capsys, *args, *reversed_range, "--data-dir", str(cli_dir), exit_code=1)
    assert message == "counter-app: Ngày kết thúc phải sau ngày bắt đầu."
    assert not (cli_dir / "guidance.json").exists() and not pdf.exists()


def test_hub_serve_on_an_unreachable_database(tmp_path: Path) -> None:
    pytest.importorskip("psycopg")
    pytest.importorskip("uvicorn")
    url = "postgresql+psycopg://nobody:x@127.0.0.1:1/hub"
    message = refused("hub", "serve", "--database", url, "--data-dir", str(tmp_path / "h"))
    assert message.startswith("counter-app: Không mở được cơ sở dữ liệu hub: ")
    message = refused("hub", "devices", "--database", "nonsense://x", "--data-dir", str(tmp_path))
    assert "Không mở được cơ sở dữ liệu hub" in message


# --- text ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["An\u0000", "An\u001b[2J\u001b]0;owned\u0007", "Phường \u202enaht gnarT", "x" * 501],
    ids=["NUL", "ESC", "RLO", "long"],
)
def test_hostile_applicant_names(cli_dir: Path, tmp_path: Path, name: str, capsys) -> None:
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps({**AN, "name": name}), encoding="utf-8")
    assert "Họ tên" in intake(cli_dir, path, code=1, capsys=capsys)
    assert count(cli_dir, "dossiers") == 0


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        (("--channel", "online", "--portal-code", LONG), "Mã hồ sơ trên Cổng"),
        (("--competent-body", LONG), "Cơ quan có thẩm quyền giải quyết"),
        (("--competent-body", "UBND \u202e"), "Cơ quan có thẩm quyền giải quyết"),
        (("--received-at", "2026-03-02T08:00", "--reason", "mất\u001b[2Jđiện"), "Lý do nhập muộn"),
        (("--paper-reason", "other: " + LONG), "Lý do nộp giấy"),
    ],
    ids=["portal code", "competent body", "bidi body", "late reason", "paper reason"],
)
def test_hostile_intake_options(cli_dir: Path, applicant: Path, extra, field, capsys) -> None:
    assert field in intake(cli_dir, applicant, *extra, code=1, capsys=capsys)
    assert count(cli_dir, "dossiers") == 0


def test_user_and_office_names(cli_dir: Path, capsys, monkeypatch) -> None:
    d = str(cli_dir)
    for name in (LONG, "Lan \u202e", "Lan\u001b[2J"):
        monkeypatch.setattr("sys.stdin", io.StringIO("matkhau123\n"))
        args = ("user", "add", "lan", "--role", "clerk", "--name", name, "--data-dir", d)
        assert "Họ tên người dùng" in refused_here(capsys, *args, exit_code=1)
    assert count(cli_dir, "users") == 0
    config = (cli_dir / "config.json").read_bytes()
    for option in ("--name", "--parent-body"):
        args = ("office", "set", "--unit", "22333", "--electronic-id", "000.00.22.H56")
        message = refused_here(capsys, *args, option, LONG, "--data-dir", d, exit_code=1)
        assert "quá dài (tối đa 200 ký tự)" in message
    assert (cli_dir / "config.json").read_bytes() == config


def test_a_password_from_a_device_is_refused_not_read_forever(cli_dir: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "counter_app.cli", "user", "add", "lan", "--role", "clerk",
         "--data-dir", str(cli_dir)],
        stdin=open("/dev/zero", "rb"),  # noqa: SIM115
        capture_output=True,
        text=True,
        env={**os.environ, "COUNTER_APP_LANG": "vi"},
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert count(cli_dir, "users") == 0


def ok_here(capsys, *args: str) -> str:
    assert main(list(args)) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


def test_stored_hostile_text_is_printed_harmlessly(cli_dir: Path, applicant: Path, capsys) -> None:
    """A row written before the rule (or by an older program) prints as one safe line."""
    d = str(cli_dir)
    intake = ("intake", "--procedure", "1.004873", "--applicant-json", str(applicant))
    code = ok_here(capsys, *intake, "--data-dir", d).strip()
    engine = sa.create_engine(f"sqlite:///{cli_dir / SQLITE_FILE_NAME}")
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE dossiers SET applicant_name = :name"),
            {"name": "An\x1b[2J\x1b]0;owned\x07\u202eB\nC"},
        )
    engine.dispose()
    listed = ok_here(capsys, "dossier", "list", "--data-dir", d)
    assert listed.count("\n") == 1 and code in listed
    shown = ok_here(capsys, "dossier", "show", code, "--data-dir", d)
    echoed = refused_here(capsys, "dossier", "show", "X\x1b[2J\u202e", "--data-dir", d)
    for unsafe in ("\x1b", "\x07", "\u202e"):
        assert unsafe not in listed and unsafe not in shown and unsafe not in echoed


def test_a_failed_attach_leaves_no_page_file(cli_dir, applicant: Path, tmp_path, capsys) -> None:
    from counter_app.scanning.samples import text_page

    d = str(cli_dir)
    intake = ("intake", "--procedure", "1.004873", "--applicant-json", str(applicant))
    code = ok_here(capsys, *intake, "--data-dir", d).strip()
    page = tmp_path / "page.png"
    text_page(100, seed=1).save(page, dpi=(100, 100))
    message = refused_here(capsys, "attach", code, str(page), "--document", "999", "--data-dir", d)
    assert "thành phần số 999" in message
    refused_here(capsys, "attach", code, str(page), "--result", "--data-dir", d)
    pages = cli_dir / "pages"
    assert not pages.exists() or not [p for p in pages.rglob("*") if p.is_file()]
    assert count(cli_dir, "pages") == 0
