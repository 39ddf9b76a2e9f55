"""The one-stop forms as PDF: receipt (01), supplement request, refusal, apology, stop notice,
control sheet, the tracking book and the 80 mm thermal receipt slip, laid out from the
template set in force on the day the dossier was received (`templates`).

    rendered = render_form(ctx, FormKind.RECEIPT, code, FormOptions(draft=True))
    record_print(ctx, rendered, actor, copies=2, printer="HP")   # once it is on paper

Form wording is Vietnamese legal text and comes from the templates; the few phrases built
here (units of time, "đồng") are form text too and are never translated.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from counter_app.documents import layout
from counter_app.documents.book import BookRow, BookScope, tracking_book_rows
from counter_app.documents.layout import (
    BLANK,
    NBSP,
    HeaderText,
    PageSetup,
    SignatureColumn,
    Styles,
    fill,
    make_styles,
    markup_para,
    para,
)
from counter_app.documents.ledger import (
    LedgerNumber,
    book_format_setting,
    ensure_entries,
    entries_for,
)
from counter_app.documents.receipt_qr import ReceiptClaim, load_or_create_key, sign
from counter_app.documents.templates import (
    FormKind,
    TemplateSet,
    load_template_sets,
    select_template_set,
)
from counter_app.domain.calendar import VN_TZ, LimitUnit, TimeLimit
from counter_app.domain.fees import PaymentMethod
from counter_app.domain.lifecycle import Delivery, EventKind, Status
from counter_app.domain.papers import kind_from_name
from counter_app.domain.periods import check_range
from counter_app.domain.text import nfc
from counter_app.errors import NotFoundError, ValidationError
from counter_app.i18n import _
from counter_app.kernel.config import OfficeConfig
from counter_app.kernel.context import AppContext
from counter_app.kernel.dossier_store import ensure_office, get_dossier, record_event
from counter_app.kernel.users import Actor
from counter_app.kernel.views import DossierView, EventView
from counter_app.store.models import Dossier, Office, User

QR_SIZE_MM = 21.0
SLIP_QR_SIZE_MM = 32.0
"""Large enough for a 203-dpi thermal head: about 4 dots a module of the signed link."""
_MM = 72.0 / 25.4
NONE_GIVEN = "Không có"
"""What a contact the applicant did not give prints (form text, never translated)."""
_UNIT_TEXT = {
    LimitUnit.WORKING_DAYS: "ngày làm việc",
    LimitUnit.WORKING_HOURS: "giờ làm việc",
    LimitUnit.CALENDAR_DAYS: "ngày",
}
# The status whose move carries the reason a form prints.
_REASON_STATUS = {
    FormKind.REFUSAL: (Status.REFUSED,),
    FormKind.SUPPLEMENT: (Status.SUPPLEMENT,),
    FormKind.STOP: (Status.STOPPED, Status.WITHDRAWN),
}


@dataclass(frozen=True)
class FormOptions:
    reason: str | None = None
    """Overrides the reason recorded with the dossier's move (refusal, supplement, stop)."""
    items: tuple[str, ...] = ()
    """What the applicant must supplement, one line each."""
    new_due_at: datetime | None = None
    """The new appointment of an apology."""
    signer: str = ""
    coordinating_body: str = ""
    paper: str | None = None
    """Overrides the template's and the office's paper, e.g. "A4"."""
    draft: bool = False


@dataclass(frozen=True)
class RenderedForm:
    kind: FormKind
    code: str | None
    template_id: str
    paper: str
    pdf: bytes
    qr_payload: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)


def format_moment(moment: datetime | None) -> str:
    """ "09 giờ 05 phút, ngày 02 tháng 03 năm 2026", or the blank.

    No-break spaces hold each number to its unit: a line may break only after "phút,", so
    a wrapped time never leaves a lone "…" (or year) on a line of its own.
    """
    if moment is None:
        hour = minute = day = month = year = BLANK
    else:
        local = moment.astimezone(VN_TZ)
        hour, minute, day, month, year = (
            f"{local:{part}}" for part in ("%H", "%M", "%d", "%m", "%Y")
        )
    time_part = NBSP.join((hour, "giờ", minute, "phút,"))
    return time_part + " " + NBSP.join(("ngày", day, "tháng", month, "năm", year))


def format_short_moment(moment: datetime | None) -> str:
    """ "09:05 02/03/2026", or the blank: the time on a narrow slip."""
    return BLANK if moment is None else f"{moment.astimezone(VN_TZ):%H:%M %d/%m/%Y}"


def format_day(day: date | None) -> str:
    return BLANK if day is None else f"{day:%d/%m/%Y}"


def format_money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


def format_time_limit(limit: TimeLimit) -> str:
    if limit.same_day_cutoff is not None:
        return f"trong ngày (nhận sau {limit.same_day_cutoff:%H:%M} trả ngày làm việc tiếp theo)"
    value = f"{limit.value:g}".replace(".", ",")
    return f"{value} {_UNIT_TEXT[limit.unit]}"


