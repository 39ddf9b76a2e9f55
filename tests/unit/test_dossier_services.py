"""Intake, lifecycle moves, late entries, search and the audit chain on both databases."""

from __future__ import annotations

import unicodedata
from datetime import datetime

import pytest
import sqlalchemy as sa

from counter_app.domain.applicants import Organisation, Person
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Channel, Role, Status
from counter_app.dossiers.service import (
    DossierFilter,
    IntakeRequest,
    count_dossiers,
    intake,
    list_dossiers,
    move,
)
from counter_app.errors import (
    NotFoundError,
    PermissionDeniedError,
    TransitionError,
    ValidationError,
)
from counter_app.kernel.dossier_store import get_dossier
from counter_app.kernel.users import SYSTEM_ACTOR, Actor, add_user, authenticate
from counter_app.maintenance.service import verify
from counter_app.store.models import Dossier, Event, OutboxItem

AN = Person(name="Nguyễn Văn An", id_number="056090012345", phone="0905123456")
DUC = Person(name="Trần Minh Đức", id_number="058202000777")
XMTTHN = "1.004873"  # 3 working days
KHAI_SINH = "1.001193"  # same day, 15:00 rule


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


def dossier_rows(ctx) -> int:
    with ctx.session() as session:
        return int(session.execute(sa.select(sa.func.count(Dossier.id))).scalar_one())


def test_intake_writes_dossier_checklist_event_and_outbox(any_ctx, clock) -> None:
    clock.now = at("2026-04-29T10:00")
    dossier = intake(any_ctx, IntakeRequest(XMTTHN, AN), SYSTEM_ACTOR)
    assert dossier.code == "000.00.22.H56-260429-0001"
    assert dossier.status == "received"
    assert dossier.due_at == at("2026-05-06T17:00")  # 30/4, 1/5 and a weekend skipped
    assert len(dossier.documents) == 5
    assert [e.kind for e in dossier.events] == ["received"]
    assert dossier.applicant["name"] == "Nguyễn Văn An"
    with any_ctx.session() as session:
        assert session.execute(sa.select(sa.func.count(OutboxItem.id))).scalar_one() == 1
    second = intake(any_ctx, IntakeRequest(XMTTHN, DUC), SYSTEM_ACTOR)
    assert second.code.endswith("-260429-0002")
    clock.now = at("2026-05-04T08:00")
    assert intake(any_ctx, IntakeRequest(XMTTHN, DUC), SYSTEM_ACTOR).code.endswith(
        "-260504-0001"
    )  # the sequence resets every day


def test_fifteen_hundred_rule_and_after_hours_receipt(ctx, clock) -> None:
    clock.now = at("2026-03-03T14:00")
    assert intake(ctx, IntakeRequest(KHAI_SINH, AN), SYSTEM_ACTOR).due_at == at("2026-03-03T17:00")
    clock.now = at("2026-03-03T15:30")
    assert intake(ctx, IntakeRequest(KHAI_SINH, AN), SYSTEM_ACTOR).due_at == at("2026-03-04T17:00")
    clock.now = at("2026-03-06T17:01")  # Friday after closing: counts from Monday
    late = intake(ctx, IntakeRequest(XMTTHN, AN), SYSTEM_ACTOR)
    assert late.code.endswith("-260306-0001")  # the code keeps the real day
    assert late.due_at == at("2026-03-12T17:00")


def test_online_channel_and_organisation(ctx) -> None:
    org = Organisation(name="Công ty TNHH Biển Xanh", tax_code="4201234567")
    dossier = intake(ctx, IntakeRequest("1.001612", org, Channel.ONLINE), SYSTEM_ACTOR)
    assert dossier.channel == "online"
    assert dossier.applicant["kind"] == "organisation"
    with pytest.raises(ValidationError, match="Cổng"):
        intake(ctx, IntakeRequest("1.001612", org, Channel.ASSISTED), SYSTEM_ACTOR)


def test_unknown_procedure_writes_nothing(any_ctx) -> None:
    with pytest.raises(NotFoundError):
        intake(any_ctx, IntakeRequest("9.999999", AN), SYSTEM_ACTOR)
    assert dossier_rows(any_ctx) == 0


