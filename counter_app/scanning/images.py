"""Safe image loading and the page clean-up pipeline (Pillow only).

Loading refuses decompression bombs, oversized and broken files before any pixel is
decoded into memory. The pipeline straightens a page, trims the dark border a scanner
lid leaves, flags blank pages and encodes the result small: black-and-white as CCITT G4
TIFF (lossless, fax-style), grey and colour as JPEG.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageFilter, ImageOps, ImageSequence, ImageStat, UnidentifiedImageError

from counter_app.errors import ValidationError
from counter_app.files import read_input_file
from counter_app.i18n import _
from counter_app.scanning.options import ColourMode as ColourMode  # its home before

MAX_PIXELS = 80_000_000
"""An A3 page at 600 dpi is about 70 megapixels; anything larger is refused."""
MAX_SIDE = 15_000
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_FRAMES = 500
JPEG_QUALITY = 75
DEFAULT_DPI = 300
ANALYSIS_DPI = 50
"""Deskew, border and blank detection work on a small copy of the page."""
MAX_SKEW_DEGREES = 5.0
BLANK_INK_RATIO = 0.002
"""A page with less than 0.2 % dark pixels (after despeckling) is flagged blank."""

MEDIA_TIFF = "image/tiff"
MEDIA_JPEG = "image/jpeg"
MEDIA_PNG = "image/png"
IMAGE_MEDIA_TYPES = (MEDIA_TIFF, MEDIA_JPEG, MEDIA_PNG)


@dataclass(frozen=True)
class ProcessedPage:
    """A cleaned page, encoded and ready for the page store."""

    data: bytes
    media_type: str
    width: int
    height: int
    dpi: int
    blank: bool = False
    skew_degrees: float = 0.0


def _check_size(width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise ValidationError(_("Ảnh không có điểm ảnh nào."))
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise ValidationError(
            _("Ảnh quá lớn ({width}×{height} điểm ảnh); tối đa {limit} triệu điểm ảnh.").format(
                width=width, height=height, limit=MAX_PIXELS // 1_000_000
            )
        )


def check_image(image: Image.Image) -> None:
    """Refuse an image a scanner or camera handed over that is too large to process."""
    _check_size(*image.size)


def open_images(data: bytes, name: str = "") -> Iterator[Image.Image]:
    """Every frame of an image file, fully decoded and checked; raises ValidationError.

    The size is checked from the header before decoding, so a decompression bomb never
    reaches memory.
    """
    label = name or _("ảnh")
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(_("Tệp {name} quá lớn.").format(name=label))
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ValidationError(_("Ảnh {name} quá lớn.").format(name=label)) from None
        except UnidentifiedImageError:
            raise ValidationError(
                _("Tệp {name} bị hỏng hoặc không phải ảnh.").format(name=label)
            ) from None
        except (OSError, ValueError, SyntaxError) as exc:
            raise ValidationError(
                _("Tệp {name} bị hỏng: {error}").format(name=label, error=exc)
            ) from None
        frames = getattr(image, "n_frames", 1)
        if frames > MAX_FRAMES:
            raise ValidationError(_("Tệp {name} có quá nhiều trang.").format(name=label))
        for frame in ImageSequence.Iterator(image):
            _check_size(*frame.size)
            try:
                frame.load()
                loaded = frame.copy()
            except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning) as exc:
                raise ValidationError(
                    _("Tệp {name} bị hỏng: {error}").format(name=label, error=exc)
                ) from None
            if "dpi" in image.info:
                loaded.info["dpi"] = image.info["dpi"]
            yield loaded


def image_dpi(image: Image.Image, fallback: int = DEFAULT_DPI) -> int:
    dpi = image.info.get("dpi")
    try:
        value = round(float(dpi[0])) if dpi else 0
    except (TypeError, ValueError, IndexError):
        value = 0
    return value if 30 <= value <= 2400 else fallback


def normalise_mode(image: Image.Image) -> Image.Image:
    """EXIF orientation applied; CMYK, palette and 16-bit images made L or RGB."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("1", "L", "RGB"):
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        return image.point(lambda value: value / 256).convert("L")
    if image.mode == "LA":
        return image.convert("L")
    return image.convert("RGB")


