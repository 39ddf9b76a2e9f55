"""Two counters of one office sync a simulated month through a proxy that drops, delays,
duplicates, reorders and cuts requests; the hub ends equal to the ground truth (the
counters' own databases) for every day, procedure, channel and status, holds every event
once and every page whole.

Short mode: a few days; long mode (`--reliability-long`): 30. The figures go to
`reliability-network.json` in pytest's base temp folder, and are printed with `-s`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Status
from counter_app.dossiers.service import move
from counter_app.errors import CounterError
from counter_app.hub.models import HubConflict, HubEvent, HubPage
from counter_app.kernel.config import load_config, save_config
from counter_app.kernel.context import AppContext, open_context
from counter_app.kernel.day import day_counts
from counter_app.kernel.dossier_store import ensure_office
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.scanning.pages import attach_pages
from counter_app.store.models import Dossier, Event, OutboxItem, Page
from counter_app.sync.service import enroll, run_sync
from tests.conftest import MutableClock, make_data_dir
from tests.reliability import kill_worker
from tests.reliability.budget import NETWORK_DAYS, pick
from tests.reliability.fault_proxy import faulty_proxy
from tests.sync_support import running_hub

pytestmark = pytest.mark.slow

FIRST_DAY = datetime(2026, 3, 2, 8, 0, tzinfo=VN_TZ)  # a Monday
FAULT_RATE = 0.3
MOVES = {  # a dossier's next step, as the office works it through
    Status.RECEIVED: Status.PROCESSING,
    Status.PROCESSING: Status.RESOLVED,
    Status.RESOLVED: Status.RETURNED,
}


def sync_until_ok(ctx: AppContext, tally: Counter[str], close_day=None) -> None:
    """What the background sync does: try again until a run goes through."""
    for _attempt in range(200):
        try:
            report = run_sync(ctx, close_day=close_day)
        except CounterError:  # the hub could not be reached: the outbox keeps everything
            tally["runs_failed"] += 1
            continue
        if report.ok and (close_day is None or report.day_close is not None):
            tally["runs_ok"] += 1
            return
        tally["runs_incomplete"] += 1
    raise AssertionError("the sync never went through")


def work_a_day(ctx: AppContext, rng: random.Random, day: datetime) -> None:
    """A day at one counter: new dossiers, some scanned, older ones moved on."""
    ctx.clock.now = day  # type: ignore[attr-defined]
    with ctx.session() as session:
        open_ones = session.execute(
            sa.select(Dossier.code, Dossier.status).where(
                Dossier.status.in_([s.value for s in MOVES])
            )
        ).all()
    for code, status in rng.sample(open_ones, k=min(len(open_ones), rng.randint(0, 4))):
        ctx.clock.now += timedelta(minutes=3)  # type: ignore[attr-defined]
        move(ctx, code, MOVES[Status(status)], SYSTEM_ACTOR)
    for _ in range(rng.randint(2, 6)):
        ctx.clock.now += timedelta(minutes=rng.randint(5, 40))  # type: ignore[attr-defined]
        code = kill_worker.one_intake(ctx, rng)
        if rng.random() < 0.25:
            attach_pages(ctx, code, [kill_worker.page_image(rng)], SYSTEM_ACTOR)


def ground_truth(counters: list[AppContext], day: datetime) -> dict[str, object]:
    """The office's day as the two counters hold it, added up."""
    total: dict[str, object] = {"received": 0, "dossiers": []}
    for ctx in counters:
        with ctx.session() as session:
            counts = day_counts(session, ensure_office(session, ctx), day.date())
        total["received"] = int(total["received"]) + int(counts["received"])  # type: ignore[call-overload]
        total["dossiers"] = sorted([*total["dossiers"], *counts["dossiers"]])  # type: ignore[misc]
        for key in ("by_channel", "by_status", "by_procedure"):
            into = total.setdefault(key, {})
            for name, value in counts[key].items():
                into[name] = into.get(name, 0) + value  # type: ignore[union-attr]
    return total


