"""Book and entry numbers of the tracking book ("Vào Sổ theo dõi hồ sơ, Quyển số … Số thứ tự …").

Each counter keeps one book a year; a dossier is written into it when it is received, in
the transaction that receives it (`enter_in_book`: at intake, or when an online filing is
received), so entries follow the order of receipt and a preview never takes one. A dossier
without an entry (received before this rule, or never received) gets one at its first final
print, or when the book is printed. A number once given never changes. Tables created by
migration 0004.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from counter_app.domain.calendar import VN_TZ
from counter_app.errors import ConfigError
from counter_app.i18n import _
from counter_app.kernel.events import VerifyProblem
from counter_app.store.models import Base, Dossier, UtcDateTime

if TYPE_CHECKING:
    from counter_app.kernel.context import AppContext

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
    dialect = session.get_bind().dialect.name
    statement = _TAKE_ENTRY.get(dialect)
    if statement is None:  # built once per dialect
        insert: Any
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        statement = _TAKE_ENTRY[dialect] = (
            insert(table)
            .values(
                counter_id=sa.bindparam("counter"), year=sa.bindparam("book_year"), last_value=1
            )
            .on_conflict_do_update(
                index_elements=[table.c.counter_id, table.c.year],
                set_={"last_value": table.c.last_value + 1},
            )
            .returning(table.c.last_value)
        )
    params = {"counter": counter_id, "book_year": year}
    return int(session.execute(statement, params).scalar_one())


_TAKE_ENTRY: dict[str, Any] = {}
_ADD_ENTRY = sa.insert(LedgerEntry)
_PREVIOUS_ENTRY = sa.select(LedgerEntry.assigned_at).where(
    LedgerEntry.counter_id == sa.bindparam("counter_id"),
    LedgerEntry.year == sa.bindparam("year"),
    LedgerEntry.entry == sa.bindparam("entry"),
)


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
        # Never earlier than the entry before it (read under the sequence's lock): two
        # machines of one counter whose clocks differ by a second do not look out of order.
        previous = session.execute(
            _PREVIOUS_ENTRY, {"counter_id": counter_id, "year": year, "entry": entry - 1}
        ).scalar()
        session.execute(
            _ADD_ENTRY,
            {
                "dossier_id": dossier.id,
                "counter_id": counter_id,
                "year": year,
                "book": book,
                "entry": entry,
                "assigned_at": max(now, previous) if previous is not None else now,
            },
        )
        numbers[dossier.id] = LedgerNumber(book, entry)
    session.flush()
    return numbers


def book_format_setting(ctx: AppContext) -> str:
    """The office's book label (config `forms.book_format`), else `DEFAULT_BOOK_FORMAT`."""
    return ctx.config.forms.book_format or DEFAULT_BOOK_FORMAT


def enter_in_book(
    ctx: AppContext, session: Session, dossier: Dossier, now: datetime
) -> LedgerNumber:
    """Write a dossier being received into this counter's book, in the caller's transaction."""
    return ensure_entries(
        session,
        [dossier],
        counter_id=ctx.config.counter_id,
        book_format=book_format_setting(ctx),
        now=now,
    )[dossier.id]


_ENTRIES_FOR = sa.select(LedgerEntry.dossier_id, LedgerEntry.book, LedgerEntry.entry).where(
    LedgerEntry.dossier_id.in_(sa.bindparam("ids", expanding=True))
)


def entries_for(session: Session, dossier_ids: list[int]) -> dict[int, LedgerNumber]:
    if not dossier_ids:
        return {}
    rows = session.execute(_ENTRIES_FOR, {"ids": dossier_ids})
    return {int(d): LedgerNumber(str(b), int(e)) for d, b, e in rows}


# --- the tracking book ------------------------------------------------------------------


