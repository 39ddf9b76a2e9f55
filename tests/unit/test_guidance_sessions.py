"""'Guided to online' as its own metric: recording, refusals, append-only, the report."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from counter_app.domain.applicants import Person
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Channel, Role
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.errors import NotFoundError, ValidationError
from counter_app.guidance.models import GuidanceSession
from counter_app.guidance.policy import PAPER_REASONS
from counter_app.guidance.sessions import GuidanceOutcome, GuidanceRecord, record_guidance
from counter_app.kernel.users import Actor
from counter_app.reports.guidance import guidance_figures

CLERK = Actor("tiepnhan1", "Lê Thị Hoa", Role.CLERK)
AN = Person(name="Nguyễn Văn An", id_number="056090012345")
KHAI_SINH = "1.001193"  # online
KET_HON = "1.004222"  # online, with a saving
NOT_ONLINE = "2.000815"  # the guidance data lists no online channel


def stored(ctx) -> list[GuidanceSession]:
    with ctx.session() as session:
        rows = list(
            session.execute(sa.select(GuidanceSession).order_by(GuidanceSession.id)).scalars()
        )
        session.expunge_all()
        return rows


def test_each_outcome_is_recorded_without_the_citizen(any_ctx) -> None:
    home = record_guidance(any_ctx, f" {KHAI_SINH} ", "at_home", CLERK)
    failed = record_guidance(
        any_ctx, KET_HON, GuidanceOutcome.COULD_NOT, CLERK, reason="other: Quên mật khẩu"
    )
    dossier = intake(
        any_ctx, IntakeRequest(KHAI_SINH, AN, Channel.ASSISTED, portal_code="G22.1"), CLERK
    )
    helped = record_guidance(any_ctx, KHAI_SINH, "assisted", CLERK, dossier_code=dossier.code)
    rows = stored(any_ctx)
    assert [r.uuid for r in rows] == [home.uuid, failed.uuid, helped.uuid]
    assert [(r.procedure_code, r.outcome, r.reason) for r in rows] == [
        (KHAI_SINH, "at_home", None),
        (KET_HON, "could_not", "other: Quên mật khẩu"),
        (KHAI_SINH, "assisted", None),
    ]
    assert {r.clerk for r in rows} == {"tiepnhan1"}
    assert {r.catalog_version for r in rows} == {any_ctx.catalog.version}
    assert rows[0].at == any_ctx.clock()
    assert rows[2].dossier_id is not None and helped.dossier_code == dossier.code
    # The metric needs no personal data: no column can hold the citizen's name or ID.
    columns = set(GuidanceSession.__table__.columns.keys())
    assert not columns & {"applicant_name", "applicant_id_number", "applicant", "phone"}


@pytest.mark.parametrize("code", list(PAPER_REASONS))
def test_could_not_takes_every_paper_reason(ctx, code: str) -> None:
    reason = f"{code}: lý do riêng" if code == "other" else code
    record = record_guidance(ctx, KHAI_SINH, "could-not", CLERK, reason=reason)
    assert record.outcome is GuidanceOutcome.COULD_NOT and record.reason == reason


@pytest.mark.parametrize(
    ("procedure", "outcome", "extra", "error", "words"),
    [
        ("9.999999", "at_home", {}, NotFoundError, "9.999999"),
        (KHAI_SINH, "maybe", {}, ValidationError, "maybe"),
        (KHAI_SINH, "could_not", {}, ValidationError, "lý do"),
        (KHAI_SINH, "could_not", {"reason": "  "}, ValidationError, "lý do"),
        (KHAI_SINH, "could_not", {"reason": "tired"}, ValidationError, "no_vneid"),
        (KHAI_SINH, "could_not", {"reason": "other"}, ValidationError, "other"),
        (KHAI_SINH, "at_home", {"reason": "no_vneid"}, ValidationError, "Chỉ ghi lý do"),
        (KHAI_SINH, "at_home", {"dossier_code": "X-1"}, ValidationError, "Chỉ gắn mã"),
        (KHAI_SINH, "assisted", {"dossier_code": "X-1"}, NotFoundError, "X-1"),
        (NOT_ONLINE, "at_home", {}, ValidationError, NOT_ONLINE),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    any_ctx, procedure, outcome, extra, error, words
) -> None:
    with pytest.raises(error, match=words) as refused:
        record_guidance(any_ctx, procedure, outcome, CLERK, **extra)
    assert "\n" not in refused.value.message
    assert stored(any_ctx) == []


def test_a_dossier_link_must_be_an_online_dossier_of_that_procedure_once(any_ctx) -> None:
    paper = intake(any_ctx, IntakeRequest(KHAI_SINH, AN, paper_reason="no_vneid"), CLERK)
    with pytest.raises(ValidationError, match=paper.code):
        record_guidance(any_ctx, KHAI_SINH, "assisted", CLERK, dossier_code=paper.code)
    online = intake(
        any_ctx, IntakeRequest(KHAI_SINH, AN, Channel.ASSISTED, portal_code="G22.2"), CLERK
    )
    with pytest.raises(ValidationError, match=online.code):
        record_guidance(any_ctx, KET_HON, "assisted", CLERK, dossier_code=online.code)
    record_guidance(any_ctx, KHAI_SINH, "assisted", CLERK, dossier_code=online.code)
    with pytest.raises(ValidationError, match=online.code):
        record_guidance(any_ctx, KHAI_SINH, "assisted", CLERK, dossier_code=online.code)
    assert len(stored(any_ctx)) == 1


def test_the_log_is_append_only_in_the_database(any_ctx) -> None:
    record_guidance(any_ctx, KHAI_SINH, "at_home", CLERK)
    for statement in (
        sa.update(GuidanceSession).values(outcome="assisted"),
        sa.delete(GuidanceSession),
    ):
        with (
            pytest.raises(sa.exc.DBAPIError, match="append-only"),
            any_ctx.session() as session,
        ):
            session.execute(statement)
    assert [r.outcome for r in stored(any_ctx)] == ["at_home"]


def test_report_matches_an_independent_recount(any_ctx, clock) -> None:
    """Sessions and dossiers spread over days either side of the period, around midnight."""
    rng = random.Random(20261129)
    start_day = datetime(2026, 3, 1, 0, 0, tzinfo=VN_TZ)
    records: list[GuidanceRecord] = []
    received_days: list[tuple[datetime, Channel]] = []
    for _n in range(60):
        clock.now = start_day + timedelta(days=rng.randint(0, 9), minutes=rng.randint(0, 1439))
        outcome = rng.choice(list(GuidanceOutcome))
        procedure = rng.choice([KHAI_SINH, KET_HON])
        reason = rng.choice(["no_vneid", "portal_down", "other: mất sóng"])
        records.append(
            record_guidance(
                any_ctx,
                procedure,
                outcome,
                CLERK,
                reason=reason if outcome is GuidanceOutcome.COULD_NOT else None,
            )
        )
        if rng.random() < 0.4:
            channel = rng.choice([Channel.DIRECT, Channel.ASSISTED])
            portal = f"G22.{_n}" if channel is Channel.ASSISTED else None
            reason_for_paper = None if channel.is_online else "no_smartphone"
            request = IntakeRequest(
                KHAI_SINH, AN, channel, portal_code=portal, paper_reason=reason_for_paper
            )
            view = intake(any_ctx, request, CLERK)
            received_days.append((view.received_at.astimezone(VN_TZ), channel))

    first, last = start_day.date() + timedelta(days=2), start_day.date() + timedelta(days=6)
    figures = guidance_figures(any_ctx, first, last)

    inside = [r for r in records if first <= r.at.astimezone(VN_TZ).date() <= last]
    assert 0 < len(inside) < len(records)
    assert figures.guided == len(inside)
    assert figures.by_outcome == {
        o.value: sum(r.outcome is o for r in inside) for o in GuidanceOutcome
    }
    expected_procedures: dict[str, Counter[str]] = {}
    for r in inside:
        expected_procedures.setdefault(r.procedure_code, Counter())[r.outcome.value] += 1
    assert figures.by_procedure == {k: dict(v) for k, v in expected_procedures.items()}
    reasons = Counter((r.reason or "").split(":")[0] for r in inside if r.reason)
    assert figures.could_not_reasons == {code: reasons[code] for code in PAPER_REASONS}
    received = [c for at, c in received_days if first <= at.date() <= last]
    assert figures.received.received == len(received)
    assert figures.received.online == sum(c.is_online for c in received)
    document = figures.to_json()
    assert document["guided"] == len(inside) and document["received"] == len(received)
    assert document["online_share"] == (
        round(sum(c.is_online for c in received) / len(received), 4) if received else None
    )


def test_report_refuses_a_reversed_period(ctx) -> None:
    day = ctx.clock().date()
    with pytest.raises(ValidationError):
        guidance_figures(ctx, day, day - timedelta(days=1))
    assert guidance_figures(ctx, day, day).guided == 0
