"""Applicants (a person or an organisation), the citizen ID number and the CCCD QR code.

The 12-digit number is checked for structure only (docs/rules.md §6): a known province
code, digit 4 for century and sex, digits 5-6 for the birth year. There is no public
checksum, so none is checked. The QR text is parsed as described there.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar, TypeAlias

from counter_app.domain.text import TextField, nfc
from counter_app.errors import ValidationError
from counter_app.i18n import N_, _

MALE = "Nam"
FEMALE = "Nữ"
GENDERS = (MALE, FEMALE)

MAX_TEXT_LENGTH = 500

# Each text field of an applicant and its limit (the name column holds 500 characters);
# the numbers and codes get a loose limit here and their exact form from their own rule.
APPLICANT_FIELDS: Mapping[str, TextField] = {
    "name": TextField(N_("họ tên / tên tổ chức"), MAX_TEXT_LENGTH),
    "id_number": TextField(N_("số định danh"), 32),
    "birth_date": TextField(N_("ngày sinh"), 32),
    "gender": TextField(N_("giới tính"), 16),
    "address": TextField(N_("địa chỉ"), MAX_TEXT_LENGTH),
    "phone": TextField(N_("số điện thoại"), 32),
    "email": TextField(N_("thư điện tử"), 254),
    "old_id": TextField(N_("số CMND cũ"), 32),
    "tax_code": TextField(N_("mã số thuế"), 32),
}
CCCD_QR = TextField(N_("mã QR căn cước"), 2 * MAX_TEXT_LENGTH)
# How the intake screen labels each field: the messages name a field so, and carry its key
# (`ValidationError.field`) for the screen to put the focus on it.
APPLICANT_LABELS: Mapping[str, str] = {
    "name": N_("Họ tên / tên tổ chức"),
    "id_number": N_("Số định danh"),
    "tax_code": N_("Mã số thuế"),
    "birth_date": N_("Ngày sinh"),
    "gender": N_("Giới tính"),
    "address": N_("Địa chỉ"),
    "phone": N_("Số điện thoại"),
    "email": N_("Thư điện tử"),
    "old_id": N_("Số CMND cũ"),
    "cccd_qr": N_("Mã QR căn cước"),
}


def field_label(field: str) -> str:
    """The field's label as the intake screen shows it ("Số định danh"), translated."""
    return _(APPLICANT_LABELS[field]) if field in APPLICANT_LABELS else field


# Runs of spaces, tabs and line breaks in an applicant's text become one space (a pasted
# address); any other control character is refused by the text rule.
_SPACES = re.compile("[ \t\n\r\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")

# The 63 province codes of the pre-2025 provinces, the first 3 digits of a citizen ID number
# (Circular 07/2016/TT-BCA, later 59/2021/TT-BCA; the same list is carried by public CCCD
# analysers and matches the statistics office's 2-digit province codes). Numbers issued
# before the 2025 mergers keep these codes, so the list is not updated for the mergers.
PROVINCE_CODES: Mapping[str, str] = {
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hòa Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hóa",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu",
    "079": "Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
}

_ID_RE = re.compile(r"^[0-9]{12}$")
_OLD_ID_RE = re.compile(r"^(?:[0-9]{9}|[0-9]{12})$")
_QR_DATE_RE = re.compile(r"^[0-9]{8}$")
_QR_START_RE = re.compile(r"^\s*[0-9]{12}\|")
_TAX_CODE_RE = re.compile(r"^[0-9]{10}(?:-[0-9]{3})?$")
_PHONE_RE = re.compile(r"^\+?[0-9]{8,15}$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+$")


@dataclass(frozen=True)
class Person:
    name: str
    id_number: str
    birth_date: date | None = None
    gender: str | None = None
    address: str = ""
    phone: str = ""
    email: str = ""
    old_id: str | None = None
    kind: ClassVar[str] = "person"


@dataclass(frozen=True)
class Organisation:
    name: str
    tax_code: str
    address: str = ""
    phone: str = ""
    email: str = ""
    kind: ClassVar[str] = "organisation"


Applicant: TypeAlias = Person | Organisation


