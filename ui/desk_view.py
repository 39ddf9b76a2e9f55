"""The dossier desk (Hồ sơ): a filter bar over the paged dossier table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import (
    QDate,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyle,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Channel, Status
from counter_app.i18n import _
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import Actor
from ui.bus import Changes, bus
from ui.desk_logic import COLUMNS, DeskQuery, DueFilter, to_filter
from ui.desk_model import STATUS_ROLE, DossierTableModel
from ui.fit import CELL_MARGINS, FullTextDelegate, elide_combo, flow_of
from ui.style import set_role, status_tone, tone_colours
from ui.tasks import TaskRunner

SEARCH_DELAY_MS = 250

STATUS_COLUMN = COLUMNS.index("Trạng thái")
CODE_COLUMN = COLUMNS.index("Mã hồ sơ")
DUE_COLUMN = COLUMNS.index("Hẹn trả")
NAME_COLUMN = COLUMNS.index("Người nộp")
NAME_MIN_CHARS = 7
"""The applicant's name gives up its room first, down to this many average characters,
so that the due date and the status beside it read whole on a small screen."""
SAMPLE_NAME = "Trần Thị Thu Hà"
SAMPLE_MOMENT = "20/12/2026 17:00 · "
SAMPLE_DUE = "20/12 17:00 · "
"""A due date this year, as the due column shows it (the year left out)."""
COMMON_STATUSES = (
    Status.RECEIVED,
    Status.PROCESSING,
    Status.SUPPLEMENT,
    Status.RESOLVED,
    Status.RETURNED,
)
"""The statuses the status column is sized for; a longer, rarer one is cut (tooltip)."""


def without_year(text: str, year: int) -> str:
    """ "08/12/2026 17:00 · Trễ hạn" -> "08/12 17:00 · Trễ hạn" in 2026; another year's date,
    or any other text, as it is."""
    marker = f"/{year} "
    if len(text) >= 11 and text[5:11] == marker and text[:5].replace("/", "").isdigit():
        return text[:5] + text[10:]
    return text


class DeskDelegate(FullTextDelegate):
    """A cut cell shows its whole text as its tooltip; a cut code keeps its distinguishing
    tail, the day and the number ("…-261207-0012"), not the office's prefix every code
    shares; a due date this year is shown without its year (`year`: the current one), so
    the status beside it reads whole (the whole date is in the tooltip and the detail)."""

    def __init__(self, view: QTableView, year: Callable[[], int]) -> None:
        super().__init__(view)
        self._year = year

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        if index.column() == CODE_COLUMN:
            option.textElideMode = Qt.TextElideMode.ElideLeft
        elif index.column() == DUE_COLUMN:
            option.text = without_year(option.text, self._year())

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """The status as a chip: its words in the colour of its kind (ui/style.py), in the
        room the words had (the chip's padding is the cell's margin)."""
        status = index.data(STATUS_ROLE)
        if index.column() != STATUS_COLUMN or status is None:
            super().paint(painter, option, index)
            return
        cell = QStyleOptionViewItem(option)
        self.initStyleOption(cell, index)
        text, cell.text = cell.text, ""
        widget = cell.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, cell, painter, widget)
        inset = CELL_MARGINS // 2
        pad = CELL_MARGINS - inset
        room = option.rect.adjusted(inset, 2, -inset, -2)
        metrics = cell.fontMetrics
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, room.width() - 2 * pad)
        chip = QRect(
            room.topLeft(), QSize(metrics.horizontalAdvance(shown) + 2 * pad, room.height())
        )
        fg, bg = tone_colours(status_tone(status))
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(fg)
        painter.setBrush(bg)
        radius = chip.height() / 2
        painter.drawRoundedRect(chip, radius, radius)
        painter.drawText(chip, int(Qt.AlignmentFlag.AlignCenter), shown)
        painter.restore()


class DeskView(QWidget):
    """Signals:
    dossier_activated(str): the clerk opened a dossier (Enter or double click) by code.
    """

    dossier_activated = Signal(str)

    def __init__(
        self,
        ctx: AppContext,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        runner: TaskRunner | None = None,
        preset: DeskQuery | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.actor = actor
        self.model = DossierTableModel(ctx, self, runner=runner)

        self.search = QLineEdit()
        self.search.setPlaceholderText(_("Tìm theo mã, tên, số định danh, điện thoại…"))
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName(_("Tìm hồ sơ"))
        self.status = QComboBox()
        self.status.addItem(_("Mọi trạng thái"), None)
        for status in Status:
            self.status.addItem(status.label, status)
        self.channel = QComboBox()
        self.channel.addItem(_("Mọi kênh"), None)
        for channel in Channel:
            self.channel.addItem(channel.label, channel)
        self.due = QComboBox()
        for due in DueFilter:
            self.due.addItem(_(due.value), due)
        self.handler = QLineEdit()
        self.handler.setPlaceholderText(_("Người xử lý"))
        self.handler.setAccessibleName(_("Người xử lý"))
        # Room for the whole placeholder (it shrank to "Ng…" beside the stretching combos).
        self.handler.setMinimumWidth(
            self.handler.fontMetrics().horizontalAdvance(_("Người xử lý")) + 24
        )
        self.handler.setMaximumWidth(180)
        self.use_dates = QCheckBox(_("Nhận từ"))
        today = ctx.clock().date()
        self.date_from = QDateEdit(QDate(today.year, today.month, 1))
        self.date_to = QDateEdit(QDate(today.year, today.month, today.day))
        self.date_from.setAccessibleName(_("Nhận từ ngày"))
        self.date_to.setAccessibleName(_("Nhận đến ngày"))
        self.status.setAccessibleName(_("Lọc theo trạng thái"))
        self.channel.setAccessibleName(_("Lọc theo kênh"))
        self.due.setAccessibleName(_("Lọc theo hạn"))
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setEnabled(False)
        self.count_label = QLabel()
        # Said when a search finds nothing: what to try next.
        self.empty_label = QLabel(
            _(
                "Không tìm thấy hồ sơ nào. Kiểm tra lại mã, tên hoặc số định danh; tìm không "
                "dấu để gặp mọi cách viết; hoặc chọn “Mọi trạng thái”, “Mọi hạn” để bỏ bớt lọc."
            )
        )
        self.empty_label.setWordWrap(True)
        set_role(self.empty_label, "empty")
        self.empty_label.setVisible(False)
        if preset is not None:
            self.search.setText(preset.search)
            self.status.setCurrentIndex(max(0, self.status.findData(preset.status)))
            self.channel.setCurrentIndex(max(0, self.channel.findData(preset.channel)))
            self.due.setCurrentIndex(max(0, self.due.findData(preset.due)))

        # The date range stays on one line; the filters wrap onto a second row when the
        # desk is narrow (a small screen, a large text size) instead of widening the window.
        dates = QWidget()
        dates_row = QHBoxLayout(dates)
        dates_row.setContentsMargins(0, 0, 0, 0)
        for widget in (self.use_dates, self.date_from, QLabel(_("đến")), self.date_to):
            dates_row.addWidget(widget)
        filters = flow_of(self.status, self.channel, self.due, self.handler, dates)

        self.table = QTableView()
        self.table.setAccessibleName(_("Danh sách hồ sơ"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setItemDelegate(
            DeskDelegate(self.table, lambda: ctx.clock().astimezone(VN_TZ).year)
        )
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        # No row numbers: on a page of a long list they count nothing, and their room lets
        # the status read whole beside the dossier's detail.
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self._name_width = 0
        self._size_columns()
        self.table.viewport().installEventFilter(self)
        self.table.installEventFilter(self)
        # The due date, then the status, next to the applicant: further right they were
        # off the visible part of the table beside the dossier's detail.
        header.moveSection(header.visualIndex(DUE_COLUMN), 2)
        header.moveSection(header.visualIndex(STATUS_COLUMN), 3)
        self.table.doubleClicked.connect(lambda index: self._activate(index.row()))
        self.table.activated.connect(lambda index: self._activate(index.row()))

        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addLayout(filters)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        # Enter searches at once and takes the clerk to the first row found.
        self._focus_first_row = False
        self.search.returnPressed.connect(self.search_now)
        self.handler.returnPressed.connect(self.search_now)
        self.handler.textChanged.connect(lambda _text: self._search_timer.start())
        for combo in (self.status, self.channel, self.due):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filters())
            # Their longest item ("Chờ thực hiện nghĩa vụ tài chính") no longer sets the
            # window's minimum width; they stretch into whatever room there is.
            elide_combo(combo, 12)
        self.use_dates.toggled.connect(self._dates_toggled)
        self.date_from.dateChanged.connect(lambda _d: self.apply_filters())
        self.date_to.dateChanged.connect(lambda _d: self.apply_filters())
        self.model.count_loaded.connect(self._show_count)
        bus().changes_applied.connect(self._changes_applied)
        self.apply_filters()

    def _size_columns(self) -> None:
        """Widths for the text size in use, so that beside the dossier's detail on a
        1366-pixel screen (11 pt) the code's tail (every code starts with the office's
        e-ID), a usual name, the whole due date with its "late" mark and the usual statuses
        read without scrolling (a longer, rarer status is cut, whole in its tooltip); the
        procedure and the rest follow."""
        metrics = self.table.fontMetrics()

        def room(*texts: str) -> int:
            return max(metrics.horizontalAdvance(text) for text in texts) + 2 * CELL_MARGINS

        moment = SAMPLE_MOMENT
        widths = {
            CODE_COLUMN: room("…-261231-0000", _("Mã hồ sơ")),
            NAME_COLUMN: room(SAMPLE_NAME),
            # A chip's round ends take half its height more than the words' margins.
            STATUS_COLUMN: room(*(status.label for status in COMMON_STATUSES))
            + metrics.height() // 2,
            DUE_COLUMN: room(SAMPLE_DUE + _("Trễ hạn"), SAMPLE_DUE + _("Sắp đến hạn")),
            COLUMNS.index("Thủ tục"): metrics.averageCharWidth() * 40,
            COLUMNS.index("Kênh"): room(Channel.DIRECT.label, Channel.ONLINE.label),
            COLUMNS.index("Ngày nhận"): room(moment + _("Nhập muộn")),
        }
        for column, width in widths.items():
            self.table.setColumnWidth(column, width)
        self._name_width = widths[NAME_COLUMN]
        self._fit_name_column()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_name_column()
        elif watched is self.table and event.type() == QEvent.Type.FontChange:
            # The style sheet sets the table's font when it is first polished, after the
            # widths were taken from the font before it: the statuses came out cut.
            self._size_columns()
        return super().eventFilter(watched, event)

    def least_width(self) -> int:
        """The desk's width for the code, a shortened name, the due date and the status to
        read whole without scrolling."""
        header = self.table.horizontalHeader()
        columns = sum(
            header.sectionSize(column) for column in (CODE_COLUMN, DUE_COLUMN, STATUS_COLUMN)
        )
        table = self.table
        margins = self.contentsMargins()
        layout = self.layout()
        if layout is not None:
            margins = layout.contentsMargins()
        chrome = (
            2 * table.frameWidth()
            + table.verticalScrollBar().sizeHint().width()
            + margins.left()
            + margins.right()
        )
        return columns + self._least_name_width() + chrome

    def _least_name_width(self) -> int:
        return self.table.fontMetrics().averageCharWidth() * NAME_MIN_CHARS + 2 * CELL_MARGINS

    def _fit_name_column(self) -> None:
        """Narrow the name (whole in its tooltip and in the detail) when the code, the name,
        the due date and the status would not all fit the visible part of the table: at
        13 pt on a 1280-pixel screen the status was off to the right."""
        if not self._name_width:
            return
        header = self.table.horizontalHeader()
        others = sum(
            header.sectionSize(column) for column in (CODE_COLUMN, DUE_COLUMN, STATUS_COLUMN)
        )
        room = self.table.viewport().width() - others
        self.table.setColumnWidth(
            NAME_COLUMN, max(self._least_name_width(), min(self._name_width, room))
        )

    def search_now(self) -> None:
        """Search without waiting for the typing to pause; the first row found gets the
        focus (the search box keeps it when nothing is found)."""
        self.apply_filters(focus_first_row=True)

    def _dates_toggled(self, on: bool) -> None:
        self.date_from.setEnabled(on)
        self.date_to.setEnabled(on)
        self.apply_filters()

    def query(self) -> DeskQuery:
        received_from: date | None = None
        received_to: date | None = None
        if self.use_dates.isChecked():
            received_from = self.date_from.date().toPython()  # type: ignore[assignment]
            received_to = self.date_to.date().toPython()  # type: ignore[assignment]
        return DeskQuery(
            search=self.search.text(),
            status=Status(status) if (status := self.status.currentData()) else None,
            channel=Channel(channel) if (channel := self.channel.currentData()) else None,
            due=self.due.currentData(),
            received_from=received_from,
            received_to=received_to,
            handler=self.handler.text(),
        )

    def apply_filters(self, *, focus_first_row: bool = False) -> None:
        self._search_timer.stop()
        self._focus_first_row = focus_first_row  # a later filter change cancels it
        calendar = self.ctx.reference.calendar  # as last read on the database thread
        self.model.set_filter(to_filter(self.query(), self.ctx.clock(), calendar))

    def _show_count(self, count: int) -> None:
        self.count_label.setText(_("{count} hồ sơ").format(count=f"{count:,}".replace(",", ".")))
        self.empty_label.setVisible(count == 0)
        if self._focus_first_row:
            self._focus_first_row = False
            if count:
                self.table.setCurrentIndex(self.model.index(0, 0))
                self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _activate(self, row: int) -> None:
        view = self.model.dossier_at(row)
        if view is not None:
            self.dossier_activated.emit(view.code)

    def _changes_applied(self, changes: Changes, initiator: QObject | None) -> None:
        if changes.dossiers:
            self.model.reload()
