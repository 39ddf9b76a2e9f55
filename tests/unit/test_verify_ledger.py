"""`verify` checks the tracking-book numbers printed on the forms (book and entry)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from counter_app.documents.ledger import LedgerEntry, ensure_entries
from counter_app.domain.applicants import Person
from counter_app.domain.calendar import VN_TZ
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.maintenance.service import verify
from counter_app.store.models import Dossier

APPLICANT = Person(name="Trần Văn Bình", id_number="056190012345", address="Nha Trang")


def write_into_book(ctx, clock, count: int) -> list[str]:
    """Dossiers received and written into the book one by one, a minute apart."""
    codes = []
    for _ in range(count):
        code = intake(ctx, IntakeRequest("1.000894", APPLICANT), SYSTEM_ACTOR).code
        with ctx.session() as session:
            dossier = session.execute(sa.select(Dossier).where(Dossier.code == code)).scalar_one()
            ensure_entries(
                session, [dossier], counter_id="Q1", book_format="{counter}/{year}", now=clock()
            )
        codes.append(code)
        clock.now += timedelta(minutes=1)
    return codes


def set_entry(ctx, code: str, **values) -> None:
    """Tamper with the book row of `code` as someone with the database file would."""
    with ctx.session() as session:
        dossier_id = session.execute(sa.select(Dossier.id).where(Dossier.code == code)).scalar()
        session.execute(
            sa.update(LedgerEntry).where(LedgerEntry.dossier_id == dossier_id).values(**values)
        )


def ledger_problems(ctx) -> list[str]:
    return [p for p in verify(ctx).problems if "sổ" in p or "số thứ tự" in p]


def test_a_book_written_in_order_verifies(any_ctx, clock) -> None:
    write_into_book(any_ctx, clock, 3)
    clock.now = datetime(2027, 1, 4, 9, 0, tzinfo=VN_TZ)  # a new year starts at 1 again
    write_into_book(any_ctx, clock, 2)
    report = verify(any_ctx)
    assert report.ok, report.problems


def test_a_changed_entry_number_is_reported(any_ctx, clock) -> None:
    codes = write_into_book(any_ctx, clock, 4)
    set_entry(any_ctx, codes[1], entry=9)
    problems = ledger_problems(any_ctx)
    assert any("thiếu số thứ tự 2" in p and "Q1" in p and "2026" in p for p in problems)
    assert any("số thứ tự 9 chưa từng được cấp (số cuối đã cấp: 4)" in p for p in problems)
    assert not verify(any_ctx).ok


def test_swapped_numbers_and_a_deleted_entry_are_reported(ctx, clock) -> None:
    codes = write_into_book(ctx, clock, 4)
    set_entry(ctx, codes[0], entry=100)  # swap 1 and 3 (the unique constraint holds)
    set_entry(ctx, codes[2], entry=1)
    set_entry(ctx, codes[0], entry=3)
    assert ledger_problems(ctx) == [
        "sổ theo dõi quầy Q1 năm 2026: số thứ tự 2 được cấp sớm hơn số 1",
        "sổ theo dõi quầy Q1 năm 2026: số thứ tự 3 được cấp sớm hơn số 2",
    ]
    set_entry(ctx, codes[0], entry=100)
    set_entry(ctx, codes[2], entry=3)
    set_entry(ctx, codes[0], entry=1)
    assert ledger_problems(ctx) == []
    with ctx.session() as session:
        session.execute(sa.delete(LedgerEntry).where(LedgerEntry.entry == 4))
    assert ledger_problems(ctx) == ["sổ theo dõi quầy Q1 năm 2026: thiếu số thứ tự 4"]


def test_an_entry_moved_to_another_years_book_is_reported(ctx, clock) -> None:
    codes = write_into_book(ctx, clock, 2)
    set_entry(ctx, codes[1], year=2025)
    problems = ledger_problems(ctx)
    assert f"{codes[1]}: ghi vào sổ năm 2025, không phải năm tiếp nhận hồ sơ" in problems
    assert any("năm 2025" in p and "chưa từng được cấp" in p for p in problems)


@pytest.mark.parametrize("count", [0, 1])
def test_an_empty_or_one_entry_book_verifies(ctx, clock, count) -> None:
    write_into_book(ctx, clock, count)
    assert verify(ctx).ok
