"""Check that every runtime dependency installs on a Windows counter PC, from Linux.

`python installer/check_windows_deps.py [--python-version 3.11] [--extra postgres]...`
asks pip to resolve the dependencies of pyproject.toml (read here, so the list never
drifts) as win_amd64 wheels only (`pip download --only-binary=:all: --platform win_amd64`):
a dependency without a Windows wheel for the supported Python fails the check, before a
Windows build machine ever meets it. The `sane` extra is Linux-only (Windows scans through
WIA/TWAIN) and never checked here.

Environment markers of pyproject.toml's own requirements are evaluated for Windows here
(`tzdata; sys_platform == 'win32'` is checked); those of the dependencies' dependencies are
evaluated by pip for the machine it runs on, so a Windows-only sub-dependency is not.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINUX_ONLY_EXTRAS = frozenset({"sane"})
DEFAULT_EXTRAS = ("postgres", "build")  # a counter on PostgreSQL; PyInstaller on the builder


def windows_marker_holds(marker: str, python_version: str) -> bool:
    """Whether a requirement's marker holds on Windows (the common forms; else it does)."""
    environment = {
        "sys_platform": "win32",
        "platform_system": "Windows",
        "os_name": "nt",
        "python_version": python_version,
    }
    try:
        from packaging.markers import Marker
    except ImportError:  # no packaging: the plain `name == 'value'` forms
        for name, operator, value in re.findall(r"(\w+)\s*(==|!=)\s*['\"]([^'\"]*)['\"]", marker):
            if name in environment and (environment[name] == value) != (operator == "=="):
                return False
        return True
    return Marker(marker).evaluate(environment)


def requirements(extras: tuple[str, ...], python_version: str) -> list[str]:
    """The project's runtime requirements for Windows, markers evaluated and dropped."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    listed = list(project["dependencies"])
    optional = project.get("optional-dependencies", {})
    for extra in extras:
        if extra in LINUX_ONLY_EXTRAS:
            raise SystemExit(f"the {extra} extra is Linux-only")
        listed += optional[extra]
    result = []
    for requirement in listed:
        spec, _semicolon, marker = requirement.partition(";")
        if marker.strip() and not windows_marker_holds(marker.strip(), python_version):
            continue
        if spec.strip().startswith(project["name"]):
            continue  # an extra naming other extras of the project itself
        result.append(spec.strip())
    return result


def main() -> int:
    parser = argparse.ArgumentParser(prog="python installer/check_windows_deps.py")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lowest = re.search(r">=\s*(\d+\.\d+)", project["requires-python"])
    parser.add_argument("--python-version", default=lowest.group(1) if lowest else "3.11")
    parser.add_argument("--extra", action="append", help=f"default: {', '.join(DEFAULT_EXTRAS)}")
    args = parser.parse_args()
    extras = tuple(args.extra) if args.extra else DEFAULT_EXTRAS
    wanted = requirements(extras, args.python_version)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="win-wheels-") as folder:
        command = [
            sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:",
            "--platform", "win_amd64", "--python-version", args.python_version,
            "--implementation", "cp", "--dest", folder, *wanted,
        ]  # fmt: skip
        done = subprocess.run(command, check=False)
        wheels = sorted(path.name for path in Path(folder).glob("*.whl"))
    if done.returncode != 0:
        print(f"win_amd64 check failed for Python {args.python_version}: see pip's message above")
        return 1
    print(
        f"win_amd64, Python {args.python_version}: {len(wanted)} requirements resolve to "
        f"{len(wheels)} wheels ({time.perf_counter() - started:.0f} s)"
    )
    for wheel in wheels:
        print(f"  {wheel}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
