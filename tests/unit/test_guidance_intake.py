"""Guidance at intake: online-only refusal and leader override, assisted filing, paper reasons."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from counter_app.domain.applicants import Person
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Channel, Role
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.errors import PermissionDeniedError, ValidationError
from counter_app.guidance.data import load_guidance, save_correction
from counter_app.guidance.policy import PAPER_REASONS, split_paper_reason
from counter_app.kernel.dossier_store import get_dossier
from counter_app.kernel.users import Actor
from counter_app.maintenance.service import verify
from counter_app.store.models import Dossier

AN = Person(name="Nguyễn Văn An", id_number="056090012345", phone="0905123456")
KHAI_SINH = "1.001193"
KET_HON = "1.000894"
CLERK = Actor("tiepnhan1", "Lê Thị Hoa", Role.CLERK)
LEADER = Actor("lanhdao", "Phạm Văn Bình", Role.LEADER)
ADMIN = Actor("quantri", "Quản trị", Role.ADMIN)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


def make_online_only(ctx, code: str, valid_from: str = "2026-01-01", valid_to=None) -> None:
    save_correction(
        ctx.data_dir,
        "online_only",
        code,
        {"valid_from": valid_from, "valid_to": valid_to, "source": "QĐ thí điểm số 1/2026"},
        by=ADMIN.login,
        at=at("2026-01-01T08:00"),
    )


def dossier_count(ctx) -> int:
    with ctx.session() as session:
        return int(session.execute(sa.select(sa.func.count(Dossier.id))).scalar_one())


def test_online_only_procedure_is_refused_on_paper(any_ctx, clock) -> None:
    clock.now = at("2026-03-02T09:00")
    make_online_only(any_ctx, KHAI_SINH)
    for channel in (Channel.DIRECT, Channel.POSTAL):
        with pytest.raises(ValidationError, match="chỉ nhận hồ sơ trực tuyến"):
            intake(any_ctx, IntakeRequest(KHAI_SINH, AN, channel), CLERK)
    assert dossier_count(any_ctx) == 0
    # Other procedures, and the same one online or assisted, are taken as usual.
    intake(any_ctx, IntakeRequest(KET_HON, AN), CLERK)
    intake(any_ctx, IntakeRequest(KHAI_SINH, AN, Channel.ONLINE), CLERK)
    intake(any_ctx, IntakeRequest(KHAI_SINH, AN, Channel.ASSISTED, portal_code="G22.1"), CLERK)
    assert dossier_count(any_ctx) == 3


def test_a_clerk_cannot_override(ctx) -> None:
    make_online_only(ctx, KHAI_SINH)
    request = IntakeRequest(KHAI_SINH, AN, override_reason="Cụ già 90 tuổi")
    with pytest.raises(PermissionDeniedError, match="lãnh đạo"):
        intake(ctx, request, CLERK)
    other_clerk = Actor("tiepnhan2", "B", Role.CLERK)
    with pytest.raises(PermissionDeniedError):
        intake(
            ctx, IntakeRequest(KHAI_SINH, AN, override_reason="x", override_by=other_clerk), CLERK
        )
    with pytest.raises(PermissionDeniedError):
        intake(ctx, IntakeRequest(KHAI_SINH, AN, override_reason="x"), ADMIN)
    assert dossier_count(ctx) == 0


def test_a_leader_override_is_recorded_in_the_first_event(any_ctx) -> None:
    make_online_only(any_ctx, KHAI_SINH)
    with pytest.raises(ValidationError):  # a leader still has to say why
        intake(any_ctx, IntakeRequest(KHAI_SINH, AN, override_reason="  "), LEADER)
    request = IntakeRequest(
        KHAI_SINH,
        AN,
        paper_reason="elderly",
        override_reason="Cụ già 90 tuổi, không dùng điện thoại",
        override_by=LEADER,
    )
    dossier = intake(any_ctx, request, CLERK)
    first = get_dossier(any_ctx, dossier.code).events[0]
    assert first.actor == CLERK.login
    assert first.data["online_only_override"] == {
        "by": LEADER.login,
        "role": "leader",
        "reason": "Cụ già 90 tuổi, không dùng điện thoại",
        "list_source": "QĐ thí điểm số 1/2026",
    }
    assert first.data["paper_reason"] == "elderly"
    # A leader at the counter overrides for themselves.
    own = intake(any_ctx, IntakeRequest(KHAI_SINH, AN, override_reason="Cổng lỗi"), LEADER)
    assert get_dossier(any_ctx, own.code).events[0].data["online_only_override"]["by"] == "lanhdao"
    assert verify(any_ctx).ok


def test_online_only_list_applies_only_within_its_dates(ctx, clock) -> None:
    make_online_only(ctx, KHAI_SINH, valid_from="2026-04-01", valid_to="2026-06-30")
    clock.now = at("2026-03-31T09:00")
    intake(ctx, IntakeRequest(KHAI_SINH, AN), CLERK)
    clock.now = at("2026-04-01T09:00")
    with pytest.raises(ValidationError):
        intake(ctx, IntakeRequest(KHAI_SINH, AN), CLERK)
    clock.now = at("2026-07-01T09:00")
    intake(ctx, IntakeRequest(KHAI_SINH, AN), CLERK)
    # A late entry is judged by the day the paper was really received.
    with pytest.raises(ValidationError):
        intake(
            ctx,
            IntakeRequest(
                KHAI_SINH, AN, received_at=at("2026-05-04T09:00"), late_reason="Mất điện"
            ),
            CLERK,
        )


def test_override_without_an_online_only_rule_is_refused(ctx) -> None:
    with pytest.raises(ValidationError, match="Không cần lãnh đạo"):
        intake(ctx, IntakeRequest(KET_HON, AN, override_reason="x"), LEADER)
    make_online_only(ctx, KHAI_SINH)
    with pytest.raises(ValidationError, match="Không cần lãnh đạo"):
        intake(
            ctx,
            IntakeRequest(KHAI_SINH, AN, Channel.ONLINE, override_reason="x", override_by=LEADER),
            CLERK,
        )


def test_removing_an_entry_lifts_the_rule(ctx) -> None:
    make_online_only(ctx, KHAI_SINH)
    save_correction(
        ctx.data_dir,
        "online_only",
        KHAI_SINH,
        {"removed": True, "source": "QĐ bãi bỏ số 2/2026"},
        by=ADMIN.login,
        at=at("2026-02-01T08:00"),
    )
    assert KHAI_SINH not in load_guidance(ctx.data_dir).online_only
    intake(ctx, IntakeRequest(KHAI_SINH, AN), CLERK)


def test_assisted_filing_counts_as_online_and_makes_one_dossier(any_ctx) -> None:
    request = IntakeRequest(KHAI_SINH, AN, Channel.ASSISTED, portal_code=" G22.260302.00017 ")
    dossier = intake(any_ctx, request, CLERK)
    assert dossier.channel == "assisted"
    assert Channel(dossier.channel).is_online and Channel(dossier.channel).portal_code == 2
    assert dossier.portal_code == "G22.260302.00017"
    with pytest.raises(ValidationError, match=dossier.code):
        intake(any_ctx, request, CLERK)
    online_twin = IntakeRequest(KHAI_SINH, AN, Channel.ONLINE, portal_code="G22.260302.00017")
    with pytest.raises(ValidationError):
        intake(any_ctx, online_twin, CLERK)
    assert dossier_count(any_ctx) == 1
    with pytest.raises(ValidationError, match="mã hồ sơ trên Cổng"):
        intake(any_ctx, IntakeRequest(KHAI_SINH, AN, Channel.ASSISTED), CLERK)


@pytest.mark.parametrize("code", [c for c in PAPER_REASONS if c != "other"])
def test_each_paper_reason_code_is_stored(ctx, code: str) -> None:
    dossier = intake(ctx, IntakeRequest(KHAI_SINH, AN, paper_reason=code), CLERK)
    assert dossier.paper_reason == code


def test_other_reason_keeps_the_citizens_words(ctx) -> None:
    dossier = intake(
        ctx, IntakeRequest(KHAI_SINH, AN, paper_reason="other: Quên mật khẩu VNeID"), CLERK
    )
    assert dossier.paper_reason == "other: Quên mật khẩu VNeID"
    assert split_paper_reason(dossier.paper_reason) == ("other", "Quên mật khẩu VNeID")


@pytest.mark.parametrize(
    ("channel", "reason"),
    [
        (Channel.DIRECT, "because"),
        (Channel.DIRECT, "other"),
        (Channel.DIRECT, "other:   "),
        (Channel.DIRECT, "no_vneid: extra words"),
        (Channel.DIRECT, "other: " + "x" * 300),
        (Channel.ONLINE, "no_vneid"),
    ],
)
def test_bad_paper_reasons_are_refused(ctx, channel: Channel, reason: str) -> None:
    with pytest.raises(ValidationError):
        intake(ctx, IntakeRequest(KHAI_SINH, AN, channel, paper_reason=reason), CLERK)
    assert dossier_count(ctx) == 0
