"""Sync use cases the CLI and GUI call: enrol, sync, close a day, sign it off, and say
where every dossier stands.

Offline first: nothing here is needed to work at the counter. A sync run sends pages
first (by sha256, chunked, resumable), then the dossiers whose pages the hub holds, in
batches; one dossier the hub refuses never holds back the others.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

import httpx
import sqlalchemy as sa

from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Role
from counter_app.errors import ConfigError, CounterError, ValidationError
from counter_app.i18n import _
from counter_app.kernel.config import save_config
from counter_app.kernel.context import AppContext
from counter_app.kernel.day import day_counts
from counter_app.kernel.dossier_store import ensure_office
from counter_app.kernel.page_files import page_path
from counter_app.kernel.users import Actor
from counter_app.store.models import Dossier, Event, OutboxItem
from counter_app.sync.client import HubClient, HubRefusedError, HubUnavailableError, enroll_request
from counter_app.sync.models import SyncDayClose, SyncDevice, SyncDossierState
from counter_app.sync.outbox import (
    DEFAULT_SUBJECT_KINDS,
    PageRef,
    PendingDossier,
    SyncState,
    backoff_delay,
    build_pending,
    mark_failed,
    mark_page_sent,
    mark_synced,
    page_already_sent,
    pending_dossier_ids,
)

_log = logging.getLogger(__name__)

DEFAULT_CHUNK_BYTES = 256 * 1024
DEFAULT_BATCH_DOSSIERS = 50
DEFAULT_WARN_DAYS = 2
DEFAULT_CLOSE_TIME = "17:15"

ProgressFn = Callable[[str, int, int], None]
"""progress(stage, done, total): stage is "pages" or "dossiers"."""


@dataclass(frozen=True)
class SyncSettings:
    """Sync settings of a data directory (config.json keys `sync_*`)."""

    chunk_bytes: int = DEFAULT_CHUNK_BYTES
    batch_dossiers: int = DEFAULT_BATCH_DOSSIERS
    warn_days: int = DEFAULT_WARN_DAYS
    close_time: str = DEFAULT_CLOSE_TIME
    subject_kinds: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_SUBJECT_KINDS))

    @classmethod
    def from_context(cls, ctx: AppContext) -> SyncSettings:
        extra = ctx.config.extra
        try:
            settings = cls(
                chunk_bytes=int(extra.get("sync_chunk_bytes", DEFAULT_CHUNK_BYTES)),
                batch_dossiers=int(extra.get("sync_batch_dossiers", DEFAULT_BATCH_DOSSIERS)),
                warn_days=int(extra.get("sync_warn_days", DEFAULT_WARN_DAYS)),
                close_time=str(extra.get("sync_close_time", DEFAULT_CLOSE_TIME)),
                subject_kinds=dict(extra.get("portal_subject_kinds", DEFAULT_SUBJECT_KINDS)),
            )
            time.fromisoformat(settings.close_time)
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                _("Cấu hình đồng bộ không hợp lệ: {error}").format(error=exc)
            ) from exc
        if settings.chunk_bytes < 1024 or settings.batch_dossiers < 1 or settings.warn_days < 1:
            raise ConfigError(_("Cấu hình đồng bộ không hợp lệ: giá trị quá nhỏ."))
        return settings


@dataclass(frozen=True)
class DossierProblem:
    code: str
    reason_code: str
    reason: str


@dataclass(frozen=True)
class DayCloseResult:
    day: date
    match: bool
    difference: dict[str, Any]
    counter: dict[str, Any]
    hub: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "match": self.match,
            "difference": self.difference,
            "counter": self.counter,
            "hub": self.hub,
        }


@dataclass(frozen=True)
class SyncReport:
    dossiers_synced: int
    events_sent: int
    pages_sent: int
    page_bytes_sent: int
    problems: tuple[DossierProblem, ...]
    requests: int
    bytes_sent: int
    bytes_received: int
    payload_bytes: int
    day_close: DayCloseResult | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and (self.day_close is None or self.day_close.match)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "dossiers_synced": self.dossiers_synced,
            "events_sent": self.events_sent,
            "pages_sent": self.pages_sent,
            "page_bytes_sent": self.page_bytes_sent,
            "problems": [
                {"code": p.code, "reason_code": p.reason_code, "reason": p.reason}
                for p in self.problems
            ],
            "wire": {
                "requests": self.requests,
                "bytes_sent": self.bytes_sent,
                "bytes_received": self.bytes_received,
                "payload_bytes": self.payload_bytes,
            },
            "day_close": None if self.day_close is None else self.day_close.to_json(),
        }


class Cancellable(Protocol):
    """Anything with a `cancelled` flag the UI sets (e.g. the scanning CancelToken)."""

    @property
    def cancelled(self) -> bool: ...


# --- enrolment --------------------------------------------------------------------------


def enroll(
    ctx: AppContext, hub_url: str, code: str, *, transport: httpx.BaseTransport | None = None
) -> SyncDevice:
    """Enrol this data directory at the hub with a one-time code.

    The hub answers with a device id, its secret and this counter's block of the daily
    code sequence, which is written to the configuration.
    """
    office_config = ctx.config.office
    if office_config is None:
        raise ConfigError(
            _("Chưa cấu hình đơn vị tiếp nhận: chạy “counter-app office set” hoặc “demo”.")
        )
    hub_url = _check_url(hub_url)
    with ctx.session() as session:
        if session.get(SyncDevice, 1) is not None:
            raise ValidationError(_("Quầy này đã ghi danh với hub; không ghi danh lại."))
    try:
        answer = enroll_request(hub_url, code.strip(), ctx.config.counter_id, transport=transport)
    except HubRefusedError as exc:
        raise ValidationError(_("Hub từ chối ghi danh: {reason}").format(reason=exc)) from exc
    if answer.get("office") != office_config.unit_code:
        raise ConfigError(
            _("Mã ghi danh dành cho đơn vị {hub}, quầy này thuộc đơn vị {mine}.").format(
                hub=answer.get("office"), mine=office_config.unit_code
            )
        )
    device = SyncDevice(
        id=1,
        device_id=str(answer["device_id"]),
        secret=str(answer["secret"]),
        hub_url=hub_url,
        office_unit=office_config.unit_code,
        block_first=int(answer["block_first"]),
        block_last=int(answer["block_last"]),
        enrolled_at=ctx.clock(),
        clock_offset_seconds=0.0,
    )
    with ctx.session() as session:
        session.add(device)
    ctx.config = replace(
        ctx.config, sequence_first=device.block_first, sequence_last=device.block_last
    )
    save_config(ctx.data_dir, ctx.config)
    return device


def _check_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ValidationError(
            _("Địa chỉ hub phải bắt đầu bằng http:// hoặc https://: {url}").format(url=url)
        )
    return url


def _device(ctx: AppContext) -> SyncDevice:
    with ctx.session() as session:
        device = session.get(SyncDevice, 1)
        if device is None:
            raise ConfigError(_("Quầy chưa ghi danh với hub: chạy “counter-app enroll”."))
        session.expunge(device)
        return device


def open_client(
    ctx: AppContext, hub_url: str | None = None, *, transport: httpx.BaseTransport | None = None
) -> HubClient:
    device = _device(ctx)
    return HubClient(
        _check_url(hub_url) if hub_url else device.hub_url,
        device.device_id,
        device.secret,
        ctx.clock,
        clock_offset=device.clock_offset_seconds,
        transport=transport,
    )


# --- sync -------------------------------------------------------------------------------


def run_sync(
    ctx: AppContext,
    *,
    hub_url: str | None = None,
    close_day: date | None = None,
    force: bool = True,
    progress: ProgressFn | None = None,
    cancel: Cancellable | None = None,
    transport: httpx.BaseTransport | None = None,
) -> SyncReport:
    """Send what the outbox holds; with `close_day`, then close that day at the hub.

    Raises HubUnavailableError when the hub cannot be reached at all (nothing is lost:
    the outbox keeps everything for the next run).
    """
    settings = SyncSettings.from_context(ctx)
    with open_client(ctx, hub_url, transport=transport) as client:
        _record_attempt(ctx)
        try:
            client.sync_clock()
            report = _sync_with(ctx, client, settings, force, progress, cancel)
            if close_day is not None:
                result = close_day_at_hub(ctx, client, close_day)
                report = replace(report, day_close=result)
        except (HubUnavailableError, HubRefusedError) as exc:
            _record_outcome(ctx, client.clock_offset, error=exc.message)
            raise
        _record_outcome(ctx, client.clock_offset, error=None)
        return report


def _record_attempt(ctx: AppContext) -> None:
    with ctx.session() as session:
        session.get_one(SyncDevice, 1).last_attempt_at = ctx.clock()


def _record_outcome(ctx: AppContext, offset: float, *, error: str | None) -> None:
    with ctx.session() as session:
        device = session.get_one(SyncDevice, 1)
        device.clock_offset_seconds = offset
        device.last_error = error
        if error is None:
            device.last_success_at = ctx.clock()


def _sync_with(
    ctx: AppContext,
    client: HubClient,
    settings: SyncSettings,
    force: bool,
    progress: ProgressFn | None,
    cancel: Cancellable | None,
) -> SyncReport:
    problems: list[DossierProblem] = []
    synced = events = pages_sent = page_bytes = 0
    with ctx.session() as session:
        ids = pending_dossier_ids(session, ctx.clock(), force=force)
    total = len(ids)
    done = 0
    for start in range(0, total, settings.batch_dossiers):
        if cancel is not None and cancel.cancelled:
            break
        chunk_ids = ids[start : start + settings.batch_dossiers]
        with ctx.session() as session:
            batch = [build_pending(session, i, settings.subject_kinds) for i in chunk_ids]
        ready: list[PendingDossier] = []
        for item in batch:
            try:
                for page in item.pages:
                    sent = _send_page(ctx, client, page, settings.chunk_bytes, cancel)
                    if sent:
                        pages_sent += 1
                        page_bytes += sent
            except HubRefusedError as exc:
                problems.append(_fail(ctx, item, exc.reason, exc.message))
                continue
            except _PageMissing as exc:
                problems.append(_fail(ctx, item, "page_missing", exc.message))
                continue
            ready.append(item)
        if ready:
            results = client.send_batch([item.payload for item in ready])
            by_code = {str(r.get("code")): r for r in results}
            now = ctx.clock()
            with ctx.session() as session:  # one commit for the whole batch's answers
                for item in ready:
                    result = by_code.get(item.code) or {
                        "error": "no_answer",
                        "message": _("Hub không trả lời hồ sơ này."),
                    }
                    if result.get("ok"):
                        mark_synced(session, item, now)
                        synced += 1
                        events += len(result.get("accepted", ()))
                        continue
                    reason_code = str(result.get("error", "refused"))
                    reason = str(result.get("message", ""))
                    mark_failed(session, item.dossier_id, item.outbox_ids, reason_code, reason, now)
                    problems.append(DossierProblem(item.code, reason_code, reason))
        done += len(chunk_ids)
        if progress is not None:
            progress("dossiers", done, total)
    return SyncReport(
        dossiers_synced=synced,
        events_sent=events,
        pages_sent=pages_sent,
        page_bytes_sent=page_bytes,
        problems=tuple(problems),
        requests=client.stats.requests,
        bytes_sent=client.stats.bytes_sent,
        bytes_received=client.stats.bytes_received,
        payload_bytes=client.stats.payload_bytes,
    )


def _fail(ctx: AppContext, item: PendingDossier, reason_code: str, reason: str) -> DossierProblem:
    with ctx.session() as session:
        mark_failed(session, item.dossier_id, item.outbox_ids, reason_code, reason, ctx.clock())
    return DossierProblem(item.code, reason_code, reason)


class _PageMissing(CounterError):
    pass


def _send_page(
    ctx: AppContext,
    client: HubClient,
    page: PageRef,
    chunk_bytes: int,
    cancel: Cancellable | None,
) -> int:
    """Upload one page from where the hub stopped; the bytes sent (0 if it had it)."""
    with ctx.session() as session:
        if page_already_sent(session, page.sha256):
            return 0
    path = page_path(ctx.pages_dir, page.sha256)
    if not path.exists():
        raise _PageMissing(_("Thiếu tệp trang đã quét {sha}.").format(sha=page.sha256[:12]))
    size = path.stat().st_size
    status = client.page_status(page.sha256)
    offset = int(status.get("received", 0))
    sent = 0
    with open(path, "rb") as handle:
        while not status.get("complete"):
            if cancel is not None and cancel.cancelled:
                return sent
            handle.seek(offset)
            data = handle.read(chunk_bytes)
            try:
                status = client.put_chunk(page.sha256, offset, size, data)
            except HubRefusedError as exc:
                if exc.reason != "offset_mismatch":
                    raise
                status = exc.detail  # another upload moved on: continue where the hub is
            else:
                sent += len(data)
            offset = int(status.get("received", 0))
    with ctx.session() as session:
        mark_page_sent(session, page, ctx.clock())
    return sent


# --- day close --------------------------------------------------------------------------


def day_manifest(ctx: AppContext, day: date) -> dict[str, Any]:
    """The counter's day-close counts with each dossier's head hash."""
    with ctx.session() as session:
        office = ensure_office(session, ctx)
        counts = day_counts(session, office, day)
        heads = dict(
            session.execute(
                sa.select(Dossier.code, Dossier.head_hash).where(
                    Dossier.code.in_(counts["dossiers"])
                )
            ).all()
        )
    counts["heads"] = {code: heads[code] for code in counts["dossiers"]}
    return counts


def close_day_at_hub(ctx: AppContext, client: HubClient, day: date) -> DayCloseResult:
    manifest = day_manifest(ctx, day)
    answer = client.day_close(manifest)
    result = DayCloseResult(
        day=day,
        match=bool(answer["match"]),
        difference=dict(answer["difference"]),
        counter=manifest,
        hub=dict(answer["hub"]),
    )
    with ctx.session() as session:
        row = session.get(SyncDayClose, (manifest["office"], day))
        if row is None:
            row = SyncDayClose(office_unit=manifest["office"], day=day)
            session.add(row)
        row.closed_at = ctx.clock()
        row.match = result.match
        row.manifest = manifest
        row.difference = result.difference
        if not result.match:
            row.signed_off_by = None
            row.signed_off_at = None
    return result


@dataclass(frozen=True)
class DayCloseView:
    day: date
    closed_at: datetime
    match: bool
    difference: dict[str, Any]
    received: int
    signed_off_by: str | None
    signed_off_at: datetime | None


def day_close_view(ctx: AppContext, day: date) -> DayCloseView | None:
    with ctx.session() as session:
        office = ensure_office(session, ctx)
        row = session.get(SyncDayClose, (office.unit_code, day))
        if row is None:
            return None
        return DayCloseView(
            row.day,
            row.closed_at,
            row.match,
            dict(row.difference),
            int(row.manifest.get("received", 0)),
            row.signed_off_by,
            row.signed_off_at,
        )


def sign_off_day(ctx: AppContext, day: date, actor: Actor) -> DayCloseView:
    """The leader signs the day off; only after the hub answered a match."""
    actor.require(Role.LEADER)
    with ctx.session() as session:
        office = ensure_office(session, ctx)
        row = session.get(SyncDayClose, (office.unit_code, day))
        if row is None:
            raise ValidationError(
                _("Ngày {day} chưa chốt với hub.").format(day=day.strftime("%d/%m/%Y"))
            )
        if not row.match:
            raise ValidationError(
                _("Ngày {day} chưa khớp với hub; chưa thể ký xác nhận.").format(
                    day=day.strftime("%d/%m/%Y")
                )
            )
        row.signed_off_by = actor.login
        row.signed_off_at = ctx.clock()
    view = day_close_view(ctx, day)
    assert view is not None
    return view


# --- where things stand -----------------------------------------------------------------


@dataclass(frozen=True)
class UnsyncedDossier:
    code: str
    state: str
    reason: str
    attempts: int
    next_attempt_at: datetime | None


@dataclass(frozen=True)
class SyncOverview:
    enrolled: bool
    hub_url: str | None
    last_success_at: datetime | None
    last_error: str | None
    pending_events: int
    oldest_pending_at: datetime | None
    unsynced: tuple[UnsyncedDossier, ...]
    warning: str | None


def sync_overview(ctx: AppContext, *, limit: int = 500) -> SyncOverview:
    """Enrolment, last success, unsent events, and each unsynced dossier with its reason."""
    settings = SyncSettings.from_context(ctx)
    now = ctx.clock()
    with ctx.session() as session:
        device = session.get(SyncDevice, 1)
        pending, oldest = session.execute(
            sa.select(sa.func.count(OutboxItem.id), sa.func.min(OutboxItem.created_at)).where(
                OutboxItem.sent_at.is_(None)
            )
        ).one()
        rows = session.execute(
            sa.select(
                Dossier.code,
                SyncDossierState.state,
                SyncDossierState.reason,
                SyncDossierState.attempts,
                SyncDossierState.next_attempt_at,
            )
            .join(Event, Event.dossier_id == Dossier.id)
            .join(OutboxItem, OutboxItem.event_id == Event.id)
            .outerjoin(SyncDossierState, SyncDossierState.dossier_id == Dossier.id)
            .where(OutboxItem.sent_at.is_(None))
            .group_by(
                Dossier.code,
                SyncDossierState.state,
                SyncDossierState.reason,
                SyncDossierState.attempts,
                SyncDossierState.next_attempt_at,
            )
            .order_by(Dossier.code)
            .limit(limit)
        ).all()
    unsynced = tuple(
        UnsyncedDossier(
            code=row.code,
            state=row.state or SyncState.PENDING,
            reason=row.reason or _("Chưa gửi lên hub (đang chờ lần đồng bộ tới)."),
            attempts=row.attempts or 0,
            next_attempt_at=row.next_attempt_at,
        )
        for row in rows
    )
    last_success = device.last_success_at if device else None
    warning = None
    since = last_success or (device.enrolled_at if device else None) or oldest
    if pending and since is not None and now - since > timedelta(days=settings.warn_days):
        warning = _("Đã {n} ngày chưa đồng bộ được với hub; {m} sự kiện đang chờ gửi.").format(
            n=(now - since).days, m=pending
        )
    elif pending and device is None:
        warning = _("Quầy chưa ghi danh với hub; dữ liệu chỉ lưu trên máy này.")
    return SyncOverview(
        enrolled=device is not None,
        hub_url=device.hub_url if device else None,
        last_success_at=last_success,
        last_error=device.last_error if device else None,
        pending_events=int(pending),
        oldest_pending_at=oldest,
        unsynced=unsynced,
        warning=warning,
    )


# --- background sync --------------------------------------------------------------------


class BackgroundSync:
    """Syncs on a timer with exponential backoff, closes the day at the configured time.

    Runs on its own thread with its own sessions (STYLE §3); `on_report` and `on_error`
    are called on that thread, so a UI wraps them in signals.
    """

    def __init__(
        self,
        ctx: AppContext,
        *,
        interval_seconds: float = 300.0,
        on_report: Callable[[SyncReport], None] | None = None,
        on_error: Callable[[CounterError], None] | None = None,
    ) -> None:
        self.ctx = ctx
        self.interval = interval_seconds
        self.on_report = on_report
        self.on_error = on_error
        self.failures = 0
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed_days: set[date] = set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="counter-sync", daemon=True)
        self._thread.start()

    def sync_now(self) -> None:
        self._wake.set()

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def next_delay(self) -> float:
        if not self.failures:
            return self.interval
        return min(backoff_delay(self.failures).total_seconds(), self.interval * 12)

    def due_close_day(self, now: datetime) -> date | None:
        """Today, once the configured close time has passed and it is not yet closed."""
        settings = SyncSettings.from_context(self.ctx)
        local = now.astimezone(VN_TZ)
        closing = local.time() >= time.fromisoformat(settings.close_time)
        return local.date() if closing and local.date() not in self._closed_days else None

    def run_once(self) -> SyncReport:
        close = self.due_close_day(self.ctx.clock())
        report = run_sync(self.ctx, close_day=close, force=False)
        if close is not None and report.day_close is not None and report.day_close.match:
            self._closed_days.add(close)
        return report

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                report = self.run_once()
                self.failures = 0
                if self.on_report:
                    self.on_report(report)
            except CounterError as exc:
                self.failures += 1
                if self.on_error:
                    self.on_error(exc)
            except Exception as exc:  # a bug must not end background sync for the day
                _log.exception("background sync failed")
                self.failures += 1
                if self.on_error:
                    self.on_error(
                        CounterError(_("Lỗi khi đồng bộ: {error}").format(error=type(exc).__name__))
                    )
            self._wake.wait(self.next_delay())
            self._wake.clear()


def describe_difference(difference: dict[str, Any]) -> list[str]:
    """The day-close difference as Vietnamese lines for the day-close screen."""
    lines = []
    names = {
        "received": _("Số hồ sơ tiếp nhận"),
        "by_channel": _("Theo kênh"),
        "by_status": _("Theo trạng thái"),
        "by_procedure": _("Theo thủ tục"),
    }
    for key, label in names.items():
        value = difference.get(key)
        if value is None:
            continue
        if "counter" in value:
            lines.append(
                _("{label}: quầy {mine}, hub {hub}").format(
                    label=label, mine=value["counter"], hub=value["hub"]
                )
            )
            continue
        for item, pair in value.items():
            lines.append(
                _("{label} “{item}”: quầy {mine}, hub {hub}").format(
                    label=label, item=item, mine=pair["counter"], hub=pair["hub"]
                )
            )
    lists = {
        "missing_on_hub": _("Hub chưa có hồ sơ: {codes}"),
        "unknown_to_counter": _("Hub có hồ sơ quầy không có: {codes}"),
        "head_mismatch": _("Lịch sử hồ sơ khác với hub: {codes}"),
    }
    for key, text in lists.items():
        if difference.get(key):
            lines.append(text.format(codes=", ".join(difference[key])))
    return lines
