"""Counter-side sync state: the enrolled device, per-dossier sync state, pages sent, day closes.

The outbox itself (`outbox`, one row per event) belongs to the store; these tables say
what the sync made of it. Created by migration 0002.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from counter_app.store.models import Base, JsonDocument, UtcDateTime


class SyncDevice(Base):
    """This database's enrolment at the hub (one row, id 1)."""

    __tablename__ = "sync_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(sa.String(64))
    secret: Mapped[str] = mapped_column(sa.String(128))
    hub_url: Mapped[str] = mapped_column(sa.String(500))
    office_unit: Mapped[str] = mapped_column(sa.String(16))
    block_first: Mapped[int]
    block_last: Mapped[int]
    enrolled_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    clock_offset_seconds: Mapped[float] = mapped_column(sa.Double(), default=0.0)


class SyncDossierState(Base):
    """Where one dossier stands with the hub; the "why not synced" panel reads it."""

    __tablename__ = "sync_dossier_state"
    __table_args__ = (
        # The panel lists dossiers by state; the sync picks those due for a retry.
        sa.Index("ix_sync_dossier_state_state_next", "state", "next_attempt_at"),
    )

    dossier_id: Mapped[int] = mapped_column(sa.ForeignKey("dossiers.id"), primary_key=True)
    state: Mapped[str] = mapped_column(sa.String(16))
    reason_code: Mapped[str | None] = mapped_column(sa.String(40))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    synced_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    synced_head_hash: Mapped[str | None] = mapped_column(sa.String(64))


class SyncPageSent(Base):
    """A page file the hub holds whole: it is never sent again."""

    __tablename__ = "sync_page_sent"

    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SyncDayClose(Base):
    """The hub's answer to a day-close manifest, and the leader's sign-off after a match."""

    __tablename__ = "sync_day_close"

    office_unit: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    closed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    match: Mapped[bool]
    manifest: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    difference: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    signed_off_by: Mapped[str | None] = mapped_column(sa.String(64))
    signed_off_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class PortalSend(Base):
    """Where one dossier stands with the province's one-stop system (counter-direct push,
    docs/sync-protocol.md §8a). Created by migration 0013.

    `state`: `sent` (a call went out, no answer recorded yet: sent again next time),
    `accepted`, `refused` (`reason` holds the province's own words; not sent again until
    the record changes or an operator asks) or `retrying` (the province could not be
    reached; `next_attempt_at` backs off)."""

    __tablename__ = "portal_sends"
    __table_args__ = (sa.Index("ix_portal_sends_state_next", "state", "next_attempt_at"),)

    dossier_id: Mapped[int] = mapped_column(sa.ForeignKey("dossiers.id"), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64))
    """`MaHoSo` as sent: the portal's code for an online filing, else the counter's."""
    state: Mapped[str] = mapped_column(sa.String(16))
    record_hash: Mapped[str | None] = mapped_column(sa.String(64))
    """The version the province last answered about (links left out: they are re-signed)."""
    head_hash: Mapped[str | None] = mapped_column(sa.String(64))
    """The dossier's head and the settings the record was last built from: while both
    stay the same the record does too, so it is not built again."""
    basis: Mapped[str | None] = mapped_column(sa.String(64))
    progress_hashes: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    """The progress entries the province accepted: each is sent once."""
    reason: Mapped[str | None] = mapped_column(sa.Text)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class PortalInbound(Base):
    """A dossier filed online that the counter pulled from the province's one-stop system
    (`counter-app portal pull`, docs/sync-protocol.md "Inbound"). Created by migration 0014.

    The portal's code is the key: a dossier listed again is never taken twice. The last
    status the province reported is kept, so a change upstream is applied once."""

    __tablename__ = "portal_inbound"

    portal_code: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    dossier_id: Mapped[int] = mapped_column(sa.ForeignKey("dossiers.id"), unique=True)
    upstream_status: Mapped[str] = mapped_column(sa.String(4))
    """`TrangThaiHoSo` as the province last reported it ("1"–"10")."""
    pulled_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    acknowledged: Mapped[bool] = mapped_column(default=False)
    """The province was told the counter holds it (`CapNhatDaNhanHoSo`)."""
