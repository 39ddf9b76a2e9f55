"""Late entries in the reports: the list recounted by a plain loop over the dossiers, the
monthly report's count and its PDF/XLSX read back, and `report late-entries` on the CLI."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from counter_app.cli import main
from counter_app.domain.applicants import Person
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Role, Status
from counter_app.domain.periods import PeriodKind
from counter_app.domain.text import nfc
from counter_app.dossiers.service import DossierFilter, IntakeRequest, intake, list_dossiers, move
from counter_app.errors import ValidationError
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import SYSTEM_ACTOR, add_user
from counter_app.reports.service import period_for, report_late_entries, report_periodic

PERSON = Person(name="Lê Văn Cường", id_number="056090012345", address="3 Lý Tự Trọng")
POWER_CUT = "Mất điện cả buổi chiều"
NETWORK = "Mất mạng, cơ sở dữ liệu dùng chung không truy cập được"


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=VN_TZ)


def build(ctx: AppContext, clock) -> None:
    """April's window is 15/03-14/04: late entries inside, before and after it."""
    clerk = add_user(ctx, "tiepnhan2", "demo1234", Role.CLERK, "Phạm Thị Hoa")
    # (entered at, received at or None for on the spot, reason, actor)
    plan = [
        (at(3, 12), None, None, SYSTEM_ACTOR),
        (at(3, 16, 8), at(3, 13, 15, 30), POWER_CUT, clerk),  # received before the window
        (at(3, 20, 10), at(3, 19, 16, 45), POWER_CUT, clerk),
        (at(3, 20, 10, 5), at(3, 19, 16, 50), POWER_CUT, clerk),
        (at(3, 20, 11), None, None, SYSTEM_ACTOR),
        (at(3, 30, 8), at(3, 27, 14), NETWORK, SYSTEM_ACTOR),  # Friday to Monday
        (at(4, 15, 8), at(4, 14, 16), NETWORK, clerk),  # last day, entered the next
        (at(4, 16, 9), at(4, 15, 10), NETWORK, clerk),  # after the window
    ]
    for entered, received, reason, actor in plan:
        clock.now = entered
        request = IntakeRequest("1.004884", PERSON, received_at=received, late_reason=reason)
        code = intake(ctx, request, actor).code
        if received == at(3, 19, 16, 45):
            move(ctx, code, Status.WITHDRAWN, actor, reason="Công dân rút hồ sơ")
    clock.now = at(4, 20, 10)


def recount(ctx: AppContext, first: date, last: date) -> list[dict[str, object]]:
    """The late entries written again as a loop over every dossier of the data dir."""
    views = list_dossiers(ctx, DossierFilter(), limit=1000)
    found = []
    for view in sorted(views, key=lambda v: v.received_at):
        if not view.late_entry or not first <= view.received_at.date() <= last:
            continue
        working_days, day = 0, view.received_at.date()
        while day < view.entered_at.date():
            day += timedelta(days=1)
            working_days += ctx.calendar.is_working_day(day)
        found.append(
            {
                "code": view.code,
                "procedure": view.procedure,
                "received_at": view.received_at.isoformat(timespec="seconds"),
                "entered_at": view.entered_at.isoformat(timespec="seconds"),
                "delay_hours": round(
                    (view.entered_at - view.received_at).total_seconds() / 3600, 2
                ),
                "delay_working_days": working_days,
                "entered_by": view.received_by,
                "reason": view.late_entry_reason,
            }
        )
    return found


def _comparable(entries: list[dict[str, object]]) -> list[dict[str, object]]:
    keys = ("code", "procedure", "received_at", "entered_at", "delay_hours")
    keys += ("delay_working_days", "entered_by", "reason")
    return [{key: entry[key] for key in keys} for entry in entries]


def test_the_list_and_the_count_match_a_plain_recount(any_ctx, clock):
    build(any_ctx, clock)
    period = period_for(any_ctx, PeriodKind.MONTHLY, 2026, 4)
    expected = recount(any_ctx, period.date_from, period.date_to)
    assert [e["reason"] for e in expected] == [POWER_CUT, POWER_CUT, NETWORK, NETWORK]
    assert [e["delay_working_days"] for e in expected] == [1, 1, 1, 1]

    listed = report_late_entries(any_ctx, period.date_from, period.date_to)
    assert _comparable([entry.to_json() for entry in listed]) == expected
    report = report_periodic(any_ctx, period)
    assert report.late_entries == tuple(listed)
    shape = report.to_json()
    assert list(shape) == ["period", "office", "totals", "rows", "late_entries", "as_of"]
    assert shape["late_entries"] == len(expected) == 4

    march = period_for(any_ctx, PeriodKind.MONTHLY, 2026, 3)
    assert report_periodic(any_ctx, march).to_json()["late_entries"] == len(
        recount(any_ctx, march.date_from, march.date_to)
    )
    may = report_late_entries(any_ctx, date(2026, 4, 15), date(2026, 5, 14))
    assert [e.received_at for e in may] == [at(4, 15, 10)]


