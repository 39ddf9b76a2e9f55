"""What the counter tells a citizen about filing a procedure online: the guide (as data,
for the CLI and the intake panel) and the printable A5 guide sheet with a QR to the portal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from counter_app.domain.catalog import Procedure
from counter_app.guidance.data import FeeComparison, GuidanceBook, ProcedureGuidance
from counter_app.i18n import N_, _

_LEVEL_LABELS = {
    "full": N_("toàn trình"),
    "partial": N_("một phần"),
    "none": N_("không có dịch vụ trực tuyến"),
}
_CONFIDENCE_LABELS = {"high": N_("cao"), "medium": N_("trung bình"), "low": N_("thấp")}


def money(amount: int | None) -> str:
    """Vietnamese money: 20.000 đ; unknown prints as “chưa rõ”."""
    if amount is None:
        return _("chưa rõ")
    return f"{amount:,}".replace(",", ".") + " đ"


@dataclass(frozen=True)
class Guide:
    procedure: Procedure
    guidance: ProcedureGuidance
    fees: FeeComparison
    day: date
    online_only: bool
    lookup_url: str
    as_of: str

    @property
    def level_label(self) -> str:
        level = self.guidance.online_level
        return _(_LEVEL_LABELS[level]) if level in _LEVEL_LABELS else _("chưa rõ")

    @property
    def headline(self) -> str:
        """The one line the clerk reads out first."""
        if self.guidance.online_available is None:
            return _("Chưa rõ thủ tục này có nộp trực tuyến được không.")
        if not self.guidance.can_file_online:
            return _("Thủ tục này chưa nộp trực tuyến được: nhận hồ sơ tại quầy.")
        saving = self.fees.saving_vnd
        if saving:
            return _("Có thể nộp trực tuyến — tiết kiệm {amount} phí, lệ phí.").format(
                amount=money(saving)
            )
        return _("Có thể nộp trực tuyến trên Cổng Dịch vụ công quốc gia, không cần đến quầy.")

    @property
    def vneid_note(self) -> str:
        level = self.guidance.vneid_level
        if level is not None:
            return _("Cần tài khoản VNeID mức độ {level}.").format(level=level)
        if self.guidance.vneid_account_required:
            return _("Đăng nhập bằng tài khoản VNeID (nên là mức độ 2).")
        return _("Mức tài khoản VNeID cần có: chưa rõ.")

    @property
    def documents(self) -> tuple[str, ...]:
        """What to photograph or scan: the procedure's documents from the catalog."""
        return tuple(
            d.name + (_(" (nếu có)") if d.conditional else "") for d in self.procedure.documents
        )

    def to_json(self) -> dict[str, Any]:
        g = self.guidance
        return {
            "procedure": self.procedure.code,
            "procedure_name": self.procedure.name,
            "date": self.day.isoformat(),
            "headline": self.headline,
            "online_available": g.online_available,
            "online_level": g.online_level,
            "online_only": self.online_only,
            "portal_page": g.portal_page,
            "submit_url": g.submit_url,
            "lookup_url": self.lookup_url,
            "vneid_level": g.vneid_level,
            "vneid_account_required": g.vneid_account_required,
            "steps": list(g.steps),
            "documents": list(self.documents),
            "fees": {
                "counter_vnd": self.fees.counter_vnd,
                "online_vnd": self.fees.online_vnd,
                "saving_vnd": self.fees.saving_vnd,
                "rules": [_rule_json(r) for r in self.fees.rules],
                "notices": [_rule_json(r) for r in self.fees.notices],
            },
            "provenance": {
                "as_of": self.as_of,
                "confidence": g.confidence,
                "sources": list(g.sources),
                "notes": list(g.notes),
                "corrections": {
                    key: {"source": c.source, "by": c.by, "at": c.at}
                    for key, c in g.corrections.items()
                },
            },
        }


def _rule_json(rule: Any) -> dict[str, Any]:
    return {
        "id": rule.id,
        "title": rule.title,
        "valid_from": rule.valid_from.isoformat() if rule.valid_from else None,
        "valid_to": rule.valid_to.isoformat() if rule.valid_to else None,
        "condition": rule.condition,
        "source": rule.source,
    }