def _method_text(method: str) -> str:
    """A recorded payment method's Vietnamese name; free text from older rows as it is."""
    try:
        return PaymentMethod(method).official_label
    except ValueError:
        return nfc(method)


def _fees_text(dossier: DossierView) -> str:
    if not dossier.fees and not dossier.fee_total:
        return "Không"
    parts = [f"{nfc(fee.name)}: {format_money(fee.amount)}" for fee in dossier.fees]
    paid = all(fee.paid_at is not None for fee in dossier.fees) and bool(dossier.fees)
    state = "đã nộp" if paid else "chưa nộp"
    method = f", {_method_text(dossier.payment_method)}" if dossier.payment_method and paid else ""
    return f"{format_money(dossier.fee_total)} ({'; '.join(parts)}; {state}{method})"


def _latest_reason(events: Sequence[EventView], statuses: Sequence[Status]) -> str | None:
    targets = {s.value for s in statuses}
    for event in reversed(events):
        if event.kind == EventKind.MOVED.value and event.to_status in targets:
            return event.reason
    return None


def _latest_items(events: Sequence[EventView]) -> tuple[str, ...]:
    for event in reversed(events):
        if event.to_status == Status.SUPPLEMENT.value:
            items = event.data.get("items")
            if isinstance(items, list):
                return tuple(str(item) for item in items)
            break
    return ()


@dataclass(frozen=True)
class _Context:
    """Everything a form of one dossier prints, gathered once."""

    dossier: DossierView
    office: Office
    ledger: LedgerNumber | None
    """None only on a draft of a dossier not yet in the book (a preview takes no number)."""
    received_by_name: str
    now: datetime
    catalog_kinds: Mapping[str, str] = field(default_factory=dict)
    """The catalog's "Loại giấy tờ" of the procedure's documents, by name."""


def _catalog_kinds(ctx: AppContext, procedure_code: str) -> dict[str, str]:
    try:
        documents = ctx.catalog.get(procedure_code).documents
    except NotFoundError:
        return {}  # a procedure since dropped from the catalog
    return {nfc(d.name): d.original_or_copy for d in documents if d.original_or_copy}


def _gather(ctx: AppContext, dossier: DossierView, *, draft: bool) -> _Context:
    """The office, the book entry and the clerk's name of `dossier`.

    A dossier is written into the book as it is received; one received before that rule
    gets its entry here, at its first final print, never on a draft.
    """
    now = ctx.clock().astimezone(VN_TZ)
    with ctx.session() as session:
        row = session.execute(sa.select(Dossier).where(Dossier.code == dossier.code)).scalar()
        if row is None:
            raise NotFoundError(_("Không có hồ sơ mã {code}.").format(code=dossier.code))
        office = session.get(Office, row.office_id) or ensure_office(session, ctx)
        session.expunge(office)
        if draft:
            ledger = entries_for(session, [row.id]).get(row.id)
        else:
            ledger = ensure_entries(
                session,
                [row],
                counter_id=ctx.config.counter_id,
                book_format=book_format_setting(ctx),
                now=now,
            )[row.id]
        name = session.execute(sa.select(User.name).where(User.login == row.received_by)).scalar()
    return _Context(
        dossier,
        office,
        ledger,
        nfc(name or "") or dossier.received_by,
        now,
        _catalog_kinds(ctx, dossier.procedure),
    )


def place_name(ctx: AppContext, office: Office | OfficeConfig) -> str:
    """The place of a document's place-date line: the `forms.place` setting, else the
    parent body's name without "UBND " (else the office's name)."""
    place = ctx.config.forms.place
    if place.strip():
        return place
    parent = office.parent_body.strip()
    return parent[5:] if parent.upper().startswith("UBND ") else parent or office.name


def _appointments(
    dossier: DossierView, kind: FormKind, options: FormOptions
) -> tuple[datetime | None, datetime | None]:
    """The appointment a form prints, and an apology's new one.

    Once extended, `due_at` holds the new date; the apology letter (form 04) names the
    appointment first given, the one before the first extension, and the latest new date.
    """
    extensions = [e for e in dossier.events if e.kind == EventKind.EXTENDED.value]
    if kind is not FormKind.APOLOGY or not extensions:
        return dossier.due_at, options.new_due_at
    first_given = _event_moment(extensions[0].data.get("previous_due_at")) or dossier.due_at
    latest = options.new_due_at or _event_moment(extensions[-1].data.get("due_at"))
    return first_given, latest


