"""Core figures: intake latency (with its fsync), search and verify at volume."""

from __future__ import annotations

import random
import statistics
import time
from datetime import datetime
from pathlib import Path

from benchmarks import Result
from counter_app.domain.applicants import Person
from counter_app.domain.calendar import VN_TZ
from counter_app.dossiers.service import DossierFilter, IntakeRequest, intake, list_dossiers
from counter_app.kernel.config import AppConfig, OfficeConfig, save_config
from counter_app.kernel.context import open_context
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.maintenance.service import verify

OFFICE = OfficeConfig("22333", "000.00.22.H56", "Trung tâm PVHCC Phường Bắc Nha Trang")
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi")
GIVEN = ("An", "Bình", "Đức", "Hoa", "Lan", "Minh", "Phước", "Tâm", "Tuyết", "Vy")


def run(quick: bool, workdir: Path) -> list[Result]:
    data_dir = workdir / "data"
    data_dir.mkdir()
    save_config(data_dir, AppConfig(office=OFFICE))
    count = 300 if quick else 3000
    rng = random.Random(7)
    # A settable clock: intake may read it more than once per dossier.
    now = [datetime(2026, 3, 2, 8, 0, tzinfo=VN_TZ)]
    ctx = open_context(data_dir, clock=lambda: now[0])
    durations = []
    for i in range(count):
        now[0] = datetime(2026, 3, 2 + (i // 400), 8, 0, tzinfo=VN_TZ)
        person = Person(
            name=f"{rng.choice(FAMILY)} Văn {rng.choice(GIVEN)}", id_number=f"056090{i:06d}"
        )
        started = time.perf_counter()
        intake(ctx, IntakeRequest("1.004873", person), SYSTEM_ACTOR)
        durations.append(time.perf_counter() - started)
    results = [
        Result("intake_median_ms", statistics.median(durations) * 1000, "ms", target=100),
        Result(
            "intake_p95_ms",
            sorted(durations)[int(len(durations) * 0.95)] * 1000,
            "ms",
            target=250,
        ),
    ]
    started = time.perf_counter()
    for query in ("nguyen van", "duc", "tran van an", "056090000"):
        list_dossiers(ctx, DossierFilter(search=query), limit=50)
    results.append(
        Result(f"search_4_queries_{count}_ms", (time.perf_counter() - started) * 1000, "ms")
    )
    started = time.perf_counter()
    report = verify(ctx)
    assert report.ok, report.problems
    results.append(Result(f"verify_{count}_dossiers_s", time.perf_counter() - started, "s"))
    ctx.close()
    return results
