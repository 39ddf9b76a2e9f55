"""The records that go out to the province: a dossier as `DongBoHoSoMC` and its history as
`CapNhatTienDoHoSoMC` entries, field by field as the production clients send them.

docs/sync-protocol.md ("The portal record") names, for each field, where its value comes
from and which client it follows. Every value is a string; what the clients disagree on is
the province's profile (`portal` in config.json, `kernel.config.PortalProfile`).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from counter_app.domain.catalog import Catalog, Procedure
from counter_app.domain.fees import PaymentMethod
from counter_app.domain.lifecycle import Channel, Delivery, Status
from counter_app.errors import NotFoundError
from counter_app.kernel.config import PortalProfile
from counter_app.kernel.day import day_bounds
from counter_app.kernel.users import PROVINCE_ACTOR, SYSTEM_ACTOR
from counter_app.store.models import Dossier, DossierDocument, DossierFee, Event, Office, Page, User
from counter_app.sync.models import SyncDevice
from counter_app.sync.protocol import (
    MAX_SUMMARY,
    RESULT_DOCUMENT,
    UNSORTED_PAGES,
    EventRecord,
    FeeLine,
    IdentityNumber,
    PortalDossier,
    PortalRecord,
    ResultDocument,
    SubmittedFile,
    channel_code,
    file_link,
    id_kind,
    portal_time,
    progress_entry,
    status_code,
    utc_text,
)

PLACEHOLDER_ID = "000000001"
"""`SoDinhDanh` when the owner's number is neither 9 nor 12 characters (TD-DVC's rule)."""
NOT_PAID_ONLINE, PAID_ON_PORTAL = "0", "1"


@dataclass(frozen=True)
class PageLinks:
    """How a page's `DuongDanTaiTepTin` is made: the hub's address, signed by the device."""

    base_url: str
    device: str
    secret: str
    expires: int
    """Unix time after which the hub no longer serves the page through the link."""

    def url(self, sha256: str) -> str:
        return file_link(self.base_url, self.secret, sha256, self.device, self.expires)


@dataclass(frozen=True)
class RecordSettings:
    """What a record needs besides the dossier: the province's profile, the catalog's
    national codes, the officers' full names and the page links."""

    subject_kinds: Mapping[str, int] = field(
        default_factory=lambda: {"person": 1, "organisation": 2}
    )
    profile: PortalProfile = field(default_factory=PortalProfile)
    catalog: Catalog | None = None
    names: Mapping[str, str] = field(default_factory=dict)
    links: PageLinks | None = None


def record_settings(
    session: Session,
    catalog: Catalog,
    subject_kinds: Mapping[str, int],
    profile: PortalProfile,
    now: datetime,
) -> RecordSettings:
    """The settings for records built now: page links only once the counter is enrolled."""
    names = {SYSTEM_ACTOR.login: SYSTEM_ACTOR.name, PROVINCE_ACTOR.login: PROVINCE_ACTOR.name}
    names.update(dict(session.execute(sa.select(User.login, User.name)).all()))
    device = session.get(SyncDevice, 1)
    links = None
    if device is not None:
        expires = int((now + timedelta(days=profile.file_link_days)).timestamp())
        base = profile.file_base_url or device.hub_url
        links = PageLinks(base, device.device_id, device.secret, expires)
    return RecordSettings(dict(subject_kinds), profile, catalog, names, links)


def portal_code(dossier: Dossier) -> str:
    """`MaHoSo`: the portal's code for a dossier filed online (itself or with the clerk's
    help), so the province counts it once; the counter's own code otherwise."""
    if Channel(dossier.channel).is_online and dossier.portal_code:
        return dossier.portal_code
    return dossier.code


def _procedure(settings: RecordSettings, code: str) -> Procedure | None:
    if settings.catalog is None:
        return None
    try:
        return settings.catalog.get(code)
    except NotFoundError:
        return None


def _first_time(events: Sequence[Event], status: Status) -> datetime | None:
    return next((e.at for e in events if e.to_status == status.value), None)


