"""Build the one-folder bundle into dist/counter-app/ and smoke-test it.

`python installer/build.py [--no-smoke]`. Needs the `build` extra (PyInstaller). A Windows
bundle must be built on Windows: PyInstaller does not cross-compile.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "counter-app"


def data_files() -> list[tuple[Path, str]]:
    """Everything the frozen app reads from disk: the one list to extend."""
    return [
        (ROOT / "resources", "resources"),
        (ROOT / "counter_app" / "store" / "migrations", "counter_app/store/migrations"),
        (ROOT / "counter_app" / "hub" / "migrations", "counter_app/hub/migrations"),
    ]


def metadata() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    sys.path.insert(0, str(ROOT))
    from counter_app import __version__

    return {"name": project["name"], "version": __version__, "description": project["description"]}


def build() -> Path:
    separator = ";" if os.name == "nt" else ":"
    command = [
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--onedir",
        "--name", NAME, "--distpath", str(ROOT / "dist"), "--workpath", str(ROOT / "build"),
        "--specpath", str(ROOT / "build"),
        "--collect-data", "holidays", "--collect-data", "babel",
        # Commands and GUI pages are imported by name at run time: collect them all.
        "--collect-submodules", "counter_app", "--collect-submodules", "ui",
        # reportlab loads its C helpers (rl-accel) by a name in a string: name it here.
        "--hidden-import", "_rl_accel",
        "--exclude-module", "tkinter", "--exclude-module", "numpy",
    ]  # fmt: skip
    for source, target in data_files():
        command += ["--add-data", f"{source}{separator}{target}"]
    command.append(str(ROOT / "installer" / "entry.py"))
    subprocess.run(command, check=True, cwd=ROOT)
    executable = ROOT / "dist" / NAME / (NAME + (".exe" if os.name == "nt" else ""))
    if not executable.exists():
        raise SystemExit(f"build produced no executable at {executable}")
    return executable


def smoke(executable: Path) -> None:
    """Start the frozen program headless: --version, a demo, verify; fail on stderr noise."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    with tempfile.TemporaryDirectory() as data_dir:
        for args in (
            ["--version"],
            ["demo", "--days", "3", "--data-dir", data_dir],
            ["verify", "--data-dir", data_dir],
        ):
            result = subprocess.run(
                [str(executable), *args], capture_output=True, text=True, env=env, timeout=300
            )
            if result.returncode != 0 or result.stderr.strip():
                raise SystemExit(f"smoke test {args[0]} failed: {result.stderr.strip()}")
            print(result.stdout.strip().splitlines()[0])


def main() -> int:
    parser = argparse.ArgumentParser(prog="python installer/build.py")
    parser.add_argument("--no-smoke", action="store_true")
    args = parser.parse_args()
    info = metadata()
    print(f"building {info['name']} {info['version']}")
    executable = build()
    if not args.no_smoke:
        smoke(executable)
    print(f"bundle: {executable.parent}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
