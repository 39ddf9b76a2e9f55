"""Start-up figures, as whole processes (offscreen Qt), and the receipt after start.

Every start is a fresh interpreter, run once untimed first (bytecode written, files in the
page cache), then several rounds with the commands taken in turn, so a busy moment of the
machine falls on all of them alike; each figure is the median. A command is timed to its
exit. A window is timed to the moment its event loop has shown it (the process prints a
mark then; what it does after, background jobs and quitting, is not counted), as a ratio to
a bare PySide6 window (a label shown) measured in the same rounds:

- the app's window: `counter-app gui` on a data directory with an office and no user (no
  sign-in): the main window with its first page;
- the sign-in dialog: the same with one user.

The receipt figures run in a process of their own: the context opened and the printing
warmed as the desktop program does after sign-in (`documents.warmup`), then the first
receipt timed, then warm receipts and intake plus receipt.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks import Result
from benchmarks.bench_forms import OFFICE
from counter_app.domain.lifecycle import Role
from counter_app.kernel.config import AppConfig, save_config
from counter_app.kernel.context import open_context
from counter_app.kernel.users import add_user

ROOT = Path(__file__).resolve().parents[1]
CLI = "import sys; from counter_app.cli import main; sys.exit(main())"  # as the entry point

SHOWN = "shown"
"""What a timed window prints once its event loop has shown it."""

BARE_WINDOW = f"""
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication(sys.argv[:1])
label = QLabel("Quầy Một Cửa")
label.show()
QTimer.singleShot(0, lambda: (print("{SHOWN}", flush=True), app.quit()))
sys.exit(app.exec())
"""

# The main window marks itself shown; `COUNTER_APP_GUI_QUIT_AFTER_MS` then quits it.
WINDOW = f"""
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMainWindow
show = QMainWindow.show
def show_and_mark(self):
    show(self)
    QTimer.singleShot(0, lambda: print("{SHOWN}", flush=True))
QMainWindow.show = show_and_mark
from counter_app.cli import main
sys.exit(main(["gui", "--data-dir", sys.argv[1]]))
"""

# The sign-in dialog marks itself shown and is cancelled (whatever the program's version).
SIGN_IN = f"""
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialog
execute = QDialog.exec
def exec_mark_cancel(self):
    QTimer.singleShot(0, lambda: (print("{SHOWN}", flush=True), self.reject()))
    return execute(self)
QDialog.exec = exec_mark_cancel
from counter_app.cli import main
sys.exit(main(["gui", "--data-dir", sys.argv[1]]))
"""

RECEIPTS = """
import json, statistics, sys, time
from datetime import datetime
from pathlib import Path
from benchmarks.bench_forms import _Clock
from counter_app.documents.forms import render_form
from counter_app.documents.templates import FormKind
from counter_app.domain.applicants import Person
from counter_app.dossiers.service import FeeLine, IntakeRequest, intake
from counter_app.kernel.context import open_context
from counter_app.kernel.users import SYSTEM_ACTOR
data_dir, warm, rounds = Path(sys.argv[1]), sys.argv[2] == "warm", int(sys.argv[3])
ctx = open_context(data_dir, clock=_Clock())
person = Person(name="Nguyễn Thị Ánh Tuyết", id_number="056190012345",
                address="Số 12 Trần Phú, Phường Bắc Nha Trang, Tỉnh Khánh Hòa",
                phone="0905123456")
def take():
    request = IntakeRequest("1.000894", person, fees=(FeeLine("Lệ phí", 50000),))
    return intake(ctx, request, SYSTEM_ACTOR).code
code = take()
if warm:
    try:
        from counter_app.documents.warmup import warm_up
    except ImportError:  # a program from before the warm-up
        pass
    else:
        warm_up(data_dir)
started = time.perf_counter()
render_form(ctx, FormKind.RECEIPT, code)
first = time.perf_counter() - started
figures = {"first": first}
if warm:
    codes = [take() for _ in range(5)]
    receipts, both = [], []
    for n in range(rounds):
        started = time.perf_counter()
        render_form(ctx, FormKind.RECEIPT, codes[n % len(codes)])
        receipts.append(time.perf_counter() - started)
        started = time.perf_counter()
        render_form(ctx, FormKind.RECEIPT, take())
        both.append(time.perf_counter() - started)
    figures["warm"] = statistics.median(receipts)
    figures["intake_receipt"] = statistics.median(both)
