"""Shared fixtures: a real data directory on SQLite, or on a real PostgreSQL server."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from counter_app.domain.calendar import VN_TZ
from counter_app.kernel.config import AppConfig, OfficeConfig, save_config
from counter_app.kernel.context import AppContext, open_context
from tests.demo_support import DemoBuilds, DemoCopies

TEST_OFFICE = OfficeConfig(
    unit_code="22333",
    electronic_id="000.00.22.H56",
    name="Trung tâm Phục vụ hành chính công Phường Bắc Nha Trang",
    parent_body="UBND Phường Bắc Nha Trang",
    province_name="Tỉnh Khánh Hòa",
)
PG_URL_ENV = "COUNTER_APP_TEST_PG_URL"


class MutableClock:
    """A clock the test moves by hand: `clock.now = ...`."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--reliability-long",
        action="store_true",
        help="the long reliability suite: 1,000 kills, 30 days of faulty network, large fuzzing",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--reliability-long"):
        from tests.reliability import budget

        budget.LONG = True


@pytest.fixture(autouse=True, scope="session")
def _garbage_collected_on_the_main_thread() -> Iterator[None]:
    """As the application does (ui/tasks.py `MainThreadCollector`): no automatic collection,
    which could start on a worker thread and destroy a widget there; the main thread
    collects after each test instead."""
    import gc

    gc.disable()
    yield
    gc.enable()


@pytest.fixture(autouse=True)
def _collect_after_the_test() -> Iterator[None]:
    yield
    from ui.tasks import collect_garbage_when_due

    collect_garbage_when_due()


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock(datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ))


def make_data_dir(root: Path, database_url: str | None = None) -> Path:
    data_dir = root / "data"
    data_dir.mkdir(mode=0o700)
    save_config(data_dir, AppConfig(database_url=database_url, office=TEST_OFFICE))
    return data_dir


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data directory on SQLite with the test office configured."""
    return make_data_dir(tmp_path)


@pytest.fixture
def ctx(data_dir: Path, clock: MutableClock) -> Iterator[AppContext]:
    context = open_context(data_dir, clock=clock)
    yield context
    context.close()


# --- PostgreSQL -------------------------------------------------------------------------


def _pg_bin() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return candidates[-1].parent if candidates else None


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A PostgreSQL server URL: `$COUNTER_APP_TEST_PG_URL`, or a throwaway one started here.

    Skips only where no PostgreSQL is installed at all; CI installs it.
    """
    url = os.environ.get(PG_URL_ENV)
    if url:
        yield url
        return
    bin_dir = _pg_bin()
    if bin_dir is None or shutil.which("runuser") is None:
        pytest.skip("PostgreSQL is not installed (set COUNTER_APP_TEST_PG_URL)")
    pgdata = Path(tempfile.mkdtemp(prefix="counter-pg-"))
    port = 55000 + os.getpid() % 1000
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(pgdata, "postgres", "postgres")
    subprocess.run(
        [
            *as_postgres,
            str(bin_dir / "initdb"),
            "-D",
            str(pgdata),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ],
        check=True,
        capture_output=True,
    )
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {pgdata} -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off"
    )
    subprocess.run(
        [
            *as_postgres,
            str(bin_dir / "pg_ctl"),
            "-D",
            str(pgdata),
            "-l",
            str(pgdata / "server.log"),
            "-w",
            "-t",
            "30",
            "-o",
            options,
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(pgdata), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(pgdata, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty database on the PostgreSQL server, dropped afterwards."""
    import sqlalchemy as sa

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    base = pg_server.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_ctx(
    request: pytest.FixtureRequest, tmp_path: Path, clock: MutableClock
) -> Iterator[AppContext]:
    """The same test on SQLite and on PostgreSQL."""
    url = None
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
    context = open_context(make_data_dir(tmp_path, url), clock=clock)
    yield context
    context.close()


def with_office(config: AppConfig) -> AppConfig:
    return replace(config, office=TEST_OFFICE)


@pytest.fixture(scope="session")
def dashboard_hub(tmp_path_factory: pytest.TempPathFactory) -> object:
    """A SQLite hub three counters synced to over loopback (tests/hub_dashboard_support.py),
    built once; a test that writes to it works on `.copy(path)`."""
    from tests.hub_dashboard_support import build_hub

    return build_hub(tmp_path_factory.mktemp("dashboard-hub"))


# --- demo data, built once per session ----------------------------------------------------


@pytest.fixture(scope="session")
def demo_builds(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoBuilds]:
    """Each distinct demo (tests/demo_support.py) built once for the whole session."""
    builds = DemoBuilds(
        tmp_path_factory.mktemp("demo-builds"), lambda: request.getfixturevalue("pg_server")
    )
    yield builds
    builds.drop_builds()


@pytest.fixture
def demo_copy(demo_builds: DemoBuilds, tmp_path: Path, clock: MutableClock) -> Iterator[DemoCopies]:
    copies = DemoCopies(demo_builds, tmp_path, clock)
    yield copies
    copies.close()
