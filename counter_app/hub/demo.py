"""`hub demo`: a hub filled with believable data of the province's communes, through the
hub's real doors.

Each commune gets one counter, enrolled with a one-time code (`Hub.create_enroll_code`,
`Hub.enroll`). Its counter is played in memory: dossiers with the counter demo's mix of
procedures, channels, names and office hours (`counter_app.demo.generator`), moved through
the lifecycle over the days, every event on the counter's one chain with the kernel's hash
(`kernel.events.event_hash`) and `CapNhatTienDoHoSoMC` entry (`sync.protocol`). At the end
of each working day the counter syncs as a real one does: its dossiers with unsent events
in batches of 50, each batch signed with the device's secret and passed to
`Hub.authenticate` and `Hub.ingest` (no HTTP, nothing else skipped), then its day-close
manifest (`manifest_of` over `summarise_day`, as the counter builds it) to `Hub.day_close`.

The figures are the demo's assumptions, not published ones: a ward receives about as many
dossiers a day as the counter demo's (`DemoOptions.per_day`), a rural commune 40 % of that.
"""

from __future__ import annotations

import json
import random
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any, cast

import sqlalchemy as sa

from counter_app.demo.generator import (
    FIELD_WEIGHTS,
    PAPER_REASONS,
    PROCEDURE_WEIGHTS,
    STAFF,
    DemoOptions,
    office_moment,
    random_channel,
    random_person,
)
from counter_app.domain.calendar import VN_TZ, WorkCalendar, default_calendar
from counter_app.domain.catalog import Procedure, load_catalog
from counter_app.domain.codes import format_code
from counter_app.domain.lifecycle import Channel, EventKind, Role, Status
from counter_app.domain.units import AdministrativeUnit, load_units
from counter_app.errors import ValidationError
from counter_app.hub.service import DeviceView, Hub, recomputed_hash
from counter_app.i18n import _
from counter_app.kernel.day import summarise_day
from counter_app.kernel.events import GENESIS_HASH, canonical_digest
from counter_app.sync.protocol import (
    API_PREFIX,
    HEADER_DEVICE,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    PROTOCOL_VERSION,
    ChainHead,
    DayManifest,
    DossierPayload,
    EventRecord,
    PortalDossier,
    channel_code,
    manifest_of,
    portal_time,
    progress_entry,
    sign,
    status_code,
    utc_text,
    wire_json,
)

BATCH_DOSSIERS = 50  # the counter's default `sync_batch_dossiers`
SYNC_TIME = time(17, 30)  # after closing: the counter's day close
RURAL_SHARE = 0.4
DEMO_UNIT_ID_PREFIX = "DEMO.56."  # as the counter demo's: the real e-IDs are the province's


@dataclass(frozen=True)
class HubDemoOptions:
    communes: int = 65
    days: int = 30
    seed: int = 2026


@dataclass
class HubDemoSummary:
    """What was made: the counts a test compares with the hub's."""

    communes: int = 0
    days: int = 0
    dossiers: int = 0
    events: int = 0
    batches: int = 0
    day_closes: int = 0
    day_closes_matched: int = 0
    refused: int = 0
    dossiers_by_office: dict[str, int] = field(default_factory=dict)
    events_by_device: dict[str, int] = field(default_factory=dict)


@dataclass
class _Step:
    at: datetime
    kind: str
    from_status: str | None
    to_status: str
    actor: tuple[str, str, Role]
    reason: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Dossier:
    code: str
    portal_code: str | None
    procedure: Procedure
    channel: Channel
    received_at: datetime
    due_at: datetime
    applicant: Any
    paper_reason: str | None
    steps: list[_Step]
    # as the counter holds it, moved on as its events happen
    status: str = ""
    head_hash: str = GENESIS_HASH
    head_seq: int = 0
    unsent: list[EventRecord] = field(default_factory=list)
    returned_at: datetime | None = None
    resolved_at: datetime | None = None


@dataclass
class _Counter:
    unit: AdministrativeUnit
    unit_id: str
    device: DeviceView
    secret: str
    seq: int = 0
    chain_hash: str = GENESIS_HASH


