"""Gửi lên tỉnh: where the counter stands with the province's server (the hub), why each
dossier is not sent yet, registering this machine with the province, and the day close
that a leader signs off after a match. The clerk reads it in their words (ui/sync_words.py).

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
from counter_app.errors import CounterError
from counter_app.i18n import _
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import Actor, login_label
from counter_app.sync.client import HubUnavailableError
from counter_app.sync.portal_push import REFUSED, PortalSendView, portal_states, refusal_words
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
from ui.bus import Changes, bus
from ui.enrol_form import EnrolForm
from ui.icons import mark_primary
from ui.sync_words import sync_words
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
        self._problem: str | None = None

        self.state_label = QLabel()
        self.state_label.setWordWrap(True)
        self.warning_label = QLabel()
        self.warning_label.setWordWrap(True)
        self.warning_label.setObjectName("sync_warning")
        self.sync_button = QPushButton(_("&Gửi lên tỉnh"))
        self.sync_button.setObjectName("send_button")
        mark_primary(self.sync_button, "send")
        self.sync_button.setEnabled(False)  # until the state is read: enrolled, not the demo
        self.sync_button.clicked.connect(self.sync_now)
        self.enrol_box = QGroupBox(_("Đăng ký máy với tỉnh"))
        self.enrol_form = EnrolForm(ctx)
        self.enrol_form.enrolled.connect(self._enrolled)
        QVBoxLayout(self.enrol_box).addWidget(self.enrol_form)
        self.enrol_box.setVisible(False)

        self.table = QTableWidget(0, 4)
        self.table.setAccessibleName(_("Hồ sơ chưa gửi lên tỉnh"))
        self.table.setHorizontalHeaderLabels(
            [_("Mã hồ sơ"), _("Tình trạng"), _("Lý do chưa gửi"), _("Lần thử tiếp theo")]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)

        self.day_edit = QDateEdit()
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("dd/MM/yyyy")
        today = date.today()
        self.day_edit.setDate(QDate(today.year, today.month, today.day))
        self.day_edit.dateChanged.connect(lambda _d: self.refresh())
        self.close_button = QPushButton(_("Đối chiếu ngày với tỉnh"))
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
        layout.addWidget(self.enrol_box)
        self.table_title = QLabel(_("Hồ sơ chưa gửi lên tỉnh"))
        layout.addWidget(self.table_title)
        layout.addWidget(self.table, 1)
        layout.addWidget(day_box)
        layout.addStretch(0)
        self.refresh()

    def selected_day(self) -> date:
        value = self.day_edit.date()
        return date(value.year(), value.month(), value.day())

    # --- loading --------------------------------------------------------------------

    def refresh(self) -> None:
        ctx, day = self._ctx, self.selected_day()
        Op(
            self,
            lambda: (sync_overview(ctx), day_close_view(ctx, day), portal_states(ctx, [REFUSED])),
        ).on_success(self._show).start()

    def _show(self, loaded: tuple[SyncOverview, DayCloseView | None, list[PortalSendView]]) -> None:
        overview, close, refused = loaded
        self._close = close
        demo = self._ctx.config.demo
        words = sync_words(overview, demo=demo)
        state = words.detail
        if overview.enrolled and overview.hub_url:
            state += "\n" + _("Máy chủ của tỉnh: {url}").format(url=overview.hub_url)
        self.state_label.setText(state)
        if self._problem:  # the button's own run just failed: why, and what to do
            self.warning_label.setText(self._problem)
        elif words.warning:
            self.warning_label.setText(f"{words.line}\n{words.advice}".strip())
        else:
            # The demo's own line is already the state above: no second line saying it.
            self.warning_label.setText("" if demo else words.advice)
        self.warning_label.setVisible(bool(self.warning_label.text()))
        # The demo sends nothing, so nothing is "waiting": listing its dossiers as "Chờ
        # gửi" told the clerk they would go to the province.
        self.table_title.setVisible(not demo)
        self.table.setVisible(not demo)
        # What went wrong, in the server's own words, for whoever looks after the machine.
        self.warning_label.setToolTip(overview.last_error or "")
        self.sync_button.setEnabled(overview.enrolled and not demo)
        self.close_button.setEnabled(overview.enrolled and not demo)
        self.enrol_box.setVisible(not overview.enrolled and not demo)
        self.table.setRowCount(len(overview.unsynced) + len(refused))
        for row, item in enumerate(overview.unsynced):
            failed = item.state == "failed"
            state = _("Lỗi, sẽ thử lại") if failed else _("Chờ gửi")
            reason = item.reason if failed else _("Chờ lần gửi tới")
            for column, text in enumerate((item.code, state, reason, _when(item.next_attempt_at))):
                self.table.setItem(row, column, QTableWidgetItem(text))
        # Refused by the province's one-stop system (`portal push`): why, in its own words.
        for row, sent in enumerate(refused, start=len(overview.unsynced)):
            texts = (sent.code, _("Tỉnh từ chối"), refusal_words(sent.reason), "—")
            for column, text in enumerate(texts):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()  # codes and reasons whole; the last column stretches
        self._show_close(close)

    def _show_close(self, close: DayCloseView | None) -> None:
        actor = self._actor()
        if self._ctx.config.demo:
            self.close_label.setText(_("Dữ liệu mẫu không đối chiếu với tỉnh."))
        elif close is None:
            self.close_label.setText(_("Ngày này chưa đối chiếu với tỉnh."))
        elif close.match:
            text = _("Khớp với số liệu của tỉnh: {n} hồ sơ.").format(n=close.received)
            if close.signed_off_by:
                text += " " + _("Đã ký xác nhận: {who}, {when}.").format(
                    who=login_label(close.signed_off_by), when=_when(close.signed_off_at)
                )
            self.close_label.setText(text)
        else:
            lines = describe_difference(close.difference)
            advice = _(
                "Bấm “Gửi lên tỉnh” rồi đối chiếu lại; nếu vẫn chưa khớp, báo cán bộ của tỉnh."
            )
            self.close_label.setText(
                _("CHƯA KHỚP với số liệu của tỉnh:") + "\n" + "\n".join(lines) + "\n" + advice
            )
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
        self._problem = None
        self.sync_button.setEnabled(True)
        self.close_button.setEnabled(True)
        self.refresh()

    def _enrolled(self, _device: object) -> None:
        """Registered just now: the window starts sending in the background."""
        bus().changes_applied.emit(Changes(counts=False), self)
        self.refresh()

    def _failed(self, exc: BaseException) -> None:
        from ui.errors import show_error

        self.sync_button.setEnabled(True)
        self.close_button.setEnabled(True)
        if isinstance(exc, HubUnavailableError):
            self._problem = "⚠ " + _(
                "Không kết nối được máy chủ của tỉnh. Kiểm tra kết nối mạng rồi bấm “Gửi lên "
                "tỉnh” lần nữa; hồ sơ vẫn lưu trên máy này."
            )
        elif isinstance(exc, CounterError):
            self._problem = "⚠ " + exc.message
        else:
            show_error(self, exc)
        self.refresh()
