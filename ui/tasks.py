"""The one background-operation helper of the UI: no screen starts threads of its own.

    Op(parent, lambda: services.get_dossier(ctx, code)).on_success(show).start()

`Op` runs a function of the services off the GUI thread and delivers its result (or its
exception) back on the GUI thread through a queued signal. Work that touches the database
(`db=True`, the default) goes to one single-thread pool, so database jobs never overlap
and each opens and closes its own session inside the worker; services return frozen
views, never ORM objects. Work without the database (`db=False`: HTTP, scanner I/O) runs
on a parallel pool. Nobody else creates threads: the database thread is the only one
that opens sessions in the GUI process, and work that repeats (background sync) is a
`Periodic` of this helper.

When the parent widget is deleted before the job ends, the callbacks are skipped.
Errors go to `show_error(parent, exc)` unless `on_error` is given.
"""

from __future__ import annotations

import gc
import threading
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Generic, TypeGuard, TypeVar

import shiboken6
from PySide6.QtCore import (
    QCoreApplication,
    QEventLoop,
    QObject,
    QRunnable,
    QThreadPool,
    QTimer,
    Signal,
)

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

T = TypeVar("T")

ProgressCallback = Callable[[int, int], None]

_database_job = threading.local()


def on_database_thread() -> bool:
    """True inside a database job of a runner (tests check every session against it)."""
    return bool(getattr(_database_job, "running", False))


@contextmanager
def _running_database_job() -> Iterator[None]:
    _database_job.running = True
    try:
        yield
    finally:
        _database_job.running = False


class TaskRunner(QObject):
    """The two thread pools: `db` with exactly one thread, `parallel` for the rest.

    One runner belongs to the application object (`default_runner()`); tests may make
    their own.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db_pool = QThreadPool(self)
        self.db_pool.setMaxThreadCount(1)  # database work is serialised: one writer at a time
        self.parallel_pool = QThreadPool(self)
        self._running: set[Op[Any]] = set()

    def submit(self, op: Op[Any]) -> None:
        self._running.add(op)
        pool = self.db_pool if op.uses_db else self.parallel_pool
        pool.start(_Job(op))

    def call_db(self, func: Callable[[], T]) -> T:
        """Run `func` on the database thread and wait for its result (or exception).

        Thread affinity: call it only from a parallel job, never from the GUI or the
        database thread (which would wait for itself). A long job that polls, like the
        scan-folder watch, uses it so its database work stays serialised.
        """
        future: Future[T] = Future()

        def job() -> None:
            try:
                with _running_database_job():
                    future.set_result(func())
            except BaseException as exc:
                future.set_exception(exc)

        self.db_pool.start(job)
        return future.result()

    def forget(self, op: Op[Any]) -> None:
        self._running.discard(op)

    @property
    def pending(self) -> int:
        return len(self._running)

    def wait_idle(self, msecs: int = 30000) -> bool:
        """Block until both pools are empty (shutdown and tests only)."""
        return self.db_pool.waitForDone(msecs) and self.parallel_pool.waitForDone(msecs)


Q = TypeVar("Q", bound=QObject)


def app_child(kind: type[Q], name: str) -> Q:
    """The one `kind` object of the application, created on first use as its child."""
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("a QApplication must exist first")
    found = app.findChild(kind, name)
    if found is None:
        found = kind(app)
        found.setObjectName(name)
    return found


def collect_garbage_when_due() -> None:
    """Python's cyclic garbage collection, run in the calling thread (the GUI thread) when
    its own thresholds say one is due, as the automatic collection would."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    due = -1
    for generation in range(3):
        if counts[generation] <= thresholds[generation]:
            break
        due = generation
    if due >= 0:
        gc.collect(due)


class MainThreadCollector(QObject):
    """Turns automatic garbage collection off and runs it from the GUI thread instead. An
    automatic collection starts in whichever thread happens to allocate: on a worker it
    destroyed a widget caught in a reference cycle there, and Qt crashed (a segfault
    "Garbage-collecting" on a worker thread)."""

    def __init__(self, parent: QObject, interval_ms: int = 500) -> None:
        super().__init__(parent)
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(collect_garbage_when_due)
        self._timer.start(interval_ms)


def default_runner() -> TaskRunner:
    return app_child(TaskRunner, "counter_app_task_runner")