def khanh_hoa_communes(count: int) -> list[AdministrativeUnit]:
    """The first `count` units of the shipped list (the province's 65 communes and wards)."""
    units = sorted(load_units(), key=lambda unit: unit.code)
    if not 1 <= count <= len(units):
        raise ValidationError(
            _("Số xã phải từ 1 đến {n} (danh mục đơn vị hành chính).").format(n=len(units))
        )
    return units[:count]


def generate_hub_demo(
    hub: Hub,
    options: HubDemoOptions,
    *,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    sent: Callable[[DeviceView, dict[str, Any]], None] | None = None,
) -> HubDemoSummary:
    """Fill `hub` with `options.days` days of `options.communes` communes, ending `now`.

    Refuses a hub that already has devices of those communes (a demo goes into an empty
    hub, so its counts are the demo's). `progress(done, total)` is told after each
    commune; `sent(device, batch)` sees each batch the hub accepted (the benchmarks replay
    them)."""
    if not 1 <= options.days <= 3660:
        raise ValidationError(_("Số ngày phải từ 1 đến 3660."))
    units = khanh_hoa_communes(options.communes)
    offices = {unit.code for unit in units}
    if any(status.device.office_unit in offices for status in hub.devices()):
        raise ValidationError(
            _("Hub đã có quầy của các xã này; dữ liệu mẫu chỉ tạo trên hub trống.")
        )
    end = (now or hub.clock()).astimezone(VN_TZ)
    first_day = end.date() - timedelta(days=options.days - 1)
    calendar = default_calendar()
    procedures = list(load_catalog().procedures)
    summary = HubDemoSummary(communes=len(units), days=options.days)

    # Demo data is regenerable: trade SQLite's per-commit fsync for speed while generating,
    # as the counter's demo does.
    @sa.event.listens_for(hub.engine, "connect")
    def _fast(dbapi_connection: Any, _record: Any) -> None:
        if hub.engine.dialect.name == "sqlite":
            dbapi_connection.execute("PRAGMA synchronous=OFF")

    hub.engine.dispose()
    try:
        for index, unit in enumerate(units):
            rng = random.Random(f"{options.seed}-{unit.code}")
            counter = _enrol(hub, unit)
            dossiers = _dossiers(rng, calendar, procedures, counter, first_day, end)
            _play(hub, counter, calendar, dossiers, first_day, end, summary, sent)
            if progress is not None:
                progress(index + 1, len(units))
    finally:
        sa.event.remove(hub.engine, "connect", _fast)
        hub.engine.dispose()
    summary.dossiers = sum(summary.dossiers_by_office.values())
    return summary


def _enrol(hub: Hub, unit: AdministrativeUnit) -> _Counter:
    unit_id = unit.electronic_id or f"{DEMO_UNIT_ID_PREFIX}{unit.code}"
    code = hub.create_enroll_code(unit.code, unit_id=unit_id)
    device, secret = hub.enroll(code, f"Quầy 1 – {unit.short_name}", unit_id, unit.code)
    return _Counter(unit, unit_id, device, secret)


def _staff(login: str) -> tuple[str, str, Role]:
    return next(member for member in STAFF if member[0] == login)


def _dossiers(
    rng: random.Random,
    calendar: WorkCalendar,
    procedures: list[Procedure],
    counter: _Counter,
    first_day: date,
    end: datetime,
) -> list[_Dossier]:
    """The commune's dossiers and the steps each will take (some after `end`: not yet)."""
    by_field: dict[str, list[Procedure]] = {}
    for procedure in procedures:
        by_field.setdefault(procedure.field, []).append(procedure)
    fields = [f for f in FIELD_WEIGHTS if f in by_field]
    per_day = DemoOptions().per_day * (1.0 if counter.unit.type == "phường" else RURAL_SHARE)
    clerks = [_staff(login) for login, _n, _r in STAFF if login.startswith("tiepnhan")]
    made: list[_Dossier] = []
    day = first_day
    serial = 0
    while day <= end.date():
        if calendar.is_working_day(day):
            volume = max(2, int(rng.gauss(per_day, per_day * 0.25)))
            if day.weekday() == 0:
                volume = int(volume * 1.3)  # Monday mornings are busiest
            moments = sorted(office_moment(rng, day) for _ in range(volume))
            for number, moment in enumerate(moments):
                if moment > end:
                    break
                if rng.random() < 0.06:
                    procedure = rng.choice(procedures)
                else:
                    field_ = rng.choices(fields, [FIELD_WEIGHTS[f] for f in fields])[0]
                    choices = by_field[field_]
                    weights = [PROCEDURE_WEIGHTS.get(p.code, 1) for p in choices]
                    procedure = rng.choices(choices, weights)[0]
                serial += 1
                sequence = counter.device.block_first + number
                code = format_code(counter.unit_id, day, sequence)
                made.append(_one(rng, calendar, procedure, code, moment, serial, clerks, counter))
        day += timedelta(days=1)
    return made


