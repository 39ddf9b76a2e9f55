"""The application context: one data directory, its database, catalog and calendar.

The composition root (`cli.py`, or the GUI's start-up) opens a context and passes it to
the services; nothing reaches for a global.

Whoever owns the database reads the catalog and the calendar (`catalog`, `calendar`); a
thread that does not, the GUI's, holds `reference`: both as last read, immutable.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

import platformdirs
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from counter_app.domain.calendar import OfficeHours, WorkCalendar
from counter_app.domain.catalog import Catalog
from counter_app.errors import ConfigError, CounterError, StorageError
from counter_app.i18n import _
from counter_app.kernel.admin_log import record_baseline
from counter_app.kernel.calendar import CalendarCache
from counter_app.kernel.clock import Clock, system_clock
from counter_app.kernel.config import AppConfig, load_config
from counter_app.store.engine import make_engine, make_session_factory, sqlite_url
from counter_app.store.migrate import COUNTER_MIGRATIONS, upgrade

DATA_DIR_ENV = "COUNTER_APP_DATA_DIR"

T = TypeVar("T")


class DatabaseCall(Protocol):
    """Runs a database job where the database is owned and hands back its result (or
    raises its exception): the GUI hands in its database thread, elsewhere `run_here`."""

    def __call__(self, job: Callable[[], T], /) -> T: ...


def run_here(job: Callable[[], T]) -> T:
    return job()


@dataclass(frozen=True)
class ReferenceData:
    """The catalog and the calendar as last read: what a screen shows between refreshes.

    Both are immutable, so the GUI thread may read them while the database thread reads
    newer ones; a refresh replaces them, it never changes them.
    """

    catalog: Catalog
    calendar: WorkCalendar


@dataclass
class _Batch:
    session: Session
    failed: bool = False


def _new_calendar_cache() -> CalendarCache:
    return CalendarCache()


def default_data_dir() -> Path:
    """`$COUNTER_APP_DATA_DIR`, else the per-user data directory."""
    from_env = os.environ.get(DATA_DIR_ENV)
    if from_env:
        return Path(from_env)
    return Path(platformdirs.user_data_dir("counter-app", appauthor=False))


def prepare_data_dir(data_dir: Path, *, create: bool) -> Path:
    """Check (or create) the data directory, readable only by the app's user."""
    if not data_dir.exists():
        if not create:
            raise ConfigError(_("Thư mục dữ liệu không tồn tại: {path}").format(path=data_dir))
        try:
            data_dir.mkdir(parents=True, mode=0o700)
        except OSError as exc:
            raise StorageError(
                _("Không tạo được thư mục dữ liệu {path}: {error}").format(
                    path=data_dir, error=exc.strerror
                )
            ) from exc
    if not data_dir.is_dir():
        raise ConfigError(
            _("Đường dẫn dữ liệu không phải là thư mục: {path}").format(path=data_dir)
        )
    if os.name == "posix":
        mode = stat.S_IMODE(data_dir.stat().st_mode)
        if mode & 0o077:
            data_dir.chmod(0o700)  # Decree 13/2023: citizens' data is for the app's user only
    return data_dir


