"""Vietnamese text: NFC storage, the folding used by search, and the rule every text field
obeys when it comes in (`TextField`): typed in a form, in a file, on the command line.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from counter_app.errors import ValidationError
from counter_app.i18n import N_, _


def nfc(text: str) -> str:
    """The NFC form of `text`, with surrounding white space removed."""
    return unicodedata.normalize("NFC", text).strip()


def fold(text: str) -> str:
    """Lower case without diacritics, đ→d: "Nguyễn Văn Đức" -> "nguyen van duc".

    NFC and NFD input fold alike, so a name typed by any keyboard finds the stored one.
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.lower().split())


def fold_case(text: str) -> str:
    """Lower case with every mark kept, NFC: "Thu HÀ" -> "thu hà" (a search typed with
    accents matches those accents). NFC and NFD input fold alike."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())


def search_tokens(text: str) -> list[str]:
    """Folded words of a search query, punctuation dropped."""
    cleaned = "".join(ch if ch.isalnum() else " " for ch in fold(text))
    return cleaned.split()


# --- the rule for text that comes in ---------------------------------------------------

BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""Characters that reorder what is shown without being seen (ALM, LRM, RLM, the embeddings
and overrides U+202A-U+202E, the isolates U+2066-U+2069): "Trojan Source" text that reads
one way on screen and another in the database."""

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""C0 controls but tab, line feed and carriage return; DEL; C1 controls (ESC, NUL, ...)."""
_BIDI = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "]")
_INVALID = re.compile("[\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
"""Lone surrogates (from a JSON "\\ud800") and non-characters: no text holds them."""
_BREAKS = re.compile("[\t\n\r\u2028\u2029]")
_LINE_ENDS = re.compile("\r\n|[\r\u2028\u2029]")
_UNSHOWABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff\u2028\u2029"
    + "".join(sorted(BIDI_CONTROLS))
    + "]"
)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class TextField:
    """A text field: what a person calls it, its longest value, whether it spans lines.

    `clean` is the one rule for every text that comes in, from a form, a file or the
    command line: NFC, trimmed; no control character (C0, DEL, C1), no bidirectional
    control (`BIDI_CONTROLS`), no lone surrogate or non-character; at most `max_length`
    characters; a line break or tab only in a `multiline` field (its line ends become
    "\\n"). A refusal is a ValidationError naming the field.
    """

    label: str
    """How a person names the field, a msgid (N_) translated when shown: "lý do"."""
    max_length: int
    multiline: bool = False

    @property
    def name(self) -> str:
        return _(self.label)

    def clean(self, value: str | None, *, required: bool = False) -> str:
        text = unicodedata.normalize("NFC", value or "")
        refuse_unsafe(text, self.name, multiline=True)  # at the ends too, before trimming
        text = text.strip()
        if self.multiline:
            text = _LINE_ENDS.sub("\n", text)
        if len(text) > self.max_length:
            raise ValidationError(
                _("{field} quá dài (tối đa {limit} ký tự).").format(
                    field=_capital(self.name), limit=self.max_length
                )
            )
        refuse_unsafe(text, self.name, multiline=self.multiline)
        if required and not text:
            raise ValidationError(_("Cần nhập {field}.").format(field=self.name))
        return text

    def optional(self, value: str | None) -> str | None:
        """`clean`, with None for an empty value."""
        return self.clean(value) or None


def refuse_unsafe(text: str, field: str, *, multiline: bool = False) -> None:
    """Raise ValidationError naming `field` (already translated) when `text` holds a
    character no text field takes (see `TextField`); tabs and line breaks only when
    `multiline`. The length is the caller's rule."""
    found = _CONTROL.search(text) or (None if multiline else _BREAKS.search(text))
    if found and found.group() in "\n\r\u2028\u2029":
        raise ValidationError(_("{field} phải viết trên một dòng.").format(field=_capital(field)))
    if found:
        message = _("{field} có ký tự điều khiển không được phép (U+{code:04X}).")
    elif found := _BIDI.search(text):
        message = _("{field} có ký tự đảo chiều văn bản không được phép (U+{code:04X}).")
    elif found := _INVALID.search(text):
        message = _("{field} có ký tự không hợp lệ (U+{code:04X}).")
    else:
        return
    raise ValidationError(message.format(field=_capital(field), code=ord(found.group())))


def visible(text: str) -> str:
    """`text` safe to print on one terminal line: line breaks and tabs as spaces, every
    other control, bidirectional control or unencodable character as U+FFFD. For data
    stored before the rule above, and for input echoed in an error message."""
    text = text.replace("\r\n", " ").replace("\n", " ").replace("\t", " ").replace("\r", " ")
    return _UNSHOWABLE.sub("\ufffd", text)


# --- the text fields shared across the program and their limits -------------------------
# Limits stay within the database columns (store/models.py), so PostgreSQL never refuses
# a value the rule let through. Fields of one rule live beside it (applicants, catalog).

PORTAL_CODE = TextField(N_("mã hồ sơ trên Cổng"), 64)
COMPETENT_BODY = TextField(N_("cơ quan có thẩm quyền giải quyết"), 200)
REASON = TextField(N_("lý do"), 2000, multiline=True)
LATE_ENTRY_REASON = TextField(N_("lý do nhập muộn"), 2000, multiline=True)
OVERRIDE_REASON = TextField(N_("lý do cho phép nhận hồ sơ giấy"), 2000, multiline=True)
PAPER_REASON_DETAIL = TextField(N_("lý do nộp giấy"), 180)
"""The citizen's words after "other: " (the column holds 200 with the prefix)."""
HANDLER = TextField(N_("người xử lý"), 64)
APPROVER = TextField(N_("lãnh đạo phê duyệt"), 64)
USER_NAME = TextField(N_("họ tên người dùng"), 200)
OFFICE_NAME = TextField(N_("tên đơn vị"), 200)
PARENT_BODY = TextField(N_("tên cơ quan chủ quản"), 200)
HOLIDAY_NAME = TextField(N_("tên ngày"), 200)
SEARCH_TEXT = TextField(N_("nội dung tìm kiếm"), 200)
DOCUMENT_NAME = TextField(N_("tên thành phần hồ sơ"), 1000)
ORIGINAL_OR_COPY = TextField(N_("loại bản (chính, sao)"), 40)
FEE_NAME = TextField(N_("tên khoản phí"), 300)
PAYMENT_REFERENCE = TextField(N_("mã giao dịch"), 120)
BANK_ACCOUNT_NAME = TextField(N_("tên chủ tài khoản"), 200)
GUIDANCE_KEY = TextField(N_("mã mục dữ liệu hướng dẫn"), 64)
GUIDANCE_TEXT = TextField(N_("nội dung sửa dữ liệu hướng dẫn"), 2000)
GUIDANCE_SOURCE = TextField(N_("nguồn sửa dữ liệu hướng dẫn"), 1000)
