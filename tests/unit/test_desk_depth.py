"""The desk's quick roads give exactly the rows and counts of the plain queries: the day
counts kept by triggers (deep pages, the count of every dossier) and the count of a search
in the index itself, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from counter_app.domain.applicants import Person
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Status
from counter_app.dossiers.desk import desk_count, desk_page
from counter_app.dossiers.service import (
    DossierFilter,
    IntakeRequest,
    count_dossiers,
    intake,
    list_dossiers,
    move,
)
from counter_app.errors import ValidationError
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.store.models import Dossier, DossierDayCount

XMTTHN = "1.004873"
NAMES = ("Lê Thị Tuyết", "Phạm Văn Nam", "Nguyễn Tuyết Mai", "Trần Ngọc Tuyết")


def _fill(ctx, clock) -> list[tuple[datetime, str]]:
    """(received_at, code) of 17 dossiers over four days, in intake order: two received at
    the same moment, a late entry received days before it was taken in, one processing."""
    made = []
    start = datetime(2026, 3, 2, 8, 0, tzinfo=VN_TZ)  # 01:00 UTC: UTC days differ from ours
    for index in range(16):
        clock.now = start + timedelta(hours=min(index, 14) * 5)
        person = Person(name=NAMES[index % len(NAMES)], id_number=f"0560900{index:05d}")
        view = intake(ctx, IntakeRequest(XMTTHN, person), SYSTEM_ACTOR)
        made.append((view.received_at, view.code))
    late = IntakeRequest(
        XMTTHN,
        Person(name=NAMES[2], id_number="056090000016"),
        received_at=start + timedelta(hours=12),
        late_reason="mất điện, nhập bù",
    )
    view = intake(ctx, late, SYSTEM_ACTOR)
    made.append((view.received_at, view.code))
    move(ctx, made[3][1], Status.PROCESSING, SYSTEM_ACTOR)
    return made


def _day_counts(ctx) -> dict[object, int]:
    with ctx.session() as session:
        rows = session.execute(sa.select(DossierDayCount.day, DossierDayCount.dossiers))
        return {day: n for day, n in rows if n}


def _days_of_rows(ctx) -> dict[object, int]:
    counts: dict[object, int] = {}
    with ctx.session() as session:
        for (received,) in session.execute(sa.select(Dossier.received_at)):
            day = received.astimezone(UTC).date()
            counts[day] = counts.get(day, 0) + 1
    return counts


def test_deep_pages_and_counts_are_the_plain_querys(any_ctx, clock):
    made = _fill(any_ctx, clock)
    assert _day_counts(any_ctx) == _days_of_rows(any_ctx)
    everything = DossierFilter()
    assert desk_count(any_ctx, everything) == count_dossiers(any_ctx, everything) == len(made)
    plain = [view.code for view in list_dossiers(any_ctx, everything, limit=100)]
    for size in (1, 3):
        for offset in range(len(made) + 2):
            page = desk_page(any_ctx, everything, offset=offset, limit=size)
            assert [view.code for view in page] == plain[offset : offset + size], (size, offset)
    # Another filter takes the plain road, with its checks.
    processing = DossierFilter(status=(Status.PROCESSING,))
    assert [v.code for v in desk_page(any_ctx, processing, offset=0, limit=5)] == [made[3][1]]
    with pytest.raises(ValidationError):
        desk_page(any_ctx, everything, offset=-1, limit=5)
    with pytest.raises(ValidationError):
        desk_page(any_ctx, everything, offset=5, limit=0)


def test_the_day_counts_follow_every_change_of_the_table(any_ctx, clock):
    made = _fill(any_ctx, clock)
    first, second = made[0][1], made[5][1]
    moved = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
    with any_ctx.session() as session, session.begin():
        # Behind the services' back, as a repair tool or a restore would: the counts follow.
        session.execute(sa.update(Dossier).where(Dossier.code == first).values(received_at=moved))
        session.execute(
            sa.update(Dossier).where(Dossier.code == second).values(status="processing")
        )
    counts = _day_counts(any_ctx)
    assert counts == _days_of_rows(any_ctx)
    assert counts[moved.date()] == 1
    plain = [view.code for view in list_dossiers(any_ctx, DossierFilter(), limit=100)]
    assert plain[-1] == first
    assert [v.code for v in desk_page(any_ctx, DossierFilter(), offset=16, limit=3)] == [first]
    assert desk_count(any_ctx, DossierFilter()) == len(made)
    assert sum(counts.values()) == len(made)
    assert all(day > moved.date() - timedelta(days=1) for day in counts)


SEARCHES = ("tuyet", "Tuyết", "TUYẾT mai", "nam", "Phạm Văn Nam", "zzzzqx", " ,;-- ", "0560900")


def test_a_search_is_counted_and_paged_as_the_plain_query(any_ctx, clock):
    _fill(any_ctx, clock)
    for text in SEARCHES:
        flt = DossierFilter(search=text)
        total = desk_count(any_ctx, flt)
        assert total == count_dossiers(any_ctx, flt), text
        plain = [view.code for view in list_dossiers(any_ctx, flt, limit=100)]
        for offset in range(0, total + 1, 2):  # pages of 3 that overlap the ranks' edges
            quick = desk_page(any_ctx, flt, offset=offset, limit=3, total=total)
            assert [v.code for v in quick] == plain[offset : offset + 3], (text, offset)
        narrowed = DossierFilter(search=text, status=(Status.PROCESSING,))
        assert desk_count(any_ctx, narrowed) == count_dossiers(any_ctx, narrowed), text


def test_a_bad_search_is_refused_by_the_quick_count_too(any_ctx):
    with pytest.raises(ValidationError):
        desk_count(any_ctx, DossierFilter(search="An\x00"))