def _one(
    rng: random.Random,
    calendar: WorkCalendar,
    procedure: Procedure,
    code: str,
    moment: datetime,
    serial: int,
    clerks: list[tuple[str, str, Role]],
    counter: _Counter,
) -> _Dossier:
    """One dossier and its life, as the counter demo lives it (`_one_dossier`)."""
    channel = random_channel(rng, procedure)
    person = random_person(rng, moment.date())
    person = replace(
        person, address=f"{person.address.split(',')[0]}, {counter.unit.name}, Tỉnh Khánh Hòa"
    )
    limit = (
        procedure.online_time_limit
        if channel.is_online and procedure.online_time_limit
        else procedure.time_limit
    )
    due = calendar.due_at(moment, limit)
    clerk = rng.choice(clerks)
    handler = _staff(
        {"Hộ tịch": "tuphap", "Chứng thực": "tuphap", "Đất đai": "diachinh"}.get(
            procedure.field, "vhxh"
        )
    )
    paper_reason = (
        rng.choice(PAPER_REASONS)
        if channel is Channel.DIRECT and procedure.online_level == "full"
        else None
    )
    received: dict[str, Any] = {"procedure": procedure.code, "channel": channel.value}
    if paper_reason:
        received["paper_reason"] = paper_reason
    steps = [
        _Step(moment, EventKind.RECEIVED.value, None, Status.RECEIVED.value, clerk, None, received)
    ]
    span = max(due - moment, timedelta(hours=2))

    def move(
        at: datetime, source: Status, target: Status, reason: str | None = None, **data: Any
    ) -> None:
        steps.append(
            _Step(at, EventKind.MOVED.value, source.value, target.value, clerk, reason, data)
        )

    roll = rng.random()
    at = moment + timedelta(minutes=rng.randint(5, 90))
    if roll < 0.01:
        move(at, Status.RECEIVED, Status.REFUSED, "Hồ sơ không thuộc thẩm quyền giải quyết")
    elif roll < 0.02:
        move(at, Status.RECEIVED, Status.WITHDRAWN, "Công dân xin rút hồ sơ")
    else:
        move(at, Status.RECEIVED, Status.PROCESSING, handler=handler[0])
        if roll < 0.09:
            at += span * rng.uniform(0.2, 0.5)
            move(at, Status.PROCESSING, Status.SUPPLEMENT, "Bổ sung bản sao giấy tờ tùy thân")
            at += timedelta(days=rng.randint(1, 6))
            move(at, Status.SUPPLEMENT, Status.PROCESSING)
        if 0.09 <= roll < 0.1:
            move(
                at + span * 0.5,
                Status.PROCESSING,
                Status.STOPPED,
                "Người nộp không bổ sung theo yêu cầu",
            )
        else:
            late = rng.random() < 0.04
            resolve_at = moment + span * (
                rng.uniform(1.05, 1.8) if late else rng.uniform(0.3, 0.98)
            )
            resolved_at = max(resolve_at, at + timedelta(minutes=30))
            move(resolved_at, Status.PROCESSING, Status.RESOLVED)
            move(
                resolved_at + timedelta(hours=rng.randint(1, 72)), Status.RESOLVED, Status.RETURNED
            )
    portal_code = f"G22.{moment:%y%m%d}.{serial:05d}" if channel.is_online else None
    return _Dossier(code, portal_code, procedure, channel, moment, due, person, paper_reason, steps)


