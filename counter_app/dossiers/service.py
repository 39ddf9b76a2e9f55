"""Dossier use cases: intake, lifecycle moves, and reading dossiers back.

Each function is one unit of work: it commits everything (dossier, checklist, fees, its
tracking-book entry, the event and its outbox entry) or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from counter_app.documents.ledger import enter_in_book
from counter_app.domain.applicants import Applicant, applicant_to_json, check_applicant
from counter_app.domain.calendar import VN_TZ, TimeLimit
from counter_app.domain.catalog import Procedure
from counter_app.domain.codes import SequenceBlock, format_code
from counter_app.domain.fees import MAX_FEE_VND
from counter_app.domain.lifecycle import Channel, Delivery, EventKind, Role, Status, check_move
from counter_app.domain.periods import check_range, check_year
from counter_app.domain.text import (
    COMPETENT_BODY,
    DOCUMENT_NAME,
    FEE_NAME,
    HANDLER,
    LATE_ENTRY_REASON,
    ORIGINAL_OR_COPY,
    PORTAL_CODE,
    REASON,
    SEARCH_TEXT,
    nfc,
)
from counter_app.errors import ValidationError
from counter_app.guidance.policy import check_intake
from counter_app.i18n import _
from counter_app.kernel.context import AppContext
from counter_app.kernel.dossier_store import (
    dossier_view,
    ensure_office,
    load_dossier,
    page_counts,
)
from counter_app.kernel.events import append_event, cached_columns
from counter_app.kernel.users import Actor
from counter_app.kernel.views import DossierView
from counter_app.store.dialects import insert_for
from counter_app.store.models import (
    CodeSequence,
    Dossier,
    DossierDocument,
    DossierFee,
)
from counter_app.store.search import (
    SearchTier,
    is_broad_search,
    search_condition,
    search_tiers,
)

MAX_REASON_LENGTH = REASON.max_length
MAX_LIST_ROWS = 1_000_000
"""The most dossiers one list may hold: an office's whole history (the desk pages 100 at a
time); the bound keeps a typing slip from overflowing the database's integer."""
MAX_DOCUMENT_COPIES = 100


@dataclass(frozen=True)
class DocumentLine:
    name: str
    original_or_copy: str = ""
    copies: int = 1
    provided: bool = True


@dataclass(frozen=True)
class FeeLine:
    name: str
    amount: int
    payment_method: str | None = None


@dataclass(frozen=True)
class IntakeRequest:
    procedure_code: str
    applicant: Applicant
    channel: Channel = Channel.DIRECT
    received_at: datetime | None = None
    """Set only for a late entry: the real time of receipt (with `late_reason`)."""
    late_reason: str | None = None
    documents: tuple[DocumentLine, ...] | None = None
    """None: the procedure's checklist from the catalog."""
    fees: tuple[FeeLine, ...] | None = None
    """None: the catalog fee when it is one national figure."""
    portal_code: str | None = None
    paper_reason: str | None = None
    """Why a walk-in files on paper: a code of guidance.policy.PAPER_REASONS or "other: TEXT"."""
    override_reason: str | None = None
    """A leader's reason to take on paper a procedure of the office's online-only list."""
    override_by: Actor | None = None
    """The leader who allowed it, when not the acting user."""
    competent_body: str | None = None
    handler: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    awaiting_receipt: bool = False
    """An online registration logged as `submitted`: not received yet, so no due date; the
    clock starts when it moves to `received`."""
    result_delivery: Delivery | None = None
    """How the citizen takes the result; None: by post for a postal filing, else at the
    counter."""
    submitted_at: datetime | None = None
    """For a filing made on the portal: when the citizen filed it there (`NgayNopHoSo`);
    None: when it is logged."""


_TAKE_NUMBER: dict[Any, Any] = {}


