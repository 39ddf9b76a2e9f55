"""kill -9 at random points of intake, scanning, printing, sync, backup, restore and demo.

Each round forks a child that runs the phase (kill_worker.py), kills it with SIGKILL after
a random delay (a quarter of the rounds anywhere from its start, the rest once it has the
database open), then checks the data directory as the next start of the program finds it:
`verify` passes, everything the child reported done is there, the day's codes run 1..n
with no gap and no duplicate, no file is half written, and what a killed run left beside
its files is gone once the same operation has run again. The figures go to
`reliability-kills.json` in pytest's base temp folder, and are printed with `-s`.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from counter_app.demo.generator import DemoOptions, generate_demo
from counter_app.demo.unfinished import MARKER_FILE
from counter_app.domain.codes import parse_code
from counter_app.hub.models import HubDossier, HubEvent, HubPage
from counter_app.kernel.context import AppContext, open_context
from counter_app.maintenance.service import BACKUP_SCRATCH_PREFIX, backup, restore, verify
from counter_app.store.models import CodeSequence, Dossier, Event, OutboxItem, Page
from counter_app.sync.service import enroll, run_sync
from tests.conftest import make_data_dir
from tests.reliability import kill_worker
from tests.reliability.budget import kills
from tests.sync_support import running_hub

pytestmark = pytest.mark.slow

LEFTOVER_SUFFIXES = (".tmp", ".partial")


@dataclass
class Tally:
    """What one phase did: rounds, kills that landed, and what was checked after them."""

    phase: str
    rounds: int = 0
    killed: int = 0
    finished_first: int = 0
    reported_done: int = 0
    leftovers_seen: Counter[str] = field(default_factory=Counter)
    losses: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)


@dataclass
class Harness:
    forkserver: object
    work: Path
    data_dir: Path
    since: float = field(default_factory=time.time)
    figures: pytest.TempPathFactory | None = None

    def round(self, tally: Tally, phase: str, seed: int, window: float) -> None:
        """Start the phase in a child, kill it after a random delay, wait for it."""
        rng = random.Random(seed)
        ready_before = self.log_lines().count("ready")
        process = self.forkserver.Process(  # type: ignore[attr-defined]
            target=_child,
            args=(phase, str(self.data_dir), str(self.work), seed, self.since),
            daemon=True,
        )
        process.start()
        if rng.random() >= 0.25:
            deadline = time.monotonic() + 60
            while self.log_lines().count("ready") == ready_before and process.is_alive():
                assert time.monotonic() < deadline, f"{phase}: the child never opened the data"
                time.sleep(0.002)
        time.sleep(rng.uniform(0, window))
        process.kill()
        process.join(30)
        error = self.work / "error"
        assert not error.exists(), error.read_text()
        tally.rounds += 1
        if process.exitcode == -9:
            tally.killed += 1
        else:
            assert process.exitcode == 0, f"{phase}: child ended with {process.exitcode}"
            tally.finished_first += 1
        if self.figures is not None:  # after every round, so a long run stopped early counts
            record(tally, self.figures)

    def log_lines(self) -> list[str]:
        log = self.work / "log"
        return log.read_text().splitlines() if log.exists() else []

    def done(self) -> list[str]:
        return [line for line in self.log_lines() if line != "ready"]


def _child(phase: str, data_dir: str, work: str, seed: int, since: float) -> None:
    try:
        kill_worker.run(phase, data_dir, work, seed, since)
    except BaseException:
        import traceback

        (Path(work) / "error").write_text(traceback.format_exc())
        raise


def leftovers(*folders: Path) -> list[str]:
    """Half-written files and working folders a killed operation may leave."""
    found = []
    for folder in folders:
        if not folder.exists():
            continue
        for path in folder.rglob("*"):
            name = path.name
            scratch = name.startswith(BACKUP_SCRATCH_PREFIX) or ".restore-" in name
            if name.endswith(LEFTOVER_SUFFIXES) or scratch:
                found.append(str(path.relative_to(folder)))
    return sorted(found)


def verified(data_dir: Path, clock: Callable[[], object] | None = None) -> AppContext:
    ctx = open_context(data_dir, **({"clock": clock} if clock else {}))  # type: ignore[arg-type]
    report = verify(ctx)
    assert report.ok, report.problems
    return ctx


def codes_have_no_gap(ctx: AppContext) -> list[str]:
    """Every day's codes run first..last of the sequence taken, once each."""
    with ctx.session() as session:
        codes = session.execute(sa.select(Dossier.code)).scalars().all()
        taken = {
            row.day: row.last_value for row in session.execute(sa.select(CodeSequence)).scalars()
        }
    by_day: dict[object, list[int]] = {}
    for code in codes:
        parsed = parse_code(code)
        by_day.setdefault(parsed.day, []).append(parsed.sequence)
    first = ctx.config.sequence_first or 1
    for day, numbers in by_day.items():
        assert sorted(numbers) == list(range(first, first + len(numbers))), (day, numbers)
        assert taken[day] == first + len(numbers) - 1, (day, taken[day], len(numbers))
    return list(codes)


