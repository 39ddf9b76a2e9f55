"""The office's holiday table (docs/rules.md §4.1): one row per date.

Every counter of an office reads the same rows, so deadlines agree across counters sharing
a database. Rows are never deleted: a removed entry keeps its row with status `removed`,
and every change appends a `calendar_day_changes` row (who, when, what).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from counter_app.store.models import Base, UtcDateTime


class CalendarDay(Base):
    """An extra day off or a make-up working day on top of the `holidays` package."""

    __tablename__ = "calendar_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    """`day_off` or `working_day` (domain.calendar.DayKind)."""
    name: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(16))
    """`proposed` (not applied), `confirmed` (applied) or `removed`."""
    source: Mapped[str | None] = mapped_column(sa.Text)
    changed_by: Mapped[str] = mapped_column(sa.String(64))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CalendarDayChange(Base):
    """One change of the holiday table; its id is also the table's revision number."""

    __tablename__ = "calendar_day_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(sa.String(16))
    kind: Mapped[str] = mapped_column(sa.String(16))
    name: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(16))
    actor: Mapped[str] = mapped_column(sa.String(64))
    actor_role: Mapped[str] = mapped_column(sa.String(16))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    forced: Mapped[bool] = mapped_column(default=False)
    """True when a date already begun was changed on purpose (see calendar.holidays)."""
