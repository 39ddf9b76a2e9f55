"""Apply the Alembic migrations that ship inside the package.

A `MigrationSet` is one Alembic environment: its script directory and its version table.
The counter's is `COUNTER_MIGRATIONS` (the module-level functions below); the hub has its
own (`counter_app.hub.models.HUB_MIGRATIONS`), with another version table so both can live
in one PostgreSQL database. Each environment's env.py is a call to `run_migrations`.

A start on a database that is already at the newest revision reads one row of the version
table and compares it with the head found by reading the scripts' `revision =` and
`down_revision =` lines (`scanned_head`): Alembic, about half a second to import on a small
machine, loads only when there is something to migrate. `tests/unit/test_migrations.py`
checks that reading against Alembic's own answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:  # Alembic loads only when a migration runs or a script is looked up
    from alembic.config import Config
    from alembic.script import ScriptDirectory

DEFAULT_VERSION_TABLE = "alembic_version"

_REVISION_LINE = re.compile(
    r"""^(down_revision|revision)\s*(?::[^=]+)?=\s*(?:["']([^"']+)["']|None)\s*$""", re.M
)


@cache
def scanned_head(versions: Path) -> str | None:
    """The newest revision of the scripts in `versions`, read from their `revision` and
    `down_revision` lines without Alembic; None unless they form one simple chain (a merge,
    a branch, a line it cannot read), and then the caller asks Alembic."""
    parents: dict[str, str | None] = {}
    for script in versions.glob("*.py"):
        found = {
            name: value or None
            for name, value in _REVISION_LINE.findall(script.read_text(encoding="utf-8"))
        }
        revision = found.get("revision")
        if revision is None or "down_revision" not in found or revision in parents:
            return None
        parents[revision] = found["down_revision"]
    children = [parent for parent in parents.values() if parent is not None]
    heads = set(parents) - set(children)
    simple_chain = len(children) == len(set(children)) == len(parents) - 1
    return heads.pop() if simple_chain and len(heads) == 1 else None


@dataclass(frozen=True)
class MigrationSet:
    directory: Path
    version_table: str = DEFAULT_VERSION_TABLE

    def config(self, engine: sa.Engine) -> Config:
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(self.directory))
        config.attributes["engine"] = engine
        return config

    def upgrade(self, engine: sa.Engine, revision: str = "head") -> None:
        """Bring the database to `revision`; a no-op when it is already there."""
        head = scanned_head(self.directory / "versions")
        if revision == "head" and head is not None and self.current_revision(engine) == head:
            return
        from alembic import command

        command.upgrade(self.config(engine), revision)

    def stamp(self, engine: sa.Engine, revision: str) -> None:
        """Record `revision` as applied without running anything (adopting a database)."""
        from alembic import command

        command.stamp(self.config(engine), revision)

    def current_revision(self, engine: sa.Engine) -> str | None:
        """The revision the database is at (None: never migrated), read without Alembic."""
        version = sa.table(self.version_table, sa.column("version_num"))
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table(self.version_table):
                return None
            rows = connection.execute(sa.select(version.c.version_num)).scalars().all()
        if len(rows) > 1:  # branches: none of ours has them; Alembic says what is wrong
            return self._alembic_current_revision(engine)
        return str(rows[0]) if rows else None

    def _alembic_current_revision(self, engine: sa.Engine) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with engine.connect() as connection:
            migration = MigrationContext.configure(
                connection, opts={"version_table": self.version_table}
            )
            return migration.get_current_revision()

    def head_revision(self) -> str | None:
        """The newest revision this program knows: read from the scripts when they form one
        chain (no Alembic), else Alembic's answer."""
        return scanned_head(self.directory / "versions") or self.script_head()

    def script_head(self) -> str | None:
        """The newest revision by Alembic itself."""
        return self.scripts().get_current_head()

    def knows(self, revision: str) -> bool:
        """Whether `revision` is one of this set's scripts (a newer program's is not)."""
        if revision == scanned_head(self.directory / "versions"):
            return True
        from alembic.util import CommandError

        try:
            return self.scripts().get_revision(revision) is not None
        except CommandError:
            return False

    def scripts(self) -> ScriptDirectory:
        from alembic.script import ScriptDirectory

        return ScriptDirectory(str(self.directory))


def run_migrations(
    target_metadata: sa.MetaData,
    version_table: str = DEFAULT_VERSION_TABLE,
    include_name: Callable[..., bool] | None = None,
) -> None:
    """The body of an env.py: migrate the engine `MigrationSet.config` handed in (or the
    `sqlalchemy.url` of an alembic.ini)."""
    from alembic import context

    config = context.config
    engine = config.attributes.get("engine")
    if not isinstance(engine, sa.Engine):
        url = config.get_main_option("sqlalchemy.url")
        if not url:
            raise RuntimeError("no engine or sqlalchemy.url given to the migrations")
        engine = sa.create_engine(url, hide_parameters=True)

    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            version_table=version_table,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
        if connection.in_transaction():
            connection.commit()


COUNTER_MIGRATIONS = MigrationSet(Path(__file__).resolve().parent / "migrations")
MIGRATIONS_DIR = COUNTER_MIGRATIONS.directory


def alembic_config(engine: sa.Engine) -> Config:
    return COUNTER_MIGRATIONS.config(engine)


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the counter's database to `revision`; a no-op when it is already there."""
    COUNTER_MIGRATIONS.upgrade(engine, revision)


def current_revision(engine: sa.Engine) -> str | None:
    return COUNTER_MIGRATIONS.current_revision(engine)


def head_revision(engine: sa.Engine) -> str | None:
    return COUNTER_MIGRATIONS.head_revision()
