"""The scan screen on a real thread pool, with a scanner that hands over synthetic pages."""

from __future__ import annotations

from collections.abc import Iterator

from PIL import Image
from pytestqt.qtbot import QtBot
from scan_support import new_dossier

from counter_app.kernel.context import AppContext
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.scanning.devices import CancelToken, DeviceInfo, Registry, ScanRequest
from counter_app.scanning.pages import list_pages
from counter_app.scanning.samples import text_page
from ui.scan_view import ScanView
from ui.tasks import default_runner

INFO = DeviceInfo(name="loop:0", backend="loop", model="Máy quét thử")


class LoopScanner:
    info = INFO

    def scan(self, request: ScanRequest, cancel: CancelToken) -> Iterator[Image.Image]:
        for index in range(request.pages or 1):
            cancel.raise_if_cancelled()
            yield text_page(100, seed=index)

    def close(self) -> None:
        pass


class LoopBackend:
    name = "loop"

    def available(self) -> bool:
        return True

    def devices(self) -> list[DeviceInfo]:
        return [INFO]

    def open(self, name: str) -> LoopScanner:
        return LoopScanner()


def wait_idle(qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: default_runner().pending == 0, timeout=20000)


def test_scan_then_manage_pages(qtbot: QtBot, ctx: AppContext) -> None:
    code = new_dossier(ctx)
    view = ScanView(ctx, SYSTEM_ACTOR, code, registry_factory=lambda: Registry([LoopBackend()]))
    qtbot.add_widget(view)
    wait_idle(qtbot)
    assert view.device.count() == 1
    assert view.document.count() >= 2
    view.count.setValue(3)
    with qtbot.wait_signal(view.pages_changed, timeout=20000):
        view.scan_button.click()
    wait_idle(qtbot)
    assert view.pages.count() == 3
    assert [p.document for p in list_pages(ctx, code)] == [1, 1, 1]

    view.pages.setCurrentRow(0)
    with qtbot.wait_signal(view.pages_changed, timeout=20000):
        view.rotate_button.click()
    wait_idle(qtbot)
    assert list_pages(ctx, code)[0].rotation == 90

    view.pages.setCurrentRow(2)
    view.move_target.setCurrentIndex(1)
    with qtbot.wait_signal(view.pages_changed, timeout=20000):
        view.move_button.click()
    wait_idle(qtbot)
    assert sorted(p.document for p in list_pages(ctx, code)) == [1, 1, 2]
    assert view.pages.count() == 2

    view.pages.setCurrentRow(0)
    with qtbot.wait_signal(view.pages_changed, timeout=20000):
        view.delete_button.click()
    wait_idle(qtbot)
    assert len(list_pages(ctx, code)) == 2
