"""Reading the outbox into protocol payloads, and recording what the hub made of them.

The outbox has one row per event (written with the event). The sync sends it grouped by
dossier, oldest first: each dossier's record (`DongBoHoSoMC`), its unsent events with
their `CapNhatTienDoHoSoMC` entries, and the pages it refers to. A dossier the hub
refuses waits for its own retry; the others go on.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from counter_app.store.models import (
    Dossier,
    DossierDocument,
    DossierFee,
    Event,
    Office,
    OutboxItem,
    Page,
)
from counter_app.sync.models import SyncDossierState, SyncPageSent
from counter_app.sync.protocol import DossierPayload, EventRecord, progress_entry, utc_text
from counter_app.sync.records import RecordSettings, dossier_record, event_json

BACKOFF_BASE_SECONDS = 30.0
BACKOFF_MAX_SECONDS = 6 * 3600.0


class SyncState:
    PENDING = "pending"
    SYNCED = "synced"
    FAILED = "failed"


@dataclass(frozen=True)
class PageRef:
    sha256: str
    size_bytes: int


@dataclass(frozen=True)
class PendingDossier:
    dossier_id: int
    code: str
    outbox_ids: tuple[int, ...]
    event_uuids: tuple[str, ...]
    head_hash: str
    pages: tuple[PageRef, ...]
    payload: DossierPayload


def backoff_delay(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with jitter: 30 s, 1 min, 2 min ... capped at 6 hours."""
    base = min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    jitter = (rng or random).uniform(0.8, 1.2)
    return timedelta(seconds=min(base * jitter, BACKOFF_MAX_SECONDS))


def pending_dossier_ids(
    session: Session, now: datetime, *, force: bool, limit: int | None = None
) -> list[int]:
    """Dossiers with unsent events, oldest outbox entry first; skips those in backoff."""
    first_item = sa.func.min(OutboxItem.id).label("first_item")
    statement = (
        sa.select(Event.dossier_id, first_item)
        .join(OutboxItem, OutboxItem.event_id == Event.id)
        .where(OutboxItem.sent_at.is_(None))
        .group_by(Event.dossier_id)
        .order_by(first_item)
    )
    if not force:
        waiting = sa.select(SyncDossierState.dossier_id).where(
            SyncDossierState.next_attempt_at > now
        )
        statement = statement.where(Event.dossier_id.not_in(waiting))
    if limit is not None:
        statement = statement.limit(limit)
    return [int(row.dossier_id) for row in session.execute(statement)]


def build_pending(
    session: Session, dossier_id: int, settings: RecordSettings | Mapping[str, int]
) -> PendingDossier:
    """The payload of one dossier: its record, unsent events and page references.

    `settings` may be just the `LoaiDoiTuong` codes (no catalog codes, names or links)."""
    if not isinstance(settings, RecordSettings):
        settings = RecordSettings(subject_kinds=dict(settings))
    dossier = session.get_one(Dossier, dossier_id)
    office = session.get_one(Office, dossier.office_id)
    events = session.execute(
        sa.select(Event).where(Event.dossier_id == dossier_id).order_by(Event.id)
    ).scalars()
    all_events = list(events)
    unsent = dict(
        session.execute(
            sa.select(OutboxItem.event_id, OutboxItem.id)
            .join(Event, OutboxItem.event_id == Event.id)
            .where(Event.dossier_id == dossier_id, OutboxItem.sent_at.is_(None))
        ).all()
    )
    documents = (
        session.execute(
            sa.select(DossierDocument)
            .where(DossierDocument.dossier_id == dossier_id)
            .order_by(DossierDocument.position)
        )
        .scalars()
        .all()
    )
    fees = session.execute(
        sa.select(DossierFee).where(DossierFee.dossier_id == dossier_id).order_by(DossierFee.id)
    ).scalars()
    pages = (
        session.execute(
            sa.select(Page).where(Page.dossier_id == dossier_id).order_by(Page.position, Page.id)
        )
        .scalars()
        .all()
    )
    links = chain_links(session, [e.id for e in all_events if e.id in unsent])
    sent_events = [event_record(e, links[e.id]) for e in all_events if e.id in unsent]
    record = dossier_record(dossier, office, documents, list(fees), pages, all_events, settings)
    progress = {
        e["uuid"]: progress_entry(
            record["MaHoSo"],
            e,
            dossier.status,
            dossier.due_at,
            settings.names.get(e["actor"]),
            settings.profile.status_codes,
        )
        for e in sent_events
    }
    payload: DossierPayload = {
        "local": {
            "code": dossier.code,
            "office": office.unit_code,
            "procedure": dossier.procedure_code,
            "procedure_name": dossier.procedure_name,
            "channel": dossier.channel,
            "status": dossier.status,
            "received_at": utc_text(dossier.received_at),
            "due_at": utc_text(dossier.due_at),
            "head_hash": dossier.head_hash,
            "head_seq": all_events[-1].id if all_events else 0,
        },
        "record": record,
        "events": sent_events,
        "progress": progress,
        "pages": [page.sha256 for page in pages],
    }
    unique_pages = {page.sha256: PageRef(page.sha256, page.size_bytes) for page in pages}
    return PendingDossier(
        dossier_id=dossier.id,
        code=dossier.code,
        outbox_ids=tuple(unsent[e.id] for e in all_events if e.id in unsent),
        event_uuids=tuple(e["uuid"] for e in sent_events),
        head_hash=dossier.head_hash,
        pages=tuple(unique_pages.values()),
        payload=payload,
    )


