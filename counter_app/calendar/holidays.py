"""The office's holiday table: list, add, confirm, remove (docs/rules.md §4.1).

The table lives in the database (store/holidays.py), so every counter of an office that
shares it computes the same deadlines. Migration 0007 seeds it from the shipped
resources/calendar/overrides.json: what the file marks `proposed` (the 2027 dates) stays
proposed, and is not applied, until an admin confirms it.

Rules:
- Anyone may read the table; only an admin changes it.
- One entry per date. An entry is `proposed` (not applied), `confirmed` (applied) or
  `removed` (kept for the history; the date may be added again). An entry an admin adds is
  confirmed at once unless added as proposed.
- A make-up working day must fall on a day the office would otherwise be closed: a weekly
  rest day or a holiday of the `holidays` package. Anything else is refused.
- A change that alters the applied calendar on a date already begun (today or earlier,
  Vietnam time) is refused with `PastDateError` unless `force=True`: dossiers received
  earlier already carry deadlines computed without it.
- Deadlines of existing dossiers are never recomputed, for any change: the stored due dates
  stay. The new table applies to what is computed afterwards (new dossiers, the end of a
  supplement pause, days late in reports).
- Every change records who and when on the row, appends a `calendar_day_changes` row and
  writes a log line.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from counter_app.domain.calendar import (
    VN_TZ,
    CalendarOverrides,
    DayKind,
    WorkCalendar,
)
from counter_app.domain.lifecycle import Role
from counter_app.domain.text import HOLIDAY_NAME
from counter_app.errors import NotFoundError, ValidationError
from counter_app.i18n import _
from counter_app.kernel.admin_log import HOLIDAYS, record_change
from counter_app.kernel.calendar import HolidayStatus
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import Actor
from counter_app.store.holidays import CalendarDay, CalendarDayChange

log = logging.getLogger("counter_app.holidays")

MIN_YEAR, MAX_YEAR = 2000, 2099
MAX_NAME_LENGTH = HOLIDAY_NAME.max_length


class PastDateError(ValidationError):
    """The change would alter a date already begun; repeat it with `force=True`."""


@dataclass(frozen=True)
class HolidayEntry:
    day: date
    kind: DayKind
    name: str
    status: HolidayStatus
    source: str | None
    changed_by: str
    changed_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "kind": self.kind.value,
            "name": self.name,
            "status": self.status.value,
            "source": self.source,
            "changed_by": self.changed_by,
            "changed_at": self.changed_at.astimezone(VN_TZ).isoformat(),
        }


def kind_label(kind: DayKind) -> str:
    return _("Ngày nghỉ") if kind is DayKind.DAY_OFF else _("Ngày làm bù")


def status_label(status: HolidayStatus) -> str:
    return {
        HolidayStatus.PROPOSED: _("Đề xuất (chưa áp dụng)"),
        HolidayStatus.CONFIRMED: _("Đã xác nhận"),
        HolidayStatus.REMOVED: _("Đã xoá"),
    }[status]


def parse_day(text: str) -> date:
    """A date written YYYY-MM-DD (strictly: `date.fromisoformat` also takes 20270101)."""
    value = text.strip()
    try:
        if len(value) != 10:
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            _("Ngày không hợp lệ: {value} (dạng YYYY-MM-DD).").format(value=_echo(text))
        ) from None
    return _check_year(day)


def _echo(text: str) -> str:
    """What the user typed, fit for a one-line message: control and bidirectional
    characters (a newline, an escape sequence) left out, at most 40 characters."""
    return "".join(c for c in text if c.isprintable())[:40]


def parse_kind(text: str) -> DayKind:
    try:
        return DayKind(text.strip().lower())
    except ValueError:
        raise ValidationError(
            _("Loại ngày không hợp lệ: {value}. Dùng day_off hoặc working_day.").format(
                value=_echo(text)
            )
        ) from None


def _check_year(day: date) -> date:
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValidationError(
            _("Năm {year} nằm ngoài khoảng {low}–{high}.").format(
                year=day.year, low=MIN_YEAR, high=MAX_YEAR
            )
        )
    return day


def _check_name(name: str) -> str:
    cleaned = HOLIDAY_NAME.clean(name)  # one line, no control or bidirectional character
    if not cleaned:
        raise ValidationError(_("Cần tên của ngày (ví dụ: Tết Nguyên đán)."))
    return cleaned


def _entry(row: CalendarDay) -> HolidayEntry:
    return HolidayEntry(
        row.day,
        DayKind(row.kind),
        row.name,
        HolidayStatus(row.status),
        row.source,
        row.changed_by,
        row.changed_at,
    )


def list_holidays(
    ctx: AppContext, year: int | None = None, *, include_removed: bool = False
) -> list[HolidayEntry]:
    """The table's entries by date, of one year or all; removed ones only when asked."""
    query = sa.select(CalendarDay).order_by(CalendarDay.day)
    if year is not None:
        query = query.where(
            CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)
        )
    if not include_removed:
        query = query.where(CalendarDay.status != HolidayStatus.REMOVED.value)
    with ctx.session() as session:
        return [_entry(row) for row in session.execute(query).scalars()]