def default_mode(image: Image.Image) -> ColourMode:
    """For imported files: keep what the file is (bi-level, grey or colour)."""
    if image.mode == "1":
        return ColourMode.BW
    if image.mode == "L":
        return ColourMode.GRAY
    return ColourMode.COLOR


# --- analysis on a small copy -------------------------------------------------------------


def _analysis_copy(gray: Image.Image, dpi: int) -> Image.Image:
    scale = min(1.0, ANALYSIS_DPI / dpi)
    size = (max(8, round(gray.width * scale)), max(8, round(gray.height * scale)))
    return gray.resize(size, Image.Resampling.BOX)


def _line_score(ink: Image.Image, angle: float) -> float:
    """How strongly the ink lines up in rows when the page is turned by `angle`."""
    turned = ink.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=0)
    rows = turned.resize((1, turned.height), Image.Resampling.BOX)
    return float(ImageStat.Stat(rows).var[0])


def estimate_skew(small: Image.Image) -> float:
    """The angle (degrees, counter-clockwise) that makes text lines horizontal."""
    threshold = _otsu(small)
    ink = small.point(lambda value: 255 if value < threshold else 0)
    best_angle, best_score = 0.0, _line_score(ink, 0.0)
    step = 0.5
    candidates = [i * step for i in range(-10, 11) if i]
    for angle in candidates:
        score = _line_score(ink, angle)
        if score > best_score:
            best_angle, best_score = angle, score
    for fine in (best_angle - 0.3, best_angle - 0.15, best_angle + 0.15, best_angle + 0.3):
        if abs(fine) <= MAX_SKEW_DEGREES:
            score = _line_score(ink, fine)
            if score > best_score:
                best_angle, best_score = fine, score
    return best_angle


def _otsu(gray: Image.Image) -> int:
    histogram = gray.histogram()[:256]
    total = sum(histogram)
    if total == 0:
        return 128
    sum_all = sum(i * count for i, count in enumerate(histogram))
    weight_back = 0
    sum_back = 0.0
    best, threshold = -1.0, 128
    for level in range(256):
        weight_back += histogram[level]
        if weight_back == 0:
            continue
        weight_fore = total - weight_back
        if weight_fore == 0:
            break
        sum_back += level * histogram[level]
        mean_back = sum_back / weight_back
        mean_fore = (sum_all - sum_back) / weight_fore
        between = weight_back * weight_fore * (mean_back - mean_fore) ** 2
        if between > best:
            best, threshold = between, level
    # A page with no ink has no second class: keep a sensible paper/ink split.
    return max(64, min(threshold + 1, 200))


def dark_border(small: Image.Image) -> tuple[int, int, int, int]:
    """The box inside the dark margins a scanner lid leaves (in `small`'s pixels)."""
    width, height = small.size
    columns = list(small.resize((width, 1), Image.Resampling.BOX).tobytes())
    rows = list(small.resize((1, height), Image.Resampling.BOX).tobytes())

    def inner(profile: list[int]) -> tuple[int, int]:
        start, end = 0, len(profile)
        while start < end and profile[start] < 90:
            start += 1
        while end > start and profile[end - 1] < 90:
            end -= 1
        return start, end

    left, right = inner(columns)
    top, bottom = inner(rows)
    if (right - left) * (bottom - top) < 0.5 * width * height:
        return 0, 0, width, height  # mostly dark: a dark page, not a border
    return left, top, right, bottom


def is_blank(small: Image.Image) -> bool:
    """Too little ink to be a page worth keeping (the margin is ignored)."""
    width, height = small.size
    margin_x, margin_y = width // 20, height // 20
    inner = small.crop((margin_x, margin_y, width - margin_x, height - margin_y))
    inner = inner.filter(ImageFilter.MedianFilter(3))
    histogram = inner.histogram()
    dark = sum(histogram[:128])
    return dark < BLANK_INK_RATIO * max(1, inner.width * inner.height)


