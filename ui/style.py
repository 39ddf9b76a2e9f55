"""The one visual style of the program: tokens, palette, the Qt style sheet, the icons' tint.

Every colour the screens show is named here and nowhere else (tests/unit/test_style.py
scans `ui/` for colour literals). A view says what a widget *is* and the style sheet
colours it:

    button.setProperty("role", "primary")   # the one main action of a screen
    set_tone(label, "error")                 # a message in the error colour
    set_chip(label, "late")                  # a status chip: word + colour (+ icon)
    set_banner(label, "warning")             # a full-width notice
    set_role(label, "title")                 # the type scale: title, section, hint, empty

Two themes share the tokens' names: `light` (the default) and `high_contrast` (every text
pair at least 7:1, black borders, a thick focus ring), chosen in Cài đặt ("Giao diện").
`apply_style` is called by `ui.settings.apply_appearance` at start and after Cài đặt is
saved. docs/design.md describes the system and shows it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields

from PySide6.QtGui import QColor, QFontDatabase, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from counter_app.domain.lifecycle import Status
from counter_app.i18n import N_
from counter_app.resources import resource_path

LIGHT = "light"
HIGH_CONTRAST = "high_contrast"
THEME_NAMES = {LIGHT: N_("Sáng (mặc định)"), HIGH_CONTRAST: N_("Tương phản cao")}
"""How Cài đặt names each theme (msgids)."""

FONT_FAMILY = "Noto Sans"
"""The shipped font (resources/fonts, OFL): full Vietnamese, the same face the receipts use."""
FONT_FILES = ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "NotoSans-Italic.ttf")

SPACE = (4, 8, 12, 16, 24)
"""Spacing steps in pixels: inside a control, between related controls, between groups,
around a page, between sections."""
RADIUS = 4
"""Corner radius of buttons, fields and chips."""

TONES = ("primary", "info", "success", "warning", "late", "neutral")
"""The colours a chip or a banner may take; each has a text colour and a background."""


@dataclass(frozen=True)
class Palette:
    """A theme's colours, by role (hex #rrggbb)."""

    canvas: str  # the window behind pages
    surface: str  # fields, lists, tables, dialogs' content
    surface_alt: str  # alternate table rows, the navigation rail
    text: str
    text_muted: str  # hints, shortcuts, secondary lines
    border: str  # dividers, group frames (decorative)
    border_strong: str  # outlines of fields and buttons (≥ 3:1 on surface)
    primary: str  # the primary action's fill
    primary_hover: str
    primary_pressed: str
    on_primary: str  # text on the primary fill
    focus: str  # the focus ring (≥ 3:1 on surface and canvas)
    selection: str  # the selected row of a list or table
    on_selection: str
    nav_current: str  # the current page in the navigation rail
    on_nav_current: str
    disabled_text: str
    disabled_fill: str
    info: str
    info_bg: str
    success: str
    success_bg: str
    warning: str
    warning_bg: str
    late: str
    late_bg: str
    neutral: str
    neutral_bg: str
    near_row: str  # a desk row due before the end of tomorrow (words say it too)
    late_row: str  # a desk row past its due date (words say it too)
    chart: tuple[str, ...] = ()  # the dashboard's series, in order


PALETTES: dict[str, Palette] = {
    LIGHT: Palette(
        canvas="#f3f5f7",
        surface="#ffffff",
        surface_alt="#eef1f4",
        text="#1b1f24",
        text_muted="#4f5963",
        border="#d3d9df",
        border_strong="#7b8590",
        primary="#0b57a4",
        primary_hover="#094985",
        primary_pressed="#073a6b",
        on_primary="#ffffff",
        focus="#0b63ce",
        selection="#0b57a4",
        on_selection="#ffffff",
        nav_current="#ffffff",
        on_nav_current="#0b4a8c",
        disabled_text="#5c6670",
        disabled_fill="#eceff2",
        info="#0b4a8c",
        info_bg="#e2eefb",
        success="#136c2e",
        success_bg="#e3f4e8",
        warning="#7a4a00",
        warning_bg="#fff1cc",
        late="#a3141f",
        late_bg="#fde7e8",
        neutral="#434c56",
        neutral_bg="#eceff2",
        near_row="#fff6dc",
        late_row="#fbe3e5",
        chart=("#1f5fa8", "#2e8b57", "#b7741a", "#b8322a", "#7b4fa0"),
    ),
    HIGH_CONTRAST: Palette(
        canvas="#ffffff",
        surface="#ffffff",
        surface_alt="#f0f0f0",
        text="#000000",
        text_muted="#1f1f1f",
        border="#000000",
        border_strong="#000000",
        primary="#00007a",
        primary_hover="#000052",
        primary_pressed="#000000",
        on_primary="#ffffff",
        focus="#b34700",
        selection="#00007a",
        on_selection="#ffffff",
        nav_current="#00007a",
        on_nav_current="#ffffff",
        disabled_text="#333333",
        disabled_fill="#e6e6e6",
        info="#00007a",
        info_bg="#ffffff",
        success="#005000",
        success_bg="#ffffff",
        warning="#5a3400",
        warning_bg="#ffffff",
        late="#8f0000",
        late_bg="#ffffff",
        neutral="#000000",
        neutral_bg="#ffffff",
        near_row="#fff0b3",
        late_row="#ffd6d6",
        chart=("#00007a", "#005000", "#8a4b00", "#8f0000", "#5a0078"),
    ),
}

