"""The operation helper on a real thread pool: results and errors come back on the GUI thread."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QWidget

from counter_app.dossiers.service import DossierFilter, count_dossiers
from counter_app.errors import ValidationError
from counter_app.kernel.context import AppContext
from ui.desk_logic import today_counts
from ui.tasks import Op, Periodic, TaskRunner, default_runner, wait_for


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


def test_a_periodic_job_runs_again_after_each_run_never_twice_at_once(qtbot: QtBot) -> None:
    runner = TaskRunner()
    gate = threading.Event()
    runs: list[int] = []

    def job() -> int:
        gate.wait(5)
        runs.append(len(runs) + 1)
        return len(runs)

    periodic = Periodic(None, job, next_delay=lambda: 3600.0, runner=runner)
    results: list[object] = []
    periodic.succeeded.connect(results.append)
    periodic.start()
    assert periodic.running
    periodic.run_now()  # during the run: once more right after it, not alongside
    periodic.run_now()
    gate.set()
    qtbot.wait_until(lambda: results == [1, 2], timeout=10000)
    assert periodic.seconds_to_next is not None and periodic.seconds_to_next > 3000
    periodic.run_now()  # between runs: at once
    qtbot.wait_until(lambda: results == [1, 2, 3], timeout=10000)
    periodic.stop()
    periodic.run_now()
    assert not periodic.running and periodic.seconds_to_next is None
    assert runs == [1, 2, 3]


def test_a_periodic_job_that_fails_goes_on(qtbot: QtBot) -> None:
    calls: list[int] = []

    def job() -> None:
        calls.append(1)
        raise ValidationError("Sai dữ liệu")

    periodic = Periodic(None, job, next_delay=lambda: 0.01, db=False)
    errors: list[object] = []
    periodic.failed.connect(errors.append)
    periodic.start()
    qtbot.wait_until(lambda: len(errors) >= 2, timeout=10000)
    periodic.stop()
    assert all(isinstance(e, ValidationError) for e in errors)


def test_wait_for_hands_back_the_result_or_raises_the_error(ctx: AppContext) -> None:
    assert wait_for(lambda: count_dossiers(ctx, DossierFilter())) == 0

    def job() -> None:
        raise ValidationError("Sai dữ liệu")

    with pytest.raises(ValidationError):
        wait_for(job)


def test_ui_code_using_the_database_on_the_gui_thread_is_caught(
    ctx: AppContext, database_use: Any
) -> None:
    today_counts(ctx)  # a job of the database thread, called here by mistake
    assert database_use.misuses and "on the GUI thread" in database_use.misuses[0]
    assert "today_counts" in database_use.misuses[0]
    database_use.misuses.clear()  # caught: this test passes


def test_garbage_is_collected_on_the_gui_thread_only(qtbot, qapp) -> None:
    """Automatic collection off; the collector's timer collects a cycle on the GUI thread
    (a collection started on a worker destroyed widgets there and crashed Qt)."""
    import gc

    from ui.tasks import MainThreadCollector

    collected_on: list[int] = []

    class Node:
        def __del__(self) -> None:
            collected_on.append(threading.get_ident())

    thresholds = gc.get_threshold()
    was_enabled = gc.isenabled()
    collector = MainThreadCollector(qapp, interval_ms=10)
    try:
        assert not gc.isenabled()
        gc.set_threshold(1, 1, 1)
        node = Node()
        node.me = node  # type: ignore[attr-defined]  # a cycle: only the collector frees it
        del node
        qtbot.wait_until(lambda: bool(collected_on), timeout=5000)
        assert collected_on == [threading.get_ident()]
    finally:
        collector.deleteLater()
        gc.set_threshold(*thresholds)
        if was_enabled:
            gc.enable()
