"""A form's copy is fitted to its page by an estimate before any layout
(`layout.fits_one_page`): it must never take as fitting a story that the real layout puts on
two pages, and it must decide the usual receipt alone (that is where the time is saved)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from unit.test_forms_fit import LONG, TYPICAL, twelve_documents

from counter_app.documents import forms, layout
from counter_app.documents.forms import render_form
from counter_app.documents.layout import PageSetup
from counter_app.documents.templates import FormKind
from counter_app.dossiers.service import DocumentLine, IntakeRequest, intake
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import SYSTEM_ACTOR

Build = Callable[[PageSetup], list[Any]]


def _fitting(
    ctx: AppContext, code: str, kind: FormKind, monkeypatch: pytest.MonkeyPatch
) -> tuple[Build, PageSetup]:
    """The story builder and the paper `render_form` fits `kind` of `code` with."""
    seen: list[tuple[Build, PageSetup]] = []
    fit = forms.fit_to_page

    def capture(build: Build, setup: PageSetup) -> PageSetup:
        seen.append((build, setup))
        return fit(build, setup)

    monkeypatch.setattr(forms, "fit_to_page", capture)
    render_form(ctx, kind, code)
    monkeypatch.setattr(forms, "fit_to_page", fit)
    return seen[0]


def test_the_estimate_never_claims_a_fit_the_layout_refuses(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    longest = max(ctx.catalog.procedures, key=lambda p: len(p.name))
    documents = [
        DocumentLine(d.name, d.original_or_copy, d.copies)
        for p in ctx.catalog.procedures
        for d in p.documents
    ]
    requests = (
        IntakeRequest("1.000894", TYPICAL),
        IntakeRequest(longest.code, LONG, documents=twelve_documents(documents, longest)),
    )
    laid_out = 0
    count = layout.page_count

    def counted(story: Any, setup: PageSetup) -> int:
        nonlocal laid_out
        laid_out += 1
        return count(story, setup)

    estimated = fitting = 0
    for request in requests:
        code = intake(ctx, request, SYSTEM_ACTOR).code
        for kind in (FormKind.RECEIPT, FormKind.REFUSAL):
            build, setup = _fitting(ctx, code, kind, monkeypatch)
            # From well inside the page to well past it, through the borderline sizes.
            for step in range(18):
                size = round(setup.font_size * (0.8 + step * 0.04), 2)
                candidate = replace(setup, font_size=size)
                monkeypatch.setattr(layout, "page_count", counted)
                before = laid_out
                fits = layout.fits_one_page(build(candidate), candidate)
                monkeypatch.setattr(layout, "page_count", count)
                estimated += fits and laid_out == before
                if fits:
                    fitting += 1
                    assert count(build(candidate), candidate) == 1, (kind, size)
    assert fitting > 0 and estimated > 0


def test_the_usual_receipt_is_fitted_without_a_layout(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = intake(ctx, IntakeRequest("1.000894", TYPICAL), SYSTEM_ACTOR).code

    def refuse(_story: Any, _setup: PageSetup) -> int:
        raise AssertionError("laid out to count its pages")

    monkeypatch.setattr(layout, "page_count", refuse)
    rendered = render_form(ctx, FormKind.RECEIPT, code)
    assert rendered.pdf.startswith(b"%PDF")
