"""The dashboard's "Trực tuyến" panel shows the citizens guided to file online by outcome
(a line and a small bar group with the numbers on it) next to the dossiers received."""

from __future__ import annotations

from datetime import datetime

import pytest
from pytestqt.qtbot import QtBot

from counter_app.domain.applicants import Person
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Channel, Role
from counter_app.domain.periods import PeriodKind
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.guidance.sessions import GuidanceOutcome, record_guidance
from counter_app.kernel.users import SYSTEM_ACTOR, Actor
from counter_app.reports.guidance import guidance_figures
from counter_app.reports.service import online_panel, period_for
from ui.dashboard import DashboardView

pytestmark = pytest.mark.gui
CLERK = Actor("tiepnhan1", "Lê Thị Hoa", Role.CLERK)
KHAI_SINH = "1.001193"
KET_HON = "1.004222"


def _sessions(ctx, clock) -> None:
    # The current report window (15/03-14/04): 2 assisted (1 linked), 3 at home, 1 could
    # not; the window before (15/02-14/03, the March report): 1 at home.
    clock.now = datetime(2026, 3, 2, 9, tzinfo=VN_TZ)
    record_guidance(ctx, KET_HON, "at_home", CLERK)
    for day, outcome, reason in (
        (16, "at_home", None),
        (16, "at_home", None),
        (17, "at_home", None),
        (17, "could_not", "elderly"),
        (18, "assisted", None),
    ):
        clock.now = datetime(2026, 3, day, 10, tzinfo=VN_TZ)
        record_guidance(ctx, KET_HON, outcome, CLERK, reason=reason)
    person = Person(name="Trần Thị Bích", id_number="056190001234")
    dossier = intake(
        ctx, IntakeRequest(KHAI_SINH, person, Channel.ASSISTED, portal_code="G22-1"), CLERK
    )
    record_guidance(ctx, KHAI_SINH, "assisted", CLERK, dossier_code=dossier.code)
    clock.now = datetime(2026, 3, 18, 15, tzinfo=VN_TZ)


def _open(qtbot: QtBot, ctx) -> DashboardView:
    view = DashboardView(ctx, SYSTEM_ACTOR)
    qtbot.add_widget(view)
    qtbot.wait_until(lambda: view.online is not None, timeout=15000)
    return view


def test_guided_by_outcome_is_drawn_with_its_numbers(qtbot: QtBot, ctx, clock) -> None:
    _sessions(ctx, clock)
    view = _open(qtbot, ctx)
    period = view.online.period
    figures = guidance_figures(ctx, period.date_from, period.date_to)
    assert figures.by_outcome == {"assisted": 2, "at_home": 3, "could_not": 1}
    chart = view.guided_chart
    assert chart.categories == [o.label for o in GuidanceOutcome]
    assert chart.values == [[2], [3], [1]]
    # The numbers are written on the chart and said to screen readers.
    for outcome, n in (("assisted", 2), ("at_home", 3), ("could_not", 1)):
        assert f"{GuidanceOutcome(outcome).label}: " in chart.accessibleDescription()
        assert f" {n}" in chart.accessibleDescription()
    line = view.guided_label.text()
    assert "6 lượt" in line and "gắn hồ sơ 1" in line and "tự nộp tại nhà 3" in line
    # "Received" stays the dossiers: the one assisted dossier, not the six sessions.
    assert view.online.channels["received"] == 1 and "1/1" in view.online_label.text()
    view.resize(1200, 1000)
    view.show()
    assert not view.grab().isNull()

    earlier = period_for(ctx, PeriodKind.MONTHLY, 2026, 3)
    index = view._periods.index(earlier)
    view.online_period.setCurrentIndex(index)
    view.online_period.activated.emit(index)
    qtbot.wait_until(lambda: view.online.period == earlier, timeout=15000)
    assert view.online == online_panel(ctx, earlier)
    assert chart.values == [[0], [1], [0]]
    assert "1 lượt" in view.guided_label.text()


def test_no_session_shows_zeros_not_an_empty_chart(qtbot: QtBot, ctx) -> None:
    view = _open(qtbot, ctx)
    assert view.guided_chart.values == [[0], [0], [0]]
    assert "0 lượt" in view.guided_label.text()