def _rows_favoured(small: Image.Image) -> bool:
    """True when ink lines run across the page (text is upright or upside down)."""
    threshold = _otsu(small)
    ink = small.point(lambda value: 255 if value < threshold else 0)
    rows = ImageStat.Stat(ink.resize((1, ink.height), Image.Resampling.BOX)).var[0]
    columns = ImageStat.Stat(ink.resize((ink.width, 1), Image.Resampling.BOX)).var[0]
    return bool(rows >= 0.5 * columns)


# --- the pipeline ------------------------------------------------------------------------


def clean_page(
    image: Image.Image,
    mode: ColourMode | None = None,
    *,
    dpi: int | None = None,
    deskew: bool = True,
    crop_border: bool = True,
    detect_orientation: bool = True,
) -> ProcessedPage:
    """Orientation, deskew, border crop, blank detection, then compact encoding."""
    check_image(image)
    resolution = dpi or image_dpi(image)
    image = normalise_mode(image)
    mode = mode or default_mode(image)
    gray = image if image.mode == "L" else image.convert("L")
    small = _analysis_copy(gray, resolution)
    blank = is_blank(small)
    if not blank and detect_orientation and not _rows_favoured(small):
        image = image.transpose(Image.Transpose.ROTATE_270)
        gray = image if image.mode == "L" else image.convert("L")
        small = _analysis_copy(gray, resolution)
    if crop_border:
        left, top, right, bottom = dark_border(small)
        if (left, top, right, bottom) != (0, 0, *small.size):
            scale_x, scale_y = image.width / small.width, image.height / small.height
            box = (
                round(left * scale_x),
                round(top * scale_y),
                round(right * scale_x),
                round(bottom * scale_y),
            )
            image = image.crop(box)
            small = small.crop((left, top, right, bottom))
    skew = 0.0
    if deskew and not blank:
        skew = estimate_skew(small)
        if skew:
            fill: int | tuple[int, int, int] = (255, 255, 255) if image.mode == "RGB" else 255
            if image.mode == "1":
                image = image.convert("L")
            image = image.rotate(skew, resample=Image.Resampling.BILINEAR, fillcolor=fill)
    return encode_page(image, mode, resolution, blank=blank, skew=skew)


def encode_page(
    image: Image.Image, mode: ColourMode, dpi: int, *, blank: bool = False, skew: float = 0.0
) -> ProcessedPage:
    """Black-and-white as G4 TIFF, grey and colour as JPEG; the dpi is written in the file."""
    buffer = io.BytesIO()
    if mode is ColourMode.BW:
        if image.mode != "1":
            gray = image if image.mode == "L" else image.convert("L")
            threshold = _otsu(_analysis_copy(gray, dpi))
            image = gray.point(lambda value: 255 if value >= threshold else 0, mode="1")
        image.save(buffer, format="TIFF", compression="group4", dpi=(dpi, dpi))
        media_type = MEDIA_TIFF
    else:
        target = "L" if mode is ColourMode.GRAY else "RGB"
        if image.mode != target:
            image = image.convert(target)
        image.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=False, dpi=(dpi, dpi))
        media_type = MEDIA_JPEG
    return ProcessedPage(buffer.getvalue(), media_type, image.width, image.height, dpi, blank, skew)


def read_image_file(path: Path) -> bytes:
    """An image or PDF file handed in: a regular file of at most MAX_FILE_BYTES."""
    return read_input_file(path, max_bytes=MAX_FILE_BYTES, what=_("ảnh hoặc PDF"))


def thumbnail_png(data: bytes, max_side: int = 200, rotation: int = 0) -> bytes:
    """A small PNG of a stored page for lists and previews."""
    image = next(open_images(data))
    image.thumbnail((max_side, max_side))
    if rotation:
        image = image.rotate(-rotation, expand=True)
    buffer = io.BytesIO()
    image.convert("L" if image.mode in ("1", "L") else "RGB").save(buffer, format="PNG")
    return buffer.getvalue()
