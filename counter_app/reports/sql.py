"""SQL pieces shared by the reports: the Vietnam calendar date of a stored UTC moment."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction

from counter_app.domain.calendar import VN_TZ

_OFFSET = VN_TZ.utcoffset(datetime(2026, 1, 1))
assert _OFFSET is not None  # VN_TZ is a fixed offset
_OFFSET_HOURS = int(_OFFSET.total_seconds() // 3600)


class vn_date(GenericFunction[date]):
    """`vn_date(column)`: the Vietnam-time calendar date of a naive-UTC datetime column.

    Comparisons in the reports are date-only (docs/rules.md §12), on the local date.
    """

    type = sa.Date()
    inherit_cache = True


@compiles(vn_date, "sqlite")
def _vn_date_sqlite(element: vn_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '+{_OFFSET_HOURS} hours')"


@compiles(vn_date)
def _vn_date_default(element: vn_date, compiler: SQLCompiler, **kw: Any) -> str:
    inner = compiler.process(element.clauses, **kw)
    return f"CAST(({inner} + INTERVAL '{_OFFSET_HOURS} hours') AS DATE)"


class hours_between(GenericFunction[float]):
    """`hours_between(start, end)`: hours from one naive-UTC datetime column to another."""

    type = sa.Float()
    inherit_cache = True


@compiles(hours_between, "sqlite")
def _hours_between_sqlite(element: hours_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 24.0)"


@compiles(hours_between)
def _hours_between_default(element: hours_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 3600.0)"


class iso_moment(GenericFunction[datetime]):
    """`iso_moment(text)`: an ISO 8601 text with its UTC offset (as the services write
    times into event data) as a naive-UTC moment, like the stored datetime columns."""

    type = sa.DateTime()
    inherit_cache = True


@compiles(iso_moment, "sqlite")
def _iso_moment_sqlite(element: iso_moment, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite applies the text's offset, giving UTC (to the second: enough for a date).
    return f"datetime({compiler.process(element.clauses, **kw)})"


@compiles(iso_moment)
def _iso_moment_default(element: iso_moment, compiler: SQLCompiler, **kw: Any) -> str:
    inner = compiler.process(element.clauses, **kw)
    return f"(CAST({inner} AS TIMESTAMP WITH TIME ZONE) AT TIME ZONE 'UTC')"
