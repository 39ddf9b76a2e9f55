"""The intake screen without widgets: procedure ranking, labels, the QR wedge, the request.

No Qt here, so it is tested without widgets: the widget copies its fields into an
`IntakeDraft` and this module turns it into an `IntakeRequest`, or a `ValidationError`
whose message names the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from counter_app.domain.applicants import Applicant, CccdCard, applicant_from_json
from counter_app.domain.calendar import LimitUnit, TimeLimit
from counter_app.domain.catalog import Catalog, Procedure
from counter_app.domain.lifecycle import Channel, Delivery
from counter_app.domain.text import fold
from counter_app.dossiers.service import DocumentLine, FeeLine, IntakeRequest
from counter_app.errors import CounterError, ValidationError
from counter_app.guidance.policy import OTHER
from counter_app.i18n import N_, _
from counter_app.kernel.users import Actor
from counter_app.scanning.devices import CancelToken, Registry, ScanRequest
from counter_app.scanning.images import ColourMode

CARD_SCAN_DPI = 300  # a card QR decodes reliably from 300 dpi (150 dpi needs fallbacks)
ONLINE_LEVEL_LABELS = {
    "full": N_("trực tuyến toàn trình"),
    "partial": N_("trực tuyến một phần"),
    "none": N_("không trực tuyến"),
}


def rank_procedures(catalog: Catalog, query: str, usage: dict[str, int]) -> list[Procedure]:
    """Type-ahead: every procedure when the query is empty, else matches; most used first.

    The catalog search ignores diacritics and case; among its matches the sort is stable,
    so equally used procedures keep the catalog's match order.
    """
    found = list(catalog.procedures) if not query.strip() else catalog.search(query)
    return sorted(found, key=lambda procedure: -usage.get(procedure.code, 0))


def money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đ"


def limit_text(limit: TimeLimit) -> str:
    if limit.same_day_cutoff is not None:
        return _("trong ngày (nhận sau {cutoff} trả ngày làm việc sau)").format(
            cutoff=limit.same_day_cutoff.strftime("%H:%M")
        )
    value = f"{limit.value:g}"
    if limit.unit is LimitUnit.WORKING_HOURS:
        return _("{n} giờ làm việc").format(n=value)
    if limit.unit is LimitUnit.CALENDAR_DAYS:
        return _("{n} ngày").format(n=value)
    return _("{n} ngày làm việc").format(n=value)


def procedure_summary(procedure: Procedure) -> str:
    """One line for the picker: time limit, fee and online level."""
    if procedure.fee_vnd is None:
        fee = _("phí theo quy định của tỉnh")  # the national figure is not one number
    elif procedure.fee_vnd == 0:
        fee = _("miễn phí")
    else:
        fee = money(procedure.fee_vnd)
    return f"{limit_text(procedure.time_limit)} · {fee} · {online_text(procedure)}"


def online_text(procedure: Procedure) -> str:
    """The online level; an unknown level with an online channel is not "not online"."""
    if procedure.online_level in ONLINE_LEVEL_LABELS:
        return _(ONLINE_LEVEL_LABELS[procedure.online_level])
    if any(fold(channel) == "truc tuyen" for channel in procedure.submission_channels):
        return _("có nộp trực tuyến (chưa rõ mức)")
    return _("chưa rõ có nộp trực tuyến")


# --- the keyboard-wedge QR reader ------------------------------------------------------

_QR_START = re.compile(r"[0-9]{12}\|")
MAX_WEDGE_BUFFER = 1000


class WedgeBuffer:
    """Recognises CCCD QR text typed by a 2D reader, whatever field has the focus.

    Feed it every character typed in the applicant panel. Once 12 digits and a pipe went
    by, it is `active`: the following characters belong to the QR and must not reach the
    fields (`feed` returns True for them). `finish()` (on Enter, or when the reader goes
    quiet) returns the QR text and how many leading characters already reached the
    focused field before the QR was recognised.
    """

    def __init__(self) -> None:
        self.text = ""
        self.active = False
        self.leaked = 0

    def feed(self, chars: str) -> bool:
        """Record typed text; True when it belongs to a QR and must be swallowed."""
        if self.active:
            self.text += chars
            if len(self.text) > MAX_WEDGE_BUFFER:
                self.reset()
            return True
        self.text = (self.text + chars)[-MAX_WEDGE_BUFFER:]
        match = _QR_START.search(self.text)
        if match is None:
            return False
        self.text = self.text[match.start() :]
        self.active = True
        self.leaked = len(self.text) - len(chars)  # the 12 digits already typed into a field
        return True

    def finish(self) -> tuple[str, int] | None:
        """The QR text and the leaked count, when active; the buffer starts over."""
        result = (self.text, self.leaked) if self.active else None
        self.reset()
        return result

    def reset(self) -> None:
        self.text = ""
        self.active = False
        self.leaked = 0


def card_fields(card: CccdCard) -> dict[str, str]:
    """The applicant fields a card fills (dates in the dd/mm/yyyy the form uses)."""
    return {
        "id_number": card.id_number,
        "name": card.name,
        "birth_date": card.birth_date.strftime("%d/%m/%Y"),
        "gender": card.gender,
        "address": card.address,
    }


def read_card_from_file(path: Path) -> CccdCard:
    """The CCCD in a photo or scan of the card (any page of a PDF); off the GUI thread."""
    from counter_app.scanning.files import load_file
    from counter_app.scanning.qr import read_cccd

    failure: CounterError | None = None
    for image in load_file(path):
        try:
            return read_cccd(image)
        except CounterError as exc:
            failure = failure or exc
    raise failure or ValidationError(_("Không tìm thấy mã QR trong ảnh."))


def read_card_from_scanner(registry: Registry, device: str) -> CccdCard:
    """Scan the card on the flatbed of `device` (one grey page at 300 dpi) and read its QR."""
    from counter_app.scanning.qr import read_cccd

    scanner = registry.open(device)
    try:
        request = ScanRequest(dpi=CARD_SCAN_DPI, mode=ColourMode.GRAY, pages=1)
        for image in scanner.scan(request, CancelToken()):
            return read_cccd(image)
    finally:
        scanner.close()
    raise ValidationError(_("Máy quét không trả về trang nào."))


# --- the draft -------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentChoice:
    name: str
    original_or_copy: str
    copies: int
    provided: bool


@dataclass(frozen=True)
class IntakeDraft:
    """What the intake form holds, as text and choices."""

    procedure_code: str | None
    organisation: bool = False
    id_number: str = ""
    name: str = ""
    birth_date: str = ""
    gender: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    tax_code: str = ""
    documents: tuple[DocumentChoice, ...] = ()
    fee: int = 0
    channel: Channel = Channel.DIRECT
    portal_code: str = ""
    paper_reason: str | None = None
    """The guidance panel's choice: a reason code, "other", or "other: TEXT"."""
    paper_reason_required: bool = False
    """The procedure can be filed online (the clerk says why this one is on paper)."""
    override_by: Actor | None = None
    override_reason: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    result_delivery: Delivery | None = None
    """None: by post for a postal filing, else at the counter."""


