"""The 80 mm thermal receipt slip: a real PDF read back, its QR decoded at a thermal head's
resolution and verified, long text kept inside the 72 mm printable width."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader
from unit.test_forms import assert_within_pages, pdf_text, words_with_boxes

from counter_app.cli import main
from counter_app.documents import receipt_qr
from counter_app.documents.forms import FormOptions, render_form
from counter_app.documents.layout import PageSetup
from counter_app.documents.templates import FormKind
from counter_app.domain.applicants import Person
from counter_app.domain.lifecycle import EventKind
from counter_app.dossiers.service import FeeLine, IntakeRequest, intake
from counter_app.errors import ConfigError, ValidationError
from counter_app.kernel.config import FormsConfig
from counter_app.kernel.dossier_store import get_dossier
from counter_app.kernel.users import SYSTEM_ACTOR

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="needs poppler-utils",
)

MM = 72 / 25.4
ROLL_WIDTH = 80 * MM
PRINTABLE_MM = 72
THERMAL_DPI = 203  # the common 8-dots-a-millimetre head
LOOKUP = "https://tra-cuu.example.vn/ho-so"
PERSON = Person(name="Đặng Thị Ngọc Hằng", id_number="056190077777", phone="0905111222")
FEE = FeeLine("Lệ phí chứng thực", 2000, "tiền mặt")


@pytest.fixture
def code(ctx) -> str:
    return intake(ctx, IntakeRequest("1.000894", PERSON, fees=(FEE,)), SYSTEM_ACTOR).code


def with_settings(ctx, forms=None, **settings):
    """The office's settings changed: `forms` the whole print table, by its members."""
    if forms is not None:
        settings["forms"] = FormsConfig(**forms)
    ctx.config = replace(ctx.config, **settings)
    return ctx


def page_boxes(pdf: bytes, tmp_path: Path) -> list[tuple[float, float]]:
    path = tmp_path / "slip.pdf"
    path.write_bytes(pdf)
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(path).pages]


def rasterise(pdf: bytes, tmp_path: Path, dpi: int) -> Path:
    source = tmp_path / "slip-scan.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", str(source), str(tmp_path / "s")], check=True
    )
    return sorted(tmp_path.glob("s-*.png"))[0]


