"""Build the one-folder bundle into dist/counter-app/, check its size, and smoke-test it.

`python installer/build.py [--no-smoke] [--skip-scan] [--max-mb N] [--with-postgres]`.
Needs the `build` extra (PyInstaller); on Linux also readelf and strip (binutils), gcc and
icupkg (icu-devtools), to cut Qt's ICU data down. A Windows bundle must be built on
Windows: PyInstaller does not cross-compile (.github/workflows/windows.yml builds it, then
the installer: installer/build_installer.py). installer/smoke.py is the frozen smoke test.

The bundle carries what a counter PC runs, no more: the core dependencies, python-sane on
Linux when the `sane` extra is installed, and PostgreSQL's driver only with
`--with-postgres` (counters sharing a PostgreSQL database). It leaves out the province's
hub server (fastapi, uvicorn: `pip install counter-app[hub]` on the hub machine;
`counter-app hub serve` in the bundle says so), whatever only the tests use, the Qt plugins
the program never loads, the locale data of languages it does not speak, and on Linux the
libraries of the desktop itself (`HOST_LIBRARIES`). `installer/counter-app.spec` applies
the lists below.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
NAME = "counter-app"
GUI_NAME = "counter-app-gui"  # Windows only: the windowed program the shortcuts start
# Decimal megabytes (10**6 bytes) of the dist/counter-app folder on Linux. A Windows bundle
# is reported, not held to it (two programs, no system ICU to leave out: not yet measured).
MAX_BUNDLE_MB = 150

# Python packages the counter never imports at run time: the tests' tools, the hub server
# (optional extra `hub`), build tools. Excluding a package excludes its submodules.
EXCLUDED_MODULES: tuple[str, ...] = (
    # tests and checks
    "pytest", "_pytest", "pytestqt", "hypothesis", "schemathesis", "mypy", "mypyc",
    "ast_serialize", "ruff", "pypdf", "trio", "pygments", "rich", "IPython",
    # the province's hub server
    "fastapi", "starlette", "uvicorn", "pydantic", "pydantic_core", "yaml", "click",
    "opentelemetry", "watchfiles", "websockets", "httptools", "uvloop", "jinja2",
    # build tools and what nothing here uses
    "setuptools", "pkg_resources", "_distutils_hack", "distutils", "pip", "wheel",
    "PyInstaller", "tkinter", "numpy", "lib2to3", "pydoc_data", "ensurepip", "idlelib",
    "lxml.objectify", "lxml.html", "lxml.isoschematron", "lxml.cssselect",
    # the standard library's own tests and terminal modules (not the East Asian codecs:
    # segno tries Shift JIS on every text that is not Latin-1)
    "_testcapi", "_testinternalcapi", "_testbuffer", "_testmultiphase", "_testclinic",
    "_testimportmultiple", "_xxtestfuzz", "_ctypes_test", "_curses", "_curses_panel",
    "curses", "readline", "_tkinter", "test",
    # Pillow's AVIF codec (5 MB of libraries): no scanner or citizen sends AVIF; its text
    # rendering (FreeType, HarfBuzz: 3 MB): the program draws no text with Pillow
    "PIL._avif", "PIL.AvifImagePlugin", "PIL._imagingft",
    # Qt modules the program does not import (QtPdf needs Qt's network library, not these)
    "PySide6.QtNetwork", "PySide6.QtDBus", "PySide6.QtOpenGL", "PySide6.QtQml",
    "PySide6.QtQuick", "PySide6.QtWebEngineCore", "PySide6.QtMultimedia", "PySide6.Qt3DCore",
)  # fmt: skip

# Qt plugins kept, by plugin type: the file's stem without "lib" (Linux) or "d" suffixes.
# A type not listed is left out whole (Wayland, EGLFS, evdev input, network information,
# TLS, SQL drivers, multimedia...): the program uses xcb or Windows, prints through CUPS or
# the Windows spooler, and shows PNG, JPEG, SVG and ICO images (scanned TIFF pages are
# shown as PNG made by Pillow). Widgets draw without OpenGL: no xcb GL integration.
QT_PLUGINS: dict[str, frozenset[str] | None] = {
    "platforms": frozenset({"qxcb", "qoffscreen", "qminimal", "qwindows"}),
    "platforminputcontexts": None,  # IBus and compose keys: Vietnamese typing on Linux
    "imageformats": frozenset({"qjpeg", "qsvg", "qico"}),  # PNG is built in
    "iconengines": None,
    "printsupport": None,
    "styles": None,  # Windows' native styles
    "platformthemes": frozenset({"qxdgdesktopportal"}),  # not GTK's: 10 MB of GTK libraries
}
# Wayland and EGLFS (Linux), Mesa's software OpenGL (Windows, 20 MB): widgets need no GL.
QT_LIBRARIES_LEFT_OUT = ("Qt6Wayland", "Qt6Wl", "Qt6EglFS", "Qt6EglFs", "opengl32sw")
KEPT_LANGUAGES = ("en", "vi")
BABEL_LOCALES = frozenset({"root", "en", "en_001", "en_GB", "vi", "vi_VN"})
HOLIDAY_COUNTRIES = frozenset({"VN"})
# Linux: libraries at the bundle's top level that the system provides, as it does for any
# desktop program: the SANE library (it loads its device backends from the system's own
# folder, so it must be the system's), X11/xcb, GLib, fontconfig, D-Bus, CUPS and what they
# use. The Linux bundle runs where the packages of .ci/run's apt line are installed; Qt
# itself, Python and the wheels' own libraries are in the bundle.
HOST_LIBRARIES = (
    "libsane.so", "libX11", "libxcb", "libXau", "libXdmcp", "libXext", "libXrender",
    "libxkbcommon", "libglib-2.0", "libgobject-2.0", "libgio-2.0", "libgmodule-2.0",
    "libgthread-2.0", "libfontconfig", "libfreetype", "libpng16", "libharfbuzz",
    "libgraphite2", "libexpat", "libdbus-1", "libsystemd", "libcap", "libgcrypt",
    "libgpg-error", "liblz4", "libzstd", "libcups", "libavahi", "libgnutls", "libp11-kit",
    "libunistring", "libidn2", "libtasn1", "libnettle", "libhogweed", "libgmp", "libkrb5",
    "libk5crypto", "libgssapi_krb5", "libcom_err", "libkeyutils", "libpcre2", "libbrotli",
    "libmount", "libblkid", "libselinux", "libuuid", "libbsd", "libmd", "libstdc++",
    "libgcc_s", "libssl.so", "libcrypto.so",  # OpenSSL 3 with the system's security fixes
)  # fmt: skip
POSTGRES_MODULES = ("psycopg", "psycopg_binary", "psycopg_c", "psycopg_pool")
POSTGRES_ENV = "COUNTER_APP_BUNDLE_POSTGRES"  # "1": the bundle carries PostgreSQL's driver


def excluded_modules() -> list[str]:
    """What the analysis leaves out. PostgreSQL's driver (10 MB with its libraries) only on
    request (`--with-postgres`): a counter on SQLite, the default, never loads it."""
    extra = () if os.environ.get(POSTGRES_ENV) == "1" else POSTGRES_MODULES
    return [*EXCLUDED_MODULES, *extra]


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


def _stem(name: str) -> str:
    stem = PurePosixPath(name).name.split(".")[0]
    return stem[3:] if stem.startswith("lib") else stem


def keep_file(dest: str) -> bool:
    """Whether a file of the analysis goes into the bundle, by its path inside it."""
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    if "plugins" in parts and parts[0] == "PySide6":
        at = parts.index("plugins")
        if len(parts) > at + 2:
            kept = QT_PLUGINS.get(parts[at + 1], frozenset())
            return kept is None or _stem(parts[-1]) in kept
    if parts[0] == "PySide6" and "translations" in parts and parts[-1].endswith(".qm"):
        languages = "|".join(KEPT_LANGUAGES)
        return re.search(rf"_({languages})(_[A-Za-z]+)?\.qm$", parts[-1]) is not None
    if _stem(parts[-1]).startswith(QT_LIBRARIES_LEFT_OUT):
        return False
    if parts[:2] == ("babel", "locale-data") and parts[-1].endswith(".dat"):
        return parts[-1][: -len(".dat")] in BABEL_LOCALES
    if parts[:2] == ("holidays", "locale") and parts[-1].endswith(".mo"):
        return parts[-1][: -len(".mo")] in HOLIDAY_COUNTRIES
    host = len(parts) == 1 and parts[0].startswith(HOST_LIBRARIES)
    return not (sys.platform.startswith("linux") and host)


def _needed(path: str) -> set[str]:
    """The shared libraries an ELF file names (DT_NEEDED)."""
    done = subprocess.run(
        ["readelf", "-d", path], capture_output=True, text=True, check=False, env={"LC_ALL": "C"}
    )
    return set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", done.stdout))


Toc = list[tuple[str, str, str]]


def prune_libraries(binaries: Toc) -> Toc:
    """Linux: drop the system libraries that only left-out files needed (the GTK theme's
    GTK, the SANE library's XML and ICU...). A library at the bundle's top level that no
    kept file names, directly or through another, goes; Python's own library stays (the
    bootloader opens it by name)."""
    if not sys.platform.startswith("linux") or shutil.which("readelf") is None:
        return binaries

    def dependency(dest: str) -> bool:
        top = "/" not in dest and dest.startswith("lib") and not dest.startswith("libpython")
        return top or dest.startswith("PySide6/Qt/lib/")  # Qt's: OpenGL when nothing uses it

    needed = {dest: _needed(source) for dest, source, _kind in binaries}
    reached: set[str] = set()
    todo = [dest for dest, _source, _kind in binaries if not dependency(dest)]
    by_name = {PurePosixPath(dest).name: dest for dest, _source, _kind in binaries}
    while todo:
        dest = todo.pop()
        if dest in reached:
            continue
        reached.add(dest)
        todo.extend(by_name[name] for name in needed.get(dest, ()) if name in by_name)
    return [entry for entry in binaries if entry[0] in reached]


_LOCALE_ID = re.compile(r"^[a-z]{2,3}(_[A-Za-z0-9]+)*$")


def icu_item_kept(item: str) -> bool:
    """Whether an item of ICU's data package stays: Qt uses ICU for collation, case mapping
    and normalisation in Vietnamese and English. Out: the other languages' locale data,
    legacy character sets (*.cnv; UTF-8 and UTF-16 are built in), the CJK, Thai, Lao,
    Khmer and Burmese word dictionaries, transliteration, StringPrep and spoof checks."""
    name = item.rsplit("/", 1)[-1]
    stem, _dot, kind = name.rpartition(".")
    if kind in ("cnv", "dict", "spp", "cfu") or item.startswith("translit/"):
        return False
    if item.startswith("coll/") and (stem.endswith("_") or "__" in stem):
        return False  # German phone-book and traditional Spanish collation
    if kind == "res" and stem not in ("root", "pool", "res_index") and _LOCALE_ID.match(stem):
        return stem.split("_")[0] in KEPT_LANGUAGES
    return True


# A line of `readelf -S`: [Nr] Name Type Address Offset Size ...
_SECTION = re.compile(r"\s*\[\s*\d+\]\s+\S+\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)")


def _elf_symbol(path: Path, symbol: str) -> tuple[int, int] | None:
    """The file offset and size of a data symbol of an ELF shared library."""
    symbols = subprocess.run(
        ["readelf", "-W", "--dyn-syms", str(path)], capture_output=True, text=True, check=True
    ).stdout
    found = re.search(
        rf":\s+([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s+OBJECT\s.*\s{symbol}$", symbols, re.M
    )
    if found is None:
        return None
    address, size = int(found.group(1), 16), int(found.group(2), 0)
    sections = subprocess.run(
        ["readelf", "-W", "-S", str(path)], capture_output=True, text=True, check=True
    ).stdout
    for line in sections.splitlines():
        fields = _SECTION.match(line)
        if fields:
            start, offset, length = (int(value, 16) for value in fields.groups())
            if start <= address < start + length:
                return address - start + offset, size
    return None


def trimmed_icu_library(source: Path, workdir: Path) -> Path | None:
    """Qt's libicudata.so.NN rebuilt with `icu_item_kept` items only (32 MB -> 4 MB); None
    where the tools (icupkg of icu-devtools, gcc, readelf) are missing."""
    version = re.search(r"libicudata\.so\.(\d+)", source.name)
    if version is None or not all(shutil.which(tool) for tool in ("icupkg", "gcc", "readelf")):
        return None
    symbol = f"icudt{version.group(1)}_dat"
    located = _elf_symbol(source, symbol)
    if located is None:
        return None
    offset, size = located
    workdir.mkdir(parents=True, exist_ok=True)
    # icupkg takes the package's name from the file's: icudt73l (l: little-endian ASCII).
    full, trimmed = workdir / f"icudt{version.group(1)}l.dat", workdir / "out" / "icudt.dat"
    trimmed = trimmed.with_name(full.name)
    trimmed.parent.mkdir(exist_ok=True)
    with source.open("rb") as handle:
        handle.seek(offset)
        full.write_bytes(handle.read(size))
    items = subprocess.run(
        ["icupkg", "-l", str(full)], capture_output=True, text=True, check=True
    ).stdout.split()
    removed = workdir / "removed.lst"
    removed.write_text("".join(f"{item}\n" for item in items if not icu_item_kept(item)))
    trimmed.unlink(missing_ok=True)
    subprocess.run(
        ["icupkg", "--ignore-deps", "-r", str(removed), str(full), str(trimmed)],
        check=True,
        capture_output=True,
    )
    assembly = workdir / "icudata.S"
    assembly.write_text(
        '\t.section .note.GNU-stack,"",%progbits\n\t.section .rodata\n\t.balign 16\n'
        f"\t.globl {symbol}\n\t.type {symbol},%object\n"
        f"\t.size {symbol},{trimmed.stat().st_size}\n{symbol}:\n"
        f'\t.incbin "{trimmed}"\n'
    )
    library = workdir / source.name
    subprocess.run(
        ["gcc", "-shared", "-nostdlib", f"-Wl,-soname,{source.name}", "-Wl,-z,noexecstack",
         "-o", str(library), str(assembly)],
        check=True,
    )  # fmt: skip
    return library


def trim_icu(binaries: Toc) -> Toc:
    """Linux: Qt's ICU data replaced by `trimmed_icu_library`'s (same name, same symbol)."""
    if not sys.platform.startswith("linux"):
        return binaries
    result = []
    for dest, source, kind in binaries:
        if PurePosixPath(dest).name.startswith("libicudata.so."):
            library = trimmed_icu_library(Path(source), ROOT / "build" / "icu")
            if library is None:
                print("warning: ICU data not trimmed (needs icupkg, gcc, readelf)")
            else:
                source = str(library)
        result.append((dest, source, kind))
    return result


def lean(binaries: Toc, datas: Toc) -> tuple[Toc, Toc]:
    """The analysis' binaries and data files less what the counter does not use."""
    binaries = prune_libraries([entry for entry in binaries if keep_file(entry[0])])
    binaries = trim_icu(binaries)
    kept = {dest for dest, _source, _kind in binaries}
    datas = [
        (dest, source, kind)
        for dest, source, kind in datas
        if keep_file(dest) and (kind != "SYMLINK" or source.replace("\\", "/") in kept)
    ]
    return binaries, datas


