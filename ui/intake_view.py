"""Tiếp nhận: keyboard-first intake of one dossier.

Keyboard path: type the procedure (diacritics optional), ↓/↑ to pick, Enter; scan the CCCD
QR wherever the focus is in the applicant panel (or type the ID, Tab, the name ...); Tab
through the checklist (Space ticks), fee, payment and channel; Ctrl+Enter logs the
dossier. The form then clears for the next citizen with the focus back on the procedure.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.applicants import FEMALE, MALE, parse_cccd_qr
from counter_app.domain.catalog import Procedure
from counter_app.domain.lifecycle import Channel
from counter_app.errors import CounterError
from counter_app.i18n import _
from counter_app.services.context import AppContext
from counter_app.services.desk import procedure_usage
from counter_app.services.dossiers import (
    DossierFilter,
    intake,
    list_dossiers,
    time_limit_for,
)
from counter_app.services.users import Actor
from counter_app.services.views import DossierView
from ui.bus import Changes, bus
from ui.errors import show_error
from ui.intake_logic import (
    PAYMENT_METHODS,
    DocumentChoice,
    IntakeDraft,
    WedgeBuffer,
    build_request,
    card_fields,
    money,
    procedure_summary,
    rank_procedures,
)
from ui.tasks import Op, TaskRunner

WEDGE_QUIET_MS = 300
PICKER_ROWS = 8
PAST_DOSSIERS = 5


class ProcedurePicker(QWidget):
    """A search field over a short result list; ↓/↑ move, Enter picks.

    Signals:
        picked(object): the chosen Procedure.
    """

    picked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setPlaceholderText(_("Gõ tên hoặc mã thủ tục (không cần dấu)…"))
        self.results = QListWidget()
        self.results.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.results.setMaximumHeight(190)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.results)
        self._procedures: list[Procedure] = []
        self._usage: dict[str, int] = {}
        self._catalog: Any = None
        self.search.textChanged.connect(self.refresh)
        self.search.installEventFilter(self)
        self.results.itemActivated.connect(lambda _item: self.pick_current())

    def set_catalog(self, catalog: Any, usage: dict[str, int]) -> None:
        self._catalog = catalog
        self._usage = usage
        self.refresh()

    def refresh(self) -> None:
        if self._catalog is None:
            return
        self._procedures = rank_procedures(self._catalog, self.search.text(), self._usage)
        self.results.clear()
        for procedure in self._procedures[:50]:
            item = QListWidgetItem(f"{procedure.name}\n    {procedure_summary(procedure)}")
            item.setToolTip(f"{procedure.code} · {procedure.field}")
            self.results.addItem(item)
        if self._procedures:
            self.results.setCurrentRow(0)

    def pick_current(self) -> None:
        row = self.results.currentRow()
        if 0 <= row < len(self._procedures):
            self.picked.emit(self._procedures[row])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            row = self.results.currentRow()
            if key == Qt.Key.Key_Down:
                self.results.setCurrentRow(min(row + 1, self.results.count() - 1))
                return True
            if key == Qt.Key.Key_Up:
                self.results.setCurrentRow(max(row - 1, 0))
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
                event.modifiers() & Qt.KeyboardModifier.ControlModifier
            ):
                self.pick_current()
                return True
        return False


class ApplicantPanel(QGroupBox):
    """The applicant's fields, with the keyboard-wedge QR reader listening on all of them.

    Signals:
        card_read(str): a CCCD QR was recognised (the ID number).
        id_entered(str): a complete 12-digit ID number is in the field.
    """

    card_read = Signal(str)
    id_entered = Signal(str)
    returning_shown = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Người nộp hồ sơ"), parent)
        self.organisation = QCheckBox(_("&Tổ chức (doanh nghiệp, hợp tác xã…)"))
        self.id_number = QLineEdit()
        self.id_number.setPlaceholderText(_("12 chữ số, hoặc quét mã QR căn cước"))
        self.tax_code = QLineEdit()
        self.name = QLineEdit()
        self.birth_date = QLineEdit()
        self.birth_date.setPlaceholderText(_("ngày/tháng/năm"))
        self.gender = QComboBox()
        self.gender.addItem("", "")
        self.gender.addItem(_(MALE), MALE)
        self.gender.addItem(_(FEMALE), FEMALE)
        self.address = QLineEdit()
        self.phone = QLineEdit()
        self.email = QLineEdit()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.returning = QLabel()
        self.returning.setWordWrap(True)
        self.form = QFormLayout()
        self.form.addRow(self.organisation)
        self.form.addRow(_("Số định danh"), self.id_number)
        self.form.addRow(_("Mã số thuế"), self.tax_code)
        self.form.addRow(_("Họ tên / tên tổ chức"), self.name)
        self.form.addRow(_("Ngày sinh"), self.birth_date)
        self.form.addRow(_("Giới tính"), self.gender)
        self.form.addRow(_("Địa chỉ"), self.address)
        self.form.addRow(_("Điện thoại"), self.phone)
        self.form.addRow(_("Thư điện tử"), self.email)
        self.form.addRow(self.returning)
        self.form.addRow(self.message)
        self.setLayout(self.form)
        self.organisation.toggled.connect(self._kind_changed)
        self.id_number.textChanged.connect(self._id_changed)
        self._kind_changed(False)

        self.wedge = WedgeBuffer()
        self._quiet = QTimer(self)
        self._quiet.setSingleShot(True)
        self._quiet.setInterval(WEDGE_QUIET_MS)
        self._quiet.timeout.connect(self.finish_wedge)
        for widget in self.inputs():
            widget.installEventFilter(self)

    def inputs(self) -> list[QWidget]:
        return [
            self.organisation,
            self.id_number,
            self.tax_code,
            self.name,
            self.birth_date,
            self.gender,
            self.address,
            self.phone,
            self.email,
        ]

    def _kind_changed(self, organisation: bool) -> None:
        for widget, person_only in (
            (self.id_number, True),
            (self.birth_date, True),
            (self.gender, True),
            (self.tax_code, False),
        ):
            visible = person_only != organisation
            widget.setVisible(visible)
            label = self.form.labelForField(widget)
            if label is not None:
                label.setVisible(visible)

    def _id_changed(self, text: str) -> None:
        if len(text.strip()) == 12 and text.strip().isdigit() and not self.wedge.active:
            self.id_entered.emit(text.strip())

    # --- the wedge --------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress:
            return False
        assert isinstance(event, QKeyEvent)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self.wedge.active:
                self.finish_wedge()
                return True
            self.wedge.reset()
            return False
        text = event.text()
        if not text or not text.isprintable():
            if not self.wedge.active:
                self.wedge.reset()
            return False
        swallow = self.wedge.feed(text)
        if swallow:
            self._quiet.start()
        return swallow

    def finish_wedge(self) -> None:
        self._quiet.stop()
        finished = self.wedge.finish()
        if finished is None:
            return
        qr_text, leaked = finished
        focus = self.focusWidget()
        if isinstance(focus, QLineEdit) and leaked:
            focus.setText(focus.text()[: max(0, len(focus.text()) - leaked)])
        try:
            card = parse_cccd_qr(qr_text)
        except CounterError as exc:
            self.message.setText(exc.message)
            return
        self.organisation.setChecked(False)
        fields = card_fields(card)
        self.id_number.setText(fields["id_number"])
        self.name.setText(fields["name"])
        self.birth_date.setText(fields["birth_date"])
        self.gender.setCurrentIndex(self.gender.findData(fields["gender"]))
        self.address.setText(fields["address"])
        self.message.setText(_("Đã đọc mã QR căn cước của {name}.").format(name=card.name))
        self.id_entered.emit(card.id_number)
        self.card_read.emit(card.id_number)
        self.phone.setFocus()

    def show_returning(self, past: list[DossierView]) -> None:
        if not past:
            self.returning.setText("")
            self.returning_shown.emit()
            return
        lines = [_("Công dân đã nộp hồ sơ trước đây:")]
        for view in past[:PAST_DOSSIERS]:
            lines.append(
                f"  {view.received_at.strftime('%d/%m/%Y')} · {view.code} · {view.procedure_name}"
            )
        self.returning.setText("\n".join(lines))
        latest = past[0].applicant
        for field_name, widget in (
            ("phone", self.phone),
            ("email", self.email),
            ("address", self.address),
        ):
            if not widget.text() and latest.get(field_name):
                widget.setText(str(latest[field_name]))
        if not self.name.text() and latest.get("name"):
            self.name.setText(str(latest["name"]))
        self.returning_shown.emit()

    def clear(self) -> None:
        for widget in (
            self.id_number,
            self.tax_code,
            self.name,
            self.birth_date,
            self.address,
            self.phone,
            self.email,
        ):
            widget.clear()
        self.gender.setCurrentIndex(0)
        self.organisation.setChecked(False)
        self.message.clear()
        self.returning.clear()
        self.wedge.reset()


class IntakeView(QWidget):
    """Signals:
    dossier_logged(object): the DossierView of the dossier just logged.
    """

    dossier_logged = Signal(object)

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
        self.procedure: Procedure | None = None

        self.picker = ProcedurePicker()
        self.procedure_label = QLabel(_("Chưa chọn thủ tục."))
        self.procedure_label.setWordWrap(True)
        self.applicant = ApplicantPanel()
        self.documents = QListWidget()
        self.fee = QSpinBox()
        self.fee.setRange(0, 100_000_000)
        self.fee.setSingleStep(1000)
        self.fee.setSuffix(" đ")
        self.payment = QComboBox()
        for value, label in PAYMENT_METHODS:
            self.payment.addItem(_(label), value)
        self.channel = QComboBox()
        for channel in Channel:
            self.channel.addItem(channel.label, channel)
        self.portal_code = QLineEdit()
        self.portal_code.setPlaceholderText(_("Mã hồ sơ trên Cổng (hỗ trợ nộp trực tuyến)"))
        self.due_label = QLabel()
        self.due_label.setObjectName("due_label")
        self.result_label = QLabel()
        self.result_label.setObjectName("result_label")
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #b00020")
        self.error_label.setWordWrap(True)
        self.confirm = QPushButton(_("Tiếp &nhận (Ctrl+Enter)"))
        self.confirm.clicked.connect(self.submit)

        left = QVBoxLayout()
        left.addWidget(QLabel(_("Thủ tục")))
        left.addWidget(self.picker)
        left.addWidget(self.procedure_label)
        left.addWidget(self.applicant)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(QLabel(_("Thành phần hồ sơ (Space để đánh dấu đã nhận)")))
        right.addWidget(self.documents, 1)
        money_form = QFormLayout()
        money_form.addRow(_("Phí, lệ phí"), self.fee)
        money_form.addRow(_("Hình thức thu"), self.payment)
        money_form.addRow(_("Kênh nộp"), self.channel)
        money_form.addRow(_("Mã trên Cổng"), self.portal_code)
        money_form.addRow(_("Hẹn trả"), self.due_label)
        right.addLayout(money_form)
        right.addWidget(self.error_label)
        right.addWidget(self.confirm)
        right.addWidget(self.result_label)
        columns = QHBoxLayout(self)
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)

        self.picker.picked.connect(self.choose_procedure)
        self.channel.currentIndexChanged.connect(lambda _i: self.update_due())
        self.applicant.id_entered.connect(self._look_up_returning)
        for sequence in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(sequence), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.submit)
        self._due_timer = QTimer(self)
        self._due_timer.setInterval(60_000)
        self._due_timer.timeout.connect(self.update_due)
        self._due_timer.start()
        self.setTabOrder(self.picker.search, self.applicant.organisation)
        self._busy = False
        self.picker.set_catalog(ctx.catalog, {})
        self._load_usage()

    def initial_focus(self) -> QWidget:
        return self.picker.search

    def _load_usage(self) -> None:
        ctx = self.ctx
        Op(self, lambda: procedure_usage(ctx), runner=self._runner).on_success(
            lambda usage: self.picker.set_catalog(ctx.catalog, usage)
        ).start()

    def choose_procedure(self, procedure: Procedure) -> None:
        self.procedure = procedure
        self.procedure_label.setText(
            f"<b>{procedure.name}</b> ({procedure.code})<br>{procedure_summary(procedure)}"
        )
        self.documents.clear()
        for document in procedure.documents:
            detail = ", ".join(
                part
                for part in (
                    document.original_or_copy,
                    _("{n} bản").format(n=document.copies) if document.copies != 1 else "",
                )
                if part
            )
            text = f"{document.name} ({detail})" if detail else document.name
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, document)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Unchecked if document.conditional else Qt.CheckState.Checked
            )
            self.documents.addItem(item)
        self.fee.setValue(procedure.fee_vnd or 0)
        self.payment.setCurrentIndex(0 if procedure.fee_vnd else self.payment.count() - 1)
        self.update_due()
        self.applicant.id_number.setFocus()

    def current_channel(self) -> Channel:
        return Channel(self.channel.currentData())  # the combo hands back a plain str

    def update_due(self) -> None:
        if self.procedure is None:
            self.due_label.setText("")
            return
        limit = time_limit_for(self.procedure, self.current_channel())
        due = self.ctx.calendar.due_at(self.ctx.clock(), limit)
        self.due_label.setText(due.strftime("%H:%M %d/%m/%Y"))

    def due_at(self) -> datetime | None:
        if self.procedure is None:
            return None
        return self.ctx.calendar.due_at(
            self.ctx.clock(), time_limit_for(self.procedure, self.current_channel())
        )

    def _look_up_returning(self, id_number: str) -> None:
        ctx = self.ctx
        Op(
            self,
            lambda: list_dossiers(ctx, DossierFilter(search=id_number), limit=PAST_DOSSIERS),
            runner=self._runner,
        ).on_success(
            lambda past: self.applicant.show_returning(
                [view for view in past if view.applicant.get("id_number") == id_number]
            )
        ).start()

    def draft(self) -> IntakeDraft:
        panel = self.applicant
        documents = []
        for row in range(self.documents.count()):
            item = self.documents.item(row)
            document = item.data(Qt.ItemDataRole.UserRole)
            documents.append(
                DocumentChoice(
                    document.name,
                    document.original_or_copy,
                    document.copies,
                    item.checkState() == Qt.CheckState.Checked,
                )
            )
        return IntakeDraft(
            procedure_code=self.procedure.code if self.procedure else None,
            organisation=panel.organisation.isChecked(),
            id_number=panel.id_number.text(),
            name=panel.name.text(),
            birth_date=panel.birth_date.text(),
            gender=str(panel.gender.currentData() or ""),
            address=panel.address.text(),
            phone=panel.phone.text(),
            email=panel.email.text(),
            tax_code=panel.tax_code.text(),
            documents=tuple(documents),
            fee=self.fee.value(),
            payment_method=str(self.payment.currentData() or ""),
            channel=self.current_channel(),
            portal_code=self.portal_code.text(),
        )

    def submit(self) -> None:
        if self._busy:
            return
        try:
            request = build_request(self.draft(), self.ctx.catalog)
        except CounterError as exc:
            self.error_label.setText(exc.message)
            return
        self.error_label.clear()
        self._busy = True
        self.confirm.setEnabled(False)
        ctx, actor = self.ctx, self.actor
        Op(self, lambda: intake(ctx, request, actor), runner=self._runner).on_success(
            self._logged
        ).on_error(self._failed).start()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.confirm.setEnabled(True)
        if isinstance(exc, CounterError):
            self.error_label.setText(exc.message)
        else:
            show_error(self, exc)

    def _logged(self, view: DossierView) -> None:
        self._busy = False
        self.confirm.setEnabled(True)
        due = view.due_at.strftime("%H:%M %d/%m/%Y") if view.due_at else ""
        self.result_label.setText(
            _("Đã tiếp nhận hồ sơ {code} — hẹn trả {due}. Phí: {fee}.").format(
                code=view.code, due=due, fee=money(view.fee_total)
            )
        )
        bus().changes_applied.emit(Changes(dossiers=(view.code,)), self)
        bus().info(_("Đã tiếp nhận hồ sơ {code}.").format(code=view.code))
        self.dossier_logged.emit(view)
        self.reset()

    def reset(self) -> None:
        """Ready for the next citizen; the result line stays until then."""
        self.procedure = None
        self.procedure_label.setText(_("Chưa chọn thủ tục."))
        self.documents.clear()
        self.fee.setValue(0)
        self.payment.setCurrentIndex(0)
        self.channel.setCurrentIndex(0)
        self.portal_code.clear()
        self.due_label.clear()
        self.applicant.clear()
        self.picker.search.clear()
        self.picker.search.setFocus()