def verify_ledger(session: Session) -> list[VerifyProblem]:
    """The tracking-book numbers printed on the forms, checked for consistency.

    Entry numbers are not events (they are given at receipt, or for older dossiers when a
    form or the book is first printed, often many at once), so the digest does not cover
    them. What a number must satisfy is checked instead, per counter and year: the entries
    are 1, 2, … up to the last number the counter's sequence gave, with no gap or repeat (a
    number is taken in the same transaction as its entry, so a rolled-back intake or print
    leaves no gap); a later number was never given before an earlier one; an entry sits in
    the book of the year its dossier was received. Renumbering the whole book together
    with its times is not detected.
    """
    problems: list[VerifyProblem] = []
    last_given = {
        (counter, year): last
        for counter, year, last in session.execute(
            sa.select(LedgerSequence.counter_id, LedgerSequence.year, LedgerSequence.last_value)
        )
    }
    groups = session.execute(
        sa.select(
            LedgerEntry.counter_id,
            LedgerEntry.year,
            sa.func.count(),
            sa.func.count(sa.distinct(LedgerEntry.entry)),
            sa.func.min(LedgerEntry.entry),
            sa.func.max(LedgerEntry.entry),
        ).group_by(LedgerEntry.counter_id, LedgerEntry.year)
    ).all()
    for counter, year, count, distinct, lowest, highest in groups:
        where = _("sổ theo dõi quầy {counter} năm {year}").format(counter=counter, year=year)
        given = last_given.get((counter, year), 0)
        if count == distinct == highest == given and lowest == 1:
            continue
        numbers = sorted(
            session.execute(
                sa.select(LedgerEntry.entry).where(
                    LedgerEntry.counter_id == counter, LedgerEntry.year == year
                )
            ).scalars()
        )
        expected = set(range(1, given + 1))
        missing = sorted(expected - set(numbers))
        extra = sorted({n for n in numbers if n not in expected})
        repeated = sorted({n for n in numbers if numbers.count(n) > 1})
        if missing:
            problems.append(
                VerifyProblem(
                    _("thiếu số thứ tự {numbers}").format(numbers=_number_list(missing)), where
                )
            )
        if extra:
            problems.append(
                VerifyProblem(
                    _("số thứ tự {numbers} chưa từng được cấp (số cuối đã cấp: {last})").format(
                        numbers=_number_list(extra), last=given
                    ),
                    where,
                )
            )
        if repeated:
            problems.append(
                VerifyProblem(
                    _("số thứ tự {numbers} bị trùng").format(numbers=_number_list(repeated)), where
                )
            )
    problems.extend(_ledger_out_of_order(session, LedgerEntry))
    problems.extend(_ledger_wrong_year(session, LedgerEntry))
    return problems


def _number_list(numbers: list[int], shown: int = 5) -> str:
    text = ", ".join(str(n) for n in numbers[:shown])
    return text + (", …" if len(numbers) > shown else "")


def _ledger_out_of_order(session: Session, entry: Any) -> list[VerifyProblem]:
    """Entries whose number was given earlier than the number before it (times may tie: a
    book print numbers many at one time)."""
    window = {"partition_by": (entry.counter_id, entry.year), "order_by": entry.entry}
    ordered = sa.select(
        entry.counter_id,
        entry.year,
        entry.entry,
        entry.assigned_at,
        sa.func.lag(entry.entry).over(**window).label("previous"),
        sa.func.lag(entry.assigned_at).over(**window).label("previous_at"),
    ).subquery()
    rows = session.execute(
        sa.select(ordered.c.counter_id, ordered.c.year, ordered.c.entry, ordered.c.previous)
        .where(ordered.c.previous_at > ordered.c.assigned_at)
        .order_by(ordered.c.counter_id, ordered.c.year, ordered.c.entry)
    )
    return [
        VerifyProblem(
            _("số thứ tự {number} được cấp sớm hơn số {previous}").format(
                number=number, previous=previous
            ),
            _("sổ theo dõi quầy {counter} năm {year}").format(counter=counter, year=year),
        )
        for counter, year, number, previous in rows
    ]


def _ledger_wrong_year(session: Session, entry: Any) -> list[VerifyProblem]:
    """Entries in the book of a year other than the one their dossier was received in."""
    problems: list[VerifyProblem] = []
    years = session.execute(sa.select(entry.year).distinct()).scalars().all()
    for year in years:
        start, end = (datetime(y, 1, 1, tzinfo=VN_TZ) for y in (year, year + 1))
        codes = session.execute(
            sa.select(Dossier.code)
            .join(entry, entry.dossier_id == Dossier.id)
            .where(entry.year == year)
            .where((Dossier.received_at < start) | (Dossier.received_at >= end))
            .order_by(Dossier.code)
        ).scalars()
        problems.extend(
            VerifyProblem(
                _("ghi vào sổ năm {year}, không phải năm tiếp nhận hồ sơ").format(year=year),
                code,
            )
            for code in codes
        )
    return problems
