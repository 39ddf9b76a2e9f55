"""Sync use cases the CLI and GUI call: enrol, sync, close a day, sign it off, and say
where every dossier stands.

Offline first: nothing here is needed to work at the counter. A sync run sends pages
first (by sha256, chunked, resumable), then the dossiers whose pages the hub holds, in
batches; one dossier the hub refuses never holds back the others.

A run talks to the hub on the calling thread and does its database work through
`run_db`: the GUI hands in its database thread, so a slow hub never holds up the counter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Role
from counter_app.errors import ConfigError, CounterError, ValidationError
from counter_app.i18n import _
from counter_app.kernel.admin_log import ENROLMENT, SETTINGS, record_change
from counter_app.kernel.config import save_config
from counter_app.kernel.context import AppContext, DatabaseCall, run_here
from counter_app.kernel.day import day_counts
from counter_app.kernel.dossier_store import ensure_office
from counter_app.kernel.page_files import page_path
from counter_app.kernel.users import SYSTEM_LOGIN, Actor
from counter_app.store.models import Dossier, Event, LedgerHead, OutboxItem, Page
from counter_app.sync.client import HubClient, HubRefusedError, HubUnavailableError, enroll_request
from counter_app.sync.inbound import PullReport, scheduled_pull
from counter_app.sync.models import SyncDayClose, SyncDevice, SyncDossierState, SyncPageSent
from counter_app.sync.outbox import (
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
from counter_app.sync.protocol import (
    ChainHead,
    ConflictInfo,
    DayManifest,
    DossierResult,
    ManifestDifference,
    manifest_of,
)
from counter_app.sync.records import record_settings

if TYPE_CHECKING:  # httpx loads with the first request (sync.client)
    import httpx

_log = logging.getLogger(__name__)

ProgressFn = Callable[[str, int, int], None]
"""progress(stage, done, total): stage is "pages" or "dossiers"."""


@dataclass(frozen=True)
class SyncSettings:
    """Sync settings of a data directory (config.json keys `sync_*` and
    `portal_subject_kinds`; defaults and bounds declared in kernel.config)."""

    chunk_bytes: int
    batch_dossiers: int
    warn_days: int
    close_time: str
    subject_kinds: dict[str, int]

    @classmethod
    def from_context(cls, ctx: AppContext) -> SyncSettings:
        config = ctx.config
        return cls(
            chunk_bytes=config.sync_chunk_bytes,
            batch_dossiers=config.sync_batch_dossiers,
            warn_days=config.sync_warn_days,
            close_time=config.sync_close_time,
            subject_kinds=dict(config.portal_subject_kinds),
        )


@dataclass(frozen=True)
class DossierProblem:
    code: str
    reason_code: str
    reason: str
    conflict: ConflictInfo | None = None
    """Set when the hub keeps the dossier as a conflict with the history it holds."""


@dataclass(frozen=True)
class DayCloseResult:
    day: date
    match: bool
    difference: ManifestDifference
    counter: DayManifest
    hub: DayManifest

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
                {
                    "code": p.code,
                    "reason_code": p.reason_code,
                    "reason": p.reason,
                    "conflict": p.conflict,
                }
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
    ctx: AppContext,
    hub_url: str,
    code: str,
    *,
    transport: httpx.BaseTransport | None = None,
    run_db: DatabaseCall = run_here,
) -> SyncDevice:
    """Enrol this data directory at the hub with a one-time code.

    The counter states its office's electronic ID (the prefix of its dossier codes); the
    hub binds the device to it and answers with a device id, its secret and this
    counter's block of the daily code sequence, which is written to the configuration.
    The request goes out on the calling thread, the database work through `run_db`.
    """
    office_config = ctx.config.office
    if office_config is None:
        raise ConfigError(
            _(
                "Chưa cấu hình đơn vị tiếp nhận: quản trị viên mở chương trình và làm các "
                "bước cài đặt lần đầu."
            ),
            command="counter-app office set --unit … --electronic-id …",
        )
    hub_url = _check_url(hub_url)
    if run_db(lambda: enrolled(ctx)):
        raise ValidationError(_("Quầy này đã ghi danh với hub; không ghi danh lại."))
    try:
        answer = enroll_request(
            hub_url,
            code.strip(),
            ctx.config.counter_id,
            office_config.unit_code,
            office_config.electronic_id,
            transport=transport,
        )
    except HubRefusedError as exc:
        message = _("Hub từ chối ghi danh: {reason}").format(reason=exc)
        if exc.reason in ("wrong_office", "unit_id_mismatch", "unit_id_taken"):
            raise ConfigError(message) from exc  # this counter's office settings disagree
        raise ValidationError(message) from exc
    if answer.get("office") != office_config.unit_code:
        raise ConfigError(
            _("Mã ghi danh dành cho đơn vị {hub}, quầy này thuộc đơn vị {mine}.").format(
                hub=answer.get("office"), mine=office_config.unit_code
            )
        )
    if answer.get("unit_id", office_config.electronic_id) != office_config.electronic_id:
        raise ConfigError(
            _("Hub ghi mã định danh điện tử {hub} cho đơn vị, quầy này cấu hình {mine}.").format(
                hub=answer.get("unit_id"), mine=office_config.electronic_id
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

    def store() -> None:
        with ctx.session() as session:
            session.add(device)
            session.flush()
            session.expunge(device)
            ctx.config = replace(
                ctx.config, sequence_first=device.block_first, sequence_last=device.block_last
            )
            save_config(ctx.data_dir, ctx.config)
            record_change(
                session,
                kind="enrolment.add",
                actor=SYSTEM_LOGIN,
                actor_role=Role.ADMIN.value,
                at=ctx.clock(),
                groups={ENROLMENT, SETTINGS},
                config=ctx.config,
                data={"hub_url": device.hub_url, "device_id": device.device_id},
            )

    run_db(store)
    return device


def enrolled(ctx: AppContext) -> bool:
    """Whether this data directory is enrolled at a hub."""
    with ctx.session() as session:
        return session.get(SyncDevice, 1) is not None


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
            raise ConfigError(
                _("Máy này chưa đăng ký với tỉnh: đăng ký trong trang “Gửi lên tỉnh”."),
                command="counter-app enroll --hub … --code …",
            )
        session.expunge(device)
        return device


def open_client(
    ctx: AppContext,
    hub_url: str | None = None,
    *,
    transport: httpx.BaseTransport | None = None,
    run_db: DatabaseCall = run_here,
) -> HubClient:
    device = run_db(lambda: _device(ctx))
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
    run_db: DatabaseCall = run_here,
) -> SyncReport:
    """Send what the outbox holds; with `close_day`, then close that day at the hub.

    Raises HubUnavailableError when the hub cannot be reached at all (nothing is lost:
    the outbox keeps everything for the next run).
    """
    settings = SyncSettings.from_context(ctx)
    with open_client(ctx, hub_url, transport=transport, run_db=run_db) as client:
        run_db(lambda: _record_attempt(ctx))
        try:
            client.sync_clock()
            report = _sync_with(ctx, client, settings, force, progress, cancel, run_db)
            if close_day is not None:
                result = close_day_at_hub(ctx, client, close_day, run_db=run_db)
                report = replace(report, day_close=result)
        except (HubUnavailableError, HubRefusedError) as exc:
            error = exc.message
            run_db(lambda: _record_outcome(ctx, client.clock_offset, error=error))
            raise
        run_db(lambda: _record_outcome(ctx, client.clock_offset, error=None))
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
    run_db: DatabaseCall,
) -> SyncReport:
    problems: list[DossierProblem] = []
    synced = events = pages_sent = page_bytes = 0
    ids = run_db(lambda: _pending_ids(ctx, force))
    total = len(ids)
    done = 0
    for start in range(0, total, settings.batch_dossiers):
        if cancel is not None and cancel.cancelled:
            break
        chunk_ids = ids[start : start + settings.batch_dossiers]
        batch = run_db(partial(_build_batch, ctx, chunk_ids, settings.subject_kinds))
        ready: list[PendingDossier] = []
        for item in batch:
            try:
                for page in item.pages:
                    sent = _send_page(ctx, client, page, settings.chunk_bytes, cancel, run_db)
                    if sent:
                        pages_sent += 1
                        page_bytes += sent
            except HubRefusedError as exc:
                problems.append(_fail(ctx, item, exc.reason, exc.message, run_db))
                continue
            except _PageMissing as exc:
                problems.append(_fail(ctx, item, "page_missing", exc.message, run_db))
                continue
            ready.append(item)
        if ready:
            results = client.send_batch([item.payload for item in ready])
            by_code = {str(r.get("code")): r for r in results}
            answered = run_db(partial(_record_answers, ctx, ready, by_code))
            synced += answered.synced
            events += answered.events
            problems.extend(answered.problems)
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


def _pending_ids(ctx: AppContext, force: bool) -> list[int]:
    with ctx.session() as session:
        return pending_dossier_ids(session, ctx.clock(), force=force)


def _build_batch(
    ctx: AppContext, dossier_ids: list[int], subject_kinds: dict[str, int]
) -> list[PendingDossier]:
    catalog = ctx.catalog
    with ctx.session() as session:
        settings = record_settings(session, catalog, subject_kinds, ctx.config.portal, ctx.clock())
        return [build_pending(session, i, settings) for i in dossier_ids]


@dataclass(frozen=True)
class _Answered:
    synced: int
    events: int
    problems: list[DossierProblem]


def _record_answers(
    ctx: AppContext, ready: list[PendingDossier], by_code: Mapping[str, DossierResult]
) -> _Answered:
    """The hub's answers for one batch, in one commit."""
    synced = events = 0
    problems: list[DossierProblem] = []
    now = ctx.clock()
    with ctx.session() as session:
        for item in ready:
            result: DossierResult = by_code.get(item.code) or {
                "code": item.code,
                "ok": False,
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
            problems.append(DossierProblem(item.code, reason_code, reason, result.get("conflict")))
    return _Answered(synced, events, problems)


def _fail(
    ctx: AppContext, item: PendingDossier, reason_code: str, reason: str, run_db: DatabaseCall
) -> DossierProblem:
    def record() -> None:
        with ctx.session() as session:
            mark_failed(session, item.dossier_id, item.outbox_ids, reason_code, reason, ctx.clock())

    run_db(record)
    return DossierProblem(item.code, reason_code, reason)


class _PageMissing(CounterError):
    pass


def _send_page(
    ctx: AppContext,
    client: HubClient,
    page: PageRef,
    chunk_bytes: int,
    cancel: Cancellable | None,
    run_db: DatabaseCall,
) -> int:
    """Upload one page from where the hub stopped; the bytes sent (0 if it had it)."""
    if run_db(lambda: _page_already_sent(ctx, page.sha256)):
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
    run_db(lambda: _mark_page_sent(ctx, page))
    return sent


def _page_already_sent(ctx: AppContext, sha256: str) -> bool:
    with ctx.session() as session:
        return page_already_sent(session, sha256)


def _mark_page_sent(ctx: AppContext, page: PageRef) -> None:
    with ctx.session() as session:
        mark_page_sent(session, page, ctx.clock())


# --- day close --------------------------------------------------------------------------


def day_manifest(ctx: AppContext, day: date) -> DayManifest:
    """The counter's day-close counts with each dossier's head hash and the head of the
    whole event chain, which the hub compares with its copy."""
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
        ledger = session.execute(sa.select(LedgerHead).where(LedgerHead.id == 1)).scalar_one()
        chain: ChainHead = {"seq": ledger.last_event_id or 0, "hash": ledger.last_hash}
    return manifest_of(counts, heads, chain)


def close_day_at_hub(
    ctx: AppContext, client: HubClient, day: date, *, run_db: DatabaseCall = run_here
) -> DayCloseResult:
    manifest = run_db(lambda: day_manifest(ctx, day))
    answer = client.day_close(manifest)
    result = DayCloseResult(
        day=day,
        match=bool(answer["match"]),
        difference=answer["difference"],
        counter=manifest,
        hub=answer["hub"],
    )
    run_db(lambda: _record_day_close(ctx, manifest, result))
    return result


def _record_day_close(ctx: AppContext, manifest: DayManifest, result: DayCloseResult) -> None:
    with ctx.session() as session:
        row = session.get(SyncDayClose, (manifest["office"], result.day))
        if row is None:
            row = SyncDayClose(office_unit=manifest["office"], day=result.day)
            session.add(row)
        row.closed_at = ctx.clock()
        row.match = result.match
        row.manifest = dict(manifest)
        row.difference = dict(result.difference)
        if not result.match:
            row.signed_off_by = None
            row.signed_off_at = None


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
    pending_dossiers: int = 0
    """Dossiers with at least one change not yet sent."""
    pending_pages: int = 0
    """Scanned pages whose file the hub does not hold yet."""
    overdue_days: int | None = None
    """Days since the last success (or the enrolment), once changes have waited longer
    than `sync_warn_days`; None otherwise."""


@dataclass(frozen=True)
class Waiting:
    """What is waiting to be sent, as a clerk counts it."""

    dossiers: int
    pages: int


def waiting_to_send(session: Session) -> Waiting:
    """Dossiers with unsent changes, and scanned pages not uploaded yet."""
    dossiers = session.execute(
        sa.select(sa.func.count(sa.distinct(Event.dossier_id)))
        .join(OutboxItem, OutboxItem.event_id == Event.id)
        .where(OutboxItem.sent_at.is_(None))
    ).scalar_one()
    sent = sa.select(SyncPageSent.sha256).where(SyncPageSent.sha256 == Page.sha256)
    pages = session.execute(sa.select(sa.func.count(Page.id)).where(~sa.exists(sent))).scalar_one()
    return Waiting(int(dossiers), int(pages))


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
        waiting = waiting_to_send(session)
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
    overdue_days = None
    since = last_success or (device.enrolled_at if device else None) or oldest
    if pending and since is not None and now - since > timedelta(days=settings.warn_days):
        overdue_days = (now - since).days
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
        pending_dossiers=waiting.dossiers,
        pending_pages=waiting.pages,
        overdue_days=overdue_days,
    )


