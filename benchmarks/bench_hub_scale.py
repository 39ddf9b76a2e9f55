"""The hub at province scale on PostgreSQL: ten years of Khánh Hòa's 65 communes, about
8 million dossiers and 40 million events at `--scale 1`, bulk-loaded with COPY (ingest's
own speed is `bench_hub_ingest`), then the queries the province waits on:

* a code lookup (`Hub.public_status`, the receipt QR's public page): target ≤ 10 ms;
* a day-close recount (`Hub.day_close` of one device and day: the counts, the chain's
  head, its unlinked events and open conflicts, the close row written): ≤ 1 s;
* the overview (`hub.dashboard.overview`, every commune): 95th percentile ≤ 300 ms;
* a commune page (`hub.dashboard.commune_page`, one month): ≤ 500 ms.

`python -m benchmarks --only hub_scale` runs it at 1 % (0.1 % with `--quick`) on a
throwaway PostgreSQL server, or on `$COUNTER_APP_BENCH_PG_URL`. The full run:

    python -m benchmarks.bench_hub_scale --scale 1 --database postgresql+psycopg://...

The rows are the hub's own shapes (codes, chains linked by `prev_hash`, records with the
fields the dashboard reads), but bulk data: event hashes are random (never re-checked
here), and the JSON documents carry only the fields the hub's queries read, so the disk
figures are lower bounds (see docs/performance.md).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks import Result
from counter_app.demo.generator import FAMILY_NAMES, FIELD_WEIGHTS, PROCEDURE_WEIGHTS, STAFF
from counter_app.domain.calendar import VN_TZ, default_calendar
from counter_app.domain.catalog import Procedure, load_catalog
from counter_app.domain.codes import format_code
from counter_app.domain.lifecycle import Channel, Status
from counter_app.domain.units import load_units
from counter_app.hub.service import Hub, open_hub_database

PG_URL_ENV = "COUNTER_APP_BENCH_PG_URL"
"""A PostgreSQL server URL for the benchmarks; else the tests' one, else a throwaway one."""
TEST_PG_URL_ENV = "COUNTER_APP_TEST_PG_URL"
FULL_DOSSIERS = 8_000_000
YEARS = 10
BIG_TABLES = ("hub_events", "hub_dossiers")
CLERKS = [login for login, _name, _role in STAFF if login != "quantri"]


@dataclass(frozen=True)
class LoadFigures:
    dossiers: int
    events: int
    day_closes: int
    seconds_generate_copy: float
    seconds_index: float
    bytes_total: int
    bytes_by_table: dict[str, int]


# --- a throwaway server -------------------------------------------------------------------


