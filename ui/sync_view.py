"""The sync screen: where the counter stands with the hub, why each dossier is not synced
yet, and the day close that a leader signs off after a match.

A plain QWidget the main window hosts; all work goes through `ui.tasks.Op` and
`counter_app.sync.service`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Role
from counter_app.i18n import _
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import Actor, login_label
from counter_app.sync.service import (
    DayCloseView,
    SyncOverview,
    SyncReport,
    day_close_view,
    describe_difference,
    run_sync,
    sign_off_day,
    sync_overview,
)
from ui.tasks import Op, default_runner


def _when(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")
    return "—"


class SyncView(QWidget):
    """Sync state, the "why not synced" list, and the day-close screen."""

    def __init__(
        self, ctx: AppContext, actor: Callable[[], Actor], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("sync_view")
        self._ctx = ctx
        self._actor = actor
        self._close: DayCloseView | None = None

        self.state_label = QLabel()
        self.state_label.setWordWrap(True)
        self.warning_label = QLabel()
        self.warning_label.setWordWrap(True)
        self.warning_label.setObjectName("sync_warning")
        self.sync_button = QPushButton(_("Đồng bộ ngay"))
        self.sync_button.clicked.connect(self.sync_now)

        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(
            [_("Mã hồ sơ"), _("Tình trạng"), _("Lý do chưa đồng bộ"), _("Lần thử tiếp theo")]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)

        self.day_edit = QDateEdit()
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("dd/MM/yyyy")
        today = date.today()
        self.day_edit.setDate(QDate(today.year, today.month, today.day))
        self.day_edit.dateChanged.connect(lambda _d: self.refresh())
        self.close_button = QPushButton(_("Chốt ngày với hub"))
        self.close_button.clicked.connect(self.close_day)
        self.sign_button = QPushButton(_("Lãnh đạo ký xác nhận ngày"))
        self.sign_button.clicked.connect(self.sign_off)
        self.close_label = QLabel()
        self.close_label.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(self.state_label, 1)
        top.addWidget(self.sync_button)
        day_box = QGroupBox(_("Chốt số liệu cuối ngày"))
        day_row = QHBoxLayout()
        day_row.addWidget(QLabel(_("Ngày:")))
        day_row.addWidget(self.day_edit)
        day_row.addWidget(self.close_button)
        day_row.addWidget(self.sign_button)
        day_row.addStretch(1)
        day_layout = QVBoxLayout(day_box)
        day_layout.addLayout(day_row)
        day_layout.addWidget(self.close_label)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.warning_label)
        layout.addWidget(QLabel(_("Hồ sơ chưa đồng bộ")))
        layout.addWidget(self.table, 1)
        layout.addWidget(day_box)
        self.refresh()

    def selected_day(self) -> date:
        value = self.day_edit.date()
        return date(value.year(), value.month(), value.day())

    # --- loading --------------------------------------------------------------------

    def refresh(self) -> None:
        ctx, day = self._ctx, self.selected_day()
        Op(self, lambda: (sync_overview(ctx), day_close_view(ctx, day))).on_success(
            self._show
        ).start()

    def _show(self, loaded: tuple[SyncOverview, DayCloseView | None]) -> None:
        overview, close = loaded
        self._close = close
        if overview.enrolled:
            text = _("Hub: {url} · đồng bộ thành công gần nhất: {when} · {n} sự kiện chờ gửi")
            self.state_label.setText(
                text.format(
                    url=overview.hub_url,
                    when=_when(overview.last_success_at),
                    n=overview.pending_events,
                )
            )
        else:
            self.state_label.setText(_("Quầy chưa ghi danh với hub."))
        warning = overview.warning or overview.last_error or ""
        self.warning_label.setText(f"⚠ {warning}" if warning else "")
        self.table.setRowCount(len(overview.unsynced))
        for row, item in enumerate(overview.unsynced):
            state = _("Lỗi, sẽ thử lại") if item.state == "failed" else _("Chờ gửi")
            for column, text in enumerate(
                (item.code, state, item.reason, _when(item.next_attempt_at))
            ):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()  # codes and reasons whole; the last column stretches
        self._show_close(close)

    def _show_close(self, close: DayCloseView | None) -> None:
        actor = self._actor()
        if close is None:
            self.close_label.setText(_("Ngày này chưa chốt với hub."))
        elif close.match:
            text = _("Khớp với hub: {n} hồ sơ.").format(n=close.received)
            if close.signed_off_by:
                text += " " + _("Đã ký xác nhận: {who}, {when}.").format(
                    who=login_label(close.signed_off_by), when=_when(close.signed_off_at)
                )
            self.close_label.setText(text)
        else:
            lines = describe_difference(close.difference)
            self.close_label.setText(_("CHƯA KHỚP với hub:") + "\n" + "\n".join(lines))
        self.sign_button.setEnabled(
            close is not None
            and close.match
            and not close.signed_off_by
            and actor.role is Role.LEADER
        )

    # --- actions --------------------------------------------------------------------

    def sync_now(self) -> None:
        ctx, run_db = self._ctx, default_runner().call_db
        self.sync_button.setEnabled(False)
        # run_sync spends most of its time on HTTP, like the background sync: on the
        # parallel pool, its short database jobs taking turns on the database thread.
        Op(self, lambda: run_sync(ctx, run_db=run_db), db=False).on_success(self._synced).on_error(
            self._failed
        ).start()

    def close_day(self) -> None:
        ctx, day, run_db = self._ctx, self.selected_day(), default_runner().call_db
        self.close_button.setEnabled(False)
        Op(self, lambda: run_sync(ctx, close_day=day, run_db=run_db), db=False).on_success(
            self._synced
        ).on_error(self._failed).start()

    def sign_off(self) -> None:
        ctx, day, actor = self._ctx, self.selected_day(), self._actor()
        Op(self, lambda: sign_off_day(ctx, day, actor)).on_success(
            lambda _view: self.refresh()
        ).start()

    def _synced(self, report: SyncReport) -> None:
        self.sync_button.setEnabled(True)
        self.close_button.setEnabled(True)
        self.refresh()

    def _failed(self, exc: BaseException) -> None:
        from ui.errors import show_error

        self.sync_button.setEnabled(True)
        self.close_button.setEnabled(True)
        show_error(self, exc)
        self.refresh()
