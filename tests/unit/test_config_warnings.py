"""config.json keys that nothing reads are said, not silently ignored."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from counter_app.errors import ConfigError
from counter_app.kernel.config import (
    CONFIG_FILE_NAME,
    CONFIG_SETTINGS,
    AppConfig,
    config_warnings,
    load_config,
    save_config,
)
from counter_app.maintenance.service import verify

ROOT = Path(__file__).resolve().parents[2]
STALE = {
    "reports": {"online_target_percent": 50, "window_start_dya": 1, "window_start_day": 1},
    "sync_interval_second": 30,
    "vietqr": {"bin": "970436"},
}


def write_config(data_dir: Path, **keys) -> None:
    path = data_dir / CONFIG_FILE_NAME
    path.write_text(json.dumps({**json.loads(path.read_text("utf-8")), **keys}), "utf-8")


def test_the_old_online_target_and_typos_are_named(data_dir: Path, caplog) -> None:
    write_config(data_dir, **STALE)
    with caplog.at_level(logging.WARNING, logger="counter_app.config"):
        config = load_config(data_dir)
        load_config(data_dir)  # once a process, not at every load
    warnings = config_warnings(config)
    assert [record.getMessage() for record in caplog.records] == list(warnings)
    assert len(warnings) == 3
    assert warnings[0].startswith("config.json: “reports.online_target_percent” (50) không còn")
    assert "Chỉ tiêu nộp trực tuyến" in warnings[0]  # where Cài đặt sets it now
    assert (
        "“sync_interval_second” không được dùng (có phải “sync_interval_seconds”?)" in (warnings[1])
    )
    assert (
        "“reports.window_start_dya” không được dùng (có phải “reports.window_start_day”?)"
        in (warnings[2])
    )
    assert all("\n" not in warning for warning in warnings)


def test_known_keys_give_no_warning_and_saving_keeps_unknown_ones(data_dir: Path) -> None:
    config = load_config(data_dir)
    assert config_warnings(config) == ()
    # Every key the declaration has: its default, a table with its members' defaults.
    known = {
        key: {} if declared.is_table and declared.default is not None else declared.default
        for key, declared in CONFIG_SETTINGS.items()
        if "." not in key
    }
    write_config(data_dir, **known)
    assert config_warnings(load_config(data_dir)) == ()
    write_config(data_dir, **STALE)
    save_config(data_dir, load_config(data_dir))  # e.g. 'office set': the office's text stays
    assert json.loads((data_dir / CONFIG_FILE_NAME).read_text("utf-8"))["sync_interval_second"]
    assert len(config_warnings(load_config(data_dir))) == 3
    write_config(data_dir, reports="not a table")  # a value, not a key: refused, in one line
    with pytest.raises(ConfigError, match="“reports”") as refused:
        load_config(data_dir)
    assert "\n" not in refused.value.message


def test_every_key_the_code_reads_is_known() -> None:
    """Settings are read as typed attributes of the declaration, never by a key of the file."""
    readers = [
        path.relative_to(ROOT).as_posix()
        for path in [
            *ROOT.joinpath("counter_app").rglob("*.py"),
            *ROOT.joinpath("ui").rglob("*.py"),
        ]
        if "config.extra" in (text := path.read_text("utf-8")) or "_on_disk" in text
    ]
    assert readers == ["counter_app/kernel/config.py"]
    assert not hasattr(AppConfig(), "extra")


def test_verify_lists_the_warnings_but_stays_ok(ctx) -> None:
    # The VietQR account is guarded by the admin log: edited by hand it is a problem, not a
    # warning, so this test leaves it out.
    stale = {key: value for key, value in STALE.items() if key != "vietqr"}
    write_config(ctx.data_dir, **stale)
    ctx.config = load_config(ctx.data_dir)
    report = verify(ctx)
    assert report.ok and len(report.warnings) == 3


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("vi", "“reports.online_target_percent” (50) không còn được dùng"),
        ("en", "“reports.online_target_percent” (50) is no longer read"),
    ],
)
def test_the_command_line_says_it_once_on_stderr(data_dir: Path, lang: str, expected) -> None:
    write_config(data_dir, **STALE)
    result = subprocess.run(
        [sys.executable, "-m", "counter_app.cli", "verify", "--json", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        env={"COUNTER_APP_LANG": lang, "PATH": ""},
        check=False,
    )
    assert result.returncode == 0
    document = json.loads(result.stdout)
    assert document["ok"] and len(document["warnings"]) == 3
    lines = result.stderr.splitlines()
    assert lines == document["warnings"] and expected in lines[0]
