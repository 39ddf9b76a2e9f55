"""The tracking book (Sổ theo dõi hồ sơ, Circular 03/2025 form 07; 2018 form 06).

`tracking_book_rows` is the one data query behind the book, shared by the XLSX export
here and the PDF of the book in `counter_app.documents`. Column order follows FORMS §3.7.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from counter_app.domain.lifecycle import EventKind
from counter_app.reports.day import day_bounds
from counter_app.services.views import vn_time
from counter_app.store.models import Dossier, Event, Office


@dataclass(frozen=True)
class BookRow:
    """One entry of the book; times in Vietnam time, None where the step has not happened."""

    number: int
    code: str
    procedure_code: str
    procedure_name: str
    sets: int
    applicant_name: str
    address: str
    phone: str
    competent_body: str
    received_at: datetime
    due_at: datetime | None
    transferred_at: datetime | None
    resolved_at: datetime | None
    returned_at: datetime | None
    status: str
    received_by: str
    note: str


def tracking_book_rows(
    session: Session, office: Office, date_from: date, date_to: date
) -> list[BookRow]:
    """Dossiers received by `office` from `date_from` to `date_to` (inclusive), in order."""
    start, _ = day_bounds(date_from)
    _, end = day_bounds(date_to)
    first_handover = (
        sa.select(Event.dossier_id, sa.func.min(Event.at).label("at"))
        .where(Event.kind == EventKind.HANDED_OVER.value)
        .group_by(Event.dossier_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(Dossier, first_handover.c.at)
        .outerjoin(first_handover, first_handover.c.dossier_id == Dossier.id)
        .where(
            Dossier.office_id == office.id,
            Dossier.received_at >= start,
            Dossier.received_at < end,
        )
        .order_by(Dossier.received_at, Dossier.id)
    ).all()
    book: list[BookRow] = []
    for number, (dossier, transferred_at) in enumerate(rows, start=1):
        received_at = vn_time(dossier.received_at)
        assert received_at is not None
        applicant = dossier.applicant
        note = dossier.late_entry_reason or ""
        book.append(
            BookRow(
                number=number,
                code=dossier.code,
                procedure_code=dossier.procedure_code,
                procedure_name=dossier.procedure_name,
                sets=1,
                applicant_name=dossier.applicant_name,
                address=str(applicant.get("address") or ""),
                phone=str(applicant.get("phone") or ""),
                competent_body=dossier.competent_body or office.parent_body,
                received_at=received_at,
                due_at=vn_time(dossier.due_at),
                transferred_at=vn_time(transferred_at),
                resolved_at=vn_time(dossier.resolved_at),
                returned_at=vn_time(dossier.returned_at),
                status=dossier.status,
                received_by=dossier.received_by,
                note=note,
            )
        )
    return book
