"""The paper at the counter: each copy of form 01 on one A5 page for every procedure of the
catalog, the fields the program knows filled in, and a tracking book of a dozen rows and
more to an A4 landscape page. Read back from the PDFs (pdftotext -bbox, pypdf)."""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from unit.test_forms import assert_within_pages, page_sizes, pdf_text, word_boxes

from counter_app.documents.forms import FIT_STEPS, document_kind, render_book, render_form
from counter_app.documents.templates import FormKind
from counter_app.domain.applicants import Person
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.catalog import Procedure
from counter_app.dossiers.service import DocumentLine, IntakeRequest, intake
from counter_app.kernel.users import SYSTEM_ACTOR

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")

A5 = (148 * 72 / 25.4, 210 * 72 / 25.4)
LONG_NAME = ("Nguyễn Thị Ánh Tuyết Hoàng Phương " * 4)[:100]
LONG_ADDRESS = ("Thôn Đông Bắc, Xã Cam Hải Đông, Huyện Cam Lâm, Tỉnh Khánh Hòa, " * 4)[:200]
LONG = Person(
    name=LONG_NAME,
    id_number="056190012345",
    address=LONG_ADDRESS,
    phone="0905123456",
    email="nguyen.thi.anh.tuyet.hoang.phuong@example.vn",
)
TYPICAL = Person(
    name="Trần Văn Bình",
    id_number="056090012345",
    address="Số 12 đường Trần Phú, Phường Bắc Nha Trang, Tỉnh Khánh Hòa",
    phone="0905123456",
)
LAST_WORDS = "theo giấy này và giấy tờ tùy thân."
"""How form 01's note ends: the line that used to fall onto a second, blank page."""


def twelve_documents(catalog_documents: list[DocumentLine], procedure: Procedure):
    """The procedure's own checklist, then other real ones of the catalog, twelve in all."""
    lines = [DocumentLine(d.name, d.original_or_copy, d.copies) for d in procedure.documents]
    names = {line.name for line in lines}
    for line in catalog_documents:
        if len(lines) == 12:
            break
        if line.name not in names:
            names.add(line.name)
            lines.append(line)
    assert len(lines) == 12
    return tuple(lines)


def test_long_names_wrap_onto_the_page_they_belong_to(ctx, tmp_path):
    """The spot check of the slow test below, on the longest procedure name."""
    longest = max(ctx.catalog.procedures, key=lambda p: len(p.name))
    documents = [
        DocumentLine(d.name, d.original_or_copy, d.copies)
        for p in ctx.catalog.procedures
        for d in p.documents
    ]
    view = intake(
        ctx,
        IntakeRequest(longest.code, LONG, documents=twelve_documents(documents, longest)),
        SYSTEM_ACTOR,
    )
    rendered = render_form(ctx, FormKind.RECEIPT, view.code)
    assert len(page_sizes(rendered.pdf, tmp_path)) == 2  # one A5 page for each copy
    assert_within_pages(rendered.pdf, tmp_path)
    boxes = word_boxes(rendered.pdf, tmp_path)
    for page in (1, 2):
        words = " ".join(w[-1] for w in boxes if w[0] == page)
        text = unicodedata.normalize("NFC", words)
        assert LAST_WORDS in text, text[-120:]  # the note ends on the copy's own page
        assert LONG_NAME.split()[-1] in text and "Hòa," in text
    # the smallest type a fitted copy may take is still 85 % of the paper's
    assert min(scale for scale, _spacing in FIT_STEPS) >= 0.85


@pytest.mark.slow
def test_every_procedure_receipt_fits_one_a5_page_a_copy(ctx, clock, tmp_path):
    """All 57 procedures, a 100-character name, a 200-character address, 12 documents."""
    documents = [
        DocumentLine(d.name, d.original_or_copy, d.copies)
        for p in ctx.catalog.procedures
        for d in p.documents
    ]
    pages: Counter[int] = Counter()
    spread = []
    for procedure in ctx.catalog.procedures:
        request = IntakeRequest(
            procedure.code, LONG, documents=twelve_documents(documents, procedure)
        )
        view = intake(ctx, request, SYSTEM_ACTOR)
        clock.now += timedelta(minutes=3)
        rendered = render_form(ctx, FormKind.RECEIPT, view.code)
        sizes = page_sizes(rendered.pdf, tmp_path)
        pages[len(sizes)] += 1
        if len(sizes) != 2:
            spread.append((procedure.code, len(sizes)))
        assert all(size == pytest.approx(A5, abs=0.5) for size in sizes)
    assert spread == [], spread  # two copies ("liên"), two A5 sheets, for every procedure
    assert pages == Counter({2: len(ctx.catalog.procedures)})