@dataclass(frozen=True)
class CccdCard:
    """What the QR code of a chip-based citizen ID card says."""

    id_number: str
    old_id: str | None
    name: str
    birth_date: date
    gender: str
    address: str
    issued: date | None

    def to_person(self, *, phone: str = "", email: str = "") -> Person:
        return Person(
            name=self.name,
            id_number=self.id_number,
            birth_date=self.birth_date,
            gender=self.gender,
            address=self.address,
            phone=phone,
            email=email,
            old_id=self.old_id,
        )


def _century_and_gender(digit: int) -> tuple[int, str]:
    """Digit 4 of the ID: 0/1 = 1900s, 2/3 = 2000s, ... 8/9 = 2300s; even male, odd female."""
    return 1900 + 100 * (digit // 2), MALE if digit % 2 == 0 else FEMALE


def validate_cccd(
    id_number: str, birth_date: date | None = None, gender: str | None = None
) -> None:
    """Refuse a 12-digit citizen ID number whose structure is wrong or contradicts the person."""
    if not _ID_RE.match(id_number):
        raise ValidationError(
            _("Số định danh cá nhân phải gồm đúng 12 chữ số (nhận được {count} ký tự).").format(
                count=len(id_number)
            )
        )
    province = id_number[:3]
    if province not in PROVINCE_CODES:
        raise ValidationError(
            _("Số định danh cá nhân có mã tỉnh {code} không tồn tại.").format(code=province)
        )
    century, id_gender = _century_and_gender(int(id_number[3]))
    id_year = century + int(id_number[4:6])
    if id_year > date.today().year:
        raise ValidationError(
            _("Số định danh cá nhân ứng với năm sinh {year}, là năm trong tương lai.").format(
                year=id_year
            )
        )
    if birth_date is not None and birth_date.year != id_year:
        raise ValidationError(
            _(
                "Số định danh cá nhân ứng với năm sinh {id_year}, nhưng ngày sinh là năm {year}."
            ).format(id_year=id_year, year=birth_date.year)
        )
    if gender is not None and nfc(gender) != id_gender:
        raise ValidationError(
            _("Số định danh cá nhân ứng với giới tính {id_gender}, nhưng khai là {gender}.").format(
                id_gender=id_gender, gender=nfc(gender)
            )
        )


def validate_tax_code(code: str) -> None:
    """A tax code: 10 digits, or 10 digits, '-' and a 3-digit branch number."""
    if not _TAX_CODE_RE.match(code):
        raise ValidationError(
            _("Mã số thuế phải gồm 10 chữ số, hoặc 10 chữ số, dấu '-' và 3 chữ số chi nhánh.")
        )


def mask_id(id_number: str) -> str:
    """An ID number fit for public views and logs: "038185001122" -> "038******122"."""
    if len(id_number) <= 6:
        return "*" * len(id_number)
    return id_number[:3] + "*" * (len(id_number) - 6) + id_number[-3:]


def looks_like_cccd_qr(text: str) -> bool:
    """Whether typed text looks like a CCCD QR code (a keyboard-wedge scan): cheap, no parsing."""
    return bool(_QR_START_RE.match(text)) and text.count("|") >= 5


def _qr_date(value: str, label: str) -> date:
    if not _QR_DATE_RE.match(value):
        raise ValidationError(
            _("Mã QR căn cước có {label} không đúng dạng ngàythángnăm (ddMMyyyy).").format(
                label=label
            )
        )
    try:
        return datetime.strptime(value, "%d%m%Y").date()
    except ValueError:
        raise ValidationError(
            _("Mã QR căn cước có {label} không phải ngày có thật.").format(label=label)
        ) from None


def parse_cccd_qr(text: str) -> CccdCard:
    """Read the pipe-separated QR text of a CCCD card (7 fields, or 6 without the old ID).

    Extra fields after the seventh are ignored; the card is refused when the fields do not
    read as a card or the ID number contradicts the birth date or sex.
    """
    fields = [_clean(field) for field in CCCD_QR.clean(text).split("|")]
    if not _ID_RE.match(fields[0]) or len(fields) < 6:
        raise ValidationError(_("Đây không phải mã QR của thẻ căn cước."))
    # The 7-field layout has the birth date in field 4, the 6-field one in field 3.
    if len(fields) >= 7 and _QR_DATE_RE.match(fields[3]) and fields[4] in GENDERS:
        id_number, old_id, name, birth, gender, address, issued = fields[:7]
    elif _QR_DATE_RE.match(fields[2]) and fields[3] in GENDERS:
        id_number, name, birth, gender, address, issued = fields[:6]
        old_id = ""
    else:
        raise ValidationError(_("Đây không phải mã QR của thẻ căn cước."))
    if old_id and not _OLD_ID_RE.match(old_id):
        raise ValidationError(_("Mã QR căn cước có số CMND cũ không phải 9 hoặc 12 chữ số."))
    if not name:
        raise ValidationError(_("Mã QR căn cước không có họ tên."))
    birth_date = _qr_date(birth, _("ngày sinh"))
    issued_date = _qr_date(issued, _("ngày cấp")) if issued else None
    if issued_date is not None and issued_date < birth_date:
        raise ValidationError(_("Mã QR căn cước có ngày cấp trước ngày sinh."))
    validate_cccd(id_number, birth_date, gender)
    return CccdCard(
        id_number=id_number,
        old_id=old_id or None,
        name=name,
        birth_date=birth_date,
        gender=gender,
        address=address,
        issued=issued_date,
    )


def _clean(text: str) -> str:
    """NFC, one line, single spaces; other characters (a control at an end) left for the
    text rule to refuse."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip(" ")


def _field_text(field: str, value: str) -> str:
    """`value` on one line, checked by the text rule; the message names the field as the
    screen does, the error carries its key."""
    try:
        return APPLICANT_FIELDS[field].clean(_clean(value))
    except ValidationError as error:
        raise ValidationError(error.message, field=field) from None


def check_applicant(applicant: Applicant) -> None:
    """The text rule on an applicant made in code, as `applicant_from_json` applies it."""
    for field, value in applicant_to_json(applicant).items():
        if isinstance(value, str) and field in APPLICANT_FIELDS:
            _field_text(field, value)


def _text(obj: Mapping[str, object], field: str, *, required: bool = False) -> str:
    value = obj.get(field)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(
            _("Người nộp: {label} (“{field}”) phải là chuỗi ký tự.").format(
                label=field_label(field), field=field
            ),
            field=field,
        )
    cleaned = _field_text(field, value)
    if required and not cleaned:
        raise ValidationError(
            _("Cần nhập {field}.").format(field=APPLICANT_FIELDS[field].name), field=field
        )
    return cleaned


def _checked(obj: Mapping[str, object], field: str, check: Callable[[str], None]) -> str:
    """A text field that must pass `check` when it is given; the error carries its key (the
    check's message names the field as the screen does)."""
    value = _text(obj, field)
    if value:
        try:
            check(value)
        except ValidationError as error:
            raise ValidationError(error.message, field=field) from None
    return value


def _check_phone(value: str) -> None:
    if not _PHONE_RE.match(value.replace(" ", "").replace(".", "")):
        raise ValidationError(_("Số điện thoại chỉ gồm chữ số (8-15 số), có thể bắt đầu bằng '+'."))


def _check_email(value: str) -> None:
    if not _EMAIL_RE.match(value):
        raise ValidationError(_("Thư điện tử không đúng dạng, ví dụ: ten@example.vn."))


def _contact(obj: Mapping[str, object]) -> tuple[str, str]:
    phone = _checked(obj, "phone", _check_phone).replace(" ", "").replace(".", "")
    return phone, _checked(obj, "email", _check_email)


def _iso_date(obj: Mapping[str, object], field: str) -> date | None:
    value = _text(obj, field)
    if not value:
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            _("{label} phải là ngày dạng YYYY-MM-DD.").format(label=field_label(field)),
            field=field,
        ) from None
    if parsed > date.today():
        raise ValidationError(
            _("{label} là ngày trong tương lai.").format(label=field_label(field)), field=field
        )
    return parsed


def _refuse_unknown(obj: Mapping[str, object], allowed: frozenset[str]) -> None:
    unknown = sorted(key for key in obj if key not in allowed)
    if unknown:
        raise ValidationError(
            _("Người nộp: trường không được hỗ trợ “{field}”.").format(field=unknown[0])
        )


_PERSON_FIELDS = frozenset(
    {"kind", "name", "id_number", "birth_date", "gender", "address", "phone", "email", "old_id"}
)
_ORGANISATION_FIELDS = frozenset({"kind", "name", "tax_code", "address", "phone", "email"})
_QR_FIELDS = frozenset({"kind", "cccd_qr", "phone", "email"})


def _person(obj: Mapping[str, object]) -> Person:
    _refuse_unknown(obj, _PERSON_FIELDS)
    name = _text(obj, "name", required=True)
    id_number = _text(obj, "id_number", required=True)
    birth_date = _iso_date(obj, "birth_date")
    gender = _text(obj, "gender") or None
    if gender is not None and gender not in GENDERS:
        raise ValidationError(_("Giới tính phải là “Nam” hoặc “Nữ”."), field="gender")
    _checked(obj, "id_number", lambda value: validate_cccd(value, birth_date, gender))
    old_id = _text(obj, "old_id") or None
    if old_id is not None and not _OLD_ID_RE.match(old_id):
        raise ValidationError(_("Số CMND cũ phải gồm 9 hoặc 12 chữ số."), field="old_id")
    phone, email = _contact(obj)
    return Person(
        name=name,
        id_number=id_number,
        birth_date=birth_date,
        gender=gender,
        address=_text(obj, "address"),
        phone=phone,
        email=email,
        old_id=old_id,
    )


def _organisation(obj: Mapping[str, object]) -> Organisation:
    _refuse_unknown(obj, _ORGANISATION_FIELDS)
    name = _text(obj, "name", required=True)
    tax_code = _text(obj, "tax_code", required=True)
    _checked(obj, "tax_code", validate_tax_code)
    phone, email = _contact(obj)
    return Organisation(
        name=name, tax_code=tax_code, address=_text(obj, "address"), phone=phone, email=email
    )


def _from_qr(obj: Mapping[str, object]) -> Person:
    _refuse_unknown(obj, _QR_FIELDS)
    if obj.get("kind", "person") != "person":
        raise ValidationError(_("Người nộp: mã QR căn cước chỉ dùng cho cá nhân (kind “person”)."))
    raw = obj["cccd_qr"]
    if not isinstance(raw, str):
        raise ValidationError(
            _("Người nộp: {label} (“{field}”) phải là chuỗi ký tự.").format(
                label=field_label("cccd_qr"), field="cccd_qr"
            ),
            field="cccd_qr",
        )
    try:
        card = parse_cccd_qr(raw)
    except ValidationError as error:
        raise ValidationError(error.message, field="cccd_qr") from None
    if len(card.address) > MAX_TEXT_LENGTH or len(card.name) > MAX_TEXT_LENGTH:
        raise ValidationError(_("Mã QR căn cước dài bất thường."), field="cccd_qr")
    phone, email = _contact(obj)
    return card.to_person(phone=phone, email=email)


def applicant_from_json(obj: object) -> Applicant:
    """An applicant from the `intake --applicant-json` object, validated and NFC-normalised."""
    if not isinstance(obj, dict) or not all(isinstance(key, str) for key in obj):
        raise ValidationError(_("Người nộp phải là một đối tượng JSON."))
    if "cccd_qr" in obj:
        return _from_qr(obj)
    kind = obj.get("kind")
    if kind == Person.kind:
        return _person(obj)
    if kind == Organisation.kind:
        return _organisation(obj)
    if kind is None:
        raise ValidationError(_("Người nộp: thiếu trường “kind” (person hoặc organisation)."))
    raise ValidationError(
        _("Người nộp: trường “kind” không hợp lệ: {value} (dùng person hoặc organisation).").format(
            value=str(kind)[:40]
        )
    )


def applicant_to_json(applicant: Applicant) -> dict[str, object]:
    """The intake JSON shape of `applicant`, kind included, dates ISO."""
    if isinstance(applicant, Organisation):
        return {
            "kind": applicant.kind,
            "name": applicant.name,
            "tax_code": applicant.tax_code,
            "address": applicant.address,
            "phone": applicant.phone,
            "email": applicant.email,
        }
    return {
        "kind": applicant.kind,
        "name": applicant.name,
        "id_number": applicant.id_number,
        "birth_date": applicant.birth_date.isoformat() if applicant.birth_date else None,
        "gender": applicant.gender,
        "address": applicant.address,
        "phone": applicant.phone,
        "email": applicant.email,
        "old_id": applicant.old_id,
    }
