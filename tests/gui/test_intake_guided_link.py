"""The guidance session on the intake screen: reached by Tab after the confirm button, and an
"assisted" session pre-linked to the assisted dossier just taken for the same procedure."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from counter_app.domain.lifecycle import Channel, Role
from counter_app.guidance.sessions import GuidanceRecord
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import add_user
from counter_app.reports.guidance import guidance_figures
from ui.intake_view import IntakeView

pytestmark = pytest.mark.gui
KHAI_SINH = "1.001193"  # free, can be filed online
KET_HON = "1.004222"  # can be filed online
QR = (
    "056090001234|225123456|Nguyễn Văn Đức|15031990|Nam|"
    "Tổ 5, Phường Bắc Nha Trang, Khánh Hòa|01072021"
)


@pytest.fixture
def view(qtbot: QtBot, ctx: AppContext) -> IntakeView:
    clerk = add_user(ctx, "tiepnhan1", "demo1234", Role.CLERK, "Nguyễn Thị Mỹ Linh")
    widget = IntakeView(ctx, clerk)
    qtbot.add_widget(widget)
    widget.show()
    widget.activateWindow()
    qtbot.wait_exposed(widget)
    return widget


def focused() -> QWidget | None:
    return QApplication.focusWidget()


def tab_path(qtbot: QtBot, start: QWidget, steps: int) -> list[QWidget | None]:
    start.setFocus()
    qtbot.wait_until(lambda: focused() is start)
    path: list[QWidget | None] = []
    for _step in range(steps):
        widget = focused()
        assert widget is not None
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
        path.append(focused())
    return path


def take_assisted(qtbot: QtBot, view: IntakeView, procedure: str, portal: str) -> str:
    view.choose_procedure(view.ctx.catalog.get(procedure))
    view.applicant.wedge.feed(QR)
    view.applicant.finish_wedge()
    view.channel.setCurrentIndex(view.channel.findData(Channel.ASSISTED))
    view.portal_code.setText(portal)
    with qtbot.wait_signal(view.dossier_logged, timeout=10000) as logged:
        view.submit()
    return str(logged.args[0].code)


def record(qtbot: QtBot, view: IntakeView) -> GuidanceRecord:
    with qtbot.wait_signal(view.guidance.guided, timeout=10000) as guided:
        view.guidance.guided_button.click()
    result = guided.args[0]
    assert isinstance(result, GuidanceRecord)
    return result


def test_tab_goes_from_the_paper_reason_to_confirm_then_through_the_session(
    qtbot: QtBot, view: IntakeView
) -> None:
    guidance = view.guidance
    view.choose_procedure(view.ctx.catalog.get(KHAI_SINH))
    path = tab_path(qtbot, guidance.reason, 4)
    # No dossier to link and no reason asked for "assisted": those stay out of the way.
    assert path == [view.confirm, guidance.outcome, guidance.guided_button, guidance.print_button]

    guidance.outcome.setCurrentIndex(guidance.outcome.findData("could_not"))
    guidance.guided_reason.setCurrentIndex(guidance.guided_reason.findData("other"))
    path = tab_path(qtbot, view.confirm, 4)
    assert path == [
        guidance.outcome,
        guidance.guided_reason,
        guidance.guided_reason_text,
        guidance.guided_button,
    ]
    # Shift+Tab walks back the same way.
    guidance.guided_button.setFocus()
    qtbot.wait_until(lambda: focused() is guidance.guided_button)
    qtbot.keyClick(guidance.guided_button, Qt.Key.Key_Backtab)
    assert focused() is guidance.guided_reason_text


def test_assisted_dossier_just_taken_is_pre_linked_and_linked_once(
    qtbot: QtBot, view: IntakeView, ctx: AppContext
) -> None:
    code = take_assisted(qtbot, view, KHAI_SINH, "G22.104-260302-0001")
    guidance = view.guidance
    # The form is cleared for the next citizen: the clerk picks the procedure again.
    assert not guidance.link_box.isVisibleTo(view)
    view.choose_procedure(ctx.catalog.get(KHAI_SINH))
    assert guidance.outcome.currentData() == "assisted"
    assert guidance.link_box.isVisibleTo(view) and guidance.link_box.isChecked()
    assert code in guidance.link_box.text()
    path = tab_path(qtbot, view.confirm, 3)
    assert path == [guidance.outcome, guidance.link_box, guidance.guided_button]

    linked = record(qtbot, view)
    assert linked.dossier_code == code and linked.outcome.value == "assisted"
    assert code in guidance.guidance_status.text()
    day = ctx.clock().date()
    assert guidance_figures(ctx, day, day).linked_dossiers == 1
    # A dossier is the result of one session: nothing is offered any more.
    assert not guidance.link_box.isVisibleTo(view)
    assert record(qtbot, view).dossier_code is None
    assert guidance_figures(ctx, day, day).linked_dossiers == 1


def test_the_clerk_can_record_without_the_link(
    qtbot: QtBot, view: IntakeView, ctx: AppContext
) -> None:
    code = take_assisted(qtbot, view, KHAI_SINH, "G22.104-260302-0002")
    view.choose_procedure(ctx.catalog.get(KHAI_SINH))
    guidance = view.guidance
    guidance.link_box.setFocus()
    qtbot.keyClick(guidance.link_box, Qt.Key.Key_Space)  # untick from the keyboard
    assert not guidance.link_box.isChecked()
    assert record(qtbot, view).dossier_code is None
    # Still offered (ticked again) for the next "assisted" session of the procedure.
    view.choose_procedure(ctx.catalog.get(KHAI_SINH))
    assert guidance.link_box.isChecked() and code in guidance.link_box.text()


def test_no_link_for_another_procedure_another_outcome_or_a_paper_dossier(
    qtbot: QtBot, view: IntakeView, ctx: AppContext
) -> None:
    take_assisted(qtbot, view, KHAI_SINH, "G22.104-260302-0003")
    guidance = view.guidance
    view.choose_procedure(ctx.catalog.get(KET_HON))
    assert guidance.outcome.currentData() == "assisted"
    assert not guidance.link_box.isVisibleTo(view) and guidance.linked_dossier() is None
    assert record(qtbot, view).dossier_code is None

    view.choose_procedure(ctx.catalog.get(KHAI_SINH))
    guidance.outcome.setCurrentIndex(guidance.outcome.findData("at_home"))
    assert not guidance.link_box.isVisibleTo(view)
    at_home = record(qtbot, view)
    assert (at_home.outcome.value, at_home.dossier_code) == ("at_home", None)


def test_a_paper_dossier_offers_nothing(qtbot: QtBot, view: IntakeView, ctx: AppContext) -> None:
    view.choose_procedure(ctx.catalog.get(KHAI_SINH))
    view.applicant.wedge.feed(QR)
    view.applicant.finish_wedge()
    view.guidance.reason.setCurrentIndex(view.guidance.reason.findData("elderly"))
    with qtbot.wait_signal(view.dossier_logged, timeout=10000):
        view.submit()
    view.choose_procedure(ctx.catalog.get(KHAI_SINH))
    assert view.guidance.offered_dossier() is None
    assert not view.guidance.link_box.isVisibleTo(view)
