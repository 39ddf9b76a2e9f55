"""Late dossiers by person, unused procedures, online/digitisation figures, the 766 preview,
the report reminder and the tracking book: each checked against a plain recount."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from counter_app.domain.applicants import Person
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Channel, Status
from counter_app.domain.periods import (
    PeriodKind,
    ReportSettings,
    load_report_settings,
    report_reminder,
)
from counter_app.dossiers.service import (
    DocumentLine,
    DossierFilter,
    FeeLine,
    IntakeRequest,
    intake,
    list_dossiers,
    move,
)
from counter_app.errors import ConfigError, ValidationError
from counter_app.kernel.dossier_store import get_dossier
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.reports.analytics import indicator_rules, late_by_person, points
from counter_app.reports.service import (
    period_for,
    report_book,
    report_channels,
    report_indicators,
    report_late,
    report_periodic,
    report_unused,
)
from counter_app.store.models import Dossier, DossierDocument, Page

PERSON = Person(name="Lê Thị Hoa", id_number="056190004321", address="5 Lê Thánh Tôn")


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=VN_TZ)


def result_page_codes(ctx) -> set[str]:
    """Codes of the dossiers with an electronic result page, read straight from the tables."""
    with ctx.session() as session:
        return {
            code
            for (code,) in session.execute(
                sa.select(Dossier.code)
                .join(Page, Page.dossier_id == Dossier.id)
                .where(Page.is_result.is_(True))
            )
        }


def _intake(ctx, clock, moment, procedure="1.004884", **kwargs):
    clock.now = moment
    return intake(ctx, IntakeRequest(procedure, PERSON, **kwargs), SYSTEM_ACTOR).code


def test_late_dossiers_name_the_holder_and_count_working_days(ctx, clock):
    # 5 working days: received Mon 02/03, due Mon 09/03 17:00.
    late = _intake(ctx, clock, at(3, 2), handler="tuphap")
    near = _intake(ctx, clock, at(3, 6), handler="diachinh")  # due Fri 13/03
    waiting = _intake(ctx, clock, at(3, 2), handler="vhxh")
    clock.now = at(3, 3)
    move(ctx, waiting, Status.SUPPLEMENT, SYSTEM_ACTOR, reason="thiếu giấy tờ")
    done = _intake(ctx, clock, at(3, 2))
    clock.now = at(3, 4)
    move(ctx, done, Status.RESOLVED, SYSTEM_ACTOR)
    clock.now = at(3, 11, 10)  # Wednesday: 2 working days after the due date
    found = {d.code: d for d in report_late(ctx)}
    assert set(found) == {late, near}
    assert found[late].handler == "tuphap"
    assert found[late].working_days_late == ctx.calendar.working_days_late(
        found[late].due_at, clock.now
    )
    assert found[late].working_days_late == 2
    assert found[near].working_days_late == 0
    assert late_by_person(list(found.values())) == {
        "tuphap": {"late": 1, "near_due": 0, "max_days": 2},
        "diachinh": {"late": 0, "near_due": 1, "max_days": 0},
    }


def test_unused_procedures_are_those_without_a_dossier_for_three_years(ctx, clock):
    _intake(ctx, clock, at(3, 2), procedure="1.004884")
    _intake(ctx, clock, at(3, 2), procedure="1.004772")
    clock.now = datetime(2029, 3, 5, 9, tzinfo=VN_TZ)
    _intake(ctx, clock, clock.now, procedure="1.004772")
    unused = {u.code: u for u in report_unused(ctx)}
    assert "1.004772" not in unused
    assert unused["1.004884"].last_received == date(2026, 3, 2)
    used = {"1.004884", "1.004772"}
    never = {p.code for p in ctx.catalog.procedures} - used
    assert {code for code, u in unused.items() if u.last_received is None} == never


def _mark(ctx, code: str, *, digitised: bool, reused: bool, result_page: bool) -> None:
    with ctx.session() as session:
        dossier = session.execute(sa.select(Dossier).where(Dossier.code == code)).scalar_one()
        first = session.execute(
            sa.select(DossierDocument).where(DossierDocument.dossier_id == dossier.id).limit(1)
        ).scalar_one()
        first.digitised, first.reused = digitised, reused
        if result_page:
            session.add(
                Page(
                    dossier_id=dossier.id,
                    position=1,
                    sha256="0" * 64,
                    media_type="image/png",
                    size_bytes=1,
                    is_result=True,
                    added_at=datetime.now(UTC),
                    added_by="system",
                )
            )


def test_channel_figures_and_766_preview_match_a_recount(any_ctx, clock):
    ctx = any_ctx
    docs = (DocumentLine("Tờ khai"), DocumentLine("Bản sao CCCD"))
    plans = [
        (Channel.DIRECT, "no_vneid", (True, False, True), "portal", Status.RESOLVED),
        (Channel.DIRECT, "elderly", (False, False, False), None, Status.RESOLVED),
        (Channel.ONLINE, None, (True, True, False), "portal", Status.RESOLVED),
        (Channel.ASSISTED, None, (True, True, True), "cash", None),
        (Channel.POSTAL, "elderly", (False, False, False), None, Status.REFUSED),
        (Channel.ONLINE, None, (True, False, False), None, None),
    ]
    for index, (channel, reason, flags, payment, status) in enumerate(plans):
        fees = (FeeLine("Lệ phí", 8000, payment),) if index % 2 == 0 else ()
        code = _intake(
            ctx,
            clock,
            at(3, 16 + index),
            channel=channel,
            paper_reason=reason,
            documents=docs,
            fees=fees,
            portal_code="G22-1" if channel is Channel.ASSISTED else None,
        )
        if status is not None:
            clock.now = at(3, 16 + index, 15)
            move(ctx, code, status, SYSTEM_ACTOR, reason="lý do")
        digitised, reused, result_page = flags
        _mark(ctx, code, digitised=digitised, reused=reused, result_page=result_page)
    clock.now = at(4, 20)
    period = period_for(ctx, PeriodKind.MONTHLY, 2026, 4)
    figures = report_channels(ctx, period)

    raw = [get_dossier(ctx, v.code) for v in list_dossiers(ctx, DossierFilter(), limit=1000)]
    result_pages = result_page_codes(ctx)
    received = len(raw)
    online = sum(d.channel in ("online", "assisted") for d in raw)
    assisted = sum(d.channel == "assisted" for d in raw)
    reasons: dict[str, int] = {}
    for d in raw:
        if d.channel in ("direct", "postal"):
            reasons[d.paper_reason or ""] = reasons.get(d.paper_reason or "", 0) + 1
    with_result = [d for d in raw if d.status in ("resolved", "returned")]
    digitised = sum(
        any(doc.digitised for doc in d.documents)
        and (d.status not in ("resolved", "returned") or d.code in result_pages)
        for d in raw
    )
    fee_bearing = [d for d in raw if d.fee_total > 0]
    paid_online = sum(
        any(f.payment_method == "portal" and f.amount > 0 for f in d.fees) for d in fee_bearing
    )

    assert figures["received"] == received
    assert figures["by_channel"]["assisted"] == assisted
    assert figures["online_share"] == round(100 * online / received, 2)
    assert figures["assisted_share_of_online"] == round(100 * assisted / online, 2)
    assert figures["paper_reasons"] == reasons
    assert figures["digitised"] == digitised
    assert figures["resolved_with_result"] == len(with_result)
    assert figures["e_result"] == sum(d.code in result_pages for d in with_result)
    assert figures["reused"] == sum(any(doc.reused for doc in d.documents) for d in raw)
    assert (figures["fee_bearing"], figures["paid_online"]) == (len(fee_bearing), paid_online)

    preview = report_indicators(ctx, period)
    by_code = {i["code"]: i for i in preview["indicators"]}
    assert set(by_code) == {"1.4", "2.1", "3.3", "3.6", "4.1", "4.2", "4.3", "5.4"}
    assert (by_code["1.4"]["numerator"], by_code["1.4"]["denominator"]) == (0, received)
    assert by_code["5.4"]["has_data"] is False and by_code["5.4"]["rate"] is None
    totals = report_periodic(ctx, period).totals
    within = totals["resolved_early"] + totals["resolved_on_time"] + totals["in_progress_in_time"]
    assert (by_code["2.1"]["numerator"], by_code["2.1"]["denominator"]) == (within, received)
    assert by_code["3.3"]["numerator"] == online
    # Nothing was ever synced: 3.3 (online share × sync rate) has no data yet, not 0.
    assert by_code["3.3"]["has_data"] is False and by_code["3.3"]["rate"] is None
    assert by_code["3.3"]["points"] == 0 and by_code["3.3"]["multiplier"] is None
    assert by_code["4.2"]["rate"] == round(100 * digitised / received, 2)
    rules = indicator_rules(period.date_to)
    for code, item in by_code.items():
        rule = rules["indicators"][code]
        assert item["points"] == points(item["rate"], rule["full_at"], rule["max_points"])
    assert preview["rules"]["confirmed"] is False


def test_points_rule():
    assert points(None, 80, 4) == 0
    assert points(80, 80, 4) == 4
    assert points(95, 80, 4) == 4
    assert points(40, 80, 4) == 2
    assert points(25, 50, 6) == 3
    with pytest.raises(ConfigError):
        indicator_rules(date(2020, 1, 1))


def test_reminder_before_the_due_date(ctx):
    settings = ReportSettings()
    cal = ctx.calendar
    # Cut-off Sat 14/03/2026; due 2 working days later: Tue 17/03.
    assert report_reminder(cal, date(2026, 3, 1), settings) is None
    on_cutoff = report_reminder(cal, date(2026, 3, 12), settings)
    assert on_cutoff is not None and on_cutoff.due == date(2026, 3, 17)
    after = report_reminder(cal, date(2026, 3, 16), settings)
    assert after is not None and after.period.date_to == date(2026, 3, 14)
    assert after.working_days_left == 1
    assert report_reminder(cal, date(2026, 3, 18), settings) is None


def test_settings_overrides_and_bad_values():
    assert load_report_settings({"window_start_day": 20}).window_start_day == 20
    with pytest.raises(ConfigError):
        load_report_settings({"window_start_day": 31})
    with pytest.raises(ConfigError):
        load_report_settings({"due_working_days_after_cutoff": -1})


def test_tracking_book_lists_the_range_in_order(ctx, clock):
    codes = [_intake(ctx, clock, at(3, day)) for day in (2, 3, 4, 5)]
    clock.now = at(3, 6)
    move(ctx, codes[1], Status.RESOLVED, SYSTEM_ACTOR)
    rows = report_book(ctx, date(2026, 3, 3), date(2026, 3, 4))
    assert [r.code for r in rows] == codes[1:3]
    assert [r.number for r in rows] == [1, 2]
    assert rows[0].resolved_at == at(3, 6) and rows[1].resolved_at is None
    assert rows[0].address.startswith("5 Lê Thánh Tôn")
    with pytest.raises(ValidationError):
        report_book(ctx, date(2026, 3, 4), date(2026, 3, 3))
