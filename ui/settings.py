"""The GUI's own settings, each declared once, kept in the data directory.

Each is a `counter_app.kernel.settings.Setting`, as every key of config.json is: a key, a
type, a default, bounds and a translatable title. `UiSettings` reads and writes them in
`<data dir>/ui-settings.ini`, so each counter machine keeps its own; a value there that
does not read falls back to the default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from counter_app.i18n import N_, SUPPORTED_LANGUAGES, set_language
from counter_app.kernel.settings import Setting
from ui.style import HIGH_CONTRAST, LIGHT, THEME_NAMES, apply_style

T = TypeVar("T")


LANGUAGE = Setting("ui/language", "vi", N_("Ngôn ngữ"), choices=SUPPORTED_LANGUAGES)
TEXT_SIZE = Setting("ui/text_size", 11, N_("Cỡ chữ (điểm)"), minimum=8, maximum=24)
IDLE_LOCK_MINUTES = Setting(
    "ui/idle_lock_minutes",
    10,
    N_("Khóa màn hình sau (phút không thao tác, 0 = không khóa)"),
    minimum=0,
    maximum=240,
)
# This machine's printer and scanner, chosen at the first start: the print preview and
# the scan screen start with them ("" = the system's default printer, the first scanner).
PRINTER = Setting("ui/printer", "", N_("Máy in"), max_length=200)
SCANNER = Setting("ui/scanner", "", N_("Máy quét"), max_length=200)
# The look (ui/style.py): the light theme, or high contrast for a clerk who needs it.
THEME = Setting("ui/theme", LIGHT, N_("Giao diện"), choices=(LIGHT, HIGH_CONTRAST))
ALL_SETTINGS: tuple[Setting[Any], ...] = (LANGUAGE, TEXT_SIZE, THEME, IDLE_LOCK_MINUTES)
"""Every GUI setting, in the order Cài đặt shows them."""
CHOICE_NAMES = {"vi": "Tiếng Việt", "en": "English"}
"""How Cài đặt names a choice: a language by its own name."""
CHOICE_TITLES = THEME_NAMES
"""Choices Cài đặt names by a translatable title (msgids)."""
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
    """Language, text size and theme from the settings, for every widget built afterwards:
    the shipped font at that size, the theme's palette and the one style sheet."""
    set_language(settings.get(LANGUAGE))
    apply_style(app, settings.get(TEXT_SIZE), settings.get(THEME))
