"""The lifecycle actions of the dossier detail view, without widgets.

Each action names the form fields it asks for; `perform` checks the required fields and
calls `counter_app.dossiers.service.move` (status changes), `record_event` (hand-over) or
`counter_app.dossiers.deadlines.extend_deadline` (extension with the apology letter), which
hold the rules. Which actions a dossier offers follows the lifecycle's allowed
moves, so the buttons never offer what the service would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from counter_app.domain.lifecycle import ALLOWED_MOVES, EventKind, Status
from counter_app.dossiers.deadlines import extend_deadline
from counter_app.dossiers.service import move
from counter_app.errors import ValidationError
from counter_app.i18n import N_, _
from counter_app.kernel.context import AppContext
from counter_app.kernel.dossier_store import record_event
from counter_app.kernel.users import Actor


class Field(Enum):
    REASON = "reason"
    ITEMS = "items"
    HANDLER = "handler"
    NEW_DATE = "new_date"
    RECEIVER = "receiver"
    APPROVER = "approver"


FIELD_LABELS = {
    Field.REASON: N_("Lý do / ghi chú"),
    Field.ITEMS: N_("Giấy tờ cần bổ sung (mỗi dòng một loại)"),
    Field.HANDLER: N_("Bàn giao cho (tên đăng nhập hoặc bộ phận)"),
    Field.NEW_DATE: N_("Ngày hẹn trả mới"),
    Field.RECEIVER: N_("Người nhận kết quả"),
    Field.APPROVER: N_("Lãnh đạo phê duyệt (tên đăng nhập)"),
}


@dataclass(frozen=True)
class Action:
    key: str
    label: str
    target: Status | None = None
    """The status it moves to; None for an event that keeps the status."""
    fields: tuple[Field, ...] = ()
    required: tuple[Field, ...] = ()
    shortcut: str = ""

    def available(self, status: Status) -> bool:
        if self.target is not None:
            return self.target in ALLOWED_MOVES[status]
        # Hand-over and apology concern a dossier that is still running.
        return not status.is_final and status is not Status.RESOLVED


ACTIONS = (
    Action("process", N_("Chuyển xử lý"), Status.PROCESSING, (Field.REASON,), shortcut="Alt+1"),
    Action(
        "supplement",
        N_("Yêu cầu bổ sung"),
        Status.SUPPLEMENT,
        (Field.ITEMS, Field.REASON),
        (Field.ITEMS,),
        "Alt+2",
    ),
    Action("refuse", N_("Từ chối"), Status.REFUSED, (Field.REASON,), (Field.REASON,), "Alt+3"),
    Action(
        "handover", N_("Bàn giao"), None, (Field.HANDLER, Field.REASON), (Field.HANDLER,), "Alt+4"
    ),
    Action("resolve", N_("Có kết quả"), Status.RESOLVED, (Field.REASON,), shortcut="Alt+5"),
    Action(
        "return", N_("Trả kết quả"), Status.RETURNED, (Field.RECEIVER, Field.REASON), (), "Alt+6"
    ),
    Action(
        "withdraw", N_("Rút hồ sơ"), Status.WITHDRAWN, (Field.REASON,), (Field.REASON,), "Alt+7"
    ),
    Action("stop", N_("Dừng xử lý"), Status.STOPPED, (Field.REASON,), (Field.REASON,), "Alt+8"),
    Action(
        "apology",
        N_("Gia hạn, xin lỗi"),
        None,
        (Field.NEW_DATE, Field.REASON, Field.APPROVER),
        (Field.NEW_DATE, Field.REASON),
        "Alt+9",
    ),
)
ACTIONS_BY_KEY = {action.key: action for action in ACTIONS}


@dataclass(frozen=True)
class ActionInput:
    reason: str = ""
    items: tuple[str, ...] = ()
    handler: str = ""
    new_date: date | None = None
    receiver: str = ""
    approver: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def value(self, which: Field) -> object:
        return {
            Field.REASON: self.reason.strip(),
            Field.ITEMS: self.items,
            Field.HANDLER: self.handler.strip(),
            Field.NEW_DATE: self.new_date,
            Field.RECEIVER: self.receiver.strip(),
            Field.APPROVER: self.approver.strip(),
        }[which]


def parse_items(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def available_actions(status: Status) -> list[Action]:
    return [action for action in ACTIONS if action.available(status)]


def check_input(action: Action, given: ActionInput) -> None:
    """The required fields; the rules on the values are the services'."""
    for which in action.required:
        if not given.value(which):
            raise ValidationError(_("Cần nhập “{field}”.").format(field=_(FIELD_LABELS[which])))


def perform(ctx: AppContext, code: str, actor: Actor, action: Action, given: ActionInput) -> str:
    """Run the action on the database worker; the dossier code (for the changes signal)."""
    check_input(action, given)
    reason = given.reason.strip() or None
    if action.key == "handover":
        record_event(
            ctx, code, EventKind.HANDED_OVER, actor, reason=reason, data={"to": given.handler}
        )
        return code
    if action.key == "apology":
        assert given.new_date is not None
        approver = given.approver.strip() or None
        extend_deadline(ctx, code, given.new_date, given.reason, actor, approver=approver)
        return code
    assert action.target is not None
    data: dict[str, object] = {}
    if given.items:
        data["items"] = list(given.items)
        if reason is None:
            reason = "; ".join(given.items)
    if given.receiver.strip():
        data["receiver"] = given.receiver.strip()
    move(ctx, code, action.target, actor, reason, data=data or None)
    return code
