"""Recording "guided to online": the clerk showed a citizen how to file a procedure online.

Counted apart from "received" (docs/rules.md §10): a citizen who then files from
home leaves no dossier at the counter. The outcome says how the session ended; "could
not" carries one of the reasons for paper (`policy.PAPER_REASONS`), the same codes the
paper dossiers use, so the two counts can be read side by side. Nothing about the citizen
is stored: the metric does not need it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa

from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Channel
from counter_app.errors import ValidationError
from counter_app.guidance.data import load_guidance
from counter_app.guidance.models import GuidanceSession
from counter_app.guidance.policy import normalise_paper_reason
from counter_app.i18n import N_, _
from counter_app.kernel.context import AppContext
from counter_app.kernel.dossier_store import ensure_office, load_dossier
from counter_app.kernel.users import Actor


class GuidanceOutcome(StrEnum):
    ASSISTED = "assisted"
    """Filed online at the counter with the clerk's help."""
    AT_HOME = "at_home"
    """Shown how; will file online by themselves."""
    COULD_NOT = "could_not"
    """Could not file online (a reason is required)."""

    @property
    def label(self) -> str:
        return _(_OUTCOME_LABELS[self])

    @classmethod
    def parse(cls, text: str) -> GuidanceOutcome:
        cleaned = text.strip().lower().replace("-", "_")
        for outcome in cls:
            if cleaned == outcome.value:
                return outcome
        raise ValidationError(
            _("Kết quả hướng dẫn không hợp lệ: {value}. Dùng một trong: {names}.").format(
                value=text, names=", ".join(o.value for o in cls)
            )
        )


_OUTCOME_LABELS = {
    GuidanceOutcome.ASSISTED: N_("Đã nộp trực tuyến tại quầy (có hỗ trợ)"),
    GuidanceOutcome.AT_HOME: N_("Công dân sẽ tự nộp trực tuyến"),
    GuidanceOutcome.COULD_NOT: N_("Không nộp trực tuyến được"),
}


@dataclass(frozen=True)
class GuidanceRecord:
    uuid: str
    procedure_code: str
    catalog_version: str
    at: datetime
    clerk: str
    outcome: GuidanceOutcome
    reason: str | None
    dossier_code: str | None

    def to_json(self) -> dict[str, object]:
        return {
            "uuid": self.uuid,
            "procedure": self.procedure_code,
            "catalog_version": self.catalog_version,
            "at": self.at.astimezone(VN_TZ).isoformat(),
            "clerk": self.clerk,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "dossier": self.dossier_code,
        }


def record_guidance(
    ctx: AppContext,
    procedure: str,
    outcome: GuidanceOutcome | str,
    actor: Actor,
    *,
    reason: str | None = None,
    dossier_code: str | None = None,
) -> GuidanceRecord:
    """Log one guidance session; raise ValidationError/NotFoundError on bad input."""
    found = ctx.catalog.get(procedure)
    if isinstance(outcome, str):
        outcome = GuidanceOutcome.parse(outcome)
    guidance = load_guidance(ctx.data_dir).get(found)
    if guidance.online_available is False:
        raise ValidationError(
            _("Thủ tục {code} chưa nộp trực tuyến được: không có gì để hướng dẫn.").format(
                code=found.code
            )
        )
    reason = (reason or "").strip() or None
    if outcome is GuidanceOutcome.COULD_NOT:
        if reason is None:
            raise ValidationError(_("Ghi lý do công dân không nộp trực tuyến được."))
        reason = normalise_paper_reason(reason)
    elif reason is not None:
        raise ValidationError(_("Chỉ ghi lý do khi công dân không nộp trực tuyến được."))
    dossier_code = (dossier_code or "").strip() or None
    if dossier_code is not None and outcome is not GuidanceOutcome.ASSISTED:
        raise ValidationError(_("Chỉ gắn mã hồ sơ khi đã hỗ trợ nộp trực tuyến tại quầy."))
    at, key = ctx.clock(), str(uuid.uuid4())
    with ctx.session() as session:
        dossier_id = None
        if dossier_code is not None:
            dossier = load_dossier(session, dossier_code)
            if not Channel(dossier.channel).is_online or dossier.procedure_code != found.code:
                raise ValidationError(
                    _("Hồ sơ {dossier} không phải hồ sơ trực tuyến của thủ tục {code}.").format(
                        dossier=dossier.code, code=found.code
                    )
                )
            linked = session.execute(
                sa.select(GuidanceSession.id).where(GuidanceSession.dossier_id == dossier.id)
            ).first()
            if linked is not None:
                raise ValidationError(
                    _("Hồ sơ {dossier} đã được ghi nhận là kết quả của một lần hướng dẫn.").format(
                        dossier=dossier.code
                    )
                )
            dossier_code, dossier_id = dossier.code, dossier.id
        row = GuidanceSession(
            uuid=key,
            office_id=ensure_office(session, ctx).id,
            procedure_code=found.code,
            catalog_version=ctx.catalog.version,
            at=at,
            clerk=actor.login,
            outcome=outcome.value,
            reason=reason,
            dossier_id=dossier_id,
        )
        session.add(row)
    return GuidanceRecord(
        uuid=key,
        procedure_code=found.code,
        catalog_version=ctx.catalog.version,
        at=at,
        clerk=actor.login,
        outcome=outcome,
        reason=reason,
        dossier_code=dossier_code,
    )