def next_sequence(session: Session, office_id: int, day: date, block: SequenceBlock) -> int:
    """Take the next number of the day atomically (an upsert that returns the value).

    On SQLite every transaction begins IMMEDIATE, on PostgreSQL the upsert locks the row,
    so two processes taking a code at the same moment never get the same number.
    """
    table = cast(sa.Table, CodeSequence.__table__)
    insert = insert_for(session)
    statement = _TAKE_NUMBER.get(insert)
    if statement is None:  # built once per dialect
        statement = _TAKE_NUMBER[insert] = (
            insert(table)
            .values(
                office_id=sa.bindparam("office"),
                day=sa.bindparam("today"),
                last_value=sa.bindparam("first"),
            )
            .on_conflict_do_update(
                index_elements=[table.c.office_id, table.c.day],
                set_={"last_value": table.c.last_value + 1},
            )
            .returning(table.c.last_value)
        )
    params = {"office": office_id, "today": day, "first": block.first}
    value = int(session.connection().execute(statement, params).scalar_one())
    if value < block.first:  # the day was started by a counter with a lower block
        session.execute(
            sa.update(table)
            .where(table.c.office_id == office_id, table.c.day == day)
            .values(last_value=block.first)
        )
        value = block.first
    if value > block.last:
        raise ValidationError(
            _("Đã hết số hồ sơ của quầy trong ngày {day} (khối {first}-{last}).").format(
                day=day.strftime("%d/%m/%Y"), first=block.first, last=block.last
            )
        )
    return value


def _check_late_entry(ctx: AppContext, request: IntakeRequest, now: datetime) -> datetime:
    if request.received_at is None:
        if request.late_reason:
            raise ValidationError(_("Lý do nhập muộn chỉ dùng kèm thời điểm tiếp nhận thực tế."))
        return now
    received_at = request.received_at
    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=VN_TZ)
    if received_at > now:
        raise ValidationError(_("Thời điểm tiếp nhận không được ở tương lai."))
    if not request.late_reason:
        raise ValidationError(_("Nhập hồ sơ muộn phải ghi lý do (--reason)."))
    return received_at.astimezone(VN_TZ)


def _checked_request(request: IntakeRequest) -> IntakeRequest:
    """The request with every text through the text rule (NFC, no control or bidirectional
    character, within its length) and every number and date within its bounds."""
    check_applicant(request.applicant)
    if request.received_at is not None:
        check_year(request.received_at.date(), _("thời điểm tiếp nhận"))
    documents = request.documents
    if documents is not None:
        for line in documents:
            if not 1 <= line.copies <= MAX_DOCUMENT_COPIES:
                raise ValidationError(
                    _("Số bản của một thành phần hồ sơ phải từ 1 đến {n}.").format(
                        n=MAX_DOCUMENT_COPIES
                    )
                )
        documents = tuple(
            replace(
                line,
                name=DOCUMENT_NAME.clean(line.name, required=True),
                original_or_copy=ORIGINAL_OR_COPY.clean(line.original_or_copy),
            )
            for line in documents
        )
    fees = request.fees
    if fees is not None:
        for fee in fees:
            if not 0 <= fee.amount <= MAX_FEE_VND:
                raise ValidationError(
                    _("Số tiền phí phải từ 0 đến {n} đồng.").format(n=f"{MAX_FEE_VND:,}")
                )
        fees = tuple(replace(fee, name=FEE_NAME.clean(fee.name, required=True)) for fee in fees)
    return replace(
        request,
        late_reason=LATE_ENTRY_REASON.optional(request.late_reason),
        portal_code=PORTAL_CODE.optional(request.portal_code),
        competent_body=COMPETENT_BODY.optional(request.competent_body),
        handler=HANDLER.optional(request.handler),
        documents=documents,
        fees=fees,
    )


def time_limit_for(procedure: Procedure, channel: Channel) -> TimeLimit:
    """The processing time that applies: the online one for online filings when it differs."""
    if channel.is_online and procedure.online_time_limit is not None:
        return procedure.online_time_limit
    return procedure.time_limit