def chain_links(session: Session, event_ids: list[int]) -> dict[int, int]:
    """The id of the event before each of `event_ids` in the chain (0 for the first): the
    chain is ordered by event id (`kernel.events.verify_chain`)."""
    if not event_ids:
        return {}
    before = aliased(Event)
    previous = sa.select(sa.func.max(before.id)).where(before.id < Event.id).scalar_subquery()
    rows = session.execute(sa.select(Event.id, previous).where(Event.id.in_(event_ids)))
    return {event_id: prev or 0 for event_id, prev in rows}


def event_record(event: Event, prev_seq: int | None = None) -> EventRecord:
    """An event with every field its hash covers, so the hub can check it, and where its
    link points (`prev_seq`: the id of the event before it in the chain)."""
    record = event_json(event)
    if prev_seq is not None:
        record["prev_seq"] = prev_seq
    return record


# --- recording the hub's answer ---------------------------------------------------------


def _state_row(session: Session, dossier_id: int) -> SyncDossierState:
    row = session.get(SyncDossierState, dossier_id)
    if row is None:
        row = SyncDossierState(dossier_id=dossier_id, state=SyncState.PENDING, attempts=0)
        session.add(row)
    return row


def mark_synced(session: Session, item: PendingDossier, now: datetime) -> None:
    """The hub holds every event of this payload: the outbox rows are done."""
    session.execute(
        sa.update(OutboxItem)
        .where(OutboxItem.id.in_(item.outbox_ids))
        .values(sent_at=now, attempts=OutboxItem.attempts + 1, last_error=None)
    )
    row = _state_row(session, item.dossier_id)
    still_pending = session.execute(
        sa.select(sa.func.count(OutboxItem.id))
        .join(Event, OutboxItem.event_id == Event.id)
        .where(Event.dossier_id == item.dossier_id, OutboxItem.sent_at.is_(None))
    ).scalar_one()
    row.state = SyncState.PENDING if still_pending else SyncState.SYNCED
    row.reason_code = None
    row.reason = None
    row.attempts = 0
    row.next_attempt_at = None
    row.synced_at = now
    row.synced_head_hash = item.head_hash


def mark_failed(
    session: Session,
    item_dossier_id: int,
    outbox_ids: tuple[int, ...],
    reason_code: str,
    reason: str,
    now: datetime,
) -> None:
    """Keep the events, say why, and set the next attempt further out."""
    session.execute(
        sa.update(OutboxItem)
        .where(OutboxItem.id.in_(outbox_ids))
        .values(attempts=OutboxItem.attempts + 1, last_error=f"{reason_code}: {reason}")
    )
    row = _state_row(session, item_dossier_id)
    row.state = SyncState.FAILED
    row.reason_code = reason_code
    row.reason = reason
    row.attempts += 1
    row.next_attempt_at = now + backoff_delay(row.attempts)


def page_already_sent(session: Session, sha256: str) -> bool:
    return session.get(SyncPageSent, sha256) is not None


def mark_page_sent(session: Session, page: PageRef, now: datetime) -> None:
    if session.get(SyncPageSent, page.sha256) is None:
        session.add(SyncPageSent(sha256=page.sha256, size_bytes=page.size_bytes, sent_at=now))
