"""Every benchmark still runs (at its --quick size): a broken one is a red test, not a
surprise on the next measuring day. Speed is not asserted here; figures go to
docs/performance.md from a full run."""

from __future__ import annotations

import importlib
import json
import math
from pathlib import Path

import pytest

from benchmarks import MODULES, Result
from benchmarks.__main__ import main as run_benchmarks


@pytest.mark.parametrize("module_name", MODULES)
def test_each_benchmark_runs_and_returns_finite_figures(module_name: str, tmp_path: Path) -> None:
    results = importlib.import_module(module_name).run(True, tmp_path)
    assert results, f"{module_name} measured nothing"
    names = [result.name for result in results]
    assert len(names) == len(set(names)), "two figures under one name"
    for result in results:
        assert isinstance(result, Result) and result.name and result.unit
        assert math.isfinite(result.value) and result.value >= 0, result
        assert result.target is None or math.isfinite(result.target)


def test_the_runner_writes_json_and_selects_modules(tmp_path: Path, capsys) -> None:
    out = tmp_path / "results.json"
    assert run_benchmarks(["--quick", "--only", "no-such-benchmark", "--json", str(out)]) == 0
    assert json.loads(out.read_text()) == [] and capsys.readouterr().out == ""
    with pytest.raises(SystemExit):
        run_benchmarks(["--size", "huge"])
