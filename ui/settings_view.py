"""Cài đặt: language, text size and the idle lock of this counter machine."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from counter_app.i18n import _
from counter_app.services.context import AppContext
from counter_app.services.users import Actor
from ui.bus import bus
from ui.settings import IDLE_LOCK_MINUTES, LANGUAGE, TEXT_SIZE, UiSettings

LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


class SettingsView(QWidget):
    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = UiSettings(ctx.data_dir)
        self.language = QComboBox()
        for code in LANGUAGE.choices:
            self.language.addItem(LANGUAGE_NAMES.get(code, code), code)
        self.text_size = QSpinBox()
        self.text_size.setRange(TEXT_SIZE.minimum, TEXT_SIZE.maximum)
        self.idle_minutes = QSpinBox()
        self.idle_minutes.setRange(IDLE_LOCK_MINUTES.minimum, IDLE_LOCK_MINUTES.maximum)
        self.save_button = QPushButton(_("&Lưu cài đặt"))
        self.save_button.clicked.connect(self.save)
        form = QFormLayout()
        form.addRow(_(LANGUAGE.title), self.language)
        form.addRow(_(TEXT_SIZE.title), self.text_size)
        form.addRow(_(IDLE_LOCK_MINUTES.title), self.idle_minutes)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Cài đặt của máy quầy này")))
        layout.addLayout(form)
        layout.addWidget(self.save_button)
        layout.addStretch(1)
        self.load()

    def load(self) -> None:
        self.language.setCurrentIndex(self.language.findData(self.settings.get(LANGUAGE)))
        self.text_size.setValue(self.settings.get(TEXT_SIZE))
        self.idle_minutes.setValue(self.settings.get(IDLE_LOCK_MINUTES))

    def save(self) -> None:
        self.settings.set(LANGUAGE, str(self.language.currentData()))
        self.settings.set(TEXT_SIZE, self.text_size.value())
        self.settings.set(IDLE_LOCK_MINUTES, self.idle_minutes.value())
        bus().settings_changed.emit()

    def initial_focus(self) -> QWidget:
        return self.language
