"""The frozen smoke test: run the built bundle as a counter PC would, without the venv.

`python installer/smoke.py [BUNDLE_DIR] [--skip-scan]` (default dist/counter-app). Each step
runs the bundle's program in a clean environment (only PATH, HOME, a temporary data
directory and QT_QPA_PLATFORM=offscreen; on Windows also the variables Windows itself
needs) and fails on a non-zero exit or an error on standard error:

1. `--version`, and `--help` in English (the English catalogue and Babel's data are in);
2. `demo`, then `verify` passes;
3. `print receipt` writes a PDF with a page;
4. `scan` three pages from the SANE test device (tests/sane/), then `verify` again. On
   Windows scanning goes through WIA/TWAIN, which has no test device: skipped, said so;
5. `gui` on a new counter opens its main window offscreen and closes by itself
   (`COUNTER_APP_GUI_QUIT_AFTER_MS`), exit 0, with its activity log written.

Only the standard library: it runs under any Python, the bundle under none.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "counter-app"
SANE_TEST_CONFIG = ROOT / "tests" / "sane"
GUI_QUIT_AFTER_MS = "1500"
# What standard error may never show, even from a command that succeeded.
BAD_OUTPUT = re.compile(
    r"Traceback|\bERROR\b|CRITICAL|Cannot load library|Could not (load|find)|qt\.qpa\.plugin"
    r"|undefined symbol|No such file or directory: '.*_MEI|WARNING:counter_app|failed: \w+Error"
)
WINDOWS_VARIABLES = ("SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC", "PATHEXT")


class SmokeFailure(SystemExit):
    pass


def clean_environment(home: Path, **extra: str) -> dict[str, str]:
    """PATH, HOME, offscreen Qt and nothing else of the caller's (no venv, no PYTHONPATH)."""
    if os.name == "nt":
        root = os.environ.get("SYSTEMROOT", r"C:\Windows")
        env = {key: os.environ[key] for key in WINDOWS_VARIABLES if key in os.environ}
        env |= {
            "PATH": rf"{root}\system32;{root}",
            "USERPROFILE": str(home),
            "LOCALAPPDATA": str(home / "AppData" / "Local"),
            "APPDATA": str(home / "AppData" / "Roaming"),
            "TEMP": str(home),
            "TMP": str(home),
        }
    else:
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin"}
    env |= {"HOME": str(home), "QT_QPA_PLATFORM": "offscreen", **extra}
    return env


def run(
    executable: Path, args: list[str], env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    started = time.perf_counter()
    done = subprocess.run(
        [str(executable), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=env,
        timeout=timeout,
        check=False,
    )
    seconds = time.perf_counter() - started
    bad = BAD_OUTPUT.search(done.stderr)
    if done.returncode != 0 or bad:
        raise SmokeFailure(
            f"smoke: `{NAME} {' '.join(args[:2])}` failed (exit {done.returncode}): "
            f"{done.stderr.strip()[-2000:] or done.stdout.strip()[-2000:]}"
        )
    print(f"ok  {seconds:5.1f} s  {NAME} {' '.join(args[:3])}")
    return done


def pdf_pages(data: bytes) -> int:
    """Pages of a PDF as reportlab writes it (one uncompressed page object each)."""
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-1024:]:
        return 0
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def has_sane(bundle: Path) -> bool:
    return any((bundle / "_internal").glob("_sane*"))


def scan_step(executable: Path, env: dict[str, str], data: Path, code: str) -> None:
    scan_env = {**env, "SANE_CONFIG_DIR": str(SANE_TEST_CONFIG)}
    done = run(
        executable,
        ["scan", "--device", "test:0", "--dossier", code, "--pages", "3", "--document", "1",
         "--json", "--data-dir", str(data)],
        scan_env,
    )  # fmt: skip
    pages = json.loads(done.stdout)["pages"]
    if len(pages) != 3:
        raise SmokeFailure(f"smoke: scanned {len(pages)} pages, not 3")
    verified = json.loads(
        run(executable, ["verify", "--json", "--data-dir", str(data)], env).stdout
    )
    if verified["problems"] or verified["pages"] < 3:
        raise SmokeFailure(f"smoke: verify after the scan: {verified['problems']}")


def run_smoke(executable: Path, *, skip_scan: bool = False) -> None:
    bundle = executable.parent
    with tempfile.TemporaryDirectory(prefix="counter-smoke-") as temporary:
        home = Path(temporary)
        env = clean_environment(home)
        version = run(executable, ["--version"], env).stdout.strip()
        if not version.startswith(NAME + " "):
            raise SmokeFailure(f"smoke: --version printed {version!r}")
        print(f"    {version}")
        english = run(executable, ["--help"], {**env, "COUNTER_APP_LANG": "en"}).stdout
        if "usage:" not in english:
            raise SmokeFailure("smoke: --help in English printed no English")

        data = home / "demo"
        run(executable, ["demo", "--days", "1", "--data-dir", str(data)], env)
        verified = json.loads(
            run(executable, ["verify", "--json", "--data-dir", str(data)], env).stdout
        )
        if verified["problems"]:
            raise SmokeFailure(f"smoke: verify found problems: {verified['problems']}")

        listed = json.loads(
            run(executable, ["dossier", "list", "--status", "received", "--limit", "1", "--json",
                             "--data-dir", str(data)], env).stdout
        ) or json.loads(
            run(executable, ["dossier", "list", "--limit", "1", "--json", "--data-dir", str(data)],
                env).stdout
        )  # fmt: skip
        code = listed[0]["code"]
        receipt = home / "receipt.pdf"
        run(
            executable,
            ["print", "receipt", code, "--pdf", str(receipt), "--data-dir", str(data)],
            env,
        )
        pages = pdf_pages(receipt.read_bytes())
        if pages < 1:
            raise SmokeFailure("smoke: the receipt is not a PDF with a page")
        print(f"    receipt: {receipt.stat().st_size} bytes, {pages} page(s)")

        if skip_scan:
            print("skip  scan: --skip-scan")
        elif sys.platform == "win32":
            print("skip  scan: Windows scans through WIA/TWAIN, which has no test device")
        elif not has_sane(bundle):
            raise SmokeFailure(
                "smoke: the bundle has no SANE module: build it with the `sane` extra installed"
            )
        else:
            scan_step(executable, env, data, code)

        counter = home / "new-counter"
        run(executable, ["office", "set", "--unit", "Phường Bắc Nha Trang", "--electronic-id",
                         "000.00.22.H56", "--data-dir", str(counter)], env)  # fmt: skip
        run(
            executable,
            ["gui", "--no-error-dialogs", "--data-dir", str(counter)],
            {**env, "COUNTER_APP_GUI_QUIT_AFTER_MS": GUI_QUIT_AFTER_MS},
            timeout=180,
        )
        if not (counter / "logs" / "counter-app.log").exists():
            raise SmokeFailure("smoke: the GUI wrote no activity log")
    print("smoke test passed")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python installer/smoke.py")
    parser.add_argument("bundle", nargs="?", type=Path, default=ROOT / "dist" / NAME)
    parser.add_argument("--skip-scan", action="store_true", help="no SANE test device here")
    args = parser.parse_args()
    executable = args.bundle / (NAME + (".exe" if os.name == "nt" else ""))
    if not executable.exists():
        raise SmokeFailure(f"smoke: no program at {executable}: run installer/build.py first")
    run_smoke(executable, skip_scan=args.skip_scan)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
