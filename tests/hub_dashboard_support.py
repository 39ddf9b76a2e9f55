"""A hub filled through the real path for the dashboard's tests and screenshots: three
counters of three communes take dossiers for a few days, move some on, sync over loopback
HTTP and close their days; one commune leaves a day unclosed and one has a difference.

Built once per database kind and test session (a few seconds), then read by every test.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from counter_app.domain.applicants import Person
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Channel, Status
from counter_app.dossiers.service import IntakeRequest, intake, move
from counter_app.hub.models import HubDossier
from counter_app.hub.service import Hub, open_hub_database
from counter_app.kernel.config import AppConfig, save_config
from counter_app.kernel.context import AppContext, open_context
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.sync.service import enroll, run_sync
from tests.conftest import TEST_OFFICE, MutableClock
from tests.sync_support import day_of_intake, running_hub

FIRST_DAY = datetime(2026, 3, 2, 8, 0, tzinfo=VN_TZ)  # a Monday
DAYS = 4
TODAY = (FIRST_DAY + timedelta(days=DAYS - 1)).date()
NOW = datetime.combine(TODAY, datetime.min.time(), VN_TZ).replace(hour=17, minute=50)
"""The dashboard's moment in the tests: the last day, after the offices closed it."""
OFFICES = (
    ("22333", "000.00.22.H56", "Phường Bắc Nha Trang", 8),
    ("22366", "000.00.23.H56", "Phường Nha Trang", 6),
    ("22390", "000.00.24.H56", "Phường Tây Nha Trang", 4),
)
UNCLOSED = "22390"
"""This commune does not close its last day."""
DIFFERING = "22366"
"""The hub loses one status change of this commune after its last close."""


@dataclass
class BuiltHub:
    url: str
    """The hub's database URL."""
    blobs: Path
    codes: dict[str, list[str]]
    """Dossier codes by office."""
    lost_code: str
    counters: dict[str, Path]
    """Each office's counter data directory."""

    def copy(self, root: Path) -> BuiltHub:
        """The same hub in a copy of its SQLite file (for tests that write to it)."""
        assert self.url.startswith("sqlite:///")
        root.mkdir(parents=True, exist_ok=True)
        target = root / "hub.sqlite3"
        shutil.copyfile(self.url.removeprefix("sqlite:///"), target)
        return replace(self, url=f"sqlite:///{target.as_posix()}")


def _counter(root: Path, unit: str, eid: str, name: str, clock: MutableClock) -> AppContext:
    data_dir = root / unit / "data"
    data_dir.mkdir(parents=True, mode=0o700)
    office = replace(TEST_OFFICE, unit_code=unit, electronic_id=eid, name=name)
    save_config(data_dir, AppConfig(office=office))
    return open_context(data_dir, clock=clock)


def build_hub(root: Path, database_url: str | None = None) -> BuiltHub:
    """Fill a hub at `database_url` (SQLite under `root` by default) through real syncs."""
    clock = MutableClock(FIRST_DAY)
    url = database_url or f"sqlite:///{(root / 'hub' / 'hub.sqlite3').as_posix()}"
    codes: dict[str, list[str]] = {}
    with running_hub(root / "hub", url, clock=clock) as hub:
        counters: dict[str, AppContext] = {}
        for unit, eid, name, _per_day in OFFICES:
            ctx = _counter(root, unit, eid, name, clock)
            enroll(ctx, hub.url, hub.hub.create_enroll_code(unit, unit_id=eid))
            ctx.close()
            counters[unit] = open_context(ctx.data_dir, clock=clock)
        for offset in range(DAYS):
            start = FIRST_DAY + timedelta(days=offset)
            for unit, _eid, _name, per_day in OFFICES:
                ctx = counters[unit]
                made = day_of_intake(ctx, start, count=per_day)
                # one online filing made at the counter with the clerk's help (guided)
                clock.now = start.replace(hour=11)
                guided = intake(
                    ctx,
                    IntakeRequest(
                        "1.001193",
                        Person(name="Võ Thị Hoa", id_number="056195067890"),
                        Channel.ASSISTED,
                        portal_code=f"G-{unit}-{offset}",
                    ),
                    SYSTEM_ACTOR,
                )
                made.append(guided.code)
                codes.setdefault(unit, []).extend(made)
                clock.now = start.replace(hour=15)
                # Results: the first dossier of each earlier day is resolved today.
                if offset:
                    earlier = codes[unit][(offset - 1) * (per_day + 1)]
                    move(ctx, earlier, Status.RESOLVED, SYSTEM_ACTOR)
                clock.now = start.replace(hour=17, minute=15)
                last = offset == DAYS - 1
                report = run_sync(
                    ctx, close_day=None if last and unit == UNCLOSED else start.date()
                )
                assert report.ok, report.to_json()
        lost = codes[DIFFERING][-1]
        with hub.hub.session() as session:  # the hub loses a status change: a difference
            row = session.get_one(HubDossier, lost)
            row.status, row.head_hash = "processing", "f" * 64
        clock.now = (FIRST_DAY + timedelta(days=DAYS - 1)).replace(hour=17, minute=40)
        report = run_sync(counters[DIFFERING], close_day=TODAY)
        assert report.day_close is not None and not report.day_close.match
        for ctx in counters.values():
            ctx.close()
    paths = {unit: ctx.data_dir for unit, ctx in counters.items()}
    return BuiltHub(url, root / "hub" / "blobs", codes, lost, paths)


def open_built(built: BuiltHub, clock: MutableClock | None = None) -> Hub:
    kwargs = {"clock": clock} if clock is not None else {}
    return Hub(open_hub_database(built.url), built.blobs, **kwargs)


def dossier_count(hub: Hub) -> int:
    with hub.session() as session:
        return int(session.execute(sa.select(sa.func.count()).select_from(HubDossier)).scalar_one())
