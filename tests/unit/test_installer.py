"""The shipping scripts' rules (installer/): what the bundle leaves out, the Windows checks.

The bundle itself is built and smoke-tested by .ci/run (`python installer/build.py`), not
here: it takes minutes.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

INSTALLER = Path(__file__).resolve().parents[2] / "installer"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"installer_{name}", INSTALLER / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load("build")
smoke = _load("smoke")
windows_deps = _load("check_windows_deps")
build_installer = _load("build_installer")


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/plugins/platforms/qwindows.dll", True),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", False),
        ("PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so", False),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", True),
        ("PySide6/Qt/plugins/imageformats/libqwebp.so", False),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/printsupport/libcupsprintersupport.so", True),
        ("PySide6/Qt/translations/qtbase_en.qm", True),
        ("PySide6/Qt/translations/qtbase_de.qm", False),
        ("PySide6/Qt/translations/designer_en.qm", True),
        ("PySide6/opengl32sw.dll", False),
        ("PySide6/Qt/lib/libQt6WaylandClient.so.6", False),
        ("PySide6/Qt/lib/libQt6Pdf.so.6", True),
        ("babel/locale-data/vi.dat", True),
        ("babel/locale-data/root.dat", True),
        ("babel/locale-data/fr.dat", False),
        ("babel/global.dat", True),
        ("holidays/locale/vi/LC_MESSAGES/VN.mo", True),
        ("holidays/locale/vi/LC_MESSAGES/US.mo", False),
        ("libsane.so.1", False),
        ("libX11.so.6", False),
        ("libpython3.11.so.1.0", True),
        ("pillow.libs/libxcb-9065bb12.so.1.1.0", True),  # a wheel's own copy stays
        ("resources/fonts/NotoSans-Regular.ttf", True),
    ],
)
def test_bundle_keeps_only_what_the_counter_uses(
    dest: str, kept: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    assert build.keep_file(dest) is kept


def test_postgres_driver_only_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(build.POSTGRES_ENV, raising=False)
    assert "psycopg" in build.excluded_modules()
    monkeypatch.setenv(build.POSTGRES_ENV, "1")
    assert "psycopg" not in build.excluded_modules()
    assert {"pytest", "fastapi", "hypothesis"} <= set(build.excluded_modules())


@pytest.mark.parametrize(
    ("item", "kept"),
    [
        ("coll/vi.res", True),
        ("coll/root.res", True),
        ("coll/ucadata.icu", True),
        ("coll/de.res", False),
        ("coll/de__PHONEBOOK.res", False),
        ("vi_VN.res", True),
        ("en_GB.res", True),
        ("zh_Hant_TW.res", False),
        ("res_index.res", True),
        ("lang/pool.res", True),
        ("supplementalData.res", True),
        ("zoneinfo64.res", True),
        ("ibm-1258_P100-1997.cnv", False),
        ("cnvalias.icu", True),
        ("brkitr/thaidict.dict", False),
        ("brkitr/line.brk", True),
        ("translit/root.res", False),
        ("nfkc.nrm", True),
    ],
)
def test_icu_data_keeps_vietnamese_and_english(item: str, kept: bool) -> None:
    assert build.icu_item_kept(item) is kept


def test_unused_qt_libraries_are_pruned(monkeypatch: pytest.MonkeyPatch) -> None:
    """A library that no kept file names goes; one named through another stays."""
    needs = {
        "/src/QtWidgets.abi3.so": {"libQt6Widgets.so.6"},
        "/src/libQt6Widgets.so.6": {"libQt6Gui.so.6"},
        "/src/libQt6Gui.so.6": set(),
        "/src/libQt6OpenGL.so.6": {"libQt6Gui.so.6"},
        "/src/libgtk-3.so.0": set(),
    }
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(build.shutil, "which", lambda tool: "/bin/" + tool)
    monkeypatch.setattr(build, "_needed", lambda path: needs[path])
    binaries = [
        ("PySide6/QtWidgets.abi3.so", "/src/QtWidgets.abi3.so", "EXTENSION"),
        ("PySide6/Qt/lib/libQt6Widgets.so.6", "/src/libQt6Widgets.so.6", "BINARY"),
        ("PySide6/Qt/lib/libQt6Gui.so.6", "/src/libQt6Gui.so.6", "BINARY"),
        ("PySide6/Qt/lib/libQt6OpenGL.so.6", "/src/libQt6OpenGL.so.6", "BINARY"),
        ("libgtk-3.so.0", "/src/libgtk-3.so.0", "BINARY"),
    ]
    kept = [dest for dest, _source, _kind in build.prune_libraries(binaries)]
    assert kept == [
        "PySide6/QtWidgets.abi3.so",
        "PySide6/Qt/lib/libQt6Widgets.so.6",
        "PySide6/Qt/lib/libQt6Gui.so.6",
    ]


def test_windows_requirements_come_from_pyproject() -> None:
    wanted = windows_deps.requirements(("postgres",), "3.11")
    assert any(requirement.startswith("PySide6-Essentials") for requirement in wanted)
    assert any(requirement.startswith("tzdata") for requirement in wanted)  # win32 marker
    assert any(requirement.startswith("psycopg") for requirement in wanted)
    assert not any("sane" in requirement for requirement in wanted)
    with pytest.raises(SystemExit):
        windows_deps.requirements(("sane",), "3.11")


def test_windows_marker_evaluation() -> None:
    assert windows_deps.windows_marker_holds("sys_platform == 'win32'", "3.11")
    assert not windows_deps.windows_marker_holds("sys_platform == 'linux'", "3.11")
    assert not windows_deps.windows_marker_holds("platform_system != 'Windows'", "3.11")


def test_installer_defines_from_pyproject() -> None:
    defines = build_installer.project_defines()
    assert defines["APP_NAME"] == "counter-app"
    assert defines["APP_TITLE"] == "Quầy Một Cửa"
    assert len(defines["VERSION4"].split(".")) == 4
    assert defines["VERSION4"].startswith(defines["APP_VERSION"].split("+")[0].split("-")[0])


def test_smoke_reads_pdf_pages() -> None:
    page = b"1 0 obj\n<< /Type /Page /Parent 2 0 R >>\nendobj\n"
    pages = b"2 0 obj\n<< /Type /Pages /Count 2 >>\nendobj\n"
    assert smoke.pdf_pages(b"%PDF-1.4\n" + pages + page * 2 + b"%%EOF\n") == 2
    assert smoke.pdf_pages(b"not a pdf %%EOF") == 0
    assert smoke.pdf_pages(b"%PDF-1.4\n" + page) == 0  # cut short: no end marker
