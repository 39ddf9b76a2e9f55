"""The hub's rules, apart from HTTP: enrolment, request authentication, ingest, pages,
counts, day close, the public status and the portal-style adapter interface.

Every refusal is a `HubRefusal` with a stable reason code (for programs) and a
Vietnamese message (for people); the HTTP layer only maps it to a status.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from counter_app.domain.calendar import VN_TZ
from counter_app.domain.codes import MAX_SEQUENCE, parse_code
from counter_app.domain.lifecycle import Channel, Status
from counter_app.errors import CounterError, NotFoundError, ValidationError
from counter_app.hub.models import (
    HUB_MIGRATIONS,
    PRE_ALEMBIC_REVISION,
    PRE_ALEMBIC_STAMP,
    HubDayClose,
    HubDevice,
    HubDossier,
    HubEnrollCode,
    HubEvent,
    HubMeta,
    HubNonce,
    HubPage,
    HubPortalRecord,
    HubPortalSession,
)
from counter_app.i18n import _
from counter_app.kernel.day import day_bounds, summarise_day
from counter_app.kernel.events import event_hash
from counter_app.kernel.page_files import page_path
from counter_app.store.engine import make_engine, make_session_factory
from counter_app.store.models import Event
from counter_app.sync.protocol import (
    HEADER_DEVICE,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    NONCE_RE,
    PORTAL_TIME_FORMAT,
    PROTOCOL_VERSION,
    SHA256_RE,
    SIGNATURE_WINDOW_SECONDS,
    PortalRecord,
    manifest_difference,
    parse_utc_text,
    signature_matches,
)

Clock = Callable[[], datetime]
ENROLL_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
ENROLL_CODE_DAYS = 7
DEFAULT_BLOCK_SIZE = 1000
MAX_PAGE_BYTES = 64 * 1024 * 1024
MAX_CHUNK_BYTES = 4 * 1024 * 1024


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
        (blobs_dir / "partial").mkdir(parents=True, exist_ok=True)

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

    def create_enroll_code(self, office_unit: str, block_size: int = DEFAULT_BLOCK_SIZE) -> str:
        if not (office_unit.isdigit() and len(office_unit) == 5):
            raise ValidationError(
                _("Mã đơn vị hành chính phải gồm 5 chữ số: {code}.").format(code=office_unit)
            )
        if not 1 <= block_size <= MAX_SEQUENCE:
            raise ValidationError(_("Cỡ khối số thứ tự không hợp lệ: {n}.").format(n=block_size))
        raw = "".join(secrets.choice(ENROLL_CODE_ALPHABET) for _i in range(12))
        now = self.clock()
        with self.session() as session:
            session.add(
                HubEnrollCode(
                    code_hash=_code_hash(raw),
                    office_unit=office_unit,
                    block_size=block_size,
                    created_at=now,
                    expires_at=now + timedelta(days=ENROLL_CODE_DAYS),
                )
            )
        return "-".join(raw[i : i + 4] for i in range(0, 12, 4))

    def enroll(self, code: str, label: str) -> tuple[DeviceView, str]:
        """Spend a one-time code: a new device id, its secret and its block of the sequence."""
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

    def ingest(self, device: DeviceView, batch: Mapping[str, Any]) -> dict[str, Any]:
        """Store a batch of dossiers and events; each dossier is accepted or refused alone."""
        _check_batch_header(device, batch)
        dossiers = batch.get("dossiers")
        if not isinstance(dossiers, list):
            raise HubRefusal("bad_request", _("Lô đồng bộ thiếu danh sách hồ sơ."))
        results = []
        with self.session() as session:
            for item in dossiers:
                savepoint = session.begin_nested()
                try:
                    result = self._ingest_dossier(session, device, item)
                    savepoint.commit()
                except HubRefusal as refusal:
                    savepoint.rollback()
                    code = item.get("local", {}).get("code") if isinstance(item, dict) else None
                    result = {"code": code, "ok": False, **refusal.to_json()}
                except (KeyError, TypeError, ValueError) as exc:
                    savepoint.rollback()
                    code = item.get("local", {}).get("code") if isinstance(item, dict) else None
                    result = {
                        "code": code,
                        "ok": False,
                        "error": "bad_request",
                        "message": _("Hồ sơ gửi lên không đúng cấu trúc: {error}").format(
                            error=exc
                        ),
                    }
                results.append(result)
        return {"protocol": PROTOCOL_VERSION, "results": results}

    def _ingest_dossier(
        self, session: Session, device: DeviceView, item: Mapping[str, Any]
    ) -> dict[str, Any]:
        local = item["local"]
        code = str(local["code"])
        parse_code(code)
        if local["office"] != device.office_unit:
            raise HubRefusal(
                "wrong_office",
                _("Hồ sơ {code} thuộc đơn vị khác với đơn vị của thiết bị.").format(code=code),
                403,
            )
        Channel(local["channel"])
        Status(local["status"])
        now = self.clock()
        existing = session.get(HubDossier, code, with_for_update=True)
        if existing is not None and existing.device_id != device.id:
            raise HubRefusal(
                "code_taken",
                _("Mã hồ sơ {code} đã được thiết bị khác ({other}) sử dụng.").format(
                    code=code, other=existing.device_id
                ),
                409,
            )
        accepted: list[str] = []
        duplicates: list[str] = []
        uuids = [event["uuid"] for event in item["events"]]
        held = session.execute(sa.select(HubEvent).where(HubEvent.uuid.in_(uuids))).scalars()
        held_by_uuid = {row.uuid: row for row in held}
        for event in item["events"]:
            known = held_by_uuid.get(event["uuid"])
            if known is not None:
                if known.dossier_code != code or known.hash != event["hash"]:
                    raise HubRefusal(
                        "event_conflict",
                        _("Sự kiện {uuid} đã có trên hub với nội dung khác.").format(
                            uuid=event["uuid"]
                        ),
                        409,
                    )
                duplicates.append(known.uuid)
                continue
            if _recomputed_hash(event, code) != event["hash"]:
                raise HubRefusal(
                    "hash_mismatch",
                    _("Mã băm của sự kiện {uuid} không khớp nội dung.").format(uuid=event["uuid"]),
                    422,
                )
            session.add(
                HubEvent(
                    uuid=event["uuid"],
                    dossier_code=code,
                    device_id=device.id,
                    seq=int(event["seq"]),
                    hash=event["hash"],
                    payload=event,
                    progress=item["progress"].get(event["uuid"], {}),
                    received_at=now,
                )
            )
            accepted.append(event["uuid"])
        received_at = parse_utc_text(local["received_at"])
        if received_at is None:
            raise ValueError("received_at")
        head_seq = int(local["head_seq"])
        if existing is None:
            existing = HubDossier(code=code, device_id=device.id, head_seq=-1)
            session.add(existing)
        if head_seq >= existing.head_seq:
            existing.office_unit = device.office_unit
            existing.procedure_code = str(local["procedure"])
            existing.procedure_name = str(local["procedure_name"])
            existing.channel = str(local["channel"])
            existing.status = str(local["status"])
            existing.received_at = received_at
            existing.due_at = parse_utc_text(local.get("due_at"))
            existing.head_hash = str(local["head_hash"])
            existing.head_seq = head_seq
            existing.record = dict(item["record"])
            existing.updated_at = now
        session.flush()
        return {"code": code, "ok": True, "accepted": accepted, "duplicates": duplicates}

    # --- pages --------------------------------------------------------------------------

    def page_status(self, sha256: str) -> dict[str, Any]:
        _check_sha(sha256)
        with self.session() as session:
            row = session.get(HubPage, sha256)
            if row is None:
                return {"sha256": sha256, "size": None, "received": 0, "complete": False}
            return _page_json(row)

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
            with open(partial, "ab") as handle:
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
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(partial, target)
                row.complete = True
                row.completed_at = now
            return _page_json(row)

    # --- counts and day close -----------------------------------------------------------

    def counts(self, office_unit: str, day: date, device_id: str | None = None) -> dict[str, Any]:
        """The day-close counts computed from what the hub holds, with head hashes."""
        with self.session() as session:
            statement = _office_day(office_unit, day)
            if device_id is not None:
                statement = statement.where(HubDossier.device_id == device_id)
            rows = session.execute(statement).scalars().all()
            counts = summarise_day(office_unit, day, rows)
            counts["heads"] = {row.code: row.head_hash for row in rows}
            return counts

    def day_close(self, device: DeviceView, body: Mapping[str, Any]) -> dict[str, Any]:
        _check_batch_header(device, body)
        manifest = body.get("manifest")
        if not isinstance(manifest, dict):
            raise HubRefusal("bad_request", _("Thiếu bảng kê chốt ngày."))
        if manifest.get("office") != device.office_unit:
            raise HubRefusal(
                "wrong_office", _("Bảng kê thuộc đơn vị khác với đơn vị của thiết bị."), 403
            )
        try:
            day = date.fromisoformat(str(manifest.get("date")))
        except ValueError:
            raise HubRefusal("bad_request", _("Ngày chốt không hợp lệ.")) from None
        hub_counts = self.counts(device.office_unit, day, device.id)
        difference = manifest_difference(manifest, hub_counts)
        with self.session() as session:
            row = session.get(HubDayClose, (device.office_unit, day, device.id))
            if row is None:
                row = HubDayClose(office_unit=device.office_unit, day=day, device_id=device.id)
                session.add(row)
            row.closed_at = self.clock()
            row.match = not difference
            row.manifest = dict(manifest)
            row.difference = difference
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
                records.append(PortalRecord(dict(dossier.record), tuple(progress)))
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
            problem = _portal_record_problem(record)
            if problem:
                return {"error_code": "-1", "message": problem}
            row = session.get(HubPortalRecord, record["MaHoSo"])
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
            if not isinstance(entry, dict):
                return {"error_code": "-1", "message": _("Tiến độ không đúng cấu trúc.")}
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
        device.id, device.office_unit, device.label, device.block_first, device.block_last
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


def _recomputed_hash(event: Mapping[str, Any], code: str) -> str:
    transient = Event(
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
    return event_hash(transient, code)


def _vn_date(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(VN_TZ).date().isoformat()


def _portal_record_problem(record: Any) -> str | None:
    """Why a `DongBoHoSoMC` record is not acceptable, or None."""
    if not isinstance(record, dict):
        return _("Hồ sơ không đúng cấu trúc.")
    for key in ("MaHoSo", "MaTTHC", "KenhThucHien", "TrangThaiHoSo", "NgayTiepNhan"):
        if record.get(key) in (None, ""):
            return _("Thiếu trường {field}.").format(field=key)
    if record["KenhThucHien"] not in (1, 2, 3):
        return _("KenhThucHien không hợp lệ.")
    if record["TrangThaiHoSo"] not in range(1, 11):
        return _("TrangThaiHoSo không hợp lệ.")
    try:
        datetime.strptime(str(record["NgayTiepNhan"]), PORTAL_TIME_FORMAT)
    except ValueError:
        return _("NgayTiepNhan phải có dạng yyyyMMddHHmmss.")
    return None


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
