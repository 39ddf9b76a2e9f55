"""Tiếp nhận: keyboard-first intake of one dossier.

Keyboard path: type the procedure (diacritics optional), ↓/↑ to pick, Enter; scan the CCCD
QR wherever the focus is in the applicant panel (or type the ID, Tab, the name ...), or read
it from a photo or scan of the card ("Đọc CCCD từ ảnh"); Tab through the checklist (Space
ticks), fee, channel and — for a procedure that can be filed online — the reason for paper
(Enter in the phone or e-mail goes straight to it); Ctrl+Enter logs the dossier. An
online-only procedure taken on paper asks for a leader's sign-in first. When a fee is due
the VietQR code is shown and the clerk confirms how it was paid; then the receipt. The form
clears for the next citizen with the focus on the procedure.
Tab after the confirm button reaches the guidance session (outcome, the link to the assisted
dossier just taken for the same procedure, the reason it could not, "Đã hướng dẫn", print).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.applicants import FEMALE, MALE, CccdCard, field_label, parse_cccd_qr
from counter_app.domain.catalog import Procedure
from counter_app.domain.lifecycle import Channel, Delivery, Role
from counter_app.dossiers.desk import procedure_usage
from counter_app.dossiers.service import (
    DossierFilter,
    intake,
    list_dossiers,
    time_limit_for,
)
from counter_app.errors import CounterError, ValidationError
from counter_app.guidance.policy import OTHER
from counter_app.i18n import _
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import Actor
from counter_app.kernel.views import DossierView
from counter_app.payments.service import fee_due
from counter_app.scanning.devices import DeviceInfo, Registry, default_registry
from ui.bus import Changes, bus
from ui.errors import show_error
from ui.fit import elide_combo, scrollable, wrapping_list
from ui.guidance_panel import GuidancePanel
from ui.icons import mark_primary
from ui.intake_dialogs import LeaderOverrideDialog, PaymentDialog
from ui.intake_logic import (
    DocumentChoice,
    IntakeDraft,
    WedgeBuffer,
    build_request,
    card_fields,
    money,
    procedure_summary,
    rank_procedures,
    read_card_from_file,
    read_card_from_scanner,
)
from ui.style import set_tone
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
        self.search.setAccessibleName(_("Tìm thủ tục"))
        self.results = wrapping_list()  # long procedure names read in full
        self.results.setAccessibleName(_("Các thủ tục tìm được"))
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


APPLICANT_INPUTS = (
    "id_number",
    "tax_code",
    "name",
    "birth_date",
    "gender",
    "address",
    "phone",
    "email",
)
"""The applicant's inputs by their keys (those of `ValidationError.field`), in form order."""


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
        self.card_button = QPushButton(_("Đọc &CCCD từ ảnh"))
        self.card_button.setToolTip(_("Đọc mã QR của thẻ căn cước từ tệp ảnh hoặc máy quét"))
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
        self.form.addRow(self.card_button)
        # Labelled as the messages about them name them (`APPLICANT_LABELS`).
        for key in APPLICANT_INPUTS:
            self.form.addRow(field_label(key), self.field(key))
        self.form.addRow(self.returning)
        self.form.addRow(self.message)
        self.form.setRowVisible(self.returning, False)  # no empty line until there is a past
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

    def field(self, key: str) -> QWidget:
        """The input of an applicant field by its key ("id_number"); a card's QR is read
        into the ID number, an old ID number comes from the card too."""
        fields: dict[str, QWidget] = {
            "id_number": self.id_number,
            "tax_code": self.tax_code,
            "name": self.name,
            "birth_date": self.birth_date,
            "gender": self.gender,
            "address": self.address,
            "phone": self.phone,
            "email": self.email,
        }
        return fields.get(key, self.id_number)

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
            (self.card_button, True),
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
        self.fill_card(card)

    def fill_card(self, card: CccdCard) -> None:
        """Fill the person from a card: the wedge, a photo and a scan all end here."""
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
            self.form.setRowVisible(self.returning, False)
            self.returning_shown.emit()
            return
        lines = [_("Công dân đã nộp hồ sơ trước đây:")]
        for view in past[:PAST_DOSSIERS]:
            lines.append(
                f"  {view.received_at.strftime('%d/%m/%Y')} · {view.code} · {view.procedure_name}"
            )
        self.returning.setText("\n".join(lines))
        self.form.setRowVisible(self.returning, True)
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
        self.form.setRowVisible(self.returning, False)
        self.wedge.reset()


