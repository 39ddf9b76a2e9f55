"""The command line as scripts use it: real processes, real data directories."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from counter_app.kernel.context import open_context
from counter_app.store.engine import SQLITE_FILE_NAME
from tests.conftest import make_data_dir

AN = {
    "kind": "person",
    "name": "Nguyễn Văn An",
    "id_number": "056090012345",
    "birth_date": "1990-01-01",
    "gender": "Nam",
    "address": "12 Trần Phú, Phường Bắc Nha Trang",
    "phone": "0905123456",
    "email": "",
}


def run(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "COUNTER_APP_LANG": "vi", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "counter_app.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )


def ok(*args: str, stdin: str = "") -> str:
    result = run(*args, stdin=stdin)
    assert result.returncode == 0, result.stderr
    return result.stdout


def fails(*args: str, stdin: str = "") -> str:
    result = run(*args, stdin=stdin)
    assert result.returncode != 0, result.stdout
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def count_rows(data_dir: Path) -> int:
    engine = sa.create_engine(f"sqlite:///{data_dir / SQLITE_FILE_NAME}")
    with engine.connect() as connection:
        value = connection.execute(sa.text("SELECT count(*) FROM dossiers")).scalar_one()
    engine.dispose()
    return int(value)


@pytest.fixture
def cli_dir(tmp_path: Path) -> Path:
    data_dir = make_data_dir(tmp_path)
    open_context(data_dir).close()  # the database exists, so "no row written" is checkable
    return data_dir


@pytest.fixture
def applicant(tmp_path: Path) -> Path:
    path = tmp_path / "an.json"
    path.write_text(json.dumps(AN, ensure_ascii=False), encoding="utf-8")
    return path


def test_version() -> None:
    assert ok("--version").startswith("counter-app ")


def test_intake_show_list_move(cli_dir: Path, applicant: Path) -> None:
    d = str(cli_dir)
    code = ok(
        "intake", "--procedure", "1.004873", "--applicant-json", str(applicant), "--data-dir", d
    ).strip()
    assert code.startswith("000.00.22.H56-")
    shown = json.loads(ok("dossier", "show", code, "--json", "--data-dir", d))
    for key in (
        "code",
        "procedure",
        "procedure_name",
        "channel",
        "status",
        "received_at",
        "due_at",
        "resolved_at",
        "returned_at",
        "applicant",
        "handler",
        "pages",
        "late_entry",
    ):
        assert key in shown
    assert shown["applicant"]["name"] == "Nguyễn Văn An"
    assert shown["received_at"].endswith("+07:00")
    moved = json.loads(ok("dossier", "move", code, "--to", "processing", "--json", "--data-dir", d))
    assert moved["status"] == "processing"
    listed = json.loads(ok("dossier", "list", "--search", "nguyen van", "--json", "--data-dir", d))
    assert [item["code"] for item in listed] == [code]
    assert ok("verify", "--data-dir", d)


def test_cccd_qr_applicant(cli_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "qr.json"
    qr = (
        "058202000777||Võ Minh Trí|30062002|Nam|"
        "Thôn Hiệp Kiết, Xã Thuận Bắc, Tỉnh Khánh Hòa|11112022"
    )
    path.write_text(json.dumps({"cccd_qr": qr, "phone": "0905000111"}), encoding="utf-8")
    shown = json.loads(
        ok(
            "intake",
            "--procedure",
            "1.004873",
            "--applicant-json",
            str(path),
            "--json",
            "--data-dir",
            str(cli_dir),
        )
    )
    assert shown["applicant"]["name"] == "Võ Minh Trí"
    assert shown["applicant"]["birth_date"] == "2002-06-30"


def test_late_entry_from_the_command_line(cli_dir: Path, applicant: Path) -> None:
    shown = json.loads(
        ok(
            "intake",
            "--procedure",
            "1.004873",
            "--applicant-json",
            str(applicant),
            "--received-at",
            "2026-03-03T16:30:00+07:00",
            "--reason",
            "Mất điện",
            "--json",
            "--data-dir",
            str(cli_dir),
        )
    )
    assert shown["late_entry"] is True
    assert shown["received_at"] == "2026-03-03T16:30:00+07:00"
    assert shown["code"].split("-")[-2] == "260303"


@pytest.mark.parametrize(
    ("content", "extra"),
    [
        ("{not json", ()),
        (json.dumps({**AN, "id_number": "123"}), ()),
        (json.dumps({**AN, "id_number": "056190012345"}), ()),  # digit 4 says a woman
        (json.dumps({"kind": "robot", "name": "X"}), ()),
        (json.dumps([1, 2]), ()),
        ("x" * 70000, ()),
        (json.dumps(AN), ("--procedure", "9.999999")),
        (json.dumps(AN), ("--channel", "fax")),
        (json.dumps(AN), ("--received-at", "2099-01-01T08:00:00+07:00", "--reason", "x")),
        (json.dumps(AN), ("--received-at", "2026-03-03T08:00:00+07:00")),
        (json.dumps(AN), ("--reason", "không có thời điểm")),
        (json.dumps(AN), ("--received-at", "hôm qua", "--reason", "x")),
    ],
)
def test_bad_intake_input_writes_nothing(
    cli_dir: Path, tmp_path: Path, content: str, extra: tuple[str, ...]
) -> None:
    path = tmp_path / "applicant.json"
    path.write_text(content, encoding="utf-8")
    args = ["intake", "--applicant-json", str(path), "--data-dir", str(cli_dir)]
    if "--procedure" not in extra:
        args += ["--procedure", "1.004873"]
    fails(*args, *extra)
    assert count_rows(cli_dir) == 0


def test_missing_files_and_directories(tmp_path: Path, cli_dir: Path) -> None:
    missing = tmp_path / "nowhere"
    assert "không tồn tại" in fails("dossier", "list", "--data-dir", str(missing))
    assert not missing.exists()
    fails(
        "intake",
        "--procedure",
        "1.004873",
        "--applicant-json",
        str(tmp_path / "none.json"),
        "--data-dir",
        str(cli_dir),
    )
    fails("dossier", "show", "000.00.22.H56-260302-0001", "--data-dir", str(cli_dir))
    fails("dossier", "list", "--status", "done", "--data-dir", str(cli_dir))
    fails("dossier", "list", "--limit", "0", "--data-dir", str(cli_dir))
    fails("report", "day", "--date", "2026-13-01", "--data-dir", str(cli_dir))
    fails("nonsense-command")


def test_impossible_transition(cli_dir: Path, applicant: Path) -> None:
    d = str(cli_dir)
    code = ok(
        "intake", "--procedure", "1.004873", "--applicant-json", str(applicant), "--data-dir", d
    ).strip()
    assert "Không thể chuyển" in fails("dossier", "move", code, "--to", "returned", "--data-dir", d)
    assert "lý do" in fails("dossier", "move", code, "--to", "refused", "--data-dir", d)
    assert (
        json.loads(ok("dossier", "show", code, "--json", "--data-dir", d))["status"] == "received"
    )


def test_users_and_roles(cli_dir: Path, applicant: Path) -> None:
    d = str(cli_dir)
    ok(
        "user",
        "add",
        "lan",
        "--role",
        "clerk",
        "--name",
        "Hoàng Thị Lan",
        "--data-dir",
        d,
        stdin="mat-khau-dai\n",
    )
    fails("user", "add", "lan", "--role", "clerk", "--data-dir", d, stdin="mat-khau-dai\n")
    fails("user", "add", "hai", "--role", "boss", "--data-dir", d, stdin="mat-khau-dai\n")
    fails("user", "add", "hai", "--role", "clerk", "--data-dir", d, stdin="ngan\n")
    # A clerk may not add users; the action is recorded as the named user.
    assert "không được" in fails(
        "user",
        "add",
        "hai",
        "--role",
        "clerk",
        "--user",
        "lan",
        "--data-dir",
        d,
        stdin="mat-khau-dai\n",
    )
    code = ok(
        "intake",
        "--procedure",
        "1.004873",
        "--applicant-json",
        str(applicant),
        "--user",
        "lan",
        "--data-dir",
        d,
    ).strip()
    shown = json.loads(ok("dossier", "show", code, "--json", "--data-dir", d))
    assert shown["received_by"] == "lan"
    fails(
        "intake",
        "--procedure",
        "1.004873",
        "--applicant-json",
        str(applicant),
        "--user",
        "khongco",
        "--data-dir",
        d,
    )


def test_report_day_shape(cli_dir: Path, applicant: Path) -> None:
    d = str(cli_dir)
    codes = [
        ok(
            "intake",
            "--procedure",
            "1.004873",
            "--applicant-json",
            str(applicant),
            "--received-at",
            "2026-03-03T09:00:00+07:00",
            "--reason",
            "nhập bù",
            "--channel",
            channel,
            "--data-dir",
            d,
        ).strip()
        for channel in ("direct", "postal", "online")
    ]
    counts = json.loads(ok("report", "day", "--date", "2026-03-03", "--json", "--data-dir", d))
    assert set(counts) == {
        "office",
        "date",
        "received",
        "by_channel",
        "by_status",
        "by_procedure",
        "dossiers",
    }
    assert counts["office"] == "22333" and counts["date"] == "2026-03-03"
    assert counts["received"] == 3
    assert counts["by_channel"] == {"direct": 1, "online": 1, "postal": 1, "assisted": 0}
    assert counts["by_status"] == {"received": 3}
    assert counts["by_procedure"] == {"1.004873": 3}
    assert counts["dossiers"] == sorted(codes)


def test_backup_and_restore(cli_dir: Path, applicant: Path, tmp_path: Path) -> None:
    d = str(cli_dir)
    code = ok(
        "intake", "--procedure", "1.004873", "--applicant-json", str(applicant), "--data-dir", d
    ).strip()
    archive = tmp_path / "backup.zip"
    ok("backup", str(archive), "--data-dir", d)
    restored = tmp_path / "restored"
    ok("restore", str(archive), "--data-dir", str(restored))
    assert json.loads(ok("dossier", "show", code, "--json", "--data-dir", str(restored)))
    ok("verify", "--data-dir", str(restored))
    fails("restore", str(archive), "--data-dir", str(restored))  # never over live data
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip")
    fails("restore", str(bad), "--data-dir", str(tmp_path / "other"))


def test_demo_search_and_verify_tamper(tmp_path: Path) -> None:
    """The Foundation's 'done when', on a shorter demo to keep the suite quick."""
    d = str(tmp_path / "demo")
    summary = json.loads(ok("demo", "--days", "10", "--json", "--data-dir", d))
    assert summary["created"] > 100
    assert "giữ nguyên" in ok("demo", "--if-empty", "--data-dir", d)
    fails("demo", "--data-dir", d)
    found = json.loads(
        ok("dossier", "list", "--search", "nguyen", "--limit", "1000", "--json", "--data-dir", d)
    )
    assert found and all(
        item["applicant"]["name"].startswith("Nguyễn") or "Nguyễn" in item["applicant"]["name"]
        for item in found
    )
    statuses = {
        item["status"]
        for item in json.loads(ok("dossier", "list", "--limit", "5000", "--json", "--data-dir", d))
    }
    assert {"received", "processing", "resolved", "returned"} <= statuses
    ok("verify", "--data-dir", d)
    engine = sa.create_engine(f"sqlite:///{Path(d) / SQLITE_FILE_NAME}")
    with engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE dossiers SET applicant_name = 'X', applicant = '{}' WHERE id = 5")
        )
    engine.dispose()
    assert "Kiểm tra thất bại" in fails("verify", "--data-dir", d)