# --- background sync --------------------------------------------------------------------


class BackgroundSync:
    """Background sync without a thread of its own: each run, and when the next one is due.

    Whoever schedules it (the GUI's task helper) calls `attempt` off the GUI thread, one
    run at a time, and waits `next_delay()` seconds before the next: the interval, longer
    after failures (exponential backoff). Once the configured close time has passed, a run
    also closes the day at the hub.
    """

    def __init__(self, ctx: AppContext, *, interval_seconds: float = 300.0) -> None:
        self.ctx = ctx
        self.interval = interval_seconds
        self.failures = 0
        self._closed_days: set[date] = set()
        self._catalog_days: set[date] = set()
        self.last_pull: PullReport | CounterError | None = None
        """The last pull from the province (`sync.inbound`); None when not configured."""

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

    def run_once(
        self, *, run_db: DatabaseCall = run_here, cancel: Cancellable | None = None
    ) -> SyncReport:
        close = self.due_close_day(self.ctx.clock())
        report = run_sync(self.ctx, close_day=close, force=False, cancel=cancel, run_db=run_db)
        if close is not None and report.day_close is not None and report.day_close.match:
            self._closed_days.add(close)
        # The province's side: online filings, their status, the catalog once a day.
        self.last_pull = scheduled_pull(self.ctx, self._catalog_days, run_db=run_db)
        return report

    def attempt(
        self, *, run_db: DatabaseCall = run_here, cancel: Cancellable | None = None
    ) -> SyncReport | CounterError:
        """One run: its report, or the error to show. Never raises: a bug is logged and
        counted as a failure, so it does not end background sync for the day."""
        try:
            report = self.run_once(run_db=run_db, cancel=cancel)
        except CounterError as exc:
            self.failures += 1
            return exc
        except Exception as exc:
            _log.exception("background sync failed")
            self.failures += 1
            return CounterError(_("Lỗi khi đồng bộ: {error}").format(error=type(exc).__name__))
        self.failures = 0
        return report


