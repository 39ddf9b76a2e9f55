"""Đăng ký máy với tỉnh: the province's server address and the one-time code it gave, sent
from a worker (`counter_app.sync.service.enroll`, as `counter-app enroll` does); the
answer, or what to do next, shown under the form. Used by the first-start setup and by the
"Gửi lên tỉnh" page of an office already set up.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from counter_app.i18n import _
from counter_app.kernel.context import AppContext
from counter_app.sync.models import SyncDevice
from counter_app.sync.service import enroll
from ui.errors import show_error
from ui.sync_words import address_problem, enrol_problem
from ui.tasks import Op, TaskRunner, default_runner


class EnrolForm(QWidget):
    """Signals:
    enrolled(object): the SyncDevice once the province accepted this counter.
    """

    enrolled = Signal(object)

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, runner: TaskRunner | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("enrol_form")
        self._ctx, self._runner = ctx, runner
        self.address = QLineEdit()
        self.address.setAccessibleName(_("Địa chỉ máy chủ của tỉnh"))
        self.address.setPlaceholderText("https://…")
        self.address.setMaxLength(500)
        self.code = QLineEdit()
        self.code.setAccessibleName(_("Mã đăng ký"))
        self.code.setMaxLength(200)
        self.button = QPushButton(_("Đăng &ký máy với tỉnh"))
        self.button.clicked.connect(self.enrol)
        self.result = QLabel(wordWrap=True)
        self.result.setObjectName("enrol_result")
        form = QFormLayout()
        form.addRow(_("Địa chỉ máy chủ của tỉnh:"), self.address)
        form.addRow(_("Mã đăng ký tỉnh cấp:"), self.code)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.button)
        layout.addWidget(self.result)
        self.done = False

    def enrol(self) -> None:
        address, code = self.address.text(), self.code.text()
        problem = address_problem(address, code)
        if problem:
            self.result.setText("⚠ " + problem)
            return
        ctx = self._ctx
        run_db = (self._runner or default_runner()).call_db
        self.button.setEnabled(False)
        self.result.setText(_("Đang đăng ký với máy chủ của tỉnh…"))
        # The request waits on the network: on the parallel pool, its database work taking
        # its turn on the database thread.
        Op(
            self, lambda: enroll(ctx, address, code, run_db=run_db), db=False, runner=self._runner
        ).on_success(self._enrolled).on_error(self._failed).start()

    def _enrolled(self, device: SyncDevice) -> None:
        self.done = True
        self.address.setEnabled(False)
        self.code.setEnabled(False)
        self.result.setText("✓ " + _("Đã đăng ký máy với tỉnh. Từ nay hồ sơ tự gửi lên tỉnh."))
        self.enrolled.emit(device)

    def _failed(self, exc: BaseException) -> None:
        self.button.setEnabled(True)
        problem = enrol_problem(exc)
        if problem is None:
            self.result.setText("")
            show_error(self, exc)
        else:
            self.result.setText("⚠ " + problem)
