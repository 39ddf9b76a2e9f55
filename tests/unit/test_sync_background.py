"""Background sync keeps running after a failure, expected or not."""

from __future__ import annotations

from typing import Any

import pytest

from counter_app.errors import CounterError
from counter_app.sync.service import BackgroundSync


class FlakySync(BackgroundSync):
    """run_once fails with a bug, then with a network error, then succeeds."""

    def __init__(self, ctx) -> None:
        super().__init__(ctx, interval_seconds=0.01)
        self.calls = 0

    def run_once(self, **_options: Any):
        self.calls += 1
        if self.calls == 1:
            raise KeyError("a bug")
        if self.calls == 2:
            raise CounterError("Không kết nối được máy chủ tỉnh.")
        return "ok"


def test_a_bug_does_not_end_background_sync(ctx, caplog: pytest.LogCaptureFixture) -> None:
    sync = FlakySync(ctx)
    errors = [sync.attempt(), sync.attempt()]  # as the scheduler runs it: one after another
    assert sync.failures == 2
    assert sync.attempt() == "ok"
    assert [type(e) for e in errors] == [CounterError, CounterError]
    assert isinstance(errors[0], CounterError) and "KeyError" in errors[0].message
    assert sync.failures == 0  # reset by the success
    assert any("background sync failed" in r.message for r in caplog.records)
