"""The style as the program applies it: the theme chosen in Cài đặt, the shipped font, the
icons drawn from their SVGs in the palette's colours at the screen's scale."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import QApplication

from counter_app.kernel.context import AppContext
from counter_app.kernel.users import SYSTEM_ACTOR
from ui import icons, style
from ui.settings import THEME, UiSettings, apply_appearance
from ui.settings_view import SettingsView


def test_high_contrast_is_chosen_in_settings(
    qtbot: QtBot, ctx: AppContext, qapp: QApplication
) -> None:
    with style.applied_style(qapp, 11):
        view = SettingsView(ctx, SYSTEM_ACTOR)
        qtbot.add_widget(view)
        editor = view.editors[THEME.key]
        index = editor.findData(style.HIGH_CONTRAST)
        assert editor.itemText(index) == "Tương phản cao"
        editor.setCurrentIndex(index)
        view.save()
        assert UiSettings(ctx.data_dir).get(THEME) == style.HIGH_CONTRAST
        apply_appearance(qapp, UiSettings(ctx.data_dir))  # as the window does on the signal
        assert style.theme() == style.HIGH_CONTRAST
        assert style.PALETTES[style.HIGH_CONTRAST].focus in qapp.styleSheet()
        assert QApplication.font().family() == style.FONT_FAMILY
        assert QApplication.font().pointSize() == 11
    assert style.theme() == style.LIGHT  # put back


def _tinted_pixels(icon: QIcon, size: int, scale: float, colour: QColor) -> tuple[QSize, int]:
    image = icon.pixmap(QSize(size, size), scale).toImage()
    matching = sum(
        1
        for y in range(image.height())
        for x in range(image.width())
        if image.pixelColor(x, y).alpha() == 255 and image.pixelColor(x, y).rgb() == colour.rgb()
    )
    return image.size(), matching


def test_icons_are_drawn_at_the_screen_scale_in_the_palette_colour(qapp: QApplication) -> None:
    for scale in (1.0, 1.25, 1.5):
        size, matching = _tinted_pixels(
            icons.icon("send", "primary"), 20, scale, style.colour("primary")
        )
        assert size == QSize(round(20 * scale), round(20 * scale))  # drawn there, not scaled
        assert matching > 10
    every = {path.stem for path in (icons.resource_path("icons")).glob("*.svg")}
    assert every == icons.NAMES and set(icons.PAGE_ICONS.values()) <= icons.NAMES
    assert (icons.resource_path("icons") / "LICENSE.txt").is_file()