def record(tally: Tally, tmp_path_factory: pytest.TempPathFactory, *, show: bool = False) -> None:
    path = tmp_path_factory.getbasetemp() / "reliability-kills.json"
    figures = json.loads(path.read_text()) if path.exists() else {}
    figures[tally.phase] = {
        "rounds": tally.rounds,
        "killed": tally.killed,
        "finished_before_the_kill": tally.finished_first,
        "reported_done": tally.reported_done,
        "leftovers_seen_then_cleaned": dict(tally.leftovers_seen),
        "losses": tally.losses,
        "seconds": round(time.monotonic() - tally.started, 1),
    }
    path.write_text(json.dumps(figures, indent=1))
    if show:
        print(f"\n{tally.phase}: {json.dumps(figures[tally.phase])}")


def harness(
    forkserver: object, tmp_path: Path, figures: pytest.TempPathFactory | None = None
) -> Harness:
    work = tmp_path / "work"
    (work / "out").mkdir(parents=True)
    data_dir = make_data_dir(tmp_path)
    open_context(data_dir).close()  # migrated once, outside the kills
    return Harness(forkserver, work, data_dir, figures=figures)


def seed_dossiers(h: Harness, count: int) -> list[str]:
    import random as _random

    with open_context(h.data_dir, clock=kill_worker.OfficeDay(h.since)) as ctx:
        rng = _random.Random(0)
        codes = [kill_worker.one_intake(ctx, rng) for _ in range(count)]
    (h.work / "codes").write_text("\n".join(codes))
    return codes


def test_kill_during_intake(forkserver, tmp_path, tmp_path_factory) -> None:
    tally, h = Tally("intake"), harness(forkserver, tmp_path, tmp_path_factory)
    for seed in range(kills("intake")):
        h.round(tally, "intake", seed, window=0.15)
        with verified(h.data_dir) as ctx:
            codes = set(codes_have_no_gap(ctx))
        printed = h.done()
        assert len(printed) == len(set(printed))
        missing = sorted(set(printed) - codes)
        tally.losses.extend(missing)
        assert not missing, f"printed but lost: {missing}"
        assert leftovers(h.data_dir) == []
    tally.reported_done = len(h.done())
    record(tally, tmp_path_factory, show=True)
    assert tally.killed >= tally.rounds // 2


def test_kill_during_scanning(forkserver, tmp_path, tmp_path_factory) -> None:
    tally, h = Tally("scanning"), harness(forkserver, tmp_path, tmp_path_factory)
    seed_dossiers(h, 4)
    for seed in range(kills("scanning")):
        h.round(tally, "scanning", seed, window=0.2)
        with verified(h.data_dir) as ctx, ctx.session() as session:
            rows = session.execute(
                sa.select(Page.sha256, Page.dossier_id, Page.document_id, Page.position)
            ).all()
        groups: dict[tuple[int, int | None], list[int]] = {}
        for _sha, dossier, document, position in rows:
            groups.setdefault((dossier, document), []).append(position)
        for key, positions in groups.items():
            assert sorted(positions) == list(range(1, len(positions) + 1)), key
        stored = {row.sha256 for row in rows}
        reported = {sha for line in h.done() for sha in line.split()}
        missing = sorted(reported - stored)
        tally.losses.extend(missing)
        assert not missing, f"scanned but lost: {missing}"
        left = leftovers(h.data_dir)
        tally.leftovers_seen.update(Path(name).suffix for name in left)
        # A kill between a page's temporary file and its link leaves the temporary file (whole
        # or not, never under a page's name) until a later write into its folder sweeps it,
        # a minute on (tests/unit/test_scan_pages.py): counted here.
        assert all(name.startswith("pages") and name.endswith(".tmp") for name in left), left
    tally.reported_done = len(h.done())
    record(tally, tmp_path_factory, show=True)


