"""The dashboard's online and 766 panels: every figure equals a plain recount over the raw
dossiers of demo data, the target comes from the one configured place, and the 766 preview
says when it has no data instead of inventing a number."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Role
from counter_app.domain.periods import load_report_settings
from counter_app.dossiers.service import DossierFilter, list_dossiers
from counter_app.guidance.data import admin_correct, load_guidance
from counter_app.guidance.policy import split_paper_reason
from counter_app.kernel.dossier_store import get_dossier
from counter_app.kernel.users import Actor
from counter_app.reports.analytics import indicator_rules, points
from counter_app.reports.online import UNSPECIFIED, office_target
from counter_app.reports.service import (
    dashboard_summary,
    online_panel,
    report_channels,
    report_indicators,
)
from counter_app.store.models import Event, OutboxItem
from tests.demo_support import POSTGRESQL, REPORTS_DEMO, SQLITE
from tests.unit.test_reports_analytics import result_page_codes

ADMIN = Actor("quantri", "Quản trị", Role.ADMIN)


def _acknowledge_every_third(ctx) -> None:
    """As the hub's answer would: every event of every third dossier is sent, and of every
    fifth only the first (its later moves still wait)."""
    now = datetime(2026, 6, 10, 12, tzinfo=VN_TZ)
    with ctx.session() as session:
        rows = session.execute(
            sa.select(Event.dossier_id, OutboxItem.id)
            .join(OutboxItem, OutboxItem.event_id == Event.id)
            .order_by(Event.dossier_id, Event.id)
        ).all()
        first_seen: set[int] = set()
        chosen = []
        for dossier_id, outbox_id in rows:
            if dossier_id % 3 == 0 or (dossier_id % 5 == 0 and dossier_id not in first_seen):
                chosen.append(outbox_id)
            first_seen.add(dossier_id)
        session.execute(sa.update(OutboxItem).where(OutboxItem.id.in_(chosen)).values(sent_at=now))


def _raw(ctx, period):
    views = list_dossiers(ctx, DossierFilter(), limit=100_000)
    dossiers = [get_dossier(ctx, v.code) for v in views]
    in_period = [
        d
        for d in dossiers
        if period.date_from <= d.received_at.astimezone(VN_TZ).date() <= period.date_to
        and d.status != "submitted"
    ]
    with ctx.session() as session:
        sent_ids = {
            dossier_id
            for (dossier_id,) in session.execute(
                sa.select(Event.dossier_id)
                .join(OutboxItem, OutboxItem.event_id == Event.id)
                .where(OutboxItem.sent_at.is_not(None))
            )
        }
    return in_period, sent_ids, result_page_codes(ctx)


@pytest.mark.parametrize("database", [SQLITE, POSTGRESQL])
def test_online_panel_equals_a_recount_on_demo_data(demo_copy, database):
    any_ctx = demo_copy(REPORTS_DEMO, database)  # made 10/06/2026 16:00, shared with the trend
    _acknowledge_every_third(any_ctx)
    data = dashboard_summary(any_ctx)
    panel = data.online
    assert panel.period == data.month.period
    assert panel == online_panel(any_ctx, data.month.period)

    dossiers, sent_ids, result_pages = _raw(any_ctx, panel.period)
    received = len(dossiers)
    assert received > 20, "the demo fills the current window"
    online = sum(d.channel in ("online", "assisted") for d in dossiers)
    digitised = sum(
        any(doc.digitised for doc in d.documents)
        and (d.status not in ("resolved", "returned") or d.code in result_pages)
        for d in dossiers
    )
    synced = sum(d.id in sent_ids for d in dossiers)
    assert 0 < synced < received

    channels = panel.channels
    assert channels["received"] == received
    assert channels["online_share"] == round(100 * online / received, 2)
    assert channels["digitisation_rate"] == round(100 * digitised / received, 2)
    assert channels["synced"] == synced

    # Reasons for paper: the paper dossiers of the window, unspecified only where the
    # procedure could have been filed online.
    book = load_guidance(any_ctx.data_dir)
    reasons: dict[str, int] = {}
    for d in dossiers:
        if d.channel not in ("direct", "postal"):
            continue
        if d.paper_reason:
            code = split_paper_reason(d.paper_reason)[0]
        elif d.procedure in book.procedures and book.procedures[d.procedure].can_file_online:
            code = UNSPECIFIED
        else:
            continue
        reasons[code] = reasons.get(code, 0) + 1
    assert {k: v for k, v in panel.reasons.by_reason.items() if v} == reasons
    assert sum(reasons.values()) > 0

    # The target is the guidance data's target of the office's level, unconfirmed by default.
    assert panel.target == book.targets[book.office_level]
    assert panel.target is not None and panel.target.confirmed is False
    assert channels["online_target"] == pytest.approx(panel.target.share * 100)
    assert panel.below_target == (100 * online / received < panel.target.share * 100)

    indicators = {i["code"]: i for i in panel.indicators["indicators"]}
    assert list(indicators) == sorted(indicators, key=lambda c: [int(p) for p in c.split(".")])
    assert (indicators["1.4"]["numerator"], indicators["1.4"]["denominator"]) == (
        synced,
        received,
    )
    assert indicators["1.4"]["rate"] == round(100 * synced / received, 2)
    assert indicators["3.3"]["numerator"] == online
    # 766 §3.3: the online share multiplied by the sync rate (1.4), recounted by hand.
    assert indicators["3.3"]["multiplier"] == indicators["1.4"]["rate"]
    assert indicators["3.3"]["rate"] == round(100 * (online / received) * (synced / received), 2)
    assert indicators["3.3"]["rate"] < channels["online_share"]
    assert indicators["4.2"]["numerator"] == digitised
    rules = indicator_rules(panel.period.date_to)
    for code, item in indicators.items():
        rule = rules["indicators"][code]
        assert item["points"] == points(item["rate"], rule["full_at"], rule["max_points"])
    satisfaction = indicators["5.4"]
    assert satisfaction["has_data"] is False and satisfaction["rate"] is None
    assert satisfaction["points"] == 0
    assert all(item["has_data"] for code, item in indicators.items() if code != "5.4")
    assert panel.indicators == report_indicators(any_ctx, panel.period)
    assert panel.indicators["rules"]["confirmed"] is False


def test_one_target_for_reports_and_status(ctx):
    shipped = office_target(ctx)
    assert shipped is not None and shipped.level == "commune"
    assert shipped.share == pytest.approx(0.20) and not shipped.confirmed
    # The report settings no longer carry a target of their own.
    assert not hasattr(load_report_settings(), "online_target_percent")
    admin_correct(ctx, ADMIN, "targets", "commune", {"share": 0.35, "source": "KH 2027"})
    corrected = office_target(ctx)
    assert corrected is not None and corrected.confirmed
    from counter_app.domain.periods import PeriodKind
    from counter_app.reports.service import period_for

    figures = report_channels(ctx, period_for(ctx, PeriodKind.MONTHLY, 2026, 3))
    assert figures["online_target"] == pytest.approx(35)
    assert figures["online_target_confirmed"] is True
    assert figures["received"] == 0 and figures["online_share"] is None
    panel = online_panel(ctx, period_for(ctx, PeriodKind.MONTHLY, 2026, 3))
    assert panel.below_target is False  # nothing received: no share to compare


def test_a_bad_target_is_refused(ctx):
    from counter_app.errors import ConfigError, ValidationError

    with pytest.raises((ConfigError, ValidationError)):
        admin_correct(ctx, ADMIN, "targets", "commune", {"share": 1.5, "source": "x"})
    with pytest.raises(ValidationError):
        admin_correct(ctx, ADMIN, "targets", "commune", {"share": 0.3, "source": " "})
    assert office_target(ctx).share == pytest.approx(0.20)
