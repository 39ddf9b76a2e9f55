"""The guidance panel's 'Đã hướng dẫn nộp trực tuyến' and 'In hướng dẫn' buttons (pytest-qt)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter

from counter_app.domain.lifecycle import Role
from counter_app.domain.text import nfc
from counter_app.kernel.users import Actor
from counter_app.reports.guidance import guidance_figures
from ui.bus import bus
from ui.guidance_panel import GuidancePanel
from ui.tasks import default_runner

pytestmark = pytest.mark.gui
CLERK = Actor("tiepnhan1", "Lê Thị Hoa", Role.CLERK)
KET_HON = "1.004222"
NOT_ONLINE = "2.000815"
A5_POINTS = (419.5, 595.3)


@pytest.fixture
def panel(qtbot, ctx) -> GuidancePanel:
    widget = GuidancePanel(ctx.catalog, ctx.data_dir, ctx=ctx, actor=CLERK)
    qtbot.add_widget(widget)
    widget.show()
    widget.set_procedure(KET_HON, date(2026, 3, 2))
    return widget


def today_figures(ctx):
    day = ctx.clock().date()
    return guidance_figures(ctx, day, day)


def test_guided_is_recorded_from_the_keyboard_with_a_status_line(panel, qtbot, ctx) -> None:
    bus().listen()
    assert panel.guided_button.isVisible() and not panel.guided_reason.isVisible()
    panel.outcome.setFocus()
    qtbot.keyClick(panel.outcome, Qt.Key.Key_Down)  # assisted → at_home
    assert panel.outcome.currentData() == "at_home"
    assert "&h" in panel.guided_button.text()  # Alt+H
    panel.guided_button.setFocus()
    with (
        qtbot.wait_signal(panel.guided, timeout=10000) as guided,
        qtbot.wait_signal(bus().notice, timeout=10000) as notice,
    ):
        qtbot.keyClick(panel.guided_button, Qt.Key.Key_Space)
    record = guided.args[0]
    assert (record.procedure_code, record.outcome.value, record.clerk) == (
        KET_HON,
        "at_home",
        "tiepnhan1",
    )
    assert KET_HON in panel.guidance_status.text()
    assert notice.args == ["info", panel.guidance_status.text()]
    assert today_figures(ctx).by_outcome["at_home"] == 1


def test_could_not_needs_a_reason_and_says_so_in_one_line(panel, qtbot, ctx) -> None:
    panel.outcome.setCurrentIndex(panel.outcome.findData("could_not"))
    assert panel.guided_reason.isVisible() and not panel.guided_reason_text.isVisible()
    panel.guided_button.click()
    qtbot.wait_until(lambda: panel.guidance_status.text() != "", timeout=10000)
    assert "lý do" in panel.guidance_status.text() and "\n" not in panel.guidance_status.text()
    assert today_figures(ctx).guided == 0

    panel.guided_reason.setCurrentIndex(panel.guided_reason.findData("other"))
    assert panel.guided_reason_text.isVisible()
    panel.guided_reason_text.setText("Quên mật khẩu VNeID")
    with qtbot.wait_signal(panel.guided, timeout=10000) as guided:
        panel.guided_button.click()
    assert guided.args[0].reason == "other: Quên mật khẩu VNeID"
    assert today_figures(ctx).could_not_reasons["other"] == 1


def test_a_procedure_without_online_filing_offers_only_the_sheet(panel) -> None:
    panel.set_procedure(NOT_ONLINE, date(2026, 3, 2))
    assert not panel.guided_button.isVisible() and panel.print_button.isVisible()
    panel.clear()
    assert not panel.print_button.isVisible()


def test_without_a_context_the_buttons_are_hidden(qtbot, ctx) -> None:
    bare = GuidancePanel(ctx.catalog, ctx.data_dir)
    qtbot.add_widget(bare)
    bare.show()
    bare.set_procedure(KET_HON, date(2026, 3, 2))
    assert not bare.guided_button.isVisible() and not bare.print_button.isVisible()
    assert bare.print_sheet() is None


def test_print_sheet_previews_and_prints_the_a5_guide(panel, qtbot, tmp_path: Path) -> None:
    with qtbot.wait_signal(panel.print_button.clicked):
        qtbot.keyClick(panel.print_button, Qt.Key.Key_Space)
    preview = panel.sheet_preview
    assert preview is not None
    qtbot.wait_until(lambda: preview.sheet is not None, timeout=20000)
    text = nfc(PdfReader(io.BytesIO(preview.sheet)).pages[0].extract_text())
    assert "HƯỚNG DẪN NỘP HỒ SƠ TRỰC TUYẾN" in text and KET_HON in text
    assert preview.document.pageCount() == 1
    assert KET_HON in preview.windowTitle()

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    output = tmp_path / "sheet.pdf"
    printer.setOutputFileName(str(output))
    with qtbot.wait_signal(preview.printed, timeout=20000) as printed:
        preview.print_to(printer)
    assert printed.args == [None]
    printed_pdf = PdfReader(output)
    assert len(printed_pdf.pages) == 1
    box = printed_pdf.pages[0].mediabox
    assert (round(float(box.width), 1), round(float(box.height), 1)) == pytest.approx(
        A5_POINTS, abs=1.0
    )
    default_runner().wait_idle()
