"""The sync screen: unsynced dossiers with their reason, the day close and the sign-off."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate

from counter_app.domain.applicants import Person
from counter_app.domain.lifecycle import Role
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.kernel.users import SYSTEM_ACTOR, Actor
from counter_app.sync.models import SyncDayClose
from counter_app.sync.service import describe_difference
from ui.sync_view import SyncView

LEADER = Actor("lanhdao", "Lãnh đạo", Role.LEADER)
DAY = date(2026, 3, 2)


def _close(ctx, match: bool, difference: dict) -> None:
    with ctx.session() as session:
        session.add(
            SyncDayClose(
                office_unit="22333",
                day=DAY,
                closed_at=ctx.clock(),
                match=match,
                manifest={"received": 1},
                difference=difference,
            )
        )


def test_view_lists_unsynced_dossiers_and_lets_the_leader_sign_a_matched_day(qtbot, ctx):
    view_code = intake(
        ctx, IntakeRequest("1.001193", Person(name="Lê Văn Bình", id_number="056090012345")),
        SYSTEM_ACTOR,
    ).code  # fmt: skip
    _close(ctx, True, {})
    view = SyncView(ctx, lambda: LEADER)
    qtbot.addWidget(view)
    view.day_edit.setDate(QDate(2026, 3, 2))
    qtbot.waitUntil(lambda: view.table.rowCount() == 1 and view.sign_button.isEnabled())
    assert view.table.item(0, 0).text() == view_code
    assert view.table.item(0, 2).text()  # the reason, in words
    assert "chưa ghi danh" in view.warning_label.text()
    assert view.warning_label.text().startswith("⚠")  # not colour alone
    view.sign_button.click()
    qtbot.waitUntil(lambda: "lanhdao" in view.close_label.text())
    assert not view.sign_button.isEnabled()


def test_view_shows_the_difference_and_no_sign_off_for_a_clerk(qtbot, ctx):
    difference = {"received": {"counter": 2, "hub": 1}, "missing_on_hub": ["A-0002"]}
    _close(ctx, False, difference)
    clerk = Actor("canbo", "Cán bộ", Role.CLERK)
    view = SyncView(ctx, lambda: clerk)
    qtbot.addWidget(view)
    view.day_edit.setDate(QDate(2026, 3, 2))
    qtbot.waitUntil(lambda: "CHƯA KHỚP" in view.close_label.text())
    for line in describe_difference(difference):
        assert line in view.close_label.text()
    assert "A-0002" in view.close_label.text()
    assert not view.sign_button.isEnabled()
