"""Book and entry numbers of the tracking book ("Vào Sổ theo dõi hồ sơ, Quyển số … Số thứ tự …").

Each counter keeps one book a year; entries are numbered in the order dossiers are
written into it (when their first form is prepared, or when the book is printed), and a
number once given never changes. Tables created by migration 0004.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from counter_app.domain.calendar import VN_TZ
from counter_app.errors import ConfigError
from counter_app.i18n import _
from counter_app.store.models import Base, Dossier, UtcDateTime

DEFAULT_BOOK_FORMAT = "{counter}/{year}"


class LedgerSequence(Base):
    """The last entry number given in a counter's book of a year."""

    __tablename__ = "ledger_sequences"

    counter_id: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_value: Mapped[int]


class LedgerEntry(Base):
    """Where a dossier is written in the tracking book."""

    __tablename__ = "ledger_entries"
    __table_args__ = (sa.UniqueConstraint("counter_id", "year", "entry"),)

    dossier_id: Mapped[int] = mapped_column(sa.ForeignKey("dossiers.id"), primary_key=True)
    counter_id: Mapped[str] = mapped_column(sa.String(16))
    year: Mapped[int]
    book: Mapped[str] = mapped_column(sa.String(40))
    entry: Mapped[int]
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime())


@dataclass(frozen=True)
class LedgerNumber:
    book: str
    entry: int


def book_label(book_format: str, counter_id: str, year: int) -> str:
    try:
        return book_format.format(counter=counter_id, year=year)[:40]
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(
            _("Mẫu số quyển sổ không hợp lệ: {value}").format(value=book_format)
        ) from exc


def _next_entry(session: Session, counter_id: str, year: int) -> int:
    """Take the next entry number atomically (an upsert that returns the new value)."""
    table = cast(sa.Table, LedgerSequence.__table__)
    insert: Any
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = (
        insert(table)
        .values(counter_id=counter_id, year=year, last_value=1)
        .on_conflict_do_update(
            index_elements=[table.c.counter_id, table.c.year],
            set_={"last_value": table.c.last_value + 1},
        )
        .returning(table.c.last_value)
    )
    return int(session.execute(statement).scalar_one())


def ensure_entries(
    session: Session,
    dossiers: Iterable[Dossier],
    *,
    counter_id: str,
    book_format: str,
    now: datetime,
) -> dict[int, LedgerNumber]:
    """The book and entry of each dossier, writing the missing ones in the given order."""
    dossiers = list(dossiers)
    numbers = entries_for(session, [d.id for d in dossiers])
    for dossier in dossiers:
        if dossier.id in numbers:
            continue
        year = dossier.received_at.astimezone(VN_TZ).year
        entry = _next_entry(session, counter_id, year)
        book = book_label(book_format, counter_id, year)
        session.add(
            LedgerEntry(
                dossier_id=dossier.id,
                counter_id=counter_id,
                year=year,
                book=book,
                entry=entry,
                assigned_at=now,
            )
        )
        numbers[dossier.id] = LedgerNumber(book, entry)
    session.flush()
    return numbers


def entries_for(session: Session, dossier_ids: list[int]) -> dict[int, LedgerNumber]:
    if not dossier_ids:
        return {}
    rows = session.execute(
        sa.select(LedgerEntry.dossier_id, LedgerEntry.book, LedgerEntry.entry).where(
            LedgerEntry.dossier_id.in_(dossier_ids)
        )
    )
    return {int(d): LedgerNumber(str(b), int(e)) for d, b, e in rows}
