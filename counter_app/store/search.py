"""Search over dossiers, served by the database's indexes, never by reading rows here.

A query is cut into words. A word typed without accents matches every accent form: its
folded form ("ha") is looked up in the folded column `search_folded` (code, name, numbers).
A word typed with accents matches those accents: its case-folded form with the marks kept
("hà") is looked up in `search_name`, the applicant's name folded the same way, so "Hà"
finds Hà, not Hạnh, Hằng, Hải or Hân.

SQLite answers through the FTS5 table `dossier_search` over both columns (each word matches
the start of a word); PostgreSQL through trigram indexes: anywhere in the folded column (as
it always did), at the start of a word of the name column.

The matches are ranked (`search_tiers`), best first:

1. the whole name, as typed;
2. the words as typed, side by side, in the name ("Thu Hà" in "Nguyễn Thị Thu Hà");
3. the words side by side, accents aside ("Thư Hà"; or a code's parts);
4. every word whole, anywhere;
5. the rest: a word found as the start of a longer one ("Hà" in "Hàng").

Within a rank the desk's order holds: newest receipt first.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from counter_app.domain.text import fold, fold_case, search_tokens
from counter_app.store.models import Dossier

BROAD_SEARCH_MATCHES = 2_000
"""From this many matches on, a page is read along the receipt-time index (SQLite)."""


def searchable_text(*parts: str | None) -> str:
    """What a dossier is found by: folded code, applicant name, ID numbers, phone."""
    return fold(" ".join(part for part in parts if part))


def _words_of(text: str) -> list[str]:
    return "".join(ch if ch.isalnum() else " " for ch in fold_case(text)).split()


def name_key(name: str | None) -> str:
    """The `search_name` column: the name case-folded, marks kept, its words only, single
    spaces ("Nguyễn  THỊ Thu-Hà" -> "nguyễn thị thu hà"). Migration 0009 has a frozen copy."""
    return " ".join(_words_of(name or ""))


@dataclass(frozen=True)
class SearchWord:
    """A word of a query: folded ("ha") and as typed, case-folded with its marks ("hà")."""

    folded: str
    marked: str

    @property
    def accented(self) -> bool:
        """Typed with a mark (or đ): matched on the marks, not on the folded form."""
        return self.marked != self.folded


def search_words(text: str) -> list[SearchWord]:
    """The words of a query, punctuation dropped."""
    words = []
    for word in _words_of(text):
        folded = "".join(search_tokens(word))
        if folded:
            words.append(SearchWord(folded, word))
    return words


# --- SQLite: FTS5 expressions -----------------------------------------------------------


def _fts_word(word: SearchWord, *, prefix: bool) -> str:
    star = "*" if prefix else ""
    if word.accented:
        return f'search_name : "{word.marked}"{star}'
    return f'search_folded : "{word.folded}"{star}'


def _fts_all(words: list[SearchWord], *, prefix: bool) -> str:
    return " AND ".join(f"({_fts_word(word, prefix=prefix)})" for word in words)


def _fts_ranks(words: list[SearchWord]) -> list[str]:
    """Ranks 2-4 as FTS5 expressions (a one-word query has fewer distinct ones)."""
    typed = " ".join(word.marked for word in words)
    folded = " ".join(word.folded for word in words)
    ranks = [
        f'search_name : "{typed}"',
        f'search_folded : "{folded}"',
        _fts_all(words, prefix=False),
    ]
    return list(dict.fromkeys(ranks))


def _fts_matches(expression: str) -> sa.TextClause:
    matching = sa.text("SELECT rowid FROM dossier_search WHERE dossier_search MATCH :q")
    return matching.bindparams(q=expression)


# --- PostgreSQL: conditions on the row, the filter served by the trigram indexes --------

_EDGE = "[^[:alnum:]]"


def _pg_word(word: SearchWord, *, prefix: bool) -> sa.ColumnElement[bool]:
    if word.accented:
        ending = "" if prefix else "( |$)"
        return Dossier.search_name.regexp_match(f"(^| ){word.marked}{ending}")
    if prefix:  # anywhere, as the search has always matched on PostgreSQL
        return Dossier.search_folded.like(f"%{_escape_like(word.folded)}%", escape="\\")
    return Dossier.search_folded.regexp_match(f"(^|{_EDGE}){word.folded}({_EDGE}|$)")


def _pg_all(words: list[SearchWord], *, prefix: bool) -> sa.ColumnElement[bool]:
    return sa.and_(*(_pg_word(word, prefix=prefix) for word in words))


def _pg_ranks(words: list[SearchWord]) -> list[sa.ColumnElement[bool]]:
    typed = " ".join(word.marked for word in words)
    folded = f"{_EDGE}+".join(word.folded for word in words)
    ranks = [
        Dossier.search_name.regexp_match(f"(^| ){typed}( |$)"),
        Dossier.search_folded.regexp_match(f"(^|{_EDGE}){folded}({_EDGE}|$)"),
    ]
    if len(words) > 1:
        ranks.append(_pg_all(words, prefix=False))
    return ranks


# --- the filter and the ranks -------------------------------------------------------------


def search_condition(
    dialect_name: str, text: str, *, by_receipt_index: bool = False
) -> sa.ColumnElement[bool] | None:
    """A WHERE clause matching `text`, or None when it has no searchable word.

    `by_receipt_index` (SQLite, for a broad search): `id + 0` hides the rowid from the
    planner, so instead of fetching every match by id and sorting them it walks a
    receipt-time index newest first (its order is the desk's: received_at, then id) and
    stops at the page. Same rows, same order.
    """
    words = search_words(text)
    if not words:
        return None
    if dialect_name == "sqlite":
        target = Dossier.id + 0 if by_receipt_index else Dossier.id
        return target.in_(_fts_matches(_fts_all(words, prefix=True)))
    return _pg_all(words, prefix=True)


@dataclass(frozen=True)
class SearchTier:
    """One rank of a search's matches: each match is in exactly one rank."""

    key: str
    """The whole query as a name key: the first rank's names equal it, no other's do."""
    match: str | None = None
    """SQLite: the FTS5 expression of the rank; None for the first rank (by its index)."""
    where: sa.ColumnElement[bool] | None = None
    """PostgreSQL: the rank's condition; None for the first rank."""

    @property
    def exact(self) -> bool:
        return self.match is None and self.where is None

    def condition(self, *, by_receipt_index: bool = False) -> sa.ColumnElement[bool]:
        """Its WHERE clause; `by_receipt_index` as for `search_condition`."""
        if self.exact:
            return Dossier.search_name == self.key
        others = Dossier.search_name != self.key
        if self.where is not None:
            return sa.and_(self.where, others)
        assert self.match is not None
        target = Dossier.id + 0 if by_receipt_index else Dossier.id
        return sa.and_(target.in_(_fts_matches(self.match)), others)

    def is_broad(self, session: Session) -> bool:
        """Whether its page is best read along the receipt-time index (see `is_broad_search`)."""
        return self.match is not None and _is_broad_match(session, self.match)


def search_tiers(dialect_name: str, text: str) -> list[SearchTier]:
    """The ranks of a search, best first (see the module's text); [] without a word.

    Each rank but the first is the filter and its own test, less the better ranks' tests,
    in one index lookup: on SQLite a single FTS5 expression.
    """
    words = search_words(text)
    if not words:
        return []
    key = " ".join(word.marked for word in words)
    tiers = [SearchTier(key)]
    if dialect_name == "sqlite":
        matching = _fts_all(words, prefix=True)
        ranks = _fts_ranks(words)
        # Ranks that contain every word whole are within the matches already: their own
        # test alone spares the index the words' prefix lists (same rows, read once).
        implied = {_fts_all(words, prefix=False)}
        if not any(word.accented for word in words):
            implied.add(f'search_folded : "{" ".join(word.folded for word in words)}"')
        for index, rank in enumerate([*ranks, None]):
            better = ranks if rank is None else ranks[:index]
            if rank is None:
                expression = f"({matching})"
            elif rank in implied:
                expression = f"({rank})"
            else:
                expression = f"(({matching}) AND ({rank}))"
            if better:
                expression += " NOT (" + " OR ".join(f"({b})" for b in better) + ")"
            tiers.append(SearchTier(key, match=expression))
        return tiers
    condition = _pg_all(words, prefix=True)
    pg_ranks = _pg_ranks(words)
    for index, pg_rank in enumerate([*pg_ranks, None]):
        pg_better = pg_ranks if pg_rank is None else pg_ranks[:index]
        parts = [condition] if pg_rank is None else [condition, pg_rank]
        parts.extend(sa.not_(b) for b in pg_better)
        tiers.append(SearchTier(key, where=sa.and_(*parts)))
    return tiers


def _is_broad_match(session: Session, expression: str) -> bool:
    bounded = sa.text(
        "SELECT count(*) FROM (SELECT rowid FROM dossier_search"
        " WHERE dossier_search MATCH :q LIMIT :bound)"
    )
    found = session.execute(bounded, {"q": expression, "bound": BROAD_SEARCH_MATCHES}).scalar_one()
    return int(found) >= BROAD_SEARCH_MATCHES


def is_broad_search(session: Session, text: str) -> bool:
    """Whether `text` matches at least BROAD_SEARCH_MATCHES dossiers in SQLite's index.

    A broad search's page is read along the receipt-time index; a narrow one's few matches
    are fetched by id and sorted, which is cheap, where the walk would be long. The count
    stops at the bound.
    """
    words = search_words(text)
    if not words or session.get_bind().dialect.name != "sqlite":
        return False
    return _is_broad_match(session, _fts_all(words, prefix=True))


def match_count(session: Session, text: str) -> int | None:
    """How many dossiers `text` matches, counted in SQLite's index alone (its rows are the
    dossiers' rows, kept by triggers); None elsewhere or without a searchable word."""
    words = search_words(text)
    if not words or session.get_bind().dialect.name != "sqlite":
        return None
    counted = sa.text("SELECT count(*) FROM dossier_search WHERE dossier_search MATCH :q")
    return int(session.execute(counted, {"q": _fts_all(words, prefix=True)}).scalar_one())


def _escape_like(token: str) -> str:
    return token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
