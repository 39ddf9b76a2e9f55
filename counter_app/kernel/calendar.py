"""The calendar of a context: the office hours and the confirmed rows of the holiday table."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from counter_app.domain.calendar import DayKind, OfficeHours, WorkCalendar, overrides_from_days
from counter_app.store.holidays import CalendarDay, CalendarDayChange

if TYPE_CHECKING:
    from counter_app.kernel.context import AppContext

# How stale a counter's cached calendar may be after another counter changed the table.
RECHECK_INTERVAL = timedelta(seconds=30)


class HolidayStatus(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    REMOVED = "removed"


class CalendarCache:
    """A context's WorkCalendar, rebuilt when the table's revision changes.

    The revision (the newest change's id) is read again at most every `RECHECK_INTERVAL`
    of the context's clock, so another counter's change shows within that time; this
    context's own changes invalidate it at once. Safe to use from several threads.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calendar: WorkCalendar | None = None
        self._revision: int | None = None
        self._checked_at: datetime | None = None
        self._sqlite_reader: sa.Engine | None = None

    def get(self, ctx: AppContext, hours: OfficeHours) -> WorkCalendar:
        now = ctx.clock()
        with self._lock:
            checked = self._checked_at
            if (
                self._calendar is not None
                and checked is not None
                and checked <= now < checked + RECHECK_INTERVAL
            ):
                return self._calendar
            with self._reader(ctx).connect() as connection:
                revision = connection.execute(sa.select(sa.func.max(CalendarDayChange.id))).scalar()
                if self._calendar is None or revision != self._revision:
                    rows = connection.execute(
                        sa.select(CalendarDay.day, CalendarDay.kind, CalendarDay.name).where(
                            CalendarDay.status == HolidayStatus.CONFIRMED.value
                        )
                    ).all()
                    overrides = overrides_from_days(
                        (day, DayKind(kind), name) for day, kind, name in rows
                    )
                    self._calendar = WorkCalendar(hours, overrides)
                    self._revision = revision
            self._checked_at = now
            return self._calendar

    def _reader(self, ctx: AppContext) -> sa.Engine:
        """Where to read: the calendar is asked for inside other units of work.

        The context's SQLite sessions take the write lock at BEGIN (store/engine.py), so a
        read through them would wait for the very session that asked; a plain connection
        reads the WAL snapshot without a lock. PostgreSQL readers never wait.
        """
        if ctx.engine.dialect.name != "sqlite":
            return ctx.engine
        if self._sqlite_reader is None:
            self._sqlite_reader = sa.create_engine(
                ctx.engine.url, poolclass=NullPool, connect_args={"timeout": 30}
            )
        return self._sqlite_reader

    def invalidate(self) -> None:
        with self._lock:
            self._calendar = None
