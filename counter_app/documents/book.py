"""The tracking book (Sổ theo dõi hồ sơ, Circular 03/2025 form 07; 2018 form 06).

`tracking_book_rows` is the one data query behind the book, shared by the XLSX export
here and the PDF of the book in `counter_app.documents`. Column order follows the form
(docs/rules.md §8).
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from counter_app.documents.scope import BookScope as BookScope  # its home before
from counter_app.domain.lifecycle import EventKind
from counter_app.domain.text import nfc
from counter_app.kernel.day import day_bounds
from counter_app.kernel.views import vn_time
from counter_app.store.models import Dossier, Event, Office


@dataclass(frozen=True)
class BookRow:
    """One entry of the book; times in Vietnam time, None where the step has not happened."""

    number: int
    code: str
    procedure_code: str
    procedure_name: str
    sets: int
    applicant_name: str
    address: str
    phone: str
    competent_body: str
    received_at: datetime
    due_at: datetime | None
    transferred_at: datetime | None
    resolved_at: datetime | None
    returned_at: datetime | None
    status: str
    received_by: str
    note: str

    def to_json(self) -> dict[str, Any]:
        document = asdict(self)
        for key, value in document.items():
            if isinstance(value, datetime):
                document[key] = value.isoformat(timespec="seconds")
        return document


def tracking_book_rows(
    session: Session,
    office: Office,
    date_from: date,
    date_to: date,
    scope: BookScope = BookScope.ALL,
) -> list[BookRow]:
    """Dossiers received by `office` from `date_from` to `date_to` (inclusive), in order."""
    start, _ = day_bounds(date_from)
    _, end = day_bounds(date_to)
    first_handover = (
        sa.select(Event.dossier_id, sa.func.min(Event.at).label("at"))
        .where(Event.kind == EventKind.HANDED_OVER.value)
        .group_by(Event.dossier_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(Dossier, first_handover.c.at)
        .outerjoin(first_handover, first_handover.c.dossier_id == Dossier.id)
        .where(
            Dossier.office_id == office.id,
            Dossier.received_at >= start,
            Dossier.received_at < end,
        )
        .where(*_scope_condition(scope))
        .order_by(Dossier.received_at, Dossier.id)
    ).all()
    book: list[BookRow] = []
    for number, (dossier, transferred_at) in enumerate(rows, start=1):
        received_at = vn_time(dossier.received_at)
        assert received_at is not None
        applicant = dossier.applicant
        note = dossier.late_entry_reason or ""
        book.append(
            BookRow(
                number=number,
                code=dossier.code,
                procedure_code=dossier.procedure_code,
                procedure_name=dossier.procedure_name,
                sets=1,
                applicant_name=dossier.applicant_name,
                address=str(applicant.get("address") or ""),
                phone=str(applicant.get("phone") or ""),
                competent_body=dossier.competent_body or office.parent_body,
                received_at=received_at,
                due_at=vn_time(dossier.due_at),
                transferred_at=vn_time(transferred_at),
                resolved_at=vn_time(dossier.resolved_at),
                returned_at=vn_time(dossier.returned_at),
                status=dossier.status,
                received_by=dossier.received_by,
                note=note,
            )
        )
    return book


def _scope_condition(scope: BookScope) -> tuple[sa.ColumnElement[bool], ...]:
    if scope is BookScope.OWN:
        return (Dossier.competent_body.is_(None),)
    if scope is BookScope.ROUTED:
        return (Dossier.competent_body.is_not(None),)
    return ()


BOOK_TITLE = "SỔ THEO DÕI HỒ SƠ"
# As on the form (docs/rules.md §8), the date columns sit under one "Ngày, tháng, năm" header.
BOOK_COLUMNS = (
    "TT",
    "Mã hồ sơ",
    "Tên TTHC",
    "Số lượng hồ sơ (bộ)",
    "Tên cá nhân, tổ chức",
    "Địa chỉ, số điện thoại",
    "Cơ quan chủ trì giải quyết",
    "Nhận hồ sơ",
    "Hẹn trả kết quả",
    "Chuyển hồ sơ đến cơ quan giải quyết",
    "Nhận kết quả từ cơ quan giải quyết",
    "Trả kết quả cho cá nhân, tổ chức",
    "Ký nhận",
    "Ghi chú",
)
DATE_GROUP = "Ngày, tháng, năm"
_DATE_COLUMNS = (8, 12)  # first and last column (1-based) of the date group


def book_cells(row: BookRow) -> list[str | int]:
    """One book row as printed: dates as dd/mm/yyyy (with the time of receipt)."""

    def day(value: datetime | None, with_time: bool = False) -> str:
        if value is None:
            return ""
        return value.strftime("%H:%M %d/%m/%Y" if with_time else "%d/%m/%Y")

    contact = ", ".join(part for part in (row.address, row.phone) if part)
    return [
        row.number,
        row.code,
        row.procedure_name,
        row.sets,
        row.applicant_name,
        contact,
        row.competent_body,
        day(row.received_at, with_time=True),
        day(row.due_at, with_time=True),
        day(row.transferred_at),
        day(row.resolved_at),
        day(row.returned_at),
        "",
        row.note,
    ]


def book_xlsx(rows: list[BookRow], office_name: str, date_from: date, date_to: date) -> bytes:
    """The tracking book as a workbook, A4 landscape, header rows repeated when printed."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "So theo doi"
    bold = Font(name="Times New Roman", bold=True)
    plain = Font(name="Times New Roman")
    wrap = Alignment(wrap_text=True, vertical="center")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    last = len(BOOK_COLUMNS)
    sheet.cell(row=1, column=1, value=nfc(office_name.upper())).font = bold
    title = sheet.cell(row=2, column=1, value=BOOK_TITLE)
    title.font, title.alignment = bold, centre
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last)
    span = sheet.cell(
        row=3,
        column=1,
        value=f"Từ ngày {date_from:%d/%m/%Y} đến ngày {date_to:%d/%m/%Y}",
    )
    span.font, span.alignment = plain, centre
    sheet.merge_cells(start_row=3, start_column=1, end_row=3, end_column=last)
    head = 5
    first_date, last_date = _DATE_COLUMNS
    for column, name in enumerate(BOOK_COLUMNS, start=1):
        if first_date <= column <= last_date:
            sheet.cell(row=head + 1, column=column, value=name)
        else:
            sheet.cell(row=head, column=column, value=name)
            sheet.merge_cells(
                start_row=head, start_column=column, end_row=head + 1, end_column=column
            )
        sheet.cell(row=head + 2, column=column, value=f"({column})")
    sheet.cell(row=head, column=first_date, value=DATE_GROUP)
    sheet.merge_cells(start_row=head, start_column=first_date, end_row=head, end_column=last_date)
    for row_number, row in enumerate(rows, start=head + 3):
        for column, value in enumerate(book_cells(row), start=1):
            sheet.cell(
                row=row_number, column=column, value=nfc(value) if isinstance(value, str) else value
            )
    thin = Side(style="thin")
    for cells in sheet.iter_rows(min_row=head, max_row=head + 2 + len(rows), max_col=last):
        for cell in cells:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            cell.font = bold if cell.row < head + 3 else plain
            cell.alignment = centre if cell.row < head + 3 else wrap
    widths = (5, 24, 40, 8, 24, 32, 24, 16, 16, 12, 12, 12, 10, 20)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = sheet.cell(row=head + 3, column=3)
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.print_title_rows = f"{head}:{head + 2}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
