"""'Guided to online' next to 'received' in `report online` (text and JSON) and in the
service behind the dashboard; one public date-range rule; the `guidance` help line."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest

from counter_app.cli import main
from counter_app.domain import periods
from counter_app.domain.applicants import Person
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Channel, Role
from counter_app.domain.periods import PeriodKind, monthly_period_containing
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.errors import ValidationError
from counter_app.guidance.sessions import GuidanceOutcome, record_guidance
from counter_app.i18n import current_language, set_language
from counter_app.kernel.context import open_context
from counter_app.kernel.users import Actor
from counter_app.reports import service as reporting
from counter_app.reports.guidance import guidance_figures
from counter_app.reports.service import online_panel, period_for, report_channels

CLERK = Actor("tiepnhan1", "Lê Thị Hoa", Role.CLERK)
AN = Person(name="Nguyễn Văn An", id_number="056090012345")
KHAI_SINH = "1.001193"
KET_HON = "1.004222"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse's own refusals and --help
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _sessions(ctx, clock) -> Counter[str]:
    """Sessions inside March 2026's report window (15/02-14/03) and either side of it."""
    expected: Counter[str] = Counter()
    for day, hour, outcome, reason in (
        (2, 14, "at_home", None),  # 14/02: the window before
        (2, 15, "could_not", "no_vneid"),
        (3, 2, "at_home", None),
        (3, 2, "could_not", "other: mất sóng"),
        (3, 13, "assisted", None),
        (3, 14, "at_home", None),
        (3, 15, "assisted", None),  # the window after
    ):
        clock.now = datetime(2026, day, hour, 9, 30, tzinfo=VN_TZ)
        record_guidance(ctx, KET_HON, outcome, CLERK, reason=reason)
        if date(2026, 2, 15) <= clock.now.date() <= date(2026, 3, 14):
            expected[outcome] += 1
    clock.now = datetime(2026, 3, 10, 10, tzinfo=VN_TZ)
    dossier = intake(ctx, IntakeRequest(KHAI_SINH, AN, Channel.ASSISTED, portal_code="G1"), CLERK)
    record_guidance(ctx, KHAI_SINH, "assisted", CLERK, dossier_code=dossier.code)
    expected["assisted"] += 1
    return expected


def test_report_channels_and_the_dashboard_panel_carry_guided_by_outcome(any_ctx, clock) -> None:
    expected = _sessions(any_ctx, clock)
    period = period_for(any_ctx, PeriodKind.MONTHLY, 2026, 3)
    figures = report_channels(any_ctx, period)
    guided = figures["guided"]
    assert guided["by_outcome"] == {o.value: expected[o.value] for o in GuidanceOutcome}
    assert guided["total"] == sum(expected.values()) == 6
    assert guided["linked_dossiers"] == 1
    assert guided["could_not_reasons"]["other"] == 1
    assert guided["could_not_reasons"]["no_vneid"] == 1
    # "Received" stays the dossiers: the one assisted dossier, not the five sessions.
    assert figures["received"] == 1
    assert guided == guidance_figures(any_ctx, period.date_from, period.date_to).counts_json()
    # The dashboard's panel reads the same figures (one computation).
    assert online_panel(any_ctx, period).channels["guided"] == guided
    empty = report_channels(any_ctx, period_for(any_ctx, PeriodKind.MONTHLY, 2025, 6))["guided"]
    assert empty["total"] == 0 and set(empty["by_outcome"].values()) == {0}


def test_report_online_prints_guided_next_to_received(capsys, data_dir: Path) -> None:
    for outcome, reason in (("at_home", None), ("at_home", None), ("could_not", "elderly")):
        argv = ["guidance", "log", "--procedure", KET_HON, "--outcome", outcome]
        code, _out, err = run(
            capsys, *argv, *(["--reason", reason] if reason else []), "--data-dir", str(data_dir)
        )
        assert (code, err) == (0, "")
    with open_context(data_dir) as ctx:
        today = ctx.clock().astimezone(VN_TZ).date()
        window = monthly_period_containing(today, reporting.report_settings(ctx).window_start_day)
    month = f"{window.year}-{window.number:02d}"
    common = ("report", "online", "--month", month, "--data-dir", str(data_dir))
    code, out, err = run(capsys, *common, "--json")
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert document["guided"]["by_outcome"] == {"assisted": 0, "at_home": 2, "could_not": 1}
    assert document["guided"]["total"] == 3 and document["received"] == 0
    code, out, err = run(capsys, *common)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == 2 and "Trực tuyến" in lines[0]
    assert "hướng dẫn nộp trực tuyến 3 lượt" in lines[1]
    assert "tự nộp tại nhà 2" in lines[1] and "không nộp được 1" in lines[1]
    code, out, err = run(
        capsys, "report", "online", "--month", "2026-13", "--data-dir", str(data_dir)
    )
    assert code != 0 and out == "" and err.count("\n") == 1


def test_one_public_range_rule_for_every_report(ctx) -> None:
    assert not hasattr(reporting, "_check_range")
    assert reporting.check_range is periods.check_range
    later, earlier = date(2026, 3, 10), date(2026, 3, 1)
    refusals = []
    for call in (
        lambda: reporting.report_book(ctx, later, earlier),
        lambda: reporting.report_late_entries(ctx, later, earlier),
        lambda: guidance_figures(ctx, later, earlier),
    ):
        with pytest.raises(ValidationError) as refused:
            call()
        refusals.append(refused.value.message)
    assert len(set(refusals)) == 1 and "\n" not in refusals[0]
    assert guidance_figures(ctx, later, later).guided == 0  # one day is a range


@pytest.mark.parametrize(
    ("lang", "says", "not_only"),
    [("vi", "ghi nhận và báo cáo lượt hướng dẫn", "quản trị"), ("en", "log and report", "admin")],
)
def test_guidance_help_line_names_the_clerks_commands(
    monkeypatch, capsys, lang: str, says: str, not_only: str
) -> None:
    before = current_language()
    monkeypatch.setenv("COUNTER_APP_LANG", lang)
    try:
        code, out, _err = run(capsys, "--help")
    finally:
        set_language(before)
    assert code == 0
    entry = re.search(r"\n {2,}guidance +(.+?)\n {2,4}\S", out, re.S)
    assert entry is not None, out
    line = " ".join(entry.group(1).split())
    assert says in line
    # "admin" is said of correcting the data only, not of the whole command.
    assert line.index(says) < line.index(not_only)