def test_two_counters_sync_a_month_through_a_faulty_network(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    uvicorn = logging.getLogger("uvicorn")  # it keeps its records from the root logger
    uvicorn.addHandler(caplog.handler)
    try:
        run_the_month(tmp_path, tmp_path_factory)
    finally:
        uvicorn.removeHandler(caplog.handler)
    crashes = [r.getMessage() for r in caplog.records if r.exc_info]
    assert crashes == []  # no request, however cut, made the hub fail


def run_the_month(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    days = pick(NETWORK_DAYS)
    rng = random.Random(2026)
    tally: Counter[str] = Counter()
    with running_hub(tmp_path / "hub") as hub, faulty_proxy(hub.url, seed=7) as proxy:
        counters = []
        for name in ("q1", "q2"):
            (tmp_path / name).mkdir()
            data_dir = make_data_dir(tmp_path / name)
            clock = MutableClock(FIRST_DAY)
            with open_context(data_dir, clock=clock) as ctx:
                enroll(ctx, proxy.url, hub.hub.create_enroll_code("22333"))
            config = load_config(data_dir)
            save_config(data_dir, replace(config, sync_chunk_bytes=8192, sync_batch_dossiers=3))
            counters.append(open_context(data_dir, clock=clock))
        blocks = [(c.config.sequence_first, c.config.sequence_last) for c in counters]
        assert blocks[0] != blocks[1]  # one block each, so their codes never meet
        proxy.rate = FAULT_RATE
        workdays = []
        day = FIRST_DAY
        while len(workdays) < days:
            if day.weekday() < 5:
                workdays.append(day)
            day += timedelta(days=1)
        for today in workdays:
            for ctx in counters:
                work_a_day(ctx, rng, today)
                sync_until_ok(ctx, tally)  # during the day
                work_a_day(ctx, rng, today.replace(hour=14))
            for ctx in counters:
                ctx.clock.now = today.replace(hour=17, minute=30)  # type: ignore[attr-defined]
                sync_until_ok(ctx, tally, close_day=today.date())
        proxy.rate = 0.0
        for ctx in counters:  # a last run over a calm network delivers what was held
            sync_until_ok(ctx, tally)

        dossiers = 0
        for today in workdays:
            truth = ground_truth(counters, today)
            held = hub.hub.counts("22333", today.date())
            for key, value in truth.items():
                assert held[key] == value, (today.date(), key)
            dossiers += int(truth["received"])  # type: ignore[call-overload]
        counter_events: list[str] = []
        counter_pages: set[str] = set()
        for ctx in counters:
            with ctx.session() as session:
                counter_events += session.execute(sa.select(Event.uuid)).scalars().all()
                counter_pages |= set(session.execute(sa.select(Page.sha256)).scalars())
                unsent = session.execute(
                    sa.select(sa.func.count(OutboxItem.id)).where(OutboxItem.sent_at.is_(None))
                ).scalar_one()
            assert unsent == 0
        with hub.hub.session() as session:
            hub_events = session.execute(sa.select(HubEvent.uuid)).scalars().all()
            hub_pages = {r.sha256: r for r in session.execute(sa.select(HubPage)).scalars()}
            conflicts = session.execute(sa.select(sa.func.count(HubConflict.id))).scalar_one()
        assert sorted(hub_events) == sorted(counter_events)  # each once: no loss, no duplicate
        assert set(hub_pages) == counter_pages
        for sha, row in hub_pages.items():
            assert row.complete, sha
            data = (hub.hub.blobs_dir / sha[:2] / sha).read_bytes()
            assert hashlib.sha256(data).hexdigest() == sha
        assert conflicts == 0
        for ctx in counters:
            ctx.close()

    figures = {
        "days": days,
        "counters": 2,
        "requests": proxy.requests,
        "faults": dict(sorted(proxy.faults.items())),
        "sync_runs": dict(tally),
        "dossiers": dossiers,
        "events": len(counter_events),
        "pages": len(counter_pages),
        "losses": 0,
    }
    path = tmp_path_factory.getbasetemp() / "reliability-network.json"
    path.write_text(json.dumps(figures, indent=1))
    print(f"\nnetwork: {json.dumps(figures)}")
    assert sum(proxy.faults.values()) > 0 and set(proxy.faults) >= {"drop", "delay"}
