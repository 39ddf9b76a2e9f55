"""The program's icons: Lucide SVGs (resources/icons, ISC licence shipped beside them),
tinted from the theme's palette (`ui.style`) and drawn by QSvgRenderer at the size and
pixel ratio asked for, so they stay sharp at 125–150 % scaling.

An icon never stands alone: the button, list item or chip it decorates has a text label,
or at least a tooltip and an accessible name.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QIconEngine, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QAbstractButton

from counter_app.resources import resource_path
from ui import style

NAMES = frozenset(
    {
        "file-plus", "folder-open", "package-check", "chart-column", "cloud-upload",
        "settings", "scan-qr-code", "circle-check", "circle-alert", "triangle-alert",
        "clock", "circle-dot", "printer", "scan-line", "send", "search", "save", "inbox",
        "file-down", "refresh-cw",
    }
)  # fmt: skip
"""Every icon shipped in resources/icons."""

PAGE_ICONS = {
    "intake": "file-plus",
    "dossiers": "folder-open",
    "returns": "package-check",
    "reports": "chart-column",
    "sync": "cloud-upload",
    "settings": "settings",
    "receipt_verify": "scan-qr-code",
}
"""The navigation's icon of each page key; a page not named here shows `inbox`."""


@cache
def _svg(name: str) -> str:
    if name not in NAMES:
        raise ValueError(f"no such icon: {name}")
    return resource_path("icons", f"{name}.svg").read_text(encoding="utf-8")


def renderer(name: str, colour: QColor) -> QSvgRenderer:
    """The icon drawn in `colour` (its strokes are `currentColor`)."""
    svg = _svg(name).replace("currentColor", colour.name())
    return QSvgRenderer(QByteArray(svg.encode("utf-8")))


class TintedIconEngine(QIconEngine):
    """Renders the SVG at each size and scale asked for: the normal state in `role`'s
    colour, disabled in the palette's disabled text, selected in the selection's text."""

    def __init__(self, name: str, role: str) -> None:
        super().__init__()
        self._name, self._role = name, role

    def _colour(self, mode: QIcon.Mode) -> QColor:
        if mode == QIcon.Mode.Disabled:
            return style.colour("disabled_text")
        if mode == QIcon.Mode.Selected:
            return style.colour("on_selection")
        return style.colour(self._role)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        renderer(self._name, self._colour(mode)).render(painter, QRectF(rect))

    def scaledPixmap(
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        pixmap = QPixmap(size * scale)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer(self._name, self._colour(mode)).render(painter, QRectF(pixmap.rect()))
        painter.end()
        pixmap.setDevicePixelRatio(scale)
        return pixmap

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def clone(self) -> QIconEngine:
        return TintedIconEngine(self._name, self._role)

    def key(self) -> str:
        return "counter-app-tinted-svg"


_icons: dict[tuple[str, str], QIcon] = {}


def icon(name: str, role: str = "text") -> QIcon:
    """The icon `name` in the colour of palette role `role` ("text", "on_primary",
    "late", …) of the theme in use."""
    key = (name, role)
    if key not in _icons:
        _svg(name)  # an unknown name fails here, not when painted
        _icons[key] = QIcon(TintedIconEngine(name, role))
    return _icons[key]


def clear_cache() -> None:
    """After a theme change: icons asked for afterwards are drawn in the new colours."""
    _icons.clear()


def page_icon(key: str) -> QIcon:
    return icon(PAGE_ICONS.get(key, "inbox"))


def mark_primary(button: QAbstractButton, name: str | None = None) -> None:
    """The one primary action of a screen or dialog: filled in the primary colour
    (ui/style.py), with its icon in the colour drawn on that fill."""
    style.set_role(button, "primary")
    if name is not None:
        button.setIcon(icon(name, "on_primary"))
