"""The sync screen: unsynced dossiers with their reason, the day close and the sign-off."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sync_support import running_hub

from PySide6.QtCore import QDate

from counter_app.domain.applicants import Person
from counter_app.domain.lifecycle import Role
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.kernel.users import SYSTEM_ACTOR, Actor
from counter_app.sync.models import SyncDayClose
from counter_app.sync.service import describe_difference
from ui.bus import bus
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
    assert view.table.item(0, 2).text() == "Chờ lần gửi tới"  # the reason, in words
    warning = view.warning_label.text()
    assert "Máy chưa đăng ký với tỉnh · chờ gửi 1 hồ sơ, 0 trang" in warning
    assert warning.startswith("⚠")  # not colour alone
    assert "hub" not in warning.lower() and "ghi danh" not in warning
    assert view.enrol_box.isVisibleTo(view) and not view.sync_button.isEnabled()
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
    qtbot.waitUntil(lambda: "CHƯA KHỚP với số liệu của tỉnh" in view.close_label.text())
    for line in describe_difference(difference):
        assert line in view.close_label.text()
    assert "A-0002" in view.close_label.text()
    assert "Tỉnh chưa có hồ sơ: A-0002" in view.close_label.text()
    assert "hub" not in view.close_label.text().lower()
    assert not view.sign_button.isEnabled()


def test_an_office_already_set_up_registers_with_the_province_from_the_page(
    qtbot, ctx, tmp_path
) -> None:
    intake(ctx, IntakeRequest("1.001193", Person(name="Lê Văn Bình", id_number="056090012345")),
           SYSTEM_ACTOR)  # fmt: skip
    view = SyncView(ctx, lambda: SYSTEM_ACTOR)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.enrol_box.isVisibleTo(view))
    form = view.enrol_form
    with running_hub(tmp_path / "hub") as hub:
        form.address.setText(hub.url)
        form.code.setText(hub.hub.create_enroll_code("22333"))
        with qtbot.waitSignal(bus().changes_applied, timeout=20000):  # the window starts sending
            form.button.click()
        assert "Đã đăng ký máy với tỉnh" in form.result.text()
        qtbot.waitUntil(lambda: view.sync_button.isEnabled(), timeout=10000)
        assert not view.enrol_box.isVisibleTo(view)
        assert hub.url in view.state_label.text()
        view.sync_button.click()  # "Gửi lên tỉnh"
        qtbot.waitUntil(lambda: "không còn gì chờ gửi" in view.state_label.text(), timeout=20000)
        assert view.table.rowCount() == 0


def test_the_demo_page_says_nothing_is_sent(qtbot, ctx) -> None:
    ctx.config = replace(ctx.config, demo=True)
    view = SyncView(ctx, lambda: SYSTEM_ACTOR)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: "không có gì được gửi lên tỉnh" in view.state_label.text())
    assert not view.sync_button.isEnabled() and not view.enrol_box.isVisibleTo(view)
    # Nothing listed as waiting (the demo never sends), the line not said twice, and the
    # day box says the demo is not reconciled.
    assert not view.table.isVisibleTo(view) and not view.table_title.isVisibleTo(view)
    assert not view.warning_label.isVisibleTo(view)
    assert view.close_label.text() == "Dữ liệu mẫu không đối chiếu với tỉnh."
    assert not view.close_button.isEnabled()
