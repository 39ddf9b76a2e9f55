"""Scanning: pages per second through the whole path, and the size of a B/W text page.

The path measured is what `counter-app scan` does per page: clean-up pipeline (deskew,
border crop, blank detection, G4 encoding), the page store write (temp file, fsync,
link) and the database row with its event. Pages are synthetic A4 text pages at 300 dpi,
slightly skewed and framed like a lid-open scan; a real scanner's own time is not counted.
"""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks import Result
from counter_app.domain.applicants import Person
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.kernel.config import AppConfig, OfficeConfig, save_config
from counter_app.kernel.context import open_context
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.scanning.images import ColourMode, clean_page
from counter_app.scanning.pages import attach_pages
from counter_app.scanning.samples import text_page

OFFICE = OfficeConfig(
    unit_code="22333",
    electronic_id="000.00.22.H56",
    name="Trung tâm Phục vụ hành chính công Phường Bắc Nha Trang",
    parent_body="UBND Phường Bắc Nha Trang",
    province_name="Tỉnh Khánh Hòa",
)


def run(quick: bool, workdir: Path) -> list[Result]:
    count = 6 if quick else 20
    sources = [
        text_page(300, skew_degrees=(i % 5 - 2) * 0.8, seed=i, dark_border_px=25 * (i % 2))
        for i in range(count)
    ]
    data_dir = workdir / "scan-data"
    data_dir.mkdir(mode=0o700)
    save_config(data_dir, AppConfig(office=OFFICE))
    ctx = open_context(data_dir)
    try:
        person = Person(name="Nguyễn Văn An", id_number="056090012345")
        code = intake(ctx, IntakeRequest("1.001193", person), SYSTEM_ACTOR).code
        sizes = []
        started = time.perf_counter()
        for image in sources:
            page = clean_page(image, ColourMode.BW, dpi=300)
            attach_pages(ctx, code, [page], SYSTEM_ACTOR, document=1)
            sizes.append(len(page.data))
        elapsed = time.perf_counter() - started
        pipeline_started = time.perf_counter()
        for image in sources[:4]:
            clean_page(image, ColourMode.GRAY, dpi=300)
        grey_each = (time.perf_counter() - pipeline_started) / 4
    finally:
        ctx.close()
    return [
        Result(
            "scan.bw_300dpi_pages_per_s",
            count / elapsed,
            "pages/s",
            2.0,
            higher_is_better=True,
            note="clean-up + G4 + page store (fsync) + row and event, per page",
        ),
        Result(
            "scan.bw_text_page_kb",
            max(sizes) / 1024,
            "KB",
            60.0,
            note="largest of the B/W text pages (CCITT G4 TIFF)",
        ),
        Result(
            "scan.gray_300dpi_pipeline_s",
            grey_each,
            "s",
            note="clean-up + JPEG q75 of one grey page, no store",
        ),
    ]
