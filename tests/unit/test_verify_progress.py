"""`verify` tells its progress and stops when asked, with no Qt: the GUI runs it on its
database thread with a progress bar and a stop button."""

from __future__ import annotations

import pytest

from counter_app.domain.applicants import Person
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.maintenance.service import VerifyStopped, verify


def _three(ctx) -> None:
    for number in range(3):
        person = Person(name="Nguyễn Văn An", id_number=f"05609001234{number}")
        intake(ctx, IntakeRequest("1.004873", person), SYSTEM_ACTOR)


def test_progress_runs_from_nothing_to_everything(ctx):
    _three(ctx)
    seen: list[tuple[int, int]] = []
    report = verify(ctx, progress=lambda done, total: seen.append((done, total)))
    assert report.ok, report.problems
    total = report.dossiers + report.events + report.pages
    assert seen[0] == (0, total) and seen[-1] == (total, total)
    assert all(total_ == total for _done, total_ in seen)
    assert [done for done, _t in seen] == sorted(done for done, _t in seen)


def test_a_stop_ends_the_check_and_says_so(ctx):
    _three(ctx)
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 1  # after the first step

    with pytest.raises(VerifyStopped) as stopped:
        verify(ctx, cancelled=cancelled)
    assert stopped.value.message == "Đã dừng kiểm tra toàn vẹn dữ liệu."
    assert verify(ctx).ok  # nothing was written by the stopped check