def test_kill_during_printing(forkserver, tmp_path, tmp_path_factory) -> None:
    tally, h = Tally("printing"), harness(forkserver, tmp_path, tmp_path_factory)
    codes = seed_dossiers(h, 3)
    out = h.work / "out"
    for seed in range(kills("printing")):
        h.round(tally, "printing", seed, window=0.5)
        verified(h.data_dir).close()
        for pdf in out.glob("*.pdf"):  # what a clerk would open: whole, or not there
            assert len(PdfReader(pdf).pages) >= 1, pdf
        left = leftovers(out, h.data_dir)
        tally.leftovers_seen.update("print .tmp" for _ in left)
        assert all(name.endswith(".pdf.tmp") for name in left), left
        if left:  # printing the same receipt again replaces the leftover
            with open_context(h.data_dir) as ctx:
                for name in kill_worker.PRINT_NAMES:
                    from counter_app.documents.forms import render_form
                    from counter_app.documents.templates import FormKind
                    from counter_app.files import write_atomically

                    write_atomically(out / name, render_form(ctx, FormKind.RECEIPT, codes[0]).pdf)
            assert leftovers(out, h.data_dir) == []
    names = [line.split()[0] for line in h.done()]
    assert set(names) <= {p.name for p in out.glob("*.pdf")}
    tally.reported_done = len(names)
    record(tally, tmp_path_factory, show=True)


def test_kill_during_sync(forkserver, tmp_path, tmp_path_factory) -> None:
    tally = Tally("sync")
    with running_hub(tmp_path / "hub") as hub:
        h = harness(forkserver, tmp_path, tmp_path_factory)
        with open_context(h.data_dir) as ctx:
            enroll(ctx, hub.url, hub.hub.create_enroll_code("22333"))
        for seed in range(kills("sync")):
            h.round(tally, "sync", seed, window=0.6)
            with verified(h.data_dir, kill_worker.OfficeDay(h.since)) as ctx:
                codes = codes_have_no_gap(ctx)
                report = run_sync(ctx)  # the next sync: sends what the killed one did not
                assert report.ok, report.to_json()
                with ctx.session() as session:
                    events = sorted(session.execute(sa.select(Event.uuid)).scalars())
                    unsent = session.execute(
                        sa.select(sa.func.count(OutboxItem.id)).where(OutboxItem.sent_at.is_(None))
                    ).scalar_one()
                    pages = {p.sha256 for p in session.execute(sa.select(Page)).scalars()}
                pages_dir = ctx.pages_dir
            with hub.hub.session() as session:
                hub_events = sorted(session.execute(sa.select(HubEvent.uuid)).scalars())
                hub_codes = set(session.execute(sa.select(HubDossier.code)).scalars())
                hub_pages = {
                    row.sha256: row for row in session.execute(sa.select(HubPage)).scalars()
                }
            assert unsent == 0
            assert hub_events == events  # each event once: no loss, no duplicate
            assert hub_codes == set(codes)
            assert set(hub_pages) == pages
            for sha, row in hub_pages.items():
                assert row.complete, sha
                stored = (hub.hub.blobs_dir / sha[:2] / sha).read_bytes()
                assert hashlib.sha256(stored).hexdigest() == sha
                assert (pages_dir / sha[:2] / sha).exists()
            reported = {c for line in h.done() for c in line.split()[2:]}
            missing = sorted(reported - hub_codes)
            tally.losses.extend(missing)
            assert not missing
            assert leftovers(h.data_dir) == []
        tally.reported_done = len(h.done())
    record(tally, tmp_path_factory, show=True)


