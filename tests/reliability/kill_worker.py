"""What a killed process was doing: one function per phase, run in a child process that the
harness (test_kill_points.py) kills with SIGKILL at a random moment.

Each phase loops over the real use case until it is killed, and appends one line to its
log after each operation returned, the way a clerk sees a receipt printed or a backup
reported done: what the log names must survive the kill. The children are forked from a
`forkserver` that imported this module once, so a kill costs milliseconds of start-up, not
the second a fresh interpreter needs to import the program.
"""

from __future__ import annotations

import io
import os
import random
import time
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image

from counter_app.demo.generator import DemoOptions, generate_demo
from counter_app.documents.forms import FormOptions, record_print, render_form
from counter_app.documents.templates import FormKind
from counter_app.domain.applicants import Organisation, Person
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Channel, Status
from counter_app.dossiers.service import IntakeRequest, intake, move
from counter_app.files import write_atomically
from counter_app.kernel.context import AppContext, open_context
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.maintenance.service import backup, restore
from counter_app.scanning.images import ProcessedPage
from counter_app.scanning.pages import attach_pages
from counter_app.sync.service import run_sync

DAY = datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ)  # a Monday
PROCEDURES = ("1.001193", "1.000656", "2.000908", "1.004873")
CHANNELS = (Channel.DIRECT, Channel.POSTAL, Channel.DIRECT, Channel.ONLINE)
PEOPLE = (
    ("Nguyễn Văn An", "056090012345"),
    ("Trần Thị Bích", "056190023456"),
    ("Lê Đức Cường", "056085034567"),
)
PRINT_NAMES = ("receipt-a.pdf", "receipt-b.pdf", "receipt-c.pdf")


class OfficeDay:
    """The office's clock: `DAY` plus the real time since the harness began (`since`, a
    `time.time()`), so every child of a run works on the same day and time moves on."""

    def __init__(self, since: float) -> None:
        self.since = since

    def __call__(self) -> datetime:
        return DAY + timedelta(seconds=time.time() - self.since)


def note(log: Path, line: str) -> None:
    """Append `line` whole (one write on an O_APPEND descriptor: no torn line on a kill)."""
    descriptor = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, (line + "\n").encode())
    finally:
        os.close(descriptor)


def one_intake(ctx: AppContext, rng: random.Random) -> str:
    name, number = PEOPLE[rng.randrange(len(PEOPLE))]
    applicant: Person | Organisation = Person(name=name, id_number=number)
    if rng.random() < 0.2:
        applicant = Organisation(name="Công ty TNHH Hải Âu", tax_code="4201234567")
    at = rng.randrange(len(PROCEDURES))
    view = intake(ctx, IntakeRequest(PROCEDURES[at], applicant, CHANNELS[at]), SYSTEM_ACTOR)
    if rng.random() < 0.3:
        move(ctx, view.code, Status.PROCESSING, SYSTEM_ACTOR)
    return view.code


def page_image(rng: random.Random) -> ProcessedPage:
    """A small page of noise: a new sha256 every time, as a real scan has."""
    image = Image.frombytes("L", (160, 226), rng.randbytes(160 * 226))
    out = io.BytesIO()
    image.save(out, "PNG")
    return ProcessedPage(out.getvalue(), "image/png", 160, 226, 100)


def _intake(ctx: AppContext, rng: random.Random, log: Path, _work: Path) -> None:
    note(log, one_intake(ctx, rng))


def _scanning(ctx: AppContext, rng: random.Random, log: Path, work: Path) -> None:
    codes = (work / "codes").read_text().split()
    pages = [page_image(rng) for _ in range(rng.randint(1, 3))]
    views = attach_pages(ctx, rng.choice(codes), pages, SYSTEM_ACTOR)
    note(log, " ".join(view.sha256 for view in views))


def _printing(ctx: AppContext, rng: random.Random, log: Path, work: Path) -> None:
    codes = (work / "codes").read_text().split()
    code = rng.choice(codes)
    rendered = render_form(ctx, FormKind.RECEIPT, code, FormOptions())
    target = work / "out" / rng.choice(PRINT_NAMES)
    write_atomically(target, rendered.pdf)
    record_print(ctx, rendered, SYSTEM_ACTOR, printer=target.name, medium="pdf")
    note(log, f"{target.name} {zlib.crc32(rendered.pdf)}")


def _sync(ctx: AppContext, rng: random.Random, log: Path, _work: Path) -> None:
    codes = [one_intake(ctx, rng) for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.5:
        attach_pages(ctx, codes[0], [page_image(rng)], SYSTEM_ACTOR)
    report = run_sync(ctx)
    note(log, f"synced {int(report.ok)} {' '.join(codes)}")


def _backup(ctx: AppContext, _rng: random.Random, log: Path, work: Path) -> None:
    result = backup(ctx, work / "out" / "backup.zip")
    note(log, str(result.path))


PHASES: dict[str, Callable[[AppContext, random.Random, Path, Path], None]] = {
    "intake": _intake,
    "scanning": _scanning,
    "printing": _printing,
    "sync": _sync,
    "backup": _backup,
}


def run(phase: str, data_dir: str, work: str, seed: int, since: float) -> None:
    """The child's body: the phase's operation over and over until the kill."""
    rng = random.Random(seed)
    log = Path(work) / "log"
    if phase == "restore":  # one restore per child, into a folder named by the harness
        target = Path((Path(work) / "restore-target").read_text())
        note(log, "ready")
        restore(Path(work) / "source.zip", target)
        note(log, str(target))
        return
    if phase == "demo":  # one demo per child, into a new data directory
        note(log, "ready")
        with open_context(Path(data_dir), create=True) as ctx:
            generate_demo(ctx, DemoOptions(days=1, per_day=4, seed=seed))
        note(log, "demo")
        return
    operation = PHASES[phase]
    with open_context(Path(data_dir), clock=OfficeDay(since)) as ctx:
        operation(ctx, rng, log, Path(work))  # the first, slower one: catalog, fonts, hub
        note(log, "ready")
        while True:
            operation(ctx, rng, log, Path(work))