def _identity(applicant: Mapping[str, Any]) -> list[IdentityNumber]:
    """TD-DVC's rule, for every owner: 12 characters "1", 9 characters "2", anything else
    the placeholder number with "2"."""
    number = _owner_number(applicant)
    if len(number) in (9, 12):
        return [{"LoaiDinhDanh": id_kind(number), "SoDinhDanh": number}]
    return [{"LoaiDinhDanh": "2", "SoDinhDanh": PLACEHOLDER_ID}]


def _owner_number(applicant: Mapping[str, Any]) -> str:
    return str(applicant.get("id_number") or applicant.get("tax_code") or "")


def _file_name(page: Page) -> str:
    extension = mimetypes.guess_extension(page.media_type) or ".bin"
    return f"{page.sha256[:16]}{extension}"


def dossier_record(
    dossier: Dossier,
    office: Office,
    documents: Sequence[DossierDocument] | Any,
    fees: Sequence[DossierFee],
    pages: Sequence[Page] | Any,
    events: Sequence[Event],
    settings: RecordSettings,
) -> PortalDossier:
    """The dossier as the province receives it (`DongBoHoSoMC`)."""
    profile = settings.profile
    procedure = _procedure(settings, dossier.procedure_code)
    codes = {d.name: d.code for d in procedure.documents} if procedure else {}
    link = settings.links.url if settings.links is not None else (lambda _sha: "")
    by_document: dict[int | None, list[Page]] = {}
    for page in pages:
        if not page.is_result:
            by_document.setdefault(page.document_id, []).append(page)
    components = [(d.name, codes.get(d.name, ""), d.reused, d.id) for d in documents]
    components.append((UNSORTED_PAGES, "", False, None))
    submitted: list[SubmittedFile] = [
        {
            "TepDinhKemId": page.sha256,
            "TenTepDinhKem": name if profile.file_name == "component" else _file_name(page),
            "IsDeleted": "False",
            "MaThanhPhanHoSo": code,
            "DuongDanTaiTepTin": link(page.sha256),
            "DuocSoHoa": "1",
            "DuocTaiSuDung": "1" if reused else "0",
            "DuocLayTuKhoDMQG": "0",
            "MaKetQuaThayThe": "",
        }
        for name, code, reused, document_id in components
        for page in by_document.get(document_id, [])
    ]
    result_code = procedure.result_codes[0] if procedure and procedure.result_codes else ""
    result_name = (procedure.result if procedure else "") or RESULT_DOCUMENT
    results: list[ResultDocument] = [
        {
            "TenGiayTo": result_name[:2000]
            if profile.file_name == "component"
            else _file_name(page),
            "MaThanhPhanHoSo": "",
            "GiayToId": page.sha256,
            "DuongDanTepTinKetQua": link(page.sha256),
            "MaGiayToKetQua": result_code,
        }
        for page in pages
        if page.is_result
    ]
    paid: list[FeeLine] = [
        {
            "TenPhiLePhi": fee.name,
            "MaPhiLePhi": "1",
            "HinhThucThu": "1",
            "Gia": str(fee.amount),
            "LoaiPhiLePhi": "1",
        }
        for fee in fees
        if fee.paid_at is not None and fee.amount > 0
    ]
    paid_on_portal = any(
        f.paid_at is not None and f.amount > 0 and f.payment_method == PaymentMethod.PORTAL
        for f in fees
    )
    ended = dossier.resolved_at or _first_time(events, Status.STOPPED)
    ended = ended or _first_time(events, Status.REFUSED)
    applicant = dict(dossier.applicant)
    kind = settings.subject_kinds.get(dossier.applicant_kind, 1)
    return {
        "MaHoSo": portal_code(dossier),
        "MaTTHC": dossier.procedure_code,
        "TenTTHC": dossier.procedure_name,
        "MaLinhVuc": procedure.field_code if procedure else "",
        "TenLinhVuc": dossier.procedure_field,
        "KenhThucHien": channel_code(dossier.channel),
        "ChuHoSo": str(applicant.get("name", "")),
        "SoGiayToChuHoSo": _owner_number(applicant),
        "LoaiDoiTuong": str(kind),
        "MaDoiTuong": "",
        "ThongTinKhac": "",
        "Email": str(applicant.get("email") or ""),
        "Fax": "",
        "SoDienThoai": str(applicant.get("phone") or ""),
        "TrichYeuHoSo": dossier.procedure_name[:MAX_SUMMARY],
        "NgayTiepNhan": portal_time(dossier.received_at),
        "NgayHenTra": portal_time(dossier.due_at),
        "TrangThaiHoSo": status_code(dossier.status, profile.status_codes),
        "NgayTra": portal_time(dossier.returned_at),
        "ThongTinTra": "",
        "HinhThuc": Delivery(dossier.result_delivery).portal_code,
        "NgayKetThucXuLy": portal_time(ended),
        "DonViXuLy": dossier.competent_body or office.parent_body or office.name,
        "GhiChu": "",
        "NgayTuChoi": portal_time(_first_time(events, Status.REFUSED)),
        "NgayNopHoSo": portal_time(dossier.submitted_at),
        "NoiNopHoSo": profile.submission_place,
        "HoSoCoThanhPhanSoHoa": "1" if submitted else "0",
        "TaiKhoanDuocXacThucVoiVNeID": "0",
        "DuocThanhToanTrucTuyen": PAID_ON_PORTAL if paid_on_portal else NOT_PAID_ONLINE,
        "DinhDanhCHS": _identity(applicant),
        "DSKetNoiCSDL": [],
        "TaiLieuNop": submitted,
        "DanhSachGiayToKetQua": results,
        "DanhSachLePhi": paid,
        "DanhSachTepDinhKemKhac": [],
        "DanhSachHoSoBoSung": [],
    }


