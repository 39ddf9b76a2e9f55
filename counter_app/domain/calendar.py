"""Working days, office hours and the deadlines of dossiers (docs/rules.md §4).

Conventions chosen (docs/rules.md §4 says which are law and which are practice):

- Vietnam time is a fixed UTC+07:00 (`VN_TZ`); every moment given to this module must be
  time-zone aware, and every moment it returns is in `VN_TZ`.
- A day is a working day unless it is a weekly rest day (Saturday and Sunday by default,
  `OfficeHours.working_weekdays`), a public holiday or compensatory day known to the
  `holidays` package, or an extra day off from the admin-maintained overrides table.
  Make-up Saturdays (ngày làm bù), from the package or the overrides, are working days.
  The overrides table wins over the package; inside it a working day wins over a day off.
  A package holiday whose legal basis is not confirmed (`CalendarOverrides.unconfirmed`,
  the shipped file's entries marked `"library": true`, e.g. 24/11/2026) is not applied:
  it closes the office only once its entry in the table is confirmed.
- The clock starts at the first moment of office hours at or after receipt
  (`next_opening`): a receipt at 16:59 counts on that day, at 17:01 (or on a Sunday) it
  counts as received at the next working day's opening, before 07:00 at 07:00, at lunch at
  13:30. Unlike TD-DVC, no extra day is added for a late receipt: the day it is moved to
  is simply the day of receipt.
- Periods in days do not count the day of receipt (Civil Code Arts. 147-148). A limit of
  N working days is due at closing time (17:00) of the N-th working day after the day of
  receipt; a fractional N is rounded up. A limit of N calendar days is due at closing on
  the receipt date + N, moved to the next working day when that is not a working day.
- A limit in working hours walks office time only (8 hours a working day by default).
- Same-day procedures with a cut-off (the 15:00 rule for certification): received up to
  the cut-off itself (15:00:00 included), due at closing that day; after it ("sau 15 giờ"),
  at closing of the next working day.
- While a supplement is awaited the clock stops: the due moment moves on by the office
  time that elapsed during the pause (Decision 766 indicator 2.1; docs/rules.md §4.5).
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from counter_app.errors import ConfigError
from counter_app.i18n import _, current_language
from counter_app.resources import resource_path

VN_TZ: tzinfo = timezone(timedelta(hours=7), "ICT")

OVERRIDES_FORMAT = 1
# A calendar with no working day in this many days is misconfigured, not a long holiday.
_MAX_SEARCH_DAYS = 400


class LimitUnit(StrEnum):
    WORKING_DAYS = "working_days"
    WORKING_HOURS = "working_hours"
    CALENDAR_DAYS = "calendar_days"


@dataclass(frozen=True)
class TimeLimit:
    """A procedure's processing time (`DonViTinh` gives the unit).

    With `same_day_cutoff` set (e.g. `time(15, 0)`) the procedure is done the same day, or
    the next working day when received after the cut-off (15:00:00 still counts that day);
    `value` is then ignored.
    """

    value: float
    unit: LimitUnit
    same_day_cutoff: time | None = None

    def __post_init__(self) -> None:
        if not math.isfinite(self.value) or self.value < 0:
            raise ValueError(f"time limit must be a finite number >= 0, not {self.value!r}")
        if not isinstance(self.unit, LimitUnit):
            raise ValueError(f"unknown time limit unit: {self.unit!r}")


@dataclass(frozen=True)
class OfficeHours:
    """Opening hours of the counter; the usual defaults (docs/rules.md §4.2), configurable.

    `working_weekdays` uses Monday = 0; Monday to Friday by default (Decision 188/1999, not
    verified). A lunch break of zero length (`morning_end == afternoon_start`) is allowed.
    """

    morning_start: time = time(7, 0)
    morning_end: time = time(11, 30)
    afternoon_start: time = time(13, 30)
    afternoon_end: time = time(17, 0)
    working_weekdays: frozenset[int] = frozenset(range(5))

    def __post_init__(self) -> None:
        ordered = self.morning_start < self.morning_end <= self.afternoon_start < self.afternoon_end
        naive = all(
            moment.tzinfo is None
            for moment in (
                self.morning_start,
                self.morning_end,
                self.afternoon_start,
                self.afternoon_end,
            )
        )
        if not ordered or not naive:
            raise ConfigError(_("Giờ làm việc không hợp lệ: các mốc giờ trong ngày phải tăng dần."))
        if not self.working_weekdays or not self.working_weekdays <= set(range(7)):
            raise ConfigError(
                _("Ngày làm việc trong tuần không hợp lệ: cần các số từ 0 (thứ Hai) đến 6.")
            )

    def segments(self) -> tuple[tuple[time, time], ...]:
        """The open periods of a working day, in order."""
        if self.morning_end == self.afternoon_start:
            return ((self.morning_start, self.afternoon_end),)
        return ((self.morning_start, self.morning_end), (self.afternoon_start, self.afternoon_end))

    def day_length(self) -> timedelta:
        """Office time in one working day (8 hours by default)."""
        return sum((_span(start, end) for start, end in self.segments()), timedelta())


DEFAULT_OFFICE_HOURS = OfficeHours()


class DayKind(StrEnum):
    """The two kinds of entry of the overrides table (the file's `days_off`/`working_days`)."""

    DAY_OFF = "day_off"
    WORKING_DAY = "working_day"


@dataclass(frozen=True)
class CalendarOverrides:
    """Admin-maintained corrections on top of the `holidays` package.

    `working_days` win over weekends, library holidays and `days_off`. `names` optionally
    names a day off (shown by `WorkCalendar.holiday_name` when the library has no name).
    `unconfirmed`: library holidays not applied (their legal basis is not confirmed); one
    closes the office only as a confirmed day off of `days_off`.
    """

    days_off: frozenset[date] = frozenset()
    working_days: frozenset[date] = frozenset()
    names: Mapping[date, str] = field(default_factory=dict, hash=False)
    unconfirmed: frozenset[date] = frozenset()


class HolidayProvider(Protocol):
    """What the calendar needs from `holidays.country_holidays("VN")`; a dict also fits.

    A provider may also have `weekend_workdays` (make-up Saturdays), as the package does.
    """

    def get(self, key: date, default: None = None, /) -> str | None: ...

    def items(self) -> Iterable[tuple[date, str]]: ...


def _default_holiday_provider() -> HolidayProvider:
    import holidays

    # Holiday names are shown to users: ask the package for the app's language.
    language = "vi" if current_language() == "vi" else "en_US"
    provider: HolidayProvider = holidays.country_holidays("VN", language=language)
    return provider


@dataclass(frozen=True)
class _Year:
    closed: frozenset[date]
    names: Mapping[date, str]


class WorkCalendar:
    """Working days and deadlines for one site. Safe to share between threads."""

    def __init__(
        self,
        hours: OfficeHours = DEFAULT_OFFICE_HOURS,
        overrides: CalendarOverrides | None = None,
        holiday_provider: HolidayProvider | None = None,
    ) -> None:
        self.hours = hours
        self.overrides = overrides if overrides is not None else CalendarOverrides()
        self._provider = (
            holiday_provider if holiday_provider is not None else _default_holiday_provider()
        )
        self._years: dict[int, _Year] = {}
        self._lock = threading.Lock()

    # -- days ------------------------------------------------------------------------

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        with self._lock:
            cached = self._years.get(year)
            if cached is None:
                cached = self._build_year(year)
                self._years[year] = cached
            return cached

    def _build_year(self, year: int) -> _Year:
        # The package fills a year on first lookup; neighbours too, for spill-over days.
        for neighbour in (year - 1, year, year + 1):
            self._provider.get(date(neighbour, 1, 1))
        library = {day: str(name) for day, name in self._provider.items() if day.year == year}
        library_workdays = frozenset(getattr(self._provider, "weekend_workdays", ()))
        names = {
            day: name for day, name in self.overrides.names.items() if day.year == year
        } | library
        closed: set[date] = set()
        day = date(year, 1, 1)
        while day.year == year:
            if not self._open_by_rules(day, library, library_workdays):
                closed.add(day)
            day += timedelta(days=1)
        return _Year(closed=frozenset(closed), names=names)

    def _open_by_rules(
        self, day: date, library: Mapping[date, str], library_workdays: frozenset[date]
    ) -> bool:
        if day in self.overrides.working_days:
            return True
        if day in self.overrides.days_off:
            return False
        if day in library_workdays:
            return True
        if day in library and day not in self.overrides.unconfirmed:
            return False
        return day.weekday() in self.hours.working_weekdays

    def is_working_day(self, day: date) -> bool:
        return day not in self._year(day.year).closed

    def holiday_name(self, day: date) -> str | None:
        """Why the office is closed on `day`: the holiday's name, or None.

        None for working days and for ordinary weekly rest days.
        """
        if self.is_working_day(day):
            return None
        name = self._year(day.year).names.get(day)
        if name is None and day in self.overrides.days_off:
            return _("Ngày nghỉ")
        return name

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        return self._step(day, 1)

    def _step(self, day: date, direction: int) -> date:
        candidate = day
        for _attempt in range(_MAX_SEARCH_DAYS):
            candidate += timedelta(days=direction)
            if self.is_working_day(candidate):
                return candidate
        raise ConfigError(
            _("Lịch làm việc không có ngày làm việc nào trong hơn một năm: kiểm tra cấu hình.")
        )

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after `day` (`day` itself not counted); n < 0 goes back."""
        direction = 1 if n >= 0 else -1
        for _count in range(abs(n)):
            day = self._step(day, direction)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative (-count of (end, start]) if end < start."""
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start + timedelta(days=1)
        while day <= end:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return count

    # -- moments ---------------------------------------------------------------------

    def _opening(self, day: date) -> datetime:
        return datetime.combine(day, self.hours.morning_start, VN_TZ)

    def _closing(self, day: date) -> datetime:
        return datetime.combine(day, self.hours.afternoon_end, VN_TZ)

    def next_opening(self, moment: datetime) -> datetime:
        """The first moment of office time at or after `moment` (in `VN_TZ`)."""
        local = _to_vn(moment)
        if self.is_working_day(local.date()):
            clock = local.timetz().replace(tzinfo=None)
            for start, end in self.hours.segments():
                if clock < start:
                    return datetime.combine(local.date(), start, VN_TZ)
                if clock < end:
                    return local
        return self._opening(self.next_working_day(local.date()))

    def add_working_time(self, moment: datetime, amount: timedelta) -> datetime:
        """The moment when `amount` of office time has passed since `moment`.

        A result exactly at the end of a period stays there (11:30, 17:00) rather than
        jumping to the next opening.
        """
        if amount < timedelta():
            raise ValueError(f"working time must be >= 0, not {amount}")
        current = self.next_opening(moment)
        remaining = amount
        while True:
            end = self._period_end(current)
            available = end - current
            if remaining <= available:
                return current + remaining
            remaining -= available
            current = self.next_opening(end)

    def _period_end(self, moment: datetime) -> datetime:
        """End of the open period containing `moment` (which must be inside office time)."""
        clock = moment.timetz().replace(tzinfo=None)
        for start, end in self.hours.segments():
            if start <= clock < end:
                return datetime.combine(moment.date(), end, VN_TZ)
        raise AssertionError(f"{moment} is outside office hours")

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Office time on working days within [start, end); zero if end <= start."""
        start, end = _to_vn(start), _to_vn(end)
        total = timedelta()
        day = start.date()
        while day <= end.date():
            if self.is_working_day(day):
                for open_at, close_at in self.hours.segments():
                    period_start = max(start, datetime.combine(day, open_at, VN_TZ))
                    period_end = min(end, datetime.combine(day, close_at, VN_TZ))
                    if period_end > period_start:
                        total += period_end - period_start
            day += timedelta(days=1)
        return total

    def due_at(self, received_at: datetime, limit: TimeLimit) -> datetime:
        """The deadline of a dossier received at `received_at` (see the module docstring)."""
        start = self.next_opening(received_at)
        receipt_day = start.date()
        if limit.same_day_cutoff is not None:
            if start.timetz().replace(tzinfo=None) <= limit.same_day_cutoff:
                return self._closing(receipt_day)
            return self._closing(self.next_working_day(receipt_day))
        if limit.unit is LimitUnit.WORKING_DAYS:
            return self._closing(self.add_working_days(receipt_day, math.ceil(limit.value)))
        if limit.unit is LimitUnit.WORKING_HOURS:
            return self.add_working_time(start, timedelta(hours=limit.value))
        last_day = receipt_day + timedelta(days=math.ceil(limit.value))
        if not self.is_working_day(last_day):
            last_day = self.next_working_day(last_day)
        return self._closing(last_day)

    def extend_for_pause(
        self, due: datetime, paused_from: datetime, resumed_at: datetime
    ) -> datetime:
        """`due` moved on by the office time elapsed while waiting for a supplement."""
        if _to_vn(resumed_at) < _to_vn(paused_from):
            raise ValueError("a pause cannot end before it starts")
        elapsed = self.working_time_between(paused_from, resumed_at)
        if not elapsed:
            return _to_vn(due)
        return self.add_working_time(due, elapsed)

    def working_days_late(self, due: datetime, done: datetime) -> int:
        """0 if `done` is not after `due`; else the working days from due's date to done's.

        Any lateness counts as at least one day, so "late" and "> 0" always agree (done at
        17:30 on the due date, or on the Saturday after, is 1 day late).
        """
        due, done = _to_vn(due), _to_vn(done)
        if done <= due:
            return 0
        return max(1, self.working_days_between(due.date(), done.date()))


def _to_vn(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a time-zone aware datetime is required, not {moment!r}")
    return moment.astimezone(VN_TZ)


def _span(start: time, end: time) -> timedelta:
    return datetime.combine(date.min, end) - datetime.combine(date.min, start)


# -- the overrides file ---------------------------------------------------------------


def load_overrides(
    path: Path | None = None, *, include_proposed: bool = False
) -> CalendarOverrides:
    """Read an overrides table (the shipped one by default).

    The file holds, per year, `days_off` and `working_days` entries: `{"date": "YYYY-MM-DD",
    "name"?, "source"?, "confidence"?, "note"?, "proposed"?: bool}`. Entries marked
    `"proposed": true` are unconfirmed and skipped unless `include_proposed`; an admin
    confirms one by setting it to false. Any problem raises `ConfigError`.
    """
    if path is None:
        path = resource_path("calendar", "overrides.json")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(
            _("Không đọc được tệp lịch ngày nghỉ {path}: {reason}").format(path=path, reason=reason)
        ) from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            _(
                "Tệp lịch ngày nghỉ {path} không phải JSON hợp lệ (dòng {line}, cột {column})."
            ).format(path=path, line=exc.lineno, column=exc.colno)
        ) from exc
    return _OverridesReader(path, include_proposed).read(document)


class _OverridesReader:
    def __init__(self, path: Path, include_proposed: bool) -> None:
        self.path = path
        self.include_proposed = include_proposed
        self.days_off: set[date] = set()
        self.working_days: set[date] = set()
        self.names: dict[date, str] = {}
        self.unconfirmed: set[date] = set()

    def fail(self, where: str, problem: str) -> ConfigError:
        return ConfigError(
            _("Tệp lịch ngày nghỉ {path}, mục {where}: {problem}").format(
                path=self.path, where=where, problem=problem
            )
        )

    def read(self, document: Any) -> CalendarOverrides:
        if not isinstance(document, dict):
            raise self.fail("/", _("cần một đối tượng JSON."))
        version = document.get("format")
        if version != OVERRIDES_FORMAT:
            raise self.fail(
                "format",
                _("định dạng {version} không được hỗ trợ (cần {expected}).").format(
                    version=version, expected=OVERRIDES_FORMAT
                ),
            )
        years = document.get("years")
        if not isinstance(years, dict):
            raise self.fail("years", _("cần một đối tượng JSON."))
        for year_key, year_table in years.items():
            self.read_year(str(year_key), year_table)
        both = self.days_off & self.working_days
        if both:
            first = min(both).isoformat()
            raise self.fail(first, _("ngày vừa là ngày nghỉ vừa là ngày làm việc."))
        return CalendarOverrides(
            days_off=frozenset(self.days_off),
            working_days=frozenset(self.working_days),
            names=self.names,
            unconfirmed=frozenset(self.unconfirmed),
        )

    def read_year(self, year_key: str, table: Any) -> None:
        where = f"years.{year_key}"
        if not (year_key.isdigit() and len(year_key) == 4):
            raise self.fail(where, _("tên năm phải có dạng YYYY."))
        if not isinstance(table, dict):
            raise self.fail(where, _("cần một đối tượng JSON."))
        for kind, target in (("days_off", self.days_off), ("working_days", self.working_days)):
            entries = table.get(kind, [])
            if not isinstance(entries, list):
                raise self.fail(f"{where}.{kind}", _("cần một danh sách."))
            for index, entry in enumerate(entries):
                self.read_entry(f"{where}.{kind}[{index}]", int(year_key), entry, target)

    def read_entry(self, where: str, year: int, entry: Any, target: set[date]) -> None:
        if not isinstance(entry, dict):
            raise self.fail(where, _("cần một đối tượng JSON."))
        raw_day = entry.get("date")
        day: date | None = None
        # fromisoformat also takes "20260101"; the file format is strictly YYYY-MM-DD.
        if isinstance(raw_day, str) and len(raw_day) == 10:
            try:
                day = date.fromisoformat(raw_day)
            except ValueError:
                day = None
        if day is None:
            raise self.fail(where, _("cần một ngày dạng YYYY-MM-DD."))
        if day.year != year:
            raise self.fail(
                where, _("ngày {day} không thuộc năm {year}.").format(day=raw_day, year=year)
            )
        proposed = entry.get("proposed", False)
        if not isinstance(proposed, bool):
            raise self.fail(f"{where}.proposed", _("cần true hoặc false."))
        name = entry.get("name")
        if name is not None and not isinstance(name, str):
            raise self.fail(f"{where}.name", _("cần một chuỗi."))
        library = entry.get("library", False)
        if not isinstance(library, bool):
            raise self.fail(f"{where}.library", _("cần true hoặc false."))
        if library and proposed and target is self.days_off:
            # The package's holiday on this date waits for the entry's confirmation.
            self.unconfirmed.add(day)
        if proposed and not self.include_proposed:
            return
        target.add(day)
        if name:
            self.names[day] = name


def overrides_from_days(
    days: Iterable[tuple[date, DayKind, str]], unconfirmed: frozenset[date] = frozenset()
) -> CalendarOverrides:
    """The overrides of the applied entries of a holiday table: (date, kind, name) each;
    `unconfirmed`: the library holidays not applied (`shipped_unconfirmed`)."""
    days_off: set[date] = set()
    working_days: set[date] = set()
    names: dict[date, str] = {}
    for day, kind, name in days:
        (days_off if kind is DayKind.DAY_OFF else working_days).add(day)
        if name:
            names[day] = name
    return CalendarOverrides(frozenset(days_off), frozenset(working_days), names, unconfirmed)


_SHIPPED_UNCONFIRMED: list[frozenset[date]] = []


def shipped_unconfirmed() -> frozenset[date]:
    """The library holidays the shipped overrides file leaves unconfirmed (read once)."""
    if not _SHIPPED_UNCONFIRMED:
        _SHIPPED_UNCONFIRMED.append(load_overrides().unconfirmed)
    return _SHIPPED_UNCONFIRMED[0]


def default_calendar() -> WorkCalendar:
    """Default office hours, the shipped overrides and the `holidays` package."""
    return WorkCalendar(overrides=load_overrides())
