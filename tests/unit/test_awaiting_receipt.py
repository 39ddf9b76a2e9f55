"""An online registration waits as `submitted` until the centre receives it."""

from __future__ import annotations

from datetime import datetime

import pytest

from counter_app.domain.applicants import Person
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Channel, Status
from counter_app.dossiers.service import IntakeRequest, intake, move
from counter_app.errors import TransitionError, ValidationError
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.maintenance.service import verify

AN = Person(name="Nguyễn Văn An", id_number="056090012345")
XMTTHN = "1.004873"  # 3 working days


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


def test_submitted_has_no_due_date_until_received(any_ctx, clock) -> None:
    clock.now = at("2026-05-08T21:15")  # a Friday evening, on the portal
    request = IntakeRequest(XMTTHN, AN, Channel.ONLINE, awaiting_receipt=True)
    dossier = intake(any_ctx, request, SYSTEM_ACTOR)
    assert dossier.status == Status.SUBMITTED
    assert dossier.due_at is None
    assert [e.to_status for e in dossier.events] == ["submitted"]
    clock.now = at("2026-05-11T08:00")  # received on Monday morning
    received = move(any_ctx, dossier.code, Status.RECEIVED, SYSTEM_ACTOR)
    assert received.received_at == at("2026-05-11T08:00")
    assert received.submitted_at == at("2026-05-08T21:15")
    assert received.due_at == any_ctx.calendar.due_at(
        clock.now, any_ctx.catalog.get(XMTTHN).time_limit
    )
    assert verify(any_ctx).ok


def test_only_online_filings_wait_and_submitted_cannot_skip_receipt(ctx, clock) -> None:
    clock.now = at("2026-05-08T09:00")
    for channel in (Channel.DIRECT, Channel.POSTAL):
        with pytest.raises(ValidationError):
            intake(ctx, IntakeRequest(XMTTHN, AN, channel, awaiting_receipt=True), SYSTEM_ACTOR)
    dossier = intake(
        ctx, IntakeRequest(XMTTHN, AN, Channel.ONLINE, awaiting_receipt=True), SYSTEM_ACTOR
    )
    with pytest.raises(TransitionError):
        move(ctx, dossier.code, Status.PROCESSING, SYSTEM_ACTOR)