def _event_moment(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def dossier_fields(
    ctx: AppContext, gathered: _Context, kind: FormKind, options: FormOptions
) -> dict[str, Any]:
    """The `{name}` fields a template may use, as plain text."""
    dossier = gathered.dossier
    office = gathered.office
    settings = ctx.config.forms
    applicant = dossier.applicant
    time_limit = BLANK
    try:
        procedure = ctx.catalog.get(dossier.procedure)
        limit = procedure.time_limit
        if dossier.channel in ("online", "assisted") and procedure.online_time_limit:
            limit = procedure.online_time_limit
        time_limit = format_time_limit(limit)
    except NotFoundError:
        pass  # a procedure since dropped from the catalog: the clerk writes it by hand
    reason = options.reason
    if reason is None and kind in _REASON_STATUS:
        reason = _latest_reason(dossier.events, _REASON_STATUS[kind])
    stage = next(
        (
            Status(e.from_status).label
            for e in reversed(dossier.events)
            if e.to_status in (Status.STOPPED.value, Status.WITHDRAWN.value) and e.from_status
        ),
        Status(dossier.status).label,
    )
    return_place = settings.return_place or f"Bộ phận Một cửa – {office.name}"
    original_due, new_due = _appointments(dossier, kind, options)
    return {
        "code": dossier.code,
        "office_name": office.name,
        "office_id": office.electronic_id,
        "parent_body": office.parent_body,
        "office_phone": settings.phone,
        "place": place_name(ctx, office),
        "applicant_name": str(applicant.get("name", "")),
        "applicant_id": str(applicant.get("id_number") or applicant.get("tax_code") or ""),
        "applicant_address": str(applicant.get("address") or ""),
        # The intake asked for them: none given is "Không có", not a line to write on.
        "applicant_phone": str(applicant.get("phone") or NONE_GIVEN),
        "applicant_email": str(applicant.get("email") or NONE_GIVEN),
        "procedure_name": dossier.procedure_name,
        "procedure_code": dossier.procedure,
        "channel": dossier.channel,
        "dossier_sets": "01",
        "time_limit": time_limit,
        "received_time": format_moment(dossier.received_at),
        "received_short": format_short_moment(dossier.received_at),
        "due_short": format_short_moment(original_due),
        "received_date": format_day(dossier.received_at.date()),
        "due_time": format_moment(original_due),
        "new_due_time": format_moment(new_due),
        "today_time": format_moment(gathered.now),
        "return_place": return_place,
        "result_place": _result_place(dossier.result_delivery, return_place),
        "fees": _fees_text(dossier),
        "book": gathered.ledger.book if gathered.ledger else "",
        "entry": str(gathered.ledger.entry) if gathered.ledger else "",
        "received_by": gathered.received_by_name,
        "reason": reason or "",
        "stage": stage,
        "competent_body": dossier.competent_body or office.parent_body,
        "coordinating_body": options.coordinating_body,
        "signer": options.signer or settings.signer,
        "lookup_url": ctx.config.public_status_url,
    }


RESULT_PLACES = {
    Delivery.POST.value: "Qua dịch vụ bưu chính công ích, gửi về địa chỉ của người nộp",
    Delivery.ONLINE.value: "Trên Cổng Dịch vụ công (kết quả điện tử)",
}
"""The receipt's "nhận kết quả tại" for a result not taken at the counter (official words)."""


def _result_place(delivery: str, return_place: str) -> str:
    return RESULT_PLACES.get(delivery, return_place)


def _page_setup(
    ctx: AppContext,
    template_set: TemplateSet,
    kind: FormKind,
    paper: str | None,
    form: Mapping[str, Any] | None = None,
) -> PageSetup:
    settings = ctx.config.forms
    if kind is FormKind.BOOK:
        name = paper or settings.book_paper or template_set.book_paper
    elif form is not None and form.get("paper"):
        # A form made for its own paper (the 80 mm slip) ignores the office's A5/A4 choice.
        name = paper or settings.own_paper(kind.value) or form["paper"]
    else:
        name = paper or settings.paper or template_set.paper
    setup = PageSetup.parse(str(name))
    # A form uses its page to the margins: no frame padding above and below.
    return setup if setup.is_roll else replace(setup, padding_y=0.0)


# --- blocks -----------------------------------------------------------------------------


def _style(st: Styles, name: str | None) -> Any:
    return {
        "center": st.body_center,
        "italic_center": st.italic_center,
        "small": st.small,
        "title": st.title,
        "small_center": st.small_center,
    }.get(name or "", st.body)


def document_kind(name: str, stated: str, catalog_kinds: Mapping[str, str]) -> str:
    """What a checklist line's "Loại giấy tờ" prints: what the checklist says, else what the
    catalog says of the same document, else what the name itself says (the catalog builder's
    reading, `kind_from_name`: for a dossier received under an older catalog), else "" (the
    clerk writes it in)."""
    kind = nfc(stated.strip() or catalog_kinds.get(nfc(name), "") or kind_from_name(name))
    return kind[:1].upper() + kind[1:]


def _documents_block(
    heading: str,
    layout_name: str,
    dossier: DossierView,
    catalog_kinds: Mapping[str, str],
    st: Styles,
    setup: PageSetup,
) -> list[Any]:
    flowables = [para(heading, st.body)]
    documents = [d for d in dossier.documents if d.provided]
    kinds = [document_kind(d.name, d.original_or_copy, catalog_kinds) for d in documents]
    if layout_name == "list":
        if not documents:
            flowables.append(para(f"(1) {BLANK}", st.body))
        for number, (document, kind) in enumerate(zip(documents, kinds, strict=True), start=1):
            what = f"{kind}; " if kind else ""
            flowables.append(
                para(f"({number}) {document.name} ({what}{document.copies:02d} bản)", st.body)
            )
        return flowables
    rows: list[list[Any]] = [
        [
            para("STT", st.cell_head),
            para("Tên giấy tờ", st.cell_head),
            para("Loại giấy tờ", st.cell_head),
            para("Số lượng", st.cell_head),
        ]
    ]
    for number, (document, kind) in enumerate(zip(documents, kinds, strict=True), start=1):
        rows.append(
            [
                para(str(number), st.cell_center),
                para(document.name, st.cell),
                para(kind or BLANK, st.cell_center),
                para(f"{document.copies:02d}", st.cell_center),
            ]
        )
    if not documents:
        rows.append([para("1", st.cell_center), para(BLANK, st.cell), "", ""])
    # A compact list: the name takes the width, a line's rule sits close to its text.
    table = layout.grid_table(rows, (0.06, 0.68, 0.17, 0.09), setup, padding=0.8)
    flowables.append(table)
    return flowables


def _items_block(heading: str, items: Sequence[str], st: Styles) -> list[Any]:
    flowables = [para(heading, st.body)]
    for number, item in enumerate(items or (BLANK,), start=1):
        flowables.append(para(f"{number}. {item}", st.body))
    return flowables


def _handover_rows(gathered: _Context) -> list[tuple[str, str, datetime, str]]:
    """(from, to, at, result) of each recorded hand-over, in order."""
    dossier = gathered.dossier
    holder = gathered.office.name
    rows: list[tuple[str, str, datetime, str]] = []
    for event in dossier.events:
        if event.kind == EventKind.HANDED_OVER.value:
            target = str(event.data.get("to") or BLANK)
            rows.append((str(event.data.get("from") or holder), target, event.at, ""))
            holder = target
        elif event.to_status == Status.RESOLVED.value:
            result = ""
            if dossier.due_at is not None:
                if event.at.date() < dossier.due_at.date():
                    result = "Trước hạn"
                elif event.at <= dossier.due_at:
                    result = "Đúng hạn"
                else:
                    result = "Quá hạn"
            rows.append((holder, gathered.office.name, event.at, result))
            holder = gathered.office.name
    return rows


def _handovers_block(
    headers: Sequence[str], minimum: int, gathered: _Context, st: Styles, setup: PageSetup
) -> list[Any]:
    table: list[list[Any]] = [[para(h, st.cell_head) for h in headers]]
    recorded = _handover_rows(gathered)
    for giver, receiver, at, result in recorded:
        table.append(
            [
                para(f"1. Giao: {giver}\n2. Nhận: {receiver}", st.cell),
                para(f"{format_moment(at)}\n(ghi tự động)", st.cell_center),
                para(result, st.cell_center) if result else "",
                "",
            ]
        )
    blank_time = format_moment(None)
    for _row in range(max(minimum - len(recorded), 0)):
        table.append(
            [
                para(f"1. Giao: {BLANK}\n2. Nhận: {BLANK}", st.cell),
                markup_para(
                    f"{blank_time}<br/>Người giao{'&nbsp;' * 10}Người nhận<br/><br/><br/>",
                    st.cell_center,
                ),
                "",
                "",
            ]
        )
    return [layout.grid_table(table, (0.28, 0.36, 0.2, 0.16), setup)]


def _letter_footer(spec: Mapping[str, Any], fields: Mapping[str, Any], setup: PageSetup) -> Any:
    from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle

    st = make_styles(setup)
    left: list[Any] = [markup_para("<b><i>Nơi nhận:</i></b>", st.small)]
    for line in spec.get("recipients", []):
        left.append(markup_para("- " + fill(str(line), fields), st.small))
    signature = layout.signature_cell(
        SignatureColumn(
            title=str(spec.get("title", "")),
            hint=str(spec.get("hint", "")),
            name=_plain(fill(str(spec.get("name", "")), fields)),
        ),
        setup,
    )
    _x, _y, width, _h = setup.frame
    table = Table([[left, signature]], colWidths=[width * 0.45, width * 0.55])
    table.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (1, 0), (1, 0), "CENTER")])
    )
    return KeepTogether([Spacer(1, setup.font_size * 0.5), table])


