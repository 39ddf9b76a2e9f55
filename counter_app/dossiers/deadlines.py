"""Extensions of a dossier's due date and apology letters (form 04), with reason, approver and
history (docs/rules.md §5).

Rules chosen from the regulations:

- Form 04 is signed by the head of the body, not by the clerk, so the approver is a leader.
  Anyone on the counter may record it, naming the approving leader; a leader approves their
  own by default. The approver is kept on the event with the reason and both dates.
- The 2025 form 04 is one letter, apology and extension request together: an extension
  records that letter (`letter_issued_on`). `record_apology` records a letter that gives no
  new date (a late result handed back, a letter issued again).
- The new date is a working day after today and after the due date in force; it becomes the
  dossier's `due_at` (the appointment printed, synced and shown on the desk).
- An extension does not cure lateness: form 04 is an apology "đối với hồ sơ giải quyết quá
  hạn", and Decision 766 counts on time only a result by the appointment given. The periodic
  report measures an extended dossier against the due date in force before its first
  extension (the event's `previous_due_at`). Extension limits are unknown (docs/rules.md §17): none.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import EventKind, Role, Status
from counter_app.domain.periods import check_year
from counter_app.domain.text import REASON
from counter_app.errors import PermissionDeniedError, TransitionError, ValidationError
from counter_app.i18n import _
from counter_app.kernel.context import AppContext
from counter_app.kernel.dossier_store import load_dossier
from counter_app.kernel.events import append_event
from counter_app.kernel.users import Actor, find_actor
from counter_app.kernel.views import DossierView, EventView
from counter_app.store.models import Dossier

RECORDER_ROLES = (Role.CLERK, Role.LEADER, Role.ADMIN)
# Who signs form 04: the head of the body (Chủ tịch / Phó Chủ tịch), never the clerk.
APPROVER_ROLE = Role.LEADER
# Still running: a due date can be moved. A result, a refusal, a withdrawal or a stop ends it.
EXTENDABLE = frozenset({Status.RECEIVED, Status.PROCESSING, Status.SUPPLEMENT, Status.FEES_DUE})
# An apology also suits a result handed back late; never a dossier not received or refused.
NO_APOLOGY = frozenset({Status.SUBMITTED, Status.REFUSED, Status.WITHDRAWN})
SECOND_SUPPLEMENT = 2


def makes_second_supplement(dossier: DossierView) -> bool:
    """True when a supplement request now would be the second or later (Decision 766: the
    dossier then counts as late), so the counter can warn before sending it."""
    return dossier.supplement_count + 1 >= SECOND_SUPPLEMENT


def second_supplement_warning() -> str:
    return _(
        "Yêu cầu bổ sung lần 2 sẽ tính hồ sơ là trễ hạn trong chỉ số 766, dù trả kết quả đúng hẹn."
    )


def _reason(text: str | None) -> str:
    cleaned = REASON.clean(text)
    if not cleaned:
        raise ValidationError(_("Cần ghi lý do gia hạn, xin lỗi."))
    return cleaned


def _approver(session: Session, actor: Actor, approver: str | None) -> Actor:
    """The leader who signs form 04: the one named, or the acting user."""
    signer = actor if not (approver and approver.strip()) else find_actor(session, approver)
    if signer.role is not APPROVER_ROLE:
        raise PermissionDeniedError(
            _(
                "Gia hạn, thư xin lỗi phải do lãnh đạo phê duyệt; {login} không phải lãnh đạo."
            ).format(login=signer.login)
        )
    return signer


def _iso(moment: datetime) -> str:
    return moment.astimezone(VN_TZ).isoformat()


def _new_due_moment(ctx: AppContext, new_due: date | datetime) -> datetime:
    """A day means the end of its office hours; a moment is taken as given (Vietnam time)."""
    if isinstance(new_due, datetime):
        moment = new_due if new_due.tzinfo else new_due.replace(tzinfo=VN_TZ)
        return moment.astimezone(VN_TZ)
    return datetime.combine(new_due, ctx.calendar.hours.afternoon_end, VN_TZ)


def _check_new_due(ctx: AppContext, dossier: Dossier, new_due_at: datetime, now: datetime) -> None:
    status = Status(dossier.status)
    if status not in EXTENDABLE:
        raise TransitionError(_("Hồ sơ “{status}” không gia hạn được.").format(status=status.label))
    if dossier.due_at is None:
        raise ValidationError(_("Hồ sơ không có hạn trả kết quả nên không cần gia hạn."))
    day = new_due_at.date()
    check_year(day, _("ngày hẹn trả mới"))
    if day <= now.date():
        raise ValidationError(_("Ngày hẹn trả mới phải sau hôm nay."))
    if new_due_at <= dossier.due_at:
        raise ValidationError(
            _("Ngày hẹn trả mới phải sau hạn hiện tại ({due}).").format(
                due=dossier.due_at.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")
            )
        )
    if not ctx.calendar.is_working_day(day):
        raise ValidationError(
            _("Ngày hẹn trả mới {day} không phải ngày làm việc.").format(
                day=day.strftime("%d/%m/%Y")
            )
        )


def _record(
    session: Session,
    dossier: Dossier,
    kind: EventKind,
    actor: Actor,
    now: datetime,
    reason: str,
    data: dict[str, Any],
) -> EventView:
    event = append_event(
        session,
        dossier,
        kind=kind.value,
        actor=actor.login,
        actor_role=actor.role.value,
        at=now,
        reason=reason,
        data=data,
    )
    session.flush()
    return EventView.from_row(event)


def extend_deadline(
    ctx: AppContext,
    code: str,
    new_due: date | datetime,
    reason: str,
    actor: Actor,
    *,
    approver: str | None = None,
) -> EventView:
    """Move the due date of a running dossier to `new_due`, with the apology letter (form 04):
    one `extended` event with the reason, the approver, and the due dates before and after."""
    actor.require(*RECORDER_ROLES)
    cleaned = _reason(reason)
    new_due_at = _new_due_moment(ctx, new_due)
    now = ctx.clock().astimezone(VN_TZ)
    with ctx.session() as session:
        signer = _approver(session, actor, approver)
        dossier = load_dossier(session, code, for_update=True)
        _check_new_due(ctx, dossier, new_due_at, now)
        assert dossier.due_at is not None
        previous = dossier.due_at
        dossier.due_at = new_due_at
        # The same keys as a resumption's, so a past period's report finds the date then
        # in force (reports/periodic.py).
        data: dict[str, Any] = {
            "previous_due_at": _iso(previous),
            "due_at": _iso(new_due_at),
            "approver": signer.login,
            "approver_name": signer.name,
            "letter_issued_on": now.date().isoformat(),
            "after_due": previous < now,
        }
        return _record(session, dossier, EventKind.EXTENDED, actor, now, cleaned, data)


def record_apology(
    ctx: AppContext,
    code: str,
    reason: str,
    actor: Actor,
    *,
    approver: str | None = None,
    issued_on: date | None = None,
) -> EventView:
    """An apology letter that sets no new date: an `apology` event with the reason, the
    approver, the day it was issued and the appointment it apologises for."""
    actor.require(*RECORDER_ROLES)
    cleaned = _reason(reason)
    now = ctx.clock().astimezone(VN_TZ)
    day = issued_on or now.date()
    check_year(day, _("ngày ký thư xin lỗi"))
    if day > now.date():
        raise ValidationError(_("Ngày ký thư xin lỗi không được ở tương lai."))
    with ctx.session() as session:
        signer = _approver(session, actor, approver)
        dossier = load_dossier(session, code, for_update=True)
        status = Status(dossier.status)
        if status in NO_APOLOGY:
            raise TransitionError(
                _("Hồ sơ “{status}” không có thư xin lỗi.").format(status=status.label)
            )
        data: dict[str, Any] = {
            "approver": signer.login,
            "approver_name": signer.name,
            "issued_on": day.isoformat(),
            "appointment_at": _iso(dossier.due_at) if dossier.due_at else None,
        }
        return _record(session, dossier, EventKind.APOLOGY, actor, now, cleaned, data)
