"""Helpers that keep every screen whole on a small counter screen (1366×768 with a taskbar,
or 1920×1080 at 150 % = 1280×720) at every text size.

What used to set the window's minimum width: rows of buttons side by side, combo boxes as
wide as their longest item, labels that do not wrap. Here: `FlowLayout` wraps a row of
buttons onto the next line, `EllipsisLabel` gives up the end of a one-line text (the whole
text in its tooltip), `elide_combo` lets a combo box be narrower than its longest item,
`wrapping_list` / `WrappingList` let long list items wrap, `FullTextDelegate` shows a cut
table cell whole in its tooltip, `scrollable` lets a page or a column scroll instead of
overflowing, and `fit_to_screen` / `centre_on_screen` place a window inside the screen's
free area. `maximised_size` and `dialog_room` are the room a screen of a given size leaves
(the screenshots and tests/gui/test_fit.py measure against them).
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication, QHelpEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QLabel,
    QLayout,
    QLayoutItem,
    QListWidget,
    QScrollArea,
    QSizePolicy,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
    QWidget,
)

DEFAULT_SPACING = 6
CELL_MARGINS = 8  # the text margins of an item view's cell


class FlowLayout(QLayout):
    """Widgets left to right, continued on the next row when the width runs out (Qt's flow
    layout example). Its minimum width is its widest widget, so a row of buttons no longer
    sets the window's minimum width; its height follows the width (height for width)."""

    def __init__(
        self,
        parent: QWidget | None = None,
        spacing: int = DEFAULT_SPACING,
        *,
        justify: bool = False,
    ) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._gap = spacing
        self.justify = justify
        if parent is None:
            self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def _shown(self) -> list[QLayoutItem]:
        return [item for item in self._items if not item.isEmpty()]

    def _margins(self) -> QSize:
        margins = self.contentsMargins()
        return QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def sizeHint(self) -> QSize:
        """Everything on one row."""
        hints = [item.sizeHint() for item in self._shown()]
        width = sum(hint.width() for hint in hints) + self._gap * max(0, len(hints) - 1)
        height = max((hint.height() for hint in hints), default=0)
        return QSize(width, height) + self._margins()

    def minimumSize(self) -> QSize:
        """One widget a row: the widest one's width."""
        size = QSize()
        for item in self._shown():
            size = size.expandedTo(item.minimumSize())
        return size + self._margins()

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        rows: list[list[tuple[QLayoutItem, QSize]]] = [[]]
        used = 0
        for item in self._shown():
            hint = item.sizeHint()
            hint.setWidth(min(hint.width(), area.width()))
            if rows[-1] and used + self._gap + hint.width() > area.width():
                rows.append([])
                used = 0
            used += (self._gap if rows[-1] else 0) + hint.width()
            rows[-1].append((item, hint))
        y = area.y()
        for row in rows:
            if not row:
                continue
            height = max(hint.height() for _item, hint in row)
            if move:
                self._place(row, area, y, height)
            y += height + self._gap
        return max(0, y - self._gap - rect.y()) + margins.bottom()

    def _place(
        self, row: list[tuple[QLayoutItem, QSize]], area: QRect, y: int, height: int
    ) -> None:
        """One row: the room left over goes to the widgets that expand (to all of them
        with `justify`), so the rows line up."""
        spare = area.width() - sum(hint.width() for _item, hint in row)
        spare -= self._gap * (len(row) - 1)
        growing = [
            position
            for position, (item, _hint) in enumerate(row)
            if self.justify or item.expandingDirections() & Qt.Orientation.Horizontal
        ]
        share, rest = divmod(max(0, spare), len(growing) or 1)
        extra = {position: share + (turn < rest) for turn, position in enumerate(growing)}
        x = area.x()
        for position, (item, hint) in enumerate(row):
            width = min(hint.width() + extra.get(position, 0), item.maximumSize().width())
            top = y + (height - hint.height()) // 2
            item.setGeometry(QRect(QPoint(x, top), QSize(width, hint.height())))
            x += width + self._gap


def flow_of(*widgets: QWidget, spacing: int = DEFAULT_SPACING, justify: bool = False) -> FlowLayout:
    """A flow layout holding `widgets` in this order (the tab order is the widgets' own)."""
    flow = FlowLayout(spacing=spacing, justify=justify)
    for widget in widgets:
        flow.addWidget(widget)
    return flow


class EllipsisLabel(QLabel):
    """A one-line label that ends in "…" when there is no room, instead of widening the
    window; `text()` stays the whole text, shown in the tooltip while it is cut (before the
    label's own tooltip, if any)."""

    def __init__(self, text: str = "", parent: QWidget | None = None, *, min_chars: int = 8):
        super().__init__(text, parent)
        self._min_chars = min_chars
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        room = self.fontMetrics().averageCharWidth() * self._min_chars
        return QSize(min(hint.width(), room), hint.height())

    def _room(self) -> int:
        return self.contentsRect().width() - 2 * self.margin()

    def is_elided(self) -> bool:
        return self.fontMetrics().horizontalAdvance(self.text()) > self._room()

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.is_elided():
            super().paintEvent(event)
            return
        painter = QPainter(self)
        shown = self.fontMetrics().elidedText(
            self.text(), Qt.TextElideMode.ElideRight, self._room()
        )
        area = self.contentsRect().adjusted(self.margin(), 0, -self.margin(), 0)
        self.style().drawItemText(
            painter,
            area,
            int(self.alignment() | Qt.AlignmentFlag.AlignVCenter),
            self.palette(),
            self.isEnabled(),
            shown,
            self.foregroundRole(),
        )

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and self.is_elided():
            own = self.toolTip()
            tip = f"{self.text()}\n\n{own}" if own else self.text()
            QToolTip.showText(event.globalPos(), tip, self)  # type: ignore[attr-defined]
            return True
        return super().event(event)


