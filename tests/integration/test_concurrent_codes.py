"""Two processes taking dossier codes at the same moment never share a number."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from counter_app.dossiers.service import DossierFilter, list_dossiers
from counter_app.kernel.context import open_context
from tests.conftest import make_data_dir

WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from counter_app.domain.applicants import Person
    from counter_app.kernel.context import open_context
    from counter_app.dossiers.service import IntakeRequest, intake
    from counter_app.kernel.users import SYSTEM_ACTOR

    ctx = open_context(Path(sys.argv[1]))
    start = float(sys.argv[2])
    while time.time() < start:
        time.sleep(0.001)
    for i in range(int(sys.argv[3])):
        person = Person(name=f"Nguyễn Văn {i}", id_number="056090012345")
        print(intake(ctx, IntakeRequest("1.004873", person), SYSTEM_ACTOR).code, flush=True)
    ctx.close()
    """
)


def _race(data_dir: Path, per_process: int) -> list[str]:
    import time

    open_context(data_dir).close()  # migrate once, before the race
    start = str(time.time() + 1.5)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(data_dir), start, str(per_process)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    codes: list[str] = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        codes.extend(out.split())
    return codes


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_codes_are_unique_under_two_processes(
    request: pytest.FixtureRequest, tmp_path: Path, database: str
) -> None:
    url = request.getfixturevalue("pg_url") if database == "postgresql" else None
    data_dir = make_data_dir(tmp_path, url)
    codes = _race(data_dir, 15)
    assert len(codes) == 30
    assert len(set(codes)) == 30
    numbers = sorted(int(code.rsplit("-", 1)[1]) for code in codes)
    assert numbers == list(range(1, 31))  # no gap, no repeat
    ctx = open_context(data_dir)
    try:
        stored = list_dossiers(ctx, DossierFilter(), limit=100)
    finally:
        ctx.close()
    assert sorted(d.code for d in stored) == sorted(codes)
