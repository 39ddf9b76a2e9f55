"""The hub's rules, apart from HTTP: enrolment, request authentication, ingest, pages,
counts, day close, the public status and the portal-style adapter interface.

Every refusal is a `HubRefusal` with a stable reason code (for programs) and a
Vietnamese message (for people); the HTTP layer only maps it to a status.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import re
import secrets
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from counter_app.domain.calendar import VN_TZ
from counter_app.domain.codes import MAX_SEQUENCE, parse_code
from counter_app.domain.lifecycle import Channel, Status
from counter_app.errors import CounterError, NotFoundError, ValidationError
from counter_app.files import PRIVATE_FILE_MODE, make_private_dir
from counter_app.hub.models import (
    HUB_MIGRATIONS,
    PRE_ALEMBIC_REVISION,
    PRE_ALEMBIC_STAMP,
    HubConflict,
    HubDayClose,
    HubDevice,
    HubDossier,
    HubEnrollCode,
    HubEvent,
    HubMeta,
    HubNonce,
    HubOffice,
    HubPage,
    HubPortalRecord,
    HubPortalSession,
    HubUnlinkedEvent,
)
from counter_app.i18n import _
from counter_app.kernel.day import day_bounds, summarise_day
from counter_app.kernel.events import GENESIS_HASH, event_hash
from counter_app.kernel.page_files import page_path
from counter_app.store.engine import make_engine, make_session_factory
from counter_app.store.models import Event
from counter_app.sync.portal_check import progress_problem, record_problem
from counter_app.sync.protocol import (
    HEADER_DEVICE,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    NONCE_RE,
    PROTOCOL_VERSION,
    SHA256_RE,
    SIGNATURE_WINDOW_SECONDS,
    BatchAnswer,
    ChainHead,
    ConflictInfo,
    DayCloseAnswer,
    DayManifest,
    DossierPayload,
    DossierResult,
    EventRecord,
    PortalRecord,
    file_link_signature,
    manifest_difference,
    manifest_of,
    parse_day_manifest,
    parse_dossier_payload,
    parse_utc_text,
    signature_matches,
    stored_portal_record,
)

Clock = Callable[[], datetime]
ENROLL_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
ENROLL_CODE_DAYS = 7
DEFAULT_BLOCK_SIZE = 1000
MAX_PAGE_BYTES = 64 * 1024 * 1024
MAX_CHUNK_BYTES = 4 * 1024 * 1024
UNIT_ID_RE = re.compile(r"^[A-Za-z0-9.]{1,40}$")
"""An office's electronic ID, the prefix of its dossier codes (`domain.codes`)."""
MAX_UNLINKED_LISTED = 100


def _utc_now() -> datetime:
    return datetime.now(UTC)


class HubRefusal(CounterError):
    """A request the hub will not carry out: `reason` is stable, the message is for people."""

    def __init__(self, reason: str, message: str, status: int = 400, **detail: Any) -> None:
        super().__init__(message)
        self.reason = reason
        self.status = status
        self.detail = detail

    def to_json(self) -> dict[str, Any]:
        return {"error": self.reason, "message": self.message, **self.detail}


@dataclass(frozen=True)
class DeviceView:
    id: str
    office_unit: str
    label: str
    block_first: int
    block_last: int
    electronic_id: str | None = None
    """The code prefix the device was enrolled for (None: a device from before h0002 that
    follows its office's binding)."""


@dataclass(frozen=True)
class ConflictView:
    """A kept conflict, for the province's administrator."""

    info: ConflictInfo
    device_id: str
    office_unit: str
    first_seen_at: datetime
    last_seen_at: datetime
    times: int
    resolved_at: datetime | None
    resolution: str | None