def _plain(markup: str) -> str:
    """Filled markup back to plain text for the signature name (no tags there)."""
    import html

    text = html.unescape(markup.replace("<br/>", " "))
    return "" if text == BLANK else text


def _signatures(
    spec: Sequence[Any], fields: Mapping[str, Any], align: str, setup: PageSetup
) -> Any:
    columns = [
        SignatureColumn(
            title=str(column.get("title", "")),
            hint=str(column.get("hint", "")),
            name=_plain(fill(str(column.get("name", "")), fields)),
        )
        for column in spec
        if isinstance(column, dict)
    ]
    if align == "right" and len(columns) == 1:
        columns.insert(0, SignatureColumn(title="", hint=""))
    return layout.signature_block(columns, setup)


def _form_story(
    form: Mapping[str, Any],
    fields: Mapping[str, Any],
    gathered: _Context,
    options: FormOptions,
    setup: PageSetup,
    header_day: date,
    qr_payload: str | None,
    copy_labels: Sequence[str] = (),
    label_lines: list[Any] | None = None,
) -> list[Any]:
    """The flowables of one copy of `form`; with `copy_labels`, of every copy at once: a
    block that prints the copy's label alone prints each copy's own (`layout.per_copy`,
    appended to `label_lines`)."""
    from reportlab.platypus import Spacer

    st = make_styles(setup)
    story: list[Any] = []
    if form.get("form_no"):
        story.append(markup_para(fill(f"<i>{form['form_no']}</i>", fields), _right(st.small)))
    # The QR goes where a `qr` block puts it, else under the header's left column.
    qr_in_blocks = any("qr" in block for block in form["blocks"])
    left_extra: list[Any] = []
    if qr_payload and not qr_in_blocks:
        left_extra.append(layout.qr_flowable(qr_payload, QR_SIZE_MM * _MM))
        if form.get("qr_caption"):
            left_extra.append(para(str(form["qr_caption"]), st.small_center))
    if form.get("header") == "compact":
        story.extend(
            layout.compact_header(gathered.office.parent_body, gathered.office.name, setup)
        )
    else:
        header = HeaderText(
            parent_body=gathered.office.parent_body,
            unit=gathered.office.name,
            number_line=_plain(fill(str(form.get("number", "")), fields)),
            place=str(fields["place"]),
            day=header_day,
        )
        story.append(layout.header_block(header, setup, left_extra))
    story.append(para(str(form["title"]), st.title))
    if form.get("subtitle"):
        story.append(markup_para(fill(f"<b>{form['subtitle']}</b>", fields), st.subtitle))

    def flowables(block: Mapping[str, Any], ragged: bool = False) -> list[Any]:
        if block.get("when") and not fields.get(str(block["when"])):
            return []  # an optional line whose field is empty is left out, not printed blank
        if "text" in block and block.get("style") == "code":
            text = _plain(fill(str(block["text"]), fields)) or BLANK
            return [layout.fitted_para(text, st.code, setup)]
        if "text" in block:
            style = _style(st, block.get("style"))
            if ragged and style is st.body:  # a narrow column: no gaps from justifying
                style = _left(style)
            if copy_labels and str(block["text"]).strip() == COPY_LABEL_BLOCK:
                line = layout.per_copy(
                    [
                        markup_para(
                            fill(str(block["text"]), {**fields, "copy_label": label}), style
                        )
                        for label in copy_labels
                    ]
                )
                if label_lines is not None:
                    label_lines.append(line)
                return [line]
            return [markup_para(fill(str(block["text"]), fields), style)]
        if "documents" in block:
            return _documents_block(
                str(block["documents"]),
                str(block.get("layout", "table")),
                gathered.dossier,
                gathered.catalog_kinds,
                st,
                setup,
            )
        if "items" in block:
            items = options.items or _latest_items(gathered.dossier.events)
            return _items_block(str(block["items"]), items, st)
        if "signatures" in block:
            return [_signatures(block["signatures"], fields, str(block.get("align", "")), setup)]
        if "handovers" in block:
            headers = [str(h) for h in block["handovers"]]
            return _handovers_block(headers, int(block.get("rows", 3)), gathered, st, setup)
        if "letter_footer" in block:
            return [_letter_footer(block["letter_footer"], fields, setup)]
        return []

    blocks = list(form["blocks"])
    index = 0
    while index < len(blocks):
        block = blocks[index]
        index += 1
        if "qr" not in block:
            story.extend(flowables(block))
            continue
        if block.get("when") and not fields.get(str(block["when"])):
            continue
        size = float(block.get("size_mm", SLIP_QR_SIZE_MM)) * _MM
        caption = fill(str(block["qr"]), fields) if block["qr"] else ""
        beside = int(block.get("beside", 0))
        if beside:  # the QR at the right of the next `beside` blocks, no height of its own
            text = [f for inner in blocks[index : index + beside] for f in flowables(inner, True)]
            index += beside
            if qr_payload:
                story.append(_beside_qr(text, qr_payload, size, caption, st, setup))
            else:
                story.extend(text)
        elif qr_payload:
            story.append(Spacer(1, setup.font_size * 0.5))
            story.append(layout.qr_flowable(qr_payload, size))
            if caption:
                story.append(markup_para(caption, st.small_center))
    return story


