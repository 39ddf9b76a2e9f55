"""Hub ingest with every check, on SQLite and PostgreSQL: the batches the communes' counters
send (`hub demo`: interleaved chains, dossiers sent again as they move, 50 per batch),
replayed into a fresh hub through `Hub.ingest` alone (no HTTP, no signature: that is
`bench_sync`'s end-to-end figure). Events per second of wall time, and of the benchmark
process's CPU time (one core; on PostgreSQL the server's own work is not in it).

PostgreSQL: `$COUNTER_APP_BENCH_PG_URL` (a server; a database is made on it), else a
throwaway server as `bench_hub_scale` starts one, else SQLite only.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks import Result
from benchmarks.bench_hub_scale import (
    PG_URL_ENV,
    TEST_PG_URL_ENV,
    fresh_database,
    postgres_server,
)
from counter_app.domain.calendar import VN_TZ
from counter_app.hub.demo import DEMO_UNIT_ID_PREFIX, HubDemoOptions, generate_hub_demo
from counter_app.hub.service import DeviceView, Hub, open_hub_database

TARGET_EVENTS_PER_S = 5000
NOW = datetime(2026, 3, 13, 18, 0, tzinfo=VN_TZ)


def batches_of_demo(workdir: Path, communes: int, days: int) -> list[tuple[str, dict[str, Any]]]:
    """The batches a `hub demo` sends, with the office each came from."""
    hub = Hub(open_hub_database(f"sqlite:///{workdir / 'source.sqlite3'}"), workdir / "b0")
    sent: list[tuple[str, dict[str, Any]]] = []
    generate_hub_demo(
        hub,
        HubDemoOptions(communes=communes, days=days),
        now=NOW,
        sent=lambda device, batch: sent.append((device.office_unit, batch)),
    )
    hub.engine.dispose()
    return sent


def replay(
    url: str, workdir: Path, batches: list[tuple[str, dict[str, Any]]]
) -> tuple[float, float]:
    """Events per second (wall, CPU) of ingesting `batches` into a fresh hub at `url`."""
    hub = Hub(open_hub_database(url), workdir)
    devices: dict[str, DeviceView] = {}
    for office in sorted({office for office, _batch in batches}):
        unit_id = DEMO_UNIT_ID_PREFIX + office
        code = hub.create_enroll_code(office, unit_id=unit_id)
        devices[office], _secret = hub.enroll(code, "bench", unit_id, office)
    events, wall, cpu = 0, 0.0, 0.0
    for office, batch in batches:
        device = devices[office]
        document = {**batch, "device": device.id}
        started, started_cpu = time.perf_counter(), time.process_time()
        answer = hub.ingest(device, document)
        wall += time.perf_counter() - started
        cpu += time.process_time() - started_cpu
        assert all(result["ok"] for result in answer["results"]), answer["results"][:1]
        events += sum(len(result["accepted"]) for result in answer["results"])
    hub.engine.dispose()
    return events / wall, events / max(cpu, 1e-9)


def run(quick: bool, workdir: Path) -> list[Result]:
    communes, days, rounds = (2, 3, 1) if quick else (4, 30, 3)
    batches = batches_of_demo(workdir, communes, days)
    events = sum(len(item["events"]) for _office, batch in batches for item in batch["dossiers"])
    note = (
        f"{communes} communes × {days} days of `hub demo`: {events} events, {len(batches)} batches"
    )
    results: list[Result] = [Result("hub_ingest_batch_events", events / len(batches), "events")]
    with ExitStack() as stack:
        backends: dict[str, Callable[[int], str]] = {
            "sqlite": lambda n: f"sqlite:///{workdir / f'hub{n}.sqlite3'}"
        }
        server = os.environ.get(PG_URL_ENV) or os.environ.get(TEST_PG_URL_ENV)
        if server is None:
            try:
                server = stack.enter_context(postgres_server())
            except (RuntimeError, OSError):
                server = None
        if server is not None:
            pg_server = server
            backends["postgresql"] = lambda n: fresh_database(pg_server, f"hub_ingest_{n}")
        for name, make_url in backends.items():
            walls, cpus = [], []
            for n in range(rounds):
                wall, cpu = replay(make_url(n), workdir / f"{name}{n}", batches)
                walls.append(wall)
                cpus.append(cpu)
            results += [
                Result(
                    f"hub_ingest_{name}_events_per_s",
                    statistics.median(walls),
                    "events/s",
                    target=TARGET_EVENTS_PER_S,
                    higher_is_better=True,
                    note=note,
                ),
                Result(
                    f"hub_ingest_{name}_events_per_cpu_s",
                    statistics.median(cpus),
                    "events/s",
                    target=TARGET_EVENTS_PER_S,
                    higher_is_better=True,
                    note="the benchmark process's CPU time (one core)",
                ),
            ]
    return results
