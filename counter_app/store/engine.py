"""Engine setup for SQLite (the embedded default) and PostgreSQL (shared by counters)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

SQLITE_FILE_NAME = "counter.sqlite3"
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
"""What SQLite keeps beside a database file; it gives them the database file's mode."""


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / SQLITE_FILE_NAME).as_posix()}"


def make_engine(url: str) -> sa.Engine:
    """An engine with the pragmas the design asks for.

    SQLite: WAL so readers never block the writer, foreign keys on, `synchronous=FULL`
    so a committed dossier survives a power cut, and `BEGIN IMMEDIATE` for every
    transaction so two processes taking a dossier code at once are serialised instead of
    failing on a lock upgrade. The database file is made readable by this user only before
    SQLite opens it, so its -wal and -shm files are too.

    `hide_parameters`: an error never shows the values of a statement (a citizen's name,
    ID number, birth date), in a message, a traceback or a log line.
    """
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

        @sa.event.listens_for(engine, "do_connect")
        def _private_file(_dialect: Any, _record: Any, _args: Any, _kwargs: Any) -> None:
            database = engine.url.database
            if database and database != ":memory:" and not database.startswith("file:"):
                make_private_database_file(Path(database))

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _on_begin(connection: sa.Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return sa.create_engine(url, pool_pre_ping=True, hide_parameters=True)


def make_private_database_file(path: Path) -> None:
    """Create an absent SQLite file with mode 0600; narrow one (and its -wal, -shm) that a
    version before this rule left readable by others."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return
    except FileExistsError:
        pass
    except OSError:
        return  # a missing folder: SQLite's own error says it better
    if os.name != "posix":
        return  # Windows: the per-user data folder's ACL keeps others out
    for candidate in (path, *(path.with_name(path.name + s) for s in SQLITE_SIDE_FILES)):
        try:
            if stat.S_IMODE(candidate.stat().st_mode) & 0o077:
                candidate.chmod(0o600)
        except OSError:
            continue  # absent, or not ours to change


def make_session_factory(engine: sa.Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