def _play(
    hub: Hub,
    counter: _Counter,
    calendar: WorkCalendar,
    dossiers: list[_Dossier],
    first_day: date,
    end: datetime,
    summary: HubDemoSummary,
    sent: Callable[[DeviceView, dict[str, Any]], None] | None,
) -> None:
    """The counter's days: its events as they happen, a sync and a day close each evening."""
    happened = sorted(
        (step.at, i, j)
        for i, dossier in enumerate(dossiers)
        for j, step in enumerate(dossier.steps)
        if step.at <= end
    )
    cursor = 0
    day = first_day
    office = counter.unit.code
    while day <= end.date():
        if not calendar.is_working_day(day):
            day += timedelta(days=1)
            continue
        sync_at = min(datetime.combine(day, SYNC_TIME, VN_TZ), end)
        touched: dict[int, None] = {}  # by their first unsent event, as the outbox orders
        while cursor < len(happened) and happened[cursor][0] <= sync_at:
            _at, i, j = happened[cursor]
            _record_event(counter, dossiers[i], dossiers[i].steps[j])
            touched.setdefault(i, None)
            cursor += 1
        pending = [dossiers[i] for i in touched]
        for start in range(0, len(pending), BATCH_DOSSIERS):
            chunk = pending[start : start + BATCH_DOSSIERS]
            body = {
                "protocol": PROTOCOL_VERSION,
                "device": counter.device.id,
                "dossiers": [_payload(counter, dossier) for dossier in chunk],
            }
            device, document = _signed(hub, counter, "/batches", body)
            answer = hub.ingest(device, document)
            if sent is not None:
                sent(device, document)
            summary.batches += 1
            for dossier, result in zip(chunk, answer["results"], strict=True):
                if not result["ok"]:
                    summary.refused += 1
                    continue
                if dossier.unsent and dossier.unsent[0]["kind"] == EventKind.RECEIVED.value:
                    summary.dossiers_by_office[office] = (
                        summary.dossiers_by_office.get(office, 0) + 1
                    )
                summary.events += len(result["accepted"])
                summary.events_by_device[counter.device.id] = summary.events_by_device.get(
                    counter.device.id, 0
                ) + len(result["accepted"])
                dossier.unsent = []
        manifest = _manifest(counter, dossiers, day)
        close = {"protocol": PROTOCOL_VERSION, "device": counter.device.id, "manifest": manifest}
        answer_close = hub.day_close(*_signed(hub, counter, "/day-close", close))
        summary.day_closes += 1
        summary.day_closes_matched += bool(answer_close["match"])
        day += timedelta(days=1)


def _record_event(counter: _Counter, dossier: _Dossier, step: _Step) -> None:
    """The counter appends an event to its one chain: the next seq, the kernel's hash."""
    counter.seq += 1
    dossier.status = step.to_status
    if step.to_status == Status.RESOLVED.value:
        dossier.resolved_at = step.at
    if step.to_status == Status.RETURNED.value:
        dossier.returned_at = step.at
    state = {
        "code": dossier.code,
        "status": dossier.status,
        "procedure": dossier.procedure.code,
        "channel": dossier.channel.value,
        "received_at": utc_text(dossier.received_at),
        "due_at": utc_text(dossier.due_at),
        "applicant": dossier.applicant.name,
    }
    event: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "seq": counter.seq,
        "kind": step.kind,
        "from_status": step.from_status,
        "to_status": step.to_status,
        "actor": step.actor[0],
        "actor_role": step.actor[2].value,
        "at": utc_text(step.at),
        "reason": step.reason,
        "data": step.data,
        "state_digest": canonical_digest(state),
        "prev_hash": counter.chain_hash,
        "hash": "",
        "prev_seq": counter.seq - 1,
    }
    record = cast(EventRecord, event)
    record["hash"] = recomputed_hash(record, dossier.code)
    counter.chain_hash = record["hash"]
    dossier.head_hash, dossier.head_seq = record["hash"], counter.seq
    dossier.unsent.append(record)