def test_the_receipt_fills_what_the_program_knows(ctx, tmp_path):
    """ "Loại giấy tờ" from the checklist, the catalog or the paper's own name; the email the
    applicant gave, "Không có" when none; no dotted blank left on a common receipt."""
    with_email = Person(
        name="Lê Thị Hồng Nhung",
        id_number="056190054321",
        address="Thôn Phú Thọ, Xã Ninh Đông",
        phone="0905000111",
        email="n@x.vn",
    )
    view = intake(ctx, IntakeRequest("1.000894", with_email), SYSTEM_ACTOR)
    text = pdf_text(render_form(ctx, FormKind.RECEIPT, view.code).pdf, tmp_path)
    assert "Email: n@x.vn" in text
    assert "Bản chính" in text and "Xuất trình" in text  # a declaration; an ID card shown
    assert "…" not in text  # every field of this receipt is known
    without = intake(ctx, IntakeRequest("1.000894", TYPICAL), SYSTEM_ACTOR)
    text = pdf_text(render_form(ctx, FormKind.RECEIPT, without.code).pdf, tmp_path)
    assert "Email: Không có" in text and "…" not in text


@pytest.mark.parametrize(
    ("name", "stated", "kind"),
    [
        ("Tờ khai đăng ký kết hôn", "", "Bản chính"),
        ("Đơn đề nghị cấp giấy phép xây dựng", "", "Bản chính"),
        ("Bản sao chứng thực Giấy khai sinh", "", "Bản sao chứng thực"),
        ("Giấy tờ tùy thân – xuất trình", "", "Xuất trình"),
        ("Giấy khai sinh", "bản sao", "Bản sao"),  # what the checklist says comes first
        ("Giấy tờ chứng minh nơi cư trú", "", "Bản sao"),  # a proof the applicant keeps
        ("Văn bản khác", "", ""),  # unknown: the clerk writes it in
    ],
)
def test_the_kind_of_a_document(name, stated, kind):
    assert document_kind(name, stated, {}) == kind


def test_the_kind_the_catalog_states_fills_an_older_checklist(ctx, tmp_path):
    """A checklist line saved without its kind takes the catalog's for the same paper."""
    procedure = ctx.catalog.get("1.000894")
    shown = next(d for d in procedure.documents if d.original_or_copy)
    bare = (DocumentLine(shown.name, "", 1),)
    view = intake(ctx, IntakeRequest("1.000894", TYPICAL, documents=bare), SYSTEM_ACTOR)
    text = pdf_text(render_form(ctx, FormKind.RECEIPT, view.code).pdf, tmp_path)
    stated = shown.original_or_copy
    assert stated[:1].upper() + stated[1:] in text


def rows_per_page(pdf: bytes, tmp_path) -> list[int]:
    """Book rows on each page: the day-and-number half of each dossier code."""
    counts: Counter[int] = Counter()
    for page, *_box, word in word_boxes(pdf, tmp_path):
        if re.fullmatch(r"\d{6}-\d{4}", word):
            counts[page] += 1
    return [counts[page] for page in sorted(counts)]


def test_the_book_holds_a_dozen_typical_rows_and_more_a_page(ctx, clock, tmp_path):
    """A day of 40 dossiers, the catalog's procedures in turn (its longest name too)."""
    procedures = sorted(ctx.catalog.procedures, key=lambda p: len(p.name))
    typical = procedures[len(procedures) // 2 - 20 : len(procedures) // 2 + 19]
    longest = procedures[-1]
    clock.now = datetime(2026, 3, 2, 7, 30, tzinfo=VN_TZ)
    codes = []
    for procedure in [*typical, longest]:
        clock.now += timedelta(minutes=10)
        codes.append(intake(ctx, IntakeRequest(procedure.code, TYPICAL), SYSTEM_ACTOR).code)
    rendered = render_book(ctx, date(2026, 3, 2), date(2026, 3, 2))
    assert_within_pages(rendered.pdf, tmp_path)
    counts = rows_per_page(rendered.pdf, tmp_path)
    assert sum(counts) == len(codes) == 40
    assert all(count >= 12 for count in counts[:-1]), counts
    assert len(counts) <= 3, counts
    text = pdf_text(rendered.pdf, tmp_path)
    for title in ("Số lượng hồ sơ (bộ)", "Chuyển hồ sơ đến cơ quan giải quyết", "Ký nhận"):
        assert title in text  # the law's column titles, whole
    assert longest.name in text  # wrapped, never cut
