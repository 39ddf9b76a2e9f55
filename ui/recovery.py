"""Restoring a backup from the program: choosing it, and the two ways it comes into use.

- From Cài đặt (administrators, `ui.backup_section.RestoreDialog`): the backup is decrypted,
  unpacked, migrated and verified beside the data directory while the program runs; once
  the administrator confirms, the window closes, the data directory is kept aside whole
  and the restored one takes its place (`maintenance.auto.swap_in_restored`), and
  `ui.app.run_gui` opens the program again on it (`request_reopen`, `take_reopen`).
- At start, when the database is damaged (`recover_damaged_database`): the damaged file is
  moved aside into the data directory, and the newest backup is offered at once.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.calendar import VN_TZ
from counter_app.errors import CounterError
from counter_app.i18n import _
from counter_app.kernel.config import AppConfig, load_config
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.maintenance.auto import (
    BackupFile,
    configured_backup_folder,
    database_is_damaged,
    our_backups,
    set_aside_damaged,
    stage_restore,
    stored_passphrase,
    swap_in_restored,
)
from ui.errors import dialogs_enabled, show_error
from ui.settings import FILE_NAME as UI_SETTINGS_FILE
from ui.tasks import Op, TaskRunner

log = logging.getLogger("counter_app.ui")

_reopen: list[tuple[Path, Path]] = []


def request_reopen(data_dir: Path, staged: Path) -> None:
    """Once the window has closed, put `staged` in the data directory's place and reopen."""
    _reopen[:] = [(data_dir, staged)]


def take_reopen() -> tuple[Path, Path] | None:
    return _reopen.pop() if _reopen else None


def finish_reopen(data_dir: Path, staged: Path) -> Path:
    """The swap itself, with the data directory closed; where the old data went. The
    activity log is closed first: Windows does not move a folder with a file open in it."""
    from counter_app.kernel.run_log import remove_run_log

    remove_run_log()
    return swap_in_restored(data_dir, staged, datetime.now(UTC), machine_files=(UI_SETTINGS_FILE,))


def describe_backup(item: BackupFile) -> str:
    return _("{when} — {name} ({size} MB)").format(
        when=f"{item.taken_at.astimezone(VN_TZ):%d/%m/%Y %H:%M}",
        name=item.path.name,
        size=f"{item.size / 1_000_000:.1f}",
    )


