"""Page building blocks shared by every printed document (forms, guide sheets, reports).

Built on reportlab platypus, so long text wraps and long tables continue on the next page
instead of running off it. Every string is NFC-normalised and XML-escaped here; callers
pass plain text (`para`) or template markup with plain-text fields (`fill`).

    setup = PageSetup.parse("A5")
    story = [header_block(office_header(...), setup), title("GIẤY ..."), para("...", st.body)]
    pdf_bytes = build_pdf(story, setup, title="...", draft=True)
"""

from __future__ import annotations

import io
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from counter_app.documents import qr_masks
from counter_app.documents.fonts import SERIF, SERIF_BOLD, SERIF_ITALIC, register_fonts
from counter_app.domain.text import nfc
from counter_app.errors import ConfigError
from counter_app.i18n import _

MOTTO_COUNTRY = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
BLANK = "…"
"""What an empty field prints as: a visible blank to fill in by hand."""
NBSP = "\u00a0"
"""A no-break space: kept by `text_markup`, so words it joins stay on one line."""
_SPACES = re.compile(r"[^\S\u00a0]+")

_PAPER_MM = {"A4": (210.0, 297.0), "A5": (148.0, 210.0), "A6": (105.0, 148.0)}
_ROLL_MM = {"80MM": (80.0, 72.0)}
"""Roll paper of thermal printers: paper width and the printable width within it (mm)."""
_MM = 72.0 / 25.4
FRAME_PADDING = 6.0
"""reportlab's default frame padding (points) on each side, inside the margins."""


@dataclass(frozen=True)
class PageSetup:
    """Paper, orientation, margins (mm) and the base font size that suits the paper."""

    paper: str = "A5"
    landscape: bool = False
    margins_mm: tuple[float, float, float, float] = (12.0, 12.0, 15.0, 10.0)
    """top, bottom, left, right"""
    font_size: float = 10.0
    length_mm: float = 0.0
    """The page length of roll paper, found by `build_pdf` from the content (0 until then)."""
    line_spacing: float = 1.2
    """Body leading as a multiple of the font size (a form fitted to its page goes tighter)."""
    padding_y: float = FRAME_PADDING
    """Space (points) the frame keeps above and below the content, inside the margins."""

    @classmethod
    def parse(cls, text: str) -> PageSetup:
        """ "A5", "A4", "A4-landscape", "80mm" (case-insensitive), margins and type to match."""
        name, _sep, orientation = text.strip().upper().partition("-")
        if name in _ROLL_MM and not orientation:
            paper_width, printable = _ROLL_MM[name]
            side = (paper_width - printable) / 2
            # The bottom margin holds the footer line (and the draft note).
            return cls(name.lower(), False, (3.0, 7.0, side, side), 9.0)
        if name not in _PAPER_MM or orientation not in ("", "LANDSCAPE", "PORTRAIT"):
            raise ConfigError(
                _("Khổ giấy không hợp lệ: {value} (dùng A4, A5, A4-landscape hoặc 80mm).").format(
                    value=text
                )
            )
        small = name in ("A5", "A6")
        margins = (9.0, 11.0, 12.0, 9.0) if small else (15.0, 15.0, 25.0, 15.0)
        return cls(name, orientation == "LANDSCAPE", margins, 9.0 if small else 12.0)

    @property
    def name(self) -> str:
        return f"{self.paper}-landscape" if self.landscape else self.paper

    @property
    def is_roll(self) -> bool:
        return self.paper.upper() in _ROLL_MM

    @property
    def size(self) -> tuple[float, float]:
        """Page width and height in points (a roll's height is its `length_mm`)."""
        if self.is_roll:
            return _ROLL_MM[self.paper.upper()][0] * _MM, self.length_mm * _MM
        width, height = (v * _MM for v in _PAPER_MM[self.paper])
        return (height, width) if self.landscape else (width, height)

    @property
    def frame(self) -> tuple[float, float, float, float]:
        """x, y, width, height of the printable frame in points."""
        top, bottom, left, right = (v * _MM for v in self.margins_mm)
        width, height = self.size
        return left, bottom, width - left - right, height - top - bottom


