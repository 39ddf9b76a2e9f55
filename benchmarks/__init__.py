"""Benchmarks: `python -m benchmarks [--quick] [--json FILE]`.

Each module listed in `MODULES` has `run(quick: bool, workdir: Path) -> list[Result]`.
Figures go to docs/performance.md by hand after a run on the reference machine.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

MODULES: tuple[str, ...] = (
    "benchmarks.bench_core",
    "benchmarks.bench_desk",
    "benchmarks.bench_scan",
    "benchmarks.bench_reports",
    "benchmarks.bench_sync",
    "benchmarks.bench_forms",
    "benchmarks.bench_startup",
    "benchmarks.bench_demo",
    "benchmarks.bench_hub_ingest",
    "benchmarks.bench_hub_scale",
)


@dataclass(frozen=True)
class Result:
    name: str
    value: float
    unit: str
    target: float | None = None
    higher_is_better: bool = False
    note: str = ""

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        if self.higher_is_better:
            return self.value >= self.target
        return self.value <= self.target

    def to_json(self) -> dict[str, Any]:
        document = asdict(self)
        document["met"] = self.met
        return document
