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


# --- accents and ranks ------------------------------------------------------------------

THU_HA = "Nguyễn Thị Thu Hà"
NEAR_NAMES = ("Trần Thu Hạnh", "Lê Thu Hằng", "Võ Thu Hải", "Bùi Thu Hân")
RANKED = ("Thu Hà", THU_HA, "Đỗ Thư Hà", "Hà Văn Thu", "Lê Thu Hàng")
"""What "Thu Hà" finds, best first: the whole name; the words as typed side by side; side by
side with other accents; both words whole; a word only as the start of a longer one."""


def _fill_names(ctx, clock) -> dict[str, str]:
    """One dossier per name (code by name); the best match of a search is taken in first,
    so a rank above the receipt order shows."""
    codes = {}
    start = datetime(2026, 3, 2, 8, 0, tzinfo=VN_TZ)
    for index, name in enumerate((*RANKED, *NEAR_NAMES)):
        clock.now = start + timedelta(hours=index)
        view = intake(ctx, IntakeRequest(XMTTHN, _person(name, index)), SYSTEM_ACTOR)
        codes[name] = view.code
    return codes


def _names(ctx, text: str, size: int = 100) -> list[str]:
    flt = DossierFilter(search=text)
    by_code = {view.code: view.applicant_name for view in list_dossiers(ctx, flt)}
    codes = _pages(ctx, flt, size)
    assert len(codes) == count_dossiers(ctx, flt) == len(by_code), text
    return [by_code[code] for code in codes]


@pytest.mark.parametrize("broad_from", [1, 10_000], ids=["broad", "narrow"])
def test_accents_typed_narrow_the_search_and_exact_matches_come_first(
    any_ctx, clock, monkeypatch, broad_from
):
    monkeypatch.setattr(search, "BROAD_SEARCH_MATCHES", broad_from)
    _fill_names(any_ctx, clock)
    # Typed with accents: those accents only, never Hạnh, Hằng, Hải or Hân.
    assert _names(any_ctx, "Thu Hà") == list(RANKED)
    for size in (1, 2, 3):
        assert _names(any_ctx, "Thu Hà", size) == list(RANKED), size
    assert _names(any_ctx, "thu HÀ") == list(RANKED)  # case aside
    assert _names(any_ctx, "Thu Ha\u0300") == list(RANKED)  # typed decomposed (NFD)
    found = _names(any_ctx, "Hà")
    assert not set(found) & set(NEAR_NAMES)
    assert set(found) == set(RANKED) and found[-1] == "Lê Thu Hàng"
    assert _names(any_ctx, "Hằng") == ["Lê Thu Hằng"]
    assert _names(any_ctx, "Hàng") == ["Lê Thu Hàng"]
    # Without accents: every accent form, as before; the side-by-side words first.
    plain = _names(any_ctx, "thu ha")
    assert set(plain) == set(RANKED) | set(NEAR_NAMES)
    assert set(plain[:3]) == {"Thu Hà", THU_HA, "Đỗ Thư Hà"}
    assert plain[3] == "Hà Văn Thu"
    assert _names(any_ctx, "Đỗ thu") == ["Đỗ Thư Hà"]
    assert _names(any_ctx, "Đô") == []  # the marks typed are the marks matched
    assert _names(any_ctx, "Do Thu Ha") == ["Đỗ Thư Hà"]


def test_a_whole_code_finds_its_dossier_first(any_ctx, clock):
    codes = _fill_names(any_ctx, clock)
    code = codes[THU_HA]
    assert list_dossiers(any_ctx, DossierFilter(search=code))[0].code == code
    assert list_dossiers(any_ctx, DossierFilter(search=code.lower()))[0].code == code
    # Its number, a whole word of the code, before an ID number that merely holds it.
    assert list_dossiers(any_ctx, DossierFilter(search=code[-4:]))[0].code == code


def test_the_rank_of_a_search_is_the_databases_query(any_ctx):
    """Each rank is answered by the index (FTS5 or trigram): no row is read in Python."""
    tiers = search.search_tiers(any_ctx.engine.dialect.name, "Thu Hà")
    assert len(tiers) == 5
    assert tiers[0].exact and "dossiers.search_name =" in str(tiers[0].condition().compile())
    if any_ctx.engine.dialect.name == "sqlite":
        for tier in tiers[1:]:
            assert "dossier_search MATCH" in str(tier.condition().compile())
            assert tier.match is not None and "search_name" in tier.match
    assert search.search_tiers(any_ctx.engine.dialect.name, " ,;-- ") == []
