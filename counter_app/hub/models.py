"""The hub's tables: a MetaData of their own, apart from the counter's schema.

The hub is a separate database (SQLite for a test or a district, PostgreSQL for a
province). Its schema changes only through its own Alembic migrations
(`counter_app/hub/migrations/`, version table `hub_alembic_version`, so a hub may share a
PostgreSQL database with counters); `open_hub_database` upgrades to the head on start.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from counter_app.store.migrate import MigrationSet
from counter_app.store.models import JsonDocument, UtcDateTime

HUB_MIGRATIONS = MigrationSet(
    Path(__file__).resolve().parent / "migrations", version_table="hub_alembic_version"
)
# Before Alembic, `create_all` built the schema of h0001 and stamped "1" in `hub_meta`.
PRE_ALEMBIC_STAMP = "1"
PRE_ALEMBIC_REVISION = "h0001"


def is_hub_name(name: str | None, type_: str, _parent_names: object) -> bool:
    """Alembic's `include_name`: a hub may share its database with counters, and a schema
    comparison looks at the hub's tables only."""
    return type_ != "table" or (name or "").startswith("hub_")


class HubBase(DeclarativeBase):
    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class HubMeta(HubBase):
    """Key/value facts about the hub database.

    `schema_version` is kept as a guard for pre-Alembic hub programs: `open_hub_database`
    writes the Alembic revision there, so such a program (which wants "1") refuses a
    migrated database instead of writing into a schema it does not know. A database that
    has the "1" stamp and no version table is a pre-Alembic one and is adopted at h0001.
    """

    __tablename__ = "hub_meta"

    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(200))


class HubOffice(HubBase):
    """An office and its electronic ID (the prefix of its dossier codes), bound once.

    A device of the office may send only codes with this prefix, and no other office may
    claim it: the one-to-one tie is what keeps one office's codes out of another's hands.
    """

    __tablename__ = "hub_offices"

    office_unit: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    electronic_id: Mapped[str] = mapped_column(sa.String(40), unique=True)
    bound_at: Mapped[datetime] = mapped_column(UtcDateTime())
    bound_by: Mapped[str] = mapped_column(sa.String(16))
    """"admin" (`hub enroll-code --unit-id`, `hub set-unit-id`), "enrolment" (the first
    counter enrolled) or "migration" (read from the codes an old hub already held)."""


class HubEnrollCode(HubBase):
    """A one-time enrolment code; only its hash is kept."""

    __tablename__ = "hub_enroll_codes"

    code_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    office_unit: Mapped[str] = mapped_column(sa.String(16))
    electronic_id: Mapped[str | None] = mapped_column(sa.String(40))
    block_size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    device_id: Mapped[str | None] = mapped_column(sa.String(64))


class HubDevice(HubBase):
    __tablename__ = "hub_devices"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    office_unit: Mapped[str] = mapped_column(sa.String(16), index=True)
    secret: Mapped[str] = mapped_column(sa.String(128))
    label: Mapped[str] = mapped_column(sa.String(64), default="")
    electronic_id: Mapped[str | None] = mapped_column(sa.String(40))
    """The code prefix the device may issue; None only for a device enrolled before h0002
    whose codes did not tell (it then follows its office's `HubOffice`)."""
    block_first: Mapped[int]
    block_last: Mapped[int]
    enrolled_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked: Mapped[bool] = mapped_column(default=False)
    last_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class HubNonce(HubBase):
    """Nonces seen inside the signature window: a second use is a replay."""

    __tablename__ = "hub_nonces"
    __table_args__ = (sa.Index("ix_hub_nonces_seen_at", "seen_at"),)  # the purge

    device_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime())


class HubDossier(HubBase):
    """The latest `DongBoHoSoMC` record of a dossier, and the fields the counts need."""

    __tablename__ = "hub_dossiers"
    __table_args__ = (
        # `hub counts` and the day close select an office's dossiers of one day.
        sa.Index("ix_hub_dossiers_office_received", "office_unit", "received_at"),
        # The dashboard (h0003): results of a period, open dossiers past due.
        sa.Index("ix_hub_dossiers_office_updated", "office_unit", "updated_at"),
        sa.Index("ix_hub_dossiers_office_status_due", "office_unit", "status", "due_at"),
    )

    code: Mapped[str] = mapped_column(sa.String(48), primary_key=True)
    device_id: Mapped[str] = mapped_column(sa.String(64))
    office_unit: Mapped[str] = mapped_column(sa.String(16))
    procedure_code: Mapped[str] = mapped_column(sa.String(20))
    procedure_name: Mapped[str] = mapped_column(sa.Text)
    channel: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(16))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    head_hash: Mapped[str] = mapped_column(sa.String(64))
    head_seq: Mapped[int] = mapped_column(sa.BigInteger)
    record: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class HubEvent(HubBase):
    """One event as the counter recorded it, with its `CapNhatTienDoHoSoMC` entry.

    `seq` is the event's place in its device's chain and `prev_hash` the hash of the one
    before it (`prev_seq`, when the counter said or the hub found it): the hub checks each
    new event against the ones it holds and never stores a second history.
    """

    __tablename__ = "hub_events"
    __table_args__ = (
        sa.Index("ix_hub_events_dossier_seq", "dossier_code", "seq"),
        sa.Index("ix_hub_events_device_seq", "device_id", "seq"),
        sa.Index("ix_hub_events_hash", "hash"),
        sa.Index("ix_hub_events_prev_hash", "prev_hash"),
    )

    uuid: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    dossier_code: Mapped[str] = mapped_column(sa.String(48))
    device_id: Mapped[str] = mapped_column(sa.String(64))
    seq: Mapped[int] = mapped_column(sa.BigInteger)
    hash: Mapped[str] = mapped_column(sa.String(64))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    prev_seq: Mapped[int | None] = mapped_column(sa.BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    progress: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())


