"""Cài đặt: language, text size, the idle lock and the scan folder of this counter machine."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from counter_app.i18n import _
from counter_app.services.context import AppContext
from counter_app.services.scan_folder import configured_folder, set_scan_folder
from counter_app.services.users import Actor
from ui.bus import bus
from ui.settings import IDLE_LOCK_MINUTES, LANGUAGE, TEXT_SIZE, UiSettings
from ui.tasks import Op

LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


class SettingsView(QWidget):
    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = UiSettings(ctx.data_dir)
        self._ctx, self._actor = ctx, actor
        self.language = QComboBox()
        for code in LANGUAGE.choices:
            self.language.addItem(LANGUAGE_NAMES.get(code, code), code)
        self.text_size = QSpinBox()
        self.text_size.setRange(TEXT_SIZE.minimum, TEXT_SIZE.maximum)
        self.idle_minutes = QSpinBox()
        self.idle_minutes.setRange(IDLE_LOCK_MINUTES.minimum, IDLE_LOCK_MINUTES.maximum)
        self.scan_folder = QLineEdit(accessibleName=_("Thư mục quét"))
        self.scan_folder.setPlaceholderText(
            _("Thư mục máy quét lưu tệp vào (để trống: không dùng)")
        )
        self.browse_button = QPushButton(_("&Chọn…"))
        self.browse_button.clicked.connect(self._choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.scan_folder, 1)
        folder_row.addWidget(self.browse_button)
        self.status = QLabel()
        self.save_button = QPushButton(_("&Lưu cài đặt"))
        self.save_button.clicked.connect(self.save)
        form = QFormLayout()
        form.addRow(_(LANGUAGE.title), self.language)
        form.addRow(_(TEXT_SIZE.title), self.text_size)
        form.addRow(_(IDLE_LOCK_MINUTES.title), self.idle_minutes)
        form.addRow(_("Thư mục quét"), folder_row)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Cài đặt của máy quầy này")))
        layout.addLayout(form)
        layout.addWidget(self.save_button)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.load()

    def load(self) -> None:
        self.language.setCurrentIndex(self.language.findData(self.settings.get(LANGUAGE)))
        self.text_size.setValue(self.settings.get(TEXT_SIZE))
        self.idle_minutes.setValue(self.settings.get(IDLE_LOCK_MINUTES))
        folder = configured_folder(self._ctx.config)
        self.scan_folder.setText(str(folder) if folder is not None else "")

    def save(self) -> None:
        self.settings.set(LANGUAGE, str(self.language.currentData()))
        self.settings.set(TEXT_SIZE, self.text_size.value())
        self.settings.set(IDLE_LOCK_MINUTES, self.idle_minutes.value())
        bus().settings_changed.emit()
        self._save_scan_folder()

    def _save_scan_folder(self) -> None:
        """The folder is checked off the GUI thread: a network drive may be slow to answer."""
        ctx, actor, text = self._ctx, self._actor, self.scan_folder.text().strip()
        if text == str(configured_folder(ctx.config) or ""):
            self.status.setText(_("Đã lưu cài đặt."))
            return
        Op(
            self, lambda: set_scan_folder(ctx, actor, Path(text) if text else None), db=False
        ).on_success(lambda _folder: self.status.setText(_("Đã lưu cài đặt."))).on_error(
            lambda exc: self.status.setText(str(exc))
        ).start()

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self, _("Chọn thư mục quét"), self.scan_folder.text()
        )
        if chosen:
            self.scan_folder.setText(chosen)

    def initial_focus(self) -> QWidget:
        return self.language
