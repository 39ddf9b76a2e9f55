"""Apply the Alembic migrations that ship inside the package.

A `MigrationSet` is one Alembic environment: its script directory and its version table.
The counter's is `COUNTER_MIGRATIONS` (the module-level functions below); the hub has its
own (`counter_app.hub.models.HUB_MIGRATIONS`), with another version table so both can live
in one PostgreSQL database. Each environment's env.py is a call to `run_migrations`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError

DEFAULT_VERSION_TABLE = "alembic_version"


@dataclass(frozen=True)
class MigrationSet:
    directory: Path
    version_table: str = DEFAULT_VERSION_TABLE

    def config(self, engine: sa.Engine) -> Config:
        config = Config()
        config.set_main_option("script_location", str(self.directory))
        config.attributes["engine"] = engine
        return config

    def upgrade(self, engine: sa.Engine, revision: str = "head") -> None:
        """Bring the database to `revision`; a no-op when it is already there."""
        if revision == "head" and self.current_revision(engine) == self.head_revision():
            return
        command.upgrade(self.config(engine), revision)

    def stamp(self, engine: sa.Engine, revision: str) -> None:
        """Record `revision` as applied without running anything (adopting a database)."""
        command.stamp(self.config(engine), revision)

    def current_revision(self, engine: sa.Engine) -> str | None:
        with engine.connect() as connection:
            migration = MigrationContext.configure(
                connection, opts={"version_table": self.version_table}
            )
            return migration.get_current_revision()

    def head_revision(self) -> str | None:
        return self.scripts().get_current_head()

    def knows(self, revision: str) -> bool:
        """Whether `revision` is one of this set's scripts (a newer program's is not)."""
        try:
            return self.scripts().get_revision(revision) is not None
        except CommandError:
            return False

    def scripts(self) -> ScriptDirectory:
        return ScriptDirectory(str(self.directory))


def run_migrations(
    target_metadata: sa.MetaData,
    version_table: str = DEFAULT_VERSION_TABLE,
    include_name: Callable[..., bool] | None = None,
) -> None:
    """The body of an env.py: migrate the engine `MigrationSet.config` handed in (or the
    `sqlalchemy.url` of an alembic.ini)."""
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
