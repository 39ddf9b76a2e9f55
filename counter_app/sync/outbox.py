"""Reading the outbox into protocol payloads, and recording what the hub made of them.

The outbox has one row per event (written with the event). The sync sends it grouped by
dossier, oldest first: each dossier's record (`DongBoHoSoMC`), its unsent events with
their `CapNhatTienDoHoSoMC` entries, and the pages it refers to. A dossier the hub
refuses waits for its own retry; the others go on.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from counter_app.domain.lifecycle import Status
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
from counter_app.sync.protocol import (
    MAX_SUMMARY,
    RESULT_DOCUMENT,
    UNSORTED_PAGES,
    DossierPayload,
    EventRecord,
    IdentityNumber,
    PortalDossier,
    ResultDocument,
    SubmittedFile,
    channel_code,
    id_kind,
    portal_time,
    progress_entry,
    status_code,
    utc_text,
)

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
    session: Session, dossier_id: int, subject_kinds: dict[str, int]
) -> PendingDossier:
    """The payload of one dossier: its record, unsent events and page references."""
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
    progress = {
        e["uuid"]: progress_entry(dossier.code, e, dossier.status, dossier.due_at)
        for e in sent_events
    }
    subject_kind = subject_kinds.get(dossier.applicant_kind, 1)
    record = dossier_record(dossier, office, documents, list(fees), pages, all_events, subject_kind)
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
    record: EventRecord = {
        "uuid": event.uuid,
        "seq": event.id,
        "kind": event.kind,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "actor": event.actor,
        "actor_role": event.actor_role,
        "at": utc_text(event.at),
        "reason": event.reason,
        "data": event.data,
        "state_digest": event.state_digest,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }
    if prev_seq is not None:
        record["prev_seq"] = prev_seq
    return record


def _first_time(events: list[Event], status: Status) -> datetime | None:
    return next((e.at for e in events if e.to_status == status.value), None)


def _last_time(events: list[Event], status: Status) -> datetime | None:
    return next((e.at for e in reversed(events) if e.to_status == status.value), None)


def _identity_numbers(applicant: dict[str, Any]) -> list[IdentityNumber]:
    number = _applicant_number(applicant)
    if applicant.get("kind") != "person" or not number:
        return []
    return [{"LoaiDinhDanh": id_kind(number), "SoDinhDanh": number}]


def _applicant_number(applicant: dict[str, Any]) -> str:
    return str(applicant.get("id_number") or applicant.get("tax_code") or "")


def dossier_record(
    dossier: Dossier,
    office: Office,
    documents: list[DossierDocument] | tuple[DossierDocument, ...] | Any,
    fees: list[DossierFee],
    pages: list[Page] | Any,
    events: list[Event],
    subject_kind: int,
) -> PortalDossier:
    """The dossier in the national portal's `DongBoHoSoMC` layout (docs/rules.md §14)."""
    pages_by_document: dict[int | None, list[Page]] = {}
    for page in pages:
        if not page.is_result:
            pages_by_document.setdefault(page.document_id, []).append(page)
    components: list[tuple[str, str, bool, int | None]] = [
        (d.name, str(d.position), d.reused, d.id) for d in documents
    ]
    components.append((UNSORTED_PAGES, "", False, None))
    documents_sent: list[SubmittedFile] = [
        {
            "TepDinhKemId": page.sha256,
            "TenTepDinhKem": name,
            "IsDeleted": False,
            "MaThanhPhanHoSo": position,
            "DuongDanTaiTepTin": f"pages/{page.sha256}",
            "DuocSoHoa": 1,
            "DuocTaiSuDung": 1 if reused else 0,
            "DuocLayTuKhoDMQG": 0,
            "MaKetQuaThayThe": "",
        }
        for name, position, reused, document_id in components
        for page in pages_by_document.get(document_id, [])
    ]
    results: list[ResultDocument] = [
        {
            "TenGiayTo": RESULT_DOCUMENT,
            "MaThanhPhanHoSo": "",
            "GiayToId": page.sha256,
            "DuongDanTepTinKetQua": f"pages/{page.sha256}",
            "MaGiayToKetQua": "",
        }
        for page in pages
        if page.is_result
    ]
    ended = dossier.resolved_at or _first_time(events, Status.STOPPED)
    ended = ended or _first_time(events, Status.REFUSED)
    applicant = dict(dossier.applicant)
    record: PortalDossier = {
        "MaHoSo": dossier.code,
        "MaHoSoKhac": dossier.portal_code or "",
        "MaTTHC": dossier.procedure_code,
        "TenTTHC": dossier.procedure_name,
        "MaLinhVuc": "",
        "TenLinhVuc": dossier.procedure_field,
        "KenhThucHien": channel_code(dossier.channel),
        "ChuHoSo": applicant.get("name", ""),
        "SoGiayToChuHoSo": _applicant_number(applicant),
        "Email": applicant.get("email") or "",
        "SoDienThoai": applicant.get("phone") or "",
        "Fax": "",
        "DiaChiChuHoSo": applicant.get("address") or "",
        "DinhDanhCHS": _identity_numbers(applicant),
        "LoaiDoiTuong": subject_kind,
        "MaDoiTuong": "",
        "ThongTinKhac": "",
        "TrichYeuHoSo": dossier.procedure_name[:MAX_SUMMARY],
        "NgayNopHoSo": portal_time(dossier.submitted_at),
        "NgayTiepNhan": portal_time(dossier.received_at),
        "NgayHenTra": portal_time(dossier.due_at),
        "NgayYeuCauBoSung": portal_time(_last_time(events, Status.SUPPLEMENT)),
        "NgayTuChoi": portal_time(_first_time(events, Status.REFUSED)),
        "NgayKetThucXuLy": portal_time(ended),
        "NgayTra": portal_time(dossier.returned_at),
        "TrangThaiHoSo": status_code(dossier.status),
        "ThongTinTra": "",
        "HinhThuc": 1 if dossier.channel == "postal" else 0,
        "DonViXuLy": dossier.competent_body or office.parent_body,
        "NoiNopHoSo": office.name,
        "GhiChu": "",
        "HoSoCoThanhPhanSoHoa": 1 if documents_sent else 0,
        "TaiKhoanDuocXacThucVoiVNeID": 0,
        "DuocThanhToanTrucTuyen": 3,
        "DSKetNoiCSDL": [],
        "TaiLieuNop": documents_sent,
        "DanhSachLePhi": [
            {
                "TenPhiLePhi": fee.name,
                "MaPhiLePhi": "",
                "HinhThucThu": 1,
                "Gia": fee.amount,
                "LoaiPhiLePhi": 1,
            }
            for fee in fees
        ],
        "DanhSachTepDinhKemKhac": [],
        "DanhSachHoSoBoSung": [],
        "DanhSachGiayToKetQua": results,
    }
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
