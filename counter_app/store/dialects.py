"""Statements whose form depends on the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session


def insert_for(session: Session) -> Any:
    """The dialect's INSERT, which offers ON CONFLICT on SQLite and PostgreSQL alike.

    Used where two counters may create the same row at the same moment (the office, the
    first catalog version, the day's code sequence): insert-or-ignore instead of a race.
    """
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert
