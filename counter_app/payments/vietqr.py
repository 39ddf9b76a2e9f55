"""VietQR: the NAPAS/EMVCo merchant-presented QR payload any Vietnamese banking app can pay.

The payload is a chain of TLV fields (two-digit id, two-digit length, value); field 38
holds the NAPAS consumer account (GUID A000000727, the bank BIN and account, service
QRIBFTTA = transfer to an account), field 62/08 the transfer note and field 63 a
CRC-16/CCITT-FALSE over everything before its value, as 4 upper-case hex digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from counter_app.errors import ValidationError
from counter_app.i18n import _

NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"
COUNTRY_VN = "VN"
MAX_NOTE_LENGTH = 25
"""Banking apps cut longer transfer notes; a dossier code is exactly 25 characters."""

_BIN_RE = re.compile(r"^[0-9]{6}$")
_ACCOUNT_RE = re.compile(r"^[0-9A-Za-z]{1,19}$")
_NOTE_RE = re.compile(r"^[0-9A-Za-z .\-_/]*$")


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _bit in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValidationError(_("Trường VietQR {tag} quá dài.").format(tag=tag))
    return f"{tag}{len(value):02d}{value}"


def _with_crc(body: str) -> str:
    head = body + "6304"
    return head + f"{crc16_ccitt_false(head.encode('ascii')):04X}"


@dataclass(frozen=True)
class VietQR:
    """The meaningful content of a VietQR payload."""

    bank_bin: str
    account: str
    amount: int | None
    note: str
    service: str = SERVICE_TO_ACCOUNT
    dynamic: bool = True
    """Point of initiation 12 (one payment, with an amount) or 11 (reusable)."""


def build_payload(code: VietQR) -> str:
    """The payload text of `code`; invalid bank data, amount or note raise ValidationError."""
    if not _BIN_RE.match(code.bank_bin):
        raise ValidationError(_("Mã BIN ngân hàng phải gồm 6 chữ số."))
    if not _ACCOUNT_RE.match(code.account):
        raise ValidationError(_("Số tài khoản nhận không hợp lệ (chữ và số, tối đa 19 ký tự)."))
    if code.amount is not None and (code.amount <= 0 or code.amount > 9_999_999_999_999):
        raise ValidationError(_("Số tiền VietQR phải là số nguyên dương (đồng)."))
    if len(code.note) > MAX_NOTE_LENGTH or not _NOTE_RE.match(code.note):
        raise ValidationError(
            _(
                "Nội dung chuyển khoản chỉ gồm chữ không dấu, số, dấu cách . - _ / "
                "và tối đa {n} ký tự."
            ).format(n=MAX_NOTE_LENGTH)
        )
    beneficiary = _tlv("00", code.bank_bin) + _tlv("01", code.account)
    account_info = _tlv("00", NAPAS_GUID) + _tlv("01", beneficiary) + _tlv("02", code.service)
    body = _tlv("00", "01") + _tlv("01", "12" if code.dynamic else "11")
    body += _tlv("38", account_info) + _tlv("53", CURRENCY_VND)
    if code.amount is not None:
        body += _tlv("54", str(code.amount))
    body += _tlv("58", COUNTRY_VN)
    if code.note:
        body += _tlv("62", _tlv("08", code.note))
    return _with_crc(body)


def parse_tlv(text: str) -> dict[str, str]:
    """The fields of one TLV level, by id; malformed text raises ValidationError."""
    fields: dict[str, str] = {}
    position = 0
    while position < len(text):
        header = text[position : position + 4]
        if len(header) < 4 or not header.isdigit():
            raise ValidationError(
                _("Mã VietQR không đúng cấu trúc (vị trí {n}).").format(n=position)
            )
        length = int(header[2:])
        value = text[position + 4 : position + 4 + length]
        if len(value) != length:
            raise ValidationError(_("Mã VietQR bị cắt cụt."))
        fields[header[:2]] = value
        position += 4 + length
    return fields


def check_crc(payload: str) -> None:
    """Raise ValidationError unless the payload ends with its correct CRC field."""
    if len(payload) < 8 or payload[-8:-4] != "6304":
        raise ValidationError(_("Mã VietQR thiếu trường CRC."))
    expected = f"{crc16_ccitt_false(payload[:-4].encode('utf-8')):04X}"
    if payload[-4:].upper() != expected:
        raise ValidationError(_("Mã VietQR sai CRC (mã bị hỏng hoặc bị sửa)."))


def parse_payload(payload: str) -> VietQR:
    """Read a VietQR transfer payload back; a bad CRC or structure raises ValidationError."""
    payload = payload.strip()
    check_crc(payload)
    fields = parse_tlv(payload)
    if fields.get("00") != "01" or fields.get("53") != CURRENCY_VND:
        raise ValidationError(_("Mã QR không phải VietQR chuyển khoản bằng đồng Việt Nam."))
    account_info = parse_tlv(fields.get("38", ""))
    if account_info.get("00") != NAPAS_GUID:
        raise ValidationError(_("Mã QR không phải VietQR của NAPAS."))
    beneficiary = parse_tlv(account_info.get("01", ""))
    amount_text = fields.get("54")
    if amount_text is not None and not amount_text.isdigit():
        raise ValidationError(_("Số tiền trong mã VietQR không hợp lệ."))
    additional = parse_tlv(fields.get("62", ""))
    return VietQR(
        bank_bin=beneficiary.get("00", ""),
        account=beneficiary.get("01", ""),
        amount=int(amount_text) if amount_text is not None else None,
        note=additional.get("08", ""),
        service=account_info.get("02", ""),
        dynamic=fields.get("01") == "12",
    )