def bundle_bytes(folder: Path) -> int:
    """Bytes of the files in the folder (symbolic links count as nothing)."""
    return sum(
        path.lstat().st_size
        for path in folder.rglob("*")
        if path.is_file() and not path.is_symlink()
    )


def largest(folder: Path, count: int = 8) -> Iterable[tuple[int, Path]]:
    """The folder's biggest entries at the top and in `_internal`, for the build's report."""
    tops = [*folder.iterdir(), *(folder / "_internal").iterdir()]
    sizes = []
    for path in tops:
        if path.name == "_internal":
            continue
        size = bundle_bytes(path) if path.is_dir() else path.lstat().st_size
        sizes.append((size, path.relative_to(folder)))
    return sorted(sizes, reverse=True)[:count]


def build() -> Path:
    subprocess.run(
        [
            # No --clean: PyInstaller's cache of stripped binaries (keyed by content) is reused.
            sys.executable, "-m", "PyInstaller", "--noconfirm",
            "--distpath", str(ROOT / "dist"), "--workpath", str(ROOT / "build"),
            str(ROOT / "installer" / "counter-app.spec"),
        ],
        check=True,
        cwd=ROOT,
    )  # fmt: skip
    executable = ROOT / "dist" / NAME / (NAME + (".exe" if os.name == "nt" else ""))
    if not executable.exists():
        raise SystemExit(f"build produced no executable at {executable}")
    return executable


