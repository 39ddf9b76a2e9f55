"""Which automatic backups are kept: 7 daily, 4 weekly, 12 monthly."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counter_app.domain.calendar import VN_TZ
from counter_app.domain.retention import Retention, backups_to_keep
from counter_app.maintenance.auto import BackupState, Readiness, backup_due, reminder

START = datetime(2025, 1, 1, 17, 30, tzinfo=VN_TZ)


def daily(days: int, *, at: datetime = START) -> list[datetime]:
    return [at + timedelta(days=n) for n in range(days)]


def test_nothing_to_keep_of_nothing() -> None:
    assert backups_to_keep([]) == set()


def test_a_week_of_daily_backups_is_kept_whole() -> None:
    taken = daily(7)
    assert backups_to_keep(taken) == set(taken)


def test_a_year_of_daily_backups_keeps_seven_days_four_weeks_twelve_months() -> None:
    taken = daily(400)
    kept = sorted(backups_to_keep(taken), reverse=True)
    newest = taken[-1]
    # The last seven days, whole.
    assert kept[:7] == [newest - timedelta(days=n) for n in range(7)]
    # Each of the last four ISO weeks keeps its newest: Sundays (and this week's newest).
    weeks = {moment.isocalendar()[:2] for moment in kept}
    assert len(weeks) >= 4
    # Twelve months, each with its newest backup: the month's last day.
    months = sorted({(m.year, m.month) for m in kept}, reverse=True)
    assert len(months) == 12
    for year, month in months[1:]:
        last = max(m for m in taken if (m.year, m.month) == (year, month))
        assert last in kept
    assert len(kept) <= 7 + 4 + 12


@pytest.mark.parametrize(
    ("taken", "expected"),
    [
        # Three backups on one day: only the day's newest is kept.
        (
            [START, START + timedelta(hours=1), START + timedelta(hours=2)],
            {START + timedelta(hours=2)},
        ),
        # Off for two months: the last backups before the gap are kept, not lost.
        (
            [START, START + timedelta(days=1), START + timedelta(days=70)],
            {START, START + timedelta(days=1), START + timedelta(days=70)},
        ),
    ],
)
def test_table(taken: list[datetime], expected: set[datetime]) -> None:
    assert backups_to_keep(taken) == expected


def test_days_are_the_offices_local_days() -> None:
    # 23:30 and 00:30 Vietnam time are two days, though one UTC day.
    late = datetime(2025, 3, 3, 23, 30, tzinfo=VN_TZ)
    after_midnight = late + timedelta(hours=1)
    assert backups_to_keep([late, after_midnight], Retention(daily=2, weekly=0, monthly=0)) == {
        late,
        after_midnight,
    }


moments = st.lists(
    st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(VN_TZ)
    ),
    max_size=120,
)


@settings(max_examples=150, deadline=None)
@given(moments)
def test_rules_hold_for_any_set_of_backups(taken: list[datetime]) -> None:
    kept = backups_to_keep(taken)
    assert kept <= set(taken)
    if taken:
        assert max(taken) in kept  # the newest is never deleted
    assert len(kept) <= 7 + 4 + 12
    days = {m.date() for m in taken}
    assert len({m.date() for m in kept}) >= min(7, len(days))
    assert backups_to_keep(kept) == kept  # stable: rotating again deletes nothing more


def test_a_backup_is_due_at_the_first_start_of_a_day_and_at_close() -> None:
    close = time(17, 15)
    morning = datetime(2025, 3, 4, 7, 30, tzinfo=VN_TZ)
    yesterday_evening = datetime(2025, 3, 3, 17, 20, tzinfo=VN_TZ)
    assert backup_due(morning, None, close)
    assert not backup_due(morning, yesterday_evening, close)  # taken at yesterday's close
    assert backup_due(morning, yesterday_evening - timedelta(days=1), close)  # > a day
    assert backup_due(morning.replace(hour=17, minute=16), yesterday_evening, close)
    this_close = morning.replace(hour=17, minute=20)
    assert not backup_due(morning.replace(hour=18), this_close, close)


def test_the_reminder_says_what_to_do() -> None:
    now = datetime(2025, 3, 10, 9, 0, tzinfo=VN_TZ)
    state = BackupState(last_good_at=now - timedelta(days=3), last_error="ổ USB không có")
    ready = Readiness(sqlite=True, folder=None, passphrase=True)
    assert "chọn thư mục sao lưu" in (reminder(now, state, ready) or "")
    ready = Readiness(sqlite=True, folder=object(), passphrase=False)  # type: ignore[arg-type]
    assert "mật khẩu sao lưu" in (reminder(now, state, ready) or "")
    ready = Readiness(sqlite=True, folder=object(), passphrase=True)  # type: ignore[arg-type]
    text = reminder(now, state, ready) or ""
    assert "3 ngày" in text and "Sao lưu ngay" in text and "ổ USB không có" in text
    fresh = BackupState(last_good_at=now - timedelta(days=1))
    assert reminder(now, fresh, ready) is None
    postgres = Readiness(sqlite=False, folder=None, passphrase=False)
    assert reminder(now, state, postgres) is None
