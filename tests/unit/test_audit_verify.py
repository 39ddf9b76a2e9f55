"""`verify` against edits made behind the application's back, on SQLite and PostgreSQL.

Every column and child row the desk, the forms and the reports read is either in the state
digest or checked against what it is copied from; legitimate changes through the services
leave `verify` clean; events written with the first digest formula still verify.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from counter_app.domain.applicants import Person
from counter_app.domain.fees import PaymentMethod
from counter_app.domain.lifecycle import EventKind, Status
from counter_app.dossiers.service import FeeLine, IntakeRequest, intake, move
from counter_app.kernel import events as audit
from counter_app.kernel.context import AppContext
from counter_app.kernel.dossier_store import get_dossier, record_event
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.maintenance.service import verify
from counter_app.payments.service import record_payment
from counter_app.scanning.images import ColourMode, clean_page
from counter_app.scanning.pages import (
    attach_pages,
    attach_result,
    delete_page,
    list_pages,
    move_page,
    replace_page,
    rotate_page,
    set_reused,
)
from counter_app.scanning.samples import text_page
from counter_app.store.models import Dossier, DossierDocument, DossierFee, Event, Page

AN = Person(name="Nguyễn Văn An", id_number="056090012345", phone="0905123456")
DUC = Person(name="Trần Minh Đức", id_number="058202000777")
BIRTH = "1.001193"  # several checklist lines


def scans(count: int, seed: int = 0) -> list:
    return [clean_page(text_page(60, seed=seed + i), ColourMode.BW) for i in range(count)]


def dossier_with_everything(ctx: AppContext, person: Person = AN) -> str:
    """A dossier with a checklist, two fees and three scanned pages, being processed."""
    request = IntakeRequest(
        BIRTH, person, fees=(FeeLine("Lệ phí", 8000), FeeLine("Phí gửi trả", 20000))
    )
    code = intake(ctx, request, SYSTEM_ACTOR).code
    attach_pages(ctx, code, scans(2), SYSTEM_ACTOR, document=1)
    attach_pages(ctx, code, scans(1, seed=5), SYSTEM_ACTOR, document=2)
    move(ctx, code, Status.PROCESSING, SYSTEM_ACTOR)
    return code


def dossier_id(ctx: AppContext, code: str) -> int:
    with ctx.session() as session:
        return int(session.execute(sa.select(Dossier.id).where(Dossier.code == code)).scalar_one())


def tamper(ctx: AppContext, statement: sa.Executable) -> None:
    with ctx.engine.begin() as connection:
        assert connection.execute(statement).rowcount == 1  # type: ignore[attr-defined]


def first_child(model: type, dossier: int) -> sa.ScalarSelect:
    return (
        sa.select(sa.func.min(model.id))
        .where(model.dossier_id == dossier)  # type: ignore[attr-defined]
        .scalar_subquery()
    )


TAMPERS: dict[str, tuple[Callable[[int], sa.Executable], str]] = {
    "applicant_name": (
        lambda d: sa.update(Dossier).where(Dossier.id == d).values(applicant_name="Lê Văn Giả"),
        "tên người nộp",
    ),
    "applicant_id_number": (
        lambda d: (
            sa.update(Dossier).where(Dossier.id == d).values(applicant_id_number="001099000001")
        ),
        "số định danh người nộp",
    ),
    "procedure_name": (
        lambda d: sa.update(Dossier).where(Dossier.id == d).values(procedure_name="Thủ tục khác"),
        "thủ tục",
    ),
    "procedure_field": (
        lambda d: sa.update(Dossier).where(Dossier.id == d).values(procedure_field="Đất đai"),
        "thủ tục",
    ),
    "search_folded": (
        lambda d: sa.update(Dossier).where(Dossier.id == d).values(search_folded="le van gia"),
        "tìm kiếm",
    ),
    "search_name": (
        lambda d: sa.update(Dossier).where(Dossier.id == d).values(search_name="lê văn giả"),
        "tìm kiếm theo dấu",
    ),
    "document_name": (
        lambda d: (
            sa.update(DossierDocument)
            .where(DossierDocument.id == first_child(DossierDocument, d))
            .values(name="Giấy tờ khác")
        ),
        "thành phần hồ sơ",
    ),
    "fee_amount": (
        lambda d: (
            sa.update(DossierFee)
            .where(DossierFee.id == first_child(DossierFee, d))
            .values(amount=1000)
        ),
        "phí, lệ phí",
    ),
    "fee_paid": (
        lambda d: (
            sa.update(DossierFee)
            .where(DossierFee.id == first_child(DossierFee, d))
            .values(payment_method="cash")
        ),
        "phí, lệ phí",
    ),
    "fee_deleted": (
        lambda d: sa.delete(DossierFee).where(DossierFee.id == first_child(DossierFee, d)),
        "phí, lệ phí",
    ),
    "page_deleted": (
        lambda d: sa.delete(Page).where(Page.id == first_child(Page, d)),
        "trang đã quét",
    ),
    "page_rotation": (
        lambda d: sa.update(Page).where(Page.id == first_child(Page, d)).values(rotation=180),
        "trang đã quét",
    ),
    "page_order": (
        lambda d: sa.update(Page).where(Page.id == first_child(Page, d)).values(position=9),
        "trang đã quét",
    ),
}


@pytest.mark.parametrize("what", sorted(TAMPERS))
def test_an_edit_behind_the_apps_back_names_the_dossier_and_what(any_ctx, what: str) -> None:
    code = dossier_with_everything(any_ctx)
    untouched = dossier_with_everything(any_ctx, DUC)
    assert verify(any_ctx).ok, verify(any_ctx).problems
    statement, label = TAMPERS[what]
    tamper(any_ctx, statement(dossier_id(any_ctx, code)))
    problems = verify(any_ctx).problems
    assert problems
    assert all(p.startswith(f"{code}: ") for p in problems), problems
    assert any(label in p for p in problems), problems
    assert not any(untouched in p for p in problems)


def test_the_cli_demo_tamper_of_name_and_json_is_one_line_each(ctx) -> None:
    code = intake(ctx, IntakeRequest(BIRTH, AN), SYSTEM_ACTOR).code
    tamper(
        ctx,
        sa.update(Dossier)
        .where(Dossier.code == code)
        .values(applicant_name="X", applicant={"kind": "person"}),
    )
    problems = verify(ctx).problems
    assert len(problems) == len(set(problems)) >= 2
    assert any("tên người nộp" in p for p in problems)
    assert any("tìm kiếm" in p for p in problems)


def test_legitimate_changes_through_the_services_keep_verify_clean(any_ctx) -> None:
    def clean() -> None:
        report = verify(any_ctx)
        assert report.ok, report.problems

    code = dossier_with_everything(any_ctx)
    clean()
    first, second, third = list_pages(any_ctx, code)
    rotate_page(any_ctx, first.id, SYSTEM_ACTOR, 90)
    clean()
    move_page(any_ctx, second.id, SYSTEM_ACTOR, document=1, position=1)
    clean()
    move_page(any_ctx, third.id, SYSTEM_ACTOR, document=1, position=2)  # line 2 left empty
    clean()
    replace_page(any_ctx, first.id, scans(1, seed=9)[0], SYSTEM_ACTOR)
    clean()
    delete_page(any_ctx, second.id, SYSTEM_ACTOR)
    clean()
    set_reused(any_ctx, code, 3, SYSTEM_ACTOR)
    clean()
    record_payment(any_ctx, code, PaymentMethod.CASH, SYSTEM_ACTOR)
    clean()
    move(any_ctx, code, Status.SUPPLEMENT, SYSTEM_ACTOR, "Thiếu giấy chứng sinh")
    clean()
    move(any_ctx, code, Status.PROCESSING, SYSTEM_ACTOR)
    clean()
    record_event(any_ctx, code, EventKind.HANDED_OVER, SYSTEM_ACTOR, data={"to": "tuphap"})
    clean()
    attach_result(any_ctx, code, scans(1, seed=20), SYSTEM_ACTOR)
    clean()
    move(any_ctx, code, Status.RESOLVED, SYSTEM_ACTOR)
    move(any_ctx, code, Status.RETURNED, SYSTEM_ACTOR)
    clean()
    dossier = get_dossier(any_ctx, code)
    assert dossier.status == "returned" and dossier.handler == "tuphap"
    with any_ctx.session() as session:
        digests = session.execute(sa.select(Event.state_digest)).scalars().all()
    assert digests and all(d.startswith(audit.DIGEST_V2) and len(d) == 64 for d in digests)


def test_events_written_with_the_first_formula_still_verify(any_ctx, monkeypatch) -> None:
    """A data directory from before version 2: its events keep their bare-hex digests."""
    with monkeypatch.context() as old_program:
        old_program.setattr(
            audit, "state_digest", lambda _session, dossier: audit.legacy_state_digest(dossier)
        )
        old = dossier_with_everything(any_ctx)
        other = dossier_with_everything(any_ctx, DUC)
    with any_ctx.session() as session:
        digests = session.execute(sa.select(Event.state_digest)).scalars().all()
    assert all(len(d) == 64 and ":" not in d for d in digests)
    report = verify(any_ctx)
    assert report.ok, report.problems

    # The cached columns are checked whatever formula the last event used.
    tamper(any_ctx, sa.update(Dossier).where(Dossier.code == old).values(applicant_name="Giả"))
    assert any(p.startswith(f"{old}: ") and "tên người nộp" in p for p in verify(any_ctx).problems)
    tamper(any_ctx, sa.update(Dossier).where(Dossier.code == old).values(applicant_name=AN.name))
    tamper(any_ctx, sa.update(Dossier).where(Dossier.code == old).values(status="returned"))
    assert [p for p in verify(any_ctx).problems if p.startswith(f"{old}: ")]
    tamper(any_ctx, sa.update(Dossier).where(Dossier.code == old).values(status="processing"))
    assert verify(any_ctx).ok

    # The next event writes the current formula, which covers the fees.
    move(any_ctx, old, Status.FEES_DUE, SYSTEM_ACTOR)
    assert verify(any_ctx).ok
    tamper(any_ctx, TAMPERS["fee_amount"][0](dossier_id(any_ctx, old)))
    problems = verify(any_ctx).problems
    assert problems and all(p.startswith(f"{old}: ") for p in problems)
    assert not any(other in p for p in problems)


def test_the_digest_is_of_the_canonical_whole_and_names_each_section(ctx) -> None:
    code = dossier_with_everything(ctx)
    with ctx.session() as session:
        dossier = session.execute(sa.select(Dossier).where(Dossier.code == code)).scalar_one()
        ((_dossier, sections),) = audit._sections_of(session, [dossier])
        stored = session.execute(
            sa.select(Event.state_digest).where(Event.dossier_id == dossier.id).order_by(Event.id)
        ).scalars()
        last = list(stored)[-1]
    text = json.dumps(sections, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    whole = hashlib.sha256(text.encode()).hexdigest()
    assert last == audit.sections_digest(sections)
    assert last.startswith("v2:") and whole.startswith(last[3 + 4 * len(audit.STATE_SECTIONS) :])
    assert audit.changed_sections(last, sections) is None
    sections["fees"]["lines"][0]["amount"] += 1
    assert audit.changed_sections(last, sections) == ["fees"]