@dataclass(frozen=True)
class Styles:
    body: Any
    body_center: Any
    small: Any
    small_center: Any
    italic_center: Any
    header: Any
    header_bold: Any
    title: Any
    subtitle: Any
    cell: Any
    cell_center: Any
    cell_head: Any
    code: Any
    """A dossier code to read at a glance (the thermal slip)."""


@lru_cache(maxsize=64)
def make_styles(setup: PageSetup) -> Styles:
    """The paragraph styles of `setup` (made once per setup: every page of every document
    on that paper shares them, and nothing changes a style once made)."""
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
    from reportlab.lib.styles import ParagraphStyle

    register_fonts()
    size = setup.font_size
    spacing = setup.line_spacing
    # A 72 mm line holds too few words to justify without gaps; lines apart read easier.
    body = ParagraphStyle(
        "body",
        fontName=SERIF,
        fontSize=size,
        leading=size * spacing,
        alignment=TA_LEFT if setup.is_roll else TA_JUSTIFY,
        spaceBefore=size * 0.3 if setup.is_roll else 0,
    )
    small_size = size - 1.5
    small = ParagraphStyle(
        "small",
        parent=body,
        fontSize=small_size,
        leading=small_size * (spacing + 0.05),
        spaceBefore=0,
    )
    cell = ParagraphStyle("cell", parent=small, alignment=0)
    title = ParagraphStyle(
        "title",
        parent=body,
        fontName=SERIF_BOLD,
        fontSize=size + 2,
        leading=(size + 2) * 1.25,
        alignment=TA_CENTER,
        spaceBefore=size * 0.5,
        spaceAfter=0,
    )
    return Styles(
        body=body,
        body_center=ParagraphStyle("body_center", parent=body, alignment=TA_CENTER),
        small=small,
        small_center=ParagraphStyle("small_center", parent=small, alignment=TA_CENTER),
        italic_center=ParagraphStyle(
            "italic_center", parent=body, fontName=SERIF_ITALIC, alignment=TA_CENTER
        ),
        header=ParagraphStyle(
            "header", parent=small, alignment=TA_CENTER, fontSize=size - 1, leading=size * spacing
        ),
        header_bold=ParagraphStyle(
            "header_bold",
            parent=small,
            alignment=TA_CENTER,
            fontName=SERIF_BOLD,
            fontSize=size - 1,
            leading=size * spacing,
        ),
        title=title,
        subtitle=ParagraphStyle(
            "subtitle", parent=body, alignment=TA_CENTER, spaceAfter=size * 0.5
        ),
        cell=cell,
        cell_center=ParagraphStyle("cell_center", parent=cell, alignment=TA_CENTER),
        cell_head=ParagraphStyle(
            "cell_head", parent=cell, fontName=SERIF_BOLD, alignment=TA_CENTER
        ),
        code=ParagraphStyle(
            "code", parent=title, fontSize=size + 5, leading=(size + 5) * 1.25, spaceBefore=0
        ),
    )


@lru_cache(maxsize=4096)
def text_markup(text: str | None) -> str:
    """Plain text as paragraph markup: NFC, escaped, line breaks kept as breaks (cached: a
    form fills the same office and applicant texts into many lines)."""
    if text is None or not nfc(text):
        return BLANK
    lines = [_SPACES.sub(" ", line).strip(" ") for line in nfc(text).splitlines()]
    return "<br/>".join(escape(line) for line in lines if line)


