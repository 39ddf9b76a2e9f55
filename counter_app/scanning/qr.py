"""Read the CCCD QR code from a scanned card or a camera frame (zxing-cpp).

Decoding is tried in the order that worked best on noisy test scans:
the default binarizer, then a fixed threshold, then the image upscaled 2×, which rescues
a card scanned at 150 dpi.
"""

from __future__ import annotations

from PIL import Image

from counter_app.domain.applicants import CccdCard, looks_like_cccd_qr, parse_cccd_qr
from counter_app.errors import ValidationError
from counter_app.i18n import _
from counter_app.scanning.images import check_image, normalise_mode


def read_qr_texts(image: Image.Image) -> list[str]:
    """Every QR text found, by the first decoding attempt that finds any."""
    import zxingcpp

    check_image(image)
    gray = normalise_mode(image).convert("L")
    upscaled = gray.resize((gray.width * 2, gray.height * 2), Image.Resampling.BICUBIC)
    attempts = (
        (gray, zxingcpp.Binarizer.LocalAverage),
        (gray, zxingcpp.Binarizer.FixedThreshold),
        (upscaled, zxingcpp.Binarizer.LocalAverage),
    )
    for candidate, binarizer in attempts:
        results = zxingcpp.read_barcodes(
            candidate,
            formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode),
            binarizer=binarizer,
        )
        found = [result.text for result in results if result.text]
        if found:
            return found
    return []


def read_cccd(image: Image.Image) -> CccdCard:
    """The citizen ID card whose QR code is in `image`; ValidationError when there is none."""
    texts = read_qr_texts(image)
    for text in texts:
        if looks_like_cccd_qr(text):
            return parse_cccd_qr(text)
    if texts:
        raise ValidationError(_("Mã QR trong ảnh không phải mã của thẻ căn cước."))
    raise ValidationError(_("Không tìm thấy mã QR trong ảnh; quét thẻ ở 300 dpi và giữ thẻ phẳng."))