TEXT_PAIRS: tuple[tuple[str, str], ...] = (
    ("text", "canvas"),
    ("text", "surface"),
    ("text", "surface_alt"),
    ("text_muted", "canvas"),
    ("text_muted", "surface"),
    ("text_muted", "surface_alt"),
    ("on_primary", "primary"),
    ("on_primary", "primary_hover"),
    ("on_primary", "primary_pressed"),
    ("on_selection", "selection"),
    ("on_nav_current", "nav_current"),
    ("info", "info_bg"),
    ("success", "success_bg"),
    ("warning", "warning_bg"),
    ("late", "late_bg"),
    ("neutral", "neutral_bg"),
    ("late", "surface"),
    ("success", "surface"),
    ("warning", "surface"),
    ("text", "near_row"),
    ("text", "late_row"),
    ("primary", "surface"),
    ("disabled_text", "disabled_fill"),
)
"""(text colour, background) pairs the screens draw text with: each at least 4.5:1 (WCAG AA),
7:1 in the high-contrast theme."""
NON_TEXT_PAIRS: tuple[tuple[str, str], ...] = (
    ("focus", "surface"),
    ("focus", "canvas"),
    ("border_strong", "surface"),
    ("primary", "canvas"),
)
"""(colour, background) of what must be seen without being text: at least 3:1 (WCAG 1.4.11)."""

STATUS_TONES: dict[Status, str] = {
    Status.SUBMITTED: "info",
    Status.RECEIVED: "info",
    Status.PROCESSING: "info",
    Status.SUPPLEMENT: "warning",
    Status.FEES_DUE: "warning",
    Status.RESOLVED: "success",
    Status.RETURNED: "neutral",
    Status.REFUSED: "late",
    Status.WITHDRAWN: "neutral",
    Status.STOPPED: "neutral",
}
"""A dossier status's chip colour; the chip always carries the status's words too."""
STATUS_ICONS: dict[str, str] = {
    "info": "clock",
    "warning": "triangle-alert",
    "success": "circle-check",
    "late": "circle-alert",
    "neutral": "circle-dot",
    "primary": "circle-dot",
}
"""The icon beside a chip's words, by tone: the shape tells the tone apart without colour."""


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of "#rrggbb"."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two colours, 1–21."""
    a, b = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


@dataclass(frozen=True)
class TypeScale:
    """Point sizes, all from the text size chosen in Cài đặt (the body)."""

    small: int
    body: int
    section: int
    title: int

    @classmethod
    def for_size(cls, body: int) -> TypeScale:
        return cls(small=max(8, body - 1), body=body, section=body + 1, title=round(body * 1.3))


_theme = LIGHT


def theme() -> str:
    return _theme


def palette() -> Palette:
    """The palette in use."""
    return PALETTES[_theme]


def colour(role: str) -> QColor:
    """A role's colour in the theme in use (for painting: charts, chips, row backgrounds)."""
    value = getattr(palette(), role)
    if not isinstance(value, str):
        raise ValueError(f"not a colour role: {role}")
    return QColor(value)


def chart_colour(index: int) -> QColor:
    series = palette().chart
    return QColor(series[index % len(series)])


def tone_colours(tone: str) -> tuple[QColor, QColor]:
    """(text, background) of a chip or banner tone."""
    if tone == "primary":
        return colour("on_primary"), colour("primary")
    return colour(tone), colour(f"{tone}_bg")


def status_tone(status: Status | str) -> str:
    return STATUS_TONES.get(Status(status), "neutral")


def load_fonts() -> bool:
    """Register the shipped Noto Sans with Qt (once); whether it is available."""
    if FONT_FAMILY in QFontDatabase.families():
        return True
    loaded = False
    for name in FONT_FILES:
        path = resource_path("fonts", name)
        if path.is_file() and QFontDatabase.addApplicationFont(str(path)) >= 0:
            loaded = True
    return loaded