COPY_LABEL_BLOCK = "{copy_label}"
"""The text of a block that prints the copy's label ("Liên 1: Lưu") alone."""


def _copies_share_a_story(form: Mapping[str, Any]) -> bool:
    """Whether the copies of `form` differ in nothing but blocks that print the copy's
    label alone, so that one story can print them all (`layout.per_copy`)."""
    alone = sum(1 for b in form["blocks"] if str(b.get("text", "")).strip() == COPY_LABEL_BLOCK)
    return json.dumps(form, ensure_ascii=False, default=str).count("copy_label") == alone


def _beside_qr(
    text: list[Any], payload: str, size: float, caption: str, st: Styles, setup: PageSetup
) -> Any:
    """`text` on the left, the QR (and its caption) on the right, top-aligned."""
    from reportlab.platypus import Table, TableStyle

    _x, _y, frame_width, _h = setup.frame
    width = frame_width - 2 * layout.FRAME_PADDING  # the text lines up with the paragraphs
    qr_width = size + 4
    qr: list[Any] = [layout.qr_flowable(payload, size)]
    if caption:
        qr.append(markup_para(caption, st.small_center))
    table = Table([[text, qr]], colWidths=[width - qr_width, qr_width])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ("LEFTPADDING", (1, 0), (1, 0), 4),
            ]
        )
    )
    return table


