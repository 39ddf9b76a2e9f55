"""Extensions with the apology letter (form 04) and apology letters: the service, its rules,
the periodic report's reading of them, and the `dossier extend|apology|move` commands."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from counter_app.cli import main
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import EventKind, Role, Status
from counter_app.domain.periods import PeriodKind
from counter_app.dossiers.deadlines import (
    extend_deadline,
    makes_second_supplement,
    record_apology,
)
from counter_app.dossiers.service import IntakeRequest, intake, move
from counter_app.errors import (
    NotFoundError,
    PermissionDeniedError,
    TransitionError,
    ValidationError,
)
from counter_app.kernel.context import AppContext, open_context
from counter_app.kernel.dossier_store import get_dossier
from counter_app.kernel.users import Actor, add_user
from counter_app.maintenance.service import verify
from counter_app.reports.service import period_for, report_periodic
from tests.unit.test_reports_periodic import PERSON, at

SAME_DAY = "1.001193"  # due the day it is received


@pytest.fixture
def staff(any_ctx: AppContext) -> tuple[Actor, Actor]:
    clerk = add_user(any_ctx, "tiepnhan1", "demo1234", Role.CLERK, "Nguyễn Thị Mỹ Linh")
    leader = add_user(any_ctx, "lanhdao", "demo1234", Role.LEADER, "Lê Văn Chủ Tịch")
    return clerk, leader


def _working_day_after(ctx: AppContext, day: date, days: int) -> date:
    return ctx.calendar.add_working_days(day, days)


def _received(ctx: AppContext, clock: Any, moment: datetime, actor: Actor) -> str:
    clock.now = moment
    return intake(ctx, IntakeRequest(SAME_DAY, PERSON), actor).code


def test_a_clerk_records_an_extension_approved_by_a_leader(any_ctx, clock, staff):
    ctx, (clerk, leader) = any_ctx, staff
    code = _received(ctx, clock, at(3, 16), clerk)
    old_due = get_dossier(ctx, code).due_at
    assert old_due is not None
    new_day = _working_day_after(ctx, date(2026, 3, 16), 5)
    event = extend_deadline(
        ctx, code, new_day, "  Chờ xác minh của công an  ", clerk, approver="lanhdao"
    )
    stored = get_dossier(ctx, code)
    assert stored.due_at is not None and stored.due_at.date() == new_day
    assert stored.due_at.time() == ctx.calendar.hours.afternoon_end  # the day's closing
    assert stored.status == Status.RECEIVED.value
    assert event.kind == EventKind.EXTENDED.value == stored.events[-1].kind
    assert event.reason == "Chờ xác minh của công an"
    assert event.actor == "tiepnhan1"
    assert event.data["approver"] == "lanhdao"
    assert event.data["approver_name"] == leader.name
    assert datetime.fromisoformat(event.data["previous_due_at"]) == old_due
    assert datetime.fromisoformat(event.data["due_at"]) == stored.due_at
    assert event.data["letter_issued_on"] == "2026-03-16"
    assert event.data["after_due"] is False
    # A second extension starts from the first one's date; the chain still verifies.
    later = _working_day_after(ctx, new_day, 3)
    second = extend_deadline(ctx, code, later, "Chờ ý kiến huyện", leader)
    assert second.data["approver"] == "lanhdao"  # a leader approves their own
    assert datetime.fromisoformat(second.data["previous_due_at"]) == stored.due_at
    assert verify(ctx).ok


def test_an_apology_letter_without_a_new_date(any_ctx, clock, staff):
    ctx, (clerk, _leader) = any_ctx, staff
    code = _received(ctx, clock, at(3, 16), clerk)
    move(ctx, code, Status.RESOLVED, clerk)
    clock.now = at(3, 20)
    event = record_apology(
        ctx, code, "Trả kết quả chậm", clerk, approver="lanhdao", issued_on=date(2026, 3, 19)
    )
    assert event.kind == EventKind.APOLOGY.value
    assert event.data["issued_on"] == "2026-03-19"
    assert event.data["approver"] == "lanhdao"
    assert datetime.fromisoformat(event.data["appointment_at"]) == get_dossier(ctx, code).due_at
    with pytest.raises(ValidationError, match="tương lai"):
        record_apology(ctx, code, "Chậm", clerk, approver="lanhdao", issued_on=date(2026, 3, 21))
    with pytest.raises(ValidationError, match="lý do"):
        record_apology(ctx, code, " ", clerk, approver="lanhdao")
    refused = _received(ctx, clock, at(3, 20, 10), clerk)
    move(ctx, refused, Status.REFUSED, clerk, "Không thuộc thẩm quyền")
    with pytest.raises(TransitionError):
        record_apology(ctx, refused, "Chậm", clerk, approver="lanhdao")


@pytest.mark.parametrize(
    ("until", "reason", "error", "words"),
    [
        (0, "Chờ xác minh", ValidationError, "sau hôm nay"),
        (-3, "Chờ xác minh", ValidationError, "sau hôm nay"),
        (2, "", ValidationError, "lý do"),
        (2, "x" * 2001, ValidationError, "quá dài"),
        ("sunday", "Chờ xác minh", ValidationError, "ngày làm việc"),
    ],
)
def test_bad_extensions_are_refused_in_one_line(any_ctx, clock, staff, until, reason, error, words):
    ctx, (clerk, _leader) = any_ctx, staff
    code = _received(ctx, clock, at(3, 16), clerk)
    if until == "sunday":
        day = date(2026, 3, 22)
        assert day.weekday() == 6
    else:
        day = date(2026, 3, 16) + timedelta(days=until)
    with pytest.raises(error) as caught:
        extend_deadline(ctx, code, day, reason, clerk, approver="lanhdao")
    assert words in caught.value.message and "\n" not in caught.value.message
    assert get_dossier(ctx, code).events[-1].kind == EventKind.RECEIVED.value


def test_the_new_date_must_follow_the_due_date_in_force(any_ctx, clock, staff):
    ctx, (clerk, leader) = any_ctx, staff
    code = _received(ctx, clock, at(3, 16), clerk)
    extend_deadline(ctx, code, date(2026, 3, 25), "Chờ xác minh", leader)
    with pytest.raises(ValidationError, match="hạn hiện tại"):
        extend_deadline(ctx, code, date(2026, 3, 24), "Chờ xác minh", leader)
    with pytest.raises(ValidationError, match="hạn hiện tại"):
        extend_deadline(ctx, code, date(2026, 3, 25), "Chờ xác minh", leader)


def test_who_may_record_and_approve(any_ctx, clock, staff):
    ctx, (clerk, leader) = any_ctx, staff
    add_user(ctx, "quantri", "demo1234", Role.ADMIN)
    code = _received(ctx, clock, at(3, 16), clerk)
    day = date(2026, 3, 20)
    with pytest.raises(PermissionDeniedError, match="lãnh đạo"):
        extend_deadline(ctx, code, day, "Chậm", clerk)  # no approver: the clerk is not one
    with pytest.raises(PermissionDeniedError, match="lãnh đạo"):
        extend_deadline(ctx, code, day, "Chậm", clerk, approver="tiepnhan1")
    with pytest.raises(PermissionDeniedError, match="lãnh đạo"):
        extend_deadline(ctx, code, day, "Chậm", clerk, approver="quantri")
    with pytest.raises(NotFoundError):
        extend_deadline(ctx, code, day, "Chậm", clerk, approver="khongco")
    with pytest.raises(NotFoundError):
        extend_deadline(ctx, "000.00.00.H00-260316-9999", day, "Chậm", leader)
    assert get_dossier(ctx, code).events[-1].kind == EventKind.RECEIVED.value


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.WITHDRAWN, Status.STOPPED])
def test_a_finished_dossier_cannot_be_extended(any_ctx, clock, staff, status):
    ctx, (clerk, leader) = any_ctx, staff
    code = _received(ctx, clock, at(3, 16), clerk)
    move(ctx, code, status, clerk, "Lý do")
    with pytest.raises(TransitionError, match="không gia hạn"):
        extend_deadline(ctx, code, date(2026, 3, 20), "Chậm", leader)


def test_a_dossier_waiting_for_papers_keeps_the_extension_and_the_pause(any_ctx, clock, staff):
    ctx, (clerk, leader) = any_ctx, staff
    code = _received(ctx, clock, at(3, 16), clerk)
    move(ctx, code, Status.SUPPLEMENT, clerk, "Thiếu tờ khai")
    clock.now = at(3, 17)
    extend_deadline(ctx, code, date(2026, 3, 25), "Chờ xác minh", leader)
    clock.now = at(3, 18)
    resumed = move(ctx, code, Status.PROCESSING, clerk)
    assert resumed.due_at is not None and resumed.due_at.date() > date(2026, 3, 25)


def test_makes_second_supplement_follows_the_count(any_ctx, clock, staff):
    ctx, (clerk, _leader) = any_ctx, staff
    code = _received(ctx, clock, at(3, 16), clerk)
    assert not makes_second_supplement(get_dossier(ctx, code))
    move(ctx, code, Status.SUPPLEMENT, clerk, "Thiếu tờ khai")
    move(ctx, code, Status.PROCESSING, clerk)
    assert makes_second_supplement(get_dossier(ctx, code))


def _april(ctx: AppContext) -> dict[str, int]:
    return report_periodic(ctx, period_for(ctx, PeriodKind.MONTHLY, 2026, 4)).to_json()["totals"]


def _may(ctx: AppContext) -> dict[str, int]:
    return report_periodic(ctx, period_for(ctx, PeriodKind.MONTHLY, 2026, 5)).to_json()["totals"]


def test_an_extension_does_not_make_a_late_dossier_on_time(any_ctx, clock, staff):
    ctx, (clerk, leader) = any_ctx, staff
    code = _received(ctx, clock, at(3, 16), clerk)  # due on 16/3, in the April window
    clock.now = at(4, 1)
    extend_deadline(ctx, code, date(2026, 4, 24), "Chờ xác minh", leader)
    april = _april(ctx)
    assert (april["in_progress"], april["in_progress_overdue"]) == (1, 1)
    clock.now = at(4, 22)
    move(ctx, code, Status.RESOLVED, clerk)  # before the new date, after the first
    may = _may(ctx)
    assert (may["resolved"], may["resolved_late"], may["resolved_on_time"]) == (1, 1, 0)
    assert _april(ctx) == april  # the closed period keeps its figures


def test_an_extension_after_the_period_leaves_its_figures(any_ctx, clock, staff):
    ctx, (clerk, leader) = any_ctx, staff
    late = _received(ctx, clock, at(4, 10), clerk)  # due 10/4: overdue at the end (14/4)
    in_time = _received(ctx, clock, at(4, 14, 10), clerk)  # due on the last day: in time
    clock.now = at(4, 14, 17)
    before = _april(ctx)
    assert (before["in_progress_overdue"], before["in_progress_in_time"]) == (1, 1)
    clock.now = at(4, 20)
    extend_deadline(ctx, late, date(2026, 4, 29), "Chờ xác minh", leader)
    extend_deadline(ctx, in_time, date(2026, 4, 29), "Chờ xác minh", leader)
    assert _april(ctx) == before
    clock.now = at(4, 28)
    move(ctx, in_time, Status.RESOLVED, clerk)  # late against 14/4, on time against 29/4
    may = _may(ctx)
    assert (may["resolved_late"], may["resolved_on_time"], may["in_progress_overdue"]) == (1, 0, 1)


# --- the command line ---------------------------------------------------------------------


@pytest.fixture
def cli_code(data_dir: Path, clock: Any) -> str:
    """A dossier received today (the commands run on the real clock), and two users."""
    clock.now = datetime.now(VN_TZ).replace(hour=9, minute=0)
    with open_context(data_dir, clock=clock) as ctx:
        clerk = add_user(ctx, "tiepnhan1", "demo1234", Role.CLERK)
        add_user(ctx, "lanhdao", "demo1234", Role.LEADER)
        return intake(ctx, IntakeRequest(SAME_DAY, PERSON), clerk).code


def _cli(data_dir: Path, *args: str) -> int:
    return main([*args, "--data-dir", str(data_dir)])


def test_cli_extend_and_apology(data_dir, cli_code, capsys):
    with open_context(data_dir) as ctx:
        day = ctx.calendar.add_working_days(datetime.now(VN_TZ).date(), 4)
    common = ("--user", "tiepnhan1", "--approver", "lanhdao")
    assert _cli(data_dir, "dossier", "extend", cli_code, "--until", day.isoformat(), "--reason",
                "Chờ xác minh", *common, "--json") == 0  # fmt: skip
    printed = capsys.readouterr().out
    assert '"kind": "extended"' in printed and day.isoformat() in printed
    assert _cli(data_dir, "dossier", "apology", cli_code, "--reason", "Xin lỗi", *common) == 0
    assert "apology" in capsys.readouterr().out
    with open_context(data_dir) as ctx:
        stored = get_dossier(ctx, cli_code)
    assert stored.due_at is not None and stored.due_at.date() == day
    assert [e.kind for e in stored.events][-2:] == ["extended", "apology"]
    # Bad input: one line on stderr, exit 1; a bad date is a usage error, exit 2.
    assert _cli(data_dir, "dossier", "extend", cli_code, "--until", day.isoformat(), "--reason",
                "Chậm", "--user", "tiepnhan1") == 1  # fmt: skip
    error = capsys.readouterr().err
    assert "lãnh đạo" in error and error.count("\n") == 1
    with pytest.raises(SystemExit) as exited:
        _cli(data_dir, "dossier", "extend", cli_code, "--until", "30/11", "--reason", "x")
    assert exited.value.code == 2


def test_cli_warns_before_a_second_supplement_request(data_dir, cli_code, capsys):
    move_args = ("dossier", "move", cli_code, "--to", "supplement", "--reason", "Thiếu")
    assert _cli(data_dir, *move_args) == 0
    assert capsys.readouterr().err == ""
    assert _cli(data_dir, "dossier", "move", cli_code, "--to", "processing") == 0
    assert _cli(data_dir, *move_args) == 0  # still made: a warning, not a refusal
    error = capsys.readouterr().err
    assert "lần 2" in error and "trễ hạn" in error and error.count("\n") == 1
    with open_context(data_dir) as ctx:
        assert get_dossier(ctx, cli_code).events[-1].data["second_supplement"] is True
