"""The official layout of Biểu 06/VPCP/KSTT and II.06a (Circular 01/2020), as PDF and XLSX.

Both forms share the 11 figure columns (docs/rules.md §12); the rows are the fields
(lĩnh vực) with their subtotal, each followed by its procedures, then the grand total.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from counter_app.domain.calendar import VN_TZ
from counter_app.domain.text import nfc
from counter_app.i18n import N_, _
from counter_app.reports.periodic import COLUMNS, PeriodicReport


class ReportForm(StrEnum):
    BIEU_06 = "06"
    BIEU_II_06A = "II.06a"


@dataclass(frozen=True)
class FormText:
    code: str
    title: str


FORMS = {
    ReportForm.BIEU_06: FormText(
        "Biểu số 06/VPCP/KSTT",
        "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI CƠ QUAN, ĐƠN VỊ "
        "TRỰC TIẾP GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
    ),
    ReportForm.BIEU_II_06A: FormText(
        "Biểu số II.06a/VPCP/KSTT",
        "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG",
    ),
}
ISSUED_BY = "Ban hành theo Thông tư số 01/2020/TT-VPCP ngày 21/10/2020"
UNIT_LINE = "Đơn vị tính: Số hồ sơ TTHC"

# Two header rows: the three column groups, then the eleven figure columns.
GROUPS = (
    ("Số hồ sơ nhận giải quyết", 4),
    ("Số hồ sơ đã giải quyết", 4),
    ("Số lượng hồ sơ đang giải quyết", 3),
)
COLUMN_TITLES = (
    "Tổng số",
    "Trực tuyến",
    "Trực tiếp, dịch vụ bưu chính",
    "Từ kỳ trước",
    "Tổng số",
    "Trước hạn",
    "Đúng hạn",
    "Quá hạn",
    "Tổng số",
    "Trong hạn",
    "Quá hạn",
)
FIELD_TITLE = "Lĩnh vực, thủ tục hành chính giải quyết"


@dataclass(frozen=True)
class TableLine:
    number: str
    title: str
    counts: dict[str, int]
    level: int
    """0 the grand total, 1 a field, 2 a procedure."""


def table_lines(report: PeriodicReport) -> list[TableLine]:
    """The rows of the form, in print order: fields (I, II...) with their procedures."""
    lines: list[TableLine] = []
    for index, (field, subtotal, rows) in enumerate(report.fields(), start=1):
        lines.append(TableLine(_roman(index), field or _("Khác"), subtotal, 1))
        for number, row in enumerate(rows, start=1):
            title = (
                f"{row.procedure_name} ({row.procedure})" if row.procedure_name else row.procedure
            )
            lines.append(TableLine(str(number), title, row.counts, 2))
    lines.append(TableLine("", "Tổng cộng", report.totals, 0))
    return lines


LATE_ENTRY_COLUMNS = (
    N_("STT"),
    N_("Mã hồ sơ"),
    N_("Thủ tục"),
    N_("Tiếp nhận lúc"),
    N_("Nhập vào lúc"),
    N_("Chậm (giờ)"),
    N_("Chậm (ngày làm việc)"),
    N_("Người nhập"),
    N_("Lý do nhập muộn"),
)


def late_entry_note(report: PeriodicReport) -> str | None:
    """The line under the table, or None when every dossier was entered on time."""
    if not report.late_entries:
        return None
    return _("Trong kỳ có {n} hồ sơ nhập muộn (xem danh sách)").format(n=len(report.late_entries))


def late_entry_rows(report: PeriodicReport) -> list[list[Any]]:
    """The list of late entries, one row per dossier, numbers as numbers."""
    return [
        [
            number,
            entry.code,
            f"{entry.procedure_name} ({entry.procedure})",
            entry.received_at.strftime("%d/%m/%Y %H:%M"),
            entry.entered_at.strftime("%d/%m/%Y %H:%M"),
            entry.delay_hours,
            entry.delay_working_days,
            entry.entered_by,
            entry.reason,
        ]
        for number, entry in enumerate(report.late_entries, start=1)
    ]


def _roman(n: int) -> str:
    numerals = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = ""
    for value, letters in numerals:
        while n >= value:
            out += letters
            n -= value
    return out


def as_of_text(report: PeriodicReport) -> str | None:
    """ "tính đến HH:MM dd/MM/yyyy" for a period still running (its figures are as of that
    moment, not of the period's end); None for a closed period."""
    if report.as_of is None:
        return None
    moment = report.as_of.astimezone(VN_TZ)
    return _("tính đến {time}").format(time=moment.strftime("%H:%M %d/%m/%Y"))


def period_line(report: PeriodicReport, *, with_as_of: bool = True) -> str:
    """The period under the title, with "tính đến …" while it runs (not in the footer)."""
    period = report.period
    start, end = f"{period.date_from:%d/%m/%Y}", f"{period.date_to:%d/%m/%Y}"
    line = f"Kỳ báo cáo: {period.label} (Từ ngày {start} đến ngày {end})"
    as_of = as_of_text(report) if with_as_of else None
    return line if as_of is None else f"{line}, {as_of}"


def report_pdf(
    report: PeriodicReport,
    *,
    form: ReportForm = ReportForm.BIEU_06,
    reporting_body: str = "",
    place: str = "",
    day: date | None = None,
) -> bytes:
    """The form on A4 landscape, ready to sign."""
    from reportlab.platypus import PageBreak, Spacer, Table, TableStyle

    from counter_app.documents.layout import (
        PageSetup,
        SignatureColumn,
        build_pdf,
        grid_table,
        make_styles,
        para,
        signature_block,
    )

    setup = PageSetup.parse("A4-landscape")
    st = make_styles(setup)
    text = FORMS[form]
    _x, _y, width, _h = setup.frame
    top = Table(
        [
            [
                [para(text.code, st.header_bold), para(ISSUED_BY, st.header)],
                [para(text.title, st.title), para(period_line(report), st.body_center)],
                [
                    para(f"Đơn vị báo cáo: {report.office_name}", st.small),
                    para(f"Đơn vị nhận báo cáo: {reporting_body or '…'}", st.small),
                    para(UNIT_LINE, st.small),
                ],
            ]
        ],
        colWidths=[width * 0.2, width * 0.55, width * 0.25],
    )
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    head_top = ["STT", FIELD_TITLE]
    for title, span in GROUPS:
        head_top.extend([title] + [""] * (span - 1))
    spans = [((0, 0), (0, 1)), ((1, 0), (1, 1))]
    column = 2
    for _title, span in GROUPS:
        spans.append(((column, 0), (column + span - 1, 0)))
        column += span
    rows: list[list[Any]] = [
        [para(cell, st.cell_head) for cell in head_top],
        ["", ""] + [para(cell, st.cell_head) for cell in COLUMN_TITLES],
        [para(f"({i})", st.small_center) for i in range(1, len(COLUMNS) + 3)],
    ]
    for line in table_lines(report):
        style = st.cell_head if line.level < 2 else st.cell
        rows.append(
            [para(line.number, st.small_center), para(line.title, style)]
            + [para(str(line.counts[c]), st.small_center) for c in COLUMNS]
        )
    table = grid_table(rows, [0.6, 4.4] + [0.9] * len(COLUMNS), setup, header_rows=3, spans=spans)
    signatures = signature_block(
        [
            SignatureColumn("NGƯỜI LẬP BIỂU"),
            SignatureColumn(
                "THỦ TRƯỞNG ĐƠN VỊ",
                "(Ký, đóng dấu)",
                above=f"{place or '…'}, ngày {_day_text(day)}",
            ),
        ],
        setup,
    )
    story = [top, Spacer(1, 6), table]
    note = late_entry_note(report)
    if note is not None:
        story.append(para(note, st.body))
    story.append(signatures)
    if note is not None:
        story.extend(
            [
                PageBreak(),
                para(_("Danh sách hồ sơ nhập muộn"), st.title),
                Spacer(1, 6),
                grid_table(
                    [[para(_(title), st.cell_head) for title in LATE_ENTRY_COLUMNS]]
                    + [
                        [para(str(value), st.cell) for value in row]
                        for row in late_entry_rows(report)
                    ],
                    [0.5, 2.2, 3.2, 1.4, 1.4, 0.8, 1.0, 1.2, 3.0],
                    setup,
                ),
            ]
        )
    return build_pdf(
        story,
        setup,
        title=f"{text.code} — {report.period.label}",
        author=report.office_name,
        footer=f"{text.code} · {report.office_name} · {period_line(report, with_as_of=False)}",
    )


def _day_text(day: date | None) -> str:
    if day is None:
        return "… tháng … năm …"
    return f"{day.day:02d} tháng {day.month:02d} năm {day.year}"


def report_xlsx(
    report: PeriodicReport, *, form: ReportForm = ReportForm.BIEU_06, reporting_body: str = ""
) -> bytes:
    """The form as a workbook: same header, numbered columns and rows, numbers as numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    text = FORMS[form]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = nfc(text.code.replace("/", "-"))[:31]
    last_column = 2 + len(COLUMNS)
    bold = Font(name="Times New Roman", bold=True)
    plain = Font(name="Times New Roman")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)

    def put(row: int, column: int, value: Any, font: Font = plain) -> None:
        cell = sheet.cell(
            row=row, column=column, value=nfc(value) if isinstance(value, str) else value
        )
        cell.font = font

    put(1, 1, text.code, bold)
    put(2, 1, ISSUED_BY)
    put(1, last_column - 2, f"Đơn vị báo cáo: {report.office_name}")
    put(2, last_column - 2, f"Đơn vị nhận báo cáo: {reporting_body or '…'}")
    put(3, last_column - 2, UNIT_LINE)
    put(4, 1, text.title, bold)
    sheet.merge_cells(start_row=4, start_column=1, end_row=4, end_column=last_column)
    put(5, 1, period_line(report))
    sheet.merge_cells(start_row=5, start_column=1, end_row=5, end_column=last_column)
    for row in (4, 5):
        sheet.cell(row=row, column=1).alignment = centre
    head = 7
    put(head, 1, "STT", bold)
    put(head, 2, FIELD_TITLE, bold)
    sheet.merge_cells(start_row=head, start_column=1, end_row=head + 1, end_column=1)
    sheet.merge_cells(start_row=head, start_column=2, end_row=head + 1, end_column=2)
    column = 3
    for title, span in GROUPS:
        put(head, column, title, bold)
        sheet.merge_cells(
            start_row=head, start_column=column, end_row=head, end_column=column + span - 1
        )
        column += span
    for offset, title in enumerate(COLUMN_TITLES):
        put(head + 1, 3 + offset, title, bold)
    for column in range(1, last_column + 1):
        put(head + 2, column, f"({column})")
    row_number = head + 3
    for line in table_lines(report):
        font = bold if line.level < 2 else plain
        put(row_number, 1, line.number, font)
        put(row_number, 2, line.title, font)
        for offset, name in enumerate(COLUMNS):
            put(row_number, 3 + offset, line.counts[name], font)
        row_number += 1
    thin = Side(style="thin")
    for row in sheet.iter_rows(min_row=head, max_row=row_number - 1, max_col=last_column):
        for cell in row:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            if cell.column != 2 or cell.row <= head + 2:
                cell.alignment = centre
    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = 60
    for column in range(3, last_column + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 11
    sheet.freeze_panes = sheet.cell(row=head + 3, column=3)
    note = late_entry_note(report)
    if note is not None:
        put(row_number, 2, note)
        row_number += 1
    put(row_number + 1, 2, "NGƯỜI LẬP BIỂU", bold)
    put(row_number + 1, last_column - 3, "THỦ TRƯỞNG ĐƠN VỊ", bold)
    if note is not None:
        _late_entry_sheet(workbook, report, bold, plain)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _late_entry_sheet(workbook: Any, report: PeriodicReport, bold: Any, plain: Any) -> None:
    """A second sheet listing the late entries the note under the table counts."""
    sheet = workbook.create_sheet(nfc(_("Nhập muộn"))[:31])
    sheet.append([nfc(_(title)) for title in LATE_ENTRY_COLUMNS])
    for cell in sheet[1]:
        cell.font = bold
    for row in late_entry_rows(report):
        sheet.append([nfc(value) if isinstance(value, str) else value for value in row])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.font = plain
    for letter, width in zip("ABCDEFGHI", (6, 24, 50, 17, 17, 11, 11, 14, 50), strict=True):
        sheet.column_dimensions[letter].width = width