def intake(ctx: AppContext, request: IntakeRequest, actor: Actor) -> DossierView:
    """Log one dossier: code, due date, checklist, fees and the first event, atomically."""
    actor.require(Role.CLERK, Role.LEADER, Role.ADMIN)
    request = _checked_request(request)
    procedure = ctx.catalog.get(request.procedure_code.strip())
    now = ctx.clock().astimezone(VN_TZ)
    received_at = _check_late_entry(ctx, request, now)
    late_entry = request.received_at is not None
    decision = check_intake(ctx, request, procedure, actor, received_at.date())
    if request.channel is Channel.ASSISTED and not (request.portal_code or "").strip():
        raise ValidationError(_("Hồ sơ hỗ trợ nộp trực tuyến cần mã hồ sơ trên Cổng."))
    if request.awaiting_receipt and request.channel is not Channel.ONLINE:
        raise ValidationError(_("Chỉ hồ sơ nộp trực tuyến mới có thể chờ tiếp nhận."))
    status = Status.SUBMITTED if request.awaiting_receipt else Status.RECEIVED
    submitted_at = request.submitted_at or received_at
    if submitted_at.tzinfo is None or submitted_at > now or submitted_at > received_at:
        raise ValidationError(_("Thời điểm nộp hồ sơ phải trước lúc tiếp nhận."))
    due_at = (
        None
        if request.awaiting_receipt
        else ctx.calendar.due_at(received_at, time_limit_for(procedure, request.channel))
    )
    documents = request.documents
    if documents is None:
        documents = tuple(
            DocumentLine(d.name, d.original_or_copy, d.copies, provided=not d.conditional)
            for d in procedure.documents
        )
    fees = request.fees
    if fees is None:
        fees = (
            (FeeLine(_("Phí, lệ phí theo quy định"), procedure.fee_vnd),)
            if procedure.fee_vnd
            else ()
        )
    for fee in fees:
        if fee.amount < 0:
            raise ValidationError(_("Số tiền phí không được âm."))
    block = SequenceBlock(ctx.config.sequence_first, ctx.config.sequence_last)
    applicant_json = applicant_to_json(request.applicant)
    delivery = request.result_delivery or (
        Delivery.POST if request.channel is Channel.POSTAL else Delivery.COUNTER
    )

    with ctx.session() as session:
        office = ensure_office(session, ctx)
        receipt_day = received_at.date()
        sequence = next_sequence(session, office.id, receipt_day, block)
        code = format_code(office.electronic_id, receipt_day, sequence)
        dossier = Dossier(
            code=code,
            office_id=office.id,
            competent_body=nfc(request.competent_body) if request.competent_body else None,
            procedure_code=procedure.code,
            procedure_name=procedure.name,
            procedure_field=procedure.field,
            catalog_version=ctx.catalog.version,
            channel=request.channel.value,
            status=status.value,
            applicant=applicant_json,
            submitted_at=submitted_at,
            received_at=received_at,
            received_by=actor.login,
            entered_at=now,
            due_at=due_at,
            handler=request.handler,
            late_entry=late_entry,
            late_entry_reason=nfc(request.late_reason)
            if late_entry and request.late_reason
            else None,
            supplement_count=0,
            portal_code=(request.portal_code or "").strip() or None,
            paper_reason=decision.paper_reason,
            fee_total=sum(fee.amount for fee in fees),
            payment_method=next((f.payment_method for f in fees if f.payment_method), None),
            result_delivery=delivery.value,
            **cached_columns(code, applicant_json, request.portal_code),
            head_hash="",
        )
        session.add(dossier)
        for position, line in enumerate(documents, start=1):
            session.add(
                DossierDocument(
                    dossier=dossier,
                    position=position,
                    name=nfc(line.name),
                    original_or_copy=line.original_or_copy,
                    copies=line.copies,
                    provided=line.provided,
                )
            )
        for fee in fees:
            session.add(
                DossierFee(
                    dossier=dossier,
                    name=nfc(fee.name),
                    amount=fee.amount,
                    payment_method=fee.payment_method,
                    paid_at=now if fee.payment_method else None,
                )
            )
        session.flush()  # the dossier, its checklist and fees in one go
        if status is Status.RECEIVED:
            # Written into the tracking book as it is received: entries in order of receipt.
            enter_in_book(ctx, session, dossier, now)
        data: dict[str, Any] = {
            "procedure": procedure.code,
            "channel": request.channel.value,
            "result_delivery": delivery.value,  # in the chain: the column is not in the digest
        }
        if late_entry:
            data["late_entry"] = True
        data.update(decision.event_data)
        data.update(request.extra)
        append_event(
            session,
            dossier,
            kind=EventKind.RECEIVED.value,
            actor=actor.login,
            actor_role=actor.role.value,
            at=now,
            to_status=status.value,
            reason=dossier.late_entry_reason,
            data=data,
        )
        session.flush()
        return dossier_view(session, dossier, with_details=True)


