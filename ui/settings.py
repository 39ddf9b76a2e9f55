"""The GUI's own settings, each declared once, kept in the data directory.

Each `Setting` has a key, a type, a default and a translatable title; `UiSettings` reads
and writes them in `<data dir>/ui-settings.ini`, so each counter machine keeps its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from counter_app.i18n import N_, SUPPORTED_LANGUAGES, set_language

T = TypeVar("T", int, str)


@dataclass(frozen=True)
class Setting(Generic[T]):
    key: str
    default: T
    title: str
    minimum: int = 0
    maximum: int = 0
    choices: tuple[str, ...] = ()

    def clean(self, value: object) -> T:
        """The stored value converted and bounded; the default when it does not read."""
        if not isinstance(value, (int, str)):  # a list or a @Variant from a hand-edited file
            return self.default
        kind = type(self.default)
        try:
            converted = kind(value)
        except (TypeError, ValueError):
            return self.default
        if isinstance(converted, int) and not self.minimum <= converted <= self.maximum:
            return self.default
        if self.choices and converted not in self.choices:
            return self.default
        return converted


LANGUAGE = Setting("ui/language", "vi", N_("Ngôn ngữ"), choices=SUPPORTED_LANGUAGES)
TEXT_SIZE = Setting("ui/text_size", 11, N_("Cỡ chữ (điểm)"), minimum=8, maximum=24)
IDLE_LOCK_MINUTES = Setting(
    "ui/idle_lock_minutes",
    10,
    N_("Khóa màn hình sau (phút không thao tác, 0 = không khóa)"),
    minimum=0,
    maximum=240,
)
ALL_SETTINGS = (LANGUAGE, TEXT_SIZE, IDLE_LOCK_MINUTES)
FILE_NAME = "ui-settings.ini"


class UiSettings:
    def __init__(self, data_dir: Path) -> None:
        self._store = QSettings(str(data_dir / FILE_NAME), QSettings.Format.IniFormat)

    def get(self, setting: Setting[T]) -> T:
        return setting.clean(self._store.value(setting.key, setting.default))

    def set(self, setting: Setting[T], value: T) -> None:
        self._store.setValue(setting.key, setting.clean(value))
        self._store.sync()


def apply_appearance(app: QApplication, settings: UiSettings) -> None:
    """Language and text size from the settings, for every widget built afterwards."""
    set_language(settings.get(LANGUAGE))
    font = app.font()
    font.setPointSize(settings.get(TEXT_SIZE))
    app.setFont(font)