class _BlankingFormatter(string.Formatter):
    """`str.format` where a missing or empty field prints the blank `…`, and a text field is
    escaped as it is used (only the fields a template names)."""

    def get_value(self, key: int | str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        value = kwargs.get(str(key)) if isinstance(key, str) else None
        if isinstance(value, str):
            value = text_markup(value)  # "" for blank text: printed as the blank too
        return BLANK if value is None or value == "" else value


_FORMATTER = _BlankingFormatter()


def fill(template: str, fields: Mapping[str, Any]) -> str:
    """Fill `{name}` fields of template markup with escaped plain-text values."""
    try:
        return _FORMATTER.vformat(nfc(template), (), fields)
    except (ValueError, IndexError, AttributeError) as exc:
        raise ConfigError(
            _("Mẫu biểu có trường không hợp lệ: {text}").format(text=template[:80])
        ) from exc


@lru_cache(maxsize=1)
def _paragraph_class() -> Any:
    """reportlab's Paragraph, remembering its last line breaking (made at first use, so that
    importing this module loads no reportlab)."""
    from reportlab.platypus import Paragraph
    from reportlab.rl_config import _FUZZ

    class _Paragraph(Paragraph):  # type: ignore[misc]
        """A paragraph is wrapped at the same width several times before it is drawn: by
        `fits_one_page`, by the frame, by a table sizing its rows and again drawing its
        cells. Breaking its lines is most of that work, and the same width, style and text
        give the same lines: the last wrap's result is kept and given back for the same
        width. Nothing else changes: splitting and drawing read what `wrap` leaves."""

        _last_wrap: tuple[Any, ...] | None = None

        def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
            last = self._last_wrap
            if last is not None and last[0] == availWidth and last[1] is self.style:
                _width, _style, self.width, self._wrapWidths, self.blPara, self.height = last
                return self.width, self.height
            width, height = super().wrap(availWidth, availHeight)
            if availWidth >= _FUZZ:  # else nothing was laid out
                self._last_wrap = (
                    availWidth,
                    self.style,
                    self.width,
                    self._wrapWidths,
                    self.blPara,
                    self.height,
                )
            return width, height

    return _Paragraph


def para(text: str | None, style: Any) -> Any:
    """A paragraph of plain text."""
    return _paragraph_class()(text_markup(text), style)


def markup_para(markup: str, style: Any) -> Any:
    """A paragraph of trusted template markup (already filled by `fill`)."""
    return _paragraph_class()(markup, style)


def per_copy(paragraphs: Sequence[Any]) -> Any:
    """One line of a story printed as several copies by drawing the same flowables again
    (a form's "Liên 1", "Liên 2"): the n-th time it is drawn it draws the n-th of
    `paragraphs`. It is as tall as the tallest; `uniform()` tells whether all are as tall,
    so that every copy is laid out as if it held only its own line."""
    from reportlab.platypus import Flowable

    class _PerCopy(Flowable):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.style = paragraphs[0].style  # spacing and keep-with-next as a paragraph's
            self.drawn = 0
            self.heights: tuple[float, ...] = ()

        def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
            sizes = [p.wrap(availWidth, availHeight) for p in paragraphs]
            self.heights = tuple(h for _w, h in sizes)
            self.width = max(w for w, _h in sizes)
            self.height = max(self.heights)
            return self.width, self.height

        def getSpaceBefore(self) -> float:
            return float(paragraphs[0].getSpaceBefore())

        def getSpaceAfter(self) -> float:
            return float(paragraphs[0].getSpaceAfter())

        def uniform(self) -> bool:
            return bool(self.heights) and len(set(self.heights)) == 1

        def draw(self) -> None:
            paragraph = paragraphs[min(self.drawn, len(paragraphs) - 1)]
            self.drawn += 1
            paragraph.drawOn(self.canv, 0, self.height - paragraph.height)

    return _PerCopy()


def draw_once(story: Sequence[Any], redraw: Sequence[Any] = ()) -> None:
    """Make a story that is printed several times over (the copies of a form) drawn once.

    Each flowable of `story` (and of its keep-together groups), but those in `redraw`,
    records what it draws in a form XObject the first time it is drawn and shows that form
    when it is drawn again at the same place: the PDF holds the drawing once, and the next
    copies cost no drawing. The page looks the same (the form holds the same operators, in
    the page's coordinates). `redraw` (the `per_copy` lines) are drawn every time."""
    from reportlab.platypus.flowables import KeepTogether, Spacer

    skipped = {id(flowable) for flowable in redraw}
    pending = list(story)
    number = 0
    while pending:
        flowable = pending.pop()
        if id(flowable) in skipped:
            continue
        if isinstance(flowable, KeepTogether):  # it hands its parts to the frame
            pending.extend(flowable._content)
            continue
        if isinstance(flowable, Spacer) or getattr(flowable, "_drawn_once", False):
            continue  # a space draws nothing
        number += 1
        flowable._drawn_once = True
        flowable.drawOn = _once(flowable.drawOn, f"QMCcopy{number}")


def _once(draw_on: Any, name: str) -> Any:
    """`draw_on` (a flowable's bound `drawOn`), recorded as form `name` at its first call."""
    first: list[tuple[Any, ...]] = []

    def drawn(canvas: Any, x: float, y: float, _sW: float = 0) -> None:
        place = (id(canvas._doc), x, y, _sW)
        if first and first[0] == place:
            canvas.doForm(name)
            return
        if first:  # another document or another place: drawn as it is
            draw_on(canvas, x, y, _sW)
            return
        first.append(place)
        canvas.beginForm(name)
        draw_on(canvas, x, y, _sW)
        canvas.endForm()
        canvas.doForm(name)

    return drawn


def place_date(place: str, day: date | None) -> str:
    """ "Nha Trang, ngày 02 tháng 03 năm 2026" (blanks when the day is unknown)."""
    where = nfc(place) or BLANK
    if day is None:
        return f"{where}, ngày {BLANK} tháng {BLANK} năm {BLANK}"
    return f"{where}, ngày {day:%d} tháng {day:%m} năm {day:%Y}"


@dataclass(frozen=True)
class HeaderText:
    """The two-column header of an administrative document (docs/rules.md §7)."""

    parent_body: str
    unit: str
    number_line: str = ""
    place: str = ""
    day: date | None = None


def header_block(header: HeaderText, setup: PageSetup, left_extra: Sequence[Any] = ()) -> Any:
    """Parent body and unit (left), motto and place-date (right), each with a short rule."""
    from reportlab.platypus import Table, TableStyle

    st = make_styles(setup)
    _x, _y, width, _h = setup.frame
    left_width = width * 0.44
    left = [
        para(header.parent_body.upper(), st.header),
        para(header.unit.upper(), st.header_bold),
        rule(left_width * 0.35),
    ]
    if header.number_line:
        left.append(para(header.number_line, st.header))
    left.extend(left_extra)
    right = [
        para(MOTTO_COUNTRY, st.header_bold),
        para(MOTTO, st.header_bold),
        rule((width - left_width) * 0.5),
        para(place_date(header.place, header.day), _italic(st.header)),
    ]
    table = Table([[left, right]], colWidths=[left_width, width - left_width])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ("LEFTPADDING", (0, 0), (-1, -1), 1),
                ("RIGHTPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def fitted_para(text: str, style: Any, setup: PageSetup, minimum: float = 0.0) -> Any:
    """One line of plain text in `style`, its type made smaller until it fits the frame's width
    (never below `minimum`, by default the page's base size; below that it wraps)."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase.pdfmetrics import stringWidth

    _x, _y, width, _h = setup.frame
    inner = width - 2 * FRAME_PADDING
    text = nfc(text)
    natural = stringWidth(text, style.fontName, style.fontSize)
    size = style.fontSize
    if natural > inner:
        size = max(minimum or setup.font_size, style.fontSize * inner / natural)
    fitted = ParagraphStyle(f"{style.name}_fitted", parent=style, fontSize=size)
    fitted.leading = style.leading * size / style.fontSize
    return para(text, fitted)


def compact_header(parent_body: str, unit: str, setup: PageSetup) -> list[Any]:
    """Parent body and unit centred on one column, for paper too narrow for two (80 mm)."""
    st = make_styles(setup)
    _x, _y, width, _h = setup.frame
    return [
        para(parent_body.upper(), st.header),
        para(unit.upper(), st.header_bold),
        rule(width * 0.35),
    ]


def _italic(style: Any) -> Any:
    from reportlab.lib.styles import ParagraphStyle

    return ParagraphStyle(f"{style.name}_italic", parent=style, fontName=SERIF_ITALIC)


@dataclass(frozen=True)
class SignatureColumn:
    title: str
    hint: str = "(Ký và ghi rõ họ tên)"
    name: str = ""
    above: str = ""
    """A line above the title, e.g. "Nơi nhận" on the left of a letter's footer."""


def signature_cell(column: SignatureColumn, setup: PageSetup) -> list[Any]:
    """One signature box: title, hint, room to sign, then the printed name."""
    from reportlab.platypus import Spacer

    st = make_styles(setup)
    cell: list[Any] = []
    if column.above:
        cell.append(para(column.above, _italic(st.small_center)))
    if column.title:
        cell.append(para(column.title, _bold(st.small_center)))
    if column.hint:
        cell.append(para(column.hint, _italic(st.small_center)))
    cell.append(Spacer(1, setup.font_size * 2.6))
    if column.name:
        cell.append(para(column.name, _bold(st.small_center)))
    return cell


def signature_block(columns: Sequence[SignatureColumn], setup: PageSetup) -> Any:
    """Side-by-side signature boxes, kept on one page."""
    from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle

    _x, _y, width, _h = setup.frame
    if not columns:
        return Spacer(1, 0)
    cells = [signature_cell(column, setup) for column in columns]
    table = Table([cells], colWidths=[width / len(cells)] * len(cells))
    table.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (-1, -1), "CENTER")])
    )
    return KeepTogether([Spacer(1, setup.font_size * 0.6), table])


