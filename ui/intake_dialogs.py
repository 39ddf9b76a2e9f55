"""The two small dialogs around intake: a leader's permission to take an online-only
procedure on paper, and the fee (VietQR code, then cash / VietQR / portal confirmed).

Both hold no rules: the password is checked by `kernel.users.authenticate`, the role by
the intake service (`guidance.policy.check_intake`), the payment by
`guidance.payments.record_payment`. Database work goes through `ui.tasks.Op`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.documents.forms import FormOptions
from counter_app.documents.templates import FormKind
from counter_app.domain.fees import PaymentMethod
from counter_app.domain.lifecycle import Role
from counter_app.errors import CounterError
from counter_app.i18n import _
from counter_app.kernel.context import AppContext
from counter_app.kernel.dossier_store import get_dossier
from counter_app.kernel.users import Actor, authenticate
from counter_app.kernel.views import DossierView
from counter_app.payments.service import fee_due, fee_qr_payload, record_payment
from counter_app.payments.slip import payment_slip, payment_slip_pdf, record_slip_print
from ui.bus import Changes, bus
from ui.errors import show_error
from ui.guidance_panel import qr_pixmap
from ui.intake_logic import money
from ui.print_preview import PrintPreviewDialog
from ui.style import set_tone
from ui.tasks import Op, TaskRunner


def _error_label() -> QLabel:
    label = QLabel()
    set_tone(label, "error")
    label.setWordWrap(True)
    return label


class LeaderOverrideDialog(QDialog):
    """A leader signs in here to allow paper intake of an online-only procedure.

    When accepted, `leader` is the authenticated leader and `reason` the reason given.
    """

    def __init__(
        self,
        ctx: AppContext,
        procedure_name: str,
        parent: QWidget | None = None,
        *,
        login: str = "",
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._runner = runner
        self.leader: Actor | None = None
        self.reason_text = ""
        self.setWindowTitle(_("Lãnh đạo cho phép nhận hồ sơ giấy"))
        intro = QLabel(
            _(
                "Thủ tục “{name}” chỉ nhận hồ sơ trực tuyến. Nhận hồ sơ giấy cần lãnh đạo "
                "đăng nhập và ghi lý do; việc cho phép được ghi vào lịch sử hồ sơ."
            ).format(name=procedure_name)
        )
        intro.setWordWrap(True)
        self.login = QLineEdit(login)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.reason = QPlainTextEdit()
        self.reason.setTabChangesFocus(True)
        self.reason.setMaximumHeight(90)
        self.message = _error_label()
        form = QFormLayout()
        form.addRow(_("Tên đăng nhập của lãnh đạo"), self.login)
        form.addRow(_("Mật khẩu"), self.password)
        form.addRow(_("Lý do nhận hồ sơ giấy *"), self.reason)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        (self.password if login else self.login).setFocus()

    def submit(self) -> None:
        reason = self.reason.toPlainText().strip()
        if not reason:
            self.message.setText(_("Cần nhập lý do nhận hồ sơ giấy."))
            return
        ctx, login, password = self.ctx, self.login.text(), self.password.text()
        self.buttons.setEnabled(False)
        Op(self, lambda: authenticate(ctx, login, password), runner=self._runner).on_success(
            lambda actor: self._authenticated(actor, reason)
        ).on_error(self._failed).start()

    def _authenticated(self, actor: Actor, reason: str) -> None:
        self.buttons.setEnabled(True)
        if actor.role is not Role.LEADER:
            self.message.setText(
                _("Chỉ lãnh đạo được cho phép nhận hồ sơ giấy của thủ tục chỉ nhận trực tuyến.")
            )
            return
        self.leader = actor
        self.reason_text = reason
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.password.clear()
        if isinstance(exc, CounterError):
            self.message.setText(exc.message)
        else:
            show_error(self, exc)


@dataclass(frozen=True)
class FeeState:
    """What the payment dialog shows: the dossier, the VietQR payload or why there is none."""

    dossier: DossierView
    amount: int
    payload: str | None
    qr_problem: str | None


def load_fee_state(ctx: AppContext, code: str) -> FeeState:
    """Runs on the database worker."""
    dossier = get_dossier(ctx, code)
    amount = fee_due(dossier)
    payload = problem = None
    if amount > 0:
        try:
            payload = fee_qr_payload(ctx, code)
        except CounterError as exc:  # no bank account configured: cash and portal still work
            problem = exc.message
    return FeeState(dossier, amount, payload, problem)


class PaymentDialog(QDialog):
    """The unpaid fee of one dossier: its VietQR code and how the clerk received the money.

    Signals:
        paid(object): the DossierView after the payment was recorded.
    """

    paid = Signal(object)

    def __init__(
        self,
        ctx: AppContext,
        actor: Actor,
        code: str,
        parent: QWidget | None = None,
        *,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx, self.actor, self.code = ctx, actor, code
        self._runner = runner
        self.state: FeeState | None = None
        self.setWindowTitle(_("Thu phí hồ sơ {code}").format(code=code))
        self.title = QLabel()
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.title.setFont(font)
        self.qr = QLabel()
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr.setAccessibleName(_("Mã VietQR nộp phí"))
        self.qr_note = QLabel()
        self.qr_note.setWordWrap(True)
        self.print_qr_button = QPushButton(_("&In mã QR thanh toán…"))
        self.print_qr_button.setEnabled(False)
        self.print_qr_button.setAutoDefault(False)
        self.print_qr_button.clicked.connect(self.print_qr)
        self.slip_preview: PaymentSlipPreview | None = None
        self.reference = QLineEdit()
        self.reference.setPlaceholderText(_("Mã giao dịch ngân hàng (nếu có)"))
        self.message = _error_label()
        self.method_buttons: dict[PaymentMethod, QPushButton] = {}
        row = QHBoxLayout()
        for method, text in (
            (PaymentMethod.CASH, _("Đã thu &tiền mặt")),
            (PaymentMethod.VIETQR, _("Đã nhận chuyển khoản &VietQR")),
            (PaymentMethod.PORTAL, _("Đã nộp trên &Cổng")),
        ):
            button = QPushButton(text)
            button.setEnabled(False)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _c=False, m=method: self.confirm(m))
            self.method_buttons[method] = button
            row.addWidget(button)
        self.later = QPushButton(_("Thu &sau"))
        self.later.setAutoDefault(False)
        self.later.clicked.connect(self.reject)
        row.addWidget(self.later)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.qr)
        layout.addWidget(self.qr_note)
        layout.addWidget(self.print_qr_button, 0, Qt.AlignmentFlag.AlignCenter)
        form = QFormLayout()
        form.addRow(_("Mã giao dịch"), self.reference)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.title.setText(_("Đang tải khoản phí…"))
        Op(self, lambda: load_fee_state(ctx, code), runner=runner).on_success(
            self.show_state
        ).start()

    def show_state(self, state: FeeState) -> None:
        self.state = state
        if state.amount <= 0:
            self.title.setText(
                _("Hồ sơ {code} không còn khoản phí nào phải nộp.").format(code=self.code)
            )
            self.qr.clear()
            self.qr_note.clear()
            return
        self.title.setText(
            _("Phí, lệ phí phải nộp: {amount} — hồ sơ {code}").format(
                amount=money(state.amount), code=self.code
            )
        )
        if state.payload is not None:
            self.qr.setPixmap(qr_pixmap(state.payload))
            self.qr_note.setText(
                _(
                    "Công dân quét mã bằng ứng dụng ngân hàng; nội dung chuyển khoản là mã hồ sơ "
                    "{code}. Xác nhận khi đã thấy tiền về tài khoản."
                ).format(code=self.code)
            )
        else:
            self.qr.clear()
            self.qr_note.setText(state.qr_problem or "")
        self.print_qr_button.setEnabled(state.payload is not None)
        for method, button in self.method_buttons.items():
            button.setEnabled(method is not PaymentMethod.VIETQR or state.payload is not None)
        self.method_buttons[PaymentMethod.CASH].setFocus()

    def print_qr(self) -> None:
        """The citizen may pay later: the slip carries the code, the amount and the QR."""
        self.slip_preview = PaymentSlipPreview(
            self.ctx, self.actor, self.code, self, runner=self._runner
        )
        self.slip_preview.open()

    def confirm(self, method: PaymentMethod) -> None:
        ctx, actor, code = self.ctx, self.actor, self.code
        reference = self.reference.text().strip() or None
        for button in self.method_buttons.values():
            button.setEnabled(False)
        Op(
            self,
            lambda: record_payment(ctx, code, method, actor, reference=reference),
            runner=self._runner,
        ).on_success(self._paid).on_error(self._failed).start()

    def _paid(self, view: DossierView) -> None:
        bus().changes_applied.emit(Changes(dossiers=(view.code,)), self)
        bus().info(
            _("Đã ghi nhận thu phí hồ sơ {code}: {method}.").format(
                code=view.code, method=PaymentMethod(view.payment_method or "cash").label
            )
        )
        self.paid.emit(view)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        if self.state is not None:
            self.show_state(self.state)
        if isinstance(exc, CounterError):
            self.message.setText(exc.message)
        else:
            show_error(self, exc)


@dataclass(frozen=True)
class RenderedSlip:
    """The payment slip as the print preview shows it (it needs `pdf` and `paper`)."""

    code: str
    paper: str
    pdf: bytes


class PaymentSlipPreview(PrintPreviewDialog):
    """The print preview of a dossier's VietQR payment slip; a print is recorded too."""

    def __init__(
        self,
        ctx: AppContext,
        actor: Actor,
        code: str,
        parent: QWidget | None = None,
        *,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(
            ctx, actor, FormKind.RECEIPT, code, FormOptions(paper="A5"), parent, runner=runner
        )
        self.setWindowTitle(_("Xem trước mã QR nộp phí — {code}").format(code=code))

    def render_paper(self, options: FormOptions) -> Any:
        paper = options.paper or "A5"
        pdf = payment_slip_pdf(payment_slip(self.ctx, self.code), paper, draft=options.draft)
        return RenderedSlip(self.code, paper, pdf)

    def record(self, rendered: Any, copies: int, printer: str) -> Any:
        return record_slip_print(
            self.ctx, self.code, self.actor, paper=rendered.paper, copies=copies, printer=printer
        )
