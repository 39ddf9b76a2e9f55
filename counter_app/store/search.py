"""Folded full-text search over dossiers, served by the database's index.

SQLite answers through the FTS5 table `dossier_search` (prefix match on each folded
token); PostgreSQL through the trigram index on `dossiers.search_folded`.
"""

from __future__ import annotations

import sqlalchemy as sa

from counter_app.domain.text import fold, search_tokens
from counter_app.store.models import Dossier


def searchable_text(*parts: str | None) -> str:
    """What a dossier is found by: folded code, applicant name, ID numbers, phone."""
    return fold(" ".join(part for part in parts if part))


def search_condition(dialect_name: str, text: str) -> sa.ColumnElement[bool] | None:
    """A WHERE clause matching `text`, or None when it has no searchable token."""
    tokens = search_tokens(text)
    if not tokens:
        return None
    if dialect_name == "sqlite":
        query = " ".join(f'"{token}"*' for token in tokens)
        matching = sa.text("SELECT rowid FROM dossier_search WHERE dossier_search MATCH :q")
        return Dossier.id.in_(matching.bindparams(q=query).columns(sa.column("rowid")))
    clauses = [
        Dossier.search_folded.like(f"%{_escape_like(token)}%", escape="\\") for token in tokens
    ]
    return sa.and_(*clauses)


def _escape_like(token: str) -> str:
    return token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