def _right(style: Any) -> Any:
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    return ParagraphStyle(f"{style.name}_right", parent=style, alignment=TA_RIGHT)


def _left(style: Any) -> Any:
    from reportlab.lib.enums import TA_LEFT
    from reportlab.lib.styles import ParagraphStyle

    return ParagraphStyle(f"{style.name}_left", parent=style, alignment=TA_LEFT)


def receipt_claim(ctx: AppContext, dossier: DossierView, office: Office) -> ReceiptClaim:
    return ReceiptClaim(
        code=dossier.code,
        office_id=office.electronic_id,
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        lookup_url=ctx.config.public_status_url,
    )


FIT_STEPS = ((1.0, 1.2), (1.0, 1.12), (0.95, 1.12), (0.9, 1.1), (0.85, 1.08))
"""(type size as a share of the paper's, line spacing) a form tries in turn to keep one copy
on one page: at most 15 % smaller (A5: 9 pt down to 7.65 pt, cells to 6.15 pt)."""


def fit_to_page(build: Callable[[PageSetup], list[Any]], setup: PageSetup) -> PageSetup:
    """The first of `FIT_STEPS` at which the story `build` makes fits one page of `setup`'s
    paper; `setup` itself when none does (the form then continues on the next page, whole).
    Roll paper is as long as its content and is returned as it is."""
    if setup.is_roll:
        return setup
    candidates = [
        replace(setup, font_size=round(setup.font_size * scale, 2), line_spacing=spacing)
        for scale, spacing in FIT_STEPS
    ]

    def fits(index: int) -> bool:
        return layout.fits_one_page(build(candidates[index]), candidates[index])

    if fits(0):
        return candidates[0]  # most forms: the first try
    # Each step is smaller than the one before: the largest that fits is found by halving.
    low, high = 0, len(candidates)  # candidates[low] does not fit; none past `high` tried
    while high - low > 1:
        middle = (low + high) // 2
        if fits(middle):
            high = middle
        else:
            low = middle
    return candidates[high] if high < len(candidates) else setup


