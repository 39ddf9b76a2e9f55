"""The guidance log: one row each time the counter showed a citizen how to file online.

A citizen who is shown how and then files by themselves leaves no dossier at the counter,
so "guided to online" is counted here, apart from "received" (docs/rules.md §10).
No personal data: the metric needs the procedure, the outcome and the clerk, not the
citizen's name or ID number. Append-only (migration 0008 adds triggers that refuse UPDATE
and DELETE). Created by migration 0008.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from counter_app.store.models import Base, UtcDateTime


class GuidanceSession(Base):
    __tablename__ = "guidance_sessions"
    # The guidance report counts the sessions of a period.
    __table_args__ = (sa.Index("ix_guidance_sessions_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    """Stable identity, so a later export to the hub can be idempotent."""
    office_id: Mapped[int] = mapped_column(sa.ForeignKey("offices.id"))
    procedure_code: Mapped[str] = mapped_column(sa.String(20))
    catalog_version: Mapped[str] = mapped_column(sa.String(40))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    clerk: Mapped[str] = mapped_column(sa.String(64))
    outcome: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str | None] = mapped_column(sa.String(200))
    """Why the citizen could not file online: a paper-reason code or "other: TEXT"."""
    dossier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("dossiers.id"), unique=True)
    """The assisted-online dossier the guidance ended in; one session per dossier."""
