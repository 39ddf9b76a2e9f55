"""The scan screen's 'Xuất PDF' button: the dossier's pages as one PDF, off the GUI thread."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from pytestqt.qtbot import QtBot
from scan_support import new_dossier

from PySide6.QtWidgets import QFileDialog

from counter_app.kernel.context import AppContext
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.scanning.devices import Registry
from counter_app.scanning.pages import attach_pages, clean_imported, list_pages
from counter_app.scanning.samples import text_page
from ui.scan_view import ScanView
from ui.tasks import default_runner


def make_view(qtbot: QtBot, ctx: AppContext, code: str) -> ScanView:
    view = ScanView(ctx, SYSTEM_ACTOR, code, registry_factory=lambda: Registry([]))
    qtbot.add_widget(view)
    qtbot.waitUntil(lambda: default_runner().pending == 0, timeout=20000)
    return view


def choose(monkeypatch: pytest.MonkeyPatch, target: Path, asked: list[str]) -> None:
    def fake(parent: object, caption: str, directory: str, filter: str) -> tuple[str, str]:
        asked.append(directory)
        return str(target), filter

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake))


def test_export_writes_every_page(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = new_dossier(ctx)
    pages = [clean_imported(text_page(100, seed=seed)) for seed in range(4)]
    attach_pages(ctx, code, pages[:3], SYSTEM_ACTOR, document=1)
    attach_pages(ctx, code, pages[3:], SYSTEM_ACTOR, document=2)
    view = make_view(qtbot, ctx, code)
    assert view.export_button.isEnabled()
    asked: list[str] = []
    choose(monkeypatch, tmp_path / "xuat", asked)  # no suffix: '.pdf' is added
    view.export_button.click()
    target = tmp_path / "xuat.pdf"
    qtbot.waitUntil(lambda: "4" in view.status.text() and target.exists(), timeout=20000)
    assert asked == [f"{code}.pdf"]
    assert len(PdfReader(io.BytesIO(target.read_bytes())).pages) == len(list_pages(ctx, code))
    assert not view.progress.isVisible()
    assert view.export_button.isEnabled()


def test_no_pages_disables_and_a_bad_target_says_why(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = new_dossier(ctx)
    view = make_view(qtbot, ctx, code)
    assert not view.export_button.isEnabled()  # nothing to export yet

    attach_pages(ctx, code, [clean_imported(text_page(100, seed=1))], SYSTEM_ACTOR, document=1)
    view.reload()
    qtbot.waitUntil(view.export_button.isEnabled, timeout=20000)
    target = tmp_path / "không-có" / "hồ sơ.pdf"
    choose(monkeypatch, target, [])
    view.export_button.click()
    qtbot.waitUntil(lambda: "PDF" in view.status.text() and "…" not in view.status.text())
    assert not target.exists()
    assert view.export_button.isEnabled()
    assert not view.cancel_button.isEnabled()
