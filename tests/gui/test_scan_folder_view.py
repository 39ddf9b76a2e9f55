"""'Lấy từ thư mục quét' on the scan screen and the scan folder in Cài đặt, on real pools."""

from __future__ import annotations

import json
from pathlib import Path

from pytestqt.qtbot import QtBot
from scan_support import new_dossier

from counter_app.kernel.config import CONFIG_FILE_NAME
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.maintenance.service import verify
from counter_app.scanning.devices import Registry
from counter_app.scanning.folder import set_scan_folder
from counter_app.scanning.pages import list_pages
from counter_app.scanning.samples import text_page
from ui.scan_view import ScanView
from ui.settings_view import SettingsView
from ui.tasks import default_runner

TIMEOUT = 20000


def wait_idle(qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: default_runner().pending == 0, timeout=TIMEOUT)


def open_view(qtbot: QtBot, ctx: AppContext, code: str) -> ScanView:
    view = ScanView(ctx, SYSTEM_ACTOR, code, registry_factory=lambda: Registry([]))
    qtbot.add_widget(view)
    wait_idle(qtbot)
    return view


def test_pages_arriving_in_the_folder_are_attached(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    code = new_dossier(ctx)
    folder = tmp_path / "scans"
    folder.mkdir()
    set_scan_folder(ctx, SYSTEM_ACTOR, folder)
    view = open_view(qtbot, ctx, code)
    view.document.setCurrentIndex(1)  # the second checklist line
    view.folder_button.click()
    assert view.cancel_button.isEnabled()
    assert not view.folder_button.isEnabled()

    with qtbot.wait_signal(view.pages_changed, timeout=TIMEOUT):
        text_page(100, seed=1).save(folder / "0001.png")
    qtbot.waitUntil(lambda: view.pages.count() == 1, timeout=TIMEOUT)
    assert [page.document for page in list_pages(ctx, code)] == [2]
    assert (folder / "done" / "0001.png").exists()

    (folder / "0002.jpg").write_bytes(b"\xff\xd8\xff not a picture")
    qtbot.waitUntil(lambda: "0002.jpg" in view.status.text(), timeout=TIMEOUT)
    assert (folder / "rejected" / "0002.jpg").exists()

    with qtbot.wait_signal(view.pages_changed, timeout=TIMEOUT):
        text_page(100, seed=2).save(folder / "0003.png")
    with qtbot.wait_signal(view.pages_changed, timeout=TIMEOUT):
        view.cancel_button.click()  # stops watching; the pages stay
    wait_idle(qtbot)
    assert view.folder_button.isEnabled()
    assert "2" in view.status.text()
    assert [page.position for page in list_pages(ctx, code)] == [1, 2]
    report = verify(ctx)
    assert report.problems == ()
    assert report.pages == 2


def test_no_folder_or_a_missing_folder_says_so(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    code = new_dossier(ctx)
    view = open_view(qtbot, ctx, code)
    view.folder_button.click()
    qtbot.waitUntil(lambda: "Chưa cấu hình thư mục quét" in view.status.text(), timeout=TIMEOUT)
    assert view.folder_button.isEnabled()

    folder = tmp_path / "share"
    folder.mkdir()
    set_scan_folder(ctx, SYSTEM_ACTOR, folder)
    folder.rmdir()  # the network drive went away
    view.folder_button.click()
    qtbot.waitUntil(lambda: "không tồn tại" in view.status.text(), timeout=TIMEOUT)
    assert view.folder_button.isEnabled()
    assert list_pages(ctx, code) == []


def test_settings_page_sets_the_scan_folder(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    view = SettingsView(ctx, SYSTEM_ACTOR)
    qtbot.add_widget(view)
    assert view.scan_folder.text() == ""
    view.scan_folder.setText(str(tmp_path / "missing"))
    view.save_button.click()
    qtbot.waitUntil(lambda: "không tồn tại" in view.status.text(), timeout=TIMEOUT)
    saved = json.loads((ctx.data_dir / CONFIG_FILE_NAME).read_text("utf-8"))
    assert "scan_folder" not in saved

    folder = tmp_path / "scans"
    folder.mkdir()
    view.scan_folder.setText(str(folder))
    view.save_button.click()
    qtbot.waitUntil(lambda: view.status.text() == "Đã lưu cài đặt.", timeout=TIMEOUT)
    saved = json.loads((ctx.data_dir / CONFIG_FILE_NAME).read_text("utf-8"))
    assert saved["scan_folder"] == str(folder)
    assert SettingsView(ctx, SYSTEM_ACTOR).scan_folder.text() == str(folder)