def test_an_empty_range_and_a_reversed_one(ctx, clock):
    build(ctx, clock)
    assert report_late_entries(ctx, date(2026, 1, 1), date(2026, 3, 12)) == []
    assert report_late_entries(ctx, date(2026, 3, 13), date(2026, 3, 13))[0].reason == POWER_CUT
    with pytest.raises(ValidationError):
        report_late_entries(ctx, date(2026, 4, 1), date(2026, 3, 1))


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    capsys.readouterr()
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_lists_them_as_json_and_as_lines(ctx, clock, data_dir, capsys):
    build(ctx, clock)
    argv = ["report", "late-entries", "--from", "2026-03-15", "--to", "2026-04-14"]
    document = run_json(capsys, *argv, "--json", "--data-dir", str(data_dir))
    expected = recount(ctx, date(2026, 3, 15), date(2026, 4, 14))
    assert document["period"] == {"from": "2026-03-15", "to": "2026-04-14"}
    assert document["count"] == len(expected)
    assert _comparable(document["late_entries"]) == expected  # type: ignore[arg-type]

    assert main([*argv, "--data-dir", str(data_dir)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(expected) + 1
    assert all(NETWORK in line or POWER_CUT in line for line in lines[:-1])


@pytest.mark.parametrize(
    ("date_from", "date_to"),
    [
        ("2026-02-30", "2026-03-10"),
        ("hôm qua", "2026-03-10"),
        ("2026-03-01", "14/04/2026"),
        ("2026-04-14", "2026-03-15"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_1(data_dir, capsys, date_from, date_to):
    capsys.readouterr()
    argv = ["report", "late-entries", "--from", date_from, "--to", date_to, "--json"]
    assert main([*argv, "--data-dir", str(data_dir)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("counter-app: ") and captured.err.count("\n") == 1


def _pdf_text(path: Path) -> str:
    text = " ".join(page.extract_text() or "" for page in PdfReader(path).pages)
    return re.sub(r"\s+", " ", nfc(text))


def test_monthly_report_carries_the_count_the_note_and_the_list(
    ctx, clock, data_dir, tmp_path, capsys
):
    build(ctx, clock)
    pdf, xlsx = tmp_path / "month.pdf", tmp_path / "month.xlsx"
    argv = ["report", "monthly", "--month", "2026-04", "--pdf", str(pdf), "--xlsx", str(xlsx)]
    document = run_json(capsys, *argv, "--json", "--data-dir", str(data_dir))
    expected = recount(ctx, date(2026, 3, 15), date(2026, 4, 14))
    assert document["late_entries"] == len(expected)
    note = f"Trong kỳ có {len(expected)} hồ sơ nhập muộn (xem danh sách)"

    workbook = load_workbook(xlsx, read_only=True)
    assert len(workbook.sheetnames) == 2
    form_rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert any(row[1] == note for row in form_rows)
    listed = list(workbook.worksheets[1].iter_rows(values_only=True))
    assert listed[0][:2] == ("STT", "Mã hồ sơ")
    assert [row[1] for row in listed[1:]] == [e["code"] for e in expected]
    assert [row[5] for row in listed[1:]] == [e["delay_hours"] for e in expected]
    assert [row[7] for row in listed[1:]] == [e["entered_by"] for e in expected]
    assert [row[8] for row in listed[1:]] == [e["reason"] for e in expected]

    text = _pdf_text(pdf)
    assert note in text
    assert "Danh sách hồ sơ nhập muộn" in text
    for entry in expected:
        assert str(entry["code"]) in text.replace(" ", "")


def test_a_month_without_late_entries_has_no_note_and_one_sheet(ctx, clock, data_dir, tmp_path):
    clock.now = at(3, 20)
    intake(ctx, IntakeRequest("1.004884", PERSON), SYSTEM_ACTOR)
    xlsx, pdf = tmp_path / "m.xlsx", tmp_path / "m.pdf"
    argv = ["report", "monthly", "--month", "2026-04", "--xlsx", str(xlsx), "--pdf", str(pdf)]
    assert main([*argv, "--data-dir", str(data_dir)]) == 0
    workbook = load_workbook(xlsx, read_only=True)
    assert len(workbook.sheetnames) == 1
    assert "nhập muộn" not in _pdf_text(pdf)
