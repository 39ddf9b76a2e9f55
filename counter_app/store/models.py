"""SQLAlchemy 2 typed models. Schema changes happen only through Alembic migrations.

Times are stored as naive UTC (`UtcDateTime`) so SQLite and PostgreSQL agree; services
convert to Vietnam time at the boundary.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime in, an aware UTC datetime out; naive UTC in the database."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


# JSON documents: JSONB where PostgreSQL offers it.
JsonDocument = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Office(Base):
    """A receiving office: the commune centre the counter belongs to."""

    __tablename__ = "offices"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    electronic_id: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(200))
    parent_body: Mapped[str] = mapped_column(sa.String(200), default="")
    province_name: Mapped[str] = mapped_column(sa.String(200), default="")


class CatalogVersion(Base):
    """One imported version of the procedure catalog, kept whole for history."""

    __tablename__ = "catalog_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(sa.String(40), unique=True)
    published: Mapped[date]
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime())
    document: Mapped[dict[str, Any]] = mapped_column(JsonDocument)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(16))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CodeSequence(Base):
    """The last dossier number issued per office and receipt day (daily reset)."""

    __tablename__ = "code_sequences"

    office_id: Mapped[int] = mapped_column(sa.ForeignKey("offices.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    last_value: Mapped[int]


class Dossier(Base):
    __tablename__ = "dossiers"
    __table_args__ = (
        # The desk and the reports filter by receipt time and status.
        sa.Index("ix_dossiers_received_at", "received_at"),
        sa.Index("ix_dossiers_status_due_at", "status", "due_at"),
        # The periodic report: open dossiers by receipt time, resolved ones by result time.
        sa.Index("ix_dossiers_status_received_at", "status", "received_at"),
        sa.Index("ix_dossiers_resolved_at_received_at", "resolved_at", "received_at"),
        # A returning citizen is recognised by ID number.
        sa.Index("ix_dossiers_applicant_id_number", "applicant_id_number"),
        # A search equal to the whole name, as typed, ranks first (store/search.py).
        sa.Index("ix_dossiers_search_name", "search_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(48), unique=True)
    office_id: Mapped[int] = mapped_column(sa.ForeignKey("offices.id"))
    competent_body: Mapped[str | None] = mapped_column(sa.String(200))
    procedure_code: Mapped[str] = mapped_column(sa.String(20), index=True)
    procedure_name: Mapped[str] = mapped_column(sa.Text)
    procedure_field: Mapped[str] = mapped_column(sa.String(200), default="")
    catalog_version: Mapped[str] = mapped_column(sa.String(40))
    channel: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(16))
    applicant_kind: Mapped[str] = mapped_column(sa.String(16))
    applicant_name: Mapped[str] = mapped_column(sa.String(500))
    applicant_id_number: Mapped[str | None] = mapped_column(sa.String(20))
    applicant: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    received_by: Mapped[str] = mapped_column(sa.String(64))
    entered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    paused_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    returned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    handler: Mapped[str | None] = mapped_column(sa.String(64))
    late_entry: Mapped[bool] = mapped_column(default=False)
    late_entry_reason: Mapped[str | None] = mapped_column(sa.Text)
    supplement_count: Mapped[int] = mapped_column(default=0)
    portal_code: Mapped[str | None] = mapped_column(sa.String(64))
    paper_reason: Mapped[str | None] = mapped_column(sa.String(200))
    fee_total: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    payment_method: Mapped[str | None] = mapped_column(sa.String(32))
    result_delivery: Mapped[str] = mapped_column(
        sa.String(16), default="counter", server_default="counter"
    )
    """How the citizen takes the result (`domain.lifecycle.Delivery`)."""
    search_folded: Mapped[str] = mapped_column(sa.Text)
    search_name: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    """The applicant's name case-folded with its marks kept, its words only ("thu hà"):
    what a search typed with accents is compared with (`store.search.name_key`)."""
    head_hash: Mapped[str] = mapped_column(sa.String(64))

    documents: Mapped[list[DossierDocument]] = relationship(
        back_populates="dossier", order_by="DossierDocument.position"
    )
    fees: Mapped[list[DossierFee]] = relationship(back_populates="dossier")


class DossierDocument(Base):
    """One line of the documents checklist (thành phần hồ sơ)."""

    __tablename__ = "dossier_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(sa.ForeignKey("dossiers.id"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(sa.Text)
    original_or_copy: Mapped[str] = mapped_column(sa.String(40), default="")
    copies: Mapped[int] = mapped_column(default=1)
    provided: Mapped[bool] = mapped_column(default=True)
    digitised: Mapped[bool] = mapped_column(default=False)
    reused: Mapped[bool] = mapped_column(default=False)

    dossier: Mapped[Dossier] = relationship(back_populates="documents")


class DossierFee(Base):
    __tablename__ = "dossier_fees"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(sa.ForeignKey("dossiers.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    payment_method: Mapped[str | None] = mapped_column(sa.String(32))
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    dossier: Mapped[Dossier] = relationship(back_populates="fees")


class Event(Base):
    """An append-only entry of a dossier's history, chained by hash to the previous one."""

    __tablename__ = "events"
    # The periodic report finds dossiers closed (refused, withdrawn...) within a period.
    __table_args__ = (sa.Index("ix_events_to_status_at", "to_status", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    dossier_id: Mapped[int] = mapped_column(sa.ForeignKey("dossiers.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    from_status: Mapped[str | None] = mapped_column(sa.String(16))
    to_status: Mapped[str | None] = mapped_column(sa.String(16))
    actor: Mapped[str] = mapped_column(sa.String(64))
    actor_role: Mapped[str] = mapped_column(sa.String(16))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    reason: Mapped[str | None] = mapped_column(sa.Text)
    data: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    state_digest: Mapped[str] = mapped_column(sa.String(64))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)


class DossierDayCount(Base):
    """How many dossiers were received on each day (UTC), kept by triggers on `dossiers`
    (migration 0011) in the transaction of each insert, delete or receipt-time change.

    The desk counts every dossier from it and finds a deep page's day without walking
    the rows before it (`dossiers/desk.py`).
    """

    __tablename__ = "dossier_day_counts"

    day: Mapped[date] = mapped_column(primary_key=True)
    dossiers: Mapped[int]


class LedgerHead(Base):
    """The single row that holds the end of the event chain; locked by every writer."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_event_id: Mapped[int | None]
    last_hash: Mapped[str] = mapped_column(sa.String(64))


ADMIN_HEAD_ID = 2
"""The `ledger_head` row that holds the end of the admin log (row 1: the dossier chain)."""


class AdminEvent(Base):
    """A change of the office's reference data (users and roles, catalog, offices, holiday
    table, hub enrolment, guarded settings): who, when, what, and the digest of each item
    after it, chained by hash like the dossier events (kernel/admin_log.py)."""

    __tablename__ = "admin_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    actor: Mapped[str] = mapped_column(sa.String(64))
    actor_role: Mapped[str] = mapped_column(sa.String(16))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    data: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    digests: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)


class Page(Base):
    """A scanned page: the file lives in the content-addressed page store by sha256."""

    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(sa.ForeignKey("dossiers.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("dossier_documents.id"))
    position: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    media_type: Mapped[str] = mapped_column(sa.String(40))
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    width: Mapped[int | None]
    height: Mapped[int | None]
    dpi: Mapped[int | None]
    is_result: Mapped[bool] = mapped_column(default=False)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())
    added_by: Mapped[str] = mapped_column(sa.String(64))
    blank: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    rotation: Mapped[int] = mapped_column(default=0, server_default="0")
    """Degrees clockwise to turn the stored image when shown or exported (0/90/180/270)."""


class OutboxItem(Base):
    """An event waiting to be sent to the provincial hub; written with the event itself."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
