"""offices bound to their electronic ID, event chain links, history conflicts

Revision ID: h0002
Revises: h0001
Create Date: 2026-12-01 09:00:00

* `hub_offices`: each office's electronic ID (its dossier-code prefix), unique; the
  enrolment codes and the devices get the ID they were issued for.
* `hub_events.prev_hash` / `prev_seq`: the link of each event to the one before it in its
  device's chain, read back from the stored events, with indexes for the chain checks.
* `hub_conflicts`: dossiers refused because they contradict the history the hub holds.

Rows of an old hub are kept: a device's electronic ID is the prefix of the codes it has
sent when they all agree, and an office is bound when its devices agree and no other
office has that prefix; anything else is left for the administrator (`hub set-unit-id`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "h0002"
down_revision = "h0001"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
GENESIS_HASH = "0" * 64
_CHUNK = 1000

# Frozen shapes of the tables this migration reads and writes.
_events = sa.table(
    "hub_events",
    sa.column("uuid", sa.String),
    sa.column("device_id", sa.String),
    sa.column("seq", sa.BigInteger),
    sa.column("hash", sa.String),
    sa.column("payload", Json),
    sa.column("prev_hash", sa.String),
    sa.column("prev_seq", sa.BigInteger),
)
_devices = sa.table(
    "hub_devices",
    sa.column("id", sa.String),
    sa.column("office_unit", sa.String),
    sa.column("electronic_id", sa.String),
    sa.column("enrolled_at", sa.DateTime),
)
_dossiers = sa.table(
    "hub_dossiers", sa.column("code", sa.String), sa.column("device_id", sa.String)
)
_offices = sa.table(
    "hub_offices",
    sa.column("office_unit", sa.String),
    sa.column("electronic_id", sa.String),
    sa.column("bound_at", sa.DateTime),
    sa.column("bound_by", sa.String),
)


def upgrade() -> None:
    op.create_table(
        "hub_offices",
        sa.Column("office_unit", sa.String(length=16), nullable=False),
        sa.Column("electronic_id", sa.String(length=40), nullable=False),
        sa.Column("bound_at", sa.DateTime(), nullable=False),
        sa.Column("bound_by", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("office_unit", name=op.f("pk_hub_offices")),
        sa.UniqueConstraint("electronic_id", name=op.f("uq_hub_offices_electronic_id")),
    )
    op.add_column(
        "hub_enroll_codes", sa.Column("electronic_id", sa.String(length=40), nullable=True)
    )
    op.add_column("hub_devices", sa.Column("electronic_id", sa.String(length=40), nullable=True))
    op.add_column("hub_events", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("hub_events", sa.Column("prev_seq", sa.BigInteger(), nullable=True))
    op.create_table(
        "hub_conflicts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("office_unit", sa.String(length=16), nullable=False),
        sa.Column("dossier_code", sa.String(length=48), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("event_uuid", sa.String(length=36), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("held_hash", sa.String(length=64), nullable=True),
        sa.Column("sent_hash", sa.String(length=64), nullable=True),
        sa.Column("payload", Json, nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("times", sa.Integer(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_conflicts")),
    )
    op.create_index(
        "ix_hub_conflicts_device_open", "hub_conflicts", ["device_id", "resolved_at"], unique=False
    )
    op.create_index(
        op.f("ix_hub_conflicts_office_unit"), "hub_conflicts", ["office_unit"], unique=False
    )

    connection = op.get_bind()
    _fill_links(connection)
    with op.batch_alter_table("hub_events") as batch:
        batch.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
    op.create_index("ix_hub_events_device_seq", "hub_events", ["device_id", "seq"], unique=False)
    op.create_index("ix_hub_events_hash", "hub_events", ["hash"], unique=False)
    op.create_index("ix_hub_events_prev_hash", "hub_events", ["prev_hash"], unique=False)
    _bind_offices(connection)


def _fill_links(connection: sa.Connection) -> None:
    """Each stored event's `prev_hash` from its payload (every event carried it), and its
    `prev_seq` where the predecessor is an event of the same device the hub holds."""
    last = ""
    while True:
        rows = connection.execute(
            sa.select(_events.c.uuid, _events.c.payload)
            .where(_events.c.uuid > last)
            .order_by(_events.c.uuid)
            .limit(_CHUNK)
        ).all()
        if not rows:
            break
        for uuid, payload in rows:
            prev_hash = str((payload or {}).get("prev_hash") or "")
            connection.execute(
                sa.update(_events).where(_events.c.uuid == uuid).values(prev_hash=prev_hash)
            )
        last = rows[-1].uuid
    connection.execute(
        sa.update(_events).where(_events.c.prev_hash == GENESIS_HASH).values(prev_seq=0)
    )
    before = _events.alias("before")
    predecessor = (
        sa.select(before.c.seq)
        .where(before.c.hash == _events.c.prev_hash, before.c.device_id == _events.c.device_id)
        .limit(1)
        .scalar_subquery()
    )
    connection.execute(
        sa.update(_events).where(_events.c.prev_hash != GENESIS_HASH).values(prev_seq=predecessor)
    )


def _bind_offices(connection: sa.Connection) -> None:
    """Devices and offices of an old hub get the electronic ID their codes agree on.

    A prefix that devices of two offices have sent (one took the other's codes) binds
    neither office nor any of those devices: they are refused (`unit_id_unknown`) until
    the administrator sets the office's ID (`hub set-unit-id`).
    """
    prefixes: dict[str, set[str]] = defaultdict(set)
    for code, device_id in connection.execute(sa.select(_dossiers.c.code, _dossiers.c.device_id)):
        prefix = code.rsplit("-", 2)[0] if code.count("-") >= 2 else ""
        if prefix:
            prefixes[device_id].add(prefix)
    devices = connection.execute(
        sa.select(_devices.c.id, _devices.c.office_unit, _devices.c.enrolled_at)
    ).all()
    offices_of: dict[str, set[str]] = defaultdict(set)  # prefix -> offices that sent it
    by_office: dict[str, set[str]] = defaultdict(set)  # office -> prefixes it sent
    first_enrolled: dict[str, datetime] = {}
    for device_id, office, enrolled_at in devices:
        for prefix in prefixes.get(device_id, ()):
            offices_of[prefix].add(office)
            by_office[office].add(prefix)
        if office not in first_enrolled or enrolled_at < first_enrolled[office]:
            first_enrolled[office] = enrolled_at
    for device_id, office, _enrolled_at in devices:
        found = prefixes.get(device_id, set())
        if len(found) == 1 and offices_of[next(iter(found))] == {office}:
            connection.execute(
                sa.update(_devices)
                .where(_devices.c.id == device_id)
                .values(electronic_id=next(iter(found)))
            )
    for office, found in sorted(by_office.items()):
        if len(found) == 1 and offices_of[next(iter(found))] == {office}:
            connection.execute(
                sa.insert(_offices).values(
                    office_unit=office,
                    electronic_id=next(iter(found)),
                    bound_at=first_enrolled[office],
                    bound_by="migration",
                )
            )


def downgrade() -> None:
    op.drop_index("ix_hub_events_prev_hash", table_name="hub_events")
    op.drop_index("ix_hub_events_hash", table_name="hub_events")
    op.drop_index("ix_hub_events_device_seq", table_name="hub_events")
    op.drop_table("hub_conflicts")
    with op.batch_alter_table("hub_events") as batch:
        batch.drop_column("prev_seq")
        batch.drop_column("prev_hash")
    with op.batch_alter_table("hub_devices") as batch:
        batch.drop_column("electronic_id")
    with op.batch_alter_table("hub_enroll_codes") as batch:
        batch.drop_column("electronic_id")
    op.drop_table("hub_offices")
