"""The time source of the services, replaceable in tests and demo generation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from counter_app.domain.calendar import VN_TZ

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, in Vietnam time."""
    return datetime.now(VN_TZ)
