"""One dossier: its facts, documents, event timeline and the lifecycle actions."""

from __future__ import annotations

import html
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QDate, QObject, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.documents.templates import FormKind
from counter_app.domain.fees import PaymentMethod
from counter_app.domain.lifecycle import Channel, EventKind, Role, Status
from counter_app.dossiers.deadlines import makes_second_supplement, second_supplement_warning
from counter_app.errors import CounterError
from counter_app.i18n import N_, _
from counter_app.kernel.context import AppContext
from counter_app.kernel.dossier_store import get_dossier
from counter_app.kernel.users import Actor, login_label
from counter_app.kernel.views import DossierView, EventView
from counter_app.payments.service import fee_due
from counter_app.payments.slip import SLIP_FORM
from counter_app.scanning.pages import RESULT_STATUSES
from ui.actions import (
    ACTIONS,
    FIELD_LABELS,
    Action,
    ActionInput,
    Field,
    check_input,
    parse_items,
    perform,
)
from ui.bus import Changes, bus
from ui.desk_logic import DATE_TIME_FORMAT, DueState, due_state, due_text, late_entry_text
from ui.errors import show_error
from ui.fit import FlowLayout, WrappingList, fit_to_screen
from ui.icons import icon, mark_primary
from ui.intake_logic import money
from ui.style import set_chip, set_tone, status_tone
from ui.tasks import Op, TaskRunner


def event_line(event: EventView) -> str:
    """A timeline line: when, who, what, why."""
    when = event.at.strftime(DATE_TIME_FORMAT)
    line = f"{when} · {login_label(event.actor)} · {event_text(event)}"
    return f"{line} — {event.reason}" if event.reason else line


def event_text(event: EventView) -> str:
    """What an event did, in words, with the figures its data holds."""
    data = event.data
    try:
        kind = EventKind(event.kind)
    except ValueError:
        return event.kind  # written by a newer version: its own name is all there is
    if kind is EventKind.MOVED and event.to_status:
        return Status(event.to_status).label
    if kind is EventKind.HANDED_OVER:
        return _("Bàn giao cho {to}").format(to=data.get("to", ""))
    if kind is EventKind.EXTENDED:
        return _("Gia hạn, xin lỗi: hẹn trả từ {old} sang {new} (duyệt: {approver})").format(
            old=_day_text(data.get("previous_due_at")),
            new=_day_text(data.get("due_at")),
            approver=data.get("approver", ""),
        )
    if kind is EventKind.APOLOGY:
        return _("Thư xin lỗi (duyệt: {approver})").format(approver=data.get("approver", ""))
    if kind is EventKind.PAGES_ATTACHED:
        return _pages_text(data)
    if kind is EventKind.PRINTED and data.get("form"):
        return _("In {form} ({copies} bản)").format(
            form=_form_name(str(data["form"])), copies=data.get("copies", 1)
        )
    if kind is EventKind.NOTE and isinstance(data.get("payment"), dict):
        payment = data["payment"]
        try:
            method = PaymentMethod(payment.get("method")).label
        except ValueError:
            method = str(payment.get("method", ""))
        return _("Thu phí {amount} ({method})").format(
            amount=money(int(payment.get("amount", 0))), method=method
        )
    if kind is EventKind.NOTE and data.get("apology"):
        # Recorded as a note before extensions were a service: the date only, no approver.
        new_date = date.fromisoformat(str(data["new_date"]))
        return _("Thư xin lỗi, hẹn trả lại ngày {day}").format(day=new_date.strftime("%d/%m/%Y"))
    return kind.label


def _pages_text(data: dict[str, Any]) -> str:
    action = data.get("action")
    count = len(data.get("pages") or [])
    if action == "add":
        return _("Đính kèm {n} trang").format(n=count)
    if action == "result":
        return _("Đính kèm {n} trang kết quả").format(n=count)
    if action == "reused":
        return _("Dùng lại giấy tờ đã số hóa")
    texts = {
        "move": N_("Chuyển vị trí trang"),
        "rotate": N_("Xoay trang"),
        "delete": N_("Xóa trang"),
        "replace": N_("Thay trang"),
    }
    return _(texts[action]) if action in texts else EventKind.PAGES_ATTACHED.label


