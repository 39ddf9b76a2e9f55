"""Compile the Windows installer (installer/windows/installer.nsi) with NSIS' makensis.

`python installer/build_installer.py [BUNDLE_DIR]` on the Windows build machine, after
`python installer/build.py` there: writes dist/counter-app-<version>-setup.exe from the
bundle (default dist/counter-app). Name, title and version come from pyproject.toml and
counter_app.__version__, passed to the script as defines.

`python installer/build_installer.py --layout-check` (CI on Linux): a Windows bundle cannot
be built here (PyInstaller does not cross-compile), so the script is compiled against a
stand-in folder laid out as the Windows bundle is (counter-app.exe, counter-app-gui.exe,
_internal/) with empty placeholder files. That checks the installer script (its syntax,
defines, pages, multi-user mode, the files it names) and not a Windows bundle; the
installer it writes holds nothing to run and is deleted.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "installer" / "windows" / "installer.nsi"


def project_defines() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    sys.path.insert(0, str(ROOT))
    from counter_app import __version__

    numbers = [int(part) for part in re.findall(r"\d+", __version__.split("+")[0])[:4]]
    title = project["description"].split(":")[0].strip()
    return {
        "APP_NAME": project["name"],
        "APP_TITLE": title,
        "APP_VERSION": __version__,
        "VERSION4": ".".join(str(n) for n in [*numbers, 0, 0, 0, 0][:4]),
    }


def windows_layout(folder: Path, name: str) -> Path:
    """A stand-in for the Windows bundle: its layout, with empty files."""
    files = (f"{name}.exe", f"{name}-gui.exe", "_internal/python311.dll",
             "_internal/base_library.zip", "_internal/resources/fonts/OFL.txt")  # fmt: skip
    for relative in files:
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    return folder


def compile_installer(bundle: Path, out_file: Path) -> None:
    makensis = shutil.which("makensis")
    if makensis is None:
        raise SystemExit("makensis not found: install NSIS (Debian: nsis; Windows: choco)")
    defines = {**project_defines(), "BUNDLE_DIR": str(bundle), "OUT_FILE": str(out_file)}
    # -WX: a warning fails the compile; -INPUTCHARSET: the script is UTF-8.
    command = [makensis, "-V2", "-WX", "-INPUTCHARSET", "UTF8"]
    command += [f"-D{key}={value}" for key, value in defines.items()]
    subprocess.run([*command, str(SCRIPT)], check=True)
    print(f"installer: {out_file} ({out_file.stat().st_size / 1e6:.1f} MB)")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python installer/build_installer.py")
    parser.add_argument("bundle", nargs="?", type=Path, default=ROOT / "dist" / "counter-app")
    parser.add_argument(
        "--layout-check", action="store_true", help="compile against a stand-in Windows layout"
    )
    args = parser.parse_args()
    name = project_defines()["APP_NAME"]
    if args.layout_check:
        with tempfile.TemporaryDirectory(prefix="nsis-check-") as temporary:
            folder = windows_layout(Path(temporary) / name, name)
            compile_installer(folder, Path(temporary) / "setup-check.exe")
        print("the installer script compiles (against a stand-in layout, not a Windows bundle)")
        return 0
    if not (args.bundle / f"{name}-gui.exe").exists():
        raise SystemExit(f"no Windows bundle at {args.bundle}: run installer/build.py on Windows")
    version = project_defines()["APP_VERSION"]
    compile_installer(args.bundle, ROOT / "dist" / f"{name}-{version}-setup.exe")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