def test_slip_prints_every_field_on_one_80_mm_page(ctx, code, tmp_path):
    with_settings(ctx, public_status_url=LOOKUP, forms={"phone": "0258 3822 123"})
    rendered = render_form(ctx, FormKind.SLIP, code)
    dossier = get_dossier(ctx, code)
    assert rendered.kind is FormKind.SLIP and rendered.paper == "80mm"
    [(width, height)] = page_boxes(rendered.pdf, tmp_path)  # one page: the roll is cut once
    assert width == pytest.approx(ROLL_WIDTH, abs=0.1)
    assert 60 * MM < height < 250 * MM  # as long as the content, not a sheet
    text = pdf_text(rendered.pdf, tmp_path)
    received = dossier.received_at
    due = dossier.due_at
    assert due is not None
    for expected in (
        "UBND PHƯỜNG BẮC NHA TRANG",
        "GIẤY TIẾP NHẬN",
        code,
        dossier.procedure_name,
        "Người nộp: Đặng Thị Ngọc Hằng",
        f"Tiếp nhận lúc: {received:%H:%M %d/%m/%Y}",
        f"Hẹn trả kết quả: {due:%H:%M %d/%m/%Y}",
        "Phí, lệ phí: 2.000 đồng",
        "đã nộp",
        f"quét mã QR hoặc vào {LOOKUP}",
        "Điện thoại: 0258 3822 123",
        "không thay Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    ):
        assert expected in text, expected
    # Printable width: nothing drawn in the 4 mm the head cannot reach on either side.
    for _page, right, _bottom, word in words_with_boxes(rendered.pdf, tmp_path):
        assert right <= -4 * MM + 0.5, word


def test_slip_qr_is_the_receipts_signed_qr_and_verifies(ctx, code, data_dir, tmp_path, capsys):
    with_settings(ctx, public_status_url=LOOKUP)
    slip = render_form(ctx, FormKind.SLIP, code)
    receipt = render_form(ctx, FormKind.RECEIPT, code)
    assert slip.qr_payload is not None and slip.qr_payload == receipt.qr_payload
    image = rasterise(slip.pdf, tmp_path, THERMAL_DPI)
    assert receipt_qr.qr_texts_in_file(image) == [slip.qr_payload]
    # `receipt verify` on the scan, with the office key of the data directory.
    pdf = tmp_path / "slip.pdf"
    status = main(["print", "slip", code, "--pdf", str(pdf), "--data-dir", str(data_dir), "--json"])
    out = capsys.readouterr().out
    assert status == 0
    assert json.loads(out)["paper"] == "80mm" and json.loads(out)["form"] == "slip"
    cli_dir = tmp_path / "cli"
    cli_dir.mkdir()
    scan = rasterise(pdf.read_bytes(), cli_dir, THERMAL_DPI)
    assert main(["receipt", "verify", str(scan), "--data-dir", str(data_dir), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["code"] == code
    printed = [e for e in get_dossier(ctx, code).events if e.kind == EventKind.PRINTED.value]
    assert printed[-1].data["form"] == "slip" and printed[-1].data["paper"] == "80mm"
    assert printed[-1].data["medium"] == "pdf"


def test_long_names_wrap_inside_the_width_and_lengthen_the_slip(ctx, tmp_path):
    longest = max(ctx.catalog.procedures, key=lambda p: len(p.name))
    assert len(longest.name) > 150
    long_name = " ".join(["Nguyễn Hoàng Phương Thảo"] * 25)[:500]
    person = Person(name=long_name, id_number="056190012345")
    short = intake(ctx, IntakeRequest("1.000894", PERSON), SYSTEM_ACTOR)
    long = intake(ctx, IntakeRequest(longest.code, person, fees=(FEE,)), SYSTEM_ACTOR)
    short_slip = render_form(ctx, FormKind.SLIP, short.code)
    long_slip = render_form(ctx, FormKind.SLIP, long.code)
    assert_within_pages(long_slip.pdf, tmp_path)
    for _page, right, _bottom, word in words_with_boxes(long_slip.pdf, tmp_path):
        assert right <= -4 * MM + 0.5, word
    [(_w, short_height)] = page_boxes(short_slip.pdf, tmp_path)
    [(_w, long_height)] = page_boxes(long_slip.pdf, tmp_path)  # still one page, only longer
    assert long_height > short_height + 20 * MM
    text = pdf_text(long_slip.pdf, tmp_path)
    assert longest.name.split()[-1] in text and "Nguyễn Hoàng Phương Thảo" in text
    assert long.code in text


def test_optional_lines_are_left_out_not_printed_blank(ctx, code, tmp_path):
    text = pdf_text(render_form(ctx, FormKind.SLIP, code).pdf, tmp_path)
    assert "Tra cứu bằng mã hồ sơ tại Bộ phận Một cửa" in text
    assert "quét mã QR hoặc vào" not in text and "Điện thoại:" not in text
    assert "…" not in text  # no blank left for a hand that will never fill a thermal slip


def test_draft_slip_is_marked_and_not_recorded(ctx, code, data_dir, tmp_path, capsys):
    pdf = tmp_path / "draft.pdf"
    argv = ["print", "slip", code, "--pdf", str(pdf), "--draft", "--data-dir", str(data_dir)]
    assert main(argv) == 0
    capsys.readouterr()
    assert "BẢN NHÁP" in pdf_text(pdf.read_bytes(), tmp_path)
    assert not [e for e in get_dossier(ctx, code).events if e.kind == EventKind.PRINTED.value]


def test_bad_input(ctx, code, data_dir, tmp_path, capsys):
    with pytest.raises(ValidationError):
        FormKind.parse("thermal")
    with pytest.raises(ConfigError):
        PageSetup.parse("80mm-landscape")
    with pytest.raises(ConfigError):
        render_form(ctx, FormKind.SLIP, code, FormOptions(paper="57mm"))
    pdf = tmp_path / "none.pdf"
    assert main(["print", "slip", "--pdf", str(pdf), "--data-dir", str(data_dir)]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and not pdf.exists()
    assert main(["print", "slip", "NO-SUCH", "--pdf", str(pdf), "--data-dir", str(data_dir)]) == 1
    assert not pdf.exists()


def test_an_office_setting_chooses_the_slip_paper(ctx, code, tmp_path):
    with_settings(ctx, forms={"paper": "A4", "slip_paper": "A6"})
    slip = render_form(ctx, FormKind.SLIP, code)
    assert slip.paper == "A6"  # the A4 of the other forms does not apply to the slip
    with_settings(ctx, forms={"paper": "A4"})
    assert render_form(ctx, FormKind.SLIP, code).paper == "80mm"
    assert render_form(ctx, FormKind.RECEIPT, code).paper == "A4"
