"""Each lifecycle action through its small form, recorded by the real services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtWidgets import QMessageBox

from counter_app.domain.applicants import Person
from counter_app.domain.lifecycle import EventKind, Role, Status
from counter_app.dossiers.service import IntakeRequest, intake, move
from counter_app.kernel.context import AppContext
from counter_app.kernel.dossier_store import get_dossier
from counter_app.kernel.users import Actor, add_user
from ui.actions import ACTIONS_BY_KEY, available_actions
from ui.detail_view import DossierDetailView

PERSON = Person(name="Trần Thị Bích", id_number="056190001234")


@pytest.fixture
def clerk(ctx: AppContext) -> Actor:
    return add_user(ctx, "tiepnhan1", "demo1234", Role.CLERK, "Nguyễn Thị Mỹ Linh")


@pytest.fixture
def code(ctx: AppContext, clerk: Actor) -> str:
    return intake(ctx, IntakeRequest("1.001193", PERSON), clerk).code


@pytest.fixture
def detail(qtbot: QtBot, ctx: AppContext, clerk: Actor, code: str) -> DossierDetailView:
    view = DossierDetailView(ctx, clerk)
    qtbot.add_widget(view)
    with qtbot.wait_signal(view.loaded, timeout=10000):
        view.load(code)
    return view


def _run(qtbot: QtBot, detail: DossierDetailView, key: str, **fields: str) -> None:
    detail.start_action(ACTIONS_BY_KEY[key])
    dialog = detail.dialog
    assert dialog is not None
    for name, value in fields.items():
        widget = getattr(dialog, name)
        if name == "new_date":
            widget.setDate(widget.date().addDays(int(value)))
        elif hasattr(widget, "setPlainText"):
            widget.setPlainText(value)
        else:
            widget.setText(value)
    with qtbot.wait_signal(detail.action_done, timeout=10000):
        dialog.submit()
    qtbot.wait_until(
        lambda: (
            detail.view is not None
            and detail.view.events == get_dossier(detail.ctx, detail.view.code).events
        )
    )


@pytest.mark.parametrize(
    ("key", "fields", "status"),
    [
        ("process", {}, Status.PROCESSING),
        ("refuse", {"reason": "Không thuộc thẩm quyền của phường"}, Status.REFUSED),
        ("resolve", {}, Status.RESOLVED),
        ("withdraw", {"reason": "Công dân xin rút"}, Status.WITHDRAWN),
        ("stop", {"reason": "Người yêu cầu đã chết"}, Status.STOPPED),
    ],
)
def test_status_actions(
    qtbot: QtBot,
    detail: DossierDetailView,
    ctx: AppContext,
    code: str,
    key: str,
    fields: dict[str, str],
    status: Status,
) -> None:
    _run(qtbot, detail, key, **fields)
    stored = get_dossier(ctx, code)
    assert stored.status == status.value
    assert stored.events[-1].to_status == status.value
    assert stored.events[-1].actor == "tiepnhan1"
    if "reason" in fields:
        assert stored.events[-1].reason == fields["reason"]
    assert Status(stored.status).label in detail.header.text()
    for action_key, button in detail.buttons.items():
        assert button.isEnabled() == ACTIONS_BY_KEY[action_key].available(status)


def test_supplement_request_lists_the_items(
    qtbot: QtBot, detail: DossierDetailView, ctx: AppContext, code: str
) -> None:
    _run(qtbot, detail, "supplement", items="Bản sao giấy chứng sinh\nTờ khai có chữ ký")
    stored = get_dossier(ctx, code)
    assert stored.status == Status.SUPPLEMENT.value
    assert stored.events[-1].data["items"] == ["Bản sao giấy chứng sinh", "Tờ khai có chữ ký"]
    assert "Bản sao giấy chứng sinh" in (stored.events[-1].reason or "")
    _run(qtbot, detail, "process")  # the papers came: processing resumes
    assert get_dossier(ctx, code).status == Status.PROCESSING.value


def test_hand_over_sets_the_handler(
    qtbot: QtBot, detail: DossierDetailView, ctx: AppContext, code: str
) -> None:
    _run(qtbot, detail, "handover", handler="tuphap", reason="Chuyển bộ phận tư pháp")
    stored = get_dossier(ctx, code)
    assert stored.handler == "tuphap"
    assert stored.events[-1].kind == EventKind.HANDED_OVER.value
    assert "tuphap" in detail.timeline.item(detail.timeline.count() - 1).text()


def test_return_after_result(
    qtbot: QtBot, detail: DossierDetailView, ctx: AppContext, code: str
) -> None:
    assert not detail.buttons["return"].isEnabled()
    _run(qtbot, detail, "resolve")
    _run(qtbot, detail, "return", receiver="Trần Thị Bích")
    stored = get_dossier(ctx, code)
    assert stored.status == Status.RETURNED.value
    assert stored.events[-1].data["receiver"] == "Trần Thị Bích"
    assert not any(button.isEnabled() for button in detail.buttons.values())


def test_extension_with_apology_moves_the_due_date(
    qtbot: QtBot, detail: DossierDetailView, ctx: AppContext, code: str
) -> None:
    add_user(ctx, "lanhdao", "demo1234", Role.LEADER, "Lê Văn Chủ Tịch")
    old_due = get_dossier(ctx, code).due_at
    assert old_due is not None
    _run(
        qtbot,
        detail,
        "apology",
        new_date="2",
        reason="Chờ xác minh của công an",
        approver="lanhdao",
    )
    stored = get_dossier(ctx, code)
    event = stored.events[-1]
    assert event.kind == EventKind.EXTENDED.value
    assert event.data["approver"] == "lanhdao" and event.actor == "tiepnhan1"
    expected = ctx.clock().date() + timedelta(days=7)  # the form starts 5 days ahead
    assert stored.due_at is not None and stored.due_at.date() == expected
    assert event.data["previous_due_at"] == old_due.isoformat()
    assert stored.status == Status.RECEIVED.value
    line = detail.timeline.item(1).text()
    assert expected.strftime("%d/%m/%Y") in line and "lanhdao" in line


def test_a_leader_is_the_default_approver(qtbot: QtBot, ctx: AppContext, code: str) -> None:
    leader = add_user(ctx, "lanhdao", "demo1234", Role.LEADER)
    view = DossierDetailView(ctx, leader)
    qtbot.add_widget(view)
    with qtbot.wait_signal(view.loaded, timeout=10000):
        view.load(code)
    view.start_action(ACTIONS_BY_KEY["apology"])
    assert view.dialog is not None and view.dialog.approver.text() == "lanhdao"


def test_a_second_supplement_request_asks_first(
    qtbot: QtBot, detail: DossierDetailView, ctx: AppContext, code: str, clerk: Actor
) -> None:
    detail.start_action(ACTIONS_BY_KEY["supplement"])
    assert detail.confirm_box is None and detail.dialog is not None  # the first: no question
    detail.dialog.reject()
    move(ctx, code, Status.SUPPLEMENT, clerk, "Thiếu tờ khai")
    move(ctx, code, Status.PROCESSING, clerk)
    with qtbot.wait_signal(detail.loaded, timeout=10000):
        detail.load(code)
    detail.dialog = None
    detail.start_action(ACTIONS_BY_KEY["supplement"])
    box = detail.confirm_box
    assert box is not None and box.isVisible()
    assert "Yêu cầu bổ sung lần 2 sẽ tính hồ sơ là trễ hạn" in box.text()
    assert detail.dialog is None
    box.button(QMessageBox.StandardButton.No).click()
    qtbot.wait_until(lambda: not box.isVisible())
    assert detail.dialog is None  # declined: no form, nothing sent
    detail.start_action(ACTIONS_BY_KEY["supplement"])
    assert detail.confirm_box is not None
    detail.confirm_box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.wait_until(lambda: detail.dialog is not None)
    assert detail.dialog is not None
    detail.dialog.items.setPlainText("Bản sao sổ hộ khẩu")
    with qtbot.wait_signal(detail.action_done, timeout=10000):
        detail.dialog.submit()
    stored = get_dossier(ctx, code)
    assert stored.supplement_count == 2 and stored.events[-1].data["second_supplement"] is True


def test_required_fields_and_refused_moves_show_messages(
    qtbot: QtBot, detail: DossierDetailView, ctx: AppContext, code: str, clerk: Actor
) -> None:
    detail.start_action(ACTIONS_BY_KEY["refuse"])
    dialog = detail.dialog
    assert dialog is not None
    dialog.submit()
    assert "Lý do" in dialog.message.text()
    assert dialog.given is None
    dialog.reject()
    add_user(ctx, "lanhdao", "demo1234", Role.LEADER)
    detail.start_action(ACTIONS_BY_KEY["apology"])
    assert detail.dialog is not None
    detail.dialog.new_date.setDate(detail.dialog.new_date.date().addDays(-5))
    detail.dialog.reason.setPlainText("Chậm")
    detail.dialog.submit()
    # The service's rules: the date is refused there, and the view says why in one line.
    qtbot.wait_until(lambda: bool(detail.message.text()))
    assert "lãnh đạo" in detail.message.text()  # a clerk without an approver
    detail.message.clear()
    detail.start_action(ACTIONS_BY_KEY["apology"])
    assert detail.dialog is not None
    detail.dialog.new_date.setDate(detail.dialog.new_date.date().addDays(-5))
    detail.dialog.reason.setPlainText("Chậm")
    detail.dialog.approver.setText("lanhdao")
    detail.dialog.submit()
    qtbot.wait_until(lambda: bool(detail.message.text()))
    assert "sau hôm nay" in detail.message.text()
    detail.message.clear()
    # Someone else ends the dossier meanwhile: the service refuses, the view says why.
    move(ctx, code, Status.WITHDRAWN, clerk, "Rút")
    detail.start_action(ACTIONS_BY_KEY["process"])
    assert detail.dialog is not None
    detail.dialog.submit()
    qtbot.wait_until(lambda: bool(detail.message.text()))
    assert "Không thể chuyển hồ sơ" in detail.message.text()


def test_available_actions_follow_the_lifecycle() -> None:
    assert [a.key for a in available_actions(Status.RETURNED)] == []
    assert "return" in [a.key for a in available_actions(Status.RESOLVED)]
    assert "apology" not in [a.key for a in available_actions(Status.RESOLVED)]


def test_print_and_scan_buttons_open_the_other_screens(
    qtbot: QtBot, detail: DossierDetailView
) -> None:
    from ui.print_preview import PrintPreviewDialog
    from ui.scan_view import ScanView

    detail.print_button.click()
    preview = detail.findChild(PrintPreviewDialog)
    assert preview is not None
    preview.close()
    detail.scan_button.click()
    assert detail.findChild(ScanView) is not None