class HubPage(HubBase):
    """A page file by sha256: bytes received so far, and what the uploads cost."""

    __tablename__ = "hub_pages"

    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    received_bytes: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    complete: Mapped[bool] = mapped_column(default=False)
    chunks_accepted: Mapped[int] = mapped_column(default=0)
    chunks_refused: Mapped[int] = mapped_column(default=0)
    bytes_accepted: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class HubConflict(HubBase):
    """A dossier the hub refused because it contradicts the history the hub holds (an
    event rewritten, a chain link to another past): kept with what was sent, for the
    province to look into and the counter to be told, and never applied."""

    __tablename__ = "hub_conflicts"
    __table_args__ = (sa.Index("ix_hub_conflicts_device_open", "device_id", "resolved_at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(sa.String(64))
    office_unit: Mapped[str] = mapped_column(sa.String(16), index=True)
    dossier_code: Mapped[str] = mapped_column(sa.String(48))
    reason: Mapped[str] = mapped_column(sa.String(40))
    event_uuid: Mapped[str | None] = mapped_column(sa.String(36))
    seq: Mapped[int | None] = mapped_column(sa.BigInteger)
    held_hash: Mapped[str | None] = mapped_column(sa.String(64))
    sent_hash: Mapped[str | None] = mapped_column(sa.String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    """The dossier as the counter sent it."""
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    times: Mapped[int] = mapped_column(default=1)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolution: Mapped[str | None] = mapped_column(sa.Text)


class HubUnlinkedEvent(HubBase):
    """An event whose predecessor (`prev_hash`) the hub does not hold yet: written by ingest
    when it accepts such an event, removed when an event with that hash arrives. The day
    close lists a device's holes from here instead of checking its whole chain."""

    __tablename__ = "hub_unlinked_events"

    device_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    prev_hash: Mapped[str] = mapped_column(sa.String(64), index=True)


class HubDayClose(HubBase):
    __tablename__ = "hub_day_closes"

    office_unit: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    closed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    match: Mapped[bool]
    manifest: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    difference: Mapped[dict[str, Any]] = mapped_column(JsonDocument)


class HubPortalSession(HubBase):
    """A session of the national-portal-style adapter interface."""

    __tablename__ = "hub_portal_sessions"

    token: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class HubPortalRecord(HubBase):
    """A record pushed through the adapter interface (`DongBoHoSoMC`)."""

    __tablename__ = "hub_portal_records"

    ma_ho_so: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    madonvi: Mapped[str] = mapped_column(sa.String(40))
    record: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    progress: Mapped[list[Any]] = mapped_column(JsonDocument)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updates: Mapped[int] = mapped_column(default=0)


class HubStaff(HubBase):
    """A provincial officer who signs in to the dashboard (`hub user add`).

    Only an argon2 hash of the password is kept. `failed_count` counts sign-ins refused in a
    row; past the limit the account is locked until `locked_until` (web.py).
    """

    __tablename__ = "hub_staff"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    login: Mapped[str] = mapped_column(sa.String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(8))
    """"viewer" or "admin"."""
    active: Mapped[bool] = mapped_column(default=True)
    failed_count: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class HubWebSession(HubBase):
    """A signed-in browser: the cookie holds a random token, the table only its sha256."""

    __tablename__ = "hub_web_sessions"

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("hub_staff.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    """The idle expiry: pushed forward on each request, never past the absolute limit."""


class HubAccessLog(HubBase):
    """Who opened what on the dashboard, and whether an applicant's data was shown."""

    __tablename__ = "hub_access_log"
    __table_args__ = (sa.Index("ix_hub_access_log_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    login: Mapped[str] = mapped_column(sa.String(64))
    page: Mapped[str] = mapped_column(sa.String(200))
    object: Mapped[str | None] = mapped_column(sa.String(100))
    personal_data: Mapped[bool] = mapped_column(default=False)
