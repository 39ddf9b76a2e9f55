"""The A5 guide sheet's layout read back with pdftotext: the longest link in the guidance
data stays inside the page, whole, and no line has its spaces stretched into gaps."""

from __future__ import annotations

import shutil
from collections import defaultdict
from dataclasses import replace
from datetime import date
from itertools import pairwise
from pathlib import Path
from statistics import median

import pytest
from unit.test_forms import assert_within_pages, pdf_text, word_boxes

from counter_app.domain.catalog import load_catalog
from counter_app.guidance.data import GuidanceBook, load_guidance
from counter_app.guidance.sheet import Guide, guide_sheet_pdf, make_guide

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")

DAY = date(2026, 11, 29)
MAX_GAP_IN_SPACES = 2.0


def longest_link(book: GuidanceBook) -> str:
    links = [book.lookup_url]
    for g in book.procedures.values():
        links += [link for link in (g.url, g.submit_url, g.search_url) if link]
    return max(links, key=len)


def online_guide(link: str | None = None) -> Guide:
    """The online procedure with the longest portal page, its page replaced by `link`."""
    book = load_guidance()
    code = max(
        (g for g in book.procedures.values() if g.can_file_online),
        key=lambda g: len(g.portal_page),
    ).code
    guide = make_guide(book, load_catalog().get(code), DAY)
    if link is None:
        return guide
    return replace(guide, guidance=replace(guide.guidance, url=link))


def stretched_lines(pdf: bytes, tmp_path: Path) -> list[str]:
    """Body lines where two words stand more than two spaces apart.

    A space is the page's typical gap between words (most lines are set with plain
    spaces). The header (title beside the QR) and each page's footer line are left out:
    they hold two columns on purpose.
    """
    lines: dict[tuple[int, int], list[tuple[float, float, str]]] = defaultdict(list)
    caption_bottom = 0.0
    for page, _w, _h, x0, y0, x1, y1, word in word_boxes(pdf, tmp_path):
        lines[(page, round(y0))].append((x0, x1, word))
        if page == 1 and word == "Quét":
            caption_bottom = y1
    assert caption_bottom, "the QR caption is missing"
    last_line = {page: max(y for p, y in lines if p == page) for page, _y in lines}
    body = {
        key: sorted(words)
        for key, words in lines.items()
        if key[1] != last_line[key[0]] and not (key[0] == 1 and key[1] <= caption_bottom)
    }
    gaps = {key: [b[0] - a[1] for a, b in pairwise(words)] for key, words in body.items()}
    space = median(gap for line in gaps.values() for gap in line)
    return [
        " ".join(word for _x0, _x1, word in body[key])
        for key, line in gaps.items()
        if line and max(line) > MAX_GAP_IN_SPACES * space
    ]


def test_no_line_of_the_sheet_is_stretched(tmp_path: Path) -> None:
    pdf = guide_sheet_pdf(online_guide(), "UBND xã Phước Đồng")
    assert stretched_lines(pdf, tmp_path) == []


def test_the_longest_link_stays_whole_inside_the_page(tmp_path: Path) -> None:
    link = longest_link(load_guidance())
    assert len(link) > 100  # the data's longest is long enough to need breaking
    pdf = guide_sheet_pdf(online_guide(link), "UBND xã Phước Đồng")
    assert_within_pages(pdf, tmp_path)
    assert stretched_lines(pdf, tmp_path) == []
    # Broken across lines, it still reads back as the one link (no dot glued to its end).
    joined = "".join(pdf_text(pdf, tmp_path).split())
    assert f"Trangthủtục:{link}Tracứuhồsơ:" in joined


def test_an_offline_procedure_sheet_is_not_stretched(tmp_path: Path) -> None:
    book = load_guidance()
    offline = next(g for g in book.procedures.values() if not g.can_file_online)
    guide = make_guide(book, load_catalog().get(offline.code), DAY)
    pdf = guide_sheet_pdf(guide)
    assert_within_pages(pdf, tmp_path)
    assert stretched_lines(pdf, tmp_path) == []
    assert guide.guidance.portal_page in "".join(pdf_text(pdf, tmp_path).split())
