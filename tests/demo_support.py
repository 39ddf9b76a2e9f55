"""Demo data built once per test session and copied for each test that reads it.

A demo of 30 days takes seconds to make; a copy of its data directory (the SQLite file and
the page store), or a PostgreSQL database made from the built one as its template, takes
milliseconds. Tests of demo generation itself build their own (tests/integration/test_demo*).
The fixtures are `demo_builds` and `demo_copy` in tests/conftest.py.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from counter_app.demo.generator import DemoOptions, generate_demo
from counter_app.domain.calendar import VN_TZ
from counter_app.kernel.config import AppConfig, load_config, save_config
from counter_app.kernel.context import AppContext, open_context

SQLITE = "sqlite"
POSTGRESQL = "postgresql"


@dataclass(frozen=True)
class DemoSpec:
    """One demo data set. `now`: the moment it is made at (a fixed clock, through
    `generate_demo`); None: made by `counter-app demo` at the real time."""

    days: int
    per_day: int = 35
    seed: int = 2026
    now: datetime | None = None


# The reports' demo: a Wednesday afternoon, four monthly windows of a small office.
REPORTS_DEMO = DemoSpec(days=80, per_day=5, now=datetime(2026, 6, 10, 16, 0, tzinfo=VN_TZ))
# `counter-app demo --days 30` as a user runs it, today.
CLI_DEMO = DemoSpec(days=30)


class DemoBuilds:
    """The session's demo data directories: one per spec and database, built at first use."""

    def __init__(self, root: Path, pg_server: Any) -> None:
        self._root = root
        self._pg_server = pg_server  # called for the server URL when PostgreSQL is asked
        self._server: str | None = None
        self._built: dict[tuple[DemoSpec, str], tuple[Path, str | None]] = {}

    def copy(self, spec: DemoSpec, destination: Path, database: str = SQLITE) -> Path:
        """A private copy of the demo at `destination` (which must not exist); its
        PostgreSQL database, if any, is dropped by `drop_copies`."""
        source, template = self._built.get((spec, database)) or self._build(spec, database)
        shutil.copytree(source, destination)
        if template is not None:
            url = self._create_database(template=template)
            save_config(destination, replace(load_config(destination), database_url=url))
        return destination

    def _build(self, spec: DemoSpec, database: str) -> tuple[Path, str | None]:
        data_dir = self._root / f"demo-{len(self._built)}"
        data_dir.mkdir(mode=0o700, parents=True)
        url = self._create_database() if database == POSTGRESQL else None
        if spec.now is None:
            from counter_app.cli import main

            argv = ["demo", "--days", str(spec.days), "--seed", str(spec.seed)]
            assert spec.per_day == DemoOptions.per_day, "the command line has no --per-day"
            if url is not None:
                save_config(data_dir, AppConfig(database_url=url))
            assert main([*argv, "--data-dir", str(data_dir)]) == 0
        else:
            now = spec.now
            if url is not None:
                save_config(data_dir, AppConfig(database_url=url))
            with open_context(data_dir, clock=lambda: now) as ctx:
                generate_demo(
                    ctx, DemoOptions(days=spec.days, seed=spec.seed, per_day=spec.per_day)
                )
        template = None if url is None else url.rsplit("/", 1)[1]
        self._built[(spec, database)] = (data_dir, template)
        return data_dir, template

    def _server_url(self) -> str:
        if self._server is None:
            self._server = str(self._pg_server())
        return self._server

    def _create_database(self, *, template: str | None = None) -> str:
        server = self._server_url()
        name = f"t_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                suffix = f' TEMPLATE "{template}"' if template else ""
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"{suffix}')
        finally:
            admin.dispose()
        return f"{server.rsplit('/', 1)[0]}/{name}"

    def drop(self, url: str | None) -> None:
        """Drop a copy's (or a build's) PostgreSQL database."""
        if url is None or self._server is None:
            return
        admin = sa.create_engine(self._server, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                name = url.rsplit("/", 1)[1]
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except sa.exc.OperationalError:
            pass  # the throwaway server was stopped first: its databases went with it
        finally:
            admin.dispose()

    def drop_builds(self) -> None:
        for _source, template in self._built.values():
            if template is not None:
                self.drop(f"/{template}")


class DemoCopies:
    """`demo_copy(spec)`: a private copy of a session-built demo, for this test alone."""

    def __init__(self, builds: DemoBuilds, root: Path, clock: Any) -> None:
        self._builds, self._root, self._clock = builds, root, clock
        self._opened: list[AppContext] = []
        self._databases: list[str | None] = []

    def path(self, spec: DemoSpec, database: str = SQLITE) -> Path:
        """The copy's data directory (for the command line)."""
        destination = self._builds.copy(spec, self._root / f"demo-{len(self._databases)}", database)
        self._databases.append(load_config(destination).database_url)
        return destination

    def __call__(self, spec: DemoSpec, database: str = SQLITE) -> AppContext:
        """The copy opened on the test's clock, set to the moment the demo was made at."""
        if spec.now is not None:
            self._clock.now = spec.now
        context = open_context(self.path(spec, database), clock=self._clock)
        self._opened.append(context)
        return context

    def close(self) -> None:
        for context in self._opened:
            context.close()
        for url in self._databases:
            self._builds.drop(url)
