"""The receipt's signed QR: rendered into the PDF, read back with zxing-cpp, checked offline."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
import segno

from counter_app.documents import receipt_qr
from counter_app.documents.forms import render_form
from counter_app.documents.templates import FormKind
from counter_app.domain.applicants import Person
from counter_app.domain.calendar import VN_TZ
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.errors import ValidationError
from counter_app.kernel.users import SYSTEM_ACTOR

needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler")
CLAIM = receipt_qr.ReceiptClaim(
    code="000.00.22.H56-260302-0001",
    office_id="000.00.22.H56",
    received_at=datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ),
    due_at=datetime(2026, 3, 9, 17, 0, tzinfo=VN_TZ),
    lookup_url="https://tra-cuu.example.vn/ho-so",
)


def rasterise(pdf: bytes, tmp_path: Path, dpi: int = 200) -> Path:
    source = tmp_path / "receipt.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(dpi),
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            str(source),
            str(tmp_path / "p"),
        ],
        check=True,
    )
    return next(tmp_path.glob("p-*.png"))


def qr_png(payload: str, path: Path) -> Path:
    segno.make(payload, error="m").save(str(path), scale=6)
    return path


@needs_poppler
def test_receipt_qr_decodes_and_verifies_offline(ctx, tmp_path):
    ctx.config = replace(ctx.config, public_status_url=CLAIM.lookup_url)
    person = Person(name="Trần Văn Đức", id_number="056090012345")
    dossier = intake(ctx, IntakeRequest("1.000894", person), SYSTEM_ACTOR)
    rendered = render_form(ctx, FormKind.RECEIPT, dossier.code)
    assert rendered.qr_payload is not None
    assert rendered.qr_payload.startswith(CLAIM.lookup_url + "?ma=")
    key = receipt_qr.load_or_create_key(ctx.data_dir)
    for dpi in (300, 150):  # a good scan, and a poor one that needs the fallbacks
        folder = tmp_path / str(dpi)
        folder.mkdir()
        image = rasterise(rendered.pdf, folder, dpi)
        claim = receipt_qr.verify_image(image, key.public_key())
        assert claim.code == dossier.code
        assert claim.received_at == dossier.received_at.replace(second=0, microsecond=0)
        assert claim.due_at == dossier.due_at.replace(second=0, microsecond=0)
        assert claim.lookup_url == CLAIM.lookup_url
    # A third party holds only the exported public key.
    public = receipt_qr.load_public_key(receipt_qr.public_key_pem(key))
    assert receipt_qr.verify_payload(rendered.qr_payload, public).code == dossier.code


def test_the_office_key_is_created_once_and_private(tmp_path):
    first = receipt_qr.load_or_create_key(tmp_path)
    second = receipt_qr.load_or_create_key(tmp_path)
    assert receipt_qr.key_id(first.public_key()) == receipt_qr.key_id(second.public_key())
    path = tmp_path / receipt_qr.KEY_DIR / receipt_qr.KEY_FILE
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_payload_without_lookup_address_round_trips(tmp_path):
    key = receipt_qr.load_or_create_key(tmp_path)
    claim = replace(CLAIM, lookup_url="", due_at=None)
    payload = receipt_qr.sign(claim, key)
    assert payload.startswith(receipt_qr.NO_URL_BASE)
    assert receipt_qr.verify_payload(payload, key.public_key()) == claim


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ma", "000.00.22.H56-260302-0002"),
        ("tn", "202603011200"),
        ("hen", "202603311700"),
        ("dv", "000.00.23.H56"),
    ],
)
def test_a_tampered_qr_fails(tmp_path, field, value):
    key = receipt_qr.load_or_create_key(tmp_path)
    payload = receipt_qr.sign(CLAIM, key)
    original = dict(part.split("=", 1) for part in payload.split("?", 1)[1].split("&"))
    tampered = payload.replace(f"{field}={original[field]}", f"{field}={value}")
    assert tampered != payload
    image = qr_png(tampered, tmp_path / "tampered.png")
    with pytest.raises(ValidationError, match="Chữ ký"):
        receipt_qr.verify_image(image, key.public_key())


def test_a_changed_lookup_address_fails(tmp_path):
    key = receipt_qr.load_or_create_key(tmp_path)
    payload = receipt_qr.sign(CLAIM, key)
    phishing = payload.replace("tra-cuu.example.vn", "tra-cuu.example.com")
    with pytest.raises(ValidationError):
        receipt_qr.verify_payload(phishing, key.public_key())


def test_another_office_key_and_bad_inputs(tmp_path):
    (tmp_path / "ours").mkdir()
    (tmp_path / "theirs").mkdir()
    ours = receipt_qr.load_or_create_key(tmp_path / "ours")
    theirs = receipt_qr.load_or_create_key(tmp_path / "theirs")
    payload = receipt_qr.sign(CLAIM, theirs)
    with pytest.raises(ValidationError, match="khóa khác"):
        receipt_qr.verify_payload(payload, ours.public_key())
    with pytest.raises(ValidationError):
        receipt_qr.verify_payload("https://example.vn/?x=1", ours.public_key())
    with pytest.raises(ValidationError):
        receipt_qr.verify_payload(payload.replace("&cks=", "&xx="), ours.public_key())
    with pytest.raises(ValidationError):
        receipt_qr.load_public_key(b"not a key")
    other_qr = qr_png("00020101021238570010A000000727", tmp_path / "vietqr.png")
    with pytest.raises(ValidationError, match="không phải"):
        receipt_qr.verify_image(other_qr, ours.public_key())
    blank = tmp_path / "blank.png"
    from PIL import Image

    Image.new("L", (200, 200), 255).save(blank)
    with pytest.raises(ValidationError, match="Không tìm thấy"):
        receipt_qr.verify_image(blank, ours.public_key())
    not_image = tmp_path / "note.png"
    not_image.write_text("hello", "utf-8")
    with pytest.raises(ValidationError):
        receipt_qr.verify_image(not_image, ours.public_key())
