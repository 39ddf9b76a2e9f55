"""The sync protocol shared by the counter and the hub (docs/sync-protocol.md, version 1).

Dossiers travel in the national portal's `DongBoHoSoMC` layout and their history as
`CapNhatTienDoHoSoMC` entries (docs/rules.md §14), beside the few local fields the day
close needs (the local channel, which keeps "assisted" apart from "online").

Every document on the wire is a typed record here, built in one place, written by
`wire_json` and, where the hub reads it, checked by one parser. Nothing the province
receives depends on the interface language: its words are the Vietnamese constants
below, never `_()`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NotRequired, cast, overload

from typing_extensions import TypedDict

from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Channel, EventKind, Role, Status

PROTOCOL_VERSION = 1
API_PREFIX = "/v1"

HEADER_DEVICE = "X-Device"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_NONCE = "X-Nonce"
HEADER_SIGNATURE = "X-Signature"
HEADER_PROTOCOL = "X-Protocol"
HEADER_HUB_TIME = "X-Hub-Time"

SIGNATURE_WINDOW_SECONDS = 300
"""A signed request is valid this long either side of the hub's clock."""

PORTAL_TIME_FORMAT = "%Y%m%d%H%M%S"
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
NONCE_RE = re.compile(r"^[0-9a-f]{16,64}$")
MAX_PROGRESS_ACTOR = 50
MAX_SUMMARY = 1000


