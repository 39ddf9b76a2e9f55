"""What each start loads: the command line builds its parser, and a context opens on a
database already at the newest revision, without the heavy libraries (each is loaded where
it is first used). A fresh interpreter each time: this process has loaded them all."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from counter_app.kernel.context import open_context
from tests.conftest import make_data_dir

ROOT = Path(__file__).resolve().parents[2]

# Libraries that cost from tens of milliseconds to half a second each to import here.
HEAVY = (
    "reportlab",
    "pypdf",
    "pikepdf",
    "pypdfium2",
    "openpyxl",
    "PIL",
    "zxingcpp",
    "segno",
    "alembic",
    "httpx",
    "fastapi",
    "uvicorn",
    "holidays",
    "argon2",
    "cryptography",
    "babel",
    "PySide6",
)


def _loaded_after(code: str, *args: str) -> dict[str, list[str]]:
    """Run `code` in a fresh interpreter; the heavy libraries and project modules it left
    in `sys.modules`."""
    report = (
        "\nimport json, sys\n"
        f"heavy = {HEAVY!r}\n"
        "print(json.dumps({'heavy': sorted({m.split('.')[0] for m in sys.modules} & set(heavy)),"
        " 'sqlalchemy': 'sqlalchemy' in sys.modules,"
        " 'project': sorted(m for m in sys.modules if m.startswith('counter_app'))}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code + report, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result: dict[str, list[str]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_building_the_command_line_loads_no_heavy_library() -> None:
    loaded = _loaded_after("from counter_app.cli import build_parser\nbuild_parser()\n")
    assert loaded["heavy"] == []
    assert loaded["sqlalchemy"] is False  # the database layer loads when a command runs


def test_the_version_loads_no_command() -> None:
    loaded = _loaded_after(
        "import contextlib, io\n"
        "from counter_app.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    assert main(['--version']) == 0\n"
        "assert out.getvalue().startswith('counter-app ')\n"
    )
    assert loaded["heavy"] == []
    assert loaded["sqlalchemy"] is False
    assert [m for m in loaded["project"] if m.endswith(".cli") and m != "counter_app.cli"] == []
    assert "counter_app.kernel.commands" not in loaded["project"]


def test_the_version_prints_what_argparse_would(capsys: pytest.CaptureFixture[str]) -> None:
    from counter_app.cli import build_parser, main

    assert main(["--version"]) == 0
    fast = capsys.readouterr().out
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == fast == "counter-app " + _version() + "\n"


def _version() -> str:
    from counter_app import __version__

    return __version__


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_opening_a_current_database_loads_no_alembic(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    data_dir = make_data_dir(tmp_path, url)
    open_context(data_dir).close()  # the first start migrates (with Alembic)
    loaded = _loaded_after(
        "import sys\nfrom pathlib import Path\n"
        "from counter_app.kernel.context import open_context\n"
        "open_context(Path(sys.argv[1])).close()\n",
        str(data_dir),
    )
    assert "alembic" not in loaded["heavy"]