def test_kill_during_backup(forkserver, tmp_path, tmp_path_factory) -> None:
    tally, h = Tally("backup"), harness(forkserver, tmp_path, tmp_path_factory)
    seed_dossiers(h, 6)
    target = h.work / "out" / "backup.zip"
    for seed in range(kills("backup")):
        h.round(tally, "backup", seed, window=0.4)
        if target.exists():  # whole or absent: the zip is renamed into place when whole
            with zipfile.ZipFile(target) as archive:
                assert archive.testzip() is None
                assert "backup.json" in archive.namelist()
        left = leftovers(h.data_dir, target.parent)
        tally.leftovers_seen.update(
            "scratch folder" if n.startswith(BACKUP_SCRATCH_PREFIX) else Path(n).suffix
            for n in left
            if "/" not in n
        )
        with verified(h.data_dir) as ctx:
            backup(ctx, target)  # the next backup removes what a killed one left
        assert leftovers(h.data_dir, target.parent) == []
    tally.reported_done = len(h.done())
    record(tally, tmp_path_factory, show=True)


def _dossier_count(data_dir: Path) -> int:
    with verified(data_dir) as ctx, ctx.session() as session:
        return int(session.execute(sa.select(sa.func.count(Dossier.id))).scalar_one())


def test_kill_during_restore(forkserver, tmp_path, tmp_path_factory) -> None:
    tally, h = Tally("restore"), harness(forkserver, tmp_path, tmp_path_factory)
    seed_dossiers(h, 6)
    with open_context(h.data_dir) as ctx:
        backup(ctx, h.work / "source.zip")
    expected = _dossier_count(h.data_dir)
    places = h.work / "restored"
    places.mkdir()
    began = time.monotonic()
    restore(h.work / "source.zip", places / "timing")
    window = (time.monotonic() - began) * 1.2
    shutil.rmtree(places / "timing")
    for seed in range(kills("restore")):
        target = places / f"r{seed}"
        (h.work / "restore-target").write_text(str(target))
        h.round(tally, "restore", seed, window=window)
        if target.exists():  # moved into place only when unpacked, migrated and verified
            assert _dossier_count(target) == expected
        left = leftovers(places)
        tally.leftovers_seen.update("scratch folder" for n in left if "/" not in n)
        if not target.exists():
            restore(h.work / "source.zip", target)  # the next restore cleans up first
        assert _dossier_count(target) == expected
        stale = [n for n in leftovers(places) if "/" not in n]
        tally.losses.extend(f"left beside the data: {n}" for n in stale)
        assert stale == [], stale
        shutil.rmtree(target)
    tally.reported_done = len(h.done())
    record(tally, tmp_path_factory, show=True)


def _codes(ctx: AppContext) -> list[str]:
    with ctx.session() as session:
        return list(session.execute(sa.select(Dossier.code).order_by(Dossier.code)).scalars())


def test_kill_during_demo(forkserver, tmp_path, tmp_path_factory) -> None:
    tally, h = Tally("demo"), harness(forkserver, tmp_path, tmp_path_factory)
    options = DemoOptions(days=1, per_day=4, seed=7)
    began = time.monotonic()
    with open_context(tmp_path / "whole", create=True) as whole:
        generate_demo(whole, options)
        reference = _codes(whole)
    window = (time.monotonic() - began) * 1.2
    for round_number in range(kills("demo")):
        h.data_dir = tmp_path / f"demo{round_number}"
        h.round(tally, "demo", 7, window=window * random.Random(round_number).random())
        if not h.data_dir.exists():
            continue  # killed before the folder was made
        with open_context(h.data_dir, create=True) as ctx:
            unfinished = (h.data_dir / MARKER_FILE).exists()
            generate_demo(ctx, options, if_empty=True)  # a half demo is redone, never kept
            assert not (h.data_dir / MARKER_FILE).exists()
            assert _codes(ctx) == reference
            assert verify(ctx).ok
        tally.leftovers_seen.update(["unfinished marker"] if unfinished else [])
        shutil.rmtree(h.data_dir)
    tally.reported_done = len(h.done())
    record(tally, tmp_path_factory, show=True)