def describe_difference(difference: dict[str, Any]) -> list[str]:
    """The day-close difference as Vietnamese lines for the day-close screen, in the
    clerk's words: the hub is "tỉnh" (the province's server)."""
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
                _("{label}: quầy {mine}, tỉnh {hub}").format(
                    label=label, mine=value["counter"], hub=value["hub"]
                )
            )
            continue
        for item, pair in value.items():
            lines.append(
                _("{label} “{item}”: quầy {mine}, tỉnh {hub}").format(
                    label=label, item=item, mine=pair["counter"], hub=pair["hub"]
                )
            )
    lists = {
        "missing_on_hub": _("Tỉnh chưa có hồ sơ: {codes}"),
        "unknown_to_counter": _("Tỉnh có hồ sơ mà quầy không có: {codes}"),
        "head_mismatch": _("Lịch sử hồ sơ khác với bản của tỉnh: {codes}"),
    }
    for key, text in lists.items():
        if difference.get(key):
            lines.append(text.format(codes=", ".join(difference[key])))
    chain = difference.get("chain_head")
    if chain:
        lines.append(
            _("Nhật ký của quầy kết thúc ở mục {mine}, bản của tỉnh ở mục {hub}").format(
                mine=chain["counter"]["seq"], hub=chain["hub"]["seq"]
            )
        )
    if difference.get("chain_unlinked"):
        lines.append(
            _("Tỉnh thiếu mục nhật ký đứng trước các mục: {seqs}").format(
                seqs=", ".join(str(seq) for seq in difference["chain_unlinked"])
            )
        )
    for conflict in difference.get("conflicts") or ():
        lines.append(conflict_line(conflict))
    return lines


def conflict_line(conflict: ConflictInfo) -> str:
    """One line for a conflict the hub keeps, for the sync screen and the CLI."""
    return _(
        "Máy chủ của tỉnh giữ xung đột lịch sử số {id} ({reason}) của hồ sơ {code}: lịch sử "
        "trên quầy khác với lịch sử tỉnh đã nhận; cần tỉnh kiểm tra."
    ).format(id=conflict["id"], reason=conflict["reason"], code=conflict["code"])
