"""Background sync for the main window: `counter_app.sync.service.BackgroundSync` run as a
`ui.tasks.Periodic` (the interval, exponential backoff, the day close at the configured
time), started when the counter is enrolled, run at once on demand, and a one-line state
for the status bar.

A run talks to the hub on the helper's parallel pool and does its database work through
the database thread; reading the state (`sync_overview`) is a database job too.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from counter_app.errors import CounterError
from counter_app.i18n import _
from counter_app.kernel.context import AppContext
from counter_app.scanning.devices import CancelToken
from counter_app.sync.service import BackgroundSync, SyncOverview, SyncReport, sync_overview
from ui.bus import Changes, bus
from ui.sync_words import sync_words
from ui.tasks import Op, Periodic, TaskRunner, default_runner


def sync_interval(ctx: AppContext) -> float:
    """Seconds between background runs (config.json `sync_interval_seconds`)."""
    return float(ctx.config.sync_interval_seconds)


def state_text(overview: SyncOverview, *, demo: bool = False) -> tuple[str, bool]:
    """The status-bar line in the clerk's words (ui/sync_words.py): when things were last
    sent, the dossiers and pages waiting, and on a problem what to do next; and whether it
    is a warning (then it starts with ⚠, not told by colour alone)."""
    words = sync_words(overview, demo=demo)
    text = f"{words.line} — {words.advice}" if words.warning and words.advice else words.line
    return text, words.warning


def elide_words(text: str, metrics: QFontMetrics, width: int) -> str:
    """`text` if it fits in `width` pixels, else its first whole words and "…"."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    words = text.split(" ")
    while len(words) > 1:
        words.pop()
        shorter = " ".join(words).rstrip(" ·—;,:") + "…"
        if metrics.horizontalAdvance(shorter) <= width:
            return shorter
    return "…"


class ElidedLabel(QLabel):
    """A one-line label that gives up whole words to fit, keeping the full text in its
    tooltip and accessible description (the status bar cut the sync warning mid-word)."""

    MIN_WIDTH = 160

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.full_text = ""
        self.setMinimumWidth(self.MIN_WIDTH)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def set_full_text(self, text: str) -> None:
        self.full_text = text
        self.setToolTip(text)
        self.setAccessibleDescription(text)
        self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        margins = self.contentsMargins()
        width = self.width() - margins.left() - margins.right()
        self.setText(elide_words(self.full_text, self.fontMetrics(), width))


class SyncStatus(QObject):
    """Owns the background sync of one data directory.

    Signals:
        state_changed(str, bool): the status-bar text and whether it is a warning.
        waiting_changed(int): the dossiers waiting to be sent (0 when not enrolled).
        reported(object): a finished run's SyncReport (GUI thread).
        failed(object): a run's CounterError (GUI thread).
    """

    state_changed = Signal(str, bool)
    waiting_changed = Signal(int)
    reported = Signal(object)
    failed = Signal(object)

    def __init__(
        self,
        ctx: AppContext,
        parent: QObject | None = None,
        *,
        runner: TaskRunner | None = None,
        interval_seconds: float | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._runner = runner
        self._interval = interval_seconds or sync_interval(ctx)
        self.background: BackgroundSync | None = None
        self._periodic: Periodic | None = None
        self._cancel = CancelToken()
        self.reported.connect(self._after_run)
        self.failed.connect(self._after_run)

    @property
    def running(self) -> bool:
        return self._periodic is not None and self._periodic.running

    def start(self) -> None:
        """Start background sync once the counter turns out to be enrolled."""
        self.refresh(start=True)

    def refresh(self, *, start: bool = False) -> None:
        ctx = self.ctx
        Op(self, lambda: sync_overview(ctx), runner=self._runner).on_success(
            lambda overview: self._show(overview, start)
        ).on_error(lambda exc: self._show_error(exc)).start()

    def _show(self, overview: SyncOverview, start: bool) -> None:
        if start and overview.enrolled and self.background is None:
            self._start_background()
        text, warning = state_text(overview, demo=self.ctx.config.demo)
        if self.running:
            text = _("Đang gửi lên tỉnh…") + " " + text
        self.state_changed.emit(text, warning)
        self.waiting_changed.emit(overview.pending_dossiers if overview.enrolled else 0)

    def _start_background(self) -> None:
        background = BackgroundSync(self.ctx, interval_seconds=self._interval)
        run_db = (self._runner or default_runner()).call_db
        cancel = self._cancel = CancelToken()
        periodic = Periodic(
            self,
            lambda: background.attempt(run_db=run_db, cancel=cancel),
            next_delay=background.next_delay,
            db=False,  # mostly HTTP: its database work waits its turn on the database thread
            runner=self._runner,
        )
        periodic.succeeded.connect(self._ran)
        periodic.failed.connect(self._ran)
        self.background, self._periodic = background, periodic
        periodic.start()

    def _ran(self, result: object) -> None:
        """A run's SyncReport, or the CounterError `attempt` turned its failure into."""
        if isinstance(result, SyncReport):
            self.reported.emit(result)
        elif isinstance(result, CounterError):
            self.failed.emit(result)
        else:  # `attempt` raised after all: not an Exception
            self.failed.emit(CounterError(_("Lỗi khi đồng bộ: {error}").format(error=result)))

    def _show_error(self, exc: BaseException) -> None:
        message = exc.message if isinstance(exc, CounterError) else str(exc)
        self.state_changed.emit(f"⚠ {message}", True)

    def sync_now(self) -> bool:
        """Sync now, or right after the run in progress; False (and a notice) when the
        counter is not enrolled."""
        if self._periodic is None:
            if self.ctx.config.demo:
                bus().warning(_("Dữ liệu mẫu không gửi lên tỉnh."))
            else:
                bus().warning(
                    _("Máy chưa đăng ký với tỉnh: quản trị viên đăng ký ở trang “Gửi lên tỉnh”.")
                )
            self.refresh(start=True)
            return False
        self._periodic.run_now()
        self.refresh()
        return True

    def _after_run(self, result: object) -> None:
        if isinstance(result, SyncReport):
            bus().changes_applied.emit(Changes(counts=False), self)
        self.refresh()

    def stop(self) -> None:
        """No run starts any more; the one in progress stops at its next dossier."""
        if self._periodic is not None:
            self._periodic.stop()
            self._cancel.cancel()
            self._periodic.deleteLater()
            self._periodic = None
            self.background = None