def _payload(counter: _Counter, dossier: _Dossier) -> DossierPayload:
    """The dossier as the counter's outbox sends it: record, unsent events, their entries."""
    record = _record(counter, dossier)
    names = {login: name for login, name, _role in STAFF}
    return {
        "local": {
            "code": dossier.code,
            "office": counter.unit.code,
            "procedure": dossier.procedure.code,
            "procedure_name": dossier.procedure.name,
            "channel": dossier.channel.value,
            "status": dossier.status,
            "received_at": utc_text(dossier.received_at),
            "due_at": utc_text(dossier.due_at),
            "head_hash": dossier.head_hash,
            "head_seq": dossier.head_seq,
        },
        "record": record,
        "events": list(dossier.unsent),
        "progress": {
            event["uuid"]: progress_entry(
                record["MaHoSo"], event, dossier.status, dossier.due_at, names.get(event["actor"])
            )
            for event in dossier.unsent
        },
        "pages": [],
    }


def _record(counter: _Counter, dossier: _Dossier) -> PortalDossier:
    """The main `DongBoHoSoMC` fields (every value a string, times in Vietnam time)."""
    person = dossier.applicant
    record: dict[str, Any] = {
        "MaHoSo": dossier.portal_code or dossier.code,
        "MaTTHC": dossier.procedure.code,
        "TenTTHC": dossier.procedure.name,
        "MaLinhVuc": dossier.procedure.field_code,
        "TenLinhVuc": dossier.procedure.field,
        "KenhThucHien": channel_code(dossier.channel.value),
        "ChuHoSo": person.name,
        "SoGiayToChuHoSo": person.id_number,
        "LoaiDoiTuong": "1",
        "SoDienThoai": person.phone,
        "TrichYeuHoSo": dossier.procedure.name,
        "NgayTiepNhan": portal_time(dossier.received_at),
        "NgayHenTra": portal_time(dossier.due_at),
        "TrangThaiHoSo": status_code(dossier.status),
        "NgayTra": portal_time(dossier.returned_at),
        "NgayKetThucXuLy": portal_time(dossier.resolved_at),
        "DonViXuLy": counter.unit.name,
        "NgayNopHoSo": portal_time(dossier.received_at),
        "NoiNopHoSo": "1" if dossier.channel.is_online else "2",
        "HinhThuc": "0",
        "DinhDanhCHS": [],
        "TaiLieuNop": [],
        "DanhSachLePhi": [],
    }
    return cast(PortalDossier, record)


@dataclass
class _DayRow:
    code: str
    channel: str
    status: str
    procedure_code: str


def _manifest(counter: _Counter, dossiers: list[_Dossier], day: date) -> DayManifest:
    """The counter's day-close manifest: its dossiers of `day` with their status now."""
    rows = sorted(
        (
            _DayRow(d.code, d.channel.value, d.status, d.procedure.code)
            for d in dossiers
            if d.status and d.received_at.date() == day
        ),
        key=lambda row: row.code,
    )
    heads = {d.code: d.head_hash for d in dossiers if d.status and d.received_at.date() == day}
    chain: ChainHead = {"seq": counter.seq, "hash": counter.chain_hash}
    return manifest_of(summarise_day(counter.unit.code, day, rows), heads, chain)


def _signed(
    hub: Hub, counter: _Counter, path: str, body: dict[str, Any]
) -> tuple[DeviceView, dict[str, Any]]:
    """A request as a counter signs it, checked by the hub as if it came over HTTP: the
    device it authenticates, and the body as the hub reads it."""
    raw = wire_json(body)
    timestamp = str(int(hub.clock().timestamp()))
    nonce = secrets.token_hex(16)
    full_path = f"{API_PREFIX}{path}"
    headers = {
        HEADER_DEVICE.lower(): counter.device.id,
        HEADER_TIMESTAMP.lower(): timestamp,
        HEADER_NONCE.lower(): nonce,
        HEADER_SIGNATURE.lower(): sign(counter.secret, "POST", full_path, timestamp, nonce, raw),
    }
    document: dict[str, Any] = json.loads(raw)
    return hub.authenticate("POST", full_path, headers, raw), document
