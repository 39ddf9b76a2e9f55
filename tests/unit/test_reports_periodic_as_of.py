"""Biểu 06 for a closed period reads each dossier as it stood at the period's end: the same
figures when run on its last day and again after later supplements, resumptions, results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from counter_app.domain.lifecycle import Status
from counter_app.domain.periods import PeriodKind
from counter_app.dossiers.service import IntakeRequest, intake, move
from counter_app.kernel.dossier_store import get_dossier
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.reports.periodic import COLUMNS
from counter_app.reports.service import period_for, report_periodic
from counter_app.store.models import Event
from tests.unit.test_reports_periodic import PERSON, assert_matches_recount, at, raw_dossiers

# Each story has its own procedure (3 working days or more), so its row shows its outcome.
WAITING_AT_END = "1.004873"
SECOND_REQUEST_AFTER = "1.004746"
EXTENDED_AFTER = "1.004884"
UNTOUCHED = "1.004772"
IN_PROGRESS = {"in_progress", "received_direct_postal"}


def _intake(ctx: Any, clock: Any, moment: datetime, procedure: str) -> str:
    clock.now = moment
    return intake(ctx, IntakeRequest(procedure, PERSON), SYSTEM_ACTOR).code


def _move(ctx: Any, clock: Any, moment: datetime, code: str, status: Status) -> Any:
    clock.now = moment
    return move(ctx, code, status, SYSTEM_ACTOR, reason="lý do kiểm thử")


def _april(ctx: Any) -> dict[str, Any]:
    """The April window (15/3–14/4), as JSON, checked against the recount as of now."""
    report = report_periodic(ctx, period_for(ctx, PeriodKind.MONTHLY, 2026, 4)).to_json()
    assert_matches_recount(report, raw_dossiers(ctx))
    return report


def _outcomes(report: dict[str, Any]) -> dict[str, set[str]]:
    return {
        row["procedure"]: {c for c in COLUMNS if row[c] and c != "received"}
        for row in report["rows"]
    }


def test_a_closed_period_keeps_its_figures_after_later_activity(any_ctx, clock):
    ctx = any_ctx
    # Late already when it was sent back for papers, still waiting at the end.
    waiting = _intake(ctx, clock, at(3, 30), WAITING_AT_END)
    _move(ctx, clock, at(3, 30, 10), waiting, Status.PROCESSING)
    _move(ctx, clock, at(4, 8), waiting, Status.SUPPLEMENT)
    # One request and back to work before the end, in time; the second request comes after.
    twice = _intake(ctx, clock, at(4, 13), SECOND_REQUEST_AFTER)
    _move(ctx, clock, at(4, 13, 10), twice, Status.SUPPLEMENT)
    _move(ctx, clock, at(4, 13, 15), twice, Status.PROCESSING)
    # Overdue at the end; a pause after the end pushes its due date past the end.
    extended = _intake(ctx, clock, at(4, 6), EXTENDED_AFTER)
    _move(ctx, clock, at(4, 6, 10), extended, Status.PROCESSING)
    _intake(ctx, clock, at(4, 3), UNTOUCHED)

    clock.now = at(4, 14, 16)  # run on the period's last day, still running: as of now
    on_last_day = _april(ctx)
    assert on_last_day.pop("as_of") == at(4, 14, 16).isoformat()
    outcomes = _outcomes(on_last_day)
    assert outcomes[WAITING_AT_END] == IN_PROGRESS | {"in_progress_in_time"}
    assert outcomes[SECOND_REQUEST_AFTER] == IN_PROGRESS | {"in_progress_in_time"}
    assert outcomes[EXTENDED_AFTER] == IN_PROGRESS | {"in_progress_overdue"}
    assert outcomes[UNTOUCHED] == IN_PROGRESS | {"in_progress_overdue"}

    # After the end: the papers come, a second request, a pause that moves a due date.
    _move(ctx, clock, at(4, 15), extended, Status.SUPPLEMENT)
    resumed = _move(ctx, clock, at(4, 16), waiting, Status.PROCESSING)
    assert resumed.due_at is not None and resumed.due_at.date() < at(4, 14).date()
    _move(ctx, clock, at(4, 16, 10), twice, Status.SUPPLEMENT)
    later = _move(ctx, clock, at(4, 29), extended, Status.PROCESSING)
    assert later.due_at is not None and later.due_at.date() > at(4, 14).date()
    assert later.events[-1].data["previous_due_at"] < later.events[-1].data["due_at"]
    _move(ctx, clock, at(5, 5), waiting, Status.RESOLVED)

    clock.now = at(5, 20)  # re-run a month later: closed, the same figures
    rerun = _april(ctx)
    assert rerun.pop("as_of") is None
    assert rerun == on_last_day
    # Today's rows of these dossiers would have counted them the other way round.
    assert get_dossier(ctx, twice).supplement_count == 2
    may = _outcomes(report_periodic(ctx, period_for(ctx, PeriodKind.MONTHLY, 2026, 5)).to_json())
    assert may[SECOND_REQUEST_AFTER] == {"carried_over", "in_progress", "in_progress_overdue"}
    assert may[WAITING_AT_END] == {"carried_over", "resolved", "resolved_late"}
    assert may[EXTENDED_AFTER] == {"carried_over", "in_progress", "in_progress_overdue"}


def test_a_pause_spanning_the_end_counts_in_time_in_both_periods(any_ctx, clock):
    code = _intake(any_ctx, clock, at(4, 9), WAITING_AT_END)
    _move(any_ctx, clock, at(4, 10), code, Status.SUPPLEMENT)
    clock.now = at(4, 14, 23, 59)
    before = _april(any_ctx)
    assert before.pop("as_of") is not None  # the last minute of a period still running
    assert _outcomes(before)[WAITING_AT_END] == IN_PROGRESS | {"in_progress_in_time"}
    # The move out of the pause exactly at the end belongs to the next period.
    _move(any_ctx, clock, at(4, 15, 0, 0), code, Status.PROCESSING)
    _move(any_ctx, clock, at(4, 15, 8), code, Status.SUPPLEMENT)
    _move(any_ctx, clock, at(4, 15, 9), code, Status.WITHDRAWN)
    clock.now = at(5, 20)
    after = _april(any_ctx)
    assert after.pop("as_of") is None
    assert after == before
    may = report_periodic(any_ctx, period_for(any_ctx, PeriodKind.MONTHLY, 2026, 5)).to_json()
    assert _outcomes(may)[WAITING_AT_END] == {"carried_over", "resolved", "resolved_on_time"}


def test_resumptions_recorded_without_the_previous_due_date_fall_back_to_todays(ctx, clock):
    """Moves written before the due date went into the event data: today's due date."""
    code = _intake(ctx, clock, at(4, 6), EXTENDED_AFTER)
    _move(ctx, clock, at(4, 15), code, Status.SUPPLEMENT)
    _move(ctx, clock, at(4, 29), code, Status.PROCESSING)
    with ctx.session() as session:
        for event in session.execute(sa.select(Event).where(Event.data.is_not(None))).scalars():
            if "previous_due_at" in event.data:
                event.data = {k: v for k, v in event.data.items() if "due_at" not in k}
    clock.now = at(5, 20)
    report = _april(ctx)  # the recount reads the same history, with the same fallback
    assert _outcomes(report)[EXTENDED_AFTER] == IN_PROGRESS | {"in_progress_in_time"}
