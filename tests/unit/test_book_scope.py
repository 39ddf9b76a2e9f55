"""The cross-boundary book: dossiers routed to another competent body have a book of their own."""

from __future__ import annotations

import subprocess
from datetime import date

import pytest

from counter_app.documents.book import BookScope
from counter_app.documents.forms import render_book
from counter_app.domain.applicants import Person
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.reports.service import report_book

AN = Person(name="Nguyễn Văn An", id_number="056090012345")


def _intake(ctx, competent_body: str | None) -> str:
    request = IntakeRequest("1.004873", AN, competent_body=competent_body)
    return intake(ctx, request, SYSTEM_ACTOR).code


def test_books_split_by_competent_body(any_ctx) -> None:
    own = _intake(any_ctx, None)
    routed = _intake(any_ctx, "Sở Nội vụ tỉnh Khánh Hòa")
    day = date(2026, 3, 2)
    assert [r.code for r in report_book(any_ctx, day, day)] == [own, routed]
    assert [r.code for r in report_book(any_ctx, day, day, BookScope.OWN)] == [own]
    routed_rows = report_book(any_ctx, day, day, BookScope.ROUTED)
    assert [r.code for r in routed_rows] == [routed]
    assert routed_rows[0].competent_body == "Sở Nội vụ tỉnh Khánh Hòa"


def test_routed_book_pdf_says_which_book(ctx, tmp_path) -> None:
    _intake(ctx, None)
    routed = _intake(ctx, "Sở Nội vụ tỉnh Khánh Hòa")
    rendered = render_book(ctx, date(2026, 3, 2), date(2026, 3, 2), scope=BookScope.ROUTED)
    path = tmp_path / "book.pdf"
    path.write_bytes(rendered.pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "không phụ thuộc địa giới hành chính" in text
    # The code is printed on two lines at its joint: office ID, then day and number.
    assert routed.endswith("-260302-0002")
    assert "260302-0002" in text
    assert "260302-0001" not in text  # the office's own dossier is in the other book


def test_unknown_scope_is_refused() -> None:
    with pytest.raises(ValueError):
        BookScope("other")
