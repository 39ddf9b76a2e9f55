"""The GUI opens a data directory and lists its dossiers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pytestqt.qtbot import QtBot

from counter_app.domain.applicants import Person
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import SYSTEM_ACTOR
from ui.main_window import DossierDeskPage, MainWindow

PERSON = Person(name="Nguyễn Văn An", id_number="056090001234")


def _log_some(ctx: AppContext, n: int) -> list[str]:
    procedure = ctx.catalog.procedures[0].code
    return [intake(ctx, IntakeRequest(procedure, PERSON), SYSTEM_ACTOR).code for _ in range(n)]


def test_main_window_lists_the_dossiers(qtbot: QtBot, ctx: AppContext) -> None:
    codes = _log_some(ctx, 3)
    window = MainWindow(ctx, SYSTEM_ACTOR)
    qtbot.add_widget(window)
    window.show_page("dossiers")
    page = window.pages["dossiers"]
    assert isinstance(page, DossierDeskPage)
    model = page.desk.model
    qtbot.wait_until(lambda: model.rowCount() == 3)
    model.dossier_at(0)  # asks for the first page
    qtbot.wait_until(lambda: model.loaded_pages == 1)
    shown = {model.index(row, 0).data() for row in range(3)}
    assert shown == set(codes)
    assert model.index(0, 1).data() == "Nguyễn Văn An"


def test_gui_command_starts_and_quits(data_dir: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", COUNTER_APP_GUI_QUIT_AFTER_MS="300")
    result = subprocess.run(
        [sys.executable, "-m", "counter_app.cli", "gui", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_pages_of_other_screens_are_hosted(qtbot: QtBot, ctx: AppContext) -> None:
    from ui.main_window import PlaceholderPage
    from ui.pages import Page, register_page, registered_pages

    window = MainWindow(ctx, SYSTEM_ACTOR)
    qtbot.add_widget(window)
    keys = [page.key for page in registered_pages()]
    assert keys[:3] == ["intake", "dossiers", "returns"]
    assert not isinstance(window.pages["reports"], PlaceholderPage)  # the dashboard
    assert not isinstance(window.pages["sync"], PlaceholderPage)
    saved = {page.key: page for page in registered_pages()}
    try:
        register_page("sync", "Đồng bộ", lambda c, a: PlaceholderPage("thử"))
        window.rebuild()
        assert isinstance(window.pages["sync"], PlaceholderPage)
    finally:
        original: Page = saved["sync"]
        register_page(original.key, original.title, original.factory, order=original.order)
