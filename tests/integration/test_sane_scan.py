"""Scanning for real from the SANE `test` backend, end to end through the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from scan_support import SANE_TEST_CONFIG, new_dossier

from counter_app.kernel.context import AppContext
from counter_app.scanning.pages import list_pages

pytest.importorskip("sane", reason="python-sane (extra `sane`) is not installed")
pytestmark = pytest.mark.scanner


def run_cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SANE_CONFIG_DIR=str(SANE_TEST_CONFIG), COUNTER_APP_LANG="vi")
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from counter_app.cli import main; raise SystemExit(main())",
            *args,
            "--data-dir",
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_scan_three_pages_that_verify_accepts(ctx: AppContext, data_dir: Path) -> None:
    code = new_dossier(ctx)
    done = run_cli(
        data_dir,
        "scan",
        "--device",
        "test:0",
        "--dossier",
        code,
        "--pages",
        "3",
        "--document",
        "1",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert len(report["pages"]) == 3
    pages = list_pages(ctx, code)
    assert [page.position for page in pages] == [1, 2, 3]
    assert {page.document for page in pages} == {1}
    for page in pages:
        stored = (data_dir / "pages" / page.sha256[:2] / page.sha256).read_bytes()
        assert stored[:4] in (b"II*\x00", b"MM\x00*")  # black-and-white pages are TIFF (G4)
    verified = run_cli(data_dir, "verify", "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    result = json.loads(verified.stdout)
    assert result["pages"] == 3
    assert not result["problems"]
    shown = json.loads(run_cli(data_dir, "dossier", "show", code, "--json").stdout)
    assert shown["pages"] == 3
    assert shown["documents"][0]["digitised"] is True
    assert shown["documents"][1]["digitised"] is False


def test_scanners_lists_the_test_devices(data_dir: Path) -> None:
    done = run_cli(data_dir, "scanners", "--json")
    assert done.returncode == 0, done.stderr
    listing = json.loads(done.stdout)
    assert "sane" in listing["backends"]
    names = [device["name"] for device in listing["devices"]]
    assert "test:0" in names
    test0 = listing["devices"][names.index("test:0")]
    assert test0["flatbed"] and test0["feeder"]
    assert 300 in test0["resolutions"]


def test_unknown_device_is_one_clear_line(ctx: AppContext, data_dir: Path) -> None:
    code = new_dossier(ctx)
    done = run_cli(data_dir, "scan", "--device", "nosuch:0", "--dossier", code)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert "Không tìm thấy máy quét" in done.stderr
    assert list_pages(ctx, code) == []


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("SANE_STATUS_JAMMED", "Kẹt giấy"),
        ("SANE_STATUS_NO_DOCS", "Khay nạp giấy trống"),
        ("SANE_STATUS_COVER_OPEN", "Nắp máy quét"),
    ],
)
def test_driver_failures_become_messages(
    ctx: AppContext, data_dir: Path, status: str, message: str
) -> None:
    """The test backend returns a chosen status: a real driver failure, not a mock.

    The backend cancels its reader thread asynchronously; a cancel that lands while
    that thread is still inside malloc deadlocks glibc (seen under load in CI, stack
    in pthread_join). So the harness lets the reader reach its blocking pipe write
    before the first read returns the failure; the app's code path is unchanged.
    """
    script = f"""
import os, time
import sane
from counter_app.scanning.devices import CancelToken, ScanRequest, ScannerError
from counter_app.scanning.sane_backend import SaneBackend

def reader_is_blocked():
    tasks = [t for t in os.listdir("/proc/self/task") if t != str(os.getpid())]
    for task in tasks:
        stat = open(f"/proc/self/task/{{task}}/stat").read()
        if stat.rsplit(")", 1)[1].split()[0] == "S":
            return True
    return False

def start_and_settle(start=sane.SaneDev.start):
    def wrapped(self):
        start(self)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if reader_is_blocked():
                time.sleep(0.05)
                if reader_is_blocked():
                    return
            time.sleep(0.01)
    return wrapped

sane.SaneDev.start = start_and_settle()
scanner = SaneBackend().open("test:1")
scanner._device.enable_test_options = True
scanner._device.read_return_value = {status!r}
try:
    list(scanner.scan(ScanRequest(dpi=75, pages=1), CancelToken()))
except ScannerError as error:
    print(error.message)
"""
    env = dict(os.environ, SANE_CONFIG_DIR=str(SANE_TEST_CONFIG))
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert message in done.stdout


def test_feeder_scan_stops_when_the_feeder_runs_out(ctx: AppContext, data_dir: Path) -> None:
    code = new_dossier(ctx)
    done = run_cli(
        data_dir,
        "scan",
        "--device",
        "test:0",
        "--dossier",
        code,
        "--source",
        "feeder",
        "--dpi",
        "75",
        "--mode",
        "gray",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    # The SANE test feeder holds 10 sheets per open; the scan ends cleanly when it is empty.
    assert len(json.loads(done.stdout)["pages"]) == 10
    assert len(list_pages(ctx, code)) == 10