def render_form(
    ctx: AppContext, kind: FormKind, code: str, options: FormOptions | None = None
) -> RenderedForm:
    """One form of one dossier as PDF bytes (the book has `render_book`)."""
    from reportlab.platypus import PageBreak

    if kind is FormKind.BOOK:
        raise ValidationError(_("Sổ theo dõi hồ sơ in theo khoảng ngày, không theo mã hồ sơ."))
    options = options or FormOptions()
    dossier = get_dossier(ctx, code)
    template_set = select_template_set(load_template_sets(ctx.data_dir), dossier.received_at.date())
    form = template_set.form(kind)
    # The paper is checked before anything is written (a final print may take a book entry).
    setup = _page_setup(ctx, template_set, kind, options.paper, form)
    gathered = _gather(ctx, dossier, draft=options.draft)
    fields = dossier_fields(ctx, gathered, kind, options)
    qr_payload = None
    receipt_kinds = (FormKind.RECEIPT, FormKind.SLIP)
    if kind in receipt_kinds and form.get("qr", False):
        # The slip carries the very QR of form 01: one signed claim, one way to check it.
        claim = receipt_claim(ctx, dossier, gathered.office)
        qr_payload = sign(claim, load_or_create_key(ctx.data_dir))
    header_day = dossier.received_at.date() if kind in receipt_kinds else gathered.now.date()
    copies = [str(label) for label in form.get("copies", [])] or [""]

    def copy_story(label: str, on: PageSetup) -> list[Any]:
        copy_fields = {**fields, "copy_label": label}
        return _form_story(form, copy_fields, gathered, options, on, header_day, qr_payload)

    # The copies are one story drawn once per copy when they differ only by a line that
    # prints their label (made, laid out and fitted once), else a story each.
    shared = len(copies) > 1 and _copies_share_a_story(form)
    longest = max(copies, key=len)
    tried: dict[PageSetup, tuple[layout.Story, list[Any]]] = {}

    def fitting_story(candidate: PageSetup) -> list[Any]:
        label_lines: list[Any] = []
        built = layout.Story(
            _form_story(
                form,
                {**fields, "copy_label": longest},
                gathered,
                options,
                candidate,
                header_day,
                qr_payload,
                copies if shared else (),
                label_lines,
            )
        )
        tried[candidate] = built, label_lines
        return built

    setup = fit_to_page(fitting_story, setup)
    fitted, label_lines = tried.pop(setup, (None, []))
    # A story a layout used up (`page_count`) is not printed; nor one whose copies' labels
    # differ in height (each copy is laid out with its own, as it always was).
    if fitted is not None and (fitted.laid_out or not all(x.uniform() for x in label_lines)):
        fitted = None
    if fitted is not None and shared:
        top = {id(flowable) for flowable in fitted}
        if all(id(line) in top for line in label_lines):  # no label inside a table
            layout.draw_once(fitted, redraw=label_lines)
    story: list[Any] = []
    for number, label in enumerate(copies):
        if number:
            story.append(PageBreak())
        if fitted is not None and (shared or label == longest):
            story.extend(fitted)
            fitted = fitted if shared else None
        else:
            story.extend(copy_story(label, setup))
    pdf = layout.build_pdf(
        story,
        setup,
        title=f"{form['title']} – {dossier.code}",
        author=gathered.office.name,
        draft=options.draft,
        footer=f"{template_set.id} · {dossier.code}",
    )
    return RenderedForm(kind, dossier.code, template_set.id, setup.name, pdf, qr_payload, fields)


def record_print(
    ctx: AppContext,
    rendered: RenderedForm,
    actor: Actor,
    *,
    copies: int = 1,
    printer: str = "",
    medium: str = "paper",
) -> EventView | None:
    """Record that a form went to a printer (or a final PDF file) on the dossier's history."""
    if rendered.code is None:
        return None  # the book covers many dossiers: no single history to write to
    return record_event(
        ctx,
        rendered.code,
        EventKind.PRINTED,
        actor,
        data={
            "form": rendered.kind.value,
            "template": rendered.template_id,
            "paper": rendered.paper,
            "copies": copies,
            "printer": printer,
            "medium": medium,
        },
    )


# --- the tracking book ------------------------------------------------------------------


def _breakable_code(code: str) -> str:
    """The code on two lines at its own joint: office ID, then day and number.

    The book's code column is narrow; left to itself the code would break mid-number.
    Office IDs hold no hyphen (`domain.codes`), so the first one is the joint.
    """
    unit, joint, rest = code.partition("-")
    return f"{unit}-\n{rest}" if joint else code


BOOK_FONT_SIZE = 8.0
"""The book's type size; its cells 1.5 pt smaller (Noto Serif at 6.5 pt stands as tall as
Times at 7.8 pt)."""
BOOK_MARGINS_MM = (10.0, 12.0, 15.0, 8.0)
"""top, bottom, left (binding), right"""


def _book_cell(row: BookRow, number: LedgerNumber | None, name: str) -> str:
    def when(moment: datetime | None, with_time: bool = False) -> str:
        if moment is None:
            return ""
        return f"{moment:%d/%m/%Y}\n{moment:%H:%M}" if with_time else f"{moment:%d/%m/%Y}"

    values: dict[str, str] = {
        "entry": str(number.entry) if number else "",
        "book": number.book if number else "",
        "code": _breakable_code(row.code),
        "procedure_name": row.procedure_name,
        "procedure_code": row.procedure_code,
        "sets": f"{row.sets:02d}",
        "applicant_name": row.applicant_name,
        "address_phone": ", ".join(v for v in (row.address, row.phone) if v),
        "competent_body": row.competent_body,
        "received_at": when(row.received_at, with_time=True),
        "due_at": when(row.due_at, with_time=True),
        "transferred_at": when(row.transferred_at),
        "resolved_at": when(row.resolved_at),
        "returned_at": when(row.returned_at),
        "status": Status(row.status).label,
        "received_by": row.received_by,
        "note": row.note,
    }
    return values.get(name, "")


