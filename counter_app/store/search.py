"""Folded full-text search over dossiers, served by the database's index.

SQLite answers through the FTS5 table `dossier_search` (prefix match on each folded
token); PostgreSQL through the trigram index on `dossiers.search_folded`.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from counter_app.domain.text import fold, search_tokens
from counter_app.store.models import Dossier

BROAD_SEARCH_MATCHES = 2_000
"""From this many matches on, a page is read along the receipt-time index (SQLite)."""


def searchable_text(*parts: str | None) -> str:
    """What a dossier is found by: folded code, applicant name, ID numbers, phone."""
    return fold(" ".join(part for part in parts if part))


def _fts_query(tokens: list[str]) -> str:
    return " ".join(f'"{token}"*' for token in tokens)


def _fts_matches(tokens: list[str]) -> sa.TextClause:
    matching = sa.text("SELECT rowid FROM dossier_search WHERE dossier_search MATCH :q")
    return matching.bindparams(q=_fts_query(tokens))


def search_condition(
    dialect_name: str, text: str, *, by_receipt_index: bool = False
) -> sa.ColumnElement[bool] | None:
    """A WHERE clause matching `text`, or None when it has no searchable token.

    `by_receipt_index` (SQLite, for a broad search): `id + 0` hides the rowid from the
    planner, so instead of fetching every match by id and sorting them it walks a
    receipt-time index newest first (its order is the desk's: received_at, then id) and
    stops at the page. Same rows, same order.
    """
    tokens = search_tokens(text)
    if not tokens:
        return None
    if dialect_name == "sqlite":
        target = Dossier.id + 0 if by_receipt_index else Dossier.id
        return target.in_(_fts_matches(tokens).columns(sa.column("rowid")))
    clauses = [
        Dossier.search_folded.like(f"%{_escape_like(token)}%", escape="\\") for token in tokens
    ]
    return sa.and_(*clauses)


def is_broad_search(session: Session, text: str) -> bool:
    """Whether `text` matches at least BROAD_SEARCH_MATCHES dossiers in SQLite's index.

    A broad search's page is read along the receipt-time index; a narrow one's few matches
    are fetched by id and sorted, which is cheap, where the walk would be long. The count
    stops at the bound.
    """
    tokens = search_tokens(text)
    if not tokens or session.get_bind().dialect.name != "sqlite":
        return False
    bounded = sa.text(
        "SELECT count(*) FROM (SELECT rowid FROM dossier_search"
        " WHERE dossier_search MATCH :q LIMIT :bound)"
    )
    found = session.execute(
        bounded, {"q": _fts_query(tokens), "bound": BROAD_SEARCH_MATCHES}
    ).scalar_one()
    return int(found) >= BROAD_SEARCH_MATCHES


def _escape_like(token: str) -> str:
    return token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
