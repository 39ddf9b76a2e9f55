"""The dossier store: the receiving office row, one dossier loaded or read back whole,
and an event that does not move the status. Every slice that touches a dossier uses these.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import EventKind
from counter_app.errors import ConfigError, NotFoundError
from counter_app.i18n import _
from counter_app.kernel.context import AppContext
from counter_app.kernel.events import append_event
from counter_app.kernel.users import Actor
from counter_app.kernel.views import DocumentView, DossierView, EventView, FeeView
from counter_app.store.dialects import insert_for
from counter_app.store.models import Dossier, DossierDocument, DossierFee, Event, Office, Page


def ensure_office(session: Session, ctx: AppContext) -> Office:
    """The configured receiving office, stored on first use."""
    office_config = ctx.config.office
    if office_config is None:
        raise ConfigError(
            _("Chưa cấu hình đơn vị tiếp nhận: chạy “counter-app office set” hoặc “demo”.")
        )
    office = session.execute(
        sa.select(Office).where(Office.unit_code == office_config.unit_code)
    ).scalar()
    if office is None:
        # Insert-or-ignore: two counters starting at once must not both create it.
        session.execute(
            insert_for(session)(Office)
            .values(
                unit_code=office_config.unit_code,
                electronic_id=office_config.electronic_id,
                name=office_config.name,
                parent_body=office_config.parent_body,
                province_name=office_config.province_name,
            )
            .on_conflict_do_nothing(index_elements=["unit_code"])
        )
        office = session.execute(
            sa.select(Office).where(Office.unit_code == office_config.unit_code)
        ).scalar_one()
    return office


def load_dossier(session: Session, code: str, *, for_update: bool = False) -> Dossier:
    statement = sa.select(Dossier).where(Dossier.code == code.strip())
    if for_update:
        statement = statement.with_for_update()
    dossier = session.execute(statement).scalar()
    if dossier is None:
        raise NotFoundError(_("Không có hồ sơ mã {code}.").format(code=code))
    return dossier


def record_event(
    ctx: AppContext,
    code: str,
    kind: EventKind,
    actor: Actor,
    *,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> EventView:
    """An event that does not move the status (a print, a hand-over, a note)."""
    with ctx.session() as session:
        dossier = load_dossier(session, code, for_update=True)
        if kind is EventKind.HANDED_OVER and data and data.get("to"):
            dossier.handler = str(data["to"])
        event = append_event(
            session,
            dossier,
            kind=kind.value,
            actor=actor.login,
            actor_role=actor.role.value,
            at=ctx.clock().astimezone(VN_TZ),
            reason=reason,
            data=data,
        )
        session.flush()
        return EventView.from_row(event)


def page_counts(session: Session, dossier_ids: list[int]) -> dict[int, int]:
    if not dossier_ids:
        return {}
    rows = session.execute(
        sa.select(Page.dossier_id, sa.func.count(Page.id))
        .where(Page.dossier_id.in_(dossier_ids))
        .group_by(Page.dossier_id)
    )
    return {int(dossier_id): int(count) for dossier_id, count in rows}


def dossier_view(session: Session, dossier: Dossier, *, with_details: bool) -> DossierView:
    pages = page_counts(session, [dossier.id]).get(dossier.id, 0)
    if not with_details:
        return DossierView.from_row(dossier, pages=pages)
    per_document: dict[int | None, int] = {
        document_id: int(count)
        for document_id, count in session.execute(
            sa.select(Page.document_id, sa.func.count(Page.id))
            .where(Page.dossier_id == dossier.id)
            .group_by(Page.document_id)
        )
    }
    documents = tuple(
        DocumentView.from_row(row, per_document.get(row.id, 0))
        for row in session.execute(
            sa.select(DossierDocument)
            .where(DossierDocument.dossier_id == dossier.id)
            .order_by(DossierDocument.position)
        ).scalars()
    )
    fees = tuple(
        FeeView.from_row(row)
        for row in session.execute(
            sa.select(DossierFee).where(DossierFee.dossier_id == dossier.id).order_by(DossierFee.id)
        ).scalars()
    )
    events = tuple(
        EventView.from_row(row)
        for row in session.execute(
            sa.select(Event).where(Event.dossier_id == dossier.id).order_by(Event.id)
        ).scalars()
    )
    return DossierView.from_row(dossier, pages=pages, documents=documents, fees=fees, events=events)


def get_dossier(ctx: AppContext, code: str) -> DossierView:
    with ctx.session() as session:
        return dossier_view(session, load_dossier(session, code), with_details=True)