def qt_palette(colours: Palette) -> QPalette:
    """The theme as a QPalette: what Fusion draws without the style sheet's help."""
    qp = QPalette()
    roles = QPalette.ColorRole
    pairs = {
        roles.Window: colours.canvas,
        roles.WindowText: colours.text,
        roles.Base: colours.surface,
        roles.AlternateBase: colours.surface_alt,
        roles.Text: colours.text,
        roles.Button: colours.surface,
        roles.ButtonText: colours.text,
        roles.ToolTipBase: colours.surface,
        roles.ToolTipText: colours.text,
        roles.PlaceholderText: colours.text_muted,
        roles.Highlight: colours.selection,
        roles.HighlightedText: colours.on_selection,
        roles.Link: colours.primary,
        roles.BrightText: colours.late,
        roles.Mid: colours.border,
        roles.Midlight: colours.surface_alt,
        roles.Dark: colours.border_strong,
        roles.Shadow: colours.border_strong,
        roles.Light: colours.surface,
    }
    for role, value in pairs.items():
        qp.setColor(role, QColor(value))
    disabled = QPalette.ColorGroup.Disabled
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        qp.setColor(disabled, role, QColor(colours.disabled_text))
    qp.setColor(disabled, roles.Button, QColor(colours.disabled_fill))
    return qp


def style_sheet(colours: Palette, scale: TypeScale, *, high_contrast: bool = False) -> str:
    """The application's one style sheet."""
    c = colours
    ring = 3 if high_contrast else 2  # the focus ring's width
    edge = 2 if high_contrast else 1  # a field's or button's outline
    pad_v, pad_h = 3, 10  # a button's padding with its ordinary outline
    chips = "\n".join(
        f"""
QLabel[chip="{tone}"] {{
    color: {fg}; background: {bg}; border: 1px solid {fg}; border-radius: {RADIUS + 6}px;
    padding: 1px {SPACE[1]}px;
}}
QLabel[banner="{tone}"] {{
    color: {fg}; background: {bg}; border: {edge}px solid {fg}; border-radius: {RADIUS}px;
    padding: 1px {SPACE[1]}px; font-weight: bold;
}}"""
        for tone in TONES
        for fg, bg in [
            (c.on_primary, c.primary)
            if tone == "primary"
            else (getattr(c, tone), getattr(c, f"{tone}_bg"))
        ]
    )
    return f"""
QToolTip {{ color: {c.text}; background: {c.surface}; border: 1px solid {c.border_strong}; }}

QPushButton {{
    color: {c.text}; background: {c.surface}; border: {edge}px solid {c.border_strong};
    border-radius: {RADIUS}px; padding: {pad_v}px {pad_h}px; min-height: 1.4em;
}}
QPushButton:hover {{ background: {c.surface_alt}; }}
QPushButton:pressed {{ background: {c.border}; }}
QPushButton:disabled {{
    color: {c.disabled_text}; background: {c.disabled_fill}; border-color: {c.border_strong};
    border-style: dashed;
}}
QPushButton:focus {{
    border: {ring}px solid {c.focus};
    padding: {pad_v - ring + edge}px {pad_h - ring + edge}px;
}}
QPushButton:flat {{ border-color: transparent; background: transparent; }}
QPushButton:flat:hover {{ background: {c.surface_alt}; border-color: {c.border}; }}
QPushButton:flat:focus {{ border: {ring}px solid {c.focus}; }}
QPushButton[role="primary"] {{
    color: {c.on_primary}; background: {c.primary}; border-color: {c.primary};
    font-weight: bold;
}}
QPushButton[role="primary"]:hover {{ background: {c.primary_hover}; }}
QPushButton[role="primary"]:pressed {{ background: {c.primary_pressed}; }}
QPushButton[role="primary"]:focus {{ border: {ring}px solid {c.text}; }}
QPushButton[role="primary"]:disabled {{
    color: {c.disabled_text}; background: {c.disabled_fill}; border-color: {c.border_strong};
    border-style: dashed; font-weight: bold;
}}
QPushButton[role="quiet"] {{ border-color: {c.border}; }}
QPushButton[role="quiet"]:focus {{ border: {ring}px solid {c.focus}; }}

QLineEdit, QPlainTextEdit, QTextEdit {{
    border: {edge}px solid {c.border_strong}; border-radius: {RADIUS}px;
    padding: {ring - edge}px;
}}
QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus {{
    border: {ring}px solid {c.focus}; padding: 0px;
}}
QLineEdit[error="true"], QPlainTextEdit[error="true"] {{ border: 2px solid {c.late}; }}
QLineEdit:disabled {{
    color: {c.disabled_text}; background: {c.disabled_fill}; border-color: {c.border};
}}
QAbstractItemView:focus {{ border: {ring}px solid {c.focus}; }}
QCheckBox:focus, QRadioButton:focus {{ color: {c.on_selection}; background: {c.selection}; }}

QListWidget#nav {{ background: {c.surface_alt}; border: none;
    border-right: 1px solid {c.border}; }}
QListWidget#nav:focus {{ border: {ring}px solid {c.focus}; }}
QStatusBar {{ background: {c.surface_alt}; border-top: 1px solid {c.border}; }}
QStatusBar QPushButton {{ padding: 0px {SPACE[1]}px; min-height: 0px; }}
QStatusBar QPushButton:focus {{ padding: 0px {SPACE[1] - ring + 1}px; }}

QLabel[role="title"] {{ font-size: {scale.title}pt; font-weight: bold; }}
QLabel[role="section"] {{ font-size: {scale.section}pt; font-weight: bold; }}
QLabel[role="hint"] {{ color: {c.text_muted}; }}
QLabel[role="empty"] {{ color: {c.text_muted}; font-size: {scale.section}pt;
    padding: {SPACE[3]}px; }}
QLabel[tone="error"] {{ color: {c.late}; font-weight: bold; }}
QLabel[tone="warning"] {{ color: {c.warning}; font-weight: bold; }}
QLabel[tone="success"] {{ color: {c.success}; font-weight: bold; }}
QLabel[tone="muted"] {{ color: {c.text_muted}; }}
QLabel[banner="off"] {{ padding: 1px {SPACE[1]}px; }}
{chips}
"""