def move(
    ctx: AppContext,
    code: str,
    target: Status,
    actor: Actor,
    reason: str | None = None,
    *,
    handler: str | None = None,
    data: dict[str, Any] | None = None,
) -> DossierView:
    """One lifecycle step, recorded as an event with who, when and why."""
    actor.require(Role.CLERK, Role.LEADER, Role.ADMIN)
    reason = REASON.optional(reason)
    handler = HANDLER.optional(handler)
    now = ctx.clock().astimezone(VN_TZ)
    catalog = ctx.catalog if target is Status.RECEIVED else None  # read before the write lock
    with ctx.session() as session:
        dossier = load_dossier(session, code, for_update=True)
        current = Status(dossier.status)
        check_move(current, target, reason)
        event_data: dict[str, Any] = dict(data or {})
        if target is Status.SUPPLEMENT:
            dossier.supplement_count += 1
            dossier.paused_at = now
            if dossier.supplement_count >= 2:
                # A second request makes the dossier count as late (Decision 766).
                event_data["second_supplement"] = True
        if current is Status.SUPPLEMENT and dossier.paused_at is not None:
            if dossier.due_at is not None:
                # Both dates, so a past period's report can see the due date then in force.
                event_data["previous_due_at"] = dossier.due_at.astimezone(VN_TZ).isoformat()
                dossier.due_at = ctx.calendar.extend_for_pause(
                    dossier.due_at, dossier.paused_at, now
                )
                event_data["due_at"] = dossier.due_at.astimezone(VN_TZ).isoformat()
            event_data["paused_from"] = dossier.paused_at.astimezone(VN_TZ).isoformat()
            dossier.paused_at = None
        if current is Status.SUBMITTED and catalog is not None:
            # The centre receives an online registration: its clock starts now.
            dossier.received_at = now
            dossier.received_by = actor.login
            procedure = catalog.get(dossier.procedure_code)
            dossier.due_at = ctx.calendar.due_at(
                now, time_limit_for(procedure, Channel(dossier.channel))
            )
            enter_in_book(ctx, session, dossier, now)
        if target is Status.RESOLVED:
            dossier.resolved_at = now
        if target is Status.RETURNED:
            dossier.returned_at = now
        if handler:
            dossier.handler = handler
        dossier.status = target.value
        append_event(
            session,
            dossier,
            kind=EventKind.MOVED.value,
            actor=actor.login,
            actor_role=actor.role.value,
            at=now,
            from_status=current.value,
            to_status=target.value,
            reason=reason,
            data=event_data,
        )
        session.flush()
        return dossier_view(session, dossier, with_details=True)


@dataclass(frozen=True)
class DossierFilter:
    status: tuple[Status, ...] = ()
    channel: tuple[Channel, ...] = ()
    search: str = ""
    received_from: date | None = None
    received_to: date | None = None
    due_before: datetime | None = None
    """Open dossiers due before this moment (late when it is now)."""
    due_from: datetime | None = None
    """Open dossiers due at or after this moment (with `due_before`: due in a window)."""
    handler: str | None = None
    procedure: str | None = None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), VN_TZ)


def filter_statement(
    dialect: str, flt: DossierFilter, *, by_receipt_index: bool = False
) -> sa.Select[Dossier]:
    """The filter's query; `by_receipt_index` for a broad search (see `search_condition`).

    A search text breaking the text rule, a day outside the allowed years or a received
    range that ends before it starts is refused (ValidationError).
    """
    SEARCH_TEXT.clean(flt.search)
    for day in (flt.received_from, flt.received_to):
        if day is not None:
            check_year(day, _("ngày tiếp nhận"))
    if flt.received_from and flt.received_to:
        check_range(flt.received_from, flt.received_to)
    statement = sa.select(Dossier)
    if flt.status:
        statement = statement.where(Dossier.status.in_([s.value for s in flt.status]))
    if flt.channel:
        statement = statement.where(Dossier.channel.in_([c.value for c in flt.channel]))
    if flt.received_from:
        statement = statement.where(Dossier.received_at >= _day_start(flt.received_from))
    if flt.received_to:
        statement = statement.where(
            Dossier.received_at < _day_start(flt.received_to + timedelta(days=1))
        )
    if flt.due_before or flt.due_from:
        open_statuses = [s.value for s in Status if not s.is_final and s is not Status.RESOLVED]
        statement = statement.where(Dossier.status.in_(open_statuses))
    if flt.due_before:
        statement = statement.where(Dossier.due_at < flt.due_before)
    if flt.due_from:
        statement = statement.where(Dossier.due_at >= flt.due_from)
    if flt.handler:
        statement = statement.where(Dossier.handler == flt.handler)
    if flt.procedure:
        statement = statement.where(Dossier.procedure_code == flt.procedure)
    if flt.search:
        condition = search_condition(dialect, flt.search, by_receipt_index=by_receipt_index)
        if condition is not None:
            statement = statement.where(condition)
    return statement