def day_records(session: Session, settings: RecordSettings, day: date) -> list[PortalRecord]:
    """The records that go out for the dossiers received on `day` (Vietnam time), each with
    its whole history as progress entries, in the order of their codes."""
    start, end = day_bounds(day)
    dossiers = session.execute(
        sa.select(Dossier)
        .where(Dossier.received_at >= start, Dossier.received_at < end)
        .order_by(Dossier.code)
    ).scalars()
    return dossier_records(session, settings, dossiers)


def dossier_records(
    session: Session, settings: RecordSettings, dossiers: Iterable[Dossier]
) -> list[PortalRecord]:
    """The records of these dossiers, in their order, each with its whole history (the
    rows of the dossiers read in one query per table, not per dossier)."""
    dossiers = list(dossiers)
    ids = [dossier.id for dossier in dossiers]
    events_of = _by_dossier(session, Event, ids, Event.id)
    documents_of = _by_dossier(session, DossierDocument, ids, DossierDocument.position)
    fees_of = _by_dossier(session, DossierFee, ids, DossierFee.id)
    pages_of = _by_dossier(session, Page, ids, Page.position, Page.id)
    records = []
    for dossier in dossiers:
        office = session.get_one(Office, dossier.office_id)
        events = events_of.get(dossier.id, [])
        documents = documents_of.get(dossier.id, [])
        fees = fees_of.get(dossier.id, [])
        pages = pages_of.get(dossier.id, [])
        record = dossier_record(dossier, office, documents, fees, pages, events, settings)
        progress = tuple(
            progress_entry(
                record["MaHoSo"],
                event_json(event),
                dossier.status,
                dossier.due_at,
                settings.names.get(event.actor),
                settings.profile.status_codes,
            )
            for event in events
        )
        records.append(PortalRecord(record, progress))
    return records


_IN_CHUNK = 500
"""Dossier ids per `IN (…)` list: well under what every database takes."""


def _by_dossier(
    session: Session, model: Any, ids: Sequence[int], *order: Any
) -> dict[int, list[Any]]:
    """The rows of `model` for these dossiers, grouped by dossier, each group in `order`."""
    grouped: dict[int, list[Any]] = {}
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = ids[start : start + _IN_CHUNK]
        rows = session.execute(
            sa.select(model).where(model.dossier_id.in_(chunk)).order_by(*order)
        ).scalars()
        for row in rows:
            grouped.setdefault(row.dossier_id, []).append(row)
    return grouped


def event_json(event: Event) -> EventRecord:
    """An event with every field its hash covers (as stored), so the hub can check it."""
    return {
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
