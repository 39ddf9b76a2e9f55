"""The operation helper on a real thread pool: results and errors come back on the GUI thread."""

from __future__ import annotations

import threading

from pytestqt.qtbot import QtBot

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QWidget

from counter_app.dossiers.service import DossierFilter, count_dossiers
from counter_app.errors import ValidationError
from counter_app.kernel.context import AppContext
from ui.tasks import Op, TaskRunner, default_runner


def test_result_arrives_on_the_gui_thread(qtbot: QtBot, ctx: AppContext) -> None:
    parent = QWidget()
    qtbot.add_widget(parent)
    worker_threads: list[int] = []
    received: list[tuple[int, object]] = []

    def job() -> int:
        worker_threads.append(threading.get_ident())
        return count_dossiers(ctx, DossierFilter())

    op = Op(parent, job).on_success(lambda n: received.append((threading.get_ident(), n)))
    with qtbot.wait_signal(op.finished, timeout=10000):
        op.start()
    assert received == [(threading.get_ident(), 0)]
    assert worker_threads and worker_threads[0] != threading.get_ident()
    assert QThread.currentThread() is parent.thread()


def test_errors_go_to_the_error_handler(qtbot: QtBot) -> None:
    errors: list[BaseException] = []

    def job() -> None:
        raise ValidationError("Sai dữ liệu")

    op = Op(None, job).on_error(errors.append)
    with qtbot.wait_signal(op.failed, timeout=10000):
        op.start()
    assert isinstance(errors[0], ValidationError)
    assert "ValidationError" in errors[0].__traceback_text__  # type: ignore[attr-defined]


def test_bugs_without_handler_reach_show_error_as_a_log_line(qtbot: QtBot, caplog) -> None:  # type: ignore[no-untyped-def]
    op = Op(None, lambda: 1 / 0)
    with qtbot.wait_signal(op.finished, timeout=10000):
        op.start()
    assert "ZeroDivisionError" in caplog.text


def test_database_jobs_never_overlap(qtbot: QtBot) -> None:
    runner = TaskRunner()
    active = 0
    most = 0
    lock = threading.Lock()

    def job() -> None:
        nonlocal active, most
        with lock:
            active += 1
            most = max(most, active)
        QThread.msleep(20)
        with lock:
            active -= 1

    ops = [Op(None, job, runner=runner) for _ in range(5)]
    with qtbot.wait_signals([op.finished for op in ops], timeout=10000):
        for op in ops:
            op.start()
    assert most == 1
    assert runner.pending == 0


def test_progress_is_reported(qtbot: QtBot) -> None:
    seen: list[tuple[int, int]] = []

    def job(progress) -> str:  # type: ignore[no-untyped-def]
        for done in range(3):
            progress(done + 1, 3)
        return "xong"

    op = Op(None, job, db=False).with_progress(lambda d, t: seen.append((d, t)))
    with qtbot.wait_signal(op.succeeded, timeout=10000) as blocker:
        op.start()
    assert blocker.args == ["xong"]
    qtbot.wait_until(lambda: len(seen) == 3)
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_callbacks_are_skipped_when_the_parent_is_gone(qtbot: QtBot) -> None:
    parent = QWidget()
    called: list[int] = []
    gate = threading.Event()
    op = Op(parent, lambda: gate.wait(5) and 1).on_success(called.append)
    op.start()
    parent.deleteLater()
    qtbot.wait_until(lambda: not __import__("shiboken6").isValid(parent))
    with qtbot.wait_signal(op.finished, timeout=10000):
        gate.set()
    assert called == []
    assert default_runner().pending == 0
