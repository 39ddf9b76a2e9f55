"""The dossier store: the receiving office row, one dossier loaded or read back whole,
and an event that does not move the status. Every slice that touches a dossier uses these.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import EventKind, Role
from counter_app.errors import ConfigError, NotFoundError
from counter_app.i18n import _
from counter_app.kernel.admin_log import OFFICES, record_change
from counter_app.kernel.context import AppContext
from counter_app.kernel.events import append_event
from counter_app.kernel.users import SYSTEM_LOGIN, Actor
from counter_app.kernel.views import DocumentView, DossierView, EventView, FeeView
from counter_app.store.dialects import insert_for
from counter_app.store.models import Dossier, DossierDocument, DossierFee, Event, Office, Page

_OFFICE = sa.select(Office).where(Office.unit_code == sa.bindparam("unit_code"))


def ensure_office(session: Session, ctx: AppContext) -> Office:
    """The configured receiving office, stored on first use."""
    office_config = ctx.config.office
    if office_config is None:
        raise ConfigError(
            _(
                "Chưa cấu hình đơn vị tiếp nhận: quản trị viên mở chương trình và làm các "
                "bước cài đặt lần đầu."
            ),
            command="counter-app office set --unit … --electronic-id …",
        )
    office = session.execute(_OFFICE, {"unit_code": office_config.unit_code}).scalar()
    if office is None:
        # Insert-or-ignore: two counters starting at once must not both create it.
        stored = session.execute(
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
        if stored.rowcount:  # type: ignore[attr-defined]
            record_change(
                session,
                kind="office.add",
                actor=SYSTEM_LOGIN,
                actor_role=Role.ADMIN.value,
                at=ctx.clock(),
                groups={OFFICES},
                data={"unit_code": office_config.unit_code},
            )
        office = session.execute(
            sa.select(Office).where(Office.unit_code == office_config.unit_code)
        ).scalar_one()
    return office


_BY_CODE = sa.select(Dossier).where(Dossier.code == sa.bindparam("code"))
_BY_CODE_FOR_UPDATE = _BY_CODE.with_for_update()


def load_dossier(session: Session, code: str, *, for_update: bool = False) -> Dossier:
    statement = _BY_CODE_FOR_UPDATE if for_update else _BY_CODE  # built once (cache key kept)
    dossier = session.execute(statement, {"code": code.strip()}).scalar()
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


_PAGES_PER_DOCUMENT = (
    sa.select(Page.document_id, sa.func.count(Page.id))
    .where(Page.dossier_id == sa.bindparam("dossier_id"))
    .group_by(Page.document_id)
)
_DOCUMENTS = (
    sa.select(DossierDocument.__table__)
    .where(DossierDocument.dossier_id == sa.bindparam("dossier_id"))
    .order_by(DossierDocument.position)
)
_FEES = (
    sa.select(DossierFee.__table__)
    .where(DossierFee.dossier_id == sa.bindparam("dossier_id"))
    .order_by(DossierFee.id)
)
_EVENTS = (
    sa.select(Event.__table__)
    .where(Event.dossier_id == sa.bindparam("dossier_id"))
    .order_by(Event.id)
)


def dossier_view(session: Session, dossier: Dossier, *, with_details: bool) -> DossierView:
    """The dossier as the screens and commands show it. With details: its checklist (pages
    per line), fees and history, read as plain rows with statements built once."""
    if not with_details:
        pages = page_counts(session, [dossier.id]).get(dossier.id, 0)
        return DossierView.from_row(dossier, pages=pages)
    session.flush()
    connection = session.connection()
    params = {"dossier_id": dossier.id}
    per_document: dict[int | None, int] = {
        document_id: int(count)
        for document_id, count in connection.execute(_PAGES_PER_DOCUMENT, params)
    }
    documents = tuple(
        DocumentView.from_row(row, per_document.get(row.id, 0))
        for row in connection.execute(_DOCUMENTS, params)
    )
    fees = tuple(FeeView.from_row(row) for row in connection.execute(_FEES, params))
    events = tuple(EventView.from_row(row) for row in connection.execute(_EVENTS, params))
    return DossierView.from_row(
        dossier,
        pages=sum(per_document.values()),
        documents=documents,
        fees=fees,
        events=events,
    )


def get_dossier(ctx: AppContext, code: str) -> DossierView:
    with ctx.session() as session:
        return dossier_view(session, load_dossier(session, code), with_details=True)
