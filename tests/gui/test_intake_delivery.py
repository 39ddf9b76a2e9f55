"""The intake screen asks how the result is taken, at no keystroke by default."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt

from counter_app.domain.lifecycle import Delivery, Role
from counter_app.kernel.context import AppContext
from counter_app.kernel.dossier_store import get_dossier
from counter_app.kernel.users import add_user
from ui.intake_view import IntakeView


def _logged(qtbot: QtBot, view: IntakeView) -> str:
    view.picker.search.setText("1.001193")
    view.picker.search.setFocus()
    qtbot.keyClick(view.picker.search, Qt.Key.Key_Return)
    assert view.procedure is not None, view.error_label.text()
    view.applicant.organisation.setChecked(True)
    view.applicant.name.setText("Công ty TNHH Biển Xanh")
    view.applicant.tax_code.setText("4201234567")
    view.guidance.reason.setCurrentIndex(view.guidance.reason.findData("prefers_paper"))
    with qtbot.wait_signal(view.dossier_logged, timeout=10000) as logged:
        view.submit()
        assert not view.error_label.text(), view.error_label.text()
    return str(logged.args[0].code)


def test_the_result_delivery_defaults_by_channel_and_can_be_chosen(
    qtbot: QtBot, ctx: AppContext
) -> None:
    clerk = add_user(ctx, "tiepnhan1", "demo1234", Role.CLERK, "Nguyễn Thị Mỹ Linh")
    view = IntakeView(ctx, clerk)
    qtbot.add_widget(view)
    view.show()
    assert view.delivery.currentIndex() == 0 and view.result_delivery() is None
    first = _logged(qtbot, view)
    assert get_dossier(ctx, first).result_delivery == Delivery.COUNTER.value
    assert view.delivery.currentIndex() == 0  # ready for the next citizen

    view.delivery.setCurrentIndex(view.delivery.findData(Delivery.POST.value))
    second = _logged(qtbot, view)
    assert get_dossier(ctx, second).result_delivery == Delivery.POST.value