# Short names of the printed papers, by the form kind the print recorded.
_FORM_NAMES = {
    FormKind.RECEIPT.value: N_("Giấy tiếp nhận hồ sơ (Mẫu 01)"),
    FormKind.SUPPLEMENT.value: N_("Phiếu yêu cầu bổ sung (Mẫu 02)"),
    FormKind.REFUSAL.value: N_("Phiếu từ chối tiếp nhận (Mẫu 03)"),
    FormKind.APOLOGY.value: N_("Phiếu xin lỗi, hẹn lại ngày trả (Mẫu 04)"),
    FormKind.CONTROL.value: N_("Phiếu kiểm soát quá trình (Mẫu 05)"),
    FormKind.STOP.value: N_("Thông báo dừng xử lý"),
    FormKind.BOOK.value: N_("Sổ theo dõi hồ sơ"),
    FormKind.SLIP.value: N_("Phiếu tiếp nhận ngắn"),
    SLIP_FORM: N_("Phiếu nộp phí VietQR"),
}


def _form_name(form: str) -> str:
    return _(_FORM_NAMES[form]) if form in _FORM_NAMES else form


def _day_text(iso_text: object) -> str:
    return datetime.fromisoformat(str(iso_text)).strftime("%d/%m/%Y") if iso_text else "-"


def open_print_preview(parent: QWidget, ctx: AppContext, actor: Actor, code: str) -> None:
    """The receipt's print preview (issue 5's dialog), when this build has it."""
    try:
        from counter_app.documents.templates import FormKind
        from ui.print_preview import PrintPreviewDialog
    except ImportError:
        bus().info(_("Mã hồ sơ: {code}").format(code=code))
        return
    PrintPreviewDialog(ctx, actor, FormKind.RECEIPT, code, parent=parent, offer_slip=True).open()


def open_scan_view(parent: QWidget, ctx: AppContext, actor: Actor, code: str) -> QDialog | None:
    """The scanning screen (issue 4) for one dossier, in its own window."""
    try:
        from ui.scan_view import ScanView
    except ImportError:
        return None
    dialog = QDialog(parent)
    dialog.setWindowTitle(_("Số hóa hồ sơ {code}").format(code=code))
    view = ScanView(ctx, actor, code, parent=dialog)
    view.pages_changed.connect(
        lambda changed: bus().changes_applied.emit(Changes(dossiers=(changed,), counts=False), view)
    )
    QVBoxLayout(dialog).addWidget(view)
    fit_to_screen(dialog, 1100, 750)
    dialog.open()
    return dialog


