"""The holiday table in the database: seeded from the shipped file, edited by an admin,
shared by every counter of the database; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from counter_app.calendar import holidays
from counter_app.calendar.holidays import PastDateError
from counter_app.cli import main
from counter_app.domain.applicants import Person
from counter_app.domain.calendar import VN_TZ, DayKind, LimitUnit, TimeLimit, load_overrides
from counter_app.domain.lifecycle import Role
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.errors import CounterError, NotFoundError, PermissionDeniedError, ValidationError
from counter_app.kernel.calendar import RECHECK_INTERVAL, HolidayStatus
from counter_app.kernel.context import open_context
from counter_app.kernel.dossier_store import get_dossier
from counter_app.kernel.users import SYSTEM_ACTOR, add_user
from counter_app.store.holidays import CalendarDayChange
from tests.conftest import make_data_dir

ONE_DAY = TimeLimit(1, LimitUnit.WORKING_DAYS)
XMTTHN = "1.004873"  # 3 working days
AN = Person(name="Nguyễn Văn An", id_number="056090012345", phone="0905123456")


def vn(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


def closing(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(17, 0), VN_TZ)


def changes(ctx) -> int:
    with ctx.session() as session:
        return session.execute(sa.select(sa.func.count(CalendarDayChange.id))).scalar_one()


def test_seeded_table_equals_the_shipped_file(any_ctx) -> None:
    applied, everything = load_overrides(), load_overrides(include_proposed=True)
    entries = holidays.list_holidays(any_ctx)
    confirmed = {e.day: e for e in entries if e.status is HolidayStatus.CONFIRMED}
    proposed = {e.day: e for e in entries if e.status is HolidayStatus.PROPOSED}
    assert {d for d, e in confirmed.items() if e.kind is DayKind.DAY_OFF} == applied.days_off
    assert {d for d, e in confirmed.items() if e.kind is DayKind.WORKING_DAY} == (
        applied.working_days
    )
    assert set(proposed) == (everything.days_off | everything.working_days) - (
        applied.days_off | applied.working_days
    )
    assert {e.day: e.name for e in entries} == dict(everything.names)
    assert all(e.changed_by == "system" and e.source for e in entries)
    # A fresh data dir computes exactly what the shipped file gave.
    assert any_ctx.calendar.overrides == applied
    assert {e.day for e in holidays.list_holidays(any_ctx, 2027)} == {
        day for day in proposed if day.year == 2027
    }


def test_confirming_a_proposed_day_changes_deadlines_computed_afterwards(any_ctx, clock) -> None:
    # Shipped proposal: 24/11/2026, a `holidays` package holiday whose legal basis is not
    # confirmed, so not applied: a working day until an admin confirms it.
    vector = ("2026-11-23T10:00", ONE_DAY, "2026-11-24", "2026-11-25")
    received, limit, before, after = vector
    clock.now = datetime(2026, 12, 1, 9, 0, tzinfo=VN_TZ)
    assert any_ctx.calendar.due_at(vn(received), limit) == closing(before)
    with pytest.raises(PastDateError) as past:  # the clock is past it now
        holidays.confirm_holiday(any_ctx, date(2026, 11, 24), SYSTEM_ACTOR)
    assert "\n" not in past.value.message
    assert any_ctx.calendar.due_at(vn(received), limit) == closing(before)
    entry = holidays.confirm_holiday(any_ctx, date(2026, 11, 24), SYSTEM_ACTOR, force=True)
    assert entry.status is HolidayStatus.CONFIRMED and entry.changed_at == clock.now
    assert any_ctx.calendar.due_at(vn(received), limit) == closing(after)
    assert any_ctx.calendar.holiday_name(date(2026, 11, 24)) == entry.name


def test_a_future_proposal_applies_only_once_confirmed_and_old_dossiers_keep_their_due(
    any_ctx, clock
) -> None:
    clock.now = vn("2027-03-01T09:00")  # Monday; 3 working days → Thursday 4/3
    kept = intake(any_ctx, IntakeRequest(XMTTHN, AN), SYSTEM_ACTOR)
    assert kept.due_at == closing("2027-03-04")
    holidays.add_holiday(
        any_ctx,
        date(2027, 3, 3),
        DayKind.DAY_OFF,
        "Nghỉ đột xuất do bão",
        SYSTEM_ACTOR,
        proposed=True,
    )
    assert intake(any_ctx, IntakeRequest(XMTTHN, AN), SYSTEM_ACTOR).due_at == closing("2027-03-04")
    holidays.confirm_holiday(any_ctx, date(2027, 3, 3), SYSTEM_ACTOR)
    assert intake(any_ctx, IntakeRequest(XMTTHN, AN), SYSTEM_ACTOR).due_at == closing("2027-03-05")
    assert get_dossier(any_ctx, kept.code).due_at == closing("2027-03-04")  # not recomputed


def test_a_make_up_saturday_opens_the_office(any_ctx) -> None:
    saturday = date(2027, 3, 6)
    assert not any_ctx.calendar.is_working_day(saturday)
    holidays.add_holiday(any_ctx, saturday, DayKind.WORKING_DAY, "Làm bù", SYSTEM_ACTOR)
    assert any_ctx.calendar.is_working_day(saturday)
    assert any_ctx.calendar.due_at(vn("2027-03-05T10:00"), ONE_DAY) == closing("2027-03-06")
    holidays.remove_holiday(any_ctx, saturday, SYSTEM_ACTOR)
    assert not any_ctx.calendar.is_working_day(saturday)


def test_removed_entries_stay_as_history_and_can_come_back(any_ctx, clock) -> None:
    day = date(2027, 4, 16)
    before = changes(any_ctx)
    removed = holidays.remove_holiday(any_ctx, day, SYSTEM_ACTOR)
    assert removed.status is HolidayStatus.REMOVED
    assert day not in {e.day for e in holidays.list_holidays(any_ctx, 2027)}
    assert day in {e.day for e in holidays.list_holidays(any_ctx, 2027, include_removed=True)}
    with pytest.raises(NotFoundError):
        holidays.remove_holiday(any_ctx, day, SYSTEM_ACTOR)
    back = holidays.add_holiday(any_ctx, day, DayKind.DAY_OFF, "Giỗ Tổ Hùng Vương", SYSTEM_ACTOR)
    assert back.status is HolidayStatus.CONFIRMED
    with any_ctx.session() as session:
        rows = session.execute(
            sa.select(CalendarDayChange.action, CalendarDayChange.actor)
            .where(CalendarDayChange.day == day)
            .order_by(CalendarDayChange.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("seeded", "system"),
        ("removed", "system"),
        ("added", "system"),
    ]
    assert changes(any_ctx) == before + 2


def test_two_counters_on_one_postgresql_database_share_the_calendar(
    pg_url, tmp_path, clock
) -> None:
    def counter(name: str):
        (tmp_path / name).mkdir()
        return open_context(make_data_dir(tmp_path / name, pg_url), clock=clock)

    first, second = counter("a"), counter("b")
    try:
        day = date(2026, 11, 24)
        assert first.calendar.is_working_day(day) and second.calendar.is_working_day(day)
        holidays.confirm_holiday(first, day, SYSTEM_ACTOR, force=True)
        assert not first.calendar.is_working_day(day)
        assert second.calendar.is_working_day(day)  # cached, for at most the recheck time
        clock.now += RECHECK_INTERVAL
        assert not second.calendar.is_working_day(day)
        assert second.calendar.overrides == first.calendar.overrides
        # A third counter opened later reads the same table, not its own package's file.
        third = counter("c")
        assert third.calendar.overrides == first.calendar.overrides
        third.close()
    finally:
        first.close()
        second.close()


def test_only_an_admin_changes_the_table(any_ctx) -> None:
    before = changes(any_ctx)
    for role in (Role.CLERK, Role.LEADER):
        actor = add_user(any_ctx, f"u_{role.value}", "mật-khẩu-dài-đủ", role)
        with pytest.raises(PermissionDeniedError):
            holidays.add_holiday(any_ctx, date(2027, 3, 3), DayKind.DAY_OFF, "X", actor)
        with pytest.raises(PermissionDeniedError):
            holidays.confirm_holiday(any_ctx, date(2027, 2, 4), actor)
        with pytest.raises(PermissionDeniedError):
            holidays.remove_holiday(any_ctx, date(2026, 9, 2), actor)
    assert changes(any_ctx) == before
    assert holidays.list_holidays(any_ctx, 2027)  # reading is open to every role


@pytest.mark.parametrize("text", ["", "2027-13-01", "2027-02-30", "20270204", "04/02/2027", "x"])
def test_bad_dates_are_refused(text: str) -> None:
    with pytest.raises(ValidationError) as refused:
        holidays.parse_day(text)
    assert "\n" not in refused.value.message


def test_bad_entries_are_refused_and_change_nothing(any_ctx) -> None:
    before = changes(any_ctx)
    overrides = any_ctx.calendar.overrides
    attempts = [
        lambda: holidays.parse_kind("holiday"),
        lambda: holidays.parse_day("1999-05-01"),
        lambda: holidays.add_holiday(
            any_ctx, date(2027, 3, 3), DayKind.DAY_OFF, "  ", SYSTEM_ACTOR
        ),
        lambda: holidays.add_holiday(
            any_ctx, date(2027, 3, 3), DayKind.DAY_OFF, "a\nb", SYSTEM_ACTOR
        ),
        lambda: holidays.add_holiday(
            any_ctx, date(2027, 3, 3), DayKind.DAY_OFF, "x" * 201, SYSTEM_ACTOR
        ),
        # A make-up working day on a Wednesday that is an ordinary working day.
        lambda: holidays.add_holiday(
            any_ctx, date(2027, 3, 3), DayKind.WORKING_DAY, "Làm bù", SYSTEM_ACTOR
        ),
        # Already in the table (proposed), whatever the kind.
        lambda: holidays.add_holiday(
            any_ctx, date(2027, 2, 4), DayKind.DAY_OFF, "Tết", SYSTEM_ACTOR
        ),
        lambda: holidays.confirm_holiday(any_ctx, date(2026, 9, 2), SYSTEM_ACTOR, force=True),
        lambda: holidays.confirm_holiday(any_ctx, date(2027, 3, 3), SYSTEM_ACTOR),
        lambda: holidays.remove_holiday(any_ctx, date(2027, 3, 3), SYSTEM_ACTOR),
        # A confirmed date already past: refused without force.
        lambda: holidays.remove_holiday(any_ctx, date(2026, 1, 1), SYSTEM_ACTOR),
        lambda: holidays.add_holiday(
            any_ctx, date(2026, 3, 2), DayKind.DAY_OFF, "Bão", SYSTEM_ACTOR
        ),
    ]
    for attempt in attempts:
        with pytest.raises(CounterError) as refused:
            attempt()
        assert refused.value.message and "\n" not in refused.value.message
    assert changes(any_ctx) == before
    assert any_ctx.calendar.overrides == overrides
    # A make-up day on a Sunday or on a package holiday is fine (24/11 is one).
    holidays.add_holiday(any_ctx, date(2027, 11, 24), DayKind.WORKING_DAY, "Làm việc", SYSTEM_ACTOR)
    assert any_ctx.calendar.is_working_day(date(2027, 11, 24))


# -- the command line -------------------------------------------------------------------


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _future_saturday() -> date:
    """A Saturday a year ahead of the real date (the CLI runs on the real clock)."""
    day = date.today() + timedelta(days=365)
    return day + timedelta(days=(5 - day.weekday()) % 7)


def test_calendar_commands(data_dir, capsys) -> None:
    where = ("--data-dir", str(data_dir))
    status, out, err = run(capsys, "calendar", "list", "--year", "2027", "--json", *where)
    assert status == 0 and err == ""
    listed = json.loads(out)
    assert {e["status"] for e in listed} == {"proposed"}
    assert set(listed[0]) == {
        "date",
        "kind",
        "name",
        "status",
        "source",
        "changed_by",
        "changed_at",
    }
    assert [e["date"] for e in listed] == sorted(e["date"] for e in listed)
    assert all(e["date"].startswith("2027-") for e in listed)

    saturday = _future_saturday().isoformat()
    status, out, err = run(
        capsys,
        "calendar",
        "add",
        saturday,
        "--kind",
        "working_day",
        "--name",
        "Làm bù",
        "--json",
        *where,
    )
    assert status == 0, err
    added = json.loads(out)
    assert (added["date"], added["kind"], added["status"]) == (
        saturday,
        "working_day",
        "confirmed",
    )
    status, out, _err = run(capsys, "calendar", "remove", saturday, *where)
    assert status == 0 and out.count("\n") == 1
    status, out, _err = run(capsys, "calendar", "list", "--all", *where)
    assert any(line.startswith(saturday) for line in out.splitlines())
    status, out, _err = run(capsys, "calendar", "list", *where)
    assert not any(line.startswith(saturday) for line in out.splitlines())

    # A past date needs --force, and says so.
    status, out, err = run(capsys, "calendar", "confirm", "2026-11-24", *where)
    assert status == 1 and out == "" and err.count("\n") == 1 and "--force" in err
    status, out, err = run(capsys, "calendar", "confirm", "2026-11-24", "--force", *where)
    assert status == 0, err


@pytest.mark.parametrize(
    "argv",
    [
        ("add", "2027-13-01", "--kind", "day_off", "--name", "X"),
        ("add", "2030-03-06", "--kind", "holiday", "--name", "X"),
        ("add", "2030-03-06", "--kind", "day_off", "--name", ""),
        ("add", "2027-02-04", "--kind", "day_off", "--name", "Tết"),
        ("confirm", "2030-03-06"),
        ("remove", "someday"),
        ("add", "2030-03-06", "--kind", "day_off", "--name", "X", "--user", "clerk1"),
    ],
)
def test_calendar_command_errors_are_one_line(data_dir, capsys, argv) -> None:
    with open_context(data_dir) as ctx:
        add_user(ctx, "clerk1", "mật-khẩu-dài-đủ", Role.CLERK)
    status, out, err = run(capsys, "calendar", *argv, "--data-dir", str(data_dir))
    assert status == 1 and out == ""
    assert err.startswith("counter-app: ") and err.count("\n") == 1
    status, out, _err = run(capsys, "calendar", "list", "--json", "--data-dir", str(data_dir))
    assert "2030-03-06" not in out