def apply_style(app: QApplication, text_size: int, theme_name: str = LIGHT) -> None:
    """The whole application in `theme_name` at `text_size` points: Fusion, the shipped
    font, the palette and the style sheet. Widgets made afterwards and those shown now
    both follow (a style sheet repolishes them)."""
    global _theme
    _theme = theme_name if theme_name in PALETTES else LIGHT
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")  # the same look on every system; the palette applies whole
    font = app.font()
    if load_fonts():
        font.setFamily(FONT_FAMILY)
    font.setPointSize(text_size)
    app.setFont(font)
    colours = PALETTES[_theme]
    app.setPalette(qt_palette(colours))
    scale = TypeScale.for_size(text_size)
    app.setStyleSheet(style_sheet(colours, scale, high_contrast=_theme == HIGH_CONTRAST))
    from ui.icons import clear_cache

    clear_cache()  # tinted in the new colours when next asked for


@contextmanager
def applied_style(
    app: QApplication, text_size: int, theme_name: str = LIGHT, *, keep_font: bool = False
) -> Iterator[None]:
    """`apply_style` for a while (tests, screenshots): the earlier style comes back after
    (the font too, unless `keep_font`)."""
    global _theme
    before = (app.styleSheet(), app.palette(), app.font(), _theme)
    apply_style(app, text_size, theme_name)
    try:
        yield
    finally:
        sheet, colours, font, _theme = before
        app.setStyleSheet(sheet)
        app.setPalette(colours)
        if not keep_font:
            app.setFont(font)
        from ui.icons import clear_cache

        clear_cache()


def _set(widget: QWidget, name: str, value: str | None) -> None:
    """Set a style property and restyle the widget at once."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    # Re-read the application's style sheet for this widget. (unpolish/polish recolours a
    # shown widget but keeps its old padding: a chip's words touched its edges.)
    widget.setStyleSheet("/**/")
    widget.setStyleSheet("")


def set_role(widget: QWidget, role: str | None) -> None:
    """ "primary" or "quiet" for a button; "title", "section", "hint", "empty" for a label."""
    _set(widget, "role", role)


def set_tone(widget: QWidget, tone: str | None) -> None:
    """A message's colour ("error", "warning", "success", "muted"); None for plain text. The
    words must say it too (⚠, "Lỗi", …): the colour only repeats them."""
    _set(widget, "tone", tone)


def set_chip(widget: QWidget, tone: str | None) -> None:
    """A rounded chip in one of `TONES`; None for plain text."""
    _set(widget, "chip", tone)


def set_banner(widget: QWidget, tone: str | None) -> None:
    """A full-width notice in one of `TONES`; None for plain text."""
    _set(widget, "banner", tone if tone is not None else "off")


def set_error(widget: QWidget, error: bool) -> None:
    """Outline a field in the error colour (the message beside it says what is wrong)."""
    _set(widget, "error", "true" if error else None)


def role_names() -> tuple[str, ...]:
    """Every colour role of a palette (for the design document and tests)."""
    return tuple(f.name for f in fields(Palette) if f.name != "chart")
