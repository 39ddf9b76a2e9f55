"""The audit chain: every event carries the hash of the one before it.

The chain is global (ordered by event id) and its end is kept in the single `ledger_head`
row, which every writer locks, so the chain is one line even with several counters on a
shared PostgreSQL. Each event also records a digest of its dossier's state after the
event, so an edited dossier row no longer matches the last event that touched it.

The digest is versioned inside its own 64 characters (no schema change). Version 1 (bare
hex) covered the dossier row without its cached name, ID number, procedure name and search
columns, and none of its documents, fees and pages. Version 2 ("v2:" prefix) covers all of
them. Old events cannot be re-digested: the digest is inside the event hash, which the hub
already holds. So each dossier is checked with its last event's formula. The cached
columns are also recomputed from the applicant JSON for every dossier, old or new.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from counter_app.i18n import _
from counter_app.store.models import (
    Dossier,
    DossierDocument,
    DossierFee,
    Event,
    LedgerHead,
    OutboxItem,
    Page,
)
from counter_app.store.search import name_key, searchable_text

GENESIS_HASH = "0" * 64


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _time(value: datetime | None) -> str | None:
    """Hash times in UTC: the database gives back UTC whatever zone went in."""
    return None if value is None else value.astimezone(UTC).isoformat(timespec="microseconds")


def _hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _sha(value: Any) -> str:
    return _hex(_canonical(value))


def dossier_state(dossier: Dossier) -> dict[str, Any]:
    """What the first digest formula (version 1, bare hex) covers; kept to check old events."""
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


def legacy_state_digest(dossier: Dossier) -> str:
    """Version 1: the dossier row without its cached columns and without its child rows."""
    return _sha(dossier_state(dossier))


DIGEST_V2 = "v2:"
STATE_SECTIONS = ("record", "applicant", "procedure", "documents", "fees", "pages")
_HINT_LENGTH = 4
_FULL_LENGTH = 64 - len(DIGEST_V2) - _HINT_LENGTH * len(STATE_SECTIONS)


def cached_columns(code: str, applicant: Any, portal_code: str | None) -> dict[str, Any]:
    """The dossier columns copied from its applicant JSON for the desk lists and search.

    Intake writes them from here and `verify` recomputes them, so the rule is written once.
    """
    applicant = applicant if isinstance(applicant, dict) else {}
    kind = applicant.get("kind")
    name = applicant.get("name")
    id_number = applicant.get("id_number") if kind == "person" else None
    tax_code = applicant.get("tax_code") if kind == "organisation" else None
    return {
        "applicant_kind": kind,
        "applicant_name": name,
        "applicant_id_number": id_number,
        "search_folded": searchable_text(
            code, name, id_number, tax_code, applicant.get("phone"), portal_code
        ),
        "search_name": name_key(name),
    }


_NOT_IN_RECORD = ("applicant", "procedure_code", "catalog_version", "fee_total", "payment_method")
"""Fields of the version-1 state that version 2 keeps in their own sections instead."""


def _record(dossier: Dossier) -> dict[str, Any]:
    record = {k: v for k, v in dossier_state(dossier).items() if k not in _NOT_IN_RECORD}
    record["entered_at"] = _time(dossier.entered_at)
    return record


def state_sections(
    dossier: Dossier,
    documents: Iterable[DossierDocument | Any],
    fees: Iterable[DossierFee | Any],
    pages: Iterable[Page | Any],
) -> dict[str, Any]:
    """Everything of a dossier a clerk, a printed form, a report or the sync reads (version 2).

    The child rows are ORM objects or plain rows with the same attribute names.

    Frozen, like `dossier_state`: events hold digests of exactly this; covering another
    field means a version 3 beside it, not an edit here.
    """
    return {
        "record": _record(dossier),
        "applicant": {
            "applicant": dossier.applicant,
            "kind": dossier.applicant_kind,
            "name": dossier.applicant_name,
            "id_number": dossier.applicant_id_number,
            "search_folded": dossier.search_folded,
        },
        "procedure": {
            "code": dossier.procedure_code,
            "name": dossier.procedure_name,
            "field": dossier.procedure_field,
            "catalog_version": dossier.catalog_version,
        },
        "documents": [
            {
                "id": d.id,
                "position": d.position,
                "name": d.name,
                "original_or_copy": d.original_or_copy,
                "copies": d.copies,
                "provided": d.provided,
                "digitised": d.digitised,
                "reused": d.reused,
            }
            for d in sorted(documents, key=lambda d: d.id)
        ],
        "fees": {
            "total": dossier.fee_total,
            "payment_method": dossier.payment_method,
            "lines": [
                {
                    "id": f.id,
                    "name": f.name,
                    "amount": f.amount,
                    "payment_method": f.payment_method,
                    "paid_at": _time(f.paid_at),
                }
                for f in sorted(fees, key=lambda f: f.id)
            ],
        },
        "pages": [
            {
                "id": p.id,
                "document_id": p.document_id,
                "position": p.position,
                "is_result": p.is_result,
                "sha256": p.sha256,
                "media_type": p.media_type,
                "size_bytes": p.size_bytes,
                "width": p.width,
                "height": p.height,
                "dpi": p.dpi,
                "blank": p.blank,
                "rotation": p.rotation,
                "added_at": _time(p.added_at),
                "added_by": p.added_by,
            }
            for p in sorted(pages, key=lambda p: p.id)
        ],
    }


def sections_digest(sections: dict[str, Any]) -> str:
    """Version 2 in the 64 characters of `events.state_digest`: "v2:", a short hint per
    section (to name what was changed, not to protect it), then the digest of the whole."""
    parts = {name: _canonical(value) for name, value in sections.items()}
    # The canonical text of the whole, put together from its sections' (the same text as
    # `_canonical(sections)`, without encoding every section twice).
    whole = "{" + ",".join(f"{_canonical(name)}:{parts[name]}" for name in sorted(parts)) + "}"
    hints = "".join(_hex(parts[name])[:_HINT_LENGTH] for name in STATE_SECTIONS)
    return DIGEST_V2 + hints + _hex(whole)[:_FULL_LENGTH]


def changed_sections(stored: str, sections: dict[str, Any]) -> list[str] | None:
    """None when `sections` match the stored version-2 digest, else the sections that differ
    (an empty list when only the whole digest tells: the hints are short)."""
    if sections_digest(sections) == stored:
        return None
    hints = stored[len(DIGEST_V2) :]
    return [
        name
        for index, name in enumerate(STATE_SECTIONS)
        if hints[index * _HINT_LENGTH : (index + 1) * _HINT_LENGTH]
        != _sha(sections[name])[:_HINT_LENGTH]
    ]


def _by_dossier(
    session: Session, model: type[DossierDocument | DossierFee | Page], dossier_ids: list[int]
) -> dict[int, list[Any]]:
    """Plain rows (attributes named as the model's): a third of the cost of ORM objects."""
    grouped: dict[int, list[Any]] = {dossier_id: [] for dossier_id in dossier_ids}
    table = model.__table__
    for row in session.execute(sa.select(table).where(table.c.dossier_id.in_(dossier_ids))):
        grouped[row.dossier_id].append(row)
    return grouped


def _sections_of(
    session: Session, dossiers: list[Dossier]
) -> Iterator[tuple[Dossier, dict[str, Any]]]:
    """Each dossier with its version-2 state sections, its child rows read in three queries."""
    ids = [dossier.id for dossier in dossiers]
    documents = _by_dossier(session, DossierDocument, ids)
    fees = _by_dossier(session, DossierFee, ids)
    pages = _by_dossier(session, Page, ids)
    for dossier in dossiers:
        yield (
            dossier,
            state_sections(dossier, documents[dossier.id], fees[dossier.id], pages[dossier.id]),
        )


def _child_rows_statement(model: type[DossierDocument | DossierFee | Page]) -> sa.Select[Any]:
    table = model.__table__
    return sa.select(table).where(table.c.dossier_id == sa.bindparam("dossier_id"))


# Built once: a statement object keeps its compiled form's cache key, so each event costs
# only the execution of these (appending an event is the hot path of every change).
_CHILD_ROWS = tuple(_child_rows_statement(m) for m in (DossierDocument, DossierFee, Page))
_LOCK_HEAD = sa.select(LedgerHead.last_hash).where(LedgerHead.id == 1).with_for_update()
_MOVE_HEAD = (
    sa.update(LedgerHead)
    .where(LedgerHead.id == 1)
    .values(last_event_id=sa.bindparam("new_event_id"), last_hash=sa.bindparam("new_hash"))
)
_INSERT_EVENT = sa.insert(Event).returning(Event.id)
_INSERT_OUTBOX = sa.insert(OutboxItem)
_SET_HEAD_HASH = (
    sa.update(Dossier)
    .where(Dossier.id == sa.bindparam("dossier"))
    .values(head_hash=sa.bindparam("head"))
)


def state_digest(session: Session, dossier: Dossier) -> str:
    """The digest of a dossier's state now (the current version); pending changes are
    flushed first, and the documents, fees and pages read back as the database holds them."""
    session.flush()
    connection = session.connection()
    params = {"dossier_id": dossier.id}
    documents, fees, pages = (connection.execute(s, params).all() for s in _CHILD_ROWS)
    return sections_digest(state_sections(dossier, documents, fees, pages))


def canonical_digest(value: Any) -> str:
    """SHA-256 of the canonical JSON of `value`: the rule every chain and digest hashes by
    (the admin log, kernel/admin_log.py, uses it too)."""
    return _sha(value)


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


def _lock_head(session: Session) -> str:
    """Lock the end of the chain until the transaction ends; its hash."""
    return str(session.connection().execute(_LOCK_HEAD).scalar_one())


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
    digest is taken from the dossier as it is now. The event, its outbox row and the
    chain's end are written with statements built once (the returned Event is not in the
    session).
    """
    prev_hash = _lock_head(session)
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
        prev_hash=prev_hash,
        hash="",
    )
    event.state_digest = state_digest(session, dossier)
    event.hash = event_hash(event, dossier.code)
    connection = session.connection()
    # The head hash alone, written here and marked as written on the dossier object: no
    # second flush of the whole dossier for one column that no digest covers.
    connection.execute(_SET_HEAD_HASH, {"dossier": dossier.id, "head": event.hash})
    set_committed_value(dossier, "head_hash", event.hash)
    columns = {c.key: getattr(event, c.key) for c in Event.__table__.columns if c.key != "id"}
    event.id = int(connection.execute(_INSERT_EVENT, columns).scalar_one())
    connection.execute(_MOVE_HEAD, {"new_event_id": event.id, "new_hash": event.hash})
    connection.execute(_INSERT_OUTBOX, {"event_id": event.id, "created_at": at})
    return event


@dataclass(frozen=True)
class VerifyProblem:
    what: str
    where: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


_VERIFY_BATCH = 500
"""Dossiers checked per round of child-row queries (below SQLite's bound-parameter limit)."""


def _cached_column_labels() -> dict[str, str]:
    return {
        "applicant_kind": _("loại người nộp không khớp với thông tin người nộp"),
        "applicant_name": _("tên người nộp không khớp với thông tin người nộp"),
        "applicant_id_number": _("số định danh người nộp không khớp với thông tin người nộp"),
        "search_folded": _("dữ liệu tìm kiếm không khớp với hồ sơ"),
        "search_name": _("dữ liệu tìm kiếm theo dấu không khớp với tên người nộp"),
    }


def _section_labels() -> dict[str, str]:
    return {
        "record": _("dữ liệu hồ sơ bị sửa ngoài ứng dụng"),
        "applicant": _("thông tin người nộp bị sửa ngoài ứng dụng"),
        "procedure": _("thủ tục của hồ sơ bị sửa ngoài ứng dụng"),
        "documents": _("thành phần hồ sơ bị sửa hoặc xóa ngoài ứng dụng"),
        "fees": _("phí, lệ phí bị sửa hoặc xóa ngoài ứng dụng"),
        "pages": _("trang đã quét bị sửa hoặc xóa ngoài ứng dụng"),
    }


def _dossier_problems(dossier: Dossier, sections: dict[str, Any], last: Event) -> list[str]:
    """What differs between a dossier now and the digest its last event recorded.

    The cached columns are checked against what they are copied from whatever the digest
    version, so even a dossier last touched before version 2 has its list and search
    columns checked; the digest itself is checked with the formula its event was written
    with (a version-2 digest starts with "v2:", a version-1 one is bare hex).
    """
    derived = cached_columns(dossier.code, dossier.applicant, dossier.portal_code)
    labels = _cached_column_labels()
    problems = [labels[name] for name, value in derived.items() if getattr(dossier, name) != value]
    if last.state_digest.startswith(DIGEST_V2):
        changed = changed_sections(last.state_digest, sections)
        if changed is not None:
            named = [n for n in changed if not (n == "applicant" and problems)]
            section_labels = _section_labels()
            problems.extend(section_labels[n] for n in named)
            if not named and not problems:
                problems.append(section_labels["record"])
    elif last.state_digest != legacy_state_digest(dossier):
        problems.append(_section_labels()["record"])
    if not problems and dossier.head_hash != last.hash:
        problems.append(_("mã băm đầu chuỗi của hồ sơ không khớp"))
    return problems


def verify_chain(
    session: Session, step: Callable[[int], None] | None = None
) -> list[VerifyProblem]:
    """Every problem of the event chain and of the dossiers it protects.

    `step(n)`, when given, is told each time n more events or dossiers were checked (a
    progress bar's steps); it may raise to stop the check.

    Events written before the digest covered the cached columns and the documents, fees
    and pages (version 1) keep their digest: it is inside their hash, which the hub holds,
    so it cannot be recomputed. A dossier is compared with its last event by that event's
    formula, and its next event moves it to the current one.
    """
    problems: list[VerifyProblem] = []
    codes = dict(session.execute(sa.select(Dossier.id, Dossier.code)).all())
    last_hash = GENESIS_HASH
    last_event_by_dossier: dict[int, Event] = {}
    events = session.execute(sa.select(Event).order_by(Event.id)).scalars()
    for checked, event in enumerate(events, 1):
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
        if step is not None and checked % _VERIFY_BATCH == 0:
            step(_VERIFY_BATCH)
    head = session.execute(sa.select(LedgerHead).where(LedgerHead.id == 1)).scalar_one()
    if head.last_hash != last_hash:
        problems.append(VerifyProblem(_("sự kiện cuối cùng đã bị xóa"), _("sổ sự kiện")))
    ids = sorted(codes)
    for start in range(0, len(ids), _VERIFY_BATCH):
        batch = ids[start : start + _VERIFY_BATCH]
        dossiers = list(
            session.execute(
                sa.select(Dossier).where(Dossier.id.in_(batch)).order_by(Dossier.id)
            ).scalars()
        )
        for dossier, sections in _sections_of(session, dossiers):
            last = last_event_by_dossier.get(dossier.id)
            if last is None:
                problems.append(VerifyProblem(_("hồ sơ không có lịch sử"), dossier.code))
                continue
            problems.extend(
                VerifyProblem(what, dossier.code)
                for what in _dossier_problems(dossier, sections, last)
            )
        session.expunge_all()  # read only: keep memory flat on a large database
        if step is not None:
            step(len(batch))
    return problems
