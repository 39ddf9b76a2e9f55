"""The desk's search pages stay newest first whichever way the database reads them: a
broad search walks the receipt-time index, a narrow one sorts its few matches."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from counter_app.domain.applicants import Person
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Status
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
from counter_app.store import search
from counter_app.store.search import is_broad_search

XMTTHN = "1.004873"
NAMES = ("Lê Thị Tuyết", "Phạm Văn Nam", "Nguyễn Tuyết Mai", "Trần Ngọc Tuyết")


def _person(name: str, number: int) -> Person:
    return Person(name=name, id_number=f"0560900{number:05d}")


def _fill(ctx, clock) -> list[tuple[datetime, int, str, str]]:
    """(received_at, intake order, code, name) of every dossier, in intake order."""
    made = []
    start = datetime(2026, 3, 2, 8, 0, tzinfo=VN_TZ)
    for index in range(14):
        clock.now = start + timedelta(hours=index * 5)
        name = NAMES[index % len(NAMES)]
        view = intake(ctx, IntakeRequest(XMTTHN, _person(name, index)), SYSTEM_ACTOR)
        made.append((view.received_at, index, view.code, name))
    # Two at the same moment: the later intake is shown first.
    for offset in (14, 15):
        view = intake(ctx, IntakeRequest(XMTTHN, _person(NAMES[0], offset)), SYSTEM_ACTOR)
        made.append((view.received_at, offset, view.code, NAMES[0]))
    # A late entry: received days ago, so it sorts below dossiers taken in after it.
    late = intake(
        ctx,
        IntakeRequest(
            XMTTHN,
            _person(NAMES[2], 16),
            received_at=start + timedelta(hours=12),
            late_reason="mất điện, nhập bù",
        ),
        SYSTEM_ACTOR,
    )
    made.append((late.received_at, 16, late.code, NAMES[2]))
    move(ctx, made[3][2], Status.PROCESSING, SYSTEM_ACTOR)
    return made


def _pages(ctx, flt: DossierFilter, size: int) -> list[str]:
    codes: list[str] = []
    while True:
        page = list_dossiers(ctx, flt, limit=size, offset=len(codes))
        codes.extend(view.code for view in page)
        if len(page) < size:
            return codes


@pytest.mark.parametrize("broad_from", [3, 10_000], ids=["broad", "narrow"])
def test_search_pages_are_newest_first(any_ctx, clock, monkeypatch, broad_from):
    monkeypatch.setattr(search, "BROAD_SEARCH_MATCHES", broad_from)
    made = _fill(any_ctx, clock)
    tuyet = [m for m in made if "Tuyết" in m[3]]
    expected = [code for _at, _order, code, _n in sorted(tuyet, reverse=True)]
    with any_ctx.session() as session:
        broad = is_broad_search(session, "tuyet")
    assert broad is (any_ctx.engine.dialect.name == "sqlite" and broad_from == 3)
    flt = DossierFilter(search="tuyet")
    assert count_dossiers(any_ctx, flt) == len(expected)
    for size in (1, 4, 100):
        assert _pages(any_ctx, flt, size) == expected, size
    shown = list_dossiers(any_ctx, flt, limit=100)
    moments = [view.received_at for view in shown]
    assert moments == sorted(moments, reverse=True)
    assert shown[-1].code != made[-1][2]  # the late entry sits by its receipt time
    # Combined with another filter, still the same rule.
    processing = DossierFilter(search="tuyet", status=(Status.PROCESSING,))
    assert _pages(any_ctx, processing, 2) == [c for c in expected if c == made[3][2]]


def test_searches_without_a_token_or_a_page_size(any_ctx, clock):
    made = _fill(any_ctx, clock)
    with any_ctx.session() as session:
        assert is_broad_search(session, " ,;-- ") is False
        assert is_broad_search(session, "zzzzqx") is False
    everything = DossierFilter(search=" ,;-- ")
    assert count_dossiers(any_ctx, everything) == len(made)
    assert list_dossiers(any_ctx, DossierFilter(search="zzzzqx")) == []
    with pytest.raises(ValidationError):
        list_dossiers(any_ctx, DossierFilter(search="tuyet"), limit=0)