def _bold(style: Any) -> Any:
    from reportlab.lib.styles import ParagraphStyle

    return ParagraphStyle(f"{style.name}_bold", parent=style, fontName=SERIF_BOLD)


def grid_table(
    rows: Sequence[Sequence[Any]],
    col_fractions: Sequence[float],
    setup: PageSetup,
    *,
    header_rows: int = 1,
    spans: Sequence[tuple[tuple[int, int], tuple[int, int]]] = (),
    padding: float = 1.5,
    padding_x: float = 2.0,
    valign: str = "MIDDLE",
) -> Any:
    """A ruled table whose header rows repeat on every page it continues to; `padding` and
    `padding_x` are the space (points) above and below, and beside, the text of a cell."""
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    _x, _y, width, _h = setup.frame
    total = sum(col_fractions)
    table = Table(
        [list(row) for row in rows],
        colWidths=[width * f / total for f in col_fractions],
        repeatRows=header_rows,
    )
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), valign),
        ("LEFTPADDING", (0, 0), (-1, -1), padding_x),
        ("RIGHTPADDING", (0, 0), (-1, -1), padding_x),
        ("TOPPADDING", (0, 0), (-1, -1), padding),
        ("BOTTOMPADDING", (0, 0), (-1, -1), padding),
    ]
    if header_rows and valign != "MIDDLE":  # headings stay centred over their column
        commands.append(("VALIGN", (0, 0), (-1, header_rows - 1), "MIDDLE"))
    commands.extend(("SPAN", start, end) for start, end in spans)
    table.setStyle(TableStyle(commands))
    return table


