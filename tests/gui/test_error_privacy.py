"""A bug's report in the GUI carries its type and frames, never its message."""

from __future__ import annotations

import logging

import pytest

from ui.errors import dialogs_enabled, error_details, set_dialogs_enabled, show_error

CITIZEN = "Nguyễn Văn An 056090001234"


def _raised() -> RuntimeError:
    try:
        raise RuntimeError(f"UNIQUE constraint failed: ({CITIZEN})")
    except RuntimeError as exc:
        return exc


def test_the_details_name_the_error_and_not_its_message() -> None:
    details = error_details(_raised())
    assert "RuntimeError" in details
    assert "_raised" in details
    assert CITIZEN not in details


def test_the_log_line_of_a_bug_carries_no_citizen_data(caplog: pytest.LogCaptureFixture) -> None:
    before = dialogs_enabled()
    set_dialogs_enabled(False)
    try:
        with caplog.at_level(logging.ERROR, logger="counter_app.ui"):
            show_error(None, _raised())
    finally:
        set_dialogs_enabled(before)
    assert "RuntimeError" in caplog.text
    assert CITIZEN not in caplog.text
    assert "056090001234" not in caplog.text