def elide_combo(combo: QComboBox, chars: int = 12) -> QComboBox:
    """The combo's minimum width is `chars` characters, not its longest item: the current
    item may end in "…" (whole in the tooltip), the list it opens shows the items whole."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    combo.currentTextChanged.connect(combo.setToolTip)
    combo.setToolTip(combo.currentText())

    def widen_list() -> None:
        view = combo.view()
        bar = view.verticalScrollBar().sizeHint().width()
        wanted = view.sizeHintForColumn(0) + bar + 2 * view.frameWidth()
        view.setMinimumWidth(min(wanted, available_area(combo).width()))

    model = combo.model()
    model.rowsInserted.connect(widen_list)
    model.modelReset.connect(widen_list)
    widen_list()
    return combo


def wrapping_list(widget: QListWidget | None = None) -> QListWidget:
    """A list whose long items wrap onto more lines at the list's width (read in full),
    instead of being cut or needing a horizontal scroll bar."""
    widget = widget if widget is not None else QListWidget()
    widget.setWordWrap(True)
    widget.setTextElideMode(Qt.TextElideMode.ElideNone)
    widget.setResizeMode(QListWidget.ResizeMode.Adjust)
    widget.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return widget


class WrappingList(QListWidget):
    """A list whose long items wrap (`wrapping_list`); with `rows`, it asks for that many
    lines only, so a column that scrolls gives it the room left over instead."""

    def __init__(self, rows: int = 0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        wrapping_list(self)
        self._rows = rows

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        if self._rows:
            lines = self.fontMetrics().lineSpacing() * self._rows
            hint.setHeight(lines + 2 * self.frameWidth() + 2 * self.spacing() + 4)
        return hint


class FullTextDelegate(QStyledItemDelegate):
    """Cells cut with "…" show their whole text as the tooltip (the model's own tooltip
    after it); the columns in `middle` keep both ends of their text ("DEMO.56…-0057")."""

    def __init__(self, view: QAbstractItemView, *, middle: Iterable[int] = ()) -> None:
        super().__init__(view)
        self._middle = frozenset(middle)

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        if index.column() in self._middle:
            option.textElideMode = Qt.TextElideMode.ElideMiddle

    def helpEvent(
        self,
        event: QHelpEvent,
        view: QAbstractItemView,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        if event.type() == QEvent.Type.ToolTip and index.isValid():
            text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
            room = view.visualRect(index).width() - CELL_MARGINS
            if text and view.fontMetrics().horizontalAdvance(text) > room:
                own = index.data(Qt.ItemDataRole.ToolTipRole)
                QToolTip.showText(event.globalPos(), f"{text}\n\n{own}" if own else text, view)
                return True
        return super().helpEvent(event, view, option, index)


class VerticalScrollArea(QScrollArea):
    """Scrolls up and down only: as wide as its widget's minimum (never cut at the side)."""

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        inner = self.widget()
        if inner is None:
            return hint
        bar = self.verticalScrollBar().sizeHint().width()
        frame = 2 * self.frameWidth()
        return QSize(inner.minimumSizeHint().width() + bar + frame, hint.height())


def scrollable(widget: QWidget, *, horizontal: bool = True) -> QScrollArea:
    """`widget` in a frameless scroll area: it scrolls (text above 13 pt) instead of
    pushing the window past the screen; without `horizontal`, up and down only."""
    area = QScrollArea() if horizontal else VerticalScrollArea()
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidgetResizable(True)
    if not horizontal:
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(widget)
    return area


def available_area(widget: QWidget | None = None) -> QRect:
    """The free part of the screen `widget` is on (the primary screen without one)."""
    screen = widget.screen() if widget is not None else None
    screen = screen or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1280, 720)


# What a window manager adds around a window (title bar and borders), for windows not shown
# yet: Windows 10/11 at 100–150 %.
FRAME = QSize(16, 39)
TASKBAR = 40
TITLE_BAR = 31
"""A maximised window's title bar; its borders are off the screen."""


def maximised_size(screen: QSize) -> QSize:
    """The inside of a maximised window on a screen of `screen` pixels with the taskbar at
    the bottom: 1366×768 gives 1366×697, 1280×720 (1920×1080 at 150 %) gives 1280×649."""
    return QSize(screen.width(), screen.height() - TASKBAR - TITLE_BAR)


def dialog_room(screen: QSize) -> QSize:
    """The largest dialog (its inside) a screen of `screen` pixels shows whole."""
    return QSize(screen.width(), screen.height() - TASKBAR) - FRAME


def fit_to_screen(widget: QWidget, width: int, height: int) -> None:
    """Resize to `width` × `height`, or less where the free part of the screen is smaller
    (never below the widget's minimum)."""
    area = available_area(widget).size() - FRAME
    size = QSize(width, height).boundedTo(area).expandedTo(widget.minimumSizeHint())
    widget.resize(size)


def centre_on_screen(widget: QWidget) -> None:
    """Move `widget` (a window) to the middle of the free part of its screen."""
    area = available_area(widget)
    widget.adjustSize()
    size = widget.size() + FRAME
    left = area.x() + max(0, (area.width() - size.width()) // 2)
    top = area.y() + max(0, (area.height() - size.height()) // 2)
    widget.move(left, top)
