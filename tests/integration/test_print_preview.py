"""The print preview dialog: a draft on screen, a final print to a real (PDF) printer, recorded."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from PySide6.QtPrintSupport import QPrinter

from counter_app.documents.receipt_qr import load_or_create_key, qr_texts_in_file, verify_texts
from counter_app.documents.templates import FormKind
from counter_app.domain.applicants import Person
from counter_app.domain.lifecycle import EventKind
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.kernel.dossier_store import get_dossier
from counter_app.kernel.users import SYSTEM_ACTOR
from ui.errors import set_dialogs_enabled
from ui.print_preview import PrintPreviewDialog
from ui.tasks import default_runner

pytestmark = [
    pytest.mark.gui,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils"),
]


@pytest.fixture(autouse=True)
def _quiet(qapp) -> Iterator[None]:
    set_dialogs_enabled(False)
    yield
    default_runner().wait_idle()
    set_dialogs_enabled(True)


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_preview_is_a_draft_and_printing_records_an_event(ctx, qtbot, tmp_path):
    person = Person(name="Lê Thị Hồng Nhung", id_number="056190054321")
    dossier = intake(ctx, IntakeRequest("1.000894", person), SYSTEM_ACTOR)
    dialog = PrintPreviewDialog(ctx, SYSTEM_ACTOR, FormKind.RECEIPT, dossier.code)
    qtbot.add_widget(dialog)
    with qtbot.wait_signal(dialog.rendered, timeout=20000) as shown:
        pass
    assert shown.args[0].paper == "A5"
    assert dialog.document.pageCount() == 2
    assert "NHÁP" in dialog.draft_label.text()

    with qtbot.wait_signal(dialog.rendered, timeout=20000) as again:
        dialog.paper_box.setCurrentText("A4")
    assert again.args[0].paper == "A4"

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    output = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(output))
    dialog.copies_box.setValue(2)
    with qtbot.wait_signal(dialog.printed, timeout=30000) as printed:
        dialog.print_to(printer)
    event = printed.args[0]
    assert event.kind == EventKind.PRINTED.value
    assert event.data["form"] == "receipt" and event.data["copies"] == 2
    assert event.data["paper"] == "A4"
    assert output.stat().st_size > 0
    history = get_dossier(ctx, dossier.code).events
    assert [e.kind for e in history].count(EventKind.PRINTED.value) == 1


def test_unknown_dossier_shows_an_error_and_keeps_print_disabled(ctx, qtbot):
    dialog = PrintPreviewDialog(ctx, SYSTEM_ACTOR, FormKind.RECEIPT, "000.00.22.H56-260302-9999")
    qtbot.add_widget(dialog)
    default_runner().wait_idle()
    qtbot.wait(50)
    assert not dialog.print_button.isEnabled()
    assert dialog.draft is None


def test_the_receipt_preview_offers_the_80_mm_slip(ctx, qtbot, tmp_path):
    from pypdf import PdfReader

    person = Person(name="Võ Thị Thu Hương", id_number="056190055555")
    dossier = intake(ctx, IntakeRequest("1.000894", person), SYSTEM_ACTOR)
    plain = PrintPreviewDialog(ctx, SYSTEM_ACTOR, FormKind.RECEIPT, dossier.code)
    qtbot.add_widget(plain)
    assert plain.slip_box.isHidden()  # other papers built on the dialog do not offer it
    dialog = PrintPreviewDialog(ctx, SYSTEM_ACTOR, FormKind.RECEIPT, dossier.code, offer_slip=True)
    qtbot.add_widget(dialog)
    with qtbot.wait_signal(dialog.rendered, timeout=20000):
        pass
    with qtbot.wait_signal(dialog.rendered, timeout=20000):
        dialog.paper_box.setCurrentText("A4")
    with qtbot.wait_signal(dialog.rendered, timeout=20000) as shown:
        dialog.slip_box.setChecked(True)
    assert shown.args[0].kind is FormKind.SLIP and shown.args[0].paper == "80mm"
    assert dialog.document.pageCount() == 1 and not dialog.paper_box.isEnabled()

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    output = tmp_path / "slip.pdf"
    printer.setOutputFileName(str(output))
    with qtbot.wait_signal(dialog.printed, timeout=30000) as printed:
        dialog.print_to(printer)
    event = printed.args[0]
    assert event.data["form"] == "slip" and event.data["paper"] == "80mm"
    [page] = PdfReader(output).pages
    assert float(page.mediabox.width) == pytest.approx(80 * 72 / 25.4, abs=1)
    # What reached the printer is a picture of the slip; its QR is the receipt's, still valid.
    texts = qr_texts_in_file(output)
    key = load_or_create_key(ctx.data_dir).public_key()
    assert verify_texts(texts, key).code == dossier.code

    with qtbot.wait_signal(dialog.rendered, timeout=20000) as back:
        dialog.slip_box.setChecked(False)  # back to form 01, on its own paper again
    assert back.args[0].kind is FormKind.RECEIPT and dialog.paper_box.isEnabled()
