"""The settings page shows the config.json keys nothing reads (obsolete or mistyped)."""

from __future__ import annotations

import json
from pathlib import Path

from pytestqt.qtbot import QtBot

from counter_app.kernel.config import CONFIG_FILE_NAME
from counter_app.kernel.context import AppContext, open_context
from counter_app.kernel.users import SYSTEM_ACTOR
from tests.conftest import make_data_dir
from ui.settings_view import SettingsView


def test_settings_page_says_which_config_keys_nothing_reads(qtbot: QtBot, tmp_path: Path) -> None:
    """An obsolete or mistyped key is shown to whoever opens Cài đặt, not only logged."""
    data_dir = make_data_dir(tmp_path)
    path = data_dir / CONFIG_FILE_NAME
    saved = json.loads(path.read_text("utf-8"))
    saved["reports"] = {"online_target_percent": 50}
    saved["sync_interval_secnods"] = 60
    path.write_text(json.dumps(saved), "utf-8")
    with open_context(data_dir) as ctx:
        view = SettingsView(ctx, SYSTEM_ACTOR)
        qtbot.add_widget(view)
        text = view.config_warnings.text()
        assert not view.config_warnings.isHidden()
        assert "online_target_percent" in text and "sync_interval_secnods" in text
        assert len(text.splitlines()) == 2


def test_a_clean_config_shows_no_warning_line(qtbot: QtBot, ctx: AppContext) -> None:
    view = SettingsView(ctx, SYSTEM_ACTOR)
    qtbot.add_widget(view)
    assert view.config_warnings.isHidden()