def list_dossiers(
    ctx: AppContext, flt: DossierFilter, *, limit: int = 100, offset: int = 0
) -> list[DossierView]:
    """A page of dossiers, filtered and searched in the database: newest first, or for a
    search, its best matches first (`store.search.search_tiers`), each rank newest first."""
    if limit < 1:
        raise ValidationError(_("Giới hạn số dòng phải lớn hơn 0."))
    if limit > MAX_LIST_ROWS or offset < 0:
        raise ValidationError(_("Giới hạn số dòng phải từ 1 đến {n}.").format(n=MAX_LIST_ROWS))
    with ctx.session() as session:
        dialect = session.get_bind().dialect.name
        tiers = search_tiers(dialect, SEARCH_TEXT.clean(flt.search)) if flt.search else []
        if tiers:
            base = filter_statement(dialect, replace(flt, search=""))
            rows = ranked_page(session, base, tiers, limit, offset)
        else:
            broad = bool(flt.search) and is_broad_search(session, flt.search)
            statement = (
                filter_statement(dialect, flt, by_receipt_index=broad)
                .order_by(*DESK_ORDER)
                .limit(limit)
                .offset(offset)
            )
            rows = list(session.execute(statement).scalars().all())
        return dossier_views(session, rows)


DESK_ORDER = (Dossier.received_at.desc(), Dossier.id.desc())
"""The desk's order: newest receipt first."""


def dossier_views(session: Session, rows: list[Dossier]) -> list[DossierView]:
    """The desk's rows of these dossiers, with their page counts."""
    pages = page_counts(session, [row.id for row in rows])
    return [DossierView.from_row(row, pages=pages.get(row.id, 0)) for row in rows]


def ranked_page(
    session: Session,
    base: sa.Select[Dossier],
    tiers: list[SearchTier],
    limit: int,
    offset: int,
    *,
    known_narrow: bool = False,
) -> list[Dossier]:
    """The page at `offset` of a search's matches within `base`, rank after rank.

    Each rank is one indexed query; a rank before the page is only counted (and only when
    the page starts further on), and a broad one is read along the receipt-time index.
    `known_narrow`: the caller knows the search has few matches, so no rank is looked up
    for its breadth.
    """
    rows: list[Dossier] = []
    skip = offset
    for position, tier in enumerate(tiers):
        if skip and position < len(tiers) - 1:
            counted = base.where(tier.condition()).with_only_columns(
                sa.func.count(), maintain_column_froms=True
            )
            found = int(session.execute(counted).scalar_one())
            if found <= skip:
                skip -= found
                continue
        broad = not known_narrow and tier.is_broad(session)
        statement = (
            base.where(tier.condition(by_receipt_index=broad))
            .order_by(*DESK_ORDER)
            .limit(limit - len(rows))
            .offset(skip)
        )
        rows.extend(session.execute(statement).scalars().all())
        skip = 0
        if len(rows) >= limit:
            break
    return rows


def count_dossiers(ctx: AppContext, flt: DossierFilter) -> int:
    with ctx.session() as session:
        statement = filter_statement(session.get_bind().dialect.name, flt)
        # count(*) over the filtered table itself: no row of every column to build first.
        counted = statement.with_only_columns(sa.func.count(), maintain_column_froms=True)
        return int(session.execute(counted).scalar_one())


def find_returning_applicant(ctx: AppContext, id_number: str) -> DossierView | None:
    """The latest dossier of a citizen, to fill the form for a returning visitor."""
    with ctx.session() as session:
        row = session.execute(
            sa.select(Dossier)
            .where(Dossier.applicant_id_number == id_number.strip())
            .order_by(Dossier.received_at.desc())
            .limit(1)
        ).scalar()
        return None if row is None else DossierView.from_row(row)
