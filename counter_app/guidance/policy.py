"""The guidance rules that apply at intake: online-only procedures, reasons for paper,
one dossier per portal filing.

`check_intake` is called by `dossiers.service.intake` before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

import sqlalchemy as sa

from counter_app.domain.catalog import Procedure
from counter_app.domain.lifecycle import Channel, Role
from counter_app.domain.text import OVERRIDE_REASON, PAPER_REASON_DETAIL, nfc
from counter_app.errors import PermissionDeniedError, ValidationError
from counter_app.guidance.data import load_guidance
from counter_app.i18n import N_, _
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import Actor
from counter_app.store.models import Dossier


class IntakeFacts(Protocol):
    """What the guidance rules read of an intake request (the dossiers slice's IntakeRequest)."""

    @property
    def channel(self) -> Channel: ...
    @property
    def paper_reason(self) -> str | None: ...
    @property
    def override_reason(self) -> str | None: ...
    @property
    def override_by(self) -> Actor | None: ...
    @property
    def portal_code(self) -> str | None: ...


MAX_OVERRIDE_REASON_LENGTH = OVERRIDE_REASON.max_length
MAX_OTHER_REASON_LENGTH = PAPER_REASON_DETAIL.max_length  # 200 with the "other: " prefix

# Why a walk-in files on paper a procedure that could be filed online (the reports count them).
PAPER_REASONS: dict[str, str] = {
    "no_vneid": N_("Chưa có tài khoản VNeID mức độ 2"),
    "no_smartphone": N_("Không có điện thoại thông minh"),
    "elderly": N_("Người cao tuổi hoặc khuyết tật"),
    "prefers_paper": N_("Công dân muốn nộp hồ sơ giấy"),
    "portal_down": N_("Cổng dịch vụ công bị lỗi"),
    "other": N_("Lý do khác"),
}
OTHER = "other"


def paper_reason_label(code: str) -> str:
    return _(PAPER_REASONS.get(code, PAPER_REASONS[OTHER]))


def split_paper_reason(stored: str) -> tuple[str, str]:
    """(code, free text) of a stored reason: "no_vneid", or "other: the citizen's words"."""
    code, _sep, text = stored.partition(":")
    code = code.strip()
    return (code, text.strip()) if code in PAPER_REASONS else (OTHER, stored.strip())


def normalise_paper_reason(text: str) -> str:
    """The stored form of a reason: a known code, or "other: TEXT" (text required)."""
    code, _sep, detail = nfc(text).partition(":")
    code, detail = code.strip(), detail.strip()
    if code not in PAPER_REASONS or (code == OTHER and not detail):
        raise ValidationError(
            _(
                "Lý do nộp giấy không hợp lệ; dùng một trong: {codes} (“other: …” kèm giải thích)."
            ).format(codes=", ".join(PAPER_REASONS))
        )
    if code != OTHER:
        if detail:
            raise ValidationError(_("Chỉ lý do “khác” mới kèm lời giải thích."))
        return code
    return f"{OTHER}: {PAPER_REASON_DETAIL.clean(detail)}"


@dataclass(frozen=True)
class IntakeDecision:
    paper_reason: str | None
    event_data: dict[str, Any] = field(default_factory=dict)


def check_intake(
    ctx: AppContext, request: IntakeFacts, procedure: Procedure, actor: Actor, day: date
) -> IntakeDecision:
    """Apply the guidance rules to one intake; raise when the dossier must not be taken."""
    paper = not request.channel.is_online
    data: dict[str, Any] = {}
    paper_reason = None
    if request.paper_reason:
        if not paper:
            raise ValidationError(
                _("Lý do nộp giấy chỉ ghi cho hồ sơ nộp trực tiếp hoặc bưu chính.")
            )
        paper_reason = normalise_paper_reason(request.paper_reason)
        data["paper_reason"] = paper_reason
    override_reason = OVERRIDE_REASON.clean(request.override_reason)
    online_only = load_guidance(ctx.data_dir).online_only_entry(procedure.code, day)
    if online_only is not None and paper:
        if not override_reason:
            raise ValidationError(
                _(
                    "Thủ tục {code} chỉ nhận hồ sơ trực tuyến: hướng dẫn hoặc hỗ trợ công dân nộp "
                    "trên Cổng; nhận hồ sơ giấy cần lãnh đạo cho phép và ghi lý do."
                ).format(code=procedure.code)
            )
        approver = request.override_by or actor
        if approver.role is not Role.LEADER:
            raise PermissionDeniedError(
                _("Chỉ lãnh đạo được cho phép nhận hồ sơ giấy của thủ tục chỉ nhận trực tuyến.")
            )
        data["online_only_override"] = {
            "by": approver.login,
            "role": approver.role.value,
            "reason": override_reason,
            "list_source": online_only.source,
        }
    elif override_reason or request.override_by is not None:
        raise ValidationError(
            _("Không cần lãnh đạo cho phép: thủ tục này được nhận qua kênh đã chọn.")
        )
    portal_code = (request.portal_code or "").strip()
    if portal_code:
        _refuse_second_dossier(ctx, portal_code)
    return IntakeDecision(paper_reason, data)


def _refuse_second_dossier(ctx: AppContext, portal_code: str) -> None:
    """One filing on the portal is one dossier at the counter (docs/rules.md §2)."""
    with ctx.session() as session:
        existing = session.execute(
            sa.select(Dossier.code).where(Dossier.portal_code == portal_code).limit(1)
        ).scalar()
    if existing is not None:
        raise ValidationError(
            _("Hồ sơ {portal} trên Cổng đã được ghi nhận tại quầy với mã {code}.").format(
                portal=portal_code, code=existing
            )
        )
