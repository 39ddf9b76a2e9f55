"""Automatic backups for the main window: when one is due, running it on a worker with
progress, and the banner that says what to do when backups have stopped.

The rule of when is the core's (`maintenance.auto.backup_due`): at the first start of a
day whose last good backup is older than a day, once the day's close time has passed, and
right after the day is closed with the province (`after_sync`). The backup runs on the
parallel pool (`db=False`): it copies the database through SQLite's own backup, never
through the database thread's sessions, so the counter keeps working meanwhile.
"""

from __future__ import annotations

from datetime import datetime, time

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QWidget

from counter_app.errors import CounterError
from counter_app.i18n import _
from counter_app.kernel.context import AppContext
from counter_app.maintenance.auto import (
    RECENT,
    AutoBackupResult,
    BackupState,
    Readiness,
    backup_due,
    read_state,
    readiness,
    reminder,
    run_auto_backup,
)
from ui.bus import bus
from ui.style import set_banner
from ui.tasks import Op, TaskRunner

CHECK_INTERVAL_MS = 10 * 60 * 1000
RETRY_AFTER_SECONDS = 30 * 60
"""A failed backup is not tried again by itself sooner than this (the reminder stays)."""


def _close_time(ctx: AppContext) -> time:
    try:
        return time.fromisoformat(ctx.config.sync_close_time)
    except ValueError:
        return time(17, 15)


class BackupStatus(QObject):
    """Owns the automatic backups of one data directory in the GUI.

    Signals:
        state_changed(str, bool): the banner's text ("" when all is well) and whether it
            is a warning (else: a backup in progress).
        progressed(int, int): a running backup's steps done and in all.
        finished(object): an AutoBackupResult, or the exception a backup raised.
    """

    state_changed = Signal(str, bool)
    progressed = Signal(int, int)
    finished = Signal(object)

    def __init__(
        self, ctx: AppContext, parent: QObject | None = None, *, runner: TaskRunner | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._runner = runner
        self.running = False
        self.state = BackupState()
        self.ready: Readiness | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_INTERVAL_MS)
        self._timer.timeout.connect(self.check)

    def start(self) -> None:
        self._timer.start()
        self.check()

    def stop(self) -> None:
        self._timer.stop()

    def _now(self) -> datetime:
        return self.ctx.clock()

    def check(self, *, run_if_due: bool = True) -> None:
        """Read what happened last (a file, off the GUI thread); remind, and run if due."""
        ctx = self.ctx
        op = Op(
            self, lambda: (read_state(ctx.data_dir), readiness(ctx)), db=False, runner=self._runner
        )
        op.on_success(lambda found: self._checked(*found, run_if_due=run_if_due))
        op.on_error(lambda _exc: None)  # a file that cannot be read: the next check tries again
        op.start()

    def _checked(self, state: BackupState, ready: Readiness, *, run_if_due: bool) -> None:
        self.state, self.ready = state, ready
        if self.running:
            return
        now = self._now()
        text = reminder(now, state, ready)
        self.state_changed.emit(f"⚠ {text}" if text else "", bool(text))
        if not run_if_due or not self.can_run:
            return
        failed_lately = (
            state.last_error is not None
            and state.last_attempt_at is not None
            and (now - state.last_attempt_at).total_seconds() < RETRY_AFTER_SECONDS
        )
        if not failed_lately and backup_due(now, state.last_good_at, _close_time(self.ctx)):
            self.run_now()

    @property
    def can_run(self) -> bool:
        ready = self.ready
        return ready is not None and ready.sqlite and ready.folder is not None and ready.passphrase

    def after_sync(self, report: object) -> None:
        """A background sync ended; once it closed the day, back up (unless just done)."""
        close = getattr(report, "day_close", None)
        if close is None or not getattr(close, "match", False):
            return
        last = self.state.last_good_at
        if last is None or (self._now() - last) > RECENT:
            self.run_now()

    def run_now(self) -> bool:
        """Start a backup now; False when one is already running."""
        if self.running:
            return False
        self.running = True
        self.state_changed.emit(_("Đang sao lưu…"), False)
        ctx = self.ctx
        Op(
            self,
            lambda progress: run_auto_backup(ctx, progress=progress),
            db=False,
            runner=self._runner,
        ).with_progress(self._progress).on_success(self._done).on_error(self._failed).start()
        return True

    def _progress(self, done: int, total: int) -> None:
        self.progressed.emit(done, total)
        percent = done * 100 // total if total else 0
        self.state_changed.emit(_("Đang sao lưu… {percent}%").format(percent=percent), False)

    def _done(self, result: AutoBackupResult) -> None:
        self.running = False
        bus().info(_("Đã sao lưu vào {path}").format(path=result.path))
        self.finished.emit(result)
        self.check(run_if_due=False)

    def _failed(self, exc: BaseException) -> None:
        self.running = False
        if not isinstance(exc, CounterError):
            from ui.errors import show_error

            show_error(None, exc)
        self.finished.emit(exc)
        self.check(run_if_due=False)


class BackupBanner(QLabel):
    """A line across the top of the window: hidden while backups are fine, a warning that
    says what to do when they are not, and the progress of a backup running."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backup_banner")
        self.setWordWrap(True)
        self.setVisible(False)

    def show_state(self, text: str, warning: bool) -> None:
        self.setText(text)
        set_banner(self, "warning" if warning else None)  # the words say what to do
        self.setVisible(bool(text))
