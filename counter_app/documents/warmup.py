"""Get the printing ready before the first receipt: the desktop program calls `warm_up` on a
worker after sign-in, so the first receipt of the day prints as fast as the next one.

The first form in a process otherwise pays, on the clerk's click, for loading reportlab,
reading the seven bundled fonts (about half a second), reportlab's parsers and the office's
signing key. Everything warmed here is cached for the process; nothing is written.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from counter_app.documents import layout
from counter_app.documents.fonts import register_fonts
from counter_app.documents.receipt_qr import load_key
from counter_app.documents.templates import load_template_sets

_SAMPLE = "Nguyễn Thị Ánh Tuyết — Số 12 Trần Phú, Phường Bắc Nha Trang, Tỉnh Khánh Hòa"
_LINK = "https://dichvucong.example.vn/tra-cuu?" + "x" * 160
"""As long as a receipt's signed link: its QR has the receipt's size (version 10), whose
mask patterns (`qr_masks`) are then made."""


def warm_up(data_dir: Path | None) -> None:
    """Load fonts, templates, the signing key and reportlab, and lay out one throwaway A5
    page in every style with a QR code and a table (reportlab's first-use work)."""
    register_fonts()
    load_template_sets(data_dir)
    if data_dir is not None:
        load_key(data_dir)  # the key is read, never made here (the first receipt makes it)
    setup = layout.PageSetup.parse("A5")
    st = layout.make_styles(setup)
    header = layout.HeaderText(
        parent_body="UBND", unit=_SAMPLE, number_line="Số: 1", place="Nha Trang", day=date.today()
    )
    story = [
        layout.header_block(header, setup, [layout.qr_flowable(_LINK, 60)]),
        layout.para(_SAMPLE, st.title),
        layout.markup_para(layout.fill("<b>{a}</b> <i>{a}</i> {b}", {"a": _SAMPLE}), st.body),
        layout.para(_SAMPLE, st.small),
        layout.grid_table([["1", _SAMPLE], ["2", _SAMPLE]], [0.1, 0.9], setup),
    ]
    layout.fits_one_page(story, setup)
    layout.build_pdf(story, setup, title="warm-up", footer="warm-up")