class RestoreForm(QWidget):
    """The backups of the backup folder, newest first, another file to pick, and the
    passphrase (empty: the one kept on this machine)."""

    def __init__(
        self,
        data_dir: Path,
        config: AppConfig,
        parent: QWidget | None = None,
        *,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self._data_dir = data_dir
        self.backups = QListWidget()
        self.backups.setAccessibleName(_("Bản sao lưu"))
        self.other_button = QPushButton(_("Chọn &tệp khác…"))
        self.other_button.clicked.connect(self._choose_file)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName(_("Mật khẩu sao lưu"))
        self.passphrase.setPlaceholderText(_("để trống: dùng mật khẩu đã lưu trên máy này"))
        row = QHBoxLayout()
        row.addWidget(QLabel(_("Mật khẩu sao lưu:")))
        row.addWidget(self.passphrase, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.backups, 1)
        layout.addWidget(self.other_button)
        layout.addLayout(row)
        folder = configured_backup_folder(config)
        if folder is not None:
            Op(self, lambda: our_backups(folder, config), db=False, runner=runner).on_success(
                self._show
            ).on_error(lambda _exc: None).start()

    def _show(self, backups: list[BackupFile]) -> None:
        chosen = self.chosen()
        for item in backups:
            if chosen is None or item.path != chosen:
                self.add(item.path, describe_backup(item))
        if self.backups.currentRow() < 0 and self.backups.count():
            self.backups.setCurrentRow(0)

    def add(self, path: Path, text: str | None = None, *, select: bool = False) -> None:
        entry = QListWidgetItem(text or str(path))
        entry.setData(Qt.ItemDataRole.UserRole, str(path))
        self.backups.addItem(entry)
        if select:
            self.backups.setCurrentItem(entry)

    def _choose_file(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(self, _("Chọn tệp sao lưu"))
        if chosen:
            self.add(Path(chosen), select=True)

    def chosen(self) -> Path | None:
        item = self.backups.currentItem()
        return None if item is None else Path(str(item.data(Qt.ItemDataRole.UserRole)))

    def secret(self) -> str | None:
        return self.passphrase.text() or stored_passphrase(self._data_dir)


class RestoreRunner(QWidget):
    """A busy bar and a one-line result under a restore form; runs one restore at a time."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # decrypting and verifying: no steps to count
        self.progress.setVisible(False)
        self.message = QLabel(wordWrap=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        self.running = False

    def run(
        self,
        job: Callable[[], Path],
        done: Callable[[Path], None],
        *,
        runner: TaskRunner | None = None,
    ) -> None:
        if self.running:
            return
        self.running = True
        self.progress.setVisible(True)
        self.message.setText(_("Đang giải mã và kiểm tra toàn vẹn bản sao lưu…"))

        def succeeded(staged: Path) -> None:
            self._ended("")
            done(staged)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, CounterError):
                self._ended(_("Chưa khôi phục: {reason}").format(reason=exc.message))
            else:
                self._ended("")
                show_error(self, exc)

        # On the database thread: the check opens the restored copy's own database.
        Op(self, job, runner=runner).on_success(succeeded).on_error(failed).start()

    def _ended(self, message: str) -> None:
        self.running = False
        self.progress.setVisible(False)
        self.message.setText(message)


class DamagedDatabaseDialog(QDialog):
    """Said at start when the database is damaged: where it went, and the newest backup
    to restore from. Accepted once the restored data is in place."""

    def __init__(
        self,
        data_dir: Path,
        moved_to: Path,
        parent: QWidget | None = None,
        *,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Cơ sở dữ liệu bị hỏng"))
        self._data_dir, self._runner = data_dir, runner
        config = load_config(data_dir)
        text = QLabel(
            _(
                "Cơ sở dữ liệu của máy này bị hỏng nên chương trình không mở được. Tệp hỏng "
                "đã được chuyển sang {path} (không xóa gì). Hãy khôi phục từ bản sao lưu mới "
                "nhất dưới đây; hồ sơ tiếp nhận sau lúc sao lưu cần nhập lại. Nếu không có "
                "bản sao lưu, hãy thoát và gọi bộ phận kỹ thuật."
            ).format(path=moved_to),
            wordWrap=True,
        )
        self.form = RestoreForm(data_dir, config, runner=runner)
        self.runner = RestoreRunner()
        self.restore_button = QPushButton(_("&Khôi phục"))
        self.restore_button.setDefault(True)
        self.restore_button.clicked.connect(self.restore)
        buttons = QDialogButtonBox()
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.AcceptRole)
        quit_button = buttons.addButton(_("Thoát"), QDialogButtonBox.ButtonRole.RejectRole)
        quit_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.form, 1)
        layout.addWidget(self.runner)
        layout.addWidget(buttons)
        self.resize(640, 420)

    def restore(self) -> None:
        archive = self.form.chosen()
        if archive is None:
            self.runner.message.setText(_("Chọn một bản sao lưu trước."))
            return
        data_dir, secret = self._data_dir, self.form.secret()

        def job() -> Path:
            now = datetime.now(UTC)
            staged = stage_restore(data_dir, archive, secret, now, SYSTEM_ACTOR)
            swap_in_restored(data_dir, staged, now, machine_files=(UI_SETTINGS_FILE,))
            return data_dir

        self.runner.run(job, lambda _path: self.accept(), runner=self._runner)


def recover_damaged_database(data_dir: Path) -> bool:
    """At start, after the database failed to open: when it is damaged, move it aside and
    offer the newest backup. True once a backup was restored (open the data directory
    again); False when the database is not damaged, or nothing was restored."""
    if not database_is_damaged(data_dir):
        return False
    moved = set_aside_damaged(data_dir, datetime.now(UTC))
    message = _("Cơ sở dữ liệu bị hỏng đã được chuyển sang {path}.").format(path=moved)
    log.error("damaged database set aside")
    if not dialogs_enabled():
        sys.stderr.write(f"counter-app: {message}\n")
        return False
    dialog = DamagedDatabaseDialog(data_dir, moved)
    return dialog.exec() == QDialog.DialogCode.Accepted