class ActionDialog(QDialog):
    """The small form of one action; `given` holds what was typed when accepted."""

    def __init__(self, action: Action, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.action = action
        self.today = today
        self.given: ActionInput | None = None
        self.setWindowTitle(_(action.label))
        self.reason = QPlainTextEdit()
        self.reason.setTabChangesFocus(True)
        self.items = QPlainTextEdit()
        self.items.setTabChangesFocus(False)
        self.handler = QLineEdit()
        self.receiver = QLineEdit()
        self.approver = QLineEdit()
        self.new_date = QDateEdit(QDate(today.year, today.month, today.day).addDays(5))
        self.new_date.setDisplayFormat("dd/MM/yyyy")
        self.new_date.setCalendarPopup(True)
        self.message = QLabel()
        set_tone(self.message, "error")
        self.message.setWordWrap(True)  # a long refusal does not widen the dialog
        widgets: dict[Field, QWidget] = {
            Field.REASON: self.reason,
            Field.ITEMS: self.items,
            Field.HANDLER: self.handler,
            Field.NEW_DATE: self.new_date,
            Field.RECEIVER: self.receiver,
            Field.APPROVER: self.approver,
        }
        form = QFormLayout()
        for which in action.fields:
            label = _(FIELD_LABELS[which])
            form.addRow(f"{label} *" if which in action.required else label, widgets[which])
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        if ok is not None:
            mark_primary(ok)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        if action.fields:
            widgets[action.fields[0]].setFocus()

    def collected(self) -> ActionInput:
        picked = self.new_date.date().toPython() if Field.NEW_DATE in self.action.fields else None
        return ActionInput(
            reason=self.reason.toPlainText(),
            items=parse_items(self.items.toPlainText()),
            handler=self.handler.text(),
            new_date=picked if isinstance(picked, date) else None,
            receiver=self.receiver.text(),
            approver=self.approver.text(),
        )

    def submit(self) -> None:
        given = self.collected()
        try:
            check_input(self.action, given)
        except CounterError as exc:
            self.message.setText(exc.message)
            return
        self.given = given
        self.accept()


class DossierDetailView(QWidget):
    """Signals:
    loaded(object): the DossierView now shown.
    action_done(str): an action was recorded on the dossier (its key).
    """

    loaded = Signal(object)
    action_done = Signal(str)

    def __init__(
        self,
        ctx: AppContext,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.actor = actor
        self._runner = runner
        self.view: DossierView | None = None
        self.header = QLabel(_("Chọn một hồ sơ trong danh sách (Enter để mở)."))
        self.header.setWordWrap(True)
        # The status, and how it stands against its due date, as chips: words in colour.
        self.status_chip = QLabel()
        self.due_chip = QLabel()
        chips = QHBoxLayout()
        chips.setContentsMargins(0, 0, 0, 0)
        for chip in (self.status_chip, self.due_chip):
            chip.setVisible(False)
            chips.addWidget(chip)
        chips.addStretch(1)
        self.documents = WrappingList(rows=3)
        self.documents.setAccessibleName(_("Thành phần hồ sơ"))
        self.timeline = WrappingList(rows=4)
        self.timeline.setAccessibleName(_("Quá trình xử lý"))
        self.message = QLabel()
        set_tone(self.message, "error")
        self.message.setWordWrap(True)
        self.message.setVisible(False)  # no empty line under the buttons
        self.buttons: dict[str, QPushButton] = {}
        # The buttons wrap onto as many rows as the width needs (they set the window's
        # minimum width three abreast); the shortcuts and the tab order stay as they are.
        grid = FlowLayout(justify=True)
        for action in ACTIONS:
            button = QPushButton(f"{_(action.label)} ({action.shortcut})")
            button.setShortcut(QKeySequence(action.shortcut))
            button.setEnabled(False)
            button.clicked.connect(lambda _c=False, a=action: self.start_action(a))
            self.buttons[action.key] = button
            if action.key == "return":  # the counter's main step once a result is in
                mark_primary(button, "package-check")
            grid.addWidget(button)
        self.print_button = QPushButton(_("&In phiếu tiếp nhận"))
        self.print_button.setIcon(icon("printer"))
        self.print_button.setEnabled(False)
        self.print_button.clicked.connect(
            lambda: self.view and open_print_preview(self, ctx, actor, self.view.code)
        )
        self.scan_button = QPushButton(_("&Quét / Trang"))
        self.scan_button.setIcon(icon("scan-line"))
        self.scan_button.setEnabled(False)
        self.scan_button.clicked.connect(
            lambda: self.view and open_scan_view(self, ctx, actor, self.view.code)
        )
        self.fee_button = QPushButton(_("Thu &phí (VietQR)"))
        self.fee_button.setEnabled(False)
        self.fee_button.clicked.connect(self.collect_fee)
        self.result_button = QPushButton(_("Đính kèm &kết quả"))
        self.result_button.setEnabled(False)
        self.result_button.clicked.connect(self.offer_result)
        for button in (self.print_button, self.scan_button, self.fee_button, self.result_button):
            grid.addWidget(button)
        # The actions right under the header: on a small screen the lists give up their
        # room (or scroll), not the buttons.
        layout = QVBoxLayout(self)
        layout.addLayout(chips)
        layout.addWidget(self.header)
        layout.addLayout(grid)
        layout.addWidget(self.message)
        layout.addWidget(QLabel(_("Thành phần hồ sơ")))
        layout.addWidget(self.documents, 1)
        layout.addWidget(QLabel(_("Quá trình xử lý")))
        layout.addWidget(self.timeline, 2)
        self.dialog: ActionDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self.fee_dialog: QDialog | None = None
        self.result_dialog: QDialog | None = None
        bus().changes_applied.connect(self._changes_applied)

    def load(self, code: str) -> None:
        ctx = self.ctx
        Op(self, lambda: get_dossier(ctx, code), runner=self._runner).on_success(
            self.show_dossier
        ).start()

    def show_dossier(self, view: DossierView) -> None:
        self.view = view
        now = self.ctx.clock()
        applicant = view.applicant
        identity = applicant.get("id_number") or applicant.get("tax_code") or ""
        status = Status(view.status)
        self.status_chip.setText(status.label)
        set_chip(self.status_chip, status_tone(status))
        self.status_chip.setVisible(True)
        due_state_now = due_state(view, now)
        due_words = {DueState.LATE: (_("Trễ hạn"), "late"),
                     DueState.NEAR: (_("Sắp đến hạn"), "warning")}.get(due_state_now)  # fmt: skip
        if due_words is not None:
            self.due_chip.setText(due_words[0])
            set_chip(self.due_chip, due_words[1])
        self.due_chip.setVisible(due_words is not None)
        late = late_entry_text(view)
        # Said in words, in bold, right under the code: catching up must stay visible.
        late_line = (f"<b>{html.escape(late)}</b>",) if late else ()
        self.header.setText(
            "<br>".join(
                (
                    f"<b>{view.code}</b> · {Status(view.status).label} · "
                    f"{Channel(view.channel).label}",
                    *late_line,
                    f"{view.applicant_name} ({identity})",
                    f"{view.procedure_name}",
                    _("Nhận: {received} · Hẹn trả: {due} · Phí: {fee}").format(
                        received=view.received_at.strftime(DATE_TIME_FORMAT),
                        due=due_text(view, now),
                        fee=money(view.fee_total),
                    ),
                    _("Số trang đã số hóa: {pages} · Phí còn phải thu: {due}").format(
                        pages=view.pages, due=money(fee_due(view))
                    ),
                )
            )
        )
        self.documents.clear()
        for document in view.documents:
            mark = "☑" if document.provided else "☐"
            self.documents.addItem(f"{mark} {document.name}")
        self.timeline.clear()
        for event in view.events:
            self.timeline.addItem(event_line(event))
        status = Status(view.status)
        for action in ACTIONS:
            self.buttons[action.key].setEnabled(action.available(status))
        self.print_button.setEnabled(True)
        self.scan_button.setEnabled(True)
        self.scan_button.setText(_("&Quét / Trang ({n})").format(n=view.pages))
        self.fee_button.setEnabled(fee_due(view) > 0)
        self.result_button.setEnabled(status in RESULT_STATUSES)
        self.message.clear()
        self.message.setVisible(False)
        self.loaded.emit(view)

    def start_action(self, action: Action) -> None:
        if self.view is None or not action.available(Status(self.view.status)):
            return
        if action.key == "supplement" and makes_second_supplement(self.view):
            self._confirm_second_supplement(action)
            return
        self._open_dialog(action)

    def _confirm_second_supplement(self, action: Action) -> None:
        """Decision 766 counts the dossier as late after a second request: ask first."""
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            _("Yêu cầu bổ sung lần 2"),
            second_supplement_warning() + "\n" + _("Vẫn gửi yêu cầu bổ sung?"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.No)
        yes = box.button(QMessageBox.StandardButton.Yes)

        def answered(_result: int) -> None:
            if box.clickedButton() is yes:
                self._open_dialog(action)

        box.finished.connect(answered)
        self.confirm_box = box
        box.open()

    def _open_dialog(self, action: Action) -> None:
        self.dialog = ActionDialog(action, self.ctx.clock().date(), self)
        if action.key == "apology" and self.actor.role is Role.LEADER:
            self.dialog.approver.setText(self.actor.login)
        self.dialog.accepted.connect(lambda: self._run(action))
        self.dialog.open()

    def _run(self, action: Action) -> None:
        assert self.view is not None and self.dialog is not None
        given = self.dialog.given
        assert given is not None
        ctx, actor, code = self.ctx, self.actor, self.view.code
        Op(self, lambda: perform(ctx, code, actor, action, given), runner=self._runner).on_success(
            lambda done: self._done(action, done)
        ).on_error(self._failed).start()

    def _done(self, action: Action, code: str) -> None:
        bus().changes_applied.emit(Changes(dossiers=(code,)), self)
        self.load(code)
        self.action_done.emit(action.key)
        if action.key == "resolve":
            self.offer_result()

    def offer_result(self) -> None:
        """The electronic result: scan it or pick its file (docs/rules.md §9)."""
        if self.view is None:
            return
        from ui.result_dialog import ResultDialog

        code = self.view.code
        dialog = ResultDialog(self.ctx, self.actor, code, self, runner=self._runner)
        dialog.attached.connect(lambda _n: self.load(code))
        self.result_dialog = dialog
        dialog.open()

    def collect_fee(self) -> None:
        if self.view is None:
            return
        from ui.intake_dialogs import PaymentDialog

        code = self.view.code
        dialog = PaymentDialog(self.ctx, self.actor, code, self, runner=self._runner)
        dialog.paid.connect(lambda _view: self.load(code))
        self.fee_dialog = dialog
        dialog.open()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, CounterError):
            self.message.setText(exc.message)
            self.message.setVisible(True)
        else:
            show_error(self, exc)

    def _changes_applied(self, changes: Changes, initiator: QObject | None) -> None:
        if initiator is not self and self.view is not None and self.view.code in changes.dossiers:
            self.load(self.view.code)
