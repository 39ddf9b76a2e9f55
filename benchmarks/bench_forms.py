"""Form figures: receipt generation (render + signed QR, warm and cold), the other forms,
the tracking book of a month, and reading a receipt QR back from a 200-dpi scan.
"""

from __future__ import annotations

import statistics
import subprocess
import time
from datetime import date, datetime
from pathlib import Path

from benchmarks import Result
from counter_app.documents.forms import FormOptions, render_book, render_form
from counter_app.documents.receipt_qr import load_or_create_key, verify_image
from counter_app.documents.templates import FormKind
from counter_app.domain.applicants import Person
from counter_app.domain.calendar import VN_TZ
from counter_app.dossiers.service import FeeLine, IntakeRequest, intake
from counter_app.kernel.config import AppConfig, OfficeConfig, save_config
from counter_app.kernel.context import open_context
from counter_app.kernel.users import SYSTEM_ACTOR

OFFICE = OfficeConfig(
    "22333",
    "000.00.22.H56",
    "Trung tâm Phục vụ hành chính công Phường Bắc Nha Trang",
    "UBND Phường Bắc Nha Trang",
)


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 8, 0, tzinfo=VN_TZ)

    def __call__(self) -> datetime:
        return self.now


def _ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1)


def run(quick: bool, workdir: Path) -> list[Result]:
    data_dir = workdir / "forms-data"
    data_dir.mkdir(mode=0o700)
    save_config(data_dir, AppConfig(office=OFFICE))
    clock = _Clock()
    ctx = open_context(data_dir, clock=clock)
    try:
        person = Person(
            name="Nguyễn Thị Ánh Tuyết",
            id_number="056190012345",
            address="Số 12 Trần Phú, Phường Bắc Nha Trang, Tỉnh Khánh Hòa",
            phone="0905123456",
        )
        book_size = 100 if quick else 600
        codes = []
        for n in range(book_size):
            clock.now = datetime(2026, 3, 2 + n % 20, 8, n % 60, tzinfo=VN_TZ)
            request = IntakeRequest("1.000894", person, fees=(FeeLine("Lệ phí", 50000),))
            codes.append(intake(ctx, request, SYSTEM_ACTOR).code)
        started = time.perf_counter()
        first = render_form(ctx, FormKind.RECEIPT, codes[0])  # fonts, key, templates
        cold = time.perf_counter() - started
        rounds = 20 if quick else 100
        receipt_times = []
        for n in range(rounds):
            started = time.perf_counter()
            render_form(ctx, FormKind.RECEIPT, codes[n % len(codes)])
            receipt_times.append(time.perf_counter() - started)
        other_times = []
        for kind in (FormKind.REFUSAL, FormKind.CONTROL, FormKind.APOLOGY):
            for n in range(5 if quick else 20):
                started = time.perf_counter()
                render_form(ctx, kind, codes[n], FormOptions(reason="Thiếu giấy tờ"))
                other_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        book = render_book(ctx, date(2026, 3, 1), date(2026, 3, 31))
        book_time = time.perf_counter() - started
        pdf = workdir / "receipt.pdf"
        pdf.write_bytes(first.pdf)
        subprocess.run(
            ["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", str(pdf), str(workdir / "s")],
            check=True,
        )
        scan = next(workdir.glob("s-*.png"))
        key = load_or_create_key(data_dir).public_key()
        verify_times = []
        for _n in range(3 if quick else 10):
            started = time.perf_counter()
            verify_image(scan, key)
            verify_times.append(time.perf_counter() - started)
    finally:
        ctx.close()
    return [
        Result("forms.receipt_cold_ms", round(cold * 1000, 1), "ms", note="first in process"),
        Result(
            "forms.receipt_ms",
            _ms(receipt_times),
            "ms",
            target=300,
            note=f"median of {rounds}: read dossier, ledger entry, sign QR, 2 A5 pages",
        ),
        Result("forms.other_form_ms", _ms(other_times), "ms", note="refusal/control/apology"),
        Result(
            "forms.book_month_s",
            round(book_time, 2),
            "s",
            target=10,
            note=f"{book_size} dossiers, {len(book.pdf) // 1024} KiB, A4 landscape",
        ),
        Result("forms.verify_scan_ms", _ms(verify_times), "ms", note="200-dpi A5 page"),
    ]
