"""Figures, percentages and the built-in account as a clerk reads them, in each language."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from counter_app.i18n import current_language, format_decimal, format_percent, set_language
from counter_app.kernel.users import SYSTEM_LOGIN, login_label
from counter_app.reports import online


@pytest.fixture
def language() -> Iterator[None]:
    before = current_language()
    yield
    set_language(before)


def test_vietnamese_percentages_and_decimals(language: None) -> None:
    set_language("vi")
    assert format_percent(27.2) == "27,2 %"
    assert format_percent(27.25) in {"27,2 %", "27,3 %"}  # one decimal at most
    assert format_percent(100) == "100 %" and format_percent(0.0) == "0 %"
    assert format_percent(-0.01) == "0 %"
    assert format_decimal(1.5, 2) == "1,5" and format_decimal(2.0, 2) == "2"
    assert online.format_percent(None) == "—" and online.format_percent(45) == "45 %"


def test_english_percentages_and_decimals(language: None) -> None:
    set_language("en")
    assert format_percent(27.2) == "27.2%"
    assert format_decimal(1.25, 2) == "1.25"
    assert online.format_percent(32.7) == "32.7%"


def test_the_built_in_account_reads_as_the_system(language: None) -> None:
    set_language("vi")
    assert login_label(SYSTEM_LOGIN) == "Hệ thống"
    assert login_label("tiepnhan1") == "tiepnhan1" and login_label(None) == ""
    set_language("en")
    assert login_label(SYSTEM_LOGIN) == "System"