def test_late_entry_records_real_time_and_reason(ctx, clock) -> None:
    clock.now = at("2026-03-04T09:00")
    request = IntakeRequest(
        XMTTHN, AN, received_at=at("2026-03-03T16:30"), late_reason="Mất điện cả buổi chiều"
    )
    dossier = intake(ctx, request, SYSTEM_ACTOR)
    assert dossier.late_entry is True
    assert dossier.received_at == at("2026-03-03T16:30")
    assert dossier.entered_at == at("2026-03-04T09:00")
    assert dossier.due_at == at("2026-03-06T17:00")  # from the real receipt
    assert dossier.code.endswith("-260303-0001")
    assert dossier.events[0].data["late_entry"] is True


@pytest.mark.parametrize(
    ("received", "reason", "message"),
    [
        ("2026-03-04T10:00", "lý do", "tương lai"),
        ("2026-03-03T10:00", None, "lý do"),
        ("2026-03-03T10:00", "  ", "lý do"),
    ],
)
def test_bad_late_entries_are_refused(ctx, clock, received, reason, message) -> None:
    clock.now = at("2026-03-04T09:00")
    request = IntakeRequest(XMTTHN, AN, received_at=at(received), late_reason=reason)
    with pytest.raises(ValidationError, match=message):
        intake(ctx, request, SYSTEM_ACTOR)
    assert dossier_rows(ctx) == 0


def test_lifecycle_to_return_with_supplement_pause(any_ctx, clock) -> None:
    clock.now = at("2026-03-02T09:00")  # Monday; 3 working days -> Thursday 5/3
    code = intake(any_ctx, IntakeRequest(XMTTHN, AN), SYSTEM_ACTOR).code
    move(any_ctx, code, Status.PROCESSING, SYSTEM_ACTOR, handler="tuphap")
    clock.now = at("2026-03-03T09:00")
    paused = move(any_ctx, code, Status.SUPPLEMENT, SYSTEM_ACTOR, "Thiếu bản sao CCCD")
    assert paused.paused_at == at("2026-03-03T09:00")
    clock.now = at("2026-03-05T09:00")  # two working days later the papers come
    resumed = move(any_ctx, code, Status.PROCESSING, SYSTEM_ACTOR)
    assert resumed.paused_at is None
    assert resumed.due_at == at("2026-03-09T17:00")  # Thursday + 2 working days
    clock.now = at("2026-03-06T10:00")
    second = move(any_ctx, code, Status.SUPPLEMENT, SYSTEM_ACTOR, "Thiếu giấy xác nhận")
    assert second.supplement_count == 2
    assert second.events[-1].data.get("second_supplement") is True
    move(any_ctx, code, Status.PROCESSING, SYSTEM_ACTOR)
    resolved = move(any_ctx, code, Status.RESOLVED, SYSTEM_ACTOR)
    assert resolved.resolved_at == at("2026-03-06T10:00")
    returned = move(any_ctx, code, Status.RETURNED, SYSTEM_ACTOR)
    assert returned.status == "returned" and returned.handler == "tuphap"
    assert [e.to_status for e in returned.events] == [
        "received", "processing", "supplement", "processing", "supplement", "processing",
        "resolved", "returned",
    ]  # fmt: skip
    assert verify(any_ctx).ok


def test_impossible_move_changes_nothing(any_ctx) -> None:
    code = intake(any_ctx, IntakeRequest(XMTTHN, AN), SYSTEM_ACTOR).code
    with pytest.raises(TransitionError):
        move(any_ctx, code, Status.RETURNED, SYSTEM_ACTOR)
    with pytest.raises(TransitionError, match="lý do"):
        move(any_ctx, code, Status.REFUSED, SYSTEM_ACTOR)
    with pytest.raises(NotFoundError):
        move(any_ctx, "000.00.22.H56-260302-0999", Status.PROCESSING, SYSTEM_ACTOR)
    dossier = get_dossier(any_ctx, code)
    assert dossier.status == "received" and len(dossier.events) == 1


