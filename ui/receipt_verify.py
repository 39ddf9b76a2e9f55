"""Receipt check: open a photo, a scan or a scanned PDF of a receipt, or read its QR with
the 2D reader (a keyboard wedge), and see whether the office signed it.

The checking is `counter_app.documents.receipt_qr.check_receipt`, run through `ui.tasks.Op`
(it reads the database for the dossier's current status).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.documents.receipt_qr import ReceiptCheck, check_receipt
from counter_app.domain.lifecycle import Status
from counter_app.errors import CounterError
from counter_app.i18n import N_, _
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import Actor
from ui.errors import show_error
from ui.icons import mark_primary
from ui.pages import register_page
from ui.style import set_banner
from ui.tasks import Op, TaskRunner

FILE_FILTER = N_("Ảnh và PDF (*.jpg *.jpeg *.png *.tif *.tiff *.pdf)")


def _moment(value: object) -> str:
    return f"{value:%H:%M %d/%m/%Y}" if value is not None else "—"


class ReceiptVerifyView(QWidget):
    """Signals:
    checked(object): the `ReceiptCheck` of each completed check.
    """

    checked = Signal(object)

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._runner = runner
        intro = QLabel(
            _(
                "Kiểm tra giấy tiếp nhận hồ sơ: mở ảnh chụp, ảnh quét hoặc tệp PDF quét của "
                "giấy, hoặc quét mã QR trên giấy bằng đầu đọc mã vạch."
            )
        )
        intro.setWordWrap(True)
        self.open_button = QPushButton(_("&Mở ảnh hoặc PDF…"))
        self.qr_text = QLineEdit()
        self.qr_text.setPlaceholderText(_("Quét mã QR bằng đầu đọc, hoặc dán nội dung mã"))
        self.qr_text.setAccessibleName(_("Nội dung mã QR"))
        self.check_button = QPushButton(_("&Kiểm tra"))
        mark_primary(self.check_button, "scan-qr-code")
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.code = QLabel()
        self.office = QLabel()
        self.received = QLabel()
        self.due = QLabel()
        self.status = QLabel()
        for label in (self.code, self.office, self.received, self.due, self.status):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        row = QHBoxLayout()
        row.addWidget(self.qr_text, 1)
        row.addWidget(self.check_button)
        form = QFormLayout()
        form.addRow(_("Mã hồ sơ:"), self.code)
        form.addRow(_("Đơn vị tiếp nhận:"), self.office)
        form.addRow(_("Tiếp nhận lúc:"), self.received)
        form.addRow(_("Hẹn trả kết quả:"), self.due)
        form.addRow(_("Trạng thái hiện tại:"), self.status)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.open_button)
        layout.addLayout(row)
        layout.addWidget(self.verdict)
        layout.addLayout(form)
        layout.addStretch(1)

        self.open_button.clicked.connect(self._choose_file)
        self.check_button.clicked.connect(self.check_text)
        self.qr_text.returnPressed.connect(self.check_text)  # 2D readers end with Enter

    def initial_focus(self) -> QWidget:
        return self.qr_text

    def _choose_file(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(
            self, _("Chọn ảnh hoặc PDF của giấy tiếp nhận"), "", _(FILE_FILTER)
        )
        if name:
            self.check_file(Path(name))

    def check_file(self, path: Path) -> None:
        ctx = self.ctx
        self._start(lambda: check_receipt(ctx, path=path))

    def check_text(self) -> None:
        ctx, text = self.ctx, self.qr_text.text()
        self._start(lambda: check_receipt(ctx, text=text))

    def _start(self, work: Callable[[], ReceiptCheck]) -> None:
        self._clear()
        set_banner(self.verdict, None)
        self.verdict.setText(_("Đang kiểm tra…"))
        self.open_button.setEnabled(False)
        self.check_button.setEnabled(False)
        Op(self, work, runner=self._runner).on_success(self.show_check).on_error(
            self._failed
        ).start()

    def _clear(self) -> None:
        for label in (self.code, self.office, self.received, self.due, self.status):
            label.clear()

    def _ready(self) -> None:
        self.open_button.setEnabled(True)
        self.check_button.setEnabled(True)
        self.qr_text.selectAll()
        self.qr_text.setFocus()

    def show_check(self, check: ReceiptCheck) -> None:
        self._ready()
        if check.valid:
            set_banner(self.verdict, "success")  # the words say it: HỢP LỆ
            self.verdict.setText(_("HỢP LỆ — chữ ký của đơn vị đúng."))
        else:
            set_banner(self.verdict, "late")
            self.verdict.setText(_("KHÔNG HỢP LỆ — {reason}").format(reason=check.problem))
        claim = check.claim
        if claim is not None:
            unproven = "" if check.valid else " " + _("(chưa được xác thực)")
            self.code.setText(claim.code + unproven)
            self.office.setText(claim.office_id)
            self.received.setText(_moment(claim.received_at))
            self.due.setText(_moment(claim.due_at))
        if check.valid:
            self.status.setText(
                Status(check.status).label
                if check.status
                else _("Không có hồ sơ này trong cơ sở dữ liệu của quầy.")
            )
        self.checked.emit(check)

    def _failed(self, exc: BaseException) -> None:
        self._ready()
        if isinstance(exc, CounterError):
            set_banner(self.verdict, "late")
            self.verdict.setText(exc.message)
        else:
            self.verdict.clear()
            show_error(self, exc)


def verify_page(ctx: AppContext, actor: Actor) -> QWidget:
    return ReceiptVerifyView(ctx)


# After "Cài đặt": the documented Ctrl+1…6 of the other pages stay as they are.
register_page("receipt_verify", N_("Kiểm tra giấy tiếp nhận"), verify_page, order=95)
