"""The signed QR code of the receipt, and its offline verification.

The QR holds a link: the hub's public lookup address (config `public_status_url`; the
`qmc:` scheme when none is set) with the receipt's claims and an Ed25519 signature made
with the office key:

    https://hub.example/tra-cuu?ma=000.00.22.H56-260302-0001&dv=000.00.22.H56
        &tn=202603020900&hen=202603091700&k=1a2b3c4d&cks=<base64url signature>

The signature covers the lookup address and every claim, so a changed code, date or
address fails. Anyone holding the office's public key (`receipt public-key`) can check a
receipt offline; the private key never leaves the data directory, readable only by the
app's user.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from counter_app.domain.calendar import VN_TZ
from counter_app.errors import NotFoundError, StorageError, ValidationError
from counter_app.files import write_atomically
from counter_app.i18n import _
from counter_app.kernel.dossier_store import get_dossier

if TYPE_CHECKING:
    from counter_app.kernel.context import AppContext

KEY_DIR = "keys"
KEY_FILE = "office-ed25519.pem"
NO_URL_BASE = "qmc:"
_VERSION = "QMC1"
_TIME_FORMAT = "%Y%m%d%H%M"


@dataclass(frozen=True)
class ReceiptClaim:
    """What a receipt's QR asserts."""

    code: str
    office_id: str
    received_at: datetime
    due_at: datetime | None
    lookup_url: str = ""

    def message(self) -> bytes:
        """The canonical bytes that are signed."""
        due = self.due_at.astimezone(VN_TZ).strftime(_TIME_FORMAT) if self.due_at else ""
        parts = (
            _VERSION,
            self.lookup_url,
            self.code,
            self.office_id,
            self.received_at.astimezone(VN_TZ).strftime(_TIME_FORMAT),
            due,
        )
        return "\n".join(parts).encode("utf-8")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id(public_key: Any) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:8]


def load_key(data_dir: Path) -> Any | None:
    """The office's Ed25519 private key, or None when none was made yet; never writes.

    For the paths that only read (checking a receipt): a missing key is not created there.
    """
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    path = data_dir / KEY_DIR / KEY_FILE
    try:
        if not path.exists():
            return None
        key = load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise StorageError(
            _("Không đọc/ghi được khóa ký của đơn vị: {error}").format(error=exc.strerror)
        ) from exc
    except ValueError as exc:
        raise StorageError(_("Khóa ký của đơn vị bị hỏng: {path}").format(path=path)) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise StorageError(_("Khóa ký của đơn vị không phải Ed25519: {path}").format(path=path))
    return key


def office_public_key(data_dir: Path) -> Any:
    """The public half of the office key, to check a receipt; NotFoundError when there is
    no key yet (no receipt was signed with this data directory): nothing is created."""
    key = load_key(data_dir)
    if key is None:
        raise NotFoundError(
            _(
                "Thư mục dữ liệu này chưa có khóa ký của đơn vị (chưa in giấy tiếp nhận nào), "
                "nên không kiểm tra được chữ ký."
            )
        )
    return key.public_key()


def load_or_create_key(data_dir: Path) -> Any:
    """The office's Ed25519 private key, created on first use (mode 0600)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    existing = load_key(data_dir)
    if existing is not None:
        return existing
    path = data_dir / KEY_DIR / KEY_FILE
    try:
        path.parent.mkdir(mode=0o700, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        write_atomically(path, pem, mode=0o600)
        return key
    except OSError as exc:
        raise StorageError(
            _("Không đọc/ghi được khóa ký của đơn vị: {error}").format(error=exc.strerror)
        ) from exc


def public_key_pem(private_key: Any) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    data: bytes = private_key.public_key().public_bytes(
        Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
    )
    return data


def load_public_key(pem: bytes) -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        key = load_pem_public_key(pem)
    except ValueError as exc:
        raise ValidationError(_("Tệp khóa công khai không hợp lệ.")) from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ValidationError(_("Khóa công khai không phải Ed25519."))
    return key


def sign(claim: ReceiptClaim, private_key: Any) -> str:
    """The QR payload: the lookup link with the claims and their signature."""
    query = {
        "ma": claim.code,
        "dv": claim.office_id,
        "tn": claim.received_at.astimezone(VN_TZ).strftime(_TIME_FORMAT),
        "hen": claim.due_at.astimezone(VN_TZ).strftime(_TIME_FORMAT) if claim.due_at else "",
        "k": key_id(private_key.public_key()),
        "cks": _b64(private_key.sign(claim.message())),
    }
    base = claim.lookup_url or NO_URL_BASE
    separator = "&" if "?" in base else "?"
    return base + separator + urlencode(query)


@dataclass(frozen=True)
class SignedReceipt:
    claim: ReceiptClaim
    key_id: str
    signature: bytes


def parse_payload(payload: str) -> SignedReceipt:
    """Split a QR payload into its claims and signature; ValidationError if it is not ours."""
    payload = payload.strip()
    start = max(payload.rfind("?ma="), payload.rfind("&ma="))
    if start < 0:
        raise ValidationError(_("Mã QR không phải của giấy tiếp nhận hồ sơ."))
    base = payload[:start]
    fields = dict(parse_qsl(payload[start + 1 :], keep_blank_values=True))
    try:
        received = datetime.strptime(fields["tn"], _TIME_FORMAT).replace(tzinfo=VN_TZ)
        due = (
            datetime.strptime(fields["hen"], _TIME_FORMAT).replace(tzinfo=VN_TZ)
            if fields.get("hen")
            else None
        )
        claim = ReceiptClaim(
            code=fields["ma"],
            office_id=fields["dv"],
            received_at=received,
            due_at=due,
            lookup_url="" if base == NO_URL_BASE else base,
        )
        return SignedReceipt(claim, fields["k"], _unb64(fields["cks"]))
    except (KeyError, ValueError) as exc:
        raise ValidationError(_("Mã QR của giấy tiếp nhận bị thiếu hoặc sai trường.")) from exc


def verify_payload(payload: str, public_key: Any) -> ReceiptClaim:
    """The claims of a QR payload whose signature is the office's; ValidationError otherwise."""
    from cryptography.exceptions import InvalidSignature

    signed = parse_payload(payload)
    if signed.key_id != key_id(public_key):
        raise ValidationError(
            _("Giấy tiếp nhận được ký bằng khóa khác ({key}), không phải của đơn vị này.").format(
                key=signed.key_id
            )
        )
    try:
        public_key.verify(signed.signature, signed.claim.message())
    except InvalidSignature as exc:
        raise ValidationError(
            _("Chữ ký trên mã QR không hợp lệ: giấy tiếp nhận đã bị sửa hoặc giả.")
        ) from exc
    return signed.claim