@dataclass
class AppContext:
    data_dir: Path
    config: AppConfig
    engine: sa.Engine
    session_factory: sessionmaker[Session]
    clock: Clock = field(default=system_clock)
    _calendar_cache: CalendarCache = field(
        default_factory=_new_calendar_cache, init=False, repr=False, compare=False
    )
    _catalog: Catalog | None = field(default=None, init=False, repr=False, compare=False)
    # Per thread, the sessions of the units of work open on it, innermost last.
    _open_units: threading.local = field(
        default_factory=threading.local, init=False, repr=False, compare=False
    )

    @property
    def catalog(self) -> Catalog:
        """The catalog version in use (the newest imported; the bundled one at first)."""
        catalog = self._catalog
        return self.reload_catalog() if catalog is None else catalog

    def reload_catalog(self) -> Catalog:
        from counter_app.kernel.catalog import current_catalog

        catalog = self.use_session(lambda session: current_catalog(session, self.clock()))
        self._catalog = catalog
        return catalog

    @property
    def calendar(self) -> WorkCalendar:
        """The office's calendar: its hours and the database's holiday table.

        Cached; rebuilt after this context changes the table, and when another counter has
        (see kernel.calendar.CalendarCache).
        """
        morning_start, morning_end, afternoon_start, afternoon_end = (
            self.config.office_hours_times()
        )
        hours = OfficeHours(morning_start, morning_end, afternoon_start, afternoon_end)
        return self._calendar_cache.get(self, hours)

    def invalidate_calendar(self) -> None:
        self._calendar_cache.invalidate()

    @property
    def reference(self) -> ReferenceData:
        """The catalog and the calendar as last read. Never touches the database, so the
        GUI thread may ask; `refresh_reference` must have run once before."""
        catalog, calendar = self._catalog, self._calendar_cache.last
        if catalog is None or calendar is None:
            raise RuntimeError("catalog and calendar not read yet: call refresh_reference()")
        return ReferenceData(catalog, calendar)

    def refresh_reference(self) -> ReferenceData:
        """Read what changed since the last read: a catalog imported here or at another
        counter, the holiday table once its recheck time has passed or after a change."""
        from counter_app.kernel.catalog import newest_version

        with self.session() as session:  # one short unit for both
            catalog = self._catalog
            if catalog is None or newest_version(session) != catalog.version:
                catalog = self.reload_catalog()
            calendar = self.calendar
        return ReferenceData(catalog, calendar)

    def use_session(self, query: Callable[[Session], T]) -> T:
        """`query` with the session of the unit of work open on this thread, or in a short
        unit of its own when none is.

        For what a unit asks in passing (the catalog, the calendar): SQLite sessions take
        the write lock at BEGIN (store/engine.py), so a second session would wait for the
        very unit that asked. The unit's pending changes are not flushed for it.
        """
        units = self._units_on_this_thread()
        if units:
            with units[-1].no_autoflush:
                return query(units[-1])
        with self.session() as session:
            return query(session)

    @property
    def pages_dir(self) -> Path:
        return self.data_dir / "pages"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back and re-raises on error.

        Inside `batch` on the same thread, the unit is part of the batch's transaction.
        """
        batch: _Batch | None = getattr(self._open_units, "batch", None)
        if batch is not None:
            yield from self._in_batch(batch)
            return
        session = self.session_factory()
        units = self._units_on_this_thread()
        units.append(session)
        try:
            yield session
            session.commit()
        except CounterError:
            session.rollback()
            raise
        except sa.exc.OperationalError as exc:
            session.rollback()
            raise StorageError(
                _("Lỗi cơ sở dữ liệu: {error}").format(error=str(exc.orig).splitlines()[0])
            ) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            units.remove(session)
            session.close()

    def _in_batch(self, batch: _Batch) -> Iterator[Session]:
        units = self._units_on_this_thread()
        units.append(batch.session)
        try:
            yield batch.session
        except BaseException:
            batch.failed = True  # nothing of the batch is committed, whoever catches this
            raise
        finally:
            units.remove(batch.session)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Many units of work in one transaction, committed at the end: each unit opened on
        this thread meanwhile (`session`) joins it. For bulk work that is redone whole if it
        stops (the demo): one transaction instead of one per unit. A unit that fails fails
        the batch: nothing of it is committed, even if the error was caught. Not nested."""
        if getattr(self._open_units, "batch", None) is not None:
            raise RuntimeError("a batch is already open on this thread")
        with self.session() as session:
            batch = self._open_units.batch = _Batch(session)
            try:
                yield
            finally:
                self._open_units.batch = None
            if batch.failed:
                raise StorageError(_("Một phần việc trong lô đã lỗi; không ghi gì của lô."))

    def _units_on_this_thread(self) -> list[Session]:
        units: list[Session] | None = getattr(self._open_units, "sessions", None)
        if units is None:
            units = self._open_units.sessions = []
        return units

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> AppContext:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def open_context(
    data_dir: Path | None = None, *, create: bool = False, clock: Clock = system_clock
) -> AppContext:
    """Open a data directory: read its config, connect, apply pending migrations."""
    directory = prepare_data_dir(data_dir or default_data_dir(), create=create)
    config = load_config(directory)
    url = config.database_url or sqlite_url(directory)
    try:
        engine = make_engine(url)
        current = COUNTER_MIGRATIONS.current_revision(engine)
        if current is not None and not COUNTER_MIGRATIONS.knows(current):
            engine.dispose()  # written by a newer program: migrating down would lose data
            raise StorageError(
                _(
                    "Cơ sở dữ liệu có phiên bản lược đồ {found}, mới hơn bản {needed} mà "
                    "chương trình này biết; hãy cập nhật chương trình."
                ).format(found=current, needed=COUNTER_MIGRATIONS.head_revision())
            )
        upgrade(engine)
    except sa.exc.SQLAlchemyError as exc:
        raise StorageError(
            _("Không mở được cơ sở dữ liệu: {error}").format(
                error=str(getattr(exc, "orig", exc)).splitlines()[0]
            )
        ) from exc
    context = AppContext(directory, config, engine, make_session_factory(engine), clock)
    with context.session() as session:
        record_baseline(session, config, clock())
    return context