class IntakeView(QWidget):
    """Signals:
    dossier_logged(object): the DossierView of the dossier just logged.
    intake_finished(str): the dossier's code once the fee step is over (paid, or left for
        later, or no fee): time for the receipt.
    """

    dossier_logged = Signal(object)
    intake_finished = Signal(str)

    def __init__(
        self,
        ctx: AppContext,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        runner: TaskRunner | None = None,
        registry_factory: Callable[[], Registry] = default_registry,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.actor = actor
        self._runner = runner
        self._registry_factory = registry_factory
        self.procedure: Procedure | None = None
        self._override: tuple[Actor, str] | None = None
        self.override_dialog: LeaderOverrideDialog | None = None
        self.payment_dialog: PaymentDialog | None = None

        self.picker = ProcedurePicker()
        self.procedure_label = QLabel(_("Chưa chọn thủ tục."))
        self.procedure_label.setWordWrap(True)
        self.applicant = ApplicantPanel()
        self.guidance = GuidancePanel(
            ctx.reference.catalog, ctx.data_dir, ctx=ctx, actor=actor, runner=runner
        )
        self.guidance.setObjectName("intake_guidance")
        self.documents = wrapping_list()  # each checklist line read in full
        self.documents.setAccessibleName(_("Thành phần hồ sơ"))
        self.fee = QSpinBox()
        self.fee.setRange(0, 100_000_000)
        self.fee.setSingleStep(1000)
        self.fee.setSuffix(" đ")
        self.channel = QComboBox()
        for channel in Channel:
            self.channel.addItem(channel.label, channel)
        elide_combo(self.channel)
        # How the citizen takes the result: by the channel unless the clerk picks one, so
        # the usual case costs no keystroke (postal filings get theirs by post).
        self.delivery = QComboBox()
        self.delivery.setObjectName("result_delivery")
        self.delivery.addItem(_("Theo kênh nộp"), None)
        for delivery in Delivery:
            self.delivery.addItem(delivery.label, delivery.value)
        elide_combo(self.delivery)
        self.portal_code = QLineEdit()
        self.portal_code.setPlaceholderText(_("Mã hồ sơ trên Cổng (hỗ trợ nộp trực tuyến)"))
        self.due_label = QLabel()
        self.due_label.setObjectName("due_label")
        self.result_label = QLabel()
        self.result_label.setObjectName("result_label")
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label.setWordWrap(True)
        self.error_label = QLabel()
        set_tone(self.error_label, "error")
        self.error_label.setWordWrap(True)
        self.confirm = QPushButton(_("Tiếp &nhận (Ctrl+Enter)"))
        mark_primary(self.confirm, "circle-check")
        self.confirm.clicked.connect(self.submit)

        self.card_menu = QMenu(self)
        self.card_file_action = self.card_menu.addAction(_("Chọn tệp ảnh thẻ…"))
        self.card_file_action.triggered.connect(self.choose_card_file)
        self.card_menu.addSeparator()
        self._scanners_asked = False
        self.card_menu.aboutToShow.connect(self._list_scanners)
        self.applicant.card_button.setMenu(self.card_menu)

        # Procedure and applicant scroll up and down on their own when the text is large or
        # a returning citizen's past dossiers are listed; the chosen procedure heads its
        # checklist. Tab order is the chain below, whatever the layout.
        left_panel = QWidget()
        left = QVBoxLayout(left_panel)
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(QLabel(_("Thủ tục")))
        left.addWidget(self.picker)
        left.addWidget(self.applicant)
        left.addStretch(1)
        middle = QVBoxLayout()
        middle.addWidget(self.procedure_label)
        documents_label = QLabel(_("Thành phần hồ sơ (Space để đánh dấu đã nhận)"))
        documents_label.setWordWrap(True)
        middle.addWidget(documents_label)
        middle.addWidget(self.documents, 1)
        self.money_form = QFormLayout()
        self.money_form.addRow(_("Phí, lệ phí"), self.fee)
        self.money_form.addRow(_("Kênh nộp"), self.channel)
        self.money_form.addRow(_("Mã trên Cổng"), self.portal_code)
        self.money_form.addRow(_("Nhận kết quả"), self.delivery)
        self.money_form.addRow(_("Hẹn trả"), self.due_label)
        middle.addLayout(self.money_form)
        middle.addWidget(self.error_label)
        middle.addWidget(self.confirm)
        middle.addWidget(self.result_label)
        columns = QHBoxLayout(self)
        columns.addWidget(scrollable(left_panel, horizontal=False), 3)
        columns.addLayout(middle, 2)
        # The guidance scrolls on its own: a long headline and the fee QR code do not
        # push the reason for paper below the screen.
        columns.addWidget(scrollable(self.guidance, horizontal=False), 2)

        self.picker.picked.connect(self.choose_procedure)
        self.channel.currentIndexChanged.connect(lambda _i: self._channel_changed())
        self.applicant.id_entered.connect(self._look_up_returning)
        for sequence in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(sequence), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.submit)
        # Enter after the phone or the e-mail goes on to the reason for paper when one is
        # asked for and not chosen yet, past the checklist, fee and channel (their defaults).
        for contact in (self.applicant.phone, self.applicant.email):
            contact.returnPressed.connect(self._after_contact)
        self._due_timer = QTimer(self)
        self._due_timer.setInterval(60_000)
        self._due_timer.timeout.connect(self.update_due)
        self._due_timer.start()
        panel, guidance = self.applicant, self.guidance
        chain: list[QWidget] = [
            self.picker.search,
            panel.organisation,
            panel.card_button,
            *panel.inputs()[1:],
            self.documents,
            self.fee,
            self.channel,
            self.portal_code,
            guidance.reason,
            guidance.reason_text,
            self.confirm,
            # After the dossier: log the guidance session (hidden widgets are skipped).
            *guidance.tab_chain(),
        ]
        for first, second in pairwise(chain):
            self.setTabOrder(first, second)
        self._busy = False
        self._channel_changed()
        self.picker.set_catalog(ctx.reference.catalog, {})
        self._load_usage()

    def initial_focus(self) -> QWidget:
        return self.picker.search

    def _load_usage(self) -> None:
        ctx = self.ctx
        Op(self, lambda: procedure_usage(ctx), runner=self._runner).on_success(
            lambda usage: self.picker.set_catalog(ctx.reference.catalog, usage)
        ).start()

    def choose_procedure(self, procedure: Procedure) -> None:
        self.procedure = procedure
        self._override = None
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
        try:
            self.guidance.set_procedure(procedure.code, self.ctx.clock().date())
        except CounterError as exc:  # the office's guidance corrections do not read
            self.guidance.clear()
            self.error_label.setText(exc.message)
        self._channel_changed()
        self.applicant.id_number.setFocus()

    def current_channel(self) -> Channel:
        return Channel(self.channel.currentData())  # the combo hands back a plain str

    def _after_contact(self) -> None:
        reason = self.guidance.reason
        if reason.isVisibleTo(self) and self.guidance.paper_reason() is None:
            reason.setFocus(Qt.FocusReason.TabFocusReason)

    def result_delivery(self) -> Delivery | None:
        """The clerk's choice of how the result is taken; None: by the channel."""
        value = self.delivery.currentData()
        return Delivery(value) if value else None

    def online_only(self) -> bool:
        guide = self.guidance.guide
        return guide is not None and guide.online_only

    def paper_reason_required(self) -> bool:
        guide = self.guidance.guide
        return guide is not None and guide.guidance.can_file_online

    def _channel_changed(self) -> None:
        """Portal code for online filings, reason for paper ones; the due date follows."""
        channel = self.current_channel()
        online = channel.is_online
        label = self.money_form.labelForField(self.portal_code)
        for widget in (self.portal_code, label):
            if widget is not None:
                widget.setVisible(online)
        guidance = self.guidance
        asks = self.paper_reason_required() and not online
        guidance.reason_label.setVisible(asks)
        guidance.reason.setVisible(asks)
        guidance.reason_text.setVisible(asks and guidance.reason.currentData() == OTHER)
        self._override = None
        self.update_due()

    def update_due(self) -> None:
        if self.procedure is None:
            self.due_label.setText("")
            return
        limit = time_limit_for(self.procedure, self.current_channel())
        due = self.ctx.reference.calendar.due_at(self.ctx.clock(), limit)
        self.due_label.setText(due.strftime("%H:%M %d/%m/%Y"))

    def due_at(self) -> datetime | None:
        if self.procedure is None:
            return None
        return self.ctx.reference.calendar.due_at(
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

    # --- the card from an image ---------------------------------------------------------

    def choose_card_file(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(
            self,
            _("Chọn ảnh chụp hoặc bản quét thẻ căn cước"),
            "",
            _("Ảnh và PDF (*.jpg *.jpeg *.png *.tif *.tiff *.pdf)"),
        )
        if name:
            self.read_card_file(Path(name))

    def read_card_file(self, path: Path) -> None:
        self._read_card(lambda: read_card_from_file(path))

    def read_card_scanner(self, device: str) -> None:
        factory = self._registry_factory
        self._read_card(lambda: read_card_from_scanner(factory(), device))

    def _read_card(self, work: Callable[[], CccdCard]) -> None:
        panel = self.applicant
        panel.message.setText(_("Đang đọc mã QR của thẻ…"))
        panel.card_button.setEnabled(False)

        def failed(exc: BaseException) -> None:
            panel.card_button.setEnabled(True)
            if isinstance(exc, CounterError):
                panel.message.setText(exc.message)
            else:
                panel.message.clear()
                show_error(self, exc)

        def read(card: CccdCard) -> None:
            panel.card_button.setEnabled(True)
            panel.fill_card(card)

        Op(self, work, db=False, runner=self._runner).on_success(read).on_error(failed).start()

    def _list_scanners(self) -> None:
        """The scanners, asked once, when the clerk first opens the card menu."""
        if self._scanners_asked:
            return
        self._scanners_asked = True
        factory = self._registry_factory
        Op(self, lambda: factory().devices(), db=False, runner=self._runner).on_success(
            self._add_scanners
        ).on_error(lambda _exc: self._add_scanners([])).start()

    def _add_scanners(self, devices: list[DeviceInfo]) -> None:
        for info in devices:
            action = self.card_menu.addAction(
                _("Quét thẻ bằng {device}").format(device=info.model or info.name)
            )
            action.triggered.connect(lambda _c=False, name=info.name: self.read_card_scanner(name))
        if not devices:
            none = self.card_menu.addAction(_("Không tìm thấy máy quét"))
            none.setEnabled(False)

    # --- logging the dossier ------------------------------------------------------------

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
        leader, override_reason = self._override or (None, "")
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
            channel=self.current_channel(),
            portal_code=self.portal_code.text(),
            paper_reason=self.guidance.paper_reason(),
            paper_reason_required=self.paper_reason_required(),
            override_by=leader,
            override_reason=override_reason,
            result_delivery=self.result_delivery(),
        )

    def submit(self) -> None:
        if self._busy:
            return
        try:
            request = build_request(self.draft(), self.ctx.reference.catalog)
        except CounterError as exc:
            self.error_label.setText(exc.message)
            self.focus_field(exc)
            return
        if self.online_only() and not request.channel.is_online and self._override is None:
            self._ask_leader()
            return
        self.error_label.clear()
        self._busy = True
        self.confirm.setEnabled(False)
        ctx, actor = self.ctx, self.actor
        Op(self, lambda: intake(ctx, request, actor), runner=self._runner).on_success(
            self._logged
        ).on_error(self._failed).start()

    def _ask_leader(self) -> None:
        assert self.procedure is not None
        login = self.actor.login if self.actor.role is Role.LEADER else ""
        dialog = LeaderOverrideDialog(
            self.ctx, self.procedure.name, self, login=login, runner=self._runner
        )
        self.override_dialog = dialog
        self.error_label.setText(
            _("Thủ tục chỉ nhận trực tuyến: cần lãnh đạo cho phép nhận hồ sơ giấy.")
        )

        def allowed() -> None:
            assert dialog.leader is not None
            self._override = (dialog.leader, dialog.reason_text)
            self.submit()

        dialog.accepted.connect(allowed)
        dialog.open()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.confirm.setEnabled(True)
        if isinstance(exc, CounterError):
            self.error_label.setText(exc.message)
            self.focus_field(exc)
        else:
            show_error(self, exc)

    def focus_field(self, exc: CounterError) -> None:
        """Put the focus on the input a refusal names (`ValidationError.field`), its text
        selected to type over."""
        key = exc.field if isinstance(exc, ValidationError) else None
        if key is None:
            return
        widgets: dict[str, QWidget] = {
            "procedure": self.picker.search,
            "fee": self.fee,
            "portal_code": self.portal_code,
            "paper_reason": self.guidance.reason,
        }
        widget = widgets.get(key) or self.applicant.field(key)
        if not widget.isEnabled() or not widget.isVisibleTo(self):
            return
        widget.setFocus(Qt.FocusReason.OtherFocusReason)
        if isinstance(widget, QLineEdit):
            widget.selectAll()

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
        if view.channel == Channel.ASSISTED:
            # Offered as the link of the "assisted" guidance session of that procedure.
            self.guidance.offer_dossier(view.procedure, view.code)
        self.dossier_logged.emit(view)
        self.reset()
        if fee_due(view) > 0:
            self.collect_fee(view.code)
        else:
            self.intake_finished.emit(view.code)

    def collect_fee(self, code: str) -> None:
        """The VietQR code and the payment confirmation; the receipt comes after."""
        dialog = PaymentDialog(self.ctx, self.actor, code, self, runner=self._runner)
        self.payment_dialog = dialog
        dialog.finished.connect(lambda _result: self.intake_finished.emit(code))
        dialog.open()

    def reset(self) -> None:
        """Ready for the next citizen; the result line stays until then."""
        self.procedure = None
        self._override = None
        self.procedure_label.setText(_("Chưa chọn thủ tục."))
        self.documents.clear()
        self.fee.setValue(0)
        self.channel.setCurrentIndex(0)
        self.delivery.setCurrentIndex(0)
        self.portal_code.clear()
        self.due_label.clear()
        self.guidance.clear()
        self._channel_changed()
        self.applicant.clear()
        self.picker.search.clear()
        self.picker.search.setFocus()
