"""The desk's table model: pages of dossiers fetched in the background, never all rows.

The row count comes from `desk_count`; a row's page (PAGE_SIZE rows) is fetched with
`desk_page` on the database worker the first time the view asks for it, and shown as
"…" until it arrives. Only MAX_PAGES pages are kept. Changing the filter starts a new
generation: late answers of the old one are dropped.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush

from counter_app.dossiers.desk import desk_count, desk_page
from counter_app.dossiers.service import DossierFilter
from counter_app.i18n import _
from counter_app.kernel.context import AppContext
from counter_app.kernel.views import DossierView
from ui.desk_logic import COLUMNS, DueState, cell_text, due_state, late_entry_text
from ui.style import colour
from ui.tasks import Op, TaskRunner

PAGE_SIZE = 100
MAX_PAGES = 40
LATE_ROLE = "late_row"
NEAR_ROLE = "near_row"
"""The palette roles (ui/style.py) of a late row and of a row due soon; the due column says
it in words too ("Trễ hạn", "Sắp đến hạn")."""
LOADING = "…"

AnyIndex = QModelIndex | QPersistentModelIndex
STATUS_ROLE = Qt.ItemDataRole.UserRole + 1
"""A row's dossier status (its value), for the status column's chip."""


class DossierTableModel(QAbstractTableModel):
    """Signals:
    count_loaded(int): the row count of the current filter is known.
    page_loaded(int): a page (its number) arrived and its rows were refreshed.
    """

    count_loaded = Signal(int)
    page_loaded = Signal(int)

    def __init__(
        self,
        ctx: AppContext,
        parent: QObject | None = None,
        *,
        runner: TaskRunner | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._runner = runner
        self._now = now or ctx.clock
        self._filter = DossierFilter()
        self._rows = 0
        self._pages: OrderedDict[int, list[DossierView]] = OrderedDict()
        self._pending: set[int] = set()
        self._generation = 0

    # --- loading --------------------------------------------------------------------

    @property
    def filter(self) -> DossierFilter:
        return self._filter

    def set_filter(self, flt: DossierFilter) -> None:
        self._filter = flt
        self.reload()

    def reload(self) -> None:
        """Drop every cached page and count again (after a filter change or a mutation)."""
        self._generation += 1
        generation = self._generation
        flt = self._filter
        ctx = self._ctx
        Op(self, lambda: desk_count(ctx, flt), runner=self._runner).on_success(
            lambda count: self._count_arrived(generation, count)
        ).start()

    def _count_arrived(self, generation: int, count: int) -> None:
        if generation != self._generation:
            return
        self.beginResetModel()
        self._rows = count
        self._pages.clear()
        self._pending.clear()
        self.endResetModel()
        self.count_loaded.emit(count)

    def _request_page(self, page: int) -> None:
        if page in self._pending:
            return
        self._pending.add(page)
        generation = self._generation
        flt = self._filter
        ctx = self._ctx
        total = self._rows  # this generation's count: it spares a small search some look-ups
        Op(
            self,
            lambda: desk_page(ctx, flt, offset=page * PAGE_SIZE, limit=PAGE_SIZE, total=total),
            runner=self._runner,
        ).on_success(lambda rows: self._page_arrived(generation, page, rows)).start()

    def _page_arrived(self, generation: int, page: int, rows: list[DossierView]) -> None:
        if generation != self._generation:
            return
        self._pending.discard(page)
        self._pages[page] = rows
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        first = page * PAGE_SIZE
        last = min(first + PAGE_SIZE, self._rows) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
        self.page_loaded.emit(page)

    def dossier_at(self, row: int) -> DossierView | None:
        """The view of a row, or None while its page is loading (asks for it)."""
        if row < 0 or row >= self._rows:
            return None
        page = row // PAGE_SIZE
        rows = self._pages.get(page)
        if rows is None:
            self._request_page(page)
            return None
        self._pages.move_to_end(page)
        offset = row - page * PAGE_SIZE
        return rows[offset] if offset < len(rows) else None

    @property
    def loaded_pages(self) -> int:
        return len(self._pages)

    # --- Qt model -------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            return _(COLUMNS[section])
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        roles = (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.BackgroundRole,
            Qt.ItemDataRole.ToolTipRole,
            STATUS_ROLE,
        )
        if role not in roles:
            return None
        view = self.dossier_at(index.row())
        if view is None:
            return LOADING if role == Qt.ItemDataRole.DisplayRole else None
        if role == STATUS_ROLE:
            return view.status
        if role == Qt.ItemDataRole.ToolTipRole:
            return late_entry_text(view)
        now = self._now()
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(view, index.column(), now)
        state = due_state(view, now)
        if state is DueState.LATE:
            return QBrush(colour(LATE_ROLE))
        if state is DueState.NEAR:
            return QBrush(colour(NEAR_ROLE))
        return None
