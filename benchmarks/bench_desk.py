"""The dossier desk over 1,000,000 dossiers (20,000 in quick mode).

The dossiers are bulk-inserted with raw SQL, the FTS index rebuilt once, then the desk's
own Qt model (offscreen) is driven as the clerk would: open, scroll deep, filter, search.
Each step runs REPEATS times (a fresh request each time: the filter set again, another deep
page); its figure is the 95th percentile of the time from the request to the model's
signal, the median in the note. "GUI stall" is the longest gap between ticks of a precise
STALL_TICK_MS timer on the GUI thread over all runs of the step: the event loop never
waited longer than that (the gap includes the tick itself).

`COUNTER_BENCH_DESK_DATA=<folder>` keeps the generated database there and starts from a
copy of it next time (generation takes minutes); it is brought to the newest migration
like any data directory, and the time that took is reported.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from benchmarks import Result
from benchmarks.bench_reports import _stamp
from counter_app.domain.lifecycle import Channel, Status
from counter_app.domain.text import fold
from counter_app.dossiers.service import DossierFilter
from counter_app.kernel.config import AppConfig, OfficeConfig, save_config
from counter_app.kernel.context import open_context
from counter_app.kernel.dossier_store import ensure_office
from counter_app.store.engine import SQLITE_FILE_NAME
from counter_app.store.search import name_key

OFFICE = OfficeConfig("22333", "000.00.22.H56", "Trung tâm PVHCC Phường Bắc Nha Trang")
NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi", "Đỗ")
MIDDLE = ("Văn", "Thị", "Hữu", "Ngọc", "Minh", "Thanh", "Đức", "Kim")
GIVEN = ("An", "Bình", "Đạt", "Hoa", "Hùng", "Lan", "Linh", "Nam", "Tâm", "Tuyết", "Phúc", "Oanh")
STATUSES = ("returned",) * 80 + ("resolved", "processing", "received", "supplement") * 5
CHANNELS = ("direct", "online", "assisted", "postal")
REPEATS = 15
QUICK_REPEATS = 3
STALL_TICK_MS = 4
STALL_TARGET_MS = 16
STEP_TARGET_MS = 50
CACHE_ENV = "COUNTER_BENCH_DESK_DATA"


def generate(database: Path, count: int, office_id: int, procedures: list[tuple[str, str]]) -> None:
    """Raw executemany without the per-row FTS trigger, then one FTS rebuild."""
    rng = random.Random(7)
    start = NOW - timedelta(days=3 * 365)
    step = (NOW - start).total_seconds() / count
    rows = []
    for i in range(1, count + 1):
        received = start + timedelta(seconds=step * i)
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        id_number = f"0560{rng.randrange(10**8):08d}"
        code = f"000.00.22.H56-{received:%y%m%d}-{i:07d}"
        status = rng.choice(STATUSES)
        procedure_code, procedure_name = rng.choice(procedures)
        rows.append(
            (
                i, code, office_id, procedure_code, procedure_name, "2026.1",
                rng.choice(CHANNELS), status, "person", name, id_number, "{}",
                _stamp(received), _stamp(received), "tiepnhan1", _stamp(received),
                _stamp(received + timedelta(days=rng.choice((1, 3, 5, 7, 15)))),
                rng.choice(("tuphap", "diachinh", "vhxh", None)),
                fold(f"{code} {name} {id_number}"),
                name_key(name),
            )
        )  # fmt: skip
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("DROP TRIGGER dossier_search_insert")
    connection.executemany(
        "INSERT INTO dossiers (id, code, office_id, procedure_code, procedure_name,"
        " catalog_version, channel, status, applicant_kind, applicant_name,"
        " applicant_id_number, applicant, submitted_at, received_at, received_by, entered_at,"
        " due_at, handler, search_folded, search_name, procedure_field, late_entry,"
        " supplement_count, fee_total, head_hash) VALUES ("
        + ",".join("?" * 20)
        + ", '', 0, 0, 0, '')",
        rows,
    )
    connection.execute("INSERT INTO dossier_search(dossier_search) VALUES('rebuild')")
    connection.execute(
        "CREATE TRIGGER dossier_search_insert AFTER INSERT ON dossiers BEGIN "
        "INSERT INTO dossier_search(rowid, search_folded, search_name)"
        " VALUES (new.id, new.search_folded, new.search_name); END"
    )
    connection.commit()
    connection.execute("ANALYZE")
    connection.close()


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (`share` of 1): with 15 runs, p95 is the slowest but one."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


def _prepare(data_dir: Path, count: int, label: str) -> list[Result]:
    """The data directory with `count` dossiers: generated, or copied from the cache."""
    cache = Path(os.environ[CACHE_ENV]) / label if os.environ.get(CACHE_ENV) else None
    database = data_dir / SQLITE_FILE_NAME
    if cache is not None and (cache / SQLITE_FILE_NAME).exists():
        shutil.copyfile(cache / SQLITE_FILE_NAME, database)
        started = time.perf_counter()
        open_context(data_dir, clock=lambda: NOW).close()  # the newest migrations
        return [Result(f"desk_migrate_{label}_dossiers_s", time.perf_counter() - started, "s")]
    ctx = open_context(data_dir, clock=lambda: NOW)
    with ctx.session() as session:
        office_id = ensure_office(session, ctx).id
    procedures = [(p.code, p.name) for p in ctx.catalog.procedures]
    ctx.close()
    started = time.perf_counter()
    generate(database, count, office_id, procedures)
    results = [Result(f"desk_generate_{label}_dossiers_s", time.perf_counter() - started, "s")]
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(database)
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        shutil.copyfile(database, cache / SQLITE_FILE_NAME)
    return results


def run(quick: bool, workdir: Path) -> list[Result]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from ui.desk_model import PAGE_SIZE, DossierTableModel

    app = QApplication.instance() or QApplication([])
    data_dir = workdir / "desk-data"
    data_dir.mkdir()
    save_config(data_dir, AppConfig(office=OFFICE))
    count = 20_000 if quick else 1_000_000
    repeats = QUICK_REPEATS if quick else REPEATS
    label = "1M" if count == 1_000_000 else f"{count // 1000}k"
    results = _prepare(data_dir, count, label)
    ctx = open_context(data_dir, clock=lambda: NOW)

    model = DossierTableModel(ctx)
    stall = {"last": 0.0, "max": 0.0}

    def tick() -> None:
        now = time.perf_counter()
        if stall["last"]:
            stall["max"] = max(stall["max"], now - stall["last"])
        stall["last"] = now

    ticker = QTimer()
    ticker.setTimerType(Qt.TimerType.PreciseTimer)
    ticker.setInterval(STALL_TICK_MS)
    ticker.timeout.connect(tick)
    ticker.start()

    def wait_for(signal: object, trigger: Callable[[], object]) -> float:
        """Milliseconds from `trigger()` to `signal`, the event loop turning meanwhile."""
        loop = QEventLoop()
        signal.connect(loop.quit)  # type: ignore[attr-defined]
        started = time.perf_counter()
        trigger()
        loop.exec()
        signal.disconnect(loop.quit)  # type: ignore[attr-defined]
        return (time.perf_counter() - started) * 1000

    def timed(
        name: str,
        signal: object,
        trigger: Callable[[int], object],
        *,
        prepare: Callable[[], object] | None = None,
        note: str = "",
    ) -> None:
        """`trigger(run)` REPEATS times (`prepare()` before each, not timed)."""
        times = []
        worst_stall = 0.0
        for run in range(repeats):
            if prepare is not None:
                prepare()
            stall["last"] = 0.0
            stall["max"] = 0.0
            times.append(wait_for(signal, lambda run=run: trigger(run)))  # type: ignore[misc]
            worst_stall = max(worst_stall, stall["max"])
        median = statistics.median(times)
        summary = f"p95 of {len(times)}, median {median:.1f} ms"
        results.append(
            Result(
                f"desk_{name}_{label}_ms",
                percentile(times, 0.95),
                "ms",
                target=STEP_TARGET_MS,
                note=f"{summary}; {note}" if note else summary,
            )
        )
        results.append(
            Result(
                f"desk_{name}_{label}_gui_stall_ms",
                worst_stall * 1000,
                "ms",
                target=STALL_TARGET_MS,
            )
        )

    def filtered(name: str, flt: DossierFilter) -> None:
        timed(f"{name}_count", model.count_loaded, lambda _run: model.set_filter(flt))
        rows = model.rowCount()
        if rows:
            # After the filter is set again each time: the first page is never there yet.
            timed(f"{name}_first_page", model.page_loaded, lambda _run: model.dossier_at(0),
                  prepare=lambda: wait_for(model.count_loaded, lambda: model.set_filter(flt)),
                  note=f"{rows} rows")  # fmt: skip

    def deep(first_row: int) -> Callable[[int], object]:
        """Another page from `first_row` on each run, never one already loaded."""
        return lambda run: model.dossier_at(min(count - 1, first_row + 3 * PAGE_SIZE * run))

    filtered("open", DossierFilter())
    timed("page_middle", model.page_loaded, deep(count // 2 - 3 * PAGE_SIZE * repeats // 2))
    timed("page_last", model.page_loaded, deep(count - PAGE_SIZE // 2 - 3 * PAGE_SIZE * repeats))
    filtered("status_processing", DossierFilter(status=(Status.PROCESSING,)))
    filtered("late", DossierFilter(due_before=NOW))
    filtered(
        "online_last_month",
        DossierFilter(
            channel=(Channel.ONLINE,),
            received_from=date(2026, 10, 20),
            received_to=date(2026, 11, 19),
        ),
    )
    filtered("search_name", DossierFilter(search="nguyen van dat"))
    filtered("search_broad", DossierFilter(search="tuyet"))
    # Typed with accents: those accents only, the whole name first.
    filtered("search_name_accents", DossierFilter(search="Nguyễn Văn Đạt"))
    filtered("search_broad_accents", DossierFilter(search="Tuyết"))
    filtered("search_code", DossierFilter(search=f"{count - 30:07d}"))  # a code's number
    ticker.stop()
    ctx.close()
    del app
    return results