@contextmanager
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server for the benchmark: the tests' recipe (initdb as postgres)."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not candidates:
        raise RuntimeError(f"PostgreSQL not installed: set {PG_URL_ENV}")
    bin_dir = candidates[-1].parent
    # In the system's temporary folder, as the tests' server: the postgres user must reach it.
    pgdata = Path(tempfile.mkdtemp(prefix="hubscale-pg-"))
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(pgdata, "postgres", "postgres")
    port = 56000 + os.getpid() % 1000
    subprocess.run(
        [
            *as_postgres,
            str(bin_dir / "initdb"),
            "-D",
            str(pgdata),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ],
        check=True,
        capture_output=True,
    )
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {pgdata} -c shared_buffers=512MB "
        "-c maintenance_work_mem=512MB -c max_wal_size=8GB"
    )
    subprocess.run(
        [
            *as_postgres,
            str(bin_dir / "pg_ctl"),
            "-D",
            str(pgdata),
            "-l",
            str(pgdata / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(pgdata), "-m", "fast", "stop"],
            capture_output=True,
        )
        shutil.rmtree(pgdata, ignore_errors=True)


def fresh_database(server_url: str, name: str) -> str:
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return f"{server_url.rsplit('/', 1)[0]}/{name}"


# --- the data -----------------------------------------------------------------------------


def _copy_text(value: object) -> str:
    """One value in COPY's text format."""
    if value is None:
        return r"\N"
    text = value if isinstance(value, str) else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _line(values: tuple[object, ...]) -> str:
    return "\t".join(map(_copy_text, values)) + "\n"


def _jsonb(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def _portal(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(VN_TZ).strftime("%Y%m%d%H%M%S")


def _naive(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


class _Rng:
    """Random hex of the hub's shapes, quickly."""

    def __init__(self, seed: str) -> None:
        self.random = random.Random(seed)

    def hash(self) -> str:
        return f"{self.random.getrandbits(256):064x}"

    def uuid(self) -> str:
        value = f"{self.random.getrandbits(128):032x}"
        return f"{value[:8]}-{value[8:12]}-4{value[13:16]}-a{value[17:20]}-{value[20:]}"


@dataclass
class _Event:
    at: datetime
    code: str
    kind: str
    from_status: str | None
    to_status: str | None
    actor: str


def _dossier_events(
    rng: random.Random,
    code: str,
    received: datetime,
    due: datetime,
    now: datetime,
    clerk: str,
) -> tuple[list[_Event], str, datetime | None]:
    """The lifecycle the counter demo plays, cut at `now`: events, status, finished at."""
    events = [
        _Event(received, code, "received", None, Status.RECEIVED.value, clerk),
        _Event(received + timedelta(minutes=2), code, "printed", None, None, clerk),
    ]
    span = max(due - received, timedelta(hours=2))
    status = Status.RECEIVED
    finished = None

    def step(at: datetime, target: Status, kind: str = "moved") -> bool:
        nonlocal status
        if at > now:
            return False
        events.append(_Event(at, code, kind, status.value, target.value, clerk))
        status = target
        return True

    roll = rng.random()
    at = received + timedelta(minutes=rng.randint(5, 90))
    if roll < 0.01:
        step(at, Status.REFUSED)
    elif roll < 0.02:
        step(at, Status.WITHDRAWN)
    elif step(at, Status.PROCESSING):
        ok = True
        if roll < 0.09:
            at += span * rng.uniform(0.2, 0.5)
            ok = step(at, Status.SUPPLEMENT) and step(
                at + timedelta(days=rng.randint(1, 6)), Status.PROCESSING
            )
        if ok and 0.09 <= roll < 0.1:
            step(at + span * 0.5, Status.STOPPED)
        elif ok:
            late = rng.random() < 0.04
            done = received + span * (rng.uniform(1.05, 1.8) if late else rng.uniform(0.3, 0.98))
            done = max(done, at + timedelta(minutes=30))
            if step(done, Status.RESOLVED):
                finished = done
                step(done + timedelta(hours=rng.randint(1, 72)), Status.RETURNED)
    return events, status.value, finished


def generate(
    url: str, scale: float, now: datetime, say: Callable[[str], None] = print
) -> LoadFigures:
    """Fill the hub at `url` (schema at head, empty) with `scale` × ten years of the
    province, with COPY; the big tables' indexes are dropped for the load and rebuilt."""
    import psycopg

    engine = open_hub_database(url)
    engine.dispose()
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    units = sorted(load_units(), key=lambda unit: unit.code)
    catalog = load_catalog()
    calendar = default_calendar()
    procedures = list(catalog.procedures)
    by_field: dict[str, list[Procedure]] = {}
    for procedure in procedures:
        by_field.setdefault(procedure.field, []).append(procedure)
    fields = [f for f in FIELD_WEIGHTS if f in by_field]
    family = [name for name, _w in FAMILY_NAMES]
    family_weights = [weight for _n, weight in FAMILY_NAMES]
    first_day = now.date() - timedelta(days=365 * YEARS)
    working = [
        first_day + timedelta(days=n)
        for n in range((now.date() - first_day).days + 1)
        if calendar.is_working_day(first_day + timedelta(days=n))
    ]
    weights = [1.0 if unit.type == "phường" else 0.4 for unit in units]
    per_unit_day = [FULL_DOSSIERS * scale * w / sum(weights) / len(working) for w in weights]
    due_cache: dict[tuple[datetime, str], datetime] = {}

    def due_of(procedure: Procedure, channel: Channel, received: datetime) -> datetime:
        key = (received.replace(minute=0), procedure.code + channel.value)
        due = due_cache.get(key)
        if due is None:
            limit = (
                procedure.online_time_limit
                if channel.is_online and procedure.online_time_limit
                else procedure.time_limit
            )
            due = due_cache[key] = calendar.due_at(received, limit)
        return due

    started = time.perf_counter()
    dossiers = events = closes = 0
    with psycopg.connect(dsn, autocommit=False) as connection:
        connection.execute("SET synchronous_commit = off")  # a bulk load: redone if lost
        kept = _drop_indexes(connection)
        connection.commit()
        for index, unit in enumerate(units):
            rng = random.Random(f"hub-scale-{unit.code}")
            hex_rng = _Rng(f"hub-scale-hex-{unit.code}")
            unit_id = f"DEMO.56.{unit.code}"
            device = f"d-scale{unit.code}"
            enrolled = datetime.combine(first_day, datetime.min.time(), VN_TZ)
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO hub_offices (office_unit, electronic_id, bound_at, bound_by) "
                    "VALUES (%s, %s, %s, 'admin')",
                    (unit.code, unit_id, enrolled.astimezone(UTC).replace(tzinfo=None)),
                )
                cursor.execute(
                    "INSERT INTO hub_devices (id, office_unit, secret, label, electronic_id, "
                    "block_first, block_last, enrolled_at, revoked, last_seen_at) "
                    "VALUES (%s, %s, %s, %s, %s, 1, 9999, %s, false, %s)",
                    (
                        device,
                        unit.code,
                        hex_rng.hash(),
                        f"Quầy 1 – {unit.short_name}",
                        unit_id,
                        enrolled.astimezone(UTC).replace(tzinfo=None),
                        now.astimezone(UTC).replace(tzinfo=None),
                    ),
                )
            made: list[tuple[Any, ...]] = []
            chain: list[_Event] = []
            for day in working:
                mean = max(0.0, rng.gauss(per_unit_day[index], per_unit_day[index] * 0.25))
                volume = int(mean) + (rng.random() < mean - int(mean))
                for number in range(volume):
                    minutes = rng.choice((rng.randint(0, 269), rng.randint(390, 599)))
                    received = datetime.combine(day, datetime.min.time(), VN_TZ) + timedelta(
                        hours=7, minutes=minutes
                    )
                    if received > now:
                        break
                    field = rng.choices(fields, [FIELD_WEIGHTS[f] for f in fields])[0]
                    choices = by_field[field]
                    procedure = rng.choices(
                        choices, [PROCEDURE_WEIGHTS.get(p.code, 1) for p in choices]
                    )[0]
                    online = procedure.online_level != "none" and rng.random() < 0.6
                    channel = (
                        (Channel.ONLINE if rng.random() < 0.8 else Channel.ASSISTED)
                        if online
                        else Channel.DIRECT
                    )
                    code = format_code(unit_id, day, number + 1)
                    due = due_of(procedure, channel, received)
                    clerk = rng.choice(CLERKS)
                    life, status, finished = _dossier_events(rng, code, received, due, now, clerk)
                    chain += life
                    made.append(
                        (code, procedure, channel, status, received, due, finished, life[-1].at)
                    )
            chain.sort(key=lambda e: e.at)
            heads: dict[str, tuple[int, str]] = {}
            with connection.cursor() as cursor:
                with cursor.copy(
                    "COPY hub_events (uuid, dossier_code, device_id, seq, hash, prev_hash, "
                    "prev_seq, payload, progress, received_at) FROM STDIN"
                ) as copy:
                    prev_hash, buffer = "0" * 64, []
                    for seq, event in enumerate(chain, start=1):
                        hash_ = hex_rng.hash()
                        payload = {
                            "kind": event.kind,
                            "at": event.at.astimezone(UTC).isoformat(),
                            "actor": event.actor,
                            "from_status": event.from_status,
                            "to_status": event.to_status,
                        }
                        progress = {"ThoiDiemXuLy": _portal(event.at), "NguoiXuLy": event.actor}
                        buffer.append(
                            _line(
                                (
                                    hex_rng.uuid(),
                                    event.code,
                                    device,
                                    seq,
                                    hash_,
                                    prev_hash,
                                    seq - 1,
                                    _jsonb(payload),
                                    _jsonb(progress),
                                    _naive(event.at),
                                )
                            )
                        )
                        heads[event.code] = (seq, hash_)
                        prev_hash = hash_
                        if len(buffer) >= 5000:
                            copy.write("".join(buffer))
                            buffer = []
                    copy.write("".join(buffer))
                with cursor.copy(
                    "COPY hub_dossiers (code, device_id, office_unit, procedure_code, "
                    "procedure_name, channel, status, received_at, due_at, head_hash, "
                    "head_seq, record, updated_at) FROM STDIN"
                ) as copy:
                    buffer = []
                    for code, procedure, channel, status, received, due, finished, last in made:
                        head_seq, head_hash = heads[code]
                        person = f"{rng.choices(family, family_weights)[0]} Văn An"
                        record = {
                            "MaHoSo": code,
                            "MaTTHC": procedure.code,
                            "KenhThucHien": str(channel.portal_code),
                            "ChuHoSo": person,
                            "TrangThaiHoSo": str(Status(status).portal_code),
                            "NgayTiepNhan": _portal(received),
                            "NgayHenTra": _portal(due),
                            "NgayKetThucXuLy": _portal(finished),
                        }
                        buffer.append(
                            _line(
                                (
                                    code,
                                    device,
                                    unit.code,
                                    procedure.code,
                                    procedure.name,
                                    channel.value,
                                    status,
                                    _naive(received),
                                    _naive(due),
                                    head_hash,
                                    head_seq,
                                    _jsonb(record),
                                    _naive(last),
                                )
                            )
                        )
                        if len(buffer) >= 5000:
                            copy.write("".join(buffer))
                            buffer = []
                    copy.write("".join(buffer))
                with cursor.copy(
                    "COPY hub_day_closes (office_unit, day, device_id, closed_at, match, "
                    "manifest, difference) FROM STDIN"
                ) as copy:
                    received_days = {received.date() for _c, _p, _ch, _s, received, *_r in made}
                    for day in working:
                        if day not in received_days or day >= now.date():
                            continue
                        matched = rng.random() > 0.01
                        closed = datetime.combine(day, datetime.min.time(), VN_TZ) + timedelta(
                            hours=17, minutes=30
                        )
                        copy.write(
                            _line(
                                (
                                    unit.code,
                                    day.isoformat(),
                                    device,
                                    _naive(closed),
                                    "t" if matched else "f",
                                    _jsonb({"office": unit.code, "date": day.isoformat()}),
                                    "{}" if matched else _jsonb({"received": {"counter": 1}}),
                                )
                            )
                        )
                        closes += 1
            connection.commit()
            dossiers += len(made)
            events += len(chain)
            say(f"  {index + 1}/{len(units)} {unit.code}: {dossiers:,} dossiers, {events:,} events")
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        _restore_indexes(connection, kept, say)
        connection.commit()
        indexed = time.perf_counter() - started
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE")
        sizes = {
            table: int(
                connection.execute("SELECT pg_total_relation_size(%s)", (table,)).fetchone()[0]  # type: ignore[index]
            )
            for table in (*BIG_TABLES, "hub_day_closes")
        }
        total = int(connection.execute("SELECT pg_database_size(current_database())").fetchone()[0])  # type: ignore[index]
    return LoadFigures(dossiers, events, closes, loaded, indexed, total, sizes)


def _drop_indexes(connection: Any) -> list[str]:
    """Drop the big tables' indexes and keys for the load; their definitions, to restore."""
    kept: list[str] = []
    for table in BIG_TABLES:
        for name, definition in connection.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass",
            (table,),
        ).fetchall():
            kept.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            connection.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, definition in connection.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", (table,)
        ).fetchall():
            kept.append(definition)
            connection.execute(f'DROP INDEX "{name}"')
    return kept


def _restore_indexes(connection: Any, kept: list[str], say: Callable[[str], None]) -> None:
    for statement in kept:
        started = time.perf_counter()
        connection.execute(statement)
        say(f"  {statement[:90]}: {time.perf_counter() - started:.0f} s")


# --- the measures -------------------------------------------------------------------------


def _timed(action: Callable[[], object], times: int) -> list[float]:
    action()  # warm: the plan cached, the pages read once
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        action()
        spent.append((time.perf_counter() - started) * 1000)
    return spent


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(url: str, now: datetime, rounds: int, workdir: Path) -> dict[str, list[float]]:
    """Milliseconds of each query, `rounds` times each after a warm-up."""
    hub = Hub(open_hub_database(url), workdir / "blobs", clock=lambda: now)
    rng = random.Random(7)
    figures: dict[str, list[float]] = {}
    with hub.session() as session:
        codes = list(
            session.execute(
                sa.text("SELECT code FROM hub_dossiers TABLESAMPLE SYSTEM (1) LIMIT 500")
            ).scalars()
        ) or list(session.execute(sa.text("SELECT code FROM hub_dossiers LIMIT 500")).scalars())
        offices = list(session.execute(sa.text("SELECT office_unit FROM hub_offices")).scalars())
    figures["code_lookup"] = []
    for code in rng.sample(codes, min(rounds * 5, len(codes))):
        started = time.perf_counter()
        hub.public_status(code)
        figures["code_lookup"].append((time.perf_counter() - started) * 1000)
    day = now.date() - timedelta(days=1)
    while not default_calendar().is_working_day(day):
        day -= timedelta(days=1)
    devices = {d.device.office_unit: d.device for d in hub.devices()}
    figures["day_close"] = []
    for office in rng.sample(offices, min(rounds, len(offices))):
        device = devices[office]
        manifest = dict(hub.counts(office, day, device.id))
        body = {"protocol": 1, "device": device.id, "manifest": manifest}
        started = time.perf_counter()
        answer = hub.day_close(device, body)
        figures["day_close"].append((time.perf_counter() - started) * 1000)
        assert "chain_unlinked" not in answer["difference"], answer["difference"]
    try:
        from counter_app.hub import dashboard
    except ImportError:  # the dashboard's queries are not there: nothing to time
        return figures
    today = now.astimezone(VN_TZ).date()
    with hub.session_factory() as session:
        figures["overview"] = _timed(lambda: dashboard.overview(session, today), rounds)
        start = today.replace(day=1)
        figures["commune_page"] = []
        for office in rng.sample(offices, min(rounds, len(offices))):
            began = time.perf_counter()
            dashboard.commune_page(session, office, start, today, today)
            figures["commune_page"].append((time.perf_counter() - began) * 1000)
    hub.engine.dispose()
    return figures


def results(
    load: LoadFigures | None, figures: dict[str, list[float]], scale: float
) -> list[Result]:
    note = f"scale {scale:g} of 8 M dossiers / 40 M events"
    out: list[Result] = []
    if load is not None:
        out += [
            Result("hub_scale_dossiers", load.dossiers, "dossiers", note=note),
            Result("hub_scale_events", load.events, "events"),
            Result(
                "hub_scale_load_rows_per_s",
                (load.dossiers + load.events) / load.seconds_generate_copy,
                "rows/s",
                higher_is_better=True,
                note="generate + COPY",
            ),
            Result("hub_scale_index_s", load.seconds_index, "s", note="indexes and keys rebuilt"),
            Result("hub_scale_database_gib", load.bytes_total / 2**30, "GiB"),
        ]
    targets = {"code_lookup": 10, "day_close": 1000, "overview": 300, "commune_page": 500}
    for name, values in figures.items():
        if not values:
            continue
        out.append(Result(f"hub_scale_{name}_median_ms", statistics.median(values), "ms"))
        out.append(Result(f"hub_scale_{name}_p95_ms", _p95(values), "ms", target=targets[name]))
    return out


def run(quick: bool, workdir: Path) -> list[Result]:
    scale = 0.0002 if quick else 0.01
    now = datetime.now(VN_TZ)
    url = os.environ.get(PG_URL_ENV) or os.environ.get(TEST_PG_URL_ENV)
    if url:
        return _run_on(fresh_database(url, "hub_scale_bench"), scale, now, workdir, quick)
    with postgres_server() as server:
        return _run_on(fresh_database(server, "hub_scale_bench"), scale, now, workdir, quick)


def _run_on(url: str, scale: float, now: datetime, workdir: Path, quick: bool) -> list[Result]:
    load = generate(url, scale, now, say=lambda _text: None)
    figures = measure(url, now, 5 if quick else 20, workdir)
    return results(load, figures, scale)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_hub_scale")
    parser.add_argument("--scale", type=float, default=0.01, help="1 = 8 M dossiers")
    parser.add_argument("--database", help="an empty PostgreSQL database (URL)")
    parser.add_argument("--measure-only", action="store_true", help="the data is there")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)
    now = datetime.now(VN_TZ)
    with tempfile.TemporaryDirectory(prefix="hubscale-") as workdir:
        url = args.database
        if url is None:
            raise SystemExit("--database URL required (an empty PostgreSQL database)")
        load = None
        if not args.measure_only:
            load = generate(url, args.scale, now)
            print(load, flush=True)
        figures = measure(url, now, args.rounds, Path(workdir))
        for result in results(load, figures, args.scale):
            print(f"{result.name}: {result.value:.4g} {result.unit}", result.met or "", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