def add_holiday(
    ctx: AppContext,
    day: date,
    kind: DayKind,
    name: str,
    actor: Actor,
    *,
    proposed: bool = False,
    force: bool = False,
) -> HolidayEntry:
    """Add an entry, confirmed, or `proposed` (e.g. announced dates awaiting the notice).

    A removed date is brought back with the new kind and name.
    """
    actor.require(Role.ADMIN)
    _check_year(day)
    name = _check_name(name)
    if kind is DayKind.WORKING_DAY:
        _check_closed_without_table(ctx, day)
    if not proposed:  # a proposal changes no deadline
        _check_not_begun(ctx, day, force)
    try:
        with ctx.session() as session:
            row = _row(session, day)
            if row is not None and row.status != HolidayStatus.REMOVED.value:
                raise ValidationError(
                    _("Ngày {day} đã có trong bảng ({kind}, {status}).").format(
                        day=_shown(day),
                        kind=kind_label(DayKind(row.kind)),
                        status=status_label(HolidayStatus(row.status)),
                    )
                )
            if row is None:
                row = CalendarDay(day=day, source=None)
                session.add(row)
            row.kind, row.name = kind.value, name
            status = HolidayStatus.PROPOSED if proposed else HolidayStatus.CONFIRMED
            entry = _record(ctx, session, row, status, "added", actor, force)
    except sa.exc.IntegrityError:  # another admin added the same date at the same moment
        raise ValidationError(
            _("Ngày {day} vừa được thêm ở máy khác.").format(day=_shown(day))
        ) from None
    ctx.invalidate_calendar()  # after the commit, so a re-read sees the change
    return entry


def confirm_holiday(
    ctx: AppContext, day: date, actor: Actor, *, force: bool = False
) -> HolidayEntry:
    """Apply a proposed entry."""
    actor.require(Role.ADMIN)
    with ctx.session() as session:
        row = _existing(session, day)
        if row.status != HolidayStatus.PROPOSED.value:
            raise ValidationError(
                _("Ngày {day} không ở trạng thái đề xuất ({status}).").format(
                    day=_shown(day), status=status_label(HolidayStatus(row.status))
                )
            )
        _check_not_begun(ctx, day, force)
        entry = _record(ctx, session, row, HolidayStatus.CONFIRMED, "confirmed", actor, force)
    ctx.invalidate_calendar()
    return entry


def remove_holiday(
    ctx: AppContext, day: date, actor: Actor, *, force: bool = False
) -> HolidayEntry:
    """Withdraw an entry, proposed or confirmed; the row stays, marked removed."""
    actor.require(Role.ADMIN)
    with ctx.session() as session:
        row = _existing(session, day)
        if row.status == HolidayStatus.CONFIRMED.value:  # a proposal was never applied
            _check_not_begun(ctx, day, force)
        entry = _record(ctx, session, row, HolidayStatus.REMOVED, "removed", actor, force)
    ctx.invalidate_calendar()
    return entry


def _row(session: Session, day: date) -> CalendarDay | None:
    return session.execute(
        sa.select(CalendarDay).where(CalendarDay.day == day).with_for_update()
    ).scalar()


def _existing(session: Session, day: date) -> CalendarDay:
    row = _row(session, day)
    if row is None or row.status == HolidayStatus.REMOVED.value:
        raise NotFoundError(_("Ngày {day} không có trong bảng ngày nghỉ.").format(day=_shown(day)))
    return row


def _record(
    ctx: AppContext,
    session: Session,
    row: CalendarDay,
    status: HolidayStatus,
    action: str,
    actor: Actor,
    forced: bool,
) -> HolidayEntry:
    now = ctx.clock()
    row.status, row.changed_by, row.changed_at = status.value, actor.login, now
    session.add(
        CalendarDayChange(
            day=row.day,
            action=action,
            kind=row.kind,
            name=row.name,
            status=status.value,
            actor=actor.login,
            actor_role=actor.role.value,
            at=now,
            forced=forced,
        )
    )
    record_change(
        session,
        kind=f"holiday.{action}",
        actor=actor.login,
        actor_role=actor.role.value,
        at=now,
        groups={HOLIDAYS},
        data={"day": row.day.isoformat(), "kind": row.kind, "status": status.value},
    )
    log.info(
        "holiday table: %s %s (%s, %s) by %s%s",
        action,
        row.day.isoformat(),
        row.kind,
        status.value,
        actor.login,
        " (date already begun, forced)" if forced else "",
    )
    return _entry(row)


def _shown(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def _today(ctx: AppContext) -> date:
    return ctx.clock().astimezone(VN_TZ).date()


def _check_not_begun(ctx: AppContext, day: date, force: bool) -> None:
    if day <= _today(ctx) and not force:
        raise PastDateError(
            _(
                "Ngày {day} đã bắt đầu hoặc đã qua: hạn đã tính của hồ sơ không được tính lại; "
                "chỉ sửa khi chắc chắn."
            ).format(day=_shown(day))
        )


def _check_closed_without_table(ctx: AppContext, day: date) -> None:
    """A make-up working day replaces a rest day: on a normal working day it means nothing."""
    plain = WorkCalendar(ctx.calendar.hours, CalendarOverrides())
    if plain.is_working_day(day):
        raise ValidationError(
            _(
                "Ngày {day} vốn là ngày làm việc: ngày làm bù phải là thứ Bảy, Chủ nhật "
                "hoặc ngày lễ."
            ).format(day=_shown(day))
        )


# -- the calendar of a context ------------------------------------------------------------
