"""The hub's own Alembic migrations: they build the models' schema, go down and up again,
adopt a pre-Alembic hub database with its rows, refuse a newer one, and share a database
with a counter."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from counter_app.errors import ValidationError
from counter_app.hub.models import (
    HUB_MIGRATIONS,
    PRE_ALEMBIC_REVISION,
    PRE_ALEMBIC_STAMP,
    HubBase,
    is_hub_name,
)
from counter_app.hub.service import Hub, open_hub_database
from counter_app.store import migrate as counter_migrate
from counter_app.store.engine import make_engine

VERSION_TABLE = HUB_MIGRATIONS.version_table


@pytest.fixture(params=["sqlite", "postgresql"])
def hub_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{(tmp_path / 'hub.sqlite3').as_posix()}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def engines() -> Iterator[list[sa.Engine]]:
    """Engines a test opened, disposed at the end (PostgreSQL drops the database after)."""
    opened: list[sa.Engine] = []
    yield opened
    for engine in opened:
        engine.dispose()


def _schema_diffs(engine: sa.Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"version_table": VERSION_TABLE, "include_name": is_hub_name}
        )
        return list(compare_metadata(context, HubBase.metadata))


def _scalar(engine: sa.Engine, sql: str) -> object:
    with engine.connect() as connection:
        return connection.execute(sa.text(sql)).scalar()


def _stamp(engine: sa.Engine) -> object:
    return _scalar(engine, "SELECT value FROM hub_meta WHERE key = 'schema_version'")


def _pre_alembic_database(url: str, stamp: str | None) -> None:
    """A hub database as the pre-Alembic program left it, with an enrolled counter.

    That program built the models with `create_all` and stamped "1"; its schema is h0001's
    (frozen here, so this stays true when the models move on): h0001 is applied, then its
    version table dropped.
    """
    engine = make_engine(url)
    HUB_MIGRATIONS.upgrade(engine, PRE_ALEMBIC_REVISION)
    now = datetime(2026, 11, 2, 1, 30)  # naive UTC, as UtcDateTime stores it
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP TABLE {VERSION_TABLE}"))
        if stamp is not None:
            connection.execute(
                sa.text("INSERT INTO hub_meta (key, value) VALUES ('schema_version', :v)"),
                {"v": stamp},
            )
        connection.execute(
            sa.text(
                "INSERT INTO hub_devices (id, office_unit, secret, label, block_first,"
                " block_last, enrolled_at, revoked) VALUES ('dev-legacy', '26734', 's3cret',"
                " 'Quầy một', 1, 1000, :now, false)"
            ),
            {"now": now},
        )
        connection.execute(
            sa.text(
                "INSERT INTO hub_nonces (device_id, nonce, seen_at)"
                " VALUES ('dev-legacy', 'n-1', :now)"
            ),
            {"now": now},
        )
    engine.dispose()


def test_migrations_build_the_models_schema_and_go_down_and_up(
    hub_url: str, engines: list[sa.Engine]
) -> None:
    engine = open_hub_database(hub_url)
    engines.append(engine)
    assert HUB_MIGRATIONS.current_revision(engine) == HUB_MIGRATIONS.head_revision()
    assert _schema_diffs(engine) == []
    assert _stamp(engine) == HUB_MIGRATIONS.head_revision()

    engines.append(open_hub_database(hub_url))  # a second start changes nothing
    assert HUB_MIGRATIONS.current_revision(engine) == HUB_MIGRATIONS.head_revision()

    command.downgrade(HUB_MIGRATIONS.config(engine), "base")
    assert HUB_MIGRATIONS.current_revision(engine) is None
    assert set(sa.inspect(engine).get_table_names()) == {VERSION_TABLE}

    HUB_MIGRATIONS.upgrade(engine)
    assert HUB_MIGRATIONS.current_revision(engine) == HUB_MIGRATIONS.head_revision()
    assert _schema_diffs(engine) == []


def test_pre_alembic_database_is_adopted_with_its_rows(
    hub_url: str, engines: list[sa.Engine], tmp_path: Path
) -> None:
    _pre_alembic_database(hub_url, PRE_ALEMBIC_STAMP)

    engine = open_hub_database(hub_url)
    engines.append(engine)
    assert HUB_MIGRATIONS.current_revision(engine) == HUB_MIGRATIONS.head_revision()
    assert _schema_diffs(engine) == []
    assert _stamp(engine) == HUB_MIGRATIONS.head_revision()
    assert _scalar(engine, "SELECT count(*) FROM hub_nonces") == 1

    hub = Hub(engine, tmp_path / "blobs", clock=lambda: datetime(2026, 11, 3, 2, 0, tzinfo=UTC))
    [legacy] = hub.devices()
    assert (legacy.device.id, legacy.device.label) == ("dev-legacy", "Quầy một")
    assert legacy.enrolled_at == datetime(2026, 11, 2, 1, 30, tzinfo=UTC)
    # The adopted hub goes on from the old rows: the next block follows the legacy one.
    device, _secret = hub.enroll(hub.create_enroll_code("26734"), "Quầy hai", "000.00.26.H99")
    assert (device.block_first, device.block_last) == (1001, 2000)
    assert device.electronic_id == "000.00.26.H99"


def test_pre_alembic_database_without_its_stamp_is_adopted(
    hub_url: str, engines: list[sa.Engine]
) -> None:
    _pre_alembic_database(hub_url, None)
    engine = open_hub_database(hub_url)
    engines.append(engine)
    assert HUB_MIGRATIONS.current_revision(engine) == HUB_MIGRATIONS.head_revision()
    assert _scalar(engine, "SELECT count(*) FROM hub_devices") == 1


def test_pre_alembic_database_with_another_stamp_is_refused(
    hub_url: str, engines: list[sa.Engine]
) -> None:
    _pre_alembic_database(hub_url, "7")
    with pytest.raises(ValidationError) as refused:
        open_hub_database(hub_url)
    assert refused.value.message == "Cơ sở dữ liệu hub có phiên bản lược đồ 7, cần 1."
    engine = make_engine(hub_url)
    engines.append(engine)
    assert HUB_MIGRATIONS.current_revision(engine) is None  # not stamped, not touched
    assert _stamp(engine) == "7"


def test_database_at_an_unknown_newer_revision_is_refused(
    hub_url: str, engines: list[sa.Engine]
) -> None:
    engine = open_hub_database(hub_url)
    engines.append(engine)
    with engine.begin() as connection:
        connection.execute(sa.text(f"UPDATE {VERSION_TABLE} SET version_num = 'h9999'"))

    with pytest.raises(ValidationError) as refused:
        open_hub_database(hub_url)
    message = refused.value.message
    assert "\n" not in message
    assert "h9999" in message
    assert str(HUB_MIGRATIONS.head_revision()) in message
    assert "cập nhật chương trình hub" in message
    assert HUB_MIGRATIONS.current_revision(engine) == "h9999"


def test_hub_and_counter_share_one_database(hub_url: str, engines: list[sa.Engine]) -> None:
    counter = make_engine(hub_url)
    engines.append(counter)
    counter_migrate.upgrade(counter)
    engines.append(open_hub_database(hub_url))

    assert counter_migrate.current_revision(counter) == counter_migrate.head_revision(counter)
    assert HUB_MIGRATIONS.current_revision(counter) == HUB_MIGRATIONS.head_revision()
    assert _schema_diffs(counter) == []  # the hub's tables only: the counter's are not its own
    names = set(sa.inspect(counter).get_table_names())
    assert {"alembic_version", VERSION_TABLE, "dossiers", "hub_dossiers"} <= names


def test_h0002_reads_links_and_electronic_ids_from_the_rows_an_old_hub_holds(
    hub_url: str, engines: list[sa.Engine]
) -> None:
    """Events get `prev_hash` (and `prev_seq` where the predecessor is held) from their
    payloads; a device and its office get the code prefix their dossiers agree on, but a
    prefix two offices have sent (one took the other's codes) binds neither."""
    from sqlalchemy.dialects import postgresql

    engine = make_engine(hub_url)
    engines.append(engine)
    HUB_MIGRATIONS.upgrade(engine, "h0001")
    json_type = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    devices = sa.table(
        "hub_devices",
        *(sa.column(n) for n in ("id", "office_unit", "secret", "label", "block_first")),
        *(sa.column(n) for n in ("block_last", "enrolled_at", "revoked")),
    )
    dossiers = sa.table(
        "hub_dossiers",
        *(sa.column(n) for n in ("code", "device_id", "office_unit", "procedure_code")),
        *(sa.column(n) for n in ("procedure_name", "channel", "status", "received_at")),
        *(sa.column(n) for n in ("head_hash", "head_seq", "updated_at")),
        sa.column("record", json_type),
    )
    events = sa.table(
        "hub_events",
        *(sa.column(n) for n in ("uuid", "dossier_code", "device_id", "seq", "hash")),
        sa.column("received_at"),
        sa.column("payload", json_type),
        sa.column("progress", json_type),
    )
    now = datetime(2026, 11, 2, 1, 30)
    genesis, h1, h2 = "0" * 64, "1" * 64, "2" * 64
    with engine.begin() as connection:
        for device_id, office, first in [("d-a", "22333", 1), ("d-b", "22333", 1001)]:
            connection.execute(
                sa.insert(devices).values(
                    id=device_id,
                    office_unit=office,
                    secret="s",
                    label="",
                    block_first=first,
                    block_last=first + 999,
                    enrolled_at=now,
                    revoked=False,
                )
            )
        connection.execute(
            sa.insert(devices).values(
                id="d-x",
                office_unit="40111",
                secret="s",
                label="",
                block_first=1,
                block_last=1000,
                enrolled_at=now,
                revoked=False,
            )
        )
        for code, device_id in [
            ("000.00.22.H56-261102-0001", "d-a"),
            ("000.00.22.H56-261102-1001", "d-b"),
            ("000.00.40.H11-261102-0001", "d-x"),
            ("000.00.40.H11-261102-0002", "d-x"),
        ]:
            connection.execute(
                sa.insert(dossiers).values(
                    code=code,
                    device_id=device_id,
                    office_unit="22333",
                    procedure_code="1",
                    procedure_name="p",
                    channel="direct",
                    status="received",
                    received_at=now,
                    head_hash=h1,
                    head_seq=1,
                    updated_at=now,
                    record={},
                )
            )
        for uuid, seq, digest, prev in [("e-1", 1, h1, genesis), ("e-2", 2, h2, h1)]:
            connection.execute(
                sa.insert(events).values(
                    uuid=uuid,
                    dossier_code="000.00.22.H56-261102-0001",
                    device_id="d-a",
                    seq=seq,
                    hash=digest,
                    received_at=now,
                    payload={"prev_hash": prev},
                    progress={},
                )
            )
    engine.dispose()
    engine = open_hub_database(hub_url)
    engines.append(engine)
    with engine.connect() as connection:
        links = connection.execute(
            sa.text("SELECT uuid, prev_hash, prev_seq FROM hub_events ORDER BY uuid")
        ).all()
        ids = dict(connection.execute(sa.text("SELECT id, electronic_id FROM hub_devices")).all())
        bound = dict(
            connection.execute(sa.text("SELECT office_unit, electronic_id FROM hub_offices")).all()
        )
    assert [tuple(row) for row in links] == [("e-1", genesis, 0), ("e-2", h1, 1)]
    assert ids == {"d-a": "000.00.22.H56", "d-b": "000.00.22.H56", "d-x": "000.00.40.H11"}
    assert bound == {"22333": "000.00.22.H56", "40111": "000.00.40.H11"}

    # Had an intruder of office 40111 sent one of 22333's codes, neither office is bound.
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM hub_offices"))
        connection.execute(sa.text("UPDATE hub_devices SET electronic_id = NULL"))
        connection.execute(
            sa.text("UPDATE hub_dossiers SET code = :new WHERE code = :old"),
            {"new": "000.00.22.H56-261102-0002", "old": "000.00.40.H11-261102-0002"},
        )
    with engine.begin() as connection:
        _h0002()._bind_offices(connection)
        ids = dict(connection.execute(sa.text("SELECT id, electronic_id FROM hub_devices")).all())
        bound = connection.execute(sa.text("SELECT count(*) FROM hub_offices")).scalar()
    assert ids == {"d-a": None, "d-b": None, "d-x": None} and bound == 0


def _h0002() -> Any:
    import importlib.util

    path = HUB_MIGRATIONS.directory / "versions" / "h0002_offices_chain_conflicts.py"
    spec = importlib.util.spec_from_file_location("hub_h0002", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
