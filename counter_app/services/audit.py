"""The audit chain: every event carries the hash of the one before it.

The chain is global (ordered by event id) and its end is kept in the single `ledger_head`
row, which every writer locks, so the chain is one line even with several counters on a
shared PostgreSQL. Each event also records a digest of its dossier's state after the
event, so an edited dossier row no longer matches the last event that touched it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from counter_app.i18n import _
from counter_app.store.models import Dossier, Event, LedgerHead, OutboxItem

GENESIS_HASH = "0" * 64


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _time(value: datetime | None) -> str | None:
    """Hash times in UTC: the database gives back UTC whatever zone went in."""
    return None if value is None else value.astimezone(UTC).isoformat(timespec="microseconds")


def dossier_state(dossier: Dossier) -> dict[str, Any]:
    """The fields of a dossier that the chain protects."""
    return {
        "code": dossier.code,
        "office_id": dossier.office_id,
        "competent_body": dossier.competent_body,
        "procedure_code": dossier.procedure_code,
        "catalog_version": dossier.catalog_version,
        "channel": dossier.channel,
        "status": dossier.status,
        "applicant": dossier.applicant,
        "submitted_at": _time(dossier.submitted_at),
        "received_at": _time(dossier.received_at),
        "received_by": dossier.received_by,
        "due_at": _time(dossier.due_at),
        "paused_at": _time(dossier.paused_at),
        "resolved_at": _time(dossier.resolved_at),
        "returned_at": _time(dossier.returned_at),
        "handler": dossier.handler,
        "late_entry": dossier.late_entry,
        "late_entry_reason": dossier.late_entry_reason,
        "supplement_count": dossier.supplement_count,
        "portal_code": dossier.portal_code,
        "paper_reason": dossier.paper_reason,
        "fee_total": dossier.fee_total,
        "payment_method": dossier.payment_method,
    }


def state_digest(dossier: Dossier) -> str:
    return hashlib.sha256(_canonical(dossier_state(dossier)).encode()).hexdigest()


def event_hash(event: Event, dossier_code: str) -> str:
    payload = {
        "uuid": event.uuid,
        "dossier": dossier_code,
        "kind": event.kind,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "actor": event.actor,
        "actor_role": event.actor_role,
        "at": _time(event.at),
        "reason": event.reason,
        "data": event.data,
        "state_digest": event.state_digest,
        "prev_hash": event.prev_hash,
    }
    return hashlib.sha256(_canonical(payload).encode()).hexdigest()


def _lock_head(session: Session) -> LedgerHead:
    head = session.execute(
        sa.select(LedgerHead).where(LedgerHead.id == 1).with_for_update()
    ).scalar_one()
    return head


def append_event(
    session: Session,
    dossier: Dossier,
    *,
    kind: str,
    actor: str,
    actor_role: str,
    at: datetime,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> Event:
    """Record an event after the dossier row has been changed, and queue it for sync.

    Call it last in the unit of work, after every change to the dossier: the state
    digest is taken from the dossier as it is now.
    """
    head = _lock_head(session)
    if not dossier.head_hash:
        dossier.head_hash = "pending"  # set for real below, once the event hash is known
    session.flush()  # the dossier needs its id
    event = Event(
        uuid=str(uuid.uuid4()),
        dossier_id=dossier.id,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        actor_role=actor_role,
        at=at,
        reason=reason,
        data=data or {},
        state_digest="",
        prev_hash=head.last_hash,
        hash="",
    )
    event.state_digest = state_digest(dossier)
    event.hash = event_hash(event, dossier.code)
    dossier.head_hash = event.hash
    session.add(event)
    session.flush()
    head.last_event_id = event.id
    head.last_hash = event.hash
    session.add(OutboxItem(event_id=event.id, created_at=at))
    return event


@dataclass(frozen=True)
class VerifyProblem:
    what: str
    where: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def verify_chain(session: Session) -> list[VerifyProblem]:
    """Every problem of the event chain and of the dossiers it protects."""
    problems: list[VerifyProblem] = []
    codes = dict(session.execute(sa.select(Dossier.id, Dossier.code)).all())
    last_hash = GENESIS_HASH
    last_event_by_dossier: dict[int, Event] = {}
    for event in session.execute(sa.select(Event).order_by(Event.id)).scalars():
        where = _("sự kiện {id}").format(id=event.id)
        code = codes.get(event.dossier_id)
        if code is None:
            problems.append(VerifyProblem(_("hồ sơ của sự kiện đã bị xóa"), where))
            code = ""
        if event.prev_hash != last_hash:
            problems.append(VerifyProblem(_("chuỗi bị đứt: thiếu hoặc sửa sự kiện trước"), where))
        if event_hash(event, code) != event.hash:
            problems.append(VerifyProblem(_("nội dung sự kiện đã bị sửa"), where))
        last_hash = event.hash
        last_event_by_dossier[event.dossier_id] = event
        session.expunge(event)
    head = session.execute(sa.select(LedgerHead).where(LedgerHead.id == 1)).scalar_one()
    if head.last_hash != last_hash:
        problems.append(VerifyProblem(_("sự kiện cuối cùng đã bị xóa"), _("sổ sự kiện")))
    for dossier in session.execute(sa.select(Dossier)).scalars():
        last = last_event_by_dossier.get(dossier.id)
        if last is None:
            problems.append(VerifyProblem(_("hồ sơ không có lịch sử"), dossier.code))
        elif last.state_digest != state_digest(dossier):
            problems.append(VerifyProblem(_("dữ liệu hồ sơ bị sửa ngoài ứng dụng"), dossier.code))
        elif dossier.head_hash != last.hash:
            problems.append(VerifyProblem(_("mã băm đầu chuỗi của hồ sơ không khớp"), dossier.code))
        session.expunge(dossier)
    return problems
