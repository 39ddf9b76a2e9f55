"""Report figures: the monthly Biểu 06 over 1,000,000 dossiers (20,000 in quick mode).

The dossiers are bulk-inserted straight into SQLite (three years of receipts, most
returned, some refused/withdrawn/stopped with their closing event, the last two months
partly open, about 6 % with one or two supplement requests and their moves, as `move`
records them), then the report runs through the same service the CLI calls.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from benchmarks import Result
from counter_app.domain.periods import PeriodKind
from counter_app.kernel.config import AppConfig, OfficeConfig, save_config
from counter_app.kernel.context import open_context
from counter_app.kernel.dossier_store import ensure_office
from counter_app.reports.service import dashboard_summary, period_for, report_periodic
from counter_app.store.engine import SQLITE_FILE_NAME

OFFICE = OfficeConfig("22333", "000.00.22.H56", "Trung tâm PVHCC Phường Bắc Nha Trang")
TODAY = date(2026, 11, 20)
YEARS = 3
CHANNELS = ("direct",) * 40 + ("online",) * 45 + ("assisted",) * 13 + ("postal",) * 2
HANDLERS = ("tuphap", "diachinh", "vhxh", "tiepnhan1", None)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _event(
    uuid: str, dossier_id: int, moved: tuple[str, str], at: datetime, data: str
) -> tuple[object, ...]:
    return (uuid, dossier_id, "moved", *moved, "tiepnhan1", "clerk", _stamp(at), data, "", "", uuid)


def _supplement_moves(
    i: int, received: datetime, due: datetime, requests: int, status: str
) -> tuple[list[tuple[object, ...]], datetime, datetime | None]:
    """The moves of `requests` supplement requests: (events, the due date after them, the
    pause still open for a dossier waiting now)."""
    events = []
    for n in range(1, requests + 1):
        asked = received + timedelta(hours=2 * n - 1)
        events.append(_event(f"s{i:029d}-{n:05d}", i, ("processing", "supplement"), asked, "{}"))
        if status == "supplement" and n == requests:
            return events, due, asked
        extended = due + timedelta(hours=2)
        data = json.dumps({"previous_due_at": due.isoformat(), "due_at": extended.isoformat()})
        moved = ("supplement", "processing")
        events.append(_event(f"r{i:029d}-{n:05d}", i, moved, asked + timedelta(hours=2), data))
        due = extended
    return events, due, None


def generate(
    database: Path, count: int, office_id: int, procedures: list[tuple[str, str, str]]
) -> None:
    rng = random.Random(11)
    start = datetime(TODAY.year - YEARS, TODAY.month, TODAY.day, 1, 0, tzinfo=UTC)
    span = (datetime(TODAY.year, TODAY.month, TODAY.day, 1, tzinfo=UTC) - start).total_seconds()
    recent = datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=UTC) - timedelta(days=60)
    dossiers = []
    events = []
    for i in range(1, count + 1):
        received = start + timedelta(seconds=span * i / count)
        code, name, field = rng.choice(procedures)
        due = received + timedelta(days=rng.choice((1, 3, 5, 7, 15)))
        roll = rng.random()
        resolved = returned = None
        if received > recent and roll < 0.3:
            status = rng.choice(("received", "processing", "supplement", "fees_due"))
        elif roll < 0.05:
            status = rng.choice(("refused", "withdrawn", "stopped"))
        else:
            status = "returned" if roll < 0.93 else "resolved"
            resolved = received + timedelta(days=rng.uniform(0.1, 9))
            returned = resolved + timedelta(days=1) if status == "returned" else None
        supplements = 2 if rng.random() < 0.01 else (1 if rng.random() < 0.05 else 0)
        if status == "supplement":
            supplements = max(supplements, 1)
        # Each request waits two hours, and pushes the due date (and any result) as far.
        history, due, paused = _supplement_moves(i, received, due, supplements, status)
        events.extend(history)
        if resolved is not None:
            resolved += timedelta(hours=2 * supplements)
            returned = resolved + timedelta(days=1) if status == "returned" else None
        dossiers.append(
            (
                i,
                f"000.00.22.H56-{received:%y%m%d}-{i:07d}",
                office_id,
                code,
                name,
                field,
                "2026.1",
                rng.choice(CHANNELS),
                status,
                "person",
                "Nguyễn Văn An",
                "{}",
                _stamp(received),
                _stamp(received),
                "tiepnhan1",
                _stamp(received),
                _stamp(due),
                paused and _stamp(paused),
                resolved and _stamp(resolved),
                returned and _stamp(returned),
                rng.choice(HANDLERS),
                0,
                supplements,
                0,
                "nguyen van an",
                "",
            )
        )
        if status in ("refused", "withdrawn", "stopped"):
            closed = received + timedelta(days=rng.uniform(0, 4), hours=2 * supplements)
            events.append(
                (
                    f"{i:036d}",
                    i,
                    "moved",
                    "processing",
                    status,
                    "tiepnhan1",
                    "clerk",
                    _stamp(closed),
                    "{}",
                    "",
                    "",
                    f"h{i}",
                )
            )
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA synchronous=OFF")
    # The search index is not what is measured here: skip its per-row trigger.
    connection.execute("DROP TRIGGER IF EXISTS dossier_search_insert")
    connection.executemany(
        "INSERT INTO dossiers (id, code, office_id, procedure_code, procedure_name,"
        " procedure_field, catalog_version, channel, status, applicant_kind, applicant_name,"
        " applicant, submitted_at, received_at, received_by, entered_at, due_at, paused_at,"
        " resolved_at, returned_at, handler, late_entry, supplement_count, fee_total,"
        " search_folded, head_hash)"
        " VALUES (" + ",".join("?" * 26) + ")",
        dossiers,
    )
    connection.executemany(
        "INSERT INTO events (uuid, dossier_id, kind, from_status, to_status, actor, actor_role,"
        " at, data, state_digest, prev_hash, hash) VALUES (" + ",".join("?" * 12) + ")",
        events,
    )
    connection.commit()
    connection.execute("ANALYZE")
    connection.close()


def run(quick: bool, workdir: Path) -> list[Result]:
    data_dir = workdir / "data"
    data_dir.mkdir()
    save_config(data_dir, AppConfig(office=OFFICE))
    count = 20_000 if quick else 1_000_000
    now = datetime(TODAY.year, TODAY.month, TODAY.day, 10, tzinfo=UTC)
    ctx = open_context(data_dir, clock=lambda: now)
    with ctx.session() as session:
        office_id = ensure_office(session, ctx).id
    procedures = [(p.code, p.name, p.field) for p in ctx.catalog.procedures]
    started = time.perf_counter()
    generate(data_dir / SQLITE_FILE_NAME, count, office_id, procedures)
    results = [Result(f"reports_generate_{count}_dossiers_s", time.perf_counter() - started, "s")]
    label = "1M" if count == 1_000_000 else f"{count // 1000}k"
    for kind, number, target in (
        (PeriodKind.MONTHLY, TODAY.month - 1, 1.0),
        (PeriodKind.QUARTERLY, 3, None),
        (PeriodKind.YEARLY, 1, None),
    ):
        period = period_for(ctx, kind, TODAY.year, number)
        report_periodic(ctx, period)  # warm the page cache once, as a second run would be
        started = time.perf_counter()
        report = report_periodic(ctx, period)
        elapsed = time.perf_counter() - started
        assert report.totals["received"] == report.totals["resolved"] + report.totals["in_progress"]
        results.append(
            Result(
                f"report_{kind.value}_{label}_s",
                elapsed,
                "s",
                target=target,
                note=f"{report.totals['received']} dossiers counted, {len(report.rows)} rows",
            )
        )
    started = time.perf_counter()
    dashboard_summary(ctx)
    results.append(
        Result(
            f"dashboard_summary_{label}_s",
            time.perf_counter() - started,
            "s",
            target=2.0,
            note="today, this month's report, 12-month trend in one query, per staff, late list",
        )
    )
    ctx.close()
    return results
