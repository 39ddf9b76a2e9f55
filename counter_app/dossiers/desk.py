"""Read-only figures the counter screens need: how often each procedure is received, and
the desk's row count and pages at any depth.

The desk's count and pages give the same rows as `service.count_dossiers` and
`service.list_dossiers`, by quicker roads where the filter allows:

- every dossier: counted from `dossier_day_counts` (one row per day, kept by triggers), and
  a deep page starts at the day the counts place it in, so only that day's rows are
  skipped instead of every row before the page;
- a search alone on SQLite: counted in the search index itself, without a row of the table;
  its page, when the count (which the desk already has) is small, skips the look-ups that
  decide how each rank of a large search is read.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from counter_app.domain.text import SEARCH_TEXT
from counter_app.dossiers.service import (
    DESK_ORDER,
    MAX_LIST_ROWS,
    DossierFilter,
    count_dossiers,
    dossier_views,
    filter_statement,
    list_dossiers,
    ranked_page,
)
from counter_app.kernel.context import AppContext
from counter_app.kernel.views import DossierView
from counter_app.store.models import Dossier, DossierDayCount
from counter_app.store.search import (
    BROAD_SEARCH_MATCHES,
    match_count,
    search_tiers,
)

EVERY_DOSSIER = DossierFilter()


def procedure_usage(ctx: AppContext) -> dict[str, int]:
    """Dossiers received per procedure code, to list the most used procedures first."""
    with ctx.session() as session:
        rows = session.execute(
            sa.select(Dossier.procedure_code, sa.func.count()).group_by(Dossier.procedure_code)
        )
        return {str(code): int(count) for code, count in rows}


def desk_count(ctx: AppContext, flt: DossierFilter) -> int:
    """The exact number of dossiers the filter keeps (as `count_dossiers`)."""
    if flt == EVERY_DOSSIER:
        with ctx.session() as session:
            total = session.execute(sa.select(sa.func.sum(DossierDayCount.dossiers)))
            return int(total.scalar_one() or 0)
    if flt.search and replace(flt, search="") == EVERY_DOSSIER:
        with ctx.session() as session:
            dialect = session.get_bind().dialect.name
            filter_statement(dialect, flt)  # the filter's checks: bad input is refused
            found = match_count(session, SEARCH_TEXT.clean(flt.search))
            if found is not None:
                return found
    return count_dossiers(ctx, flt)


def desk_page(
    ctx: AppContext, flt: DossierFilter, *, offset: int, limit: int, total: int | None = None
) -> list[DossierView]:
    """The rows `list_dossiers(ctx, flt, limit=limit, offset=offset)` gives.

    `total`, the filter's `desk_count` when the desk knows it, spares a search alone the
    index look-ups that choose how each rank is read: fewer matches than
    BROAD_SEARCH_MATCHES in all are few in every rank.
    """
    if not 0 < limit <= MAX_LIST_ROWS or offset < 0:
        return list_dossiers(ctx, flt, limit=limit, offset=offset)  # its refusal
    search_alone = bool(flt.search) and replace(flt, search="") == EVERY_DOSSIER
    if search_alone and total is not None and total < BROAD_SEARCH_MATCHES:
        with ctx.session() as session:
            dialect = session.get_bind().dialect.name
            filter_statement(dialect, flt)  # the filter's checks: bad input is refused
            tiers = search_tiers(dialect, SEARCH_TEXT.clean(flt.search))
            if tiers:
                rows = ranked_page(
                    session, sa.select(Dossier), tiers, limit, offset, known_narrow=True
                )
                return dossier_views(session, rows)
    if flt != EVERY_DOSSIER or offset < limit:
        return list_dossiers(ctx, flt, limit=limit, offset=offset)
    with ctx.session() as session:
        days = session.execute(
            sa.select(DossierDayCount.day, DossierDayCount.dossiers)
            .where(DossierDayCount.dossiers > 0)
            .order_by(DossierDayCount.day.desc())
        ).all()
        before = 0  # dossiers received after the day in hand: all in earlier pages
        for day, dossiers in days:
            if before + dossiers > offset:
                end = datetime.combine(day + timedelta(days=1), time(0), UTC)
                rows = list(
                    session.execute(
                        sa.select(Dossier)
                        .where(Dossier.received_at < end)
                        .order_by(*DESK_ORDER)
                        .limit(limit)
                        .offset(offset - before)
                    ).scalars()
                )
                return dossier_views(session, rows)
            before += dossiers
        return []
