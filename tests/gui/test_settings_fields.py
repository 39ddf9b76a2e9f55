"""The plain fields of Cài đặt are made from the settings' declarations."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QSpinBox

from counter_app.i18n import _
from counter_app.kernel.config import SCAN_FOLDER
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import SYSTEM_ACTOR
from ui.settings import ALL_SETTINGS, IDLE_LOCK_MINUTES, LANGUAGE, TEXT_SIZE
from ui.settings_view import SettingsView


def test_each_field_follows_its_declaration(qtbot: QtBot, ctx: AppContext) -> None:
    view = SettingsView(ctx, SYSTEM_ACTOR)
    qtbot.add_widget(view)
    form = view.findChild(QFormLayout)
    assert form is not None
    labels = []
    for row in range(form.rowCount()):
        item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
        label = item.widget() if item is not None else None
        assert isinstance(label, QLabel)
        labels.append(label.text())
    assert labels == [_(setting.title) for setting in (*ALL_SETTINGS, SCAN_FOLDER)]

    assert isinstance(view.language, QComboBox)
    assert [view.language.itemData(i) for i in range(view.language.count())] == list(
        LANGUAGE.choices
    )
    for spin, setting in ((view.text_size, TEXT_SIZE), (view.idle_minutes, IDLE_LOCK_MINUTES)):
        assert isinstance(spin, QSpinBox)
        assert (spin.minimum(), spin.maximum()) == (setting.minimum, setting.maximum)
        assert spin.value() == setting.default
    assert isinstance(view.scan_folder, QLineEdit)
    assert view.scan_folder.maxLength() == SCAN_FOLDER.max_length
    assert view.scan_folder.placeholderText() == _(SCAN_FOLDER.hint)