def report_size(bundle: Path, limit_mb: float | None) -> None:
    """Print the bundle's size and its biggest parts; fail when over the limit."""
    size = bundle_bytes(bundle)
    limit = f"limit {limit_mb:g} MB" if limit_mb is not None else "no limit on this system"
    print(f"bundle size: {size / 1e6:.1f} MB ({size / 2**20:.1f} MiB), {limit}")
    for part_size, part in largest(bundle):
        print(f"  {part_size / 1e6:6.1f} MB  {part}")
    if limit_mb is not None and size > limit_mb * 1e6:
        raise SystemExit(f"bundle is {size / 1e6:.1f} MB, over the {limit_mb:g} MB limit")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python installer/build.py")
    parser.add_argument("--no-smoke", action="store_true", help="skip the frozen smoke test")
    parser.add_argument("--skip-scan", action="store_true", help="smoke test without scanning")
    parser.add_argument(
        "--max-mb", type=float, help=f"size limit in MB (default on Linux: {MAX_BUNDLE_MB})"
    )
    parser.add_argument(
        "--with-postgres", action="store_true", help="carry PostgreSQL's driver (extra postgres)"
    )
    args = parser.parse_args()
    if args.with_postgres:
        os.environ[POSTGRES_ENV] = "1"
    info = metadata()
    print(f"building {info['name']} {info['version']}")
    executable = build()
    linux = sys.platform.startswith("linux")
    report_size(executable.parent, args.max_mb or (MAX_BUNDLE_MB if linux else None))
    if not args.no_smoke:
        sys.path.insert(0, str(ROOT / "installer"))
        from smoke import run_smoke

        run_smoke(executable, skip_scan=args.skip_scan)
    print(f"bundle: {executable.parent}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
