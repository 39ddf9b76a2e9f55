"""Form 01's two copies are one story drawn once (`layout.per_copy`, `layout.draw_once`):
each page must still print its own copy label and, apart from it, the very same words at
the very same places."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader
from unit.test_forms import word_boxes
from unit.test_forms_fit import TYPICAL

from counter_app.documents.forms import FormOptions, render_form
from counter_app.documents.templates import FormKind
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import SYSTEM_ACTOR

LABELS = {1: "(Liên 1: Lưu)", 2: "(Liên 2: Giao người nộp hồ sơ)"}


def _line_words(text: str) -> list[str]:
    return text.split()


def test_each_copy_prints_its_label_and_the_same_page_otherwise(
    ctx: AppContext, tmp_path: Path
) -> None:
    code = intake(ctx, IntakeRequest("1.000894", TYPICAL), SYSTEM_ACTOR).code
    for options in (FormOptions(), FormOptions(draft=True)):
        pdf = render_form(ctx, FormKind.RECEIPT, code, options).pdf
        boxes = word_boxes(pdf, tmp_path)
        pages: dict[int, list[tuple[float, float, str]]] = {1: [], 2: []}
        for page, _w, _h, x0, y0, _x1, _y1, word in boxes:
            pages[page].append((round(x0, 1), round(y0, 1), word))
        assert set(pages) == {1, 2}
        label_words = {n: _line_words(label) for n, label in LABELS.items()}
        rest = {}
        for number, words in pages.items():
            printed = [w for _x, _y, w in words]
            other = label_words[3 - number]
            assert " ".join(label_words[number]) in " ".join(printed)
            assert " ".join(other) not in " ".join(printed)
            # The page without its label line (the last word is the page number).
            label_y = next(y for _x, y, w in words if w == label_words[number][0])
            rest[number] = [(x, y, w) for x, y, w in words[:-1] if y != label_y]
        assert rest[1] == rest[2]
        # Drawn once: the second page shows the first one's forms instead of drawing again.
        second = PdfReader(io.BytesIO(pdf)).pages[1]
        assert len(second["/Resources"]["/XObject"]) >= 10