def read_qr_texts(image: Any) -> list[str]:
    """Texts of the QR codes in a PIL image, retrying as a photographed or 150-dpi scan needs."""
    import zxingcpp

    formats = zxingcpp.barcode_formats_from_str("QRCode")
    found = zxingcpp.read_barcodes(image, formats=formats)
    if not found:
        found = zxingcpp.read_barcodes(
            image, formats=formats, binarizer=zxingcpp.Binarizer.FixedThreshold
        )
    if not found:
        from PIL import Image

        larger = image.resize((image.width * 2, image.height * 2), Image.Resampling.BICUBIC)
        found = zxingcpp.read_barcodes(larger, formats=formats)
    return [result.text for result in found if result.valid]


RECEIPT_PDF_DPI = 300
"""A scanned receipt PDF is rendered at this resolution: its 21 mm QR then has about
4 pixels a module, which zxing-cpp reads without the fallbacks (measured on test scans)."""
MAX_RECEIPT_PAGES = 10


def qr_texts_in_file(path: Path) -> list[str]:
    """The QR texts on every page of a photo, an image scan or a scanned PDF."""
    from counter_app.scanning.files import load_file

    images = load_file(path, pdf_dpi=RECEIPT_PDF_DPI, max_pdf_pages=MAX_RECEIPT_PAGES)
    texts: list[str] = []
    for image in images:
        texts.extend(read_qr_texts(image.convert("L")))
    if not texts:
        raise ValidationError(_("Không tìm thấy mã QR trong tệp {path}.").format(path=path.name))
    return texts


def verify_texts(texts: list[str], public_key: Any) -> ReceiptClaim:
    """The claims of the first text that is a receipt signed with `public_key`.

    When none is, the error of the first receipt-like text is raised (a bad signature
    says more than "not a receipt" when a page holds another QR as well).
    """
    errors: list[ValidationError] = []
    for text in texts:
        try:
            return verify_payload(text, public_key)
        except ValidationError as exc:
            errors.append(exc)
    receipt_like = [e for text, e in zip(texts, errors, strict=True) if _looks_like_receipt(text)]
    raise (receipt_like or errors)[0]


def _looks_like_receipt(text: str) -> bool:
    try:
        parse_payload(text)
    except ValidationError:
        return False
    return True


def verify_image(path: Path, public_key: Any) -> ReceiptClaim:
    """Find the receipt QR in a photo, a scan or a scanned PDF and check its signature."""
    return verify_texts(qr_texts_in_file(path), public_key)


@dataclass(frozen=True)
class ReceiptCheck:
    """What the verify screen shows about one receipt."""

    valid: bool
    problem: str
    """Why the receipt is not valid (one line), empty when it is."""
    claim: ReceiptClaim | None
    """What the QR claims; shown as unproven when the signature fails."""
    status: str | None = None
    """The dossier's current status in this database (valid receipts only)."""


def check_receipt(
    ctx: AppContext, *, path: Path | None = None, text: str | None = None
) -> ReceiptCheck:
    """Verify a receipt from a file or from its QR text against this office's key.

    An unreadable file or a file without a QR raises ValidationError; a QR that is not
    a valid receipt gives `valid=False` with the reason.
    """

    if path is not None:
        texts = qr_texts_in_file(path)
    elif text is not None and text.strip():
        texts = [text.strip()]
    else:
        raise ValidationError(_("Chưa có ảnh, tệp PDF hay nội dung mã QR để kiểm tra."))
    try:
        claim = verify_texts(texts, office_public_key(ctx.data_dir))
    except (ValidationError, NotFoundError) as exc:
        claimed = None
        for candidate in texts:
            try:
                claimed = parse_payload(candidate).claim
                break
            except ValidationError:
                continue
        return ReceiptCheck(False, exc.message, claimed)
    try:
        status: str | None = get_dossier(ctx, claim.code).status
    except NotFoundError:
        status = None
    return ReceiptCheck(True, "", claim, status)