class Op(QObject, Generic[T]):
    """One background operation; chain options, then `start()`.

    Signals (delivered on the GUI thread):
        succeeded(object): the function's return value.
        failed(object): the exception it raised (with `__traceback_text__` set).
        progressed(int, int): done and total, when `with_progress` was used.
        finished(): after either of the above.
    """

    succeeded = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int)
    finished = Signal()

    def __init__(
        self,
        parent: QObject | None,
        func: Callable[[], T] | Callable[[ProgressCallback], T],
        *,
        db: bool = True,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(None)  # lives on the GUI thread; the runner keeps it alive
        self._parent = parent
        self._func = func
        self.uses_db = db
        self._runner = runner
        self._wants_progress = False
        self._error_handler: Callable[[BaseException], None] | None = None
        self.succeeded.connect(self._deliver_success)
        self.failed.connect(self._deliver_failure)
        self._success_handlers: list[Callable[[T], None]] = []

    def on_success(self, callback: Callable[[T], None]) -> Op[T]:
        self._success_handlers.append(callback)
        return self

    def on_error(self, callback: Callable[[BaseException], None]) -> Op[T]:
        self._error_handler = callback
        return self

    def with_progress(self, callback: ProgressCallback) -> Op[T]:
        """Call the function with a `progress(done, total)` callable; `callback` gets it."""
        self._wants_progress = True
        self.progressed.connect(callback)
        return self

    def start(self) -> Op[T]:
        (self._runner or default_runner()).submit(self)
        return self

    # --- worker side ----------------------------------------------------------------

    def run_in_worker(self) -> None:
        """Thread affinity: runs on a pool thread; talks to the GUI thread only by signals."""
        try:
            if self._wants_progress:
                result: Any = self._func(self.progressed.emit)  # type: ignore[call-arg]
            else:
                result = self._func()  # type: ignore[call-arg]
        except BaseException as exc:  # everything crosses back, bugs included
            exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            self.failed.emit(exc)
        else:
            self.succeeded.emit(result)

    # --- GUI side -------------------------------------------------------------------

    def _parent_alive(self) -> bool:
        return self._parent is None or shiboken6.isValid(self._parent)

    def _deliver_success(self, result: T) -> None:
        try:
            if self._parent_alive():
                for handler in self._success_handlers:
                    handler(result)
        finally:
            self._finish()

    def _deliver_failure(self, exc: BaseException) -> None:
        try:
            if self._parent_alive():
                if self._error_handler is not None:
                    self._error_handler(exc)
                else:
                    from ui.errors import show_error

                    parent = self._parent
                    show_error(parent if _is_widget(parent) else None, exc)
        finally:
            self._finish()

    def _finish(self) -> None:
        self.finished.emit()
        (self._runner or default_runner()).forget(self)


def _is_widget(obj: QObject | None) -> TypeGuard[QWidget]:
    return obj is not None and obj.isWidgetType()


class _Job(QRunnable):
    def __init__(self, op: Op[Any]) -> None:
        super().__init__()
        self._op = op

    def run(self) -> None:
        if self._op.uses_db:
            with _running_database_job():
                self._op.run_in_worker()
        else:
            self._op.run_in_worker()


def wait_for(func: Callable[[], T], *, runner: TaskRunner | None = None) -> T:
    """Start-up only, before any window is up: run `func` as a database job, turning a
    local event loop until it ends; its result, or its exception raised here."""
    results: list[T] = []
    errors: list[BaseException] = []
    loop = QEventLoop()
    op = Op(None, func, runner=runner).on_success(results.append).on_error(errors.append)
    op.finished.connect(loop.quit)
    op.start()
    loop.exec()  # the result comes through this loop, so it cannot have come before
    if errors:
        raise errors[0]
    return results[0]


MAX_DELAY_SECONDS = 24 * 3600.0  # a Qt timer counts milliseconds in 32 bits


class Periodic(QObject):
    """A job run again and again through the helper, one run at a time.

    `start()` runs it at once; each next run starts `next_delay()` seconds after the one
    before ended, so a slow or failing run never piles up. `run_now()` runs it at once,
    or right after the run in progress. After `stop()` no run starts; a run in progress
    ends and its result is still delivered.

    Signals (GUI thread):
        succeeded(object): a run's return value.
        failed(object): the exception a run raised.
    """

    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(
        self,
        parent: QObject | None,
        func: Callable[[], object],
        *,
        next_delay: Callable[[], float],
        db: bool = True,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self._func = func
        self._next_delay = next_delay
        self._db = db
        self._runner = runner
        self.active = False
        self.running = False
        self._again = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._run)

    def start(self) -> None:
        self.active = True
        self.run_now()

    def run_now(self) -> None:
        if not self.active:
            return
        if self.running:
            self._again = True
            return
        self._timer.stop()
        self._run()

    def stop(self) -> None:
        self.active = False
        self._again = False
        self._timer.stop()

    @property
    def seconds_to_next(self) -> float | None:
        """When the next run is due; None while one runs, and after `stop()`."""
        return self._timer.remainingTime() / 1000 if self._timer.isActive() else None

    def _run(self) -> None:
        self.running = True
        Op(self, self._func, db=self._db, runner=self._runner).on_success(self._ran).on_error(
            self._broke
        ).start()

    def _ran(self, result: object) -> None:
        self._ended()
        self.succeeded.emit(result)

    def _broke(self, exc: BaseException) -> None:
        self._ended()
        self.failed.emit(exc)

    def _ended(self) -> None:
        self.running = False
        if self.active:
            delay = 0.0 if self._again else min(self._next_delay(), MAX_DELAY_SECONDS)
            self._again = False
            self._timer.start(int(delay * 1000))