class _HistoryConflict(Exception):
    """A dossier that contradicts the history the hub holds: kept, never applied."""

    def __init__(
        self,
        reason: str,
        *,
        event: str | None,
        seq: int | None,
        held_hash: str | None,
        sent_hash: str | None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.event = event
        self.seq = seq
        self.held_hash = held_hash
        self.sent_hash = sent_hash


@dataclass(frozen=True)
class DeviceStatus:
    device: DeviceView
    revoked: bool
    enrolled_at: datetime
    last_seen_at: datetime | None


# --- database ---------------------------------------------------------------------------


def open_hub_database(url: str) -> sa.Engine:
    """Connect and bring the hub's schema to the head of its migrations (a hub upgrades on
    start).

    A pre-Alembic hub database (tables from `create_all`, `hub_meta` stamped "1", no version
    table) is stamped at h0001 and upgraded from there, its rows kept. A database at a
    revision this program does not know, written by a newer hub, is refused. The revision
    reached is mirrored into `hub_meta.schema_version` (see `HubMeta` for why).
    """
    engine = make_engine(url)
    try:
        current = HUB_MIGRATIONS.current_revision(engine)
        if current is None:
            _adopt_pre_alembic(engine)
        elif not HUB_MIGRATIONS.knows(current):
            raise ValidationError(
                _(
                    "Cơ sở dữ liệu hub có phiên bản lược đồ {found}, mới hơn bản {needed} mà "
                    "chương trình này biết; hãy cập nhật chương trình hub."
                ).format(found=current, needed=HUB_MIGRATIONS.head_revision())
            )
        HUB_MIGRATIONS.upgrade(engine)
        _mirror_revision(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def _stamp_query() -> sa.Select[str]:
    return sa.select(HubMeta.value).where(HubMeta.key == "schema_version")


def _adopt_pre_alembic(engine: sa.Engine) -> None:
    """Stamp a database built by the pre-Alembic hub; an empty one is left to the migrations."""
    if not sa.inspect(engine).has_table(HubMeta.__tablename__):
        return
    with engine.connect() as connection:
        stamp = connection.execute(_stamp_query()).scalar()
    # No stamp: the old hub stopped between `create_all` (one transaction) and the stamp.
    if stamp not in (None, PRE_ALEMBIC_STAMP):
        raise ValidationError(
            _("Cơ sở dữ liệu hub có phiên bản lược đồ {found}, cần {needed}.").format(
                found=stamp, needed=PRE_ALEMBIC_STAMP
            )
        )
    HUB_MIGRATIONS.stamp(engine, PRE_ALEMBIC_REVISION)


def _mirror_revision(engine: sa.Engine) -> None:
    revision = HUB_MIGRATIONS.current_revision(engine)
    with engine.begin() as connection:
        stamp = connection.execute(_stamp_query()).scalar()
        if stamp is None:
            connection.execute(sa.insert(HubMeta).values(key="schema_version", value=revision))
        elif stamp != revision:
            connection.execute(
                sa.update(HubMeta).where(HubMeta.key == "schema_version").values(value=revision)
            )


class Hub:
    """The hub's use cases over one database and one blob directory."""

    def __init__(self, engine: sa.Engine, blobs_dir: Path, clock: Clock = _utc_now) -> None:
        self.engine = engine
        self.session_factory: sessionmaker[Session] = make_session_factory(engine)
        self.blobs_dir = blobs_dir
        self.clock = clock
        make_private_dir(blobs_dir / "partial")  # pages of citizens' papers: 0700 folders

    @contextmanager
    def session(self) -> Iterator[Session]:
        session = self.session_factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    # --- enrolment ----------------------------------------------------------------------

    def create_enroll_code(
        self,
        office_unit: str,
        block_size: int = DEFAULT_BLOCK_SIZE,
        unit_id: str | None = None,
    ) -> str:
        """A one-time code for a counter of `office_unit`. With `unit_id` (the office's
        electronic ID) the office is bound to it now, if it is not bound yet."""
        _check_office_unit(office_unit)
        if not 1 <= block_size <= MAX_SEQUENCE:
            raise ValidationError(_("Cỡ khối số thứ tự không hợp lệ: {n}.").format(n=block_size))
        raw = "".join(secrets.choice(ENROLL_CODE_ALPHABET) for _i in range(12))
        now = self.clock()
        with self.session() as session:
            if unit_id is not None:
                unit_id = self._bind_office(session, office_unit, unit_id, "admin")
            session.add(
                HubEnrollCode(
                    code_hash=_code_hash(raw),
                    office_unit=office_unit,
                    electronic_id=unit_id,
                    block_size=block_size,
                    created_at=now,
                    expires_at=now + timedelta(days=ENROLL_CODE_DAYS),
                )
            )
        return "-".join(raw[i : i + 4] for i in range(0, 12, 4))

    def set_unit_id(self, office_unit: str, unit_id: str) -> str:
        """Bind an office to its electronic ID (the administrator's word); an office already
        bound to another ID is refused, since its codes on the hub carry the old one."""
        _check_office_unit(office_unit)
        with self.session() as session:
            bound = self._bind_office(session, office_unit, unit_id, "admin")
            session.execute(
                sa.update(HubDevice)
                .where(HubDevice.office_unit == office_unit, HubDevice.electronic_id.is_(None))
                .values(electronic_id=bound)
            )
            return bound

    def _bind_office(self, session: Session, office_unit: str, unit_id: str, by: str) -> str:
        """The office's electronic ID: `unit_id`, bound now if the office has none yet.

        Refused when the office is bound to another ID (`unit_id_mismatch`) or the ID to
        another office (`unit_id_taken`).
        """
        unit_id = unit_id.strip()
        if not UNIT_ID_RE.match(unit_id):
            raise HubRefusal(
                "bad_unit_id",
                _("Mã định danh điện tử của đơn vị không hợp lệ: {value}.").format(
                    value=unit_id[:60]
                ),
            )
        office = session.get(HubOffice, office_unit, with_for_update=True)
        if office is not None:
            if office.electronic_id != unit_id:
                raise HubRefusal(
                    "unit_id_mismatch",
                    _(
                        "Đơn vị {unit} có mã định danh điện tử {bound} trên hub, không phải "
                        "{claimed}."
                    ).format(unit=office_unit, bound=office.electronic_id, claimed=unit_id),
                    409,
                )
            return unit_id
        other = session.execute(
            sa.select(HubOffice.office_unit).where(HubOffice.electronic_id == unit_id)
        ).scalar()
        if other is not None:
            raise HubRefusal(
                "unit_id_taken",
                _("Mã định danh điện tử {eid} đã thuộc đơn vị {other}.").format(
                    eid=unit_id, other=other
                ),
                409,
            )
        session.add(
            HubOffice(
                office_unit=office_unit, electronic_id=unit_id, bound_at=self.clock(), bound_by=by
            )
        )
        session.flush()
        return unit_id

    def enroll(
        self, code: str, label: str, unit_id: str | None = None, office: str | None = None
    ) -> tuple[DeviceView, str]:
        """Spend a one-time code: a new device id, its secret, the electronic ID (code
        prefix) and the block of the sequence it may issue.

        The device is bound to its office's electronic ID: the one bound at the hub, else
        the code's, else the one the counter states (`unit_id`), which then binds the office.
        A counter that states another ID than the hub's, or another office than the
        code's (`office`), is refused before anything is bound, and so is an enrolment where
        nobody tells the ID (a counter from before this check, with a code made without
        `--unit-id`).
        """
        now = self.clock()
        with self.session() as session:
            row = session.execute(
                sa.select(HubEnrollCode)
                .where(HubEnrollCode.code_hash == _code_hash(code))
                .with_for_update()
            ).scalar()
            if row is None:
                raise HubRefusal("enroll_code_unknown", _("Mã ghi danh không đúng."), 403)
            if row.used_at is not None:
                raise HubRefusal("enroll_code_used", _("Mã ghi danh đã được dùng."), 403)
            if row.expires_at < now:
                raise HubRefusal("enroll_code_expired", _("Mã ghi danh đã hết hạn."), 403)
            if office is not None and office != row.office_unit:
                raise HubRefusal(
                    "wrong_office",
                    _("Mã ghi danh dành cho đơn vị {hub}, quầy này thuộc đơn vị {mine}.").format(
                        hub=row.office_unit, mine=office
                    ),
                    403,
                )
            bound = session.get(HubOffice, row.office_unit)
            claimed = unit_id.strip() if unit_id else None
            expected = bound.electronic_id if bound else row.electronic_id or claimed
            if expected is None:
                raise HubRefusal(
                    "unit_id_required",
                    _(
                        "Hub chưa biết mã định danh điện tử của đơn vị {unit}: cập nhật chương "
                        "trình ở quầy, hoặc tạo mã ghi danh với --unit-id."
                    ).format(unit=row.office_unit),
                    409,
                )
            if claimed is not None and claimed != expected:
                raise HubRefusal(
                    "unit_id_mismatch",
                    _(
                        "Mã ghi danh dành cho đơn vị có mã định danh điện tử {bound}, quầy "
                        "khai {claimed}."
                    ).format(bound=expected, claimed=claimed),
                    403,
                )
            electronic_id = self._bind_office(session, row.office_unit, expected, "enrolment")
            taken = session.execute(
                sa.select(sa.func.max(HubDevice.block_last)).where(
                    HubDevice.office_unit == row.office_unit
                )
            ).scalar()
            first = int(taken or 0) + 1
            last = min(first + row.block_size - 1, MAX_SEQUENCE)
            if first > MAX_SEQUENCE:
                raise HubRefusal(
                    "no_block_left",
                    _("Đơn vị {unit} đã hết khối số thứ tự để cấp.").format(unit=row.office_unit),
                    409,
                )
            device = HubDevice(
                id=f"d-{uuid.uuid4().hex[:16]}",
                office_unit=row.office_unit,
                electronic_id=electronic_id,
                secret=secrets.token_hex(32),
                label=label[:64],
                block_first=first,
                block_last=last,
                enrolled_at=now,
            )
            session.add(device)
            row.used_at = now
            row.device_id = device.id
            return _device_view(device), device.secret

    def devices(self, office_unit: str | None = None) -> list[DeviceStatus]:
        """The enrolled counters, for the province's administrator."""
        with self.session() as session:
            statement = sa.select(HubDevice).order_by(HubDevice.office_unit, HubDevice.block_first)
            if office_unit:
                statement = statement.where(HubDevice.office_unit == office_unit)
            return [
                DeviceStatus(_device_view(row), row.revoked, row.enrolled_at, row.last_seen_at)
                for row in session.execute(statement).scalars()
            ]

    def revoke_device(self, device_id: str) -> DeviceView:
        """Refuse every later request of a lost or replaced counter; its data stays.

        Its block of the code sequence is not given again, so old codes stay unique.
        """
        with self.session() as session:
            row = session.get(HubDevice, device_id, with_for_update=True)
            if row is None:
                raise NotFoundError(_("Không có thiết bị {id} trên hub.").format(id=device_id))
            row.revoked = True
            return _device_view(row)

    # --- authentication -----------------------------------------------------------------

    def authenticate(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> DeviceView:
        """Check a signed request: signature, time window, device, and a fresh nonce."""
        device_id = headers.get(HEADER_DEVICE.lower())
        timestamp = headers.get(HEADER_TIMESTAMP.lower())
        nonce = headers.get(HEADER_NONCE.lower())
        signature = headers.get(HEADER_SIGNATURE.lower())
        if not (device_id and timestamp and nonce and signature):
            raise HubRefusal("unsigned", _("Yêu cầu không có chữ ký thiết bị."), 401)
        now = self.clock()
        try:
            sent = datetime.fromtimestamp(int(timestamp), UTC)
        except (ValueError, OverflowError, OSError):
            raise HubRefusal("bad_timestamp", _("Dấu thời gian không hợp lệ."), 401) from None
        if not NONCE_RE.match(nonce):
            raise HubRefusal("bad_nonce", _("Số dùng một lần (nonce) không hợp lệ."), 401)
        with self.session() as session:
            device = session.get(HubDevice, device_id)
            if device is None:
                raise HubRefusal(
                    "unknown_device", _("Thiết bị {id} chưa ghi danh.").format(id=device_id), 401
                )
            if not signature_matches(
                device.secret, method, path, timestamp, nonce, body, signature
            ):
                raise HubRefusal(
                    "bad_signature", _("Chữ ký không đúng với khóa của thiết bị."), 401
                )
            if abs((now - sent).total_seconds()) > SIGNATURE_WINDOW_SECONDS:
                raise HubRefusal(
                    "expired",
                    _("Yêu cầu đã hết hạn: đồng hồ lệch quá {n} giây so với hub.").format(
                        n=SIGNATURE_WINDOW_SECONDS
                    ),
                    401,
                    hub_time=int(now.timestamp()),
                )
            if device.revoked:
                raise HubRefusal("revoked_device", _("Thiết bị đã bị thu hồi."), 403)
            session.execute(
                sa.delete(HubNonce).where(
                    HubNonce.seen_at < now - timedelta(seconds=3 * SIGNATURE_WINDOW_SECONDS)
                )
            )
            seen = session.get(HubNonce, (device.id, nonce))
            if seen is not None:
                raise HubRefusal("replayed", _("Yêu cầu bị gửi lại (nonce đã dùng)."), 401)
            session.add(HubNonce(device_id=device.id, nonce=nonce, seen_at=now))
            device.last_seen_at = now
            return _device_view(device)

    # --- ingest -------------------------------------------------------------------------

    def ingest(self, device: DeviceView, batch: Mapping[str, Any]) -> BatchAnswer:
        """Store a batch of dossiers and events; each dossier is accepted or refused alone.

        The checks are those of one dossier after another, as if each were written before
        the next is looked at; what they read is fetched for the whole batch with a few
        queries (`_Batch`), and what is accepted is written at the end in bulk.
        """
        _check_batch_header(device, batch)
        dossiers = batch.get("dossiers")
        if not isinstance(dossiers, list):
            raise HubRefusal("bad_request", _("Lô đồng bộ thiếu danh sách hồ sơ."))
        results: list[DossierResult] = []
        with self.session() as session:
            # One batch of a device at a time: its chain is checked against what is held.
            session.get(HubDevice, device.id, with_for_update=True)
            unit_id = self._unit_id_of(session, device)
            # Read each dossier and check its code first: nothing of the database yet.
            checked: list[DossierPayload | Exception] = []
            for item in dossiers:
                try:
                    payload = parse_dossier_payload(item)
                    _check_code_is_the_devices(device, unit_id, payload)
                    checked.append(payload)
                except (HubRefusal, KeyError, TypeError, ValueError) as exc:
                    checked.append(exc)
            state = _Batch(session, device, [p for p in checked if not isinstance(p, Exception)])
            for item, parsed in zip(dossiers, checked, strict=True):
                try:
                    if isinstance(parsed, Exception):
                        raise parsed
                    result = self._ingest_dossier(state, device, parsed)
                except _HistoryConflict as conflict:
                    assert not isinstance(parsed, Exception)
                    result = self._keep_conflict(session, device, parsed, conflict)
                except HubRefusal as refusal:
                    result = {
                        "code": _claimed_code(item),
                        "ok": False,
                        "error": refusal.reason,
                        "message": refusal.message,
                    }
                except (KeyError, TypeError, ValueError) as exc:
                    result = {
                        "code": _claimed_code(item),
                        "ok": False,
                        "error": "bad_request",
                        "message": _("Hồ sơ gửi lên không đúng cấu trúc: {error}").format(
                            error=exc
                        ),
                    }
                results.append(result)
            state.write()
        return {"protocol": PROTOCOL_VERSION, "results": results}

    def _unit_id_of(self, session: Session, device: DeviceView) -> str | None:
        """The code prefix the device may issue: its own, else its office's binding."""
        if device.electronic_id is not None:
            return device.electronic_id
        office = session.get(HubOffice, device.office_unit)
        return office.electronic_id if office is not None else None

    def _ingest_dossier(
        self, state: _Batch, device: DeviceView, payload: DossierPayload
    ) -> DossierResult:
        """Check one dossier (its code already checked) against what the hub holds and
        what the batch accepted before it; accepted, it joins the batch's writes."""
        local = payload["local"]
        code = local["code"]
        now = self.clock()
        existing = state.dossiers.get(code)
        if existing is not None and existing["device_id"] != device.id:
            raise HubRefusal(
                "code_taken",
                _("Mã hồ sơ {code} đã được thiết bị khác ({other}) sử dụng.").format(
                    code=code, other=existing["device_id"]
                ),
                409,
            )
        accepted: list[str] = []
        duplicates: list[str] = []
        new_rows: list[_HeldEvent] = []
        new_values: list[tuple[Any, ...]] = []
        for event in sorted(payload["events"], key=lambda e: e["seq"]):
            known = state.by_uuid.get(event["uuid"])
            if known is not None:
                if known.dossier_code != code or known.hash != event["hash"]:
                    raise _HistoryConflict(
                        "event_conflict",
                        event=event["uuid"],
                        seq=known.seq,
                        held_hash=known.hash,
                        sent_hash=event["hash"],
                    )
                duplicates.append(known.uuid)
                continue
            if recomputed_hash(event, code) != event["hash"]:
                raise HubRefusal(
                    "hash_mismatch",
                    _("Mã băm của sự kiện {uuid} không khớp nội dung.").format(uuid=event["uuid"]),
                    422,
                )
            row = _HeldEvent(
                uuid=event["uuid"],
                dossier_code=code,
                device_id=device.id,
                seq=event["seq"],
                hash=event["hash"],
                prev_hash=event["prev_hash"],
                prev_seq=_chain_link(state, event, new_rows),
            )
            new_rows.append(row)  # written with the dossier; the next event sees it here
            new_values.append(  # in `_EVENT_COLUMNS` order
                (
                    row.uuid,
                    code,
                    device.id,
                    row.seq,
                    row.hash,
                    row.prev_hash,
                    row.prev_seq,
                    _json(event),
                    _json(_progress_of(payload, event["uuid"])),
                    now,
                )
            )
            accepted.append(event["uuid"])
        head_seq = local["head_seq"]
        _check_dossier_head(state, code, head_seq, local["head_hash"], new_rows)
        dossier: dict[str, Any] = existing or {"device_id": device.id, "head_seq": -1}
        # Only a later head, which the hub now holds, moves the dossier's state on.
        if head_seq > dossier["head_seq"]:
            dossier = {
                **dossier,
                "office_unit": device.office_unit,
                "procedure_code": local["procedure"],
                "procedure_name": local["procedure_name"],
                "channel": local["channel"],
                "status": local["status"],
                "received_at": parse_utc_text(local["received_at"]),
                "due_at": parse_utc_text(local["due_at"]),
                "head_hash": local["head_hash"],
                "head_seq": head_seq,
                "record": dict(payload["record"]),
                "updated_at": now,
            }
        state.accept(code, dossier, existing is None, dossier is not existing, new_rows, new_values)
        return {"code": code, "ok": True, "accepted": accepted, "duplicates": duplicates}

    def _keep_conflict(
        self,
        session: Session,
        device: DeviceView,
        payload: DossierPayload,
        conflict: _HistoryConflict,
    ) -> DossierResult:
        """Keep a dossier that contradicts the held history, once per contradiction (a
        retry counts), and tell the counter which conflict it is."""
        code = payload["local"]["code"]
        now = self.clock()
        row = session.execute(
            sa.select(HubConflict).where(
                HubConflict.device_id == device.id,
                HubConflict.dossier_code == code,
                HubConflict.reason == conflict.reason,
                HubConflict.event_uuid == conflict.event,
                HubConflict.sent_hash == conflict.sent_hash,
                HubConflict.resolved_at.is_(None),
            )
        ).scalar()
        if row is None:
            row = HubConflict(
                device_id=device.id,
                office_unit=device.office_unit,
                dossier_code=code,
                reason=conflict.reason,
                event_uuid=conflict.event,
                seq=conflict.seq,
                held_hash=conflict.held_hash,
                sent_hash=conflict.sent_hash,
                payload=dict(payload),
                first_seen_at=now,
                last_seen_at=now,
                times=1,
            )
            session.add(row)
        else:
            row.payload = dict(payload)
            row.last_seen_at = now
            row.times += 1
        session.flush()
        return {
            "code": code,
            "ok": False,
            "error": conflict.reason,
            "message": _conflict_message(row),
            "conflict": _conflict_info(row),
        }

    def conflicts(
        self, office_unit: str | None = None, *, include_resolved: bool = False
    ) -> list[ConflictView]:
        """The kept conflicts, for the province's administrator (`hub conflicts`)."""
        with self.session() as session:
            statement = sa.select(HubConflict).order_by(HubConflict.id)
            if office_unit:
                statement = statement.where(HubConflict.office_unit == office_unit)
            if not include_resolved:
                statement = statement.where(HubConflict.resolved_at.is_(None))
            return [
                ConflictView(
                    _conflict_info(row),
                    row.device_id,
                    row.office_unit,
                    row.first_seen_at,
                    row.last_seen_at,
                    row.times,
                    row.resolved_at,
                    row.resolution,
                )
                for row in session.execute(statement).scalars()
            ]

    def resolve_conflict(self, conflict_id: int, resolution: str) -> ConflictInfo:
        """The province closes a conflict it has looked into; the history the hub holds
        stays as it is (a later day close no longer lists the conflict)."""
        with self.session() as session:
            row = session.get(HubConflict, conflict_id, with_for_update=True)
            if row is None:
                raise NotFoundError(_("Không có xung đột số {id} trên hub.").format(id=conflict_id))
            if row.resolved_at is None:
                row.resolved_at = self.clock()
                row.resolution = resolution.strip()[:2000]
            return _conflict_info(row)

    # --- pages --------------------------------------------------------------------------

    def page_status(self, sha256: str) -> dict[str, Any]:
        _check_sha(sha256)
        with self.session() as session:
            row = session.get(HubPage, sha256)
            if row is None:
                return {"sha256": sha256, "size": None, "received": 0, "complete": False}
            return _page_json(row)

    def linked_page(self, sha256: str, device_id: str, expires: str, signature: str) -> Path:
        """The file of a page through a link a device signed (`sync.protocol.file_link`):
        what the portal downloads a record's page from, until the link expires."""
        _check_sha(sha256)
        refused = HubRefusal("bad_link", _("Liên kết tải trang không hợp lệ."), 403)
        try:
            until = int(expires)
        except ValueError:
            raise refused from None
        if until < self.clock().timestamp():
            raise HubRefusal("link_expired", _("Liên kết tải trang đã hết hạn."), 410)
        with self.session() as session:
            device = session.get(HubDevice, device_id)
            if device is None or device.revoked:
                raise refused
            expected = file_link_signature(device.secret, sha256, device_id, until)
            if not secrets.compare_digest(expected, signature):
                raise refused
            row = session.get(HubPage, sha256)
            if row is None or not row.complete:
                raise HubRefusal("not_found", _("Hub chưa có trang này."), 404)
        return page_path(self.blobs_dir, sha256)

    def put_chunk(self, sha256: str, offset: int, total: int, data: bytes) -> dict[str, Any]:
        """Append one chunk at `offset`; the page is verified and stored when whole."""
        _check_sha(sha256)
        if not 0 < total <= MAX_PAGE_BYTES:
            raise HubRefusal("bad_size", _("Kích thước tệp trang không hợp lệ."), 413)
        if len(data) > MAX_CHUNK_BYTES or offset < 0 or offset + len(data) > total:
            raise HubRefusal("bad_chunk", _("Phần tệp gửi lên không hợp lệ."), 400)
        now = self.clock()
        partial = self.blobs_dir / "partial" / f"{sha256}.part"
        with self.session() as session:
            row = session.get(HubPage, sha256, with_for_update=True)
            if row is None:
                row = HubPage(
                    sha256=sha256,
                    size_bytes=total,
                    received_bytes=0,
                    complete=False,
                    chunks_accepted=0,
                    chunks_refused=0,
                    bytes_accepted=0,
                    created_at=now,
                )
                session.add(row)
            if row.complete or offset != row.received_bytes or total != row.size_bytes:
                row.chunks_refused += 1
                status = _page_json(row)
                session.commit()
                if row.complete:
                    return status
                raise HubRefusal(
                    "offset_mismatch",
                    _("Vị trí ghi không khớp: hub đã nhận {n} byte.").format(n=row.received_bytes),
                    409,
                    **status,
                )
            append = os.O_WRONLY | os.O_CREAT | os.O_APPEND
            with os.fdopen(os.open(partial, append, PRIVATE_FILE_MODE), "ab") as handle:
                handle.truncate(offset)  # drop bytes a crash left past the committed offset
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            row.received_bytes = offset + len(data)
            row.chunks_accepted += 1
            row.bytes_accepted += len(data)
            if row.received_bytes == row.size_bytes:
                digest = hashlib.sha256(partial.read_bytes()).hexdigest()
                if digest != sha256:
                    partial.unlink()
                    row.received_bytes = 0
                    session.commit()
                    raise HubRefusal(
                        "hash_mismatch", _("Tệp trang nhận được không khớp mã băm."), 422
                    )
                target = page_path(self.blobs_dir, sha256)
                make_private_dir(target.parent)
                os.replace(partial, target)
                row.complete = True
                row.completed_at = now
            return _page_json(row)

    # --- counts and day close -----------------------------------------------------------

    def counts(self, office_unit: str, day: date, device_id: str | None = None) -> DayManifest:
        """The day-close counts computed from what the hub holds, with head hashes."""
        with self.session() as session:
            statement = _office_day(office_unit, day)
            if device_id is not None:
                statement = statement.where(HubDossier.device_id == device_id)
            rows = session.execute(statement).scalars().all()
            heads = {row.code: row.head_hash for row in rows}
            return manifest_of(summarise_day(office_unit, day, rows), heads)

    def day_close(self, device: DeviceView, body: Mapping[str, Any]) -> DayCloseAnswer:
        _check_batch_header(device, body)
        sent = body.get("manifest")
        if not isinstance(sent, dict):
            raise HubRefusal("bad_request", _("Thiếu bảng kê chốt ngày."))
        if sent.get("office") != device.office_unit:
            raise HubRefusal(
                "wrong_office", _("Bảng kê thuộc đơn vị khác với đơn vị của thiết bị."), 403
            )
        try:
            manifest = parse_day_manifest(sent)
        except ValueError as exc:
            raise HubRefusal(
                "bad_request",
                _("Bảng kê chốt ngày không đúng cấu trúc: {error}").format(error=exc),
            ) from None
        try:
            day = date.fromisoformat(manifest["date"])
        except ValueError:
            raise HubRefusal("bad_request", _("Ngày chốt không hợp lệ.")) from None
        hub_counts = self.counts(device.office_unit, day, device.id)
        with self.session() as session:
            hub_counts["chain"] = _chain_head(session, device.id)
            unlinked = _unlinked_events(session, device.id)
            open_conflicts = [
                _conflict_info(row)
                for row in session.execute(
                    sa.select(HubConflict)
                    .where(HubConflict.device_id == device.id, HubConflict.resolved_at.is_(None))
                    .order_by(HubConflict.id)
                ).scalars()
            ]
        difference = manifest_difference(manifest, hub_counts)
        if unlinked:
            difference["chain_unlinked"] = unlinked
        if open_conflicts:
            difference["conflicts"] = open_conflicts
        with self.session() as session:
            row = session.get(HubDayClose, (device.office_unit, day, device.id))
            if row is None:
                row = HubDayClose(office_unit=device.office_unit, day=day, device_id=device.id)
                session.add(row)
            row.closed_at = self.clock()
            row.match = not difference
            row.manifest = dict(manifest)
            row.difference = dict(difference)
        return {"match": not difference, "hub": hub_counts, "difference": difference}

    def portal_records(self, office_unit: str, day: date) -> list[PortalRecord]:
        """What the hub holds for one office and day, ready for the provincial adapter."""
        with self.session() as session:
            dossiers = session.execute(_office_day(office_unit, day)).scalars()
            records = []
            for dossier in dossiers:
                progress = session.execute(
                    sa.select(HubEvent.progress)
                    .where(HubEvent.dossier_code == dossier.code)
                    .order_by(HubEvent.seq)
                ).scalars()
                records.append(stored_portal_record(dossier.record, progress))
            return records

    # --- public status ------------------------------------------------------------------

    def public_status(self, code: str) -> dict[str, Any]:
        """What the receipt's QR shows: status and dates, never the applicant."""
        with self.session() as session:
            row = session.get(HubDossier, code.strip())
            if row is None:
                raise HubRefusal("not_found", _("Không có hồ sơ mã {code}.").format(code=code), 404)
            status = Status(row.status)
            return {
                "code": row.code,
                "procedure": row.procedure_code,
                "procedure_name": row.procedure_name,
                "status": status.value,
                "status_code": status.portal_code,
                "status_label": status.label,
                "received_date": _vn_date(row.received_at),
                "due_date": _vn_date(row.due_at),
                "updated_at": row.updated_at.isoformat(timespec="seconds"),
            }

    # --- the national-portal-style interface (provincial adapter) ----------------------

    def portal_auth(self, accounts: Mapping[str, str], body: Mapping[str, Any]) -> dict[str, Any]:
        username = str(body.get("username", ""))
        password = str(body.get("password", ""))
        expected = accounts.get(username)
        if expected is None or not secrets.compare_digest(expected, password):
            return {"session": "", "error_code": "1", "message": _("Sai tài khoản hoặc mật khẩu.")}
        token = secrets.token_hex(24)
        with self.session() as session:
            session.add(HubPortalSession(token=token, username=username, created_at=self.clock()))
        return {"session": token, "error_code": "0"}

    def portal_call(self, body: Mapping[str, Any]) -> dict[str, Any]:
        with self.session() as session:
            if session.get(HubPortalSession, str(body.get("session", ""))) is None:
                return {"error_code": "-2", "message": _("Phiên làm việc không hợp lệ.")}
            service = body.get("service")
            data = body.get("data")
            if service == "DongBoHoSoMC" and isinstance(data, list):
                updating = str(body.get("isUpdating", "False")) == "True"
                return self._portal_sync(session, str(body.get("madonvi", "")), data, updating)
            if service == "CapNhatTienDoHoSoMC" and isinstance(data, list):
                return self._portal_progress(session, data)
            if service == "TraCuuHoSo":
                row = session.get(HubPortalRecord, str(body.get("mahoso", "")))
                if row is None:
                    return {"error_code": "-1", "message": _("Không tìm thấy hồ sơ.")}
                return {"error_code": "0", "data": row.record, "progress": row.progress}
            return {"error_code": "-1", "message": _("Dịch vụ không được hỗ trợ.")}

    def _portal_sync(
        self, session: Session, madonvi: str, data: list[Any], updating: bool
    ) -> dict[str, Any]:
        now = self.clock()
        for record in data:
            problem = record_problem(record)
            if problem:
                session.rollback()
                return {"error_code": "-1", "message": problem}
            row = session.get(HubPortalRecord, record["MaHoSo"])
            if row is None and updating:
                session.rollback()
                return {
                    "error_code": "-1",
                    "message": _("Hồ sơ {code} chưa có để cập nhật.").format(code=record["MaHoSo"]),
                }
            if row is not None and not updating:
                session.rollback()
                return {
                    "error_code": "-3",
                    # The portal's own words, never translated: adapters match on them.
                    "message": f"Hồ sơ {record['MaHoSo']} đã tồn tại.",
                }
            if row is None:
                row = HubPortalRecord(
                    ma_ho_so=record["MaHoSo"], progress=[], created_at=now, updates=0
                )
                session.add(row)
            else:
                row.updates += 1
            row.madonvi = madonvi
            row.record = dict(record)
            row.updated_at = now
            session.flush()
        return {"error_code": "0", "message": "OK"}

    def _portal_progress(self, session: Session, data: list[Any]) -> dict[str, Any]:
        for entry in data:
            problem = progress_problem(entry)
            if problem:
                session.rollback()
                return {"error_code": "-1", "message": problem}
            row = session.get(HubPortalRecord, str(entry.get("MaHoSo", "")))
            if row is None:
                session.rollback()
                return {
                    "error_code": "-1",
                    "message": _("Không tìm thấy hồ sơ {code}.").format(code=entry.get("MaHoSo")),
                }
            if entry not in row.progress:
                row.progress = [*row.progress, entry]
            session.flush()
        return {"error_code": "0", "message": "OK"}


def _code_hash(code: str) -> str:
    cleaned = code.replace("-", "").replace(" ", "").strip().upper()
    return hashlib.sha256(cleaned.encode()).hexdigest()


def _device_view(device: HubDevice) -> DeviceView:
    return DeviceView(
        device.id,
        device.office_unit,
        device.label,
        device.block_first,
        device.block_last,
        device.electronic_id,
    )


def _check_office_unit(office_unit: str) -> None:
    if not (office_unit.isdigit() and len(office_unit) == 5):
        raise ValidationError(
            _("Mã đơn vị hành chính phải gồm 5 chữ số: {code}.").format(code=office_unit)
        )


def _check_batch_header(device: DeviceView, body: Mapping[str, Any]) -> None:
    if body.get("protocol") != PROTOCOL_VERSION:
        raise HubRefusal(
            "protocol_version",
            _("Phiên bản giao thức {found} không được hỗ trợ (hub dùng {ours}).").format(
                found=body.get("protocol"), ours=PROTOCOL_VERSION
            ),
        )
    if body.get("device") != device.id:
        raise HubRefusal(
            "wrong_device",
            _("Nội dung gửi lên ghi thiết bị {claimed}, chữ ký là của thiết bị {signed}.").format(
                claimed=body.get("device"), signed=device.id
            ),
            403,
        )


def _check_sha(sha256: str) -> None:
    if not SHA256_RE.match(sha256):
        raise HubRefusal("bad_request", _("Mã băm trang không hợp lệ."))


def _page_json(row: HubPage) -> dict[str, Any]:
    return {
        "sha256": row.sha256,
        "size": row.size_bytes,
        "received": row.received_bytes,
        "complete": row.complete,
    }


def _check_code_is_the_devices(
    device: DeviceView, unit_id: str | None, payload: DossierPayload
) -> None:
    """A device sends only codes it may issue: its office, its office's electronic ID as
    the prefix, a sequence number in its block; and the portal record and progress
    entries carry that same code, so nothing it sends can stand for another's dossier."""
    local = payload["local"]
    code = local["code"]
    try:
        parsed = parse_code(code)
    except ValidationError as exc:  # refuse this dossier alone, not the whole batch
        raise HubRefusal("bad_request", exc.message) from None
    if local["office"] != device.office_unit:
        raise HubRefusal(
            "wrong_office",
            _("Hồ sơ {code} thuộc đơn vị khác với đơn vị của thiết bị.").format(code=code),
            403,
        )
    if unit_id is None:
        raise HubRefusal(
            "unit_id_unknown",
            _(
                "Hub chưa biết mã định danh điện tử của đơn vị {unit}; tỉnh cần ghi mã "
                "(hub set-unit-id) trước khi nhận hồ sơ."
            ).format(unit=device.office_unit),
            409,
        )
    if parsed.unit_id != unit_id:
        raise HubRefusal(
            "wrong_unit_id",
            _("Mã hồ sơ {code} không mang mã định danh điện tử {eid} của đơn vị thiết bị.").format(
                code=code, eid=unit_id
            ),
            403,
        )
    if not device.block_first <= parsed.sequence <= device.block_last:
        raise HubRefusal(
            "outside_block",
            _(
                "Số thứ tự {n} của mã hồ sơ {code} nằm ngoài khối số {first}–{last} cấp "
                "cho thiết bị."
            ).format(
                n=parsed.sequence, code=code, first=device.block_first, last=device.block_last
            ),
            403,
        )
    # An online or assisted filing goes out under the portal's code (counted once by the
    # province); every other dossier under its own. Its progress under the same code.
    sent_as = payload["record"].get("MaHoSo")
    online = Channel(payload["local"]["channel"]).is_online
    if not (sent_as == code or (online and isinstance(sent_as, str) and sent_as)) or any(
        entry.get("MaHoSo") != sent_as for entry in payload["progress"].values()
    ):
        raise HubRefusal(
            "bad_request",
            _("Bản ghi hoặc tiến độ của hồ sơ {code} mang mã hồ sơ khác.").format(code=code),
        )


_IN_CHUNK = 500
"""Values per `IN (...)` list: well under SQLite's and PostgreSQL's limits on parameters."""
CHAIN_WINDOW = 1000
"""A batch reads at most this many of the device's held events from the earliest place
its new events link to; an event past what was read looks further with its own query."""


class _HeldEvent(NamedTuple):
    """What the checks read of an event the hub holds or the batch accepted."""

    uuid: str
    dossier_code: str
    device_id: str
    seq: int
    hash: str
    prev_hash: str
    prev_seq: int | None


_EVENTS = HubEvent.metadata.tables[HubEvent.__tablename__]
_DOSSIERS = HubDossier.metadata.tables[HubDossier.__tablename__]
_HELD_COLUMNS = (
    _EVENTS.c.uuid,
    _EVENTS.c.dossier_code,
    _EVENTS.c.device_id,
    _EVENTS.c.seq,
    _EVENTS.c.hash,
    _EVENTS.c.prev_hash,
    _EVENTS.c.prev_seq,
)
_IN: sa.BindParameter[list[str]] = sa.bindparam("values", expanding=True)
_LOCK_DOSSIERS = (
    sa.select(_DOSSIERS.c.code, _DOSSIERS.c.device_id, _DOSSIERS.c.head_seq)
    .where(_DOSSIERS.c.code.in_(_IN))
    .with_for_update()
)
_HELD_BY_UUID = sa.select(*_HELD_COLUMNS).where(_EVENTS.c.uuid.in_(_IN))
_SEQ_BY_HASH = sa.select(_EVENTS.c.hash, _EVENTS.c.seq).where(
    _EVENTS.c.device_id == sa.bindparam("device"), _EVENTS.c.hash.in_(_IN)
)
_FOLLOWERS = sa.select(*_HELD_COLUMNS).where(_EVENTS.c.prev_hash.in_(_IN))
_HASHES_HELD = sa.select(_EVENTS.c.hash).where(_EVENTS.c.hash.in_(_IN))
_UNLINKED = HubUnlinkedEvent.metadata.tables[HubUnlinkedEvent.__tablename__]
_LINKED_NOW = sa.delete(_UNLINKED).where(_UNLINKED.c.prev_hash.in_(_IN))
_CHAIN_FROM = (
    sa.select(*_HELD_COLUMNS)
    .where(_EVENTS.c.device_id == sa.bindparam("device"), _EVENTS.c.seq >= sa.bindparam("start"))
    .order_by(_EVENTS.c.seq)
)
_CHAIN_WINDOW_FROM = _CHAIN_FROM.limit(CHAIN_WINDOW)
_CHAIN_NEXT_FROM = _CHAIN_FROM.limit(3)
_EVENT_AT = sa.select(*_HELD_COLUMNS).where(
    _EVENTS.c.dossier_code == sa.bindparam("code"), _EVENTS.c.seq == sa.bindparam("seq")
)
# The bulk writes go to the driver as plain rows: the values are converted once in Python
# as the typed columns would (`_json`, `_Writes.time`), without SQLAlchemy's per-value
# processing, which cost more than the checks themselves.
_EVENT_COLUMNS = (
    "uuid",
    "dossier_code",
    "device_id",
    "seq",
    "hash",
    "prev_hash",
    "prev_seq",
    "payload",
    "progress",
    "received_at",
)
_DOSSIER_COLUMNS = (
    "device_id",
    "office_unit",
    "procedure_code",
    "procedure_name",
    "channel",
    "status",
    "received_at",
    "due_at",
    "head_hash",
    "head_seq",
    "record",
    "updated_at",
    "code",
)
_DOSSIER_TIMES = ("received_at", "due_at", "updated_at")


@dataclass(frozen=True)
class _Writes:
    """The bulk statements in the driver's own parameter style, and how a time is stored."""

    insert_events: str
    insert_dossiers: str
    update_dossiers: str
    time: Callable[[datetime | None], Any]


_WRITES: dict[str, _Writes] = {}


def _writes(dialect: sa.Dialect) -> _Writes:
    found = _WRITES.get(dialect.name)
    if found is None:
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        stored = sa.DateTime().dialect_impl(dialect).bind_processor(dialect)

        def time(value: datetime | None) -> Any:
            """As `UtcDateTime` stores it: naive UTC, in the dialect's form."""
            if value is None:
                return None
            naive = value.astimezone(UTC).replace(tzinfo=None)
            return naive if stored is None else stored(naive)

        def insert(table: str, columns: tuple[str, ...]) -> str:
            names, marks = ", ".join(columns), ", ".join(mark for _c in columns)
            return f"INSERT INTO {table} ({names}) VALUES ({marks})"

        assignments = ", ".join(f"{name} = {mark}" for name in _DOSSIER_COLUMNS[:-1])
        found = _WRITES[dialect.name] = _Writes(
            insert(_EVENTS.name, _EVENT_COLUMNS),
            insert(_DOSSIERS.name, _DOSSIER_COLUMNS),
            f"UPDATE {_DOSSIERS.name} SET {assignments} WHERE code = {mark}",
            time,
        )
    return found


def _json(value: Any) -> str:
    """A JSON document as the JSON / JSONB columns store it (`sa.JSON`'s `json.dumps`)."""
    return json.dumps(value)


def _held_event(row: Any) -> _HeldEvent:
    return _HeldEvent._make(row)


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


class _Batch:
    """One batch's view of the hub: what its checks read, fetched with a few queries at
    the start, and what it accepted, kept in memory and written once at the end.

    Each dossier is checked against the hub's rows and the dossiers the batch accepted
    before it, exactly as if those had been written already; a refused dossier leaves
    nothing here. Held rows are read in bulk: the batch's dossiers (locked), its events by
    uuid, the events of any device that follow the predecessors its new events name, the
    seqs of predecessors named by hash only, and the device's chain from the earliest place
    a new event links to (at most `CHAIN_WINDOW` events). What bulk reading cannot foresee
    is a single query as before: a head sent without its event, a chain past the window.
    """

    def __init__(self, session: Session, device: DeviceView, payloads: list[DossierPayload]):
        self.session = session
        self.device = device
        connection = session.connection()
        codes = sorted({p["local"]["code"] for p in payloads})
        events = [event for p in payloads for event in p["events"]]
        self.dossiers: dict[str, dict[str, Any]] = {}
        """By code: `device_id` and `head_seq` of a held dossier, every column of one the
        batch accepted."""
        for chunk in _chunks(codes):
            locked = connection.execute(_LOCK_DOSSIERS, {"values": chunk})
            for code, device_id, head_seq in locked:
                self.dossiers[code] = {"device_id": device_id, "head_seq": head_seq}
        self.by_uuid: dict[str, _HeldEvent] = {}
        for chunk in _chunks(sorted({event["uuid"] for event in events})):
            held = connection.execute(_HELD_BY_UUID, {"values": chunk})
            self.by_uuid.update((row.uuid, _held_event(row)) for row in held)
        new = [event for event in events if event["uuid"] not in self.by_uuid]
        # Links of counters before revision 2 name only the hash: the seq it has here.
        self.seq_by_hash: dict[str, int] = {}
        unnamed = sorted(
            {
                e["prev_hash"]
                for e in new
                if e.get("prev_seq") is None and e["prev_hash"] != GENESIS_HASH
            }
        )
        for chunk in _chunks(unnamed):
            named = connection.execute(_SEQ_BY_HASH, {"device": device.id, "values": chunk})
            for hash_, seq in named:
                self.seq_by_hash.setdefault(hash_, seq)
        # The device's chain from the earliest place a new event may link to.
        starts = [event["seq"] for event in new if isinstance(event.get("seq"), int)]
        starts += [e["prev_seq"] for e in new if isinstance(e.get("prev_seq"), int)]
        starts += self.seq_by_hash.values()
        if any(e["prev_hash"] == GENESIS_HASH for e in new):
            starts.append(0)
        self.chain: list[_HeldEvent] = []
        self.window_end: int | None = None
        """The seq of the last event read when the window was full (events after it were
        not read); None when the window holds all of the device's events from its start."""
        if starts:
            window = connection.execute(
                _CHAIN_WINDOW_FROM, {"device": device.id, "start": min(starts)}
            ).all()
            self.chain = [_held_event(row) for row in window]
            if len(window) == CHAIN_WINDOW:
                self.window_end = self.chain[-1].seq
        self.chain_seqs = [row.seq for row in self.chain]
        # Events of any device that follow the predecessors the new events name: an event
        # whose predecessor is not in its device's chain (yet) must have no other follower.
        self.followers: dict[str, _HeldEvent] = {}
        links = sorted({e["prev_hash"] for e in new if e["prev_hash"] != GENESIS_HASH})
        for chunk in _chunks(links):
            following = connection.execute(_FOLLOWERS, {"values": chunk})
            for row in following:
                self.followers.setdefault(row.prev_hash, _held_event(row))
        # Which of those predecessors the hub holds (of any device): the others make their
        # events unlinked (`hub_unlinked_events`) until they arrive.
        self.held_hashes: set[str] = set()
        for chunk in _chunks(links):
            self.held_hashes.update(connection.execute(_HASHES_HELD, {"values": chunk}).scalars())
        self.accepted_by_hash: dict[str, _HeldEvent] = {}
        self.accepted_by_prev: dict[str, _HeldEvent] = {}
        self.accepted_by_head: dict[tuple[str, int], _HeldEvent] = {}
        self.new_dossiers: dict[str, dict[str, Any]] = {}
        self.changed_dossiers: dict[str, dict[str, Any]] = {}
        self.event_values: list[tuple[Any, ...]] = []

    def held_from(self, start: int) -> list[_HeldEvent]:
        """The device's first three held (or accepted) events with a seq of `start` on."""
        at = bisect.bisect_left(self.chain_seqs, start)
        found = self.chain[at : at + 3]
        if self.window_end is not None and (len(found) < 3 or found[-1].seq > self.window_end):
            # Past the window: what the database holds there, with what the batch accepted.
            rows = self.session.connection().execute(
                _CHAIN_NEXT_FROM, {"device": self.device.id, "start": start}
            )
            merged = {row.uuid: row for row in [*map(_held_event, rows), *self.chain[at:]]}
            found = sorted(merged.values(), key=lambda r: r.seq)[:3]
        return found

    def seq_of(self, prev_hash: str) -> int | None:
        """The seq of the device's event with this hash, held or accepted."""
        accepted = self.accepted_by_hash.get(prev_hash)
        return accepted.seq if accepted is not None else self.seq_by_hash.get(prev_hash)

    def follower_of(self, prev_hash: str) -> _HeldEvent | None:
        """An event of any device that links to `prev_hash`."""
        return self.accepted_by_prev.get(prev_hash) or self.followers.get(prev_hash)

    def event_of(self, code: str, seq: int) -> _HeldEvent | None:
        """The dossier's event at `seq`, held or accepted."""
        accepted = self.accepted_by_head.get((code, seq))
        if accepted is not None:
            return accepted
        row = self.session.connection().execute(_EVENT_AT, {"code": code, "seq": seq}).first()
        return None if row is None else _held_event(row)

    def accept(
        self,
        code: str,
        dossier: dict[str, Any],
        is_new: bool,
        changed: bool,
        rows: list[_HeldEvent],
        values: list[tuple[Any, ...]],
    ) -> None:
        """A dossier passed its checks: what later dossiers of the batch see, and write."""
        self.dossiers[code] = dossier
        if is_new or code in self.new_dossiers:
            self.new_dossiers[code] = dossier
        elif changed:
            self.changed_dossiers[code] = dossier
        for row in rows:
            self.by_uuid[row.uuid] = row
            self.accepted_by_hash.setdefault(row.hash, row)
            self.accepted_by_prev.setdefault(row.prev_hash, row)
            self.accepted_by_head.setdefault((row.dossier_code, row.seq), row)
            at = bisect.bisect_right(self.chain_seqs, row.seq)
            self.chain_seqs.insert(at, row.seq)
            self.chain.insert(at, row)
        self.event_values += values

    def write(self) -> None:
        """The accepted events and dossiers, in three statements at most."""
        connection = self.session.connection()
        writes = _writes(connection.dialect)
        if self.event_values:
            connection.exec_driver_sql(
                writes.insert_events,
                [(*row[:-1], writes.time(row[-1])) for row in self.event_values],
            )
        if self.new_dossiers:
            connection.exec_driver_sql(
                writes.insert_dossiers,
                [_dossier_row(writes, c, values) for c, values in self.new_dossiers.items()],
            )
        if self.changed_dossiers:
            connection.exec_driver_sql(
                writes.update_dossiers,
                [_dossier_row(writes, c, values) for c, values in self.changed_dossiers.items()],
            )
        # The events whose predecessor the hub does not hold now, and the holes they fill.
        accepted = {row[4] for row in self.event_values}
        linked = self.held_hashes | accepted | {GENESIS_HASH}
        unlinked = [
            {"device_id": row[2], "seq": row[3], "prev_hash": row[5]}
            for row in self.event_values
            if row[5] not in linked
        ]
        for chunk in _chunks(sorted(accepted)):
            connection.execute(_LINKED_NOW, {"values": chunk})
        if unlinked:
            connection.execute(_UNLINKED.insert(), unlinked)


def _dossier_row(writes: _Writes, code: str, values: dict[str, Any]) -> tuple[Any, ...]:
    """A dossier's columns as the database stores them, in `_DOSSIER_COLUMNS` order."""
    row = {**values, "code": code, "record": _json(values["record"])}
    for name in _DOSSIER_TIMES:
        row[name] = writes.time(row[name])
    return tuple(row[name] for name in _DOSSIER_COLUMNS)


def _chain_link(state: _Batch, event: EventRecord, pending: list[_HeldEvent]) -> int | None:
    """Check a new event's link against the device's chain as the hub holds it (with what
    the batch accepted before), with the dossier's events accepted just before it
    (`pending`); its `prev_seq` (None when neither the counter said nor the hub can tell).

    The chain is one line: each event names the hash of the one before (`prev_hash`) and,
    from revision 2, its seq (`prev_seq`). The hub refuses, as a conflict, an event that
    would take a held event's place or give a held event a second successor
    (`chain_fork`), and one whose link contradicts what the hub holds (`chain_break`): the
    predecessor it names is held with another hash, it skips a held event, or the next
    held event links over it or names another hash for it. A link to an event the hub
    does not hold yet (not sent yet) is kept and checked as the rest arrives; the day
    close lists what is still missing.
    """
    seq, prev_hash, prev_seq = event["seq"], event["prev_hash"], event.get("prev_seq")
    genesis = prev_hash == GENESIS_HASH
    if (genesis and prev_seq not in (None, 0)) or (not genesis and prev_seq == 0):
        raise ValueError(f"event {event['uuid']}: prev_seq 0 goes with the genesis hash")
    if prev_seq is not None and prev_seq >= seq:
        raise ValueError(f"event {event['uuid']}: prev_seq must come before seq")
    if genesis:
        prev_seq = 0

    def conflict(reason: str, held: _HeldEvent | None, at: int | None = None) -> _HistoryConflict:
        return _HistoryConflict(
            reason,
            event=event["uuid"],
            seq=seq if at is None else at,
            held_hash=held.hash if held is not None else None,
            sent_hash=prev_hash if reason == "chain_break" else event["hash"],
        )

    if prev_seq is None:
        found = next((row.seq for row in pending if row.hash == prev_hash), None)
        prev_seq = found or state.seq_of(prev_hash)
    # The device's held events from the predecessor's place on, in order: held links
    # never overlap (each was checked like this one), so the first three tell all.
    start = seq if prev_seq is None else prev_seq
    nearby = sorted(
        [*state.held_from(start), *(row for row in pending if row.seq >= start)],
        key=lambda r: r.seq,
    )[:3]
    predecessor_held = genesis
    for held in nearby:
        if held.seq == prev_seq and held.hash == prev_hash:
            predecessor_held = True  # the predecessor, as named
            continue
        if held.seq < seq and held.seq != prev_seq and held.prev_hash == prev_hash:
            raise conflict("chain_fork", held, held.seq)  # both follow one predecessor
        if held.seq < seq:  # the predecessor held with another hash, or one skipped
            raise conflict("chain_break", held, held.seq)
        if held.seq == seq:
            raise conflict("chain_fork", held)
        # the next held event: it may link to this one, never over it
        links_here = held.prev_seq is not None and held.prev_seq <= seq
        if links_here and (held.prev_seq != seq or held.prev_hash != event["hash"]):
            raise _HistoryConflict(
                "chain_break",
                event=event["uuid"],
                seq=held.seq,
                held_hash=held.prev_hash,
                sent_hash=event["hash"],
            )
        break
    if not predecessor_held:
        # A link to an event this device's chain does not show: no other event, of
        # any device (a counter's copy enrolled again), may already follow it.
        twin = next((row for row in pending if row.prev_hash == prev_hash), None)
        twin = twin or state.follower_of(prev_hash)
        if twin is not None:
            raise conflict("chain_fork", twin, twin.seq)
    return prev_seq


def _check_dossier_head(
    state: _Batch, code: str, head_seq: int, head_hash: str, pending: list[_HeldEvent]
) -> None:
    """The head a dossier payload states must be an event of it the hub now holds."""
    held = next((row for row in pending if row.seq == head_seq), None)
    held = held or state.event_of(code, head_seq)
    if held is None:
        raise HubRefusal(
            "head_unknown",
            _("Hub không có sự kiện cuối ({seq}) của hồ sơ {code}.").format(
                seq=head_seq, code=code
            ),
            422,
        )
    if held.hash != head_hash:
        raise _HistoryConflict(
            "chain_break", event=held.uuid, seq=head_seq, held_hash=held.hash, sent_hash=head_hash
        )


def _conflict_info(row: HubConflict) -> ConflictInfo:
    return {
        "id": row.id,
        "code": row.dossier_code,
        "reason": row.reason,
        "event": row.event_uuid,
        "seq": row.seq,
        "held_hash": row.held_hash,
        "sent_hash": row.sent_hash,
    }


def _conflict_message(row: HubConflict) -> str:
    texts = {
        "event_conflict": _(
            "Sự kiện {seq} của hồ sơ {code} đã có trên hub với nội dung khác: lịch sử trên "
            "quầy đã bị viết lại."
        ),
        "chain_fork": _(
            "Sự kiện {seq} của hồ sơ {code} chiếm chỗ của một sự kiện hub đã nhận: chuỗi sự "
            "kiện của quầy đã rẽ nhánh."
        ),
        "chain_break": _(
            "Sự kiện của hồ sơ {code} nối vào sự kiện {seq} khác với sự kiện hub đã nhận: "
            "lịch sử trên quầy đã bị viết lại."
        ),
    }
    text = texts.get(row.reason, texts["chain_break"]).format(seq=row.seq, code=row.dossier_code)
    return (
        text
        + " "
        + _("Hub không nhận hồ sơ này và giữ nó làm xung đột số {id} để tỉnh kiểm tra.").format(
            id=row.id
        )
    )


def _chain_head(session: Session, device_id: str) -> ChainHead:
    """The end of the device's chain as the hub holds it."""
    row = session.execute(
        sa.select(HubEvent.seq, HubEvent.hash)
        .where(HubEvent.device_id == device_id)
        .order_by(HubEvent.seq.desc())
        .limit(1)
    ).first()
    return {"seq": 0, "hash": GENESIS_HASH} if row is None else {"seq": row.seq, "hash": row.hash}


def _unlinked_events(session: Session, device_id: str) -> list[int]:
    """Seqs of the device's events whose predecessor the hub does not hold (at most
    `MAX_UNLINKED_LISTED`): holes in the hub's copy of the chain.

    Ingest keeps the candidates (`hub_unlinked_events`); each is checked again here, so a
    row left by two devices' batches crossing (one bringing the event another links to)
    is never listed."""
    held = sa.select(HubEvent.uuid).where(HubEvent.hash == _UNLINKED.c.prev_hash).exists()
    return list(
        session.execute(
            sa.select(_UNLINKED.c.seq)
            .where(_UNLINKED.c.device_id == device_id, ~held)
            .order_by(_UNLINKED.c.seq)
            .limit(MAX_UNLINKED_LISTED)
        ).scalars()
    )


def _claimed_code(item: object) -> str | None:
    """The code a refused dossier gives itself, for the answer; None when it gives none."""
    local = item.get("local") if isinstance(item, dict) else None
    code = local.get("code") if isinstance(local, dict) else None
    return code if isinstance(code, str) else None


def _progress_of(payload: DossierPayload, uuid: str) -> dict[str, Any]:
    entry = payload["progress"].get(uuid)
    return {} if entry is None else dict(entry)


@dataclass(frozen=True)
class _EventFields:
    """The fields `event_hash` reads, without building an ORM `Event` (a tenth of a
    millisecond per event, most of what ingest cost): the hash is the kernel's own."""

    uuid: str
    kind: str
    from_status: str | None
    to_status: str | None
    actor: str
    actor_role: str
    at: datetime
    reason: str | None
    data: dict[str, Any]
    state_digest: str
    prev_hash: str


def recomputed_hash(event: EventRecord, code: str) -> str:
    """An event's hash from its fields, as the counter's chain computes it."""
    fields = _EventFields(
        uuid=event["uuid"],
        kind=event["kind"],
        from_status=event["from_status"],
        to_status=event["to_status"],
        actor=event["actor"],
        actor_role=event["actor_role"],
        at=parse_utc_text(event["at"]),
        reason=event["reason"],
        data=event["data"],
        state_digest=event["state_digest"],
        prev_hash=event["prev_hash"],
    )
    return event_hash(cast(Event, fields), code)


def _vn_date(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(VN_TZ).date().isoformat()


def _office_day(office_unit: str, day: date) -> sa.Select[HubDossier]:
    """The dossiers one office received on `day`, by code."""
    start, end = day_bounds(day)
    return (
        sa.select(HubDossier)
        .where(
            HubDossier.office_unit == office_unit,
            HubDossier.received_at >= start,
            HubDossier.received_at < end,
        )
        .order_by(HubDossier.code)
    )