def test_search_folds_case_diacritics_and_d(any_ctx) -> None:
    intake(any_ctx, IntakeRequest(XMTTHN, AN), SYSTEM_ACTOR)
    intake(any_ctx, IntakeRequest(XMTTHN, DUC), SYSTEM_ACTOR)
    intake(any_ctx, IntakeRequest(XMTTHN, Person("Lê Thị Hoa", "056190000111")), SYSTEM_ACTOR)

    def names(query: str) -> list[str]:
        found = list_dossiers(any_ctx, DossierFilter(search=query))
        return sorted(d.applicant_name for d in found)

    assert names("nguyen") == ["Nguyễn Văn An"]
    assert names("NGUYỄN văn") == ["Nguyễn Văn An"]
    assert names(unicodedata.normalize("NFD", "Đức")) == ["Trần Minh Đức"]
    assert names("tran minh duc") == ["Trần Minh Đức"]
    assert names("058202000777") == ["Trần Minh Đức"]
    assert names("0905123456") == ["Nguyễn Văn An"]
    assert names("nguyen duc") == []
    assert count_dossiers(any_ctx, DossierFilter(search="thi")) == 1
    assert len(names("%")) == 3  # no token: no search filter


def test_filters_by_status_and_date(ctx, clock) -> None:
    clock.now = at("2026-03-02T09:00")
    first = intake(ctx, IntakeRequest(XMTTHN, AN), SYSTEM_ACTOR).code
    clock.now = at("2026-03-03T09:00")
    intake(ctx, IntakeRequest(XMTTHN, DUC), SYSTEM_ACTOR)
    move(ctx, first, Status.PROCESSING, SYSTEM_ACTOR)
    processing = list_dossiers(ctx, DossierFilter(status=(Status.PROCESSING,)))
    assert [d.code for d in processing] == [first]
    from datetime import date

    on_third = list_dossiers(ctx, DossierFilter(received_from=date(2026, 3, 3)))
    assert [d.applicant_name for d in on_third] == ["Trần Minh Đức"]
    clock.now = at("2026-03-10T09:00")
    late = list_dossiers(ctx, DossierFilter(due_before=clock.now))
    assert len(late) == 2


def test_verify_detects_changes_behind_the_apps_back(any_ctx) -> None:
    for person in (AN, DUC, AN):
        code = intake(any_ctx, IntakeRequest(XMTTHN, person), SYSTEM_ACTOR).code
        move(any_ctx, code, Status.PROCESSING, SYSTEM_ACTOR)
    assert verify(any_ctx).ok
    with any_ctx.engine.begin() as connection:
        connection.execute(sa.update(Dossier).where(Dossier.id == 2).values(status="returned"))
    report = verify(any_ctx)
    assert not report.ok and "sửa ngoài ứng dụng" in report.problems[0]
    with any_ctx.engine.begin() as connection:
        connection.execute(sa.update(Dossier).where(Dossier.id == 2).values(status="processing"))
    assert verify(any_ctx).ok
    with any_ctx.engine.begin() as connection:
        connection.execute(sa.update(Event).where(Event.id == 1).values(reason="sửa"))
    assert any("sự kiện 1" in p for p in verify(any_ctx).problems)


def test_verify_detects_a_deleted_event(ctx) -> None:
    code = intake(ctx, IntakeRequest(XMTTHN, AN), SYSTEM_ACTOR).code
    move(ctx, code, Status.PROCESSING, SYSTEM_ACTOR)
    intake(ctx, IntakeRequest(XMTTHN, DUC), SYSTEM_ACTOR)
    with ctx.engine.begin() as connection:
        connection.execute(sa.delete(OutboxItem).where(OutboxItem.event_id == 2))
        connection.execute(sa.delete(Event).where(Event.id == 2))
    problems = verify(ctx).problems
    assert any("chuỗi bị đứt" in p for p in problems)


def test_users_roles_and_passwords(ctx) -> None:
    add_user(ctx, "tiepnhan1", "mat-khau-1", Role.CLERK, "Nguyễn Thị Mỹ Linh")
    actor = authenticate(ctx, "tiepnhan1", "mat-khau-1")
    assert actor.role is Role.CLERK and actor.name == "Nguyễn Thị Mỹ Linh"
    with pytest.raises(PermissionDeniedError):
        authenticate(ctx, "tiepnhan1", "sai")
    with pytest.raises(PermissionDeniedError):
        authenticate(ctx, "khongco", "mat-khau-1")
    with pytest.raises(ValidationError):
        add_user(ctx, "tiepnhan1", "mat-khau-2", Role.CLERK)
    with pytest.raises(ValidationError):
        add_user(ctx, "Bad Login", "mat-khau-2", Role.CLERK)
    with pytest.raises(ValidationError):
        add_user(ctx, "ngan", "short", Role.CLERK)
    with pytest.raises(PermissionDeniedError):
        Actor("x", "X", Role.CLERK).require(Role.ADMIN)
