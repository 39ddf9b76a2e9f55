"""`counter-app demo --days 30` as a whole process: interpreter start, migrations of a new
database, the staff accounts, about 720 dossiers through the real services (intake, moves,
scans, payments, guidance sessions), each with its events on the audit chain.

Each round is a fresh process into a new data directory (the first one untimed: bytecode
written, files in the page cache); the figure is the median of the rounds. The data made
is then checked with `verify` in process, so a fast demo that breaks the chain fails here.
Quick mode: 5 days.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import Result
from counter_app.kernel.context import open_context
from counter_app.maintenance.service import verify

CLI = "import sys; from counter_app.cli import main; sys.exit(main())"  # as the entry point
TARGET_S = 10.0
"""`demo --days 30`: someone trying the program waits at most this long."""


def _demo(data_dir: Path, days: int) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", CLI, "demo", "--days", str(days), "--data-dir", str(data_dir)],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def run(quick: bool, workdir: Path) -> list[Result]:
    days, rounds = (5, 1) if quick else (30, 3)
    _demo(workdir / "warm-up", days)
    times = [_demo(workdir / f"demo-{n}", days) for n in range(rounds)]
    with open_context(workdir / "demo-0") as ctx:
        report = verify(ctx)
    assert report.ok, report.problems
    return [
        Result(
            f"demo_{days}_days_s",
            statistics.median(times),
            "s",
            target=None if quick else TARGET_S,
            note=f"{report.dossiers} dossiers, {report.events} events; median of {rounds}",
        )
    ]