# --- signing ----------------------------------------------------------------------------


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def string_to_sign(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """What the HMAC covers: protocol, method, path with query, time, nonce, body hash."""
    lines = (f"v{PROTOCOL_VERSION}", method.upper(), path, timestamp, nonce, body_digest(body))
    return "\n".join(lines).encode()


def sign(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = string_to_sign(method, path, timestamp, nonce, body)
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_matches(
    secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes, given: str
) -> bool:
    return hmac.compare_digest(sign(secret, method, path, timestamp, nonce, body), given)


# --- official words ---------------------------------------------------------------------
# The province reads Vietnamese whatever language the counter's interface speaks.

ONE_STOP_DEPARTMENT = "Bộ phận Một cửa"
"""`PhongBanXuLy` of every progress entry."""

UNSORTED_PAGES = "Trang quét chưa xếp thành phần"
"""`TenTepDinhKem` of scanned pages not filed under a dossier component."""

RESULT_DOCUMENT = "Kết quả giải quyết"
"""`TenGiayTo` of a result page."""

ROLE_TITLES: Mapping[str, str] = {
    Role.CLERK: "Công chức một cửa",
    Role.LEADER: "Lãnh đạo",
    Role.ADMIN: "Quản trị",
}
"""`ChucDanh` per user role."""


# --- wire records -----------------------------------------------------------------------
# The JSON documents as they travel. TypedDicts are plain dicts at run time, so a record is
# its JSON; mypy checks every field where one is built. They are typing_extensions'
# TypedDicts: pydantic reads those on Python 3.11 (not typing's, before 3.12), which is how
# the hub's OpenAPI describes the batch and day-close bodies.


class IdentityNumber(TypedDict):
    """The one `DinhDanhCHS` entry: `LoaiDinhDanh` "1" for a 12-character ID, "2" otherwise."""

    LoaiDinhDanh: str
    SoDinhDanh: str


class SubmittedFile(TypedDict):
    """One `TaiLieuNop` entry: a scanned page, named by its sha256."""

    TepDinhKemId: str
    TenTepDinhKem: str
    IsDeleted: str
    MaThanhPhanHoSo: str
    DuongDanTaiTepTin: str
    DuocSoHoa: str
    DuocTaiSuDung: str
    DuocLayTuKhoDMQG: str
    MaKetQuaThayThe: str


class FeeLine(TypedDict):
    """One `DanhSachLePhi` entry: a fee paid, more than 0 đồng."""

    TenPhiLePhi: str
    MaPhiLePhi: str
    HinhThucThu: str
    Gia: str
    LoaiPhiLePhi: str


class ResultDocument(TypedDict):
    """One `DanhSachGiayToKetQua` entry: a result page."""

    TenGiayTo: str
    MaThanhPhanHoSo: str
    GiayToId: str
    DuongDanTepTinKetQua: str
    MaGiayToKetQua: str


class DatabaseLink(TypedDict):
    """One `DSKetNoiCSDL` entry (none is sent: see docs/sync-protocol.md)."""

    MaCSDL: str


class PortalDossier(TypedDict):
    """A dossier in the national portal's `DongBoHoSoMC` layout, field by field as the
    production clients send it (docs/sync-protocol.md, "The portal record"): every value a
    string; dates `yyyyMMddHHmmss` in Vietnam time, empty when unknown."""

    MaHoSo: str
    MaTTHC: str
    TenTTHC: str
    MaLinhVuc: str
    TenLinhVuc: str
    KenhThucHien: str
    ChuHoSo: str
    SoGiayToChuHoSo: str
    LoaiDoiTuong: str
    MaDoiTuong: str
    ThongTinKhac: str
    Email: str
    Fax: str
    SoDienThoai: str
    TrichYeuHoSo: str
    NgayTiepNhan: str
    NgayHenTra: str
    TrangThaiHoSo: str
    NgayTra: str
    ThongTinTra: str
    HinhThuc: str
    NgayKetThucXuLy: str
    DonViXuLy: str
    GhiChu: str
    NgayTuChoi: str
    NgayNopHoSo: str
    NoiNopHoSo: str
    HoSoCoThanhPhanSoHoa: str
    TaiKhoanDuocXacThucVoiVNeID: str
    DuocThanhToanTrucTuyen: str
    DinhDanhCHS: list[IdentityNumber]
    DSKetNoiCSDL: list[DatabaseLink]
    TaiLieuNop: list[SubmittedFile]
    DanhSachGiayToKetQua: list[ResultDocument]
    DanhSachLePhi: list[FeeLine]
    DanhSachTepDinhKemKhac: list[dict[str, str]]
    DanhSachHoSoBoSung: list[dict[str, str]]


class ProgressEntry(TypedDict):
    """One `CapNhatTienDoHoSoMC` entry: an event of the dossier's history."""

    MaHoSo: str
    NguoiXuLy: str
    ChucDanh: str
    ThoiDiemXuLy: str
    PhongBanXuLy: str
    NoiDungXuLy: str
    TrangThai: str
    NgayBatDau: str
    NgayKetThucTheoQuyDinh: str


@dataclass(frozen=True)
class PortalRecord:
    """A dossier's record and its progress entries, as the provincial exporter pushes them."""

    record: PortalDossier
    progress: tuple[ProgressEntry, ...] = ()


class DossierLocal(TypedDict):
    """What the day close needs in the counter's own terms; times ISO 8601 UTC."""

    code: str
    office: str
    procedure: str
    procedure_name: str
    channel: str
    status: str
    received_at: str
    due_at: str | None
    head_hash: str
    head_seq: int


class EventRecord(TypedDict):
    """An event with every field its hash covers, so the hub can check it."""

    uuid: str
    seq: int
    kind: str
    from_status: str | None
    to_status: str | None
    actor: str
    actor_role: str
    at: str
    reason: str | None
    data: dict[str, Any]
    state_digest: str
    prev_hash: str
    hash: str
    prev_seq: NotRequired[int]
    """The `seq` of the event `prev_hash` names (0 for the first of the chain). Outside the
    hash: it tells the hub where the link points, so a history rewritten on the counter
    shows as soon as its next event arrives. Counters before revision 2 leave it out."""


class ChainHead(TypedDict):
    """The end of a device's event chain: its last event's `seq` and hash (seq 0 and the
    genesis hash when there is none)."""

    seq: int
    hash: str


class DossierPayload(TypedDict):
    """One dossier of a batch: its record, unsent events, their progress entries (by event
    uuid) and the sha256 of its pages."""

    local: DossierLocal
    record: PortalDossier
    events: list[EventRecord]
    progress: dict[str, ProgressEntry]
    pages: list[str]


class SyncBatch(TypedDict):
    """The body of `POST /v1/batches`."""

    protocol: int
    device: str
    dossiers: list[DossierPayload]


class ConflictInfo(TypedDict):
    """A dossier the hub keeps as a conflict: what was sent contradicts the history it holds
    (`event_conflict`, `chain_break`, `chain_fork`). `held_hash` is what the hub holds where
    the counter's `sent_hash` points, when there is one."""

    id: int
    code: str
    reason: str
    event: str | None
    seq: int | None
    held_hash: str | None
    sent_hash: str | None


class DossierResult(TypedDict):
    """The hub's answer for one dossier of a batch."""

    code: str | None
    ok: bool
    accepted: NotRequired[list[str]]
    duplicates: NotRequired[list[str]]
    error: NotRequired[str]
    message: NotRequired[str]
    conflict: NotRequired[ConflictInfo]


class BatchAnswer(TypedDict):
    protocol: int
    results: list[DossierResult]


class DayManifest(TypedDict):
    """The day-close counts (`report day --json`) with each listed dossier's head hash."""

    office: str
    date: str
    received: int
    by_channel: dict[str, int]
    by_status: dict[str, int]
    by_procedure: dict[str, int]
    dossiers: list[str]
    heads: dict[str, str]
    chain: NotRequired[ChainHead]
    """The counter's chain head when it closed the day (from revision 2)."""


class DayCloseRequest(TypedDict):
    """The body of `POST /v1/day-close`."""

    protocol: int
    device: str
    manifest: DayManifest


class CountPair(TypedDict):
    counter: int
    hub: int


class ChainPair(TypedDict):
    counter: ChainHead
    hub: ChainHead


class ManifestDifference(TypedDict, total=False):
    """Only what differs: empty exactly when the counter and the hub agree."""

    received: CountPair
    by_channel: dict[str, CountPair]
    by_status: dict[str, CountPair]
    by_procedure: dict[str, CountPair]
    missing_on_hub: list[str]
    unknown_to_counter: list[str]
    head_mismatch: list[str]
    chain_head: ChainPair
    """The counter's chain ends elsewhere than the hub's copy of it."""
    chain_unlinked: list[int]
    """Seqs of events the hub holds whose predecessor it does not (a hole in its copy)."""
    conflicts: list[ConflictInfo]
    """The device's conflicts the province has not resolved."""


class DayCloseAnswer(TypedDict):
    match: bool
    hub: DayManifest
    difference: ManifestDifference


# --- portal layout ----------------------------------------------------------------------


def portal_time(value: datetime | None) -> str:
    """`yyyyMMddHHmmss` in Vietnam time (docs/rules.md §14); empty when unknown."""
    if value is None:
        return ""
    return value.astimezone(VN_TZ).strftime(PORTAL_TIME_FORMAT)


def parse_portal_time(text: str) -> datetime | None:
    if not text:
        return None
    return datetime.strptime(text, PORTAL_TIME_FORMAT).replace(tzinfo=VN_TZ)


@overload
def utc_text(value: datetime) -> str: ...
@overload
def utc_text(value: None) -> None: ...
@overload
def utc_text(value: datetime | None) -> str | None: ...
def utc_text(value: datetime | None) -> str | None:
    """Times of the local fields: ISO 8601 in UTC with microseconds, as the audit chain hashes."""
    return None if value is None else value.astimezone(UTC).isoformat(timespec="microseconds")


@overload
def parse_utc_text(text: str) -> datetime: ...
@overload
def parse_utc_text(text: None) -> None: ...
@overload
def parse_utc_text(text: str | None) -> datetime | None: ...
def parse_utc_text(text: str | None) -> datetime | None:
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("time without offset")
    return moment.astimezone(UTC)


def _kind_words(kind: str) -> str:
    try:
        return EventKind(kind).official_label
    except ValueError:
        return kind


def progress_entry(
    code: str,
    event: EventRecord,
    status_now: str,
    due_at: datetime | None,
    actor_name: str | None = None,
    status_codes: Mapping[str, str] | None = None,
) -> ProgressEntry:
    """One `CapNhatTienDoHoSoMC` entry for an event (docs/sync-protocol.md), in official
    words: `code` is the record's `MaHoSo`, `actor_name` the officer's full name (the
    login when unknown), `status_codes` the province's rewrites of `TrangThai`."""
    at = parse_utc_text(event["at"])
    to_status = event["to_status"]
    status = Status(to_status or status_now)
    text = _kind_words(event["kind"])
    if to_status:
        text = f"{text}: {Status(to_status).official_label}"
    if event["reason"]:
        text = f"{text} — {event['reason']}"
    return {
        "MaHoSo": code,
        "NguoiXuLy": (actor_name or event["actor"])[:MAX_PROGRESS_ACTOR],
        "ChucDanh": ROLE_TITLES.get(event["actor_role"], event["actor_role"]),
        "ThoiDiemXuLy": portal_time(at),
        "PhongBanXuLy": ONE_STOP_DEPARTMENT,
        "NoiDungXuLy": text,
        "TrangThai": status_code(status.value, status_codes),
        "NgayBatDau": portal_time(at),
        "NgayKetThucTheoQuyDinh": portal_time(due_at),
    }


def id_kind(number: str) -> str:
    """`LoaiDinhDanh`: "1" for a 12-character ID (the personal ID), "2" otherwise."""
    return "1" if len(number) == 12 else "2"


def channel_code(channel: str) -> str:
    return str(Channel(channel).portal_code)


def status_code(status: str, rewrites: Mapping[str, str] | None = None) -> str:
    """`TrangThaiHoSo` of a status, after the province's rewrites (code -> code)."""
    code = str(Status(status).portal_code)
    return (rewrites or {}).get(code, code)


# --- page links -------------------------------------------------------------------------
# The portal downloads a record's pages from the hub through a link the counter signs with
# its device secret; the hub serves the page while the link has not expired.

FILES_PATH = f"{API_PREFIX}/files"


def _link_message(sha256: str, device: str, expires: int) -> bytes:
    return f"v{PROTOCOL_VERSION}\nfile\n{sha256}\n{device}\n{expires}".encode()


def file_link_signature(secret: str, sha256: str, device: str, expires: int) -> str:
    message = _link_message(sha256, device, expires)
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def file_link(base_url: str, secret: str, sha256: str, device: str, expires: int) -> str:
    """The absolute, signed URL of a page on the hub, valid until `expires` (Unix time)."""
    signature = file_link_signature(secret, sha256, device, expires)
    return f"{base_url.rstrip('/')}{FILES_PATH}/{sha256}?d={device}&e={expires}&s={signature}"


def stored_portal_record(
    record: Mapping[str, Any], progress: Iterable[Mapping[str, Any]]
) -> PortalRecord:
    """A record and its progress entries as the hub stored them from a counter's batch.

    They are kept as the counter sent them; the province checks what it is pushed.
    """
    entries = tuple(cast(ProgressEntry, dict(entry)) for entry in progress)
    return PortalRecord(cast(PortalDossier, dict(record)), entries)


# --- day close --------------------------------------------------------------------------


def manifest_of(
    counts: Mapping[str, Any], heads: Mapping[str, str], chain: ChainHead | None = None
) -> DayManifest:
    """The day-close counts (`kernel.day`'s shape) with the head hash of each listed dossier
    and, from a device, the head of its chain; the counter and the hub build their
    manifests with it."""
    dossiers: list[str] = list(counts["dossiers"])
    manifest: DayManifest = {
        "office": counts["office"],
        "date": counts["date"],
        "received": counts["received"],
        "by_channel": counts["by_channel"],
        "by_status": counts["by_status"],
        "by_procedure": counts["by_procedure"],
        "dossiers": dossiers,
        "heads": {code: heads[code] for code in dossiers},
    }
    if chain is not None:
        manifest["chain"] = chain
    return manifest


def manifest_difference(counter: DayManifest, hub: DayManifest) -> ManifestDifference:
    """The exact difference between the counter's manifest and the hub's: empty when equal.

    Count fields give both values; dossiers give the codes missing on the hub, the codes
    the hub holds that the counter did not list, and codes whose head hash differs.
    """
    difference: ManifestDifference = {}
    if counter["received"] != hub["received"]:
        difference["received"] = {"counter": counter["received"], "hub": hub["received"]}
    if by_channel := _count_changes(counter["by_channel"], hub["by_channel"]):
        difference["by_channel"] = by_channel
    if by_status := _count_changes(counter["by_status"], hub["by_status"]):
        difference["by_status"] = by_status
    if by_procedure := _count_changes(counter["by_procedure"], hub["by_procedure"]):
        difference["by_procedure"] = by_procedure
    mine_codes, hub_codes = set(counter["dossiers"]), set(hub["dossiers"])
    if missing := sorted(mine_codes - hub_codes):
        difference["missing_on_hub"] = missing
    if extra := sorted(hub_codes - mine_codes):
        difference["unknown_to_counter"] = extra
    mine_heads, hub_heads = counter["heads"], hub["heads"]
    stale = sorted(
        code
        for code in mine_codes & hub_codes
        if code in mine_heads and mine_heads[code] != hub_heads.get(code)
    )
    if stale:
        difference["head_mismatch"] = stale
    mine_chain, hub_chain = counter.get("chain"), hub.get("chain")
    if mine_chain is not None and hub_chain is not None and mine_chain != hub_chain:
        difference["chain_head"] = {"counter": mine_chain, "hub": hub_chain}
    return difference


def _count_changes(mine: Mapping[str, int], theirs: Mapping[str, int]) -> dict[str, CountPair]:
    return {
        key: {"counter": mine.get(key, 0), "hub": theirs.get(key, 0)}
        for key in sorted(set(mine) | set(theirs))
        if mine.get(key, 0) != theirs.get(key, 0)
    }


# --- JSON -------------------------------------------------------------------------------


def wire_json(document: Mapping[str, object] | Sequence[Mapping[str, object]]) -> bytes:
    """The one JSON form of what the counter, the hub and the provincial exporters send
    (an object, or the relay style's bare list): UTF-8, compact, fields in the order the
    record was built."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


# What reaches the hub may be hostile: the parsers check each field for the JSON type the
# protocol gives it, and their ValueError names the first field that is not.


def parse_dossier_payload(value: object) -> DossierPayload:
    """One dossier of a batch, checked. Its portal layouts (`record`, `progress`) must be
    objects and are otherwise kept as sent: the province checks what it is pushed."""
    item = _object(value, "dossier")
    local = _object(item.get("local"), "local")
    channel, status = _text(local, "channel", "local"), _text(local, "status", "local")
    Channel(channel)  # a channel or status this program does not know: ValueError
    Status(status)
    events = item.get("events")
    if not isinstance(events, list):
        raise ValueError("events: list expected")
    progress = _object(item.get("progress"), "progress")
    return {
        "local": {
            "code": _text(local, "code", "local"),
            "office": _text(local, "office", "local"),
            "procedure": _text(local, "procedure", "local"),
            "procedure_name": _text(local, "procedure_name", "local"),
            "channel": channel,
            "status": status,
            "received_at": _utc_time(local, "received_at", "local"),
            "due_at": None if local.get("due_at") is None else _utc_time(local, "due_at", "local"),
            "head_hash": _text(local, "head_hash", "local"),
            "head_seq": _integer(local, "head_seq", "local"),
        },
        "record": cast(PortalDossier, _object(item.get("record"), "record")),
        "events": [_event_record(event, f"events[{i}]") for i, event in enumerate(events)],
        "progress": {
            uuid: cast(ProgressEntry, _object(entry, f"progress.{uuid}"))
            for uuid, entry in progress.items()
        },
        "pages": _texts(item, "pages", "dossier"),
    }


def parse_day_manifest(value: object) -> DayManifest:
    """A day-close manifest, checked field by field."""
    fields = _object(value, "manifest")
    manifest: DayManifest = {
        "office": _text(fields, "office", "manifest"),
        "date": _text(fields, "date", "manifest"),
        "received": _integer(fields, "received", "manifest"),
        "by_channel": _counts(fields, "by_channel", "manifest"),
        "by_status": _counts(fields, "by_status", "manifest"),
        "by_procedure": _counts(fields, "by_procedure", "manifest"),
        "dossiers": _texts(fields, "dossiers", "manifest"),
        "heads": _text_map(fields, "heads", "manifest"),
    }
    if fields.get("chain") is not None:
        chain = _object(fields["chain"], "manifest.chain")
        manifest["chain"] = {
            "seq": _integer(chain, "seq", "manifest.chain"),
            "hash": _text(chain, "hash", "manifest.chain"),
        }
    return manifest


def _event_record(value: object, where: str) -> EventRecord:
    fields = _object(value, where)
    record = _event_fields(fields, where)
    if fields.get("prev_seq") is not None:
        prev_seq = _integer(fields, "prev_seq", where)
        if prev_seq < 0:
            raise ValueError(f"{where}.prev_seq: whole number expected")
        record["prev_seq"] = prev_seq
    return record


def _event_fields(fields: Mapping[str, Any], where: str) -> EventRecord:
    return {
        "uuid": _text(fields, "uuid", where),
        "seq": _integer(fields, "seq", where),
        "kind": _text(fields, "kind", where),
        "from_status": _optional_text(fields, "from_status", where),
        "to_status": _optional_text(fields, "to_status", where),
        "actor": _text(fields, "actor", where),
        "actor_role": _text(fields, "actor_role", where),
        "at": _utc_time(fields, "at", where),
        "reason": _optional_text(fields, "reason", where),
        "data": _object(fields.get("data"), f"{where}.data"),
        "state_digest": _text(fields, "state_digest", where),
        "prev_hash": _text(fields, "prev_hash", where),
        "hash": _text(fields, "hash", where),
    }


def _object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{where}: object expected")
    return value


def _text(fields: Mapping[str, Any], key: str, where: str) -> str:
    value = fields.get(key)
    if not isinstance(value, str):
        raise ValueError(f"{where}.{key}: text expected")
    return value


def _optional_text(fields: Mapping[str, Any], key: str, where: str) -> str | None:
    return None if fields.get(key) is None else _text(fields, key, where)


def _is_integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _integer(fields: Mapping[str, Any], key: str, where: str) -> int:
    value = fields.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{where}.{key}: integer expected")
    return value


def _utc_time(fields: Mapping[str, Any], key: str, where: str) -> str:
    text = _text(fields, key, where)
    try:
        parse_utc_text(text)
    except ValueError:
        raise ValueError(f"{where}.{key}: ISO 8601 time with offset expected") from None
    return text


def _texts(fields: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = fields.get(key)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{where}.{key}: list of texts expected")
    return value


def _counts(fields: Mapping[str, Any], key: str, where: str) -> dict[str, int]:
    value = _object(fields.get(key), f"{where}.{key}")
    if not all(_is_integer(count) for count in value.values()):
        raise ValueError(f"{where}.{key}: whole numbers expected")
    return value


def _text_map(fields: Mapping[str, Any], key: str, where: str) -> dict[str, str]:
    value = _object(fields.get(key), f"{where}.{key}")
    if not all(isinstance(text, str) for text in value.values()):
        raise ValueError(f"{where}.{key}: texts expected")
    return value
