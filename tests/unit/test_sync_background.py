"""Background sync keeps running after a failure, expected or not."""

from __future__ import annotations

import threading

import pytest

from counter_app.errors import CounterError
from counter_app.sync.service import BackgroundSync


class FlakySync(BackgroundSync):
    """run_once fails with a bug, then with a network error, then succeeds."""

    def __init__(self, ctx) -> None:
        self.errors: list[CounterError] = []
        self.reports: list[object] = []
        self.done = threading.Event()
        super().__init__(
            ctx, interval_seconds=0.01, on_report=self._report, on_error=self.errors.append
        )
        self.calls = 0

    def _report(self, report: object) -> None:
        self.reports.append(report)
        self.done.set()

    def next_delay(self) -> float:
        return 0.01

    def run_once(self):
        self.calls += 1
        if self.calls == 1:
            raise KeyError("a bug")
        if self.calls == 2:
            raise CounterError("Không kết nối được máy chủ tỉnh.")
        return "ok"


def test_a_bug_does_not_end_background_sync(ctx, caplog: pytest.LogCaptureFixture) -> None:
    sync = FlakySync(ctx)
    sync.start()
    try:
        assert sync.done.wait(10)
    finally:
        sync.stop(5)
    assert sync.reports[0] == "ok"
    assert [type(e) for e in sync.errors] == [CounterError, CounterError]
    assert "KeyError" in sync.errors[0].message
    assert sync.failures == 0  # reset by the success
    assert any("background sync failed" in r.message for r in caplog.records)
