"""The calendar of a context: the office hours and the confirmed rows of the holiday table."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from counter_app.domain.calendar import (
    DayKind,
    OfficeHours,
    WorkCalendar,
    overrides_from_days,
    shipped_unconfirmed,
)
from counter_app.store.holidays import CalendarDay, CalendarDayChange

if TYPE_CHECKING:
    from counter_app.kernel.context import AppContext

# How stale a counter's cached calendar may be after another counter changed the table.
RECHECK_INTERVAL = timedelta(seconds=30)


class HolidayStatus(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    REMOVED = "removed"


@dataclass(frozen=True)
class _Read:
    calendar: WorkCalendar
    revision: int | None  # the newest change's id when read
    checked_at: datetime
    generation: int  # the cache's generation when the read began


class CalendarCache:
    """A context's WorkCalendar, rebuilt when the table's revision changes.

    The revision (the newest change's id) is read again at most every `RECHECK_INTERVAL`
    of the context's clock, so another counter's change shows within that time; this
    context's own changes force a re-read at the next use.

    The table is read through the unit of work that asks for the calendar, if one is open
    on the thread (`AppContext.use_session`): a session of its own would wait on SQLite
    for the write lock that very unit holds. No lock is held while reading, so two threads
    may read at once; each read is stored whole, and an invalidation while a read was
    under way makes the next use read again.
    """

    def __init__(self) -> None:
        self._read: _Read | None = None
        self._generations = itertools.count(1)
        self._generation = 0

    @property
    def last(self) -> WorkCalendar | None:
        """The calendar as last read, without reading."""
        read = self._read
        return None if read is None else read.calendar

    def get(self, ctx: AppContext, hours: OfficeHours) -> WorkCalendar:
        now = ctx.clock()
        read, generation = self._read, self._generation
        fresh = (
            read is not None
            and read.generation == generation
            and read.checked_at <= now < read.checked_at + RECHECK_INTERVAL
        )
        if not fresh:
            read = ctx.use_session(
                lambda session: self._read_table(session, read, generation, hours, now)
            )
        assert read is not None
        if read.calendar.hours != hours:  # the office hours in the configuration changed
            read = replace(read, calendar=WorkCalendar(hours, read.calendar.overrides))
        self._read = read
        return read.calendar

    @staticmethod
    def _read_table(
        session: Session, read: _Read | None, generation: int, hours: OfficeHours, now: datetime
    ) -> _Read:
        revision = session.execute(sa.select(sa.func.max(CalendarDayChange.id))).scalar()
        if read is not None and read.generation == generation and read.revision == revision:
            return replace(read, checked_at=now)
        rows = session.execute(
            sa.select(CalendarDay.day, CalendarDay.kind, CalendarDay.name).where(
                CalendarDay.status == HolidayStatus.CONFIRMED.value
            )
        ).all()
        overrides = overrides_from_days(
            ((day, DayKind(kind), name) for day, kind, name in rows), shipped_unconfirmed()
        )
        return _Read(WorkCalendar(hours, overrides), revision, now, generation)

    def invalidate(self) -> None:
        self._generation = next(self._generations)