def parse_form_date(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    for pattern in ("%d/%m/%Y", "%d%m%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValidationError(
        _("Ngày sinh phải có dạng ngày/tháng/năm, ví dụ 05/09/1990."), field="birth_date"
    )


def build_applicant(draft: IntakeDraft) -> Applicant:
    """The applicant, validated by the same rules as the command line."""
    if draft.organisation:
        if not draft.name.strip():
            raise ValidationError(_("Nhập tên tổ chức."), field="name")
        if not draft.tax_code.strip():
            raise ValidationError(_("Nhập mã số thuế của tổ chức."), field="tax_code")
        return applicant_from_json(
            {
                "kind": "organisation",
                "name": draft.name,
                "tax_code": draft.tax_code.strip(),
                "address": draft.address,
                "phone": draft.phone,
                "email": draft.email,
            }
        )
    if not draft.id_number.strip():
        raise ValidationError(
            _("Nhập số định danh cá nhân (12 chữ số) hoặc quét mã QR căn cước."),
            field="id_number",
        )
    if not draft.name.strip():
        raise ValidationError(_("Nhập họ tên người nộp."), field="name")
    birth = parse_form_date(draft.birth_date)
    person: dict[str, object] = {
        "kind": "person",
        "name": draft.name,
        "id_number": draft.id_number.strip(),
        "gender": draft.gender or None,
        "address": draft.address,
        "phone": draft.phone,
        "email": draft.email,
    }
    if birth is not None:
        person["birth_date"] = birth.isoformat()
    return applicant_from_json(person)


def build_request(draft: IntakeDraft, catalog: Catalog) -> IntakeRequest:
    if not draft.procedure_code:
        raise ValidationError(_("Chọn thủ tục trước khi tiếp nhận."), field="procedure")
    procedure = catalog.get(draft.procedure_code)
    applicant = build_applicant(draft)
    if draft.fee < 0:
        raise ValidationError(_("Số tiền phí không được âm."), field="fee")
    fees: tuple[FeeLine, ...] = ()
    if draft.fee > 0:
        # Unpaid at intake: the clerk confirms cash / VietQR / portal afterwards.
        fees = (FeeLine(_("Phí, lệ phí theo quy định"), draft.fee),)
    if draft.channel is Channel.ASSISTED and not draft.portal_code.strip():
        raise ValidationError(
            _("Hồ sơ hỗ trợ nộp trực tuyến cần mã hồ sơ trên Cổng."), field="portal_code"
        )
    paper = not draft.channel.is_online
    paper_reason = draft.paper_reason if paper else None
    if paper and draft.paper_reason_required and not paper_reason:
        raise ValidationError(
            _("Thủ tục này nộp trực tuyến được: chọn lý do công dân nộp hồ sơ giấy."),
            field="paper_reason",
        )
    if paper_reason == OTHER:
        raise ValidationError(
            _("Ghi rõ lý do khác khiến công dân nộp hồ sơ giấy."), field="paper_reason"
        )
    documents = tuple(
        DocumentLine(d.name, d.original_or_copy, d.copies, d.provided) for d in draft.documents
    )
    return IntakeRequest(
        procedure_code=procedure.code,
        applicant=applicant,
        channel=draft.channel,
        documents=documents or None,
        fees=fees,
        portal_code=draft.portal_code.strip() or None,
        paper_reason=paper_reason,
        override_reason=draft.override_reason.strip() or None,
        override_by=draft.override_by,
        extra=dict(draft.extra),
        result_delivery=draft.result_delivery,
    )
