"""The receipt check page: a scanned receipt PDF, a QR typed by the 2D reader, a forgery."""

from __future__ import annotations

import io
from pathlib import Path

import img2pdf
import pypdfium2
import pytest
from PIL import Image
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from counter_app.documents.forms import render_form
from counter_app.documents.templates import FormKind
from counter_app.domain.applicants import Person
from counter_app.domain.lifecycle import Status
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import SYSTEM_ACTOR
from ui.pages import load_plugins, registered_pages
from ui.receipt_verify import ReceiptVerifyView


def receipt(ctx: AppContext) -> tuple[str, bytes, str]:
    person = Person(name="Đặng Thị Thu Hà", id_number="056190054321")
    code = intake(ctx, IntakeRequest("1.000894", person), SYSTEM_ACTOR).code
    rendered = render_form(ctx, FormKind.RECEIPT, code)
    assert rendered.qr_payload is not None
    return code, rendered.pdf, rendered.qr_payload


def scanned(pdf: bytes) -> bytes:
    document = pypdfium2.PdfDocument(pdf)
    image = document[0].render(scale=200 / 72, grayscale=True).to_pil().convert("L")
    document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(200, 200))
    return bytes(img2pdf.convert(buffer.getvalue()))


@pytest.fixture
def view(qtbot: QtBot, ctx: AppContext) -> ReceiptVerifyView:
    widget = ReceiptVerifyView(ctx)
    qtbot.add_widget(widget)
    widget.show()
    return widget


def test_the_page_is_registered() -> None:
    load_plugins()
    assert "receipt_verify" in [page.key for page in registered_pages()]


def test_a_scanned_pdf_opened_from_the_file_dialog_is_valid(
    qtbot: QtBot,
    view: ReceiptVerifyView,
    ctx: AppContext,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, pdf, _payload = receipt(ctx)
    path = tmp_path / "giấy hẹn.pdf"
    path.write_bytes(scanned(pdf))
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *args: (str(path), "PDF"))
    )
    with qtbot.wait_signal(view.checked, timeout=20000) as checked:
        view.open_button.click()
    assert checked.args[0].valid
    assert "HỢP LỆ" in view.verdict.text()
    assert view.code.text() == code
    assert view.status.text() == Status.RECEIVED.label
    assert view.received.text() != "" and view.due.text() != ""


def test_the_2d_reader_types_the_qr_and_a_forgery_is_refused(
    qtbot: QtBot, view: ReceiptVerifyView, ctx: AppContext, keys: object
) -> None:
    code, _pdf, payload = receipt(ctx)
    view.qr_text.setFocus()
    keys.type_text(view.qr_text, payload)  # type: ignore[attr-defined]
    with qtbot.wait_signal(view.checked, timeout=20000):
        qtbot.keyClick(view.qr_text, Qt.Key.Key_Return)  # readers end with Enter
    assert view.code.text() == code

    forged = payload.replace("dv=", "dv=X")
    view.qr_text.setText(forged)
    with qtbot.wait_signal(view.checked, timeout=20000) as checked:
        view.check_button.click()
    assert not checked.args[0].valid
    assert "KHÔNG HỢP LỆ" in view.verdict.text()
    assert "chưa được xác thực" in view.code.text()
    assert view.status.text() == ""


def test_a_file_without_qr_gives_one_line(
    qtbot: QtBot, view: ReceiptVerifyView, tmp_path: Path
) -> None:
    blank = io.BytesIO()
    Image.new("L", (600, 800), 255).save(blank, format="PNG")
    path = tmp_path / "trắng.pdf"
    path.write_bytes(img2pdf.convert(blank.getvalue()))
    view.check_file(path)
    qtbot.waitUntil(lambda: view.open_button.isEnabled(), timeout=20000)
    assert "QR" in view.verdict.text() and path.name in view.verdict.text()
    assert len(view.verdict.text().splitlines()) == 1
    assert view.code.text() == ""
