"""Plain, frozen views of stored records: what services hand to the UI, CLI and exporters.

Never ORM objects: a view can cross threads and outlive its session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row

from counter_app.domain.calendar import VN_TZ
from counter_app.store.models import Dossier, DossierDocument, DossierFee, Event


def vn_time(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(VN_TZ)


def iso(value: datetime | None) -> str | None:
    local = vn_time(value)
    return None if local is None else local.isoformat(timespec="seconds")


@dataclass(frozen=True)
class DocumentView:
    id: int
    position: int
    name: str
    original_or_copy: str
    copies: int
    provided: bool
    digitised: bool
    reused: bool
    pages: int

    @classmethod
    def from_row(cls, row: DossierDocument | Row[Any], pages: int = 0) -> DocumentView:
        return cls(
            row.id,
            row.position,
            row.name,
            row.original_or_copy,
            row.copies,
            row.provided,
            row.digitised,
            row.reused,
            pages,
        )


@dataclass(frozen=True)
class FeeView:
    name: str
    amount: int
    payment_method: str | None
    paid_at: datetime | None

    @classmethod
    def from_row(cls, row: DossierFee | Row[Any]) -> FeeView:
        return cls(row.name, row.amount, row.payment_method, vn_time(row.paid_at))


@dataclass(frozen=True)
class EventView:
    id: int
    uuid: str
    kind: str
    from_status: str | None
    to_status: str | None
    actor: str
    actor_role: str
    at: datetime
    reason: str | None
    data: dict[str, Any]
    hash: str

    @classmethod
    def from_row(cls, row: Event | Row[Any]) -> EventView:
        at = vn_time(row.at)
        assert at is not None
        return cls(
            row.id,
            row.uuid,
            row.kind,
            row.from_status,
            row.to_status,
            row.actor,
            row.actor_role,
            at,
            row.reason,
            dict(row.data),
            row.hash,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "uuid": self.uuid,
            "kind": self.kind,
            "from_status": self.from_status,
            "to_status": self.to_status,
            "actor": self.actor,
            "actor_role": self.actor_role,
            "at": iso(self.at),
            "reason": self.reason,
            "data": self.data,
        }


@dataclass(frozen=True)
class DossierView:
    id: int
    code: str
    office_id: int
    competent_body: str | None
    procedure: str
    procedure_name: str
    procedure_field: str
    catalog_version: str
    channel: str
    status: str
    applicant: dict[str, Any]
    submitted_at: datetime
    received_at: datetime
    received_by: str
    entered_at: datetime
    due_at: datetime | None
    paused_at: datetime | None
    resolved_at: datetime | None
    returned_at: datetime | None
    handler: str | None
    late_entry: bool
    late_entry_reason: str | None
    supplement_count: int
    portal_code: str | None
    paper_reason: str | None
    fee_total: int
    payment_method: str | None
    pages: int
    head_hash: str
    documents: tuple[DocumentView, ...] = ()
    fees: tuple[FeeView, ...] = ()
    events: tuple[EventView, ...] = ()
    result_delivery: str = "counter"

    @property
    def applicant_name(self) -> str:
        return str(self.applicant.get("name", ""))

    @classmethod
    def from_row(
        cls,
        row: Dossier,
        *,
        pages: int = 0,
        documents: tuple[DocumentView, ...] = (),
        fees: tuple[FeeView, ...] = (),
        events: tuple[EventView, ...] = (),
    ) -> DossierView:
        submitted_at = vn_time(row.submitted_at)
        received_at = vn_time(row.received_at)
        entered_at = vn_time(row.entered_at)
        assert submitted_at and received_at and entered_at
        return cls(
            id=row.id,
            code=row.code,
            office_id=row.office_id,
            competent_body=row.competent_body,
            procedure=row.procedure_code,
            procedure_name=row.procedure_name,
            procedure_field=row.procedure_field,
            catalog_version=row.catalog_version,
            channel=row.channel,
            status=row.status,
            applicant=dict(row.applicant),
            submitted_at=submitted_at,
            received_at=received_at,
            received_by=row.received_by,
            entered_at=entered_at,
            due_at=vn_time(row.due_at),
            paused_at=vn_time(row.paused_at),
            resolved_at=vn_time(row.resolved_at),
            returned_at=vn_time(row.returned_at),
            handler=row.handler,
            late_entry=row.late_entry,
            late_entry_reason=row.late_entry_reason,
            supplement_count=row.supplement_count,
            portal_code=row.portal_code,
            paper_reason=row.paper_reason,
            fee_total=row.fee_total,
            payment_method=row.payment_method,
            pages=pages,
            head_hash=row.head_hash,
            documents=documents,
            fees=fees,
            events=events,
            result_delivery=row.result_delivery,
        )

    def to_json(self) -> dict[str, Any]:
        """The `dossier show/list --json` object, a contract scripts rely on."""
        document: dict[str, Any] = {
            "code": self.code,
            "procedure": self.procedure,
            "procedure_name": self.procedure_name,
            "field": self.procedure_field,
            "catalog_version": self.catalog_version,
            "channel": self.channel,
            "status": self.status,
            "submitted_at": iso(self.submitted_at),
            "received_at": iso(self.received_at),
            "received_by": self.received_by,
            "entered_at": iso(self.entered_at),
            "due_at": iso(self.due_at),
            "resolved_at": iso(self.resolved_at),
            "returned_at": iso(self.returned_at),
            "applicant": self.applicant,
            "handler": self.handler,
            "pages": self.pages,
            "late_entry": self.late_entry,
            "late_entry_reason": self.late_entry_reason,
            "supplement_count": self.supplement_count,
            "competent_body": self.competent_body,
            "portal_code": self.portal_code,
            "paper_reason": self.paper_reason,
            "fee_total": self.fee_total,
            "payment_method": self.payment_method,
            "result_delivery": self.result_delivery,
        }
        if self.documents:
            document["documents"] = [
                {
                    "position": d.position,
                    "name": d.name,
                    "original_or_copy": d.original_or_copy,
                    "copies": d.copies,
                    "provided": d.provided,
                    "digitised": d.digitised,
                    "pages": d.pages,
                }
                for d in self.documents
            ]
        if self.fees:
            document["fees"] = [
                {
                    "name": f.name,
                    "amount": f.amount,
                    "payment_method": f.payment_method,
                    "paid_at": iso(f.paid_at),
                }
                for f in self.fees
            ]
        if self.events:
            document["events"] = [e.to_json() for e in self.events]
        return document
