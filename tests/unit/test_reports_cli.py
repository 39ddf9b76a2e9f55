"""`counter-app report monthly` on a demo data dir, confirmed by a recount from the CLI's own
`dossier list --json` (and `dossier show --json` for when a dossier was closed); the XLSX
and the PDF read back."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from counter_app.cli import main
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.text import nfc
from tests.demo_support import CLI_DEMO, DemoCopies
from tests.report_recount import local, recount

COLUMNS = (
    "received",
    "received_online",
    "received_direct_postal",
    "carried_over",
    "resolved",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "in_progress",
    "in_progress_in_time",
    "in_progress_overdue",
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    capsys.readouterr()
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def demo_dir(demo_copy: DemoCopies) -> Path:
    """`counter-app demo --days 30`, made once per session, copied for each test."""
    return demo_copy.path(CLI_DEMO)


def test_monthly_report_from_the_cli_matches_a_recount(demo_dir, tmp_path, capsys):
    dossiers = run(
        capsys, "dossier", "list", "--limit", "100000", "--json", "--data-dir", str(demo_dir)
    )
    assert len(dossiers) > 300
    closed_at: dict[str, datetime] = {}
    for d in dossiers:
        closed = d["status"] in ("refused", "withdrawn", "stopped")
        if closed or d["supplement_count"]:
            shown = run(capsys, "dossier", "show", d["code"], "--json", "--data-dir", str(demo_dir))
            d["events"] = shown["events"]  # the recount reads a pause's history
        if closed:
            moment = min(local(e["at"]) for e in d["events"] if e["to_status"] == d["status"])
            assert moment is not None
            closed_at[d["code"]] = moment
    assert closed_at, "the demo has closed dossiers"
    assert any(d["supplement_count"] for d in dossiers), "the demo has supplement requests"

    def finished_of(d: dict[str, Any]) -> datetime | None:
        # `dossier list` carries no events: the history was looked up with `dossier show`.
        if d["status"] in ("resolved", "returned"):
            return local(d["resolved_at"])
        return closed_at.get(d["code"])

    today = datetime.now(VN_TZ).date()
    months = {
        (today.year, today.month),
        ((today - timedelta(days=31)).year, (today - timedelta(days=31)).month),
    }
    # the month after the one holding today's window, when today is past the 14th
    ahead = today + timedelta(days=20)
    months.add((ahead.year, ahead.month))
    checked = 0
    for year, month in sorted(months):
        pdf, xlsx = tmp_path / f"{month}.pdf", tmp_path / f"{month}.xlsx"
        report = run(
            capsys,
            "report",
            "monthly",
            "--month",
            f"{year}-{month:02d}",
            "--pdf",
            str(pdf),
            "--xlsx",
            str(xlsx),
            "--json",
            "--data-dir",
            str(demo_dir),
        )
        first = date.fromisoformat(report["period"]["from"])
        last = date.fromisoformat(report["period"]["to"])
        # The month still running is read as of the moment the report says (its `as_of`).
        now = datetime.fromisoformat(report["as_of"]) if report["as_of"] else None
        expected = recount(dossiers, first, last, finished_of, now=now)
        got = {(r["field"], r["procedure"]): {c: r[c] for c in COLUMNS} for r in report["rows"]}
        assert got == {key: {c: counts[c] for c in COLUMNS} for key, counts in expected.items()}
        for column in COLUMNS:
            assert report["totals"][column] == sum(c[column] for c in expected.values())
        checked += report["totals"]["received"]
        assert_xlsx_holds(xlsx, report)
        assert_pdf_holds(pdf, report)
    assert checked > 0


def assert_xlsx_holds(path: Path, report: dict[str, Any]) -> None:
    sheet = load_workbook(path, read_only=True).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    flat = [str(v) for row in values for v in row if v is not None]
    assert any("Biểu số 06/VPCP/KSTT" in v for v in flat)
    assert any(report["period"]["to"][8:10] + "/" in v for v in flat)
    total_row = next(row for row in values if row[1] == "Tổng cộng")
    assert total_row[2 : 2 + len(COLUMNS)] == [report["totals"][c] for c in COLUMNS]
    for row in report["rows"]:
        line = next(r for r in values if isinstance(r[1], str) and f"({row['procedure']})" in r[1])
        assert line[2 : 2 + len(COLUMNS)] == [row[c] for c in COLUMNS]


def assert_pdf_holds(path: Path, report: dict[str, Any]) -> None:
    text = nfc("\n".join(page.extract_text() for page in PdfReader(path).pages))
    assert "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT" in " ".join(text.split())
    first = date.fromisoformat(report["period"]["from"])
    assert f"{first:%d/%m/%Y}" in text
    assert "Tổng cộng" in text
    after_total = text[text.index("Tổng cộng") + len("Tổng cộng") :].split()
    assert after_total[: len(COLUMNS)] == [str(report["totals"][c]) for c in COLUMNS]
    for row in report["rows"]:
        assert row["procedure"] in text


def test_book_and_period_commands(demo_dir, tmp_path, capsys):
    today = datetime.now(VN_TZ).date()
    book_path = tmp_path / "book.xlsx"
    rows = run(
        capsys,
        "report",
        "book",
        "--from",
        f"{today - timedelta(days=10)}",
        "--to",
        f"{today}",
        "--xlsx",
        str(book_path),
        "--json",
        "--data-dir",
        str(demo_dir),
    )
    listed = run(
        capsys,
        "dossier",
        "list",
        "--from",
        f"{today - timedelta(days=10)}",
        "--to",
        f"{today}",
        "--limit",
        "100000",
        "--json",
        "--data-dir",
        str(demo_dir),
    )
    assert sorted(r["code"] for r in rows) == sorted(d["code"] for d in listed)
    assert [r["number"] for r in rows] == list(range(1, len(rows) + 1))
    sheet = load_workbook(book_path, read_only=True).active
    codes = [row[1] for row in sheet.iter_rows(min_row=8, values_only=True) if row[1]]
    assert codes == [r["code"] for r in rows]
    yearly = run(
        capsys,
        "report",
        "period",
        "--kind",
        "yearly",
        "--year",
        str(today.year),
        "--json",
        "--data-dir",
        str(demo_dir),
    )
    assert yearly["period"]["from"] == f"{today.year - 1}-12-15"


@pytest.mark.parametrize(
    "argv",
    [
        ["report", "monthly", "--month", "2026-13"],
        ["report", "monthly", "--month", "tháng 3"],
        ["report", "book", "--from", "2026-03-10", "--to", "2026-03-01"],
    ],
)
def test_bad_input_is_one_line_and_exit_1(argv, demo_dir, capsys):
    capsys.readouterr()
    assert main([*argv, "--data-dir", str(demo_dir)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("counter-app: ") and err.count("\n") == 1


def test_unwritable_output_is_refused(demo_dir, tmp_path, capsys):
    target = tmp_path / "missing-dir" / "r.pdf"
    assert (
        main(
            [
                "report",
                "monthly",
                "--month",
                "2026-11",
                "--pdf",
                str(target),
                "--data-dir",
                str(demo_dir),
            ]
        )
        == 1
    )
    assert "counter-app: " in capsys.readouterr().err
    assert not target.exists()
