"""Units of work in one batch (what the demo uses): the same rows, events and chain as one
transaction each, committed together; a failed unit fails the whole batch. And accounts
given one password hashed once still sign in, each with that password only."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from counter_app.domain.applicants import Person
from counter_app.domain.fees import PaymentMethod
from counter_app.domain.lifecycle import Role, Status
from counter_app.dossiers.service import IntakeRequest, intake, move
from counter_app.errors import NotFoundError, PermissionDeniedError, StorageError
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import SYSTEM_ACTOR, add_user, authenticate, hash_password
from counter_app.maintenance.service import verify
from counter_app.payments.service import record_payment
from counter_app.store.models import Dossier, Event, LedgerHead, OutboxItem


def _count(ctx: AppContext, model: type[Dossier | Event | OutboxItem]) -> int:
    with ctx.session() as session:
        return int(session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one())


def test_a_batch_writes_what_single_units_write_and_verifies(any_ctx: AppContext) -> None:
    with any_ctx.batch():
        first = intake(
            any_ctx, IntakeRequest("1.001193", Person("Lê Văn Tám", "056090000001")), SYSTEM_ACTOR
        )
        moved = move(any_ctx, first.code, Status.PROCESSING, SYSTEM_ACTOR, handler="tuphap")
        second = intake(
            any_ctx, IntakeRequest("2.000815", Person("Võ Thị Sáu", "056190000002")), SYSTEM_ACTOR
        )
        paid = record_payment(any_ctx, second.code, PaymentMethod.CASH, SYSTEM_ACTOR)
        # Inside the batch, each service reads back what the units before it wrote.
        assert [e.kind for e in moved.events] == ["received", "moved"]
        assert all(f.payment_method == "cash" for f in paid.fees)
    assert _count(any_ctx, Event) == _count(any_ctx, OutboxItem) == 4
    report = verify(any_ctx)
    assert report.ok, report.problems
    with any_ctx.session() as session:
        head = session.get(LedgerHead, 1)  # the end of the dossiers' chain
        assert head is not None
        last = session.execute(sa.select(Event).order_by(Event.id.desc()).limit(1)).scalar_one()
        dossier = session.execute(
            sa.select(Dossier).where(Dossier.code == second.code)
        ).scalar_one()
    assert head.last_event_id == last.id and head.last_hash == last.hash == dossier.head_hash


def test_a_failed_unit_fails_the_batch_even_when_caught(any_ctx: AppContext) -> None:
    intake(any_ctx, IntakeRequest("1.001193", Person("Lê Văn Tám", "056090000001")), SYSTEM_ACTOR)
    with pytest.raises(StorageError), any_ctx.batch():
        intake(
            any_ctx, IntakeRequest("1.001193", Person("Trần Văn Bảy", "056090000003")), SYSTEM_ACTOR
        )
        with pytest.raises(NotFoundError):
            move(any_ctx, "KHONG-CO", Status.PROCESSING, SYSTEM_ACTOR)
    assert _count(any_ctx, Dossier) == 1 and _count(any_ctx, Event) == 1
    assert verify(any_ctx).ok
    with pytest.raises(RuntimeError), any_ctx.batch(), any_ctx.batch():
        pass


def test_one_hash_for_several_accounts_signs_each_in(ctx: AppContext) -> None:
    shared = hash_password("mat-khau-chung")
    for login in ("tiepnhan1", "tiepnhan2"):
        add_user(ctx, login, "mat-khau-chung", Role.CLERK, password_hash=shared)
    assert authenticate(ctx, "tiepnhan2", "mat-khau-chung").login == "tiepnhan2"
    with pytest.raises(PermissionDeniedError):
        authenticate(ctx, "tiepnhan1", "mat-khau-khac")
