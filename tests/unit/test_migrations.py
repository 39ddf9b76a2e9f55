"""Migrations build the schema from an empty database and match the models exactly."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from counter_app.errors import StorageError
from counter_app.kernel.context import open_context
from counter_app.store.engine import make_engine, sqlite_url
from counter_app.store.migrate import alembic_config, current_revision, head_revision, upgrade
from counter_app.store.registry import counter_metadata
from tests.conftest import make_data_dir


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_url")
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _ignored(diff: object) -> bool:
    # Hub tables, FTS shadow tables and the trigram indexes live outside the ORM metadata.
    text = repr(diff)
    return any(name in text for name in ("dossier_search", "_trgm", "hub_"))


def test_upgrade_from_empty_matches_models_and_downgrades(empty_engine: sa.Engine) -> None:
    assert current_revision(empty_engine) is None
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision(empty_engine)
    with empty_engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), counter_metadata())
    assert [d for d in diffs if not _ignored(d)] == []
    upgrade(empty_engine)  # a second start is a no-op
    command.downgrade(alembic_config(empty_engine), "base")
    assert current_revision(empty_engine) is None
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision(empty_engine)


def test_a_database_from_a_newer_program_is_refused_untouched(tmp_path) -> None:
    """Migrating down what a newer program wrote would lose data: refuse, in one line."""
    data_dir = make_data_dir(tmp_path)
    open_context(data_dir).close()
    engine = make_engine(sqlite_url(data_dir))
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(StorageError) as refused:
        open_context(data_dir)
    assert "0099" in refused.value.message and "\n" not in refused.value.message
    assert current_revision(engine) == "0099"
    engine.dispose()


def test_the_scanned_heads_are_alembics_heads() -> None:
    """A start skips Alembic when the database is at the head read from the scripts' lines:
    that reading must be Alembic's own answer, or a database would miss a migration."""
    from counter_app.hub.models import HUB_MIGRATIONS
    from counter_app.store.migrate import COUNTER_MIGRATIONS, scanned_head

    for migrations in (COUNTER_MIGRATIONS, HUB_MIGRATIONS):
        scanned = scanned_head(migrations.directory / "versions")
        assert scanned is not None  # one simple chain: the fast path is taken
        assert scanned == migrations.script_head()


def test_the_scan_gives_way_to_alembic_on_a_branch(tmp_path) -> None:
    from counter_app.store.migrate import scanned_head

    chain = tmp_path / "chain"
    branch = tmp_path / "branch"
    for directory, scripts in (
        (chain, (("0001", None), ("0002", "0001"))),
        (branch, (("0001", None), ("0002", "0001"), ("0003", "0001"))),
    ):
        directory.mkdir()
        for revision, parent in scripts:
            (directory / f"{revision}.py").write_text(
                f'revision: str = "{revision}"\ndown_revision = {parent and repr(parent)}\n'
            )
    assert scanned_head(chain) == "0002"
    assert scanned_head(branch) is None
