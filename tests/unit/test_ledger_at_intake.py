"""The tracking-book entry is taken at receipt, in the transaction that receives the dossier:
entries follow the order of receipt, a preview never takes one, and a dossier received
before this rule still gets its entry at its first final print (or the book's)."""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from counter_app.documents.forms import FormOptions, render_book, render_form
from counter_app.documents.ledger import LedgerEntry, LedgerSequence, entries_for
from counter_app.documents.templates import FormKind
from counter_app.domain.applicants import Person
from counter_app.domain.lifecycle import Channel, Status
from counter_app.dossiers.service import IntakeRequest, intake, move
from counter_app.errors import ConfigError
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.maintenance.service import verify
from counter_app.store.models import Dossier

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")

APPLICANT = Person(name="Trần Văn Bình", id_number="056190012345", address="Nha Trang")


def numbers(ctx) -> dict[str, int]:
    """The entry of each dossier code that has one."""
    with ctx.session() as session:
        ids = dict(session.execute(sa.select(Dossier.id, Dossier.code)).all())
        return {ids[i]: n.entry for i, n in entries_for(session, list(ids)).items()}


def received_before_entries_at_intake(ctx) -> None:
    """The book as it was before this rule: no dossier written into it yet."""
    with ctx.session() as session:
        session.execute(sa.delete(LedgerEntry))
        session.execute(sa.delete(LedgerSequence))


def take(ctx, clock, count: int) -> list[str]:
    codes = []
    for _ in range(count):
        codes.append(intake(ctx, IntakeRequest("1.000894", APPLICANT), SYSTEM_ACTOR).code)
        clock.now += timedelta(minutes=5)
    return codes


def test_the_entry_is_taken_at_intake_in_order_of_receipt(any_ctx, clock) -> None:
    codes = take(any_ctx, clock, 3)
    assert numbers(any_ctx) == {codes[0]: 1, codes[1]: 2, codes[2]: 3}  # nothing printed yet
    render_form(any_ctx, FormKind.RECEIPT, codes[2])  # printing the last first changes nothing
    assert numbers(any_ctx)[codes[2]] == 3
    assert verify(any_ctx).ok


def test_a_preview_takes_no_number(ctx, clock, tmp_path) -> None:
    from unit.test_forms import pdf_text

    first, second = take(ctx, clock, 2)
    received_before_entries_at_intake(ctx)
    draft = render_form(ctx, FormKind.RECEIPT, second, FormOptions(draft=True))
    assert draft.fields["entry"] == "" and "Số thứ tự: …" in pdf_text(draft.pdf, tmp_path)
    render_book(ctx, date(2026, 3, 2), date(2026, 3, 2), FormOptions(draft=True))
    assert numbers(ctx) == {}
    new = take(ctx, clock, 1)[0]  # received now: written into the book at once
    assert numbers(ctx) == {new: 1}
    final = render_form(ctx, FormKind.RECEIPT, second)  # an older one, at its first final print
    assert final.fields["entry"] == "2"
    render_book(ctx, date(2026, 3, 2), date(2026, 3, 2))  # the rest when the book is printed
    assert numbers(ctx) == {new: 1, second: 2, first: 3}
    assert verify(ctx).ok, verify(ctx).problems


def test_an_online_filing_is_written_in_when_it_is_received(ctx, clock) -> None:
    request = IntakeRequest(
        "1.000894", APPLICANT, channel=Channel.ONLINE, awaiting_receipt=True, portal_code="G1"
    )
    waiting = intake(ctx, request, SYSTEM_ACTOR).code
    walk_in = take(ctx, clock, 1)[0]
    assert numbers(ctx) == {walk_in: 1}  # submitted is not received
    move(ctx, waiting, Status.RECEIVED, SYSTEM_ACTOR)
    assert numbers(ctx) == {walk_in: 1, waiting: 2}
    assert verify(ctx).ok


def test_a_bad_book_label_stops_the_intake_whole(ctx) -> None:
    from dataclasses import replace

    ctx.config = replace(ctx.config, forms=replace(ctx.config.forms, book_format="{nope}"))
    with pytest.raises(ConfigError):
        intake(ctx, IntakeRequest("1.000894", APPLICANT), SYSTEM_ACTOR)
    with ctx.session() as session:
        assert session.execute(sa.select(sa.func.count()).select_from(Dossier)).scalar() == 0
        assert session.execute(sa.select(LedgerSequence)).first() is None


def test_a_machine_whose_clock_is_behind_keeps_the_book_in_order(any_ctx, clock) -> None:
    """Two machines of one counter share the book; the second's clock runs a minute late."""
    first = take(any_ctx, clock, 1)[0]
    clock.now -= timedelta(minutes=6)  # `take` moved it 5 minutes on: now 1 minute behind
    second = take(any_ctx, clock, 1)[0]
    assert numbers(any_ctx) == {first: 1, second: 2}
    assert verify(any_ctx).ok, verify(any_ctx).problems
