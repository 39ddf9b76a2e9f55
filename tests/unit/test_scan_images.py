"""The image pipeline and the bad-file checks, on real files made here and read back."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import pytest
import segno
from PIL import Image

from counter_app.errors import ValidationError
from counter_app.scanning.files import load_file
from counter_app.scanning.images import (
    MEDIA_JPEG,
    MEDIA_TIFF,
    ColourMode,
    clean_page,
    open_images,
)
from counter_app.scanning.qr import read_cccd
from counter_app.scanning.samples import text_page

CCCD_QR = "056090012345|123456789|Nguyễn Văn An|01011990|Nam|Số 1, Phường Bắc Nha Trang|15082021"


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


@pytest.mark.parametrize("skew", [0.0, 2.0, -3.5])
def test_deskew_straightens_the_page(skew: float) -> None:
    page = clean_page(text_page(150, skew_degrees=skew), ColourMode.BW)
    assert page.skew_degrees == pytest.approx(-skew, abs=0.3)
    assert not page.blank


def test_black_and_white_page_is_a_small_g4_tiff() -> None:
    page = clean_page(text_page(300), ColourMode.BW)
    assert page.media_type == MEDIA_TIFF
    assert len(page.data) <= 60 * 1024
    with Image.open(io.BytesIO(page.data)) as stored:
        assert stored.mode == "1"
        assert stored.info["compression"] == "group4"
        assert round(stored.info["dpi"][0]) == 300


def test_grey_and_colour_are_jpeg() -> None:
    grey = clean_page(text_page(150), ColourMode.GRAY)
    colour = clean_page(text_page(150, colour=True), ColourMode.COLOR)
    assert grey.media_type == colour.media_type == MEDIA_JPEG
    assert Image.open(io.BytesIO(grey.data)).mode == "L"
    assert Image.open(io.BytesIO(colour.data)).mode == "RGB"


def test_dark_scanner_border_is_cropped() -> None:
    framed = text_page(150, dark_border_px=30)
    page = clean_page(framed, ColourMode.GRAY, deskew=False)
    assert page.width <= framed.width - 50
    assert page.height <= framed.height - 50


def test_blank_page_is_flagged_and_a_text_page_is_not() -> None:
    paper = Image.new("L", (1240, 1754), 250)
    for x, y in ((100, 100), (600, 900), (1000, 1500)):  # dust specks
        paper.putpixel((x, y), 0)
    assert clean_page(paper, ColourMode.BW, dpi=150).blank
    assert not clean_page(text_page(150), ColourMode.BW).blank


def test_sideways_page_is_turned_upright() -> None:
    sideways = text_page(100).transpose(Image.Transpose.ROTATE_90)
    page = clean_page(sideways, ColourMode.GRAY, dpi=100)
    assert page.height > page.width


def test_exif_rotated_photo_is_turned(tmp_path: Path) -> None:
    upright = text_page(100, colour=True)
    stored_sideways = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    path = tmp_path / "photo.jpg"
    path.write_bytes(encode(stored_sideways, "JPEG", exif=exif.tobytes()))
    (image,) = load_file(path)
    page = clean_page(image, detect_orientation=False, deskew=False)
    assert page.height > page.width


def test_cmyk_jpeg_becomes_rgb(tmp_path: Path) -> None:
    path = tmp_path / "cmyk.jpg"
    path.write_bytes(encode(text_page(100, colour=True).convert("CMYK"), "JPEG"))
    (image,) = load_file(path)
    page = clean_page(image)
    assert page.media_type == MEDIA_JPEG
    assert Image.open(io.BytesIO(page.data)).mode == "RGB"


def test_one_bit_tiff_stays_black_and_white(tmp_path: Path) -> None:
    path = tmp_path / "fax.tif"
    bilevel = text_page(200).convert("1")
    path.write_bytes(encode(bilevel, "TIFF", compression="group4", dpi=(200, 200)))
    (image,) = load_file(path)
    page = clean_page(image)
    assert page.media_type == MEDIA_TIFF
    assert page.dpi == 200


def test_truncated_jpeg_is_refused(tmp_path: Path) -> None:
    data = encode(text_page(100), "JPEG")
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValidationError, match="bị hỏng"):
        load_file(path)


def test_huge_image_is_refused_before_decoding(tmp_path: Path) -> None:
    path = tmp_path / "huge.png"
    Image.new("1", (20000, 20000), 1).save(path, optimize=True)
    with pytest.raises(ValidationError, match="quá lớn"):
        load_file(path)


def png_bomb(width: int, height: int) -> bytes:
    """A valid PNG header for a huge grey image whose data compresses to almost nothing."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return len(body).to_bytes(4, "big") + kind + body + crc.to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x00" * width
    body = b"".join(compressor.compress(row) for _ in range(64)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def test_decompression_bomb_is_refused() -> None:
    data = png_bomb(14000, 14000)  # 196 megapixels in a few kilobytes
    assert len(data) < 100_000
    with pytest.raises(ValidationError, match="quá lớn"):
        list(open_images(data, "bomb.png"))


def test_encrypted_pdf_is_refused(tmp_path: Path) -> None:
    pikepdf = pytest.importorskip("pikepdf")
    plain = tmp_path / "plain.pdf"
    Image.new("L", (200, 200), 255).save(plain, format="PDF")
    locked = tmp_path / "locked.pdf"
    with pikepdf.open(plain) as pdf:
        pdf.save(locked, encryption=pikepdf.Encryption(owner="o", user="secret"))
    with pytest.raises(ValidationError, match="mật khẩu"):
        load_file(locked)


def test_pdf_pages_are_rendered(tmp_path: Path) -> None:
    path = tmp_path / "two.pdf"
    first, second = text_page(72), text_page(72, seed=1)
    first.save(path, format="PDF", save_all=True, append_images=[second], resolution=72)
    images = load_file(path)
    assert len(images) == 2
    assert all(image.height > image.width for image in images)


def test_not_an_image_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.png"
    path.write_text("hello")
    with pytest.raises(ValidationError):
        load_file(path)
    other = tmp_path / "notes.docx"
    other.write_text("hello")
    with pytest.raises(ValidationError, match="chỉ nhận"):
        load_file(other)


def test_cccd_qr_is_read_from_a_scanned_card() -> None:
    card = Image.new("L", (1011, 638), 235)  # an ID card at 300 dpi
    qr = segno.make(CCCD_QR, error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=5, border=2)
    card.paste(Image.open(buffer).convert("L"), (700, 60))
    scan = card.rotate(2, fillcolor=235)
    person = read_cccd(scan)
    assert person.id_number == "056090012345"
    assert person.name == "Nguyễn Văn An"
    assert person.birth_date.isoformat() == "1990-01-01"


def test_image_without_qr_gives_a_clear_message() -> None:
    with pytest.raises(ValidationError, match="Không tìm thấy mã QR"):
        read_cccd(text_page(100))
