"""Background sync for the main window: `counter_app.sync.service.BackgroundSync` on its
own thread (timer, exponential backoff, the day close at the configured time), started
when the counter is enrolled, woken on demand, and a one-line state for the status bar.

BackgroundSync calls back on its thread; the callbacks only emit signals, which Qt queues
to the GUI thread. Reading the state (`sync_overview`) goes through `ui.tasks.Op`.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from counter_app.domain.calendar import VN_TZ
from counter_app.errors import CounterError
from counter_app.i18n import _
from counter_app.kernel.context import AppContext
from counter_app.sync.service import BackgroundSync, SyncOverview, SyncReport, sync_overview
from ui.bus import Changes, bus
from ui.tasks import Op, TaskRunner

DEFAULT_INTERVAL_SECONDS = 300.0
INTERVAL_KEY = "sync_interval_seconds"
STOP_TIMEOUT_SECONDS = 5.0


def sync_interval(ctx: AppContext) -> float:
    """Seconds between background runs (config.json `sync_interval_seconds`, at least 10)."""
    try:
        value = float(ctx.config.extra.get(INTERVAL_KEY, DEFAULT_INTERVAL_SECONDS))
    except (TypeError, ValueError):
        return DEFAULT_INTERVAL_SECONDS
    return max(value, 10.0)


def state_text(overview: SyncOverview) -> str:
    """The status-bar line: last sync, dossiers waiting, and the warning in words."""
    if not overview.enrolled:
        text = _("Đồng bộ: quầy chưa ghi danh")
    else:
        when = overview.last_success_at
        last = (
            when.astimezone(VN_TZ).strftime("%H:%M %d/%m")
            if isinstance(when, datetime)
            else _("chưa lần nào")
        )
        text = _("Đồng bộ: {when} · {n} hồ sơ chờ gửi").format(when=last, n=len(overview.unsynced))
    warning = overview.warning or (overview.last_error if overview.enrolled else None)
    return f"⚠ {text} — {warning}" if warning else text


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
        reported(object): a finished run's SyncReport (GUI thread).
        failed(object): a run's CounterError (GUI thread).
    """

    state_changed = Signal(str, bool)
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
        self.running = False
        self.reported.connect(self._after_run)
        self.failed.connect(self._after_run)

    def start(self) -> None:
        """Start the background thread once the counter turns out to be enrolled."""
        self.refresh(start=True)

    def refresh(self, *, start: bool = False) -> None:
        ctx = self.ctx
        Op(self, lambda: sync_overview(ctx), runner=self._runner).on_success(
            lambda overview: self._show(overview, start)
        ).on_error(lambda exc: self._show_error(exc)).start()

    def _show(self, overview: SyncOverview, start: bool) -> None:
        if start and overview.enrolled and self.background is None:
            self.background = BackgroundSync(
                self.ctx,
                interval_seconds=self._interval,
                on_report=self._from_thread,
                on_error=self._from_thread,
            )
            self.running = True
            self.background.start()
        text = state_text(overview)
        if self.running:
            text = _("Đang đồng bộ…") + " " + text
        self.state_changed.emit(text, text.startswith("⚠"))

    def _from_thread(self, result: SyncReport | CounterError) -> None:
        """Thread affinity: the sync thread. Emitting queues the result to the GUI thread."""
        with suppress(RuntimeError):  # the window is gone; the thread is being stopped
            (self.reported if isinstance(result, SyncReport) else self.failed).emit(result)

    def _show_error(self, exc: BaseException) -> None:
        message = exc.message if isinstance(exc, CounterError) else str(exc)
        self.state_changed.emit(f"⚠ {message}", True)

    def sync_now(self) -> bool:
        """Wake the background sync; False (and a notice) when the counter is not enrolled."""
        if self.background is None:
            bus().warning(_("Quầy chưa ghi danh với hub: chạy “counter-app enroll”."))
            self.refresh(start=True)
            return False
        self.running = True
        self.background.sync_now()
        self.refresh()
        return True

    def _after_run(self, result: object) -> None:
        self.running = False
        if isinstance(result, SyncReport):
            bus().changes_applied.emit(Changes(counts=False), self)
        self.refresh()

    def stop(self) -> None:
        if self.background is not None:
            self.background.stop(STOP_TIMEOUT_SECONDS)
            self.background = None
