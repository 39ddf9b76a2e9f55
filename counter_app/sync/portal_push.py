"""The counter's own push to the province's one-stop system (`counter-app portal push`),
with each dossier's state kept in `portal_sends` (docs/sync-protocol.md §8a).

A record is sent once per change: its version is the hash of the record (page links left
out, since they are signed afresh each time) with its progress entries; an accepted or
refused version is not sent again. A refused record waits until the dossier changes or an
operator asks (`retry_refused`); an unreachable province is tried again with exponential
backoff and jitter, and the run stops at the first such failure instead of waiting on
every dossier. Progress entries the province accepted are never sent again.

A dossier is held back, without an attempt, while the hub does not hold its pages yet
(the province downloads them from the hub through the record's links), and when it was
filed online but has no code on the portal (it would be counted twice).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from counter_app.domain.lifecycle import Channel
from counter_app.errors import ConfigError
from counter_app.i18n import _
from counter_app.kernel.config import AppConfig
from counter_app.kernel.context import AppContext
from counter_app.kernel.day import day_bounds
from counter_app.store.models import Dossier
from counter_app.sync.client import HubUnavailableError
from counter_app.sync.models import PortalSend, SyncPageSent
from counter_app.sync.outbox import backoff_delay
from counter_app.sync.protocol import PortalDossier, PortalRecord, ProgressEntry
from counter_app.sync.provincial import (
    PROGRESS_CHUNK,
    Exporter,
    PortalConfigError,
    PortalError,
    PortalRefusal,
    open_exporter,
)
from counter_app.sync.records import RecordSettings, dossier_records, record_settings

SENT, ACCEPTED, REFUSED, RETRYING = "sent", "accepted", "refused", "retrying"
STATES = (REFUSED, RETRYING, SENT, ACCEPTED)
"""In the order a list of states shows them: what needs a person first."""
BUILD_BATCH = 100
"""Dossiers whose records are built in one database session."""
_LINKS = ("DuongDanTaiTepTin", "DuongDanTepTinKetQua")


@dataclass
class PushReport:
    """What one push did, dossier by dossier."""

    accepted: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    """(code, the province's own words)."""
    retrying: list[tuple[str, str]] = field(default_factory=list)
    held: list[tuple[str, str]] = field(default_factory=list)
    """(code, why it was not sent yet): nothing was attempted."""
    unchanged: int = 0
    waiting: int = 0
    """In backoff after an earlier network failure, not due yet."""
    not_attempted: int = 0
    """Due, but the run stopped when the province could not be reached."""

    @property
    def ok(self) -> bool:
        return not self.refused and not self.retrying

    def to_json(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "refused": [{"code": code, "reason": reason} for code, reason in self.refused],
            "retrying": [{"code": code, "reason": reason} for code, reason in self.retrying],
            "held": [{"code": code, "reason": reason} for code, reason in self.held],
            "unchanged": self.unchanged,
            "waiting": self.waiting,
            "not_attempted": self.not_attempted,
        }


@dataclass(frozen=True)
class PortalSendView:
    """One dossier's state with the province, for `portal status` and the sync screen."""

    code: str
    state: str
    reason: str | None
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "state": self.state,
            "reason": self.reason,
            "attempts": self.attempts,
            "next_attempt_at": _iso(self.next_attempt_at),
            "last_attempt_at": _iso(self.last_attempt_at),
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def _digest(document: object) -> str:
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _without_links(record: PortalDossier) -> dict[str, Any]:
    plain: dict[str, Any] = dict(record)
    for key in ("TaiLieuNop", "DanhSachGiayToKetQua"):
        plain[key] = [{k: v for k, v in item.items() if k not in _LINKS} for item in plain[key]]
    return plain


def record_version(item: PortalRecord, target: str = "") -> str:
    """The hash a record is sent once for: its fields and progress (links left out), and
    the system it goes to (another one receives everything once)."""
    plain = {"record": _without_links(item.record), "progress": list(item.progress)}
    return _digest({**plain, "target": target})


def _target(config: AppConfig) -> str:
    profile = config.portal
    return f"{profile.transport} {profile.url} {profile.unit_code}"


def entry_hash(entry: ProgressEntry, target: str = "") -> str:
    """A progress entry as the target accepted it: another target receives it again."""
    return _digest({"entry": entry, "target": target})


def settings_basis(config: AppConfig, settings: RecordSettings) -> str:
    """What the records are built from besides the dossier: when it changes (another
    profile, a new catalog), every record is built again and sent if it differs."""
    profile = config.portal
    catalog = settings.catalog
    return _digest(
        {
            "target": _target(config),
            "file_name": profile.file_name,
            "status_codes": profile.status_codes,
            "submission_place": profile.submission_place,
            "subject_kinds": dict(settings.subject_kinds),
            "catalog": catalog.version if catalog is not None else None,
        }
    )


def _page_shas(record: PortalDossier) -> set[str]:
    shas = {item["TepDinhKemId"] for item in record["TaiLieuNop"]}
    return shas | {item["GiayToId"] for item in record["DanhSachGiayToKetQua"]}


def _candidates(
    session: Session, config: AppConfig, day: date | None
) -> list[tuple[int, str, PortalSend | None]]:
    query = (
        sa.select(Dossier.id, Dossier.head_hash, PortalSend)
        .outerjoin(PortalSend, PortalSend.dossier_id == Dossier.id)
        .order_by(Dossier.code)
    )
    if day is not None:
        start, end = day_bounds(day)
        query = query.where(Dossier.received_at >= start, Dossier.received_at < end)
    elif config.portal.send_from:
        start, _end = day_bounds(date.fromisoformat(config.portal.send_from))
        query = query.where(Dossier.received_at >= start)
    return [(row[0], row[1], row[2]) for row in session.execute(query).all()]


def _due(
    rows: Sequence[tuple[int, str, PortalSend | None]],
    basis: str,
    now: datetime,
    retry_refused: bool,
    report: PushReport,
) -> list[int]:
    due = []
    for dossier_id, head, row in rows:
        if row is None or row.state == SENT:
            due.append(dossier_id)
        elif row.state == RETRYING:
            if row.next_attempt_at is None or row.next_attempt_at <= now:
                due.append(dossier_id)
            else:
                report.waiting += 1
        elif (row.state == REFUSED and retry_refused) or (row.head_hash, row.basis) != (
            head,
            basis,
        ):
            due.append(dossier_id)
        else:
            report.unchanged += 1
    return due


def _settings(ctx: AppContext, session: Session) -> RecordSettings:
    settings = record_settings(
        session, ctx.catalog, ctx.config.portal_subject_kinds, ctx.config.portal, ctx.clock()
    )
    if settings.links is None:
        raise ConfigError(
            _("Quầy chưa ghi danh với hub: Cổng tải trang quét từ hub, hãy ghi danh trước.")
        )
    return settings


def check_push_allowed(ctx: AppContext) -> None:
    """One line when this data directory may not push: demo data, no transport set."""
    if ctx.config.demo:
        raise ConfigError(_("Dữ liệu mẫu không gửi lên tỉnh."))


def push_due(
    ctx: AppContext,
    *,
    day: date | None = None,
    retry_refused: bool = False,
    exporter: Callable[[], Exporter] | None = None,
) -> PushReport:
    """Send what is due to the province (the dossiers received on `day`, or all from
    `portal.send_from`); `exporter` replaces the one the settings choose (tests)."""
    check_push_allowed(ctx)
    config = ctx.config
    unit = config.office.electronic_id if config.office is not None else ""
    make = exporter or (lambda: open_exporter(config.portal, unit))
    report = PushReport()
    client = make()  # settings first: a missing one is said before anything else
    try:
        with ctx.session() as session:
            settings = _settings(ctx, session)
            basis = settings_basis(config, settings)
            candidates = _candidates(session, config, day)
            due = _due(candidates, basis, ctx.clock(), retry_refused, report)
        for start in range(0, len(due), BUILD_BATCH):
            batch = due[start : start + BUILD_BATCH]
            if not _push_batch(ctx, client, settings, basis, batch, retry_refused, report):
                report.not_attempted += len(due) - start - len(batch)
                break
    finally:
        client.close()
    return report


@dataclass
class _Send:
    """One dossier of a batch on its way: what to send and what came of it."""

    dossier_id: int
    code: str
    head: str
    item: PortalRecord
    version: str
    accepted_entries: list[str]
    previous: PortalSend | None
    target: str
    state: str = SENT
    reason: str | None = None


def _push_batch(
    ctx: AppContext,
    client: Exporter,
    settings: RecordSettings,
    basis: str,
    ids: list[int],
    retry_refused: bool,
    report: PushReport,
) -> bool:
    """Push one batch; False when the province could not be reached (the run stops).

    Two writes a batch: every dossier about to go is marked `sent` first (a run killed
    mid-batch leaves them `sent`, so they go again: the create answered "đã tồn tại"
    becomes an update), then the answers."""
    sends: list[_Send] = []
    unchanged: list[tuple[int, str]] = []
    target = _target(ctx.config)
    with ctx.session() as session:
        dossiers = list(
            session.execute(
                sa.select(Dossier).where(Dossier.id.in_(ids)).order_by(Dossier.code)
            ).scalars()
        )
        items = dossier_records(session, settings, dossiers)
        shas = set().union(*(_page_shas(item.record) for item in items))
        held_pages = set(
            session.execute(sa.select(SyncPageSent.sha256).where(SyncPageSent.sha256.in_(shas)))
            .scalars()
            .all()
        )
        rows = {
            row.dossier_id: row
            for row in session.execute(
                sa.select(PortalSend).where(PortalSend.dossier_id.in_(ids))
            ).scalars()
        }
        for dossier, item in zip(dossiers, items, strict=True):
            code = str(item.record["MaHoSo"])
            row = rows.get(dossier.id)
            version = record_version(item, target)
            if (
                row is not None
                and row.record_hash == version
                and (row.state == ACCEPTED or (row.state == REFUSED and not retry_refused))
            ):
                unchanged.append((dossier.id, dossier.head_hash))
            elif Channel(dossier.channel).is_online and not dossier.portal_code:
                report.held.append(
                    (
                        code,
                        _("hồ sơ nộp trực tuyến chưa có mã hồ sơ trên Cổng (tỉnh sẽ đếm hai lần)"),
                    )
                )
            elif not _page_shas(item.record) <= held_pages:
                report.held.append((code, _("hub chưa nhận đủ trang quét (chạy “sync” trước)")))
            else:
                accepted = list(row.progress_hashes) if row is not None else []
                sends.append(
                    _Send(dossier.id, code, dossier.head_hash, item, version, accepted, row, target)
                )
        session.expunge_all()
    now = ctx.clock()
    with ctx.session() as session:
        for dossier_id, head in unchanged:
            row = session.get_one(PortalSend, dossier_id)
            row.head_hash, row.basis = head, basis
        for send in sends:
            row = session.get(PortalSend, send.dossier_id)
            if row is None:
                row = PortalSend(dossier_id=send.dossier_id, progress_hashes=[], attempts=0)
                session.add(row)
            row.code, row.state, row.last_attempt_at = send.code, SENT, now
            row.attempts = (row.attempts or 0) + 1
    report.unchanged += len(unchanged)
    reachable = True
    try:
        for index, send in enumerate(sends):
            if not _send_one(client, send):
                report.not_attempted += len(sends) - index - 1
                reachable = False
                break
    finally:  # credentials or an address refused: the answers so far are kept
        _record_answers(ctx, sends, basis, now, report)
    return reachable


def _send_one(client: Exporter, send: _Send) -> bool:
    """Send one record and its new progress entries; False when the province could not
    be reached."""
    progress = send.item.progress
    new_entries = [e for e in progress if entry_hash(e, send.target) not in send.accepted_entries]
    try:
        client.send_record(send.item.record)
        for start in range(0, len(new_entries), PROGRESS_CHUNK):
            chunk = new_entries[start : start + PROGRESS_CHUNK]
            client.send_progress(send.code, chunk)
            send.accepted_entries.extend(entry_hash(entry, send.target) for entry in chunk)
    except PortalRefusal as exc:
        send.state, send.reason = REFUSED, exc.reason
    except PortalConfigError:
        raise
    except (HubUnavailableError, PortalError) as exc:
        send.state, send.reason = RETRYING, exc.message
        return False
    else:
        send.state = ACCEPTED
    return True


def _record_answers(
    ctx: AppContext, sends: list[_Send], basis: str, now: datetime, report: PushReport
) -> None:
    """The answers of a batch; a dossier not reached stays `sent` only if it was
    marked so and the run was cut: it goes again next time."""
    answered = [send for send in sends if send.state != SENT]
    with ctx.session() as session:
        for send in answered:
            row = session.get_one(PortalSend, send.dossier_id)
            row.state, row.reason = send.state, send.reason
            row.progress_hashes = list(send.accepted_entries)
            row.head_hash, row.basis = send.head, basis
            if send.state == RETRYING:
                row.next_attempt_at = now + backoff_delay(row.attempts)
            else:
                row.record_hash, row.next_attempt_at = send.version, None
            if send.state == ACCEPTED:
                row.attempts, row.accepted_at = 0, now
        for send in sends:
            if send.state == SENT:  # never tried: the run stopped before it
                _restore_row(session, send)
    for send in answered:
        if send.state == ACCEPTED:
            report.accepted.append(send.code)
        elif send.state == REFUSED:
            report.refused.append((send.code, send.reason or ""))
        else:
            report.retrying.append((send.code, send.reason or ""))


def _restore_row(session: Session, send: _Send) -> None:
    row = session.get_one(PortalSend, send.dossier_id)
    previous = send.previous
    if previous is None:
        session.delete(row)
        return
    for column in ("state", "attempts", "last_attempt_at", "code"):
        setattr(row, column, getattr(previous, column))


def portal_states(ctx: AppContext, states: Iterable[str] = STATES) -> list[PortalSendView]:
    """Each dossier's state with the province: refused first, then retrying, sent and
    accepted, each by code."""
    wanted = tuple(states)
    with ctx.session() as session:
        rows = session.execute(
            sa.select(PortalSend).where(PortalSend.state.in_(wanted)).order_by(PortalSend.code)
        ).scalars()
        views = [
            PortalSendView(
                row.code,
                row.state,
                row.reason,
                row.attempts,
                row.next_attempt_at,
                row.last_attempt_at,
            )
            for row in rows
        ]
    order = {state: index for index, state in enumerate(STATES)}
    return sorted(views, key=lambda view: (order.get(view.state, len(order)), view.code))


def refusal_words(reason: str | None) -> str:
    """A refusal in the clerk's words, with the province's own text after them."""
    return _(
        "Tỉnh không nhận hồ sơ: sửa hồ sơ theo lý do dưới đây, lần gửi sau sẽ gửi lại. "
        "Tỉnh ghi: “{reason}”"
    ).format(reason=(reason or "").strip())
