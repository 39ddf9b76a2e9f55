"""Sync figures over real loopback HTTP: bytes on the wire against payload, the cost of a
resumed page upload, and hub ingest events per second (end to end and hub alone).
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks import Result
from counter_app.domain.applicants import Person
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Status
from counter_app.dossiers.service import IntakeRequest, intake, move
from counter_app.hub.app import create_app, serving
from counter_app.hub.service import Hub, open_hub_database
from counter_app.kernel.config import AppConfig, OfficeConfig, save_config
from counter_app.kernel.context import AppContext, open_context
from counter_app.kernel.page_files import page_path
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.store.models import Dossier, Page
from counter_app.sync.outbox import build_pending, pending_dossier_ids
from counter_app.sync.service import enroll, open_client, run_sync

OFFICE = OfficeConfig("22333", "000.00.22.H56", "Trung tâm PVHCC Phường Bắc Nha Trang")
PAGE_BYTES = 1024 * 1024


class _Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def _counter(workdir: Path, name: str, clock: _Clock, settings: dict[str, Any]) -> AppContext:
    data_dir = workdir / name
    data_dir.mkdir()
    save_config(data_dir, AppConfig(office=OFFICE, **settings))
    return open_context(data_dir, clock=clock)


def _dossiers(ctx: AppContext, count: int) -> None:
    for i in range(count):
        person = Person(name=f"Nguyễn Văn An {i}", id_number=f"056090{i:06d}")
        view = intake(ctx, IntakeRequest("1.001193", person), SYSTEM_ACTOR)
        move(ctx, view.code, Status.PROCESSING, SYSTEM_ACTOR)


def _page(ctx: AppContext, code: str, seed: int) -> str:
    data = hashlib.shake_256(f"bench-page-{seed}".encode()).digest(PAGE_BYTES)
    sha = hashlib.sha256(data).hexdigest()
    path = page_path(ctx.pages_dir, sha)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    with ctx.session() as session:
        dossier = session.execute(sa.select(Dossier).where(Dossier.code == code)).scalar_one()
        session.add(
            Page(
                dossier_id=dossier.id,
                position=1,
                sha256=sha,
                media_type="image/tiff",
                size_bytes=len(data),
                added_at=datetime.now(UTC),
                added_by="system",
            )
        )
    return sha


def run(quick: bool, workdir: Path) -> list[Result]:
    count = 100 if quick else 1000
    pages = 2 if quick else 8
    clock = _Clock(datetime(2026, 3, 2, 7, 30, tzinfo=VN_TZ))
    hub = Hub(open_hub_database(f"sqlite:///{workdir / 'hub.sqlite3'}"), workdir / "blobs")
    results: list[Result] = []
    with serving(create_app(hub)) as url:
        # Events: a day of dossiers, two events each, no pages.
        ctx = _counter(workdir, "events", clock, {})
        enroll(ctx, url, hub.create_enroll_code("22333"))
        _dossiers(ctx, count)
        started = time.perf_counter()
        report = run_sync(ctx)
        elapsed = time.perf_counter() - started
        assert report.ok and report.events_sent == 2 * count, report.to_json()
        results += [
            Result(
                f"sync_{2 * count}_events_per_s_end_to_end",
                report.events_sent / elapsed,
                "events/s",
                target=50,
                higher_is_better=True,
            ),
            Result(
                "sync_json_wire_over_payload",
                report.bytes_sent / report.payload_bytes,
                "ratio",
                note="gzip'd signed batches incl. headers / raw JSON",
            ),
            Result("sync_json_payload_bytes_per_event", report.payload_bytes / count / 2, "B"),
            Result("sync_json_wire_bytes_per_event", report.bytes_sent / count / 2, "B"),
        ]
        ctx.close()

        # Pages: whole uploads, then a resume from the middle of a page.
        ctx = _counter(workdir, "pages", clock, {"sync_chunk_bytes": 256 * 1024})
        enroll(ctx, url, hub.create_enroll_code("22333"))
        _dossiers(ctx, pages)
        with ctx.session() as session:
            codes = list(session.execute(sa.select(Dossier.code).order_by(Dossier.id)).scalars())
        for i in range(pages):
            _page(ctx, codes[i], i)
        started = time.perf_counter()
        report = run_sync(ctx)
        elapsed = time.perf_counter() - started
        assert report.ok and report.pages_sent == pages, report.to_json()
        results += [
            Result(
                "sync_page_wire_over_payload",
                report.bytes_sent / report.payload_bytes,
                "ratio",
                note=f"{pages} pages of 1 MiB in 256 KiB chunks",
            ),
            Result("sync_page_upload_mib_per_s", pages / elapsed, "MiB/s", higher_is_better=True),
        ]
        _dossiers(ctx, 1)  # a new dossier whose page upload was interrupted
        with ctx.session() as session:
            last = session.execute(sa.select(sa.func.max(Dossier.code))).scalar_one()
        sha = _page(ctx, last, 999)
        data = page_path(ctx.pages_dir, sha).read_bytes()
        half = PAGE_BYTES // 2
        with open_client(ctx) as client:
            client.sync_clock()
            client.put_chunk(sha, 0, PAGE_BYTES, data[:half])  # the run that was killed
        started = time.perf_counter()
        report = run_sync(ctx)
        elapsed = time.perf_counter() - started
        assert report.ok and report.page_bytes_sent == PAGE_BYTES - half, report.to_json()
        results += [
            Result(
                "sync_resume_bytes_resent",
                report.page_bytes_sent - (PAGE_BYTES - half),
                "B",
                target=0,
                note="bytes sent again after an interruption at half a page",
            ),
            Result("sync_resume_requests", report.requests, "requests"),
            Result("sync_resume_ms", elapsed * 1000, "ms"),
        ]
        ctx.close()

    # The hub alone: ingest prepared batches without HTTP, into a fresh database.
    lone = Hub(open_hub_database(f"sqlite:///{workdir / 'hub2.sqlite3'}"), workdir / "blobs2")
    device, _secret = lone.enroll(lone.create_enroll_code("22333"), "bench", OFFICE.electronic_id)
    ctx = open_context(workdir / "events", clock=clock)
    with ctx.session() as session:
        session.execute(sa.text("UPDATE outbox SET sent_at = NULL"))
    with ctx.session() as session:
        ids = pending_dossier_ids(session, clock(), force=True)
        payloads = [build_pending(session, i, {}).payload for i in ids]
    ctx.close()
    started = time.perf_counter()
    for start in range(0, len(payloads), 50):
        answer = lone.ingest(
            device, {"protocol": 1, "device": device.id, "dossiers": payloads[start : start + 50]}
        )
        assert all(r["ok"] for r in answer["results"])
    elapsed = time.perf_counter() - started
    results.append(
        Result(
            "hub_ingest_events_per_s",
            2 * len(payloads) / elapsed,
            "events/s",
            target=200,
            higher_is_better=True,
            note="hub service alone, SQLite, batches of 50 dossiers",
        )
    )
    lone.engine.dispose()
    hub.engine.dispose()
    return results