def _book_table(
    columns: Sequence[Mapping[str, Any]], body: list[list[Any]], setup: PageSetup
) -> Any:
    """Headers on two rows (a group such as "Ngày, tháng, năm" over its columns), then (1)..(n)."""
    st = make_styles(setup)
    top: list[Any] = []
    second: list[Any] = []
    spans: list[tuple[tuple[int, int], tuple[int, int]]] = []
    index = 0
    while index < len(columns):
        group = columns[index].get("group")
        if not group:
            top.append(para(str(columns[index]["title"]), st.cell_head))
            second.append("")
            spans.append(((index, 0), (index, 1)))
            index += 1
            continue
        end = index
        while end + 1 < len(columns) and columns[end + 1].get("group") == group:
            end += 1
        for position in range(index, end + 1):
            top.append(para(str(group), st.cell_head) if position == index else "")
            second.append(para(str(columns[position]["title"]), st.cell_head))
        spans.append(((index, 0), (end, 0)))
        index = end + 1
    numbering = [para(f"({n})", st.cell_center) for n in range(1, len(columns) + 1)]
    widths = [float(column.get("width", 5)) for column in columns]
    return layout.grid_table(
        [top, second, numbering, *body],
        widths,
        setup,
        header_rows=3,
        spans=spans,
        padding=1.0,
        padding_x=1.5,
        valign="TOP",  # a row's cells read across from their first lines
    )


def render_book(
    ctx: AppContext,
    date_from: date,
    date_to: date,
    options: FormOptions | None = None,
    scope: BookScope = BookScope.ALL,
) -> RenderedForm:
    """The tracking book of the dossiers received from `date_from` to `date_to` inclusive."""
    check_range(date_from, date_to)
    options = options or FormOptions()
    template_set = select_template_set(load_template_sets(ctx.data_dir), date_to)
    form = template_set.form(FormKind.BOOK)
    setup = _page_setup(ctx, template_set, FormKind.BOOK, options.paper)
    # 14 columns across, a dozen and more rows down: cells in 6.5 pt, narrow margins (the
    # left one wider, for the binding), lines close.
    setup = replace(
        setup,
        font_size=min(setup.font_size, BOOK_FONT_SIZE),
        line_spacing=1.12,
        margins_mm=BOOK_MARGINS_MM,
    )
    now = ctx.clock().astimezone(VN_TZ)
    with ctx.session() as session:
        office = ensure_office(session, ctx)
        rows = tracking_book_rows(session, office, date_from, date_to, scope)
        dossiers = session.execute(
            sa.select(Dossier)
            .where(Dossier.code.in_([r.code for r in rows]))
            .order_by(Dossier.received_at, Dossier.id)
        ).scalars()
        if options.draft:  # a preview takes no number: a dossier not yet in the book has none
            by_id = entries_for(session, [dossier.id for dossier in dossiers])
        else:  # dossiers received before entries were taken at receipt get theirs now
            by_id = ensure_entries(
                session,
                dossiers,
                counter_id=ctx.config.counter_id,
                book_format=book_format_setting(ctx),
                now=now,
            )
        codes = {
            code: dossier_id
            for code, dossier_id in session.execute(
                sa.select(Dossier.code, Dossier.id).where(Dossier.id.in_(by_id))
            )
        }
        session.expunge(office)
    numbers = {code: by_id[dossier_id] for code, dossier_id in codes.items()}
    st = make_styles(setup)
    columns = list(form["columns"])
    fields = [str(c.get("field", "")) for c in columns]
    centred = {"entry", "sets"}
    body = [
        [
            para(value, st.cell_center if name in centred else st.cell) if value else ""
            for name, value in ((f, _book_cell(row, numbers.get(row.code), f)) for f in fields)
        ]
        for row in rows
    ]
    books = sorted({n.book for n in numbers.values()}) or [BLANK]
    from reportlab.platypus import Paragraph, Spacer

    story: list[Any] = [
        Paragraph(f"<i>{form.get('form_no', '')}</i>", _right(st.small)),
        para(office.parent_body.upper(), st.header),
        para(office.name.upper(), st.header_bold),
        para(str(form["title"]), st.title),
        *([para(scope.printed_subtitle, st.body_center)] if scope.printed_subtitle else []),
        para(
            f"Từ ngày {format_day(date_from)} đến ngày {format_day(date_to)} — "
            f"Quyển số: {', '.join(books)}",
            st.body_center,
        ),
        Spacer(1, setup.font_size * 0.4),
        _book_table(columns, body, setup),
    ]
    if not rows:
        story.append(para("Không có hồ sơ tiếp nhận trong khoảng ngày này.", st.body_center))
    pdf = layout.build_pdf(
        story,
        setup,
        title=f"{form['title']} {format_day(date_from)}–{format_day(date_to)}",
        author=office.name,
        draft=options.draft,
        footer=f"{template_set.id} · {office.name}",
    )
    return RenderedForm(FormKind.BOOK, None, template_set.id, setup.name, pdf)
