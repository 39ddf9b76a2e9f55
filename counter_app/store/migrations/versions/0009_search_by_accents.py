"""search by accents: the applicant's name with its marks kept, in the search index

A search typed with accents ("Hà") matches those accents, not every name that folds alike
(Hạnh, Hằng, Hải); one typed without them still matches every accent form. The folded
column stays as it is (event digests cover it); `search_name` is the name case-folded with
its marks, filled here for the dossiers already taken in.

SQLite: the FTS5 table indexes both columns (no diacritic removal: the folded one has none
left); PostgreSQL: a trigram index on the new column beside the folded one's.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_BATCH = 2_000


def name_key(name: str | None) -> str:
    """The rule of `store.search.name_key` as this revision wrote it (frozen here)."""
    text = unicodedata.normalize("NFC", unicodedata.normalize("NFC", name or "").casefold())
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text).split())


def _fill() -> None:
    bind = op.get_bind()
    dossiers = sa.table(
        "dossiers",
        sa.column("id", sa.Integer),
        sa.column("applicant_name", sa.String),
        sa.column("search_name", sa.Text),
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(dossiers.c.id, dossiers.c.applicant_name)
            .where(dossiers.c.id > last)
            .order_by(dossiers.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        bind.execute(
            dossiers.update()
            .where(dossiers.c.id == sa.bindparam("row_id"))
            .values(search_name=sa.bindparam("key")),
            [{"row_id": row.id, "key": name_key(row.applicant_name)} for row in rows],
        )
        last = rows[-1].id


def _sqlite_search(columns: tuple[str, ...], tokenize: str) -> None:
    """The FTS5 table over `columns` of dossiers, its triggers, filled from the table."""
    listed = ", ".join(columns)
    new = ", ".join(f"new.{column}" for column in columns)
    old = ", ".join(f"old.{column}" for column in columns)
    op.execute(
        f"CREATE VIRTUAL TABLE dossier_search USING fts5({listed}, content='dossiers', "
        f"content_rowid='id', tokenize='{tokenize}', prefix='2 3')"
    )
    op.execute(
        "CREATE TRIGGER dossier_search_insert AFTER INSERT ON dossiers BEGIN "
        f"INSERT INTO dossier_search(rowid, {listed}) VALUES (new.id, {new}); END"
    )
    op.execute(
        "CREATE TRIGGER dossier_search_delete AFTER DELETE ON dossiers BEGIN "
        f"INSERT INTO dossier_search(dossier_search, rowid, {listed}) "
        f"VALUES ('delete', old.id, {old}); END"
    )
    op.execute(
        f"CREATE TRIGGER dossier_search_update AFTER UPDATE OF {listed} ON dossiers BEGIN "
        f"INSERT INTO dossier_search(dossier_search, rowid, {listed}) "
        f"VALUES ('delete', old.id, {old}); "
        f"INSERT INTO dossier_search(rowid, {listed}) VALUES (new.id, {new}); END"
    )
    op.execute("INSERT INTO dossier_search(dossier_search) VALUES ('rebuild')")


def _drop_sqlite_search() -> None:
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS dossier_search_{trigger}")
    op.execute("DROP TABLE IF EXISTS dossier_search")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _drop_sqlite_search()
    op.add_column(
        "dossiers", sa.Column("search_name", sa.Text(), nullable=False, server_default="")
    )
    _fill()
    op.create_index("ix_dossiers_search_name", "dossiers", ["search_name"])
    if sqlite:
        _sqlite_search(("search_folded", "search_name"), "unicode61 remove_diacritics 0")
    else:
        op.execute(
            "CREATE INDEX ix_dossiers_search_name_trgm ON dossiers "
            "USING gin (search_name gin_trgm_ops)"
        )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _drop_sqlite_search()
    else:
        op.execute("DROP INDEX IF EXISTS ix_dossiers_search_name_trgm")
    op.drop_index("ix_dossiers_search_name", table_name="dossiers")
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("search_name")
    if sqlite:
        _sqlite_search(("search_folded",), "unicode61")