ctx.close()
print(json.dumps(figures))
"""


def _environment() -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", COUNTER_APP_GUI_QUIT_AFTER_MS="0")
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed program has its bytecode
    env.pop("COUNTER_APP_LANG", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _run(argv: Sequence[str], env: dict[str, str], *, window: bool) -> float:
    """Seconds from the start of the process to its exit, or for a window to its mark."""
    started = time.perf_counter()
    process = subprocess.Popen(
        list(argv), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    elapsed = None
    if window:
        for line in process.stdout:
            if line.strip() == SHOWN:
                elapsed = time.perf_counter() - started
                break
    _out, errors = process.communicate(timeout=300)
    elapsed = elapsed if window else time.perf_counter() - started
    if elapsed is None or process.returncode not in (0, 1):  # 1: sign-in cancelled
        raise RuntimeError(f"{argv[:3]} failed: {errors[-500:]}")
    return elapsed


def _data_dir(workdir: Path, name: str, *, with_user: bool) -> Path:
    data_dir = workdir / name
    data_dir.mkdir(mode=0o700)
    save_config(data_dir, AppConfig(office=OFFICE))
    with open_context(data_dir) as ctx:  # migrated before anything is timed
        if with_user:
            add_user(ctx, "ngan", "mật khẩu đủ dài", Role.CLERK, "Lê Thị Ngân")
    return data_dir


def run(quick: bool, workdir: Path) -> list[Result]:
    env = _environment()
    python = sys.executable
    office = _data_dir(workdir, "office", with_user=False)
    users = _data_dir(workdir, "users", with_user=True)
    starts: dict[str, list[str]] = {
        "python": [python, "-c", "pass"],
        "version": [python, "-c", CLI, "--version"],
        "verify_help": [python, "-c", CLI, "verify", "--help"],
        "report_help": [python, "-c", CLI, "report", "monthly", "--help"],
        "bare_window": [python, "-c", BARE_WINDOW],
        "window": [python, "-c", WINDOW, str(office)],
        "sign_in": [python, "-c", SIGN_IN, str(users)],
    }
    windows = {"bare_window", "window", "sign_in"}
    for name, argv in starts.items():
        _run(argv, env, window=name in windows)  # untimed: bytecode and page cache
    samples: dict[str, list[float]] = {name: [] for name in starts}
    for _round in range(3 if quick else 7):
        for name, argv in starts.items():
            samples[name].append(_run(argv, env, window=name in windows))
    median = {name: statistics.median(values) for name, values in samples.items()}

    receipts = workdir / "receipts"
    receipts.mkdir(mode=0o700)
    save_config(receipts, AppConfig(office=OFFICE))
    open_context(receipts).close()
    script = [python, "-c", RECEIPTS, str(receipts)]
    cold = _figures([*script, "cold", "0"], env)
    warm = _figures([*script, "warm", "10" if quick else "40"], env)

    bare = median["bare_window"]
    runs = f"median of {len(samples['python'])} runs"
    return [
        Result("startup.python_bare_s", round(median["python"], 3), "s", note="python -c pass"),
        Result("startup.version_s", round(median["version"], 3), "s", target=0.15, note=runs),
        Result(
            "startup.verify_help_s",
            round(median["verify_help"], 3),
            "s",
            target=0.3,
            note="parser built, no work",
        ),
        Result("startup.report_help_s", round(median["report_help"], 3), "s", target=0.3),
        Result("startup.bare_window_s", round(bare, 3), "s", note="PySide6 label, the baseline"),
        Result("startup.window_s", round(median["window"], 3), "s", note="no sign-in"),
        Result(
            "startup.window_ratio",
            round(median["window"] / bare, 2),
            "x bare",
            target=3,
            note=f"{median['window']:.3f} s / {bare:.3f} s",
        ),
        Result("startup.sign_in_s", round(median["sign_in"], 3), "s"),
        Result(
            "startup.sign_in_ratio",
            round(median["sign_in"] / bare, 2),
            "x bare",
            target=2,
            note=f"{median['sign_in']:.3f} s / {bare:.3f} s",
        ),
        Result("receipt.cold_ms", _ms(cold["first"]), "ms", note="first in a process, no warm-up"),
        Result("receipt.first_ms", _ms(warm["first"]), "ms", target=300, note="after warm-up"),
        Result("receipt.warm_ms", _ms(warm["warm"]), "ms", target=50, note="median"),
        Result("receipt.intake_receipt_ms", _ms(warm["intake_receipt"]), "ms", target=100),
    ]


def _figures(argv: list[str], env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    figures: dict[str, float] = json.loads(done.stdout)
    return figures


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)