def test_office_set_on_a_fresh_directory(tmp_path: Path, applicant: Path) -> None:
    fresh = tmp_path / "fresh"
    d = str(fresh)
    assert "không tồn tại" in fails("dossier", "list", "--data-dir", d)
    fresh.mkdir()
    assert "office set" in fails(
        "intake", "--procedure", "1.004873", "--applicant-json", str(applicant), "--data-dir", d
    )
    fails(
        "office",
        "set",
        "--unit",
        "Không có xã này",
        "--electronic-id",
        "000.00.22.H56",
        "--data-dir",
        d,
    )
    fails("office", "set", "--unit", "22333", "--electronic-id", "có dấu cách", "--data-dir", d)
    ok(
        "office",
        "set",
        "--unit",
        "bac nha trang",
        "--electronic-id",
        "000.00.22.H56",
        "--data-dir",
        d,
    )
    config = json.loads((Path(d) / "config.json").read_text(encoding="utf-8"))
    assert config["office"]["unit_code"] == "22333"
    assert config["office"]["province_name"] == "Tỉnh Khánh Hòa"
    code = ok(
        "intake", "--procedure", "1.004873", "--applicant-json", str(applicant), "--data-dir", d
    ).strip()
    assert code.startswith("000.00.22.H56-")


def test_report_online_says_no_data_as_a_dash_not_none(cli_dir: Path) -> None:
    """An empty month has no share: the line shows "—", never "None%"."""
    out = ok("report", "online", "--month", "2026-03", "--data-dir", str(cli_dir))
    share = out.splitlines()[0]
    assert share.startswith("Trực tuyến — (mục tiêu ") and share.endswith("số hóa —")
    assert "None" not in out
