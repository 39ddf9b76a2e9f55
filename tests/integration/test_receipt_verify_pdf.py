"""A receipt read back from a PDF (as printed, or scanned to an image-only PDF) and checked."""

from __future__ import annotations

import io
from pathlib import Path

import img2pdf
import pypdfium2
import pytest
import segno
from PIL import Image

from counter_app.cli import main
from counter_app.documents.forms import render_form
from counter_app.documents.receipt_qr import (
    check_receipt,
    load_or_create_key,
    parse_payload,
    verify_image,
)
from counter_app.documents.templates import FormKind
from counter_app.domain.applicants import Person
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.errors import ValidationError
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.scanning.samples import text_page


def receipt(ctx: AppContext) -> tuple[str, bytes, str]:
    person = Person(name="Trần Thị Bích Ngọc", id_number="056190054321")
    code = intake(ctx, IntakeRequest("1.000894", person), SYSTEM_ACTOR).code
    rendered = render_form(ctx, FormKind.RECEIPT, code)
    assert rendered.qr_payload is not None
    return code, rendered.pdf, rendered.qr_payload


def scanned_pdf(pdf: bytes, dpi: int = 200) -> bytes:
    """The first page as a grey image-only PDF, as an office scanner saves it."""
    document = pypdfium2.PdfDocument(pdf)
    image = document[0].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70, dpi=(dpi, dpi))
    return bytes(img2pdf.convert(buffer.getvalue()))


def qr_pdf(text: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=5, border=4)
    page = Image.new("L", (1240, 1754), 255)
    page.paste(Image.open(io.BytesIO(buffer.getvalue())).convert("L"), (800, 150))
    out = io.BytesIO()
    page.save(out, format="PNG", dpi=(150, 150))
    return bytes(img2pdf.convert(out.getvalue()))


def test_printed_and_scanned_receipt_pdfs_verify(ctx: AppContext, tmp_path: Path) -> None:
    code, pdf, payload = receipt(ctx)
    key = load_or_create_key(ctx.data_dir).public_key()
    printed = tmp_path / "giấy tiếp nhận.pdf"
    printed.write_bytes(pdf)
    assert verify_image(printed, key).code == code
    scanned = tmp_path / "scan.pdf"
    scanned.write_bytes(scanned_pdf(pdf))
    claim = verify_image(scanned, key)
    assert claim == parse_payload(payload).claim

    check = check_receipt(ctx, path=scanned)
    assert check.valid and check.problem == ""
    assert check.claim is not None and check.claim.code == code
    assert check.status == "received"


def test_tampered_payload_is_invalid_but_its_claim_is_shown(
    ctx: AppContext, tmp_path: Path
) -> None:
    code, _pdf, payload = receipt(ctx)
    other = code[:-1] + ("2" if code[-1] != "2" else "3")
    forged = payload.replace(f"ma={code}", f"ma={other}")
    check = check_receipt(ctx, text=forged)
    assert not check.valid
    assert "Chữ ký" in check.problem
    assert check.claim is not None and check.claim.code == other
    assert check.status is None  # a forged receipt says nothing about the database

    forged_pdf = tmp_path / "forged.pdf"
    forged_pdf.write_bytes(qr_pdf(forged))
    with pytest.raises(ValidationError, match="Chữ ký"):
        verify_image(forged_pdf, load_or_create_key(ctx.data_dir).public_key())
    assert check_receipt(ctx, text=payload).valid


@pytest.mark.parametrize("case", ["no qr", "other qr", "not a pdf", "empty text"])
def test_what_is_not_a_receipt_says_so_in_one_line(
    ctx: AppContext, tmp_path: Path, case: str
) -> None:
    path = tmp_path / "x.pdf"
    if case == "no qr":
        out = io.BytesIO()
        text_page(150, seed=3).save(out, format="PNG", dpi=(150, 150))
        path.write_bytes(img2pdf.convert(out.getvalue()))
    elif case == "other qr":
        path.write_bytes(qr_pdf("https://dichvucong.gov.vn"))
    elif case == "not a pdf":
        path.write_bytes(b"%PDF-1.7 broken")
    if case == "empty text":
        with pytest.raises(ValidationError):
            check_receipt(ctx, text="  ")
        return
    if case == "other qr":
        check = check_receipt(ctx, path=path)
        assert not check.valid and check.claim is None
        assert len(check.problem.splitlines()) == 1
        return
    with pytest.raises(ValidationError) as raised:
        check_receipt(ctx, path=path)
    assert len(str(raised.value).splitlines()) == 1
    assert path.name in str(raised.value)


def test_cli_verifies_a_pdf_and_refuses_one_without_qr(
    ctx: AppContext, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, pdf, _payload = receipt(ctx)
    good = tmp_path / "r.pdf"
    good.write_bytes(scanned_pdf(pdf))
    assert main(["receipt", "verify", str(good), "--data-dir", str(data_dir)]) == 0
    out, _err = capsys.readouterr()
    assert code in out
    blank = tmp_path / "blank.pdf"
    out_png = io.BytesIO()
    Image.new("L", (600, 800), 255).save(out_png, format="PNG")
    blank.write_bytes(img2pdf.convert(out_png.getvalue()))
    assert main(["receipt", "verify", str(blank), "--data-dir", str(data_dir)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1
    assert "QR" in err


def test_checking_in_a_data_directory_without_a_key_makes_none(ctx: AppContext) -> None:
    """Checking only reads: where no receipt was ever signed there is no key, and none is made."""
    from counter_app.documents.receipt_qr import KEY_DIR

    payload = "qmc:?ma=000.00.22.H56-260302-0001&dv=000.00.22.H56&tn=202603020900&hen=&k=00&cks=AA"
    check = check_receipt(ctx, text=payload)
    assert not check.valid and "khóa ký" in check.problem
    assert check.claim is not None and check.claim.code == "000.00.22.H56-260302-0001"
    assert not (ctx.data_dir / KEY_DIR).exists()
