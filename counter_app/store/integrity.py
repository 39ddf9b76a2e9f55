"""What the schema must hold besides its tables: triggers, and the search index.

The triggers keep the search index in step with the dossiers (SQLite) and keep the
guidance log append-only; the migrations create them, and `verify` compares the schema's
triggers with the list here, so a dropped one is named. The search index is compared with
the dossiers it indexes and rebuilt by `rebuild_search_index` (`verify --repair-index`).
"""

from __future__ import annotations

import sqlalchemy as sa

SEARCH_COLUMNS = ("search_folded", "search_name")
"""The dossier columns the SQLite FTS5 table `dossier_search` indexes (migration 0009)."""
_SEARCH_TOKENIZE = "unicode61 remove_diacritics 0"
_SEARCH_PREFIXES = "2 3 4 5 6 7"
"""The prefix lengths the index keeps (migration 0011): a rebuild keeps the same ones."""

_SQLITE_SEARCH_TRIGGERS = (
    "dossier_search_insert",
    "dossier_search_delete",
    "dossier_search_update",
)
_SQLITE_DAY_COUNT_TRIGGERS = (
    "dossier_day_counts_insert",
    "dossier_day_counts_delete",
    "dossier_day_counts_update",
)
EXPECTED_TRIGGERS: dict[str, frozenset[str]] = {
    "sqlite": frozenset(
        {
            *_SQLITE_SEARCH_TRIGGERS,
            *_SQLITE_DAY_COUNT_TRIGGERS,
            "guidance_sessions_no_update",
            "guidance_sessions_no_delete",
        }
    ),
    "postgresql": frozenset({"guidance_sessions_append_only", "dossier_day_counts_keep"}),
}
"""Every trigger the counter's migrations create, by dialect."""

PG_SEARCH_INDEXES: dict[str, str] = {
    "ix_dossiers_search_trgm": "CREATE INDEX IF NOT EXISTS ix_dossiers_search_trgm ON dossiers "
    "USING gin (search_folded gin_trgm_ops)",
    "ix_dossiers_search_name_trgm": "CREATE INDEX IF NOT EXISTS ix_dossiers_search_name_trgm "
    "ON dossiers USING gin (search_name gin_trgm_ops)",
}
"""PostgreSQL: the trigram indexes a search is served by (migrations 0001 and 0009)."""


def schema_triggers(connection: sa.Connection) -> set[str]:
    if connection.dialect.name == "sqlite":
        rows = connection.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
    else:
        rows = connection.execute(
            sa.text(
                "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace"
            )
        )
    return {str(name) for name in rows.scalars()}


def missing_triggers(connection: sa.Connection) -> list[str]:
    """The expected triggers the schema no longer has, by name."""
    expected = EXPECTED_TRIGGERS.get(connection.dialect.name, frozenset())
    return sorted(expected - schema_triggers(connection))


def _has_table(connection: sa.Connection, name: str) -> bool:
    return sa.inspect(connection).has_table(name)


def unindexed_dossiers(connection: sa.Connection) -> list[int] | None:
    """Ids of dossiers the search index does not find (SQLite); [] when it is whole, None
    when it differs from the dossiers in another way (edited entries, a missing index)."""
    if connection.dialect.name != "sqlite":
        present = set(
            connection.execute(
                sa.text("SELECT indexname FROM pg_indexes WHERE tablename = 'dossiers'")
            ).scalars()
        )
        return [] if set(PG_SEARCH_INDEXES) <= present else None
    if not _has_table(connection, "dossier_search"):
        return None
    try:
        with connection.begin_nested():
            connection.execute(
                sa.text(
                    "INSERT INTO dossier_search(dossier_search, rank) VALUES ('integrity-check', 1)"
                )
            )
        return []
    except sa.exc.DatabaseError:
        pass
    # Which dossiers: the documents the index holds, read through a vocabulary table.
    connection.execute(
        sa.text(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.dossier_search_docs "
            "USING fts5vocab(main, dossier_search, instance)"
        )
    )
    try:
        indexed = set(
            connection.execute(
                sa.text("SELECT DISTINCT doc FROM temp.dossier_search_docs")
            ).scalars()
        )
    finally:
        connection.execute(sa.text("DROP TABLE IF EXISTS temp.dossier_search_docs"))
    ids = set(connection.execute(sa.text("SELECT id FROM dossiers")).scalars())
    missing = sorted(ids - indexed)
    return missing or None


def rebuild_search_index(connection: sa.Connection) -> None:
    """Make the search index whole again from the dossiers: its table, its triggers, its
    entries (SQLite); the trigram indexes, rebuilt (PostgreSQL)."""
    if connection.dialect.name != "sqlite":
        connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        for name, ddl in PG_SEARCH_INDEXES.items():
            connection.execute(sa.text(ddl))
            connection.execute(sa.text(f"REINDEX INDEX {name}"))
        return
    listed = ", ".join(SEARCH_COLUMNS)
    new = ", ".join(f"new.{column}" for column in SEARCH_COLUMNS)
    old = ", ".join(f"old.{column}" for column in SEARCH_COLUMNS)
    for trigger in _SQLITE_SEARCH_TRIGGERS:
        connection.execute(sa.text(f"DROP TRIGGER IF EXISTS {trigger}"))
    if not _has_table(connection, "dossier_search"):
        connection.execute(
            sa.text(
                f"CREATE VIRTUAL TABLE dossier_search USING fts5({listed}, content='dossiers', "
                f"content_rowid='id', tokenize='{_SEARCH_TOKENIZE}', prefix='{_SEARCH_PREFIXES}')"
            )
        )
    statements = (
        "CREATE TRIGGER dossier_search_insert AFTER INSERT ON dossiers BEGIN "
        f"INSERT INTO dossier_search(rowid, {listed}) VALUES (new.id, {new}); END",
        "CREATE TRIGGER dossier_search_delete AFTER DELETE ON dossiers BEGIN "
        f"INSERT INTO dossier_search(dossier_search, rowid, {listed}) "
        f"VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER dossier_search_update AFTER UPDATE OF {listed} ON dossiers BEGIN "
        f"INSERT INTO dossier_search(dossier_search, rowid, {listed}) "
        f"VALUES ('delete', old.id, {old}); "
        f"INSERT INTO dossier_search(rowid, {listed}) VALUES (new.id, {new}); END",
        "INSERT INTO dossier_search(dossier_search) VALUES ('rebuild')",
    )
    for statement in statements:
        connection.execute(sa.text(statement))
