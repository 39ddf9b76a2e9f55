"""Cài đặt của đơn vị that once needed a command: the yearly online-filing target (chỉ tiêu
nộp trực tuyến, with the document that sets it) and the account that receives fees by
VietQR. An administrator sets them here through the same services as the command line
(`guidance.data.admin_correct`, as `guidance target`; `payments.service.set_bank_account`,
as `guidance bank`), each checked before it is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.errors import CounterError, ValidationError
from counter_app.guidance.data import admin_correct, load_guidance
from counter_app.i18n import N_, _
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import Actor
from counter_app.payments.service import set_bank_account
from ui.errors import show_error
from ui.tasks import Op

TARGET_TITLE = N_("Chỉ tiêu nộp trực tuyến")


def set_online_target(ctx: AppContext, actor: Actor, percent: float, source: str) -> None:
    """The office's own level's target, as `guidance target LEVEL PERCENT --source` sets it."""
    if not 0 < percent <= 100:
        raise ValidationError(_("Chỉ tiêu phải lớn hơn 0 và không quá 100 (%)."))
    level = load_guidance(ctx.data_dir).office_level
    admin_correct(ctx, actor, "targets", level, {"share": percent / 100, "source": source})


class OfficeSettingsDialog(QDialog):
    """The online target and the VietQR account; each saved by its own button."""

    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Cài đặt của đơn vị"))
        self._ctx, self._actor = ctx, actor
        book = load_guidance(ctx.data_dir)
        target = book.targets.get(book.office_level)

        self.percent = QDoubleSpinBox()
        self.percent.setAccessibleName(_(TARGET_TITLE))
        self.percent.setRange(0.0, 100.0)
        self.percent.setDecimals(1)
        self.percent.setSuffix(" %")
        self.percent.setValue(0.0 if target is None else target.share * 100)
        self.source = QLineEdit()
        self.source.setAccessibleName(_("Văn bản giao chỉ tiêu"))
        self.source.setPlaceholderText(_("số, ngày ban hành của văn bản"))
        self.target_button = QPushButton(_("Lưu &chỉ tiêu"))
        self.target_message = QLabel(wordWrap=True)
        target_box = QGroupBox(_(TARGET_TITLE))
        target_form = QFormLayout(target_box)
        target_form.addRow(_("Chỉ tiêu cả năm:"), self.percent)
        target_form.addRow(_("Văn bản giao chỉ tiêu:"), self.source)
        target_form.addRow(self.target_button)
        target_form.addRow(self.target_message)

        bank = ctx.config.vietqr
        self.bank_bin = QLineEdit("" if bank is None else bank.bank_bin)
        self.bank_bin.setAccessibleName(_("Mã ngân hàng (BIN)"))
        self.bank_bin.setMaxLength(6)
        self.account = QLineEdit("" if bank is None else bank.account)
        self.account.setAccessibleName(_("Số tài khoản"))
        self.account.setMaxLength(19)
        self.account_name = QLineEdit("" if bank is None else bank.account_name)
        self.account_name.setAccessibleName(_("Tên tài khoản"))
        self.account_name.setMaxLength(50)
        self.bank_button = QPushButton(_("Lưu &tài khoản"))
        self.bank_message = QLabel(wordWrap=True)
        bank_box = QGroupBox(_("Tài khoản nhận phí VietQR"))
        bank_form = QFormLayout(bank_box)
        bank_form.addRow(_("Mã ngân hàng (BIN, 6 số):"), self.bank_bin)
        bank_form.addRow(_("Số tài khoản:"), self.account)
        bank_form.addRow(_("Tên tài khoản:"), self.account_name)
        bank_form.addRow(self.bank_button)
        bank_form.addRow(self.bank_message)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(target_box)
        layout.addWidget(bank_box)
        layout.addWidget(buttons)
        self.target_button.clicked.connect(self.save_target)
        self.bank_button.clicked.connect(self.save_bank)

    def save_target(self) -> None:
        ctx, actor = self._ctx, self._actor
        percent, source = self.percent.value(), self.source.text()
        self._save(
            lambda: set_online_target(ctx, actor, percent, source),
            self.target_message,
            _("Đã lưu chỉ tiêu."),
        )

    def save_bank(self) -> None:
        ctx, actor = self._ctx, self._actor
        values = self.bank_bin.text(), self.account.text(), self.account_name.text()
        self._save(
            lambda: set_bank_account(ctx, actor, *values),
            self.bank_message,
            _("Đã lưu tài khoản nhận phí."),
        )

    def _save(self, change: Callable[[], Any], message: QLabel, done: str) -> None:
        def failed(exc: BaseException) -> None:
            if isinstance(exc, CounterError):
                message.setText("⚠ " + exc.message)
            else:
                show_error(self, exc)

        Op(self, change).on_success(lambda _result: message.setText("✓ " + done)).on_error(
            failed
        ).start()