def rule(length: float) -> Any:
    """A short centred horizontal rule (under the unit name and the motto)."""
    from reportlab.platypus.flowables import HRFlowable

    return HRFlowable(width=length, thickness=0.6, color="black", spaceBefore=1, spaceAfter=3)


DRAFT_MARK = "NHÁP"
DRAFT_NOTE = "BẢN NHÁP – CHƯA IN"


def build_pdf(
    story: Sequence[Any],
    setup: PageSetup,
    *,
    title: str,
    author: str = "",
    draft: bool = False,
    footer: str = "",
) -> bytes:
    """Lay out `story` on pages of `setup` and return the PDF bytes.

    `draft` stamps "NHÁP" across every page (the preview before printing); `footer`
    prints small text and the page number at the bottom of every page.
    """
    register_fonts()
    if setup.is_roll and not setup.length_mm:
        setup = replace(setup, length_mm=roll_length_mm(story, setup))
    buffer = io.BytesIO()
    _top, bottom, left, right = (v * _MM for v in setup.margins_mm)
    size = setup.size

    def decorate(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        width, _height = size
        if footer or draft:
            canvas.setFont(SERIF_ITALIC, max(setup.font_size - 3, 6))
            note = f"{DRAFT_NOTE} · {footer}" if draft else footer
            canvas.drawString(left, bottom * 0.45, nfc(note))
            canvas.drawRightString(width - right, bottom * 0.45, str(doc.page))
        if draft:
            from reportlab.lib.colors import Color

            canvas.setFillColor(Color(0.6, 0.6, 0.6, alpha=0.35))
            canvas.setFont(SERIF_BOLD, setup.font_size * 8)
            canvas.translate(width / 2, size[1] / 2)
            canvas.rotate(35)
            canvas.drawCentredString(0, 0, DRAFT_MARK)
        canvas.restoreState()

    document = _document(
        buffer, setup, decorate, title=nfc(title), author=nfc(author), creator="Quầy Một Cửa"
    )
    document.build(list(story))
    return buffer.getvalue()


def _document(buffer: Any, setup: PageSetup, on_page: Any, **info: str) -> Any:
    """One frame a page, inside the margins, with `setup`'s padding above and below."""
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

    top, bottom, left, right = (v * _MM for v in setup.margins_mm)
    width, height = setup.size
    frame = Frame(
        left,
        bottom,
        width - left - right,
        height - top - bottom,
        leftPadding=FRAME_PADDING,
        rightPadding=FRAME_PADDING,
        topPadding=setup.padding_y,
        bottomPadding=setup.padding_y,
        id="normal",
    )
    template = PageTemplate(id="page", frames=[frame], onPage=on_page, pagesize=setup.size)
    return BaseDocTemplate(
        buffer,
        pagesize=setup.size,
        topMargin=top,
        bottomMargin=bottom,
        leftMargin=left,
        rightMargin=right,
        pageTemplates=[template],
        **info,
    )


FIT_MARGIN = 2.0
"""Points a story must leave free in `fits_one_page`'s estimate to be taken as fitting
without laying it out; closer than that, it is laid out for real."""


def fits_one_page(story: Sequence[Any], setup: PageSetup) -> bool:
    """Whether `story` fits one page of `setup`'s paper, as `build_pdf` would lay it out.

    First without laying out or drawing: each flowable wrapped at the frame's width and
    placed as a frame places it (the first one's space before dropped, a space before
    overlapping the space after the one above). A story that leaves `FIT_MARGIN` free is
    taken as fitting and is left as it was (wrapped only); any other is laid out for real
    (`page_count`, which uses it up).
    """
    from reportlab import rl_config
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus.doctemplate import ActionFlowable

    def acts(flowable: Any) -> bool:  # a page or frame break, a template change...
        return isinstance(flowable, ActionFlowable) or bool(getattr(flowable, "frameAction", None))

    register_fonts()
    _x, _y, width, height = setup.frame
    inner = width - 2 * FRAME_PADDING
    room = height - 2 * setup.padding_y
    canvas = Canvas(io.BytesIO(), pagesize=setup.size)  # measures text; never drawn on
    used, space_after, at_top = 0.0, 0.0, True
    pending = list(story)
    pending.reverse()
    while pending:
        flowable = pending.pop()
        if acts(flowable):
            return page_count(story, setup) == 1  # the layout decides
        space = 0.0
        if not at_top:
            space = flowable.getSpaceBefore()
            if rl_config.overlapAttachedSpace:
                space = max(space - space_after, 0.0)
        free = max(room - used - space, 0.0)
        _w, h = flowable.wrapOn(canvas, inner, free)
        if h > room:  # "split me" (KeepTogether): place its parts, as the layout would
            parts = flowable.splitOn(canvas, inner, free)
            if not parts or any(acts(part) for part in parts):
                return page_count(story, setup) == 1
            pending.extend(reversed(parts))
            continue
        used += h + space
        if used > room - FIT_MARGIN:
            return page_count(story, setup) == 1
        space_after = flowable.getSpaceAfter()
        used += space_after
        at_top = at_top and used == 0
    return True


class Story(list[Any]):
    """Flowables that know whether `page_count` has laid them out (and so used them up): a
    story `fits_one_page` only estimated can still be printed."""

    laid_out = False


def page_count(story: Sequence[Any], setup: PageSetup) -> int:
    """How many pages `story` takes on `setup`'s paper, laid out as `build_pdf` would (the
    flowables are used up: build a fresh story to print)."""
    if isinstance(story, Story):
        story.laid_out = True
    register_fonts()
    document = _document(io.BytesIO(), setup, lambda canvas, doc: None)
    document._doSave = 0  # laid out and drawn, never written out: only the count is wanted
    document.build(list(story))
    return int(document.page)


def roll_length_mm(story: Sequence[Any], setup: PageSetup) -> float:
    """The page length that holds `story` on one page of roll paper: as long as the content.

    Each flowable is wrapped at the frame's width as the layout will wrap it; the space
    before the first one, which a frame drops, is counted too, so the sum errs long.
    """
    _x, _y, width, _h = setup.frame
    inner = width - 2 * FRAME_PADDING
    height = 2 * setup.padding_y
    for flowable in story:
        _w, h = flowable.wrap(inner, 1e6)
        height += h + flowable.getSpaceBefore() + flowable.getSpaceAfter()
    top, bottom, _left, _right = setup.margins_mm
    return top + bottom + height / _MM + 1.0


@lru_cache(maxsize=16)
def _qr_matrix(data: str, error: str) -> tuple[tuple[bool, ...], ...]:
    """The modules of a QR code (cached: a receipt draws the same code on each copy)."""
    import segno

    qr_masks.install()
    code = segno.make(data, error=error, micro=False)
    return tuple(tuple(bool(module) for module in row) for row in code.matrix)


@lru_cache(maxsize=16)
def _qr_path(data: str, error: str, size: float, quiet_modules: int) -> str:
    """The PDF path operators of a QR code's dark modules, one rectangle per run of a row
    (cached: a receipt draws the same code on each copy, and each try at fitting its page)."""
    from reportlab.lib.rl_accel import fp_str

    rows = _qr_matrix(data, error)
    step = size / (len(rows) + 2 * quiet_modules)
    operators = []
    for r, row in enumerate(rows):
        y = size - (r + quiet_modules + 1) * step
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            operators.append(
                f"{fp_str((start + quiet_modules) * step, y, (c - start) * step, step)} re"
            )
    return "\n".join(operators)


def qr_flowable(data: str, size: float, *, error: str = "m", quiet_modules: int = 2) -> Any:
    """A QR code drawn as vector squares (segno), `size` points wide including the margin."""
    from reportlab.platypus import Flowable

    data = nfc(data)

    class _Qr(Flowable):  # type: ignore[misc]
        def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
            return size, size

        def draw(self) -> None:
            canvas = self.canv
            canvas.setFillColorRGB(0, 0, 0)
            # Filled as one path, as `drawPath(..., fill=1)` would write it.
            canvas.addLiteral(_qr_path(data, error, size, quiet_modules) + "\nf*")

    flowable = _Qr()
    flowable.hAlign = "CENTER"
    return flowable