def make_guide(book: GuidanceBook, procedure: Procedure, day: date) -> Guide:
    return Guide(
        procedure=procedure,
        guidance=book.get(procedure),
        fees=book.fees(procedure, day),
        day=day,
        online_only=book.online_only_entry(procedure.code, day) is not None,
        lookup_url=book.lookup_url,
        as_of=book.as_of,
    )


def guide_sheet_pdf(guide: Guide, office_name: str = "") -> bytes:
    """The A5 guide sheet: headline, fees, steps, documents and a QR to the portal page."""
    from reportlab.lib.enums import TA_LEFT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Spacer, Table

    from counter_app.documents.layout import PageSetup, build_pdf, make_styles, para, qr_flowable

    setup = PageSetup.parse("A5")
    st = make_styles(setup)
    # Lists and links are left-aligned: justifying a line that holds a long unbreakable
    # word (a link) stretches its spaces into gaps. A link breaks anywhere (CJK wrapping)
    # so it stays inside the page however long it is.
    item = ParagraphStyle(
        "item",
        parent=st.small,
        alignment=TA_LEFT,
        leftIndent=st.small.fontSize,
        firstLineIndent=-st.small.fontSize,
    )
    link = ParagraphStyle("link", parent=st.small, alignment=TA_LEFT, wordWrap="CJK")
    g = guide.guidance
    qr_size = 34 * 72 / 25.4
    head = [
        para(_("HƯỚNG DẪN NỘP HỒ SƠ TRỰC TUYẾN"), st.title),
        para(f"{guide.procedure.name} ({guide.procedure.code})", st.subtitle),
        para(guide.headline, st.header_bold),
    ]
    qr_caption = [
        qr_flowable(g.portal_page, qr_size),
        para(_("Quét để mở trang thủ tục"), st.small_center),
    ]
    width = setup.size[0] - (setup.margins_mm[2] + setup.margins_mm[3]) * 72 / 25.4
    story: list[Any] = [
        Table([[head, qr_caption]], colWidths=[width - qr_size - 6, qr_size + 6]),
        Spacer(1, 4),
    ]
    if g.can_file_online:
        story.append(
            para(
                _("Mức độ dịch vụ trực tuyến: {level}. {vneid}").format(
                    level=guide.level_label, vneid=guide.vneid_note
                ),
                st.body,
            )
        )
        story.append(
            para(
                _("Phí, lệ phí: tại quầy {counter}; trực tuyến {online}.").format(
                    counter=money(guide.fees.counter_vnd), online=money(guide.fees.online_vnd)
                ),
                st.body,
            )
        )
        for rule in (*guide.fees.rules, *guide.fees.notices):
            until = (
                _(" (đến {date})").format(date=f"{rule.valid_to:%d/%m/%Y}") if rule.valid_to else ""
            )
            condition = f" — {rule.condition}" if rule.condition else ""
            story.append(para(f"• {rule.title}{until}{condition}", item))
    else:
        story.append(
            para(
                _("Phí, lệ phí tại quầy: {counter}.").format(counter=money(guide.fees.counter_vnd)),
                st.body,
            )
        )
    if guide.online_only:
        story.append(para(_("Thủ tục này chỉ nhận hồ sơ trực tuyến tại đơn vị."), st.header_bold))
    if g.can_file_online:
        story.append(para(_("Các bước:"), st.header_bold))
        story += [para(f"{n}. {step}", item) for n, step in enumerate(g.steps, start=1)]
    if guide.documents:
        story.append(para(_("Giấy tờ cần chụp ảnh hoặc quét rõ nét:"), st.header_bold))
        story += [para(f"– {name}", item) for name in guide.documents]
    story.append(para(_("Trang thủ tục: {url}").format(url=g.portal_page), link))
    story.append(para(_("Tra cứu hồ sơ: {url}").format(url=guide.lookup_url), link))
    footer = _("In ngày {day}; độ tin cậy của địa chỉ Cổng: {confidence}. {office}").format(
        day=guide.day.strftime("%d/%m/%Y"),
        confidence=_(_CONFIDENCE_LABELS.get(g.confidence or "", N_("chưa rõ"))),
        office=office_name,
    )
    return build_pdf(story, setup, title=_("Hướng dẫn nộp trực tuyến"), footer=footer.strip())
