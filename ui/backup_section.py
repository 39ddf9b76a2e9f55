"""Cài đặt › Sao lưu: the backup folder, the backup passphrase, "Sao lưu ngay" with its
progress, the last good backup, the activity log's level, and restoring a backup.

Everyone sees how backups stand and may start one; only an administrator changes where
they go, their passphrase and the log level, and restores.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Role
from counter_app.errors import CounterError
from counter_app.i18n import _
from counter_app.kernel.config import BACKUP_FOLDER, LOG_LEVEL
from counter_app.kernel.context import AppContext
from counter_app.kernel.run_log import install_run_log
from counter_app.kernel.users import Actor
from counter_app.maintenance.auto import (
    AutoBackupResult,
    BackupState,
    configured_backup_folder,
    save_passphrase,
    set_backup_folder,
    set_log_level,
    stage_restore,
)
from ui.backup_status import BackupStatus
from ui.errors import show_error
from ui.fit import EllipsisLabel
from ui.recovery import RestoreForm, RestoreRunner, request_reopen
from ui.tasks import Op, TaskRunner


def _when(moment: datetime | None) -> str:
    return "—" if moment is None else f"{moment.astimezone(VN_TZ):%d/%m/%Y %H:%M}"


def status_text(state: BackupState) -> str:
    text = _("Lần sao lưu tốt gần nhất: {when}").format(when=_when(state.last_good_at))
    if state.last_good_file:
        text += f" ({state.last_good_file})"
    if state.last_error:
        text += "\n" + _("Lỗi lần trước: {error}").format(error=state.last_error)
    return text


class BackupSection(QGroupBox):
    def __init__(
        self,
        ctx: AppContext,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(_("Sao lưu tự động"), parent)
        self._ctx, self._actor, self._runner = ctx, actor, runner
        self.admin = actor.role is Role.ADMIN
        self.folder = QLineEdit()
        self.folder.setAccessibleName(_(BACKUP_FOLDER.title))
        self.folder.setPlaceholderText(_(BACKUP_FOLDER.hint))
        self.folder.setReadOnly(not self.admin)
        self.browse_button = QPushButton(_("C&họn…"))
        self.browse_button.clicked.connect(self._browse)
        self.save_folder_button = QPushButton(_("Lưu thư &mục"))
        self.save_folder_button.clicked.connect(self.save_folder)
        self.passphrase_button = QPushButton(_("Mật khẩu sao lưu…"))
        self.passphrase_button.clicked.connect(self.open_passphrase_dialog)
        self.log_level = QComboBox()
        self.log_level.setAccessibleName(_(LOG_LEVEL.title))
        for level in LOG_LEVEL.choices:
            self.log_level.addItem(level, level)
        self.log_level.setCurrentIndex(self.log_level.findData(ctx.config.log_level))
        self.log_level.currentIndexChanged.connect(lambda _i: self.save_log_level())
        self.log_level.setEnabled(self.admin)
        self.backup_button = QPushButton(_("Sao lưu &ngay"))
        self.backup_button.clicked.connect(self.backup_now)
        self.restore_button = QPushButton(_("Khôi &phục từ bản sao lưu…"))
        self.restore_button.clicked.connect(self.open_restore_dialog)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.state_label = EllipsisLabel()
        self.message = EllipsisLabel()
        for admin_only in (
            self.browse_button,
            self.save_folder_button,
            self.passphrase_button,
            self.restore_button,
        ):
            admin_only.setVisible(self.admin)
        # Three lines, to sit beside the integrity check: the folder; the actions and the
        # log level; how backups stand and what the last action did.
        folder_row = QHBoxLayout()
        folder_row.addWidget(QLabel(_(BACKUP_FOLDER.title)))
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.browse_button)
        folder_row.addWidget(self.save_folder_button)
        actions = QHBoxLayout()
        actions.addWidget(self.backup_button)
        actions.addWidget(self.passphrase_button)
        actions.addWidget(self.restore_button)
        actions.addWidget(self.progress, 1)
        actions.addStretch(0)
        log_label = QLabel(_("Nhật ký:"))
        log_label.setToolTip(_(LOG_LEVEL.title))
        actions.addWidget(log_label)
        actions.addWidget(self.log_level)
        status_row = QHBoxLayout()
        status_row.addWidget(self.state_label, 1)
        status_row.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.setSpacing(2)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addLayout(folder_row)
        layout.addLayout(actions)
        layout.addLayout(status_row)
        self.passphrase_dialog: PassphraseDialog | None = None
        self.restore_dialog: RestoreDialog | None = None
        self._status: BackupStatus | None = None
        self.load()

    @property
    def status(self) -> BackupStatus:
        """The window's backups (one backup at a time), else this section's own."""
        if self._status is None:
            found = getattr(self.window(), "backup_status", None)
            status = found if isinstance(found, BackupStatus) else BackupStatus(self._ctx, self)
            status.progressed.connect(self._progress)
            status.finished.connect(self._finished)
            self._status = status
        return self._status

    def load(self) -> None:
        folder = configured_backup_folder(self._ctx.config)
        self.folder.setText(str(folder) if folder is not None else "")
        self._refresh_state()

    def _refresh_state(self) -> None:
        from counter_app.maintenance.auto import read_state

        data_dir = self._ctx.data_dir
        Op(self, lambda: read_state(data_dir), db=False, runner=self._runner).on_success(
            lambda state: self.state_label.setText(status_text(state))
        ).on_error(lambda _exc: None).start()

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self, _("Chọn thư mục sao lưu"), self.folder.text()
        )
        if chosen:
            self.folder.setText(chosen)

    def save_folder(self) -> None:
        """Checked off the GUI thread: a network share may be slow to answer."""
        ctx, actor, text = self._ctx, self._actor, self.folder.text().strip()
        Op(
            self,
            lambda: set_backup_folder(ctx, actor, Path(text) if text else None),
            db=False,
            runner=self._runner,
        ).on_success(self._folder_saved).on_error(self._show_failure).start()

    def _folder_saved(self, folder: Path | None) -> None:
        self.folder.setText(str(folder) if folder is not None else "")
        self.message.setText(_("Đã lưu thư mục sao lưu."))
        self.status.check()  # the reminder follows at once

    def save_log_level(self) -> None:
        level = str(self.log_level.currentData())
        if not self.admin or level == self._ctx.config.log_level:
            return
        try:
            set_log_level(self._ctx, self._actor, level)
            install_run_log(self._ctx.data_dir, level)
        except (CounterError, OSError) as exc:
            self._show_failure(exc)
            return
        self.message.setText(_("Đã đổi mức ghi nhật ký."))

    def backup_now(self) -> None:
        if self.status.running:
            self.message.setText(_("Đang sao lưu…"))
            return
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.backup_button.setEnabled(False)
        self.message.setText(_("Đang sao lưu…"))
        self.status.run_now()

    def _progress(self, done: int, total: int) -> None:
        self.progress.setVisible(True)
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def _finished(self, result: object) -> None:
        self.progress.setVisible(False)
        self.backup_button.setEnabled(True)
        if isinstance(result, AutoBackupResult):
            text = _("Đã sao lưu vào {path}").format(path=result.path)
            if result.removed:
                text += " " + _("Đã xóa {n} bản sao lưu cũ theo lịch giữ.").format(
                    n=len(result.removed)
                )
            self.message.setText(text)
        elif isinstance(result, CounterError):
            self.message.setText(_("Chưa sao lưu được: {reason}").format(reason=result.message))
        self._refresh_state()

    def _show_failure(self, exc: BaseException) -> None:
        if isinstance(exc, CounterError):
            self.message.setText(exc.message)
        else:
            show_error(self, exc)

    def open_passphrase_dialog(self) -> None:
        self.passphrase_dialog = PassphraseDialog(self._ctx, self._actor, self)
        self.passphrase_dialog.accepted.connect(self._passphrase_saved)
        self.passphrase_dialog.open()

    def _passphrase_saved(self) -> None:
        self.message.setText(_("Đã lưu mật khẩu sao lưu."))
        self.status.check()

    def open_restore_dialog(self) -> None:
        self.restore_dialog = RestoreDialog(self._ctx, self._actor, self, runner=self._runner)
        self.restore_dialog.open()


class PassphraseDialog(QDialog):
    """The passphrase automatic backups are sealed with, typed twice; kept on this machine.
    A restore on another machine needs it: the dialog says to write it down."""

    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Mật khẩu sao lưu"))
        self._ctx, self._actor = ctx, actor
        self.first = QLineEdit()
        self.second = QLineEdit()
        for field, name in ((self.first, _("Mật khẩu")), (self.second, _("Nhập lại"))):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setAccessibleName(name)
        self.message = QLabel(wordWrap=True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(
            QLabel(
                _(
                    "Bản sao lưu được mã hóa bằng mật khẩu này. Ghi mật khẩu ra giấy, niêm phong "
                    "và giao lãnh đạo cất giữ: mất mật khẩu thì không khôi phục được."
                ),
                wordWrap=True,
            )
        )
        form.addRow(_("Mật khẩu"), self.first)
        form.addRow(_("Nhập lại"), self.second)
        form.addRow(self.message)
        form.addRow(buttons)

    def save(self) -> None:
        if self.first.text() != self.second.text():
            self.message.setText(_("Hai lần nhập mật khẩu sao lưu không khớp."))
            return
        try:
            save_passphrase(self._ctx, self._actor, self.first.text())
        except CounterError as exc:
            self.message.setText(exc.message)
            return
        self.accept()


class RestoreDialog(QDialog):
    """Khôi phục: pick a backup; it is decrypted, unpacked, migrated and verified beside the
    data directory, and only after the administrator confirms does it replace the data in
    use (kept aside whole); the program then opens again on it."""

    def __init__(
        self,
        ctx: AppContext,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Khôi phục từ bản sao lưu"))
        self._ctx, self._actor, self._runner = ctx, actor, runner
        self.form = RestoreForm(ctx.data_dir, ctx.config, runner=runner)
        self.runner = RestoreRunner()
        self.check_button = QPushButton(_("&Kiểm tra và khôi phục"))
        self.check_button.clicked.connect(self.check)
        buttons = QDialogButtonBox()
        buttons.addButton(self.check_button, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(_("Đóng"), QDialogButtonBox.ButtonRole.RejectRole)
        close.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                _(
                    "Bản sao lưu được giải mã và kiểm tra toàn vẹn trước; dữ liệu đang dùng chỉ "
                    "được thay sau khi bạn xác nhận, và được cất sang một thư mục bên cạnh."
                ),
                wordWrap=True,
            )
        )
        layout.addWidget(self.form, 1)
        layout.addWidget(self.runner)
        layout.addWidget(buttons)
        self.confirm_box: QMessageBox | None = None
        self.staged: Path | None = None
        self.resize(640, 420)

    def check(self) -> None:
        archive = self.form.chosen()
        if archive is None:
            self.runner.message.setText(_("Chọn một bản sao lưu trước."))
            return
        if self._ctx.engine.dialect.name != "sqlite":
            self.runner.message.setText(
                _("Dữ liệu trên PostgreSQL được khôi phục bằng công cụ của máy chủ.")
            )
            return
        data_dir, actor, secret = self._ctx.data_dir, self._actor, self.form.secret()
        self.runner.run(
            lambda: stage_restore(data_dir, archive, secret, datetime.now(UTC), actor),
            self._ask,
            runner=self._runner,
        )

    def _ask(self, staged: Path) -> None:
        self.staged = staged
        box = QMessageBox(
            QMessageBox.Icon.Question,
            _("Khôi phục dữ liệu"),
            _(
                "Bản sao lưu đã giải mã và qua kiểm tra toàn vẹn. Thay dữ liệu đang dùng bằng "
                "bản này? Dữ liệu hiện tại được cất sang thư mục “{name}” bên cạnh; chương "
                "trình đóng lại rồi mở trên dữ liệu đã khôi phục."
            ).format(name=f"{self._ctx.data_dir.name}.before-restore-…"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.No)
        yes = box.button(QMessageBox.StandardButton.Yes)
        box.finished.connect(lambda _r: self._decided(box.clickedButton() is yes))
        self.confirm_box = box
        box.open()

    def _decided(self, replace: bool) -> None:
        staged = self.staged
        if staged is None:
            return
        if not replace:
            self.staged = None
            Op(self, lambda: shutil.rmtree(staged, ignore_errors=True), db=False).start()
            self.runner.message.setText(_("Chưa thay dữ liệu; bản đã kiểm tra được bỏ đi."))
            return
        request_reopen(self._ctx.data_dir, staged)
        self.accept()
        parent = self.parentWidget()
        if parent is not None:
            parent.window().close()  # the last window: the program reopens on the restored data
