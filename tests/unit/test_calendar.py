"""The working-day calendar and deadlines, on the real `holidays` package."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from counter_app.domain.calendar import (
    VN_TZ,
    CalendarOverrides,
    LimitUnit,
    OfficeHours,
    TimeLimit,
    WorkCalendar,
    default_calendar,
    load_overrides,
)
from counter_app.errors import ConfigError
from counter_app.i18n import current_language, set_language
from counter_app.resources import resource_path

THREE_DAYS = TimeLimit(3, LimitUnit.WORKING_DAYS)
SAME_DAY_15H = TimeLimit(1, LimitUnit.WORKING_DAYS, same_day_cutoff=time(15, 0))
ONE_DAY = TimeLimit(1, LimitUnit.WORKING_DAYS)


def vn(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=VN_TZ)


def closing(day: date) -> datetime:
    return datetime.combine(day, time(17, 0), VN_TZ)


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return default_calendar()


@pytest.fixture(scope="module")
def library_only() -> WorkCalendar:
    """The `holidays` package alone, no overrides."""
    return WorkCalendar()


# Deadline cases worked out with the domain research (docs/rules.md §4), kept verbatim.
DEADLINE_VECTORS = [
    ("2026-03-02T10:00:00+07:00", 3, False, "2026-03-05", "ordinary week"),
    ("2026-04-29T10:00:00+07:00", 3, False, "2026-05-06", "30/4 and 1/5, then a weekend"),
    ("2026-02-12T10:00:00+07:00", 5, False, "2026-02-26", "Tết 16-20/2/2026"),
    ("2026-06-26T09:30:00+07:00", 10, False, "2026-07-10", "two weekends"),
    ("2026-03-03T14:00:00+07:00", None, True, "2026-03-03", "before 15:00"),
    ("2026-03-03T15:30:00+07:00", None, True, "2026-03-04", "after 15:00"),
    ("2026-04-29T16:00:00+07:00", None, True, "2026-05-04", "after 15:00, before holidays"),
]


@pytest.mark.parametrize("with_overrides", [True, False], ids=["shipped", "library-only"])
@pytest.mark.parametrize(
    ("received", "working_days", "same_day_15h", "due_date", "why"),
    DEADLINE_VECTORS,
    ids=[case[4] for case in DEADLINE_VECTORS],
)
def test_deadline_vectors(
    calendar: WorkCalendar,
    library_only: WorkCalendar,
    with_overrides: bool,
    received: str,
    working_days: int | None,
    same_day_15h: bool,
    due_date: str,
    why: str,
) -> None:
    used = calendar if with_overrides else library_only
    if same_day_15h:
        limit = SAME_DAY_15H
    else:
        assert working_days is not None
        limit = TimeLimit(working_days, LimitUnit.WORKING_DAYS)
    due = used.due_at(datetime.fromisoformat(received), limit)
    assert due == closing(date.fromisoformat(due_date)), why
    assert due.utcoffset() == timedelta(hours=7)


def test_tet_2026_is_closed(calendar: WorkCalendar) -> None:
    tet = [date(2026, 2, day) for day in range(16, 21)]
    for day in tet:
        assert not calendar.is_working_day(day)
        assert calendar.holiday_name(day)
    assert calendar.is_working_day(date(2026, 2, 13))
    assert calendar.is_working_day(date(2026, 2, 23))
    assert calendar.next_working_day(date(2026, 2, 13)) == date(2026, 2, 23)
    assert calendar.working_days_between(date(2026, 2, 13), date(2026, 2, 23)) == 1


def test_make_up_saturday_and_swapped_monday(calendar: WorkCalendar) -> None:
    assert calendar.is_working_day(date(2026, 8, 22))
    assert calendar.holiday_name(date(2026, 8, 22)) is None
    assert not calendar.is_working_day(date(2026, 8, 31))
    assert calendar.holiday_name(date(2026, 8, 31))
    assert calendar.next_working_day(date(2026, 8, 21)) == date(2026, 8, 22)
    # From Fri 21/8: Sat 22/8, then 24-28/8 (six days); Mon 31/8, 1/9 and 2/9 are off.
    assert calendar.add_working_days(date(2026, 8, 21), 6) == date(2026, 8, 28)
    assert calendar.add_working_days(date(2026, 8, 21), 7) == date(2026, 9, 3)


def test_shipped_overrides_alone_give_the_2026_swap() -> None:
    overrides_only = WorkCalendar(overrides=load_overrides(), holiday_provider={})
    assert overrides_only.is_working_day(date(2026, 8, 22))
    assert not overrides_only.is_working_day(date(2026, 8, 31))
    assert (
        overrides_only.holiday_name(date(2026, 8, 31))
        == "Ngày nghỉ hoán đổi (làm bù thứ Bảy 22/8/2026)"
    )
    assert not overrides_only.is_working_day(date(2026, 8, 23))
    assert overrides_only.holiday_name(date(2026, 8, 23)) is None  # an ordinary Sunday


@pytest.mark.parametrize(
    ("received", "due_day"),
    [
        (vn(2026, 3, 3, 14, 59), date(2026, 3, 3)),
        (vn(2026, 3, 3, 15, 0), date(2026, 3, 3)),  # "sau 15 giờ": 15:00:00 is not after
        (vn(2026, 3, 3, 15, 0, 1), date(2026, 3, 4)),
        (vn(2026, 3, 3, 15, 0, 0, 1), date(2026, 3, 4)),
        (vn(2026, 3, 6, 15, 30), date(2026, 3, 9)),  # Friday -> Monday
        (vn(2026, 3, 3, 6, 0), date(2026, 3, 3)),  # before opening
        (vn(2026, 3, 3, 17, 30), date(2026, 3, 4)),  # after closing
        (vn(2026, 3, 7, 10, 0), date(2026, 3, 9)),  # Saturday
    ],
)
def test_15h_rule(calendar: WorkCalendar, received: datetime, due_day: date) -> None:
    assert calendar.due_at(received, SAME_DAY_15H) == closing(due_day)
    ignored_value = TimeLimit(5, LimitUnit.WORKING_DAYS, same_day_cutoff=time(15, 0))
    assert calendar.due_at(received, ignored_value) == closing(due_day)


def test_receipt_at_1659_counts_that_day_1701_the_next(calendar: WorkCalendar) -> None:
    assert calendar.next_opening(vn(2026, 3, 2, 16, 59)) == vn(2026, 3, 2, 16, 59)
    assert calendar.next_opening(vn(2026, 3, 2, 17, 1)) == vn(2026, 3, 3, 7)
    assert calendar.next_opening(vn(2026, 3, 2, 17, 0)) == vn(2026, 3, 3, 7)
    assert calendar.due_at(vn(2026, 3, 2, 16, 59), THREE_DAYS) == closing(date(2026, 3, 5))
    assert calendar.due_at(vn(2026, 3, 2, 17, 1), THREE_DAYS) == closing(date(2026, 3, 6))


def test_receipt_before_opening(calendar: WorkCalendar) -> None:
    assert calendar.next_opening(vn(2026, 3, 3, 6, 30)) == vn(2026, 3, 3, 7)
    early = calendar.due_at(vn(2026, 3, 3, 6, 30), THREE_DAYS)
    assert early == calendar.due_at(vn(2026, 3, 3, 10), THREE_DAYS) == closing(date(2026, 3, 6))


def test_receipt_at_lunch(calendar: WorkCalendar) -> None:
    assert calendar.next_opening(vn(2026, 3, 3, 11, 29)) == vn(2026, 3, 3, 11, 29)
    assert calendar.next_opening(vn(2026, 3, 3, 11, 30)) == vn(2026, 3, 3, 13, 30)
    assert calendar.next_opening(vn(2026, 3, 3, 12, 15)) == vn(2026, 3, 3, 13, 30)
    assert calendar.due_at(vn(2026, 3, 3, 12, 15), THREE_DAYS) == closing(date(2026, 3, 6))


def test_receipt_on_a_sunday_and_on_a_holiday(calendar: WorkCalendar) -> None:
    assert calendar.next_opening(vn(2026, 3, 1, 10)) == vn(2026, 3, 2, 7)
    assert calendar.due_at(vn(2026, 3, 1, 10), THREE_DAYS) == closing(date(2026, 3, 5))
    assert calendar.next_opening(vn(2026, 4, 30, 9)) == vn(2026, 5, 4, 7)


def test_other_time_zones_are_converted(calendar: WorkCalendar) -> None:
    received_utc = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam
    assert calendar.next_opening(received_utc) == vn(2026, 3, 2, 10)
    assert calendar.next_opening(received_utc).utcoffset() == timedelta(hours=7)
    late_utc = datetime(2026, 3, 2, 10, 1, tzinfo=UTC)  # 17:01 in Vietnam
    assert calendar.due_at(late_utc, THREE_DAYS) == closing(date(2026, 3, 6))


def test_working_hours_across_lunch_overnight_and_weekend(calendar: WorkCalendar) -> None:
    def hours(value: float) -> TimeLimit:
        return TimeLimit(value, LimitUnit.WORKING_HOURS)

    # 10:00-11:30 is 1.5 h, the other 2.5 h from 13:30.
    assert calendar.due_at(vn(2026, 3, 3, 10), hours(4)) == vn(2026, 3, 3, 16)
    # 1 h until closing, 2 h the next morning.
    assert calendar.due_at(vn(2026, 3, 3, 16), hours(3)) == vn(2026, 3, 4, 9)
    assert calendar.due_at(vn(2026, 3, 6, 16), hours(3)) == vn(2026, 3, 9, 9)
    # A full day ends at closing, not at the next opening.
    assert calendar.due_at(vn(2026, 3, 3, 7), hours(8)) == vn(2026, 3, 3, 17)
    assert calendar.due_at(vn(2026, 3, 3, 7), hours(16)) == vn(2026, 3, 4, 17)
    # Received during lunch: the clock starts at 13:30.
    assert calendar.due_at(vn(2026, 3, 3, 12), hours(0.5)) == vn(2026, 3, 3, 14)


def test_calendar_days(calendar: WorkCalendar) -> None:
    ten_days = TimeLimit(10, LimitUnit.CALENDAR_DAYS)
    assert calendar.due_at(vn(2026, 3, 3, 10), ten_days) == closing(date(2026, 3, 13))
    # 20/4 + 10 = 30/4 (holiday); 1/5 holiday, 2-3/5 weekend.
    assert calendar.due_at(vn(2026, 4, 20, 10), ten_days) == closing(date(2026, 5, 4))
    # Landing on a Sunday.
    assert calendar.due_at(vn(2026, 3, 4, 10), ten_days) == closing(date(2026, 3, 16))


def test_fractional_working_days_round_up(calendar: WorkCalendar) -> None:
    half = TimeLimit(2.5, LimitUnit.WORKING_DAYS)
    assert calendar.due_at(vn(2026, 3, 2, 10), half) == closing(date(2026, 3, 5))
    zero = TimeLimit(0, LimitUnit.WORKING_DAYS)
    assert calendar.due_at(vn(2026, 3, 2, 10), zero) == closing(date(2026, 3, 2))


def test_pause_spanning_a_weekend_and_holidays(calendar: WorkCalendar) -> None:
    paused, resumed = vn(2026, 8, 28, 10), vn(2026, 9, 3, 10)
    # Fri 28/8 10:00-17:00 is 5 h; Sat-Sun, 31/8, 1/9 and 2/9 are off; Thu 3/9 07-10 is 3 h.
    assert calendar.working_time_between(paused, resumed) == timedelta(hours=8)
    due = closing(date(2026, 9, 10))
    assert calendar.extend_for_pause(due, paused, resumed) == closing(date(2026, 9, 11))


def test_pause_over_the_make_up_saturday_counts_it(calendar: WorkCalendar) -> None:
    paused, resumed = vn(2026, 8, 21, 17), vn(2026, 8, 24, 7)
    due = closing(date(2026, 8, 27))
    assert calendar.extend_for_pause(due, paused, resumed) == closing(date(2026, 8, 28))


def test_short_and_empty_pauses(calendar: WorkCalendar) -> None:
    due = vn(2026, 3, 5, 10)
    # 2 h of pause: 10:00-11:30, then 30 minutes after lunch.
    assert calendar.extend_for_pause(due, vn(2026, 3, 3, 9), vn(2026, 3, 3, 11)) == vn(
        2026, 3, 5, 14
    )
    # A pause outside office hours stops nothing.
    night = (vn(2026, 3, 3, 18), vn(2026, 3, 4, 6))
    assert calendar.extend_for_pause(due, *night) == due
    with pytest.raises(ValueError, match="pause"):
        calendar.extend_for_pause(due, vn(2026, 3, 4, 9), vn(2026, 3, 3, 9))


def test_working_days_late(calendar: WorkCalendar) -> None:
    due = closing(date(2026, 3, 5))  # Thursday
    assert calendar.working_days_late(due, vn(2026, 3, 5, 16)) == 0
    assert calendar.working_days_late(due, due) == 0
    assert calendar.working_days_late(due, vn(2026, 3, 5, 17, 30)) == 1
    assert calendar.working_days_late(due, vn(2026, 3, 9, 10)) == 2  # Fri 6 and Mon 9
    assert calendar.working_days_late(closing(date(2026, 4, 29)), vn(2026, 5, 4, 8)) == 1


def test_day_arithmetic(calendar: WorkCalendar) -> None:
    assert calendar.add_working_days(date(2026, 3, 4), 0) == date(2026, 3, 4)
    assert calendar.add_working_days(date(2026, 3, 9), -1) == date(2026, 3, 6)
    assert calendar.add_working_days(date(2026, 5, 4), -2) == date(2026, 4, 28)
    assert calendar.working_days_between(date(2026, 3, 2), date(2026, 3, 9)) == 5
    assert calendar.working_days_between(date(2026, 3, 9), date(2026, 3, 2)) == -5
    assert calendar.working_days_between(date(2026, 3, 2), date(2026, 3, 2)) == 0


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.next_opening(datetime(2026, 3, 2, 10)),
        lambda c: c.due_at(datetime(2026, 3, 2, 10), THREE_DAYS),
        lambda c: c.extend_for_pause(vn(2026, 3, 5, 17), datetime(2026, 3, 2, 10), vn(2026, 3, 3)),
        lambda c: c.working_days_late(vn(2026, 3, 5, 17), datetime(2026, 3, 6, 10)),
        lambda c: c.working_time_between(datetime(2026, 3, 2), vn(2026, 3, 3)),
    ],
)
def test_naive_datetimes_are_rejected(calendar: WorkCalendar, call: Any) -> None:
    with pytest.raises(ValueError, match="aware"):
        call(calendar)


@pytest.mark.parametrize("value", [-1, float("nan"), float("inf")])
def test_bad_time_limits(value: float) -> None:
    with pytest.raises(ValueError):
        TimeLimit(value, LimitUnit.WORKING_DAYS)
    with pytest.raises(ValueError):
        TimeLimit(1, "weeks")  # type: ignore[arg-type]


# -- configuration ----------------------------------------------------------------------


def test_custom_office_hours_and_working_week() -> None:
    hours = OfficeHours(time(8), time(12), time(13), time(17), frozenset(range(6)))
    saturday_office = WorkCalendar(hours=hours)
    assert hours.day_length() == timedelta(hours=8)
    assert saturday_office.is_working_day(date(2026, 3, 7))
    assert not saturday_office.is_working_day(date(2026, 3, 8))
    assert saturday_office.next_opening(vn(2026, 3, 3, 7, 30)) == vn(2026, 3, 3, 8)
    assert saturday_office.next_opening(vn(2026, 3, 3, 12, 30)) == vn(2026, 3, 3, 13)
    no_lunch = WorkCalendar(hours=OfficeHours(time(8), time(12), time(12), time(16)))
    assert no_lunch.next_opening(vn(2026, 3, 3, 12)) == vn(2026, 3, 3, 12)
    assert no_lunch.due_at(vn(2026, 3, 3, 10), TimeLimit(4, LimitUnit.WORKING_HOURS)) == vn(
        2026, 3, 3, 14
    )
    assert no_lunch.due_at(vn(2026, 3, 3, 10), THREE_DAYS) == vn(2026, 3, 6, 16)


@pytest.mark.parametrize(
    "hours",
    [
        {"morning_start": time(12)},
        {"afternoon_start": time(11)},
        {"afternoon_end": time(13)},
        {"working_weekdays": frozenset()},
        {"working_weekdays": frozenset({7})},
    ],
)
def test_bad_office_hours(hours: dict[str, Any]) -> None:
    with pytest.raises(ConfigError) as caught:
        OfficeHours(**hours)
    assert "\n" not in str(caught.value)


class CountingProvider(dict[date, str]):
    """A holiday table that counts lookups, to show they are cached per year."""

    lookups = 0

    def get(self, key: date, default: None = None, /) -> str | None:  # type: ignore[override]
        self.lookups += 1
        return super().get(key, default)

    def items(self) -> Iterable[tuple[date, str]]:  # type: ignore[override]
        self.lookups += 1
        return super().items()


def test_injected_provider_is_used_and_cached_per_year() -> None:
    provider = CountingProvider({date(2026, 3, 4): "Test holiday"})
    injected = WorkCalendar(holiday_provider=provider)
    assert not injected.is_working_day(date(2026, 3, 4))
    assert injected.holiday_name(date(2026, 3, 4)) == "Test holiday"
    assert injected.due_at(vn(2026, 3, 2, 10), THREE_DAYS) == closing(date(2026, 3, 6))
    first_year = provider.lookups
    # 2026 has 261 weekdays (it starts on a Thursday); 1/1 is not counted, 4/3 is off.
    assert injected.working_days_between(date(2026, 1, 1), date(2026, 12, 31)) == 259
    assert provider.lookups == first_year


def test_holiday_names_follow_the_app_language() -> None:
    previous = current_language()
    try:
        set_language("en")
        english = WorkCalendar()
    finally:
        set_language(previous)
    vietnamese = WorkCalendar()
    assert english.holiday_name(date(2026, 2, 17)) != vietnamese.holiday_name(date(2026, 2, 17))
    assert english.holiday_name(date(2026, 2, 17))


# -- the overrides file -------------------------------------------------------------------


def test_shipped_overrides_skip_proposed_entries() -> None:
    shipped = load_overrides()
    assert date(2026, 8, 31) in shipped.days_off
    assert date(2026, 8, 22) in shipped.working_days
    assert date(2026, 2, 16) in shipped.days_off
    assert not any(day.year == 2027 for day in shipped.days_off | shipped.working_days)
    assert date(2026, 11, 24) not in shipped.days_off
    assert shipped.unconfirmed == frozenset({date(2026, 11, 24)})
    with_proposed = load_overrides(include_proposed=True)
    assert date(2027, 5, 3) in with_proposed.days_off
    assert date(2026, 11, 24) in with_proposed.days_off


def test_the_2026_corrections_each_with_its_source() -> None:
    """New Year 2026: 1–4/1 off, Friday 2/1 swapped with Saturday 10/1 (Công văn
    12729/VPCP-KGVX, medium confidence); 24/11/2026 not applied while unconfirmed."""
    document = json.loads(resource_path("calendar", "overrides.json").read_text("utf-8"))
    year = document["years"]["2026"]
    entries = {e["date"]: e for e in year["days_off"] + year["working_days"]}
    for day in ("2026-01-02", "2026-01-10"):
        assert "12729/VPCP-KGVX" in entries[day]["source"]
        assert entries[day]["confidence"] == "medium" and not entries[day].get("proposed")
    culture = entries["2026-11-24"]
    assert culture["proposed"] is True and culture["library"] is True
    assert "80-NQ/TW" in culture["source"] and culture["confidence"] == "low"

    shipped = default_calendar()
    new_year = [date(2026, 1, d) for d in range(1, 5)]
    assert not any(shipped.is_working_day(day) for day in new_year)
    assert shipped.is_working_day(date(2026, 1, 10))  # the Saturday worked in exchange
    assert shipped.is_working_day(date(2026, 11, 24))  # unconfirmed: not applied
    # Deadlines over them: 1 working day from Wed 31/12/2025 is Mon 5/1 (2/1 is off); 5
    # from Tue 6/1 counts Saturday 10/1 (Wed 7, Thu 8, Fri 9, Sat 10, Mon 12).
    assert shipped.due_at(vn(2025, 12, 31, 10), ONE_DAY) == closing(date(2026, 1, 5))
    five = TimeLimit(5, LimitUnit.WORKING_DAYS)
    assert shipped.due_at(vn(2026, 1, 6, 10), five) == closing(date(2026, 1, 12))
    assert shipped.due_at(vn(2026, 11, 23, 10), ONE_DAY) == closing(date(2026, 11, 24))
    # Once an admin confirms it, the package's 24/11 applies.
    days_off = shipped.overrides.days_off | {date(2026, 11, 24)}
    confirmed = WorkCalendar(overrides=replace(shipped.overrides, days_off=days_off))
    assert not confirmed.is_working_day(date(2026, 11, 24))
    assert confirmed.holiday_name(date(2026, 11, 24))


def write_overrides(tmp_path: Path, years: dict[str, Any], **extra: Any) -> Path:
    path = tmp_path / "overrides.json"
    path.write_text(json.dumps({"format": 1, "years": years, **extra}), encoding="utf-8")
    return path


def test_a_working_day_override_removes_a_library_holiday(
    tmp_path: Path, library_only: WorkCalendar
) -> None:
    culture_day = date(2026, 11, 24)
    assert not library_only.is_working_day(culture_day)
    assert library_only.holiday_name(culture_day)
    path = write_overrides(tmp_path, {"2026": {"working_days": [{"date": "2026-11-24"}]}})
    confirmed = WorkCalendar(overrides=load_overrides(path))
    assert confirmed.is_working_day(culture_day)
    assert confirmed.holiday_name(culture_day) is None


def test_proposed_entries_apply_only_when_asked(tmp_path: Path) -> None:
    entry = {"date": "2026-03-04", "name": "Nghỉ đột xuất", "proposed": True}
    path = write_overrides(tmp_path, {"2026": {"days_off": [entry]}})
    assert load_overrides(path) == CalendarOverrides()
    confirmed = load_overrides(path, include_proposed=True)
    assert confirmed.days_off == frozenset({date(2026, 3, 4)})
    closed = WorkCalendar(overrides=confirmed)
    assert not closed.is_working_day(date(2026, 3, 4))
    assert closed.holiday_name(date(2026, 3, 4)) == "Nghỉ đột xuất"
    assert closed.due_at(vn(2026, 3, 2, 10), THREE_DAYS) == closing(date(2026, 3, 6))


def test_an_unnamed_day_off_gets_a_generic_name(tmp_path: Path) -> None:
    path = write_overrides(tmp_path, {"2026": {"days_off": [{"date": "2026-03-04"}]}})
    closed = WorkCalendar(overrides=load_overrides(path), holiday_provider={})
    assert closed.holiday_name(date(2026, 3, 4))


BAD_YEARS: list[tuple[str, Any]] = [
    ("not a table", ["2026"]),
    ("bad year key", {"26": {"days_off": []}}),
    ("year not a table", {"2026": []}),
    ("days_off not a list", {"2026": {"days_off": "2026-03-04"}}),
    ("entry not a table", {"2026": {"days_off": ["2026-03-04"]}}),
    ("impossible date", {"2026": {"days_off": [{"date": "2026-02-30"}]}}),
    ("compact date", {"2026": {"days_off": [{"date": "20260304"}]}}),
    ("missing date", {"2026": {"days_off": [{"name": "x"}]}}),
    ("date of another year", {"2026": {"days_off": [{"date": "2027-03-04"}]}}),
    ("proposed not a boolean", {"2026": {"days_off": [{"date": "2026-03-04", "proposed": "no"}]}}),
    ("name not text", {"2026": {"days_off": [{"date": "2026-03-04", "name": 4}]}}),
    (
        "both off and working",
        {"2026": {"days_off": [{"date": "2026-03-04"}], "working_days": [{"date": "2026-03-04"}]}},
    ),
]


@pytest.mark.parametrize(("why", "years"), BAD_YEARS, ids=[case[0] for case in BAD_YEARS])
def test_bad_overrides_raise_config_error(tmp_path: Path, why: str, years: Any) -> None:
    path = write_overrides(tmp_path, years)
    with pytest.raises(ConfigError) as caught:
        load_overrides(path)
    message = str(caught.value)
    assert "\n" not in message, why
    assert str(path) in message


@pytest.mark.parametrize(
    "content",
    ["{not json", '{"format": 2, "years": {}}', '{"years": {}}', "[]", "\ufffe\x00"],
)
def test_unreadable_overrides_raise_config_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "overrides.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_overrides(path)
    assert "\n" not in str(caught.value)


def test_missing_or_undecodable_overrides_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_overrides(tmp_path / "absent.json")
    assert "absent.json" in str(caught.value)
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes('{"format": 1, "years": {"2026": {"note": "café"}}}'.encode("latin-1"))
    with pytest.raises(ConfigError) as caught:
        load_overrides(latin1)
    assert "\n" not in str(caught.value)
