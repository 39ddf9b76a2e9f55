"""The guidance panel of the intake screen: can this procedure be filed online, what it
saves, why the citizen files on paper, and the VietQR code of the fee; "Đã hướng dẫn nộp
trực tuyến" logs a guidance session (counted apart from "received") and "In hướng dẫn"
prints the A5 guide sheet through the print preview.

An "assisted" session is linked to the assisted dossier the clerk has just taken for the
same procedure (`offer_dossier`): the box is ticked by default and can be unticked to
record without the link.

The panel holds no rules: it shows `counter_app.guidance` results. Loading the guidance
reads two small files (no database), so it runs on the GUI thread; recording and
rendering the sheet go through `ui.tasks.Op`. Without a context (`ctx=None`) the two
buttons stay hidden.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QByteArray, QIODevice, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.documents.templates import FormKind
from counter_app.domain.catalog import Catalog
from counter_app.guidance.data import load_guidance
from counter_app.guidance.policy import OTHER, PAPER_REASONS, paper_reason_label
from counter_app.guidance.sessions import GuidanceOutcome, GuidanceRecord, record_guidance
from counter_app.guidance.sheet import Guide, guide_sheet_pdf, make_guide, money
from counter_app.i18n import _
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import Actor
from ui.bus import bus
from ui.errors import show_error
from ui.fit import elide_combo, flow_of
from ui.print_preview import PrintPreviewDialog, print_pdf
from ui.style import TypeScale, set_banner, set_tone
from ui.tasks import Op, TaskRunner

# The headline's banner (ui/style.py): can be filed online, only online, or neither.
ONLINE_TONE = "success"
ONLY_TONE = "late"
PLAIN_TONE = "neutral"


def qr_pixmap(payload: str, scale: int = 5) -> QPixmap:
    """A QR code as a pixmap (segno PNG), for VietQR and portal links."""
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    pixmap = QPixmap()
    pixmap.loadFromData(buffer.getvalue(), "PNG")
    return pixmap


class GuideSheetPreview(PrintPreviewDialog):
    """The print preview of a procedure's A5 guide sheet (no dossier, nothing recorded).

    The sheet is a handout, not a form: the preview shows the same PDF that is printed,
    and `printed` carries None.
    """

    def __init__(
        self,
        ctx: AppContext,
        actor: Actor,
        guide: Guide,
        parent: QWidget | None = None,
        *,
        runner: TaskRunner | None = None,
    ) -> None:
        self.guide = guide
        self.sheet: bytes | None = None
        # The kind is unused: `refresh` and `print_to` below replace the form rendering.
        super().__init__(
            ctx, actor, FormKind.RECEIPT, guide.procedure.code, parent=parent, runner=runner
        )
        self.setWindowTitle(_("In tờ hướng dẫn — {code}").format(code=guide.procedure.code))
        self.paper_box.setEnabled(False)  # the sheet is laid out for A5

    def refresh(self) -> None:
        guide = self.guide
        office = self.ctx.config.office.name if self.ctx.config.office else ""
        self.print_button.setEnabled(False)
        Op(self, lambda: guide_sheet_pdf(guide, office), db=False, runner=self._runner).on_success(
            self._show_sheet
        ).start()

    def _show_sheet(self, pdf: bytes) -> None:
        self.sheet = pdf
        self.document.close()
        self._buffer.close()
        self._buffer.setData(QByteArray(pdf))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)
        self.print_button.setEnabled(self.printer_box.count() > 0)
        self.rendered.emit(pdf)

    def print_to(self, printer: QPrinter) -> None:
        if self.sheet is None:
            return
        try:
            print_pdf(self.sheet, printer, self.copies_box.value())
        except (OSError, ValueError) as exc:
            self.message.setText(_("Không in được: {error}").format(error=exc))
            return
        self.draft_label.setText(_("Đã in"))
        self.printed.emit(None)
        self.accept()


class GuidancePanel(QWidget):
    """Shown beside the intake form; call `set_procedure` when the clerk picks one.

    Signals:
        paperReasonChanged(str): the stored form of the reason ("" when none is chosen).
        guided(object): the `GuidanceRecord` of a logged guidance session.
    """

    paperReasonChanged = Signal(str)
    guided = Signal(object)

    def __init__(
        self,
        catalog: Catalog,
        data_dir: Path | None = None,
        parent: QWidget | None = None,
        *,
        ctx: AppContext | None = None,
        actor: Actor | None = None,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self._catalog = catalog
        self._data_dir = data_dir
        self._guide: Guide | None = None
        self._ctx = ctx
        self._actor = actor
        self._runner = runner
        self.sheet_preview: GuideSheetPreview | None = None

        self.headline = QLabel()
        self.headline.setWordWrap(True)
        self.headline.setObjectName("guidanceHeadline")
        font = self.headline.font()  # the type scale's section size; the banner pads it
        font.setPointSize(TypeScale.for_size(font.pointSize()).section)
        font.setBold(True)
        self.headline.setFont(font)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.link = QLabel()
        self.link.setWordWrap(True)
        self.link.setOpenExternalLinks(True)
        self.link.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)

        self.reason_label = QLabel(_("Lý do nộp hồ sơ giấy:"))
        self.reason = QComboBox()
        self.reason.addItem(_("— chọn lý do —"), "")
        for code in PAPER_REASONS:
            self.reason.addItem(paper_reason_label(code), code)
        self.reason_text = QLineEdit()
        self.reason_text.setPlaceholderText(_("Ghi rõ lý do khác"))
        self.reason_text.setVisible(False)
        self.reason.currentIndexChanged.connect(self._reason_changed)
        self.reason_text.textChanged.connect(self._reason_changed)

        self.outcome_label = QLabel(_("&Kết quả hướng dẫn:"))
        self.outcome = QComboBox()
        self.outcome.setAccessibleName(_("Kết quả hướng dẫn nộp trực tuyến"))
        for outcome in GuidanceOutcome:
            self.outcome.addItem(outcome.label, outcome.value)
        self.outcome_label.setBuddy(self.outcome)
        self.guided_reason = QComboBox()
        self.guided_reason.setAccessibleName(_("Lý do không nộp trực tuyến được"))
        self.guided_reason.addItem(_("— chọn lý do —"), "")
        for code in PAPER_REASONS:
            self.guided_reason.addItem(paper_reason_label(code), code)
        self.guided_reason_text = QLineEdit()
        self.guided_reason_text.setPlaceholderText(_("Ghi rõ lý do khác"))
        self.link_box = QCheckBox()
        self.link_box.setAccessibleName(_("Gắn với hồ sơ vừa hỗ trợ nộp trực tuyến"))
        self._offer: tuple[str, str] | None = None  # (procedure code, dossier code)
        self.guided_button = QPushButton(_("Đã &hướng dẫn nộp trực tuyến"))
        self.print_button = QPushButton(_("&In hướng dẫn"))
        self.guidance_status = QLabel()
        self.guidance_status.setObjectName("guidanceStatus")
        self.guidance_status.setWordWrap(True)
        self.outcome.currentIndexChanged.connect(self._outcome_changed)
        self.guided_reason.currentIndexChanged.connect(self._outcome_changed)
        self.guided_button.clicked.connect(self.record_guided)
        self.print_button.clicked.connect(self.print_sheet)
        buttons = flow_of(self.guided_button, self.print_button, justify=True)
        for combo in (self.reason, self.outcome, self.guided_reason):
            elide_combo(combo)  # as wide as the panel, not as its longest reason

        separator = QFrame()
        separator.setFrameShape(QFrame.Shape.HLine)
        self.fee_title = QLabel()
        self.fee_title.setWordWrap(True)
        self.fee_qr = QLabel()
        self.fee_qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.fee_qr.setAccessibleName(_("Mã VietQR nộp phí"))

        layout = QVBoxLayout(self)
        widget: QWidget
        for widget in (
            self.headline,
            self.details,
            self.link,
            self.reason_label,
            self.reason,
            self.reason_text,
            self.outcome_label,
            self.outcome,
            self.link_box,
            self.guided_reason,
            self.guided_reason_text,
        ):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        layout.addWidget(self.guidance_status)
        for widget in (separator, self.fee_title, self.fee_qr):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.clear()

    def tab_chain(self) -> list[QWidget]:
        """The guidance session's widgets in keyboard order (for the intake screen)."""
        return [
            self.outcome,
            self.link_box,
            self.guided_reason,
            self.guided_reason_text,
            self.guided_button,
            self.print_button,
        ]

    # --- procedure guidance ---------------------------------------------------------------

    def clear(self) -> None:
        self._guide = None
        self.headline.setText(_("Chọn thủ tục để xem hướng dẫn nộp trực tuyến."))
        set_banner(self.headline, PLAIN_TONE)
        self.details.clear()
        self.link.clear()
        self._show_reason(False)
        self._show_session(False, False)
        self.clear_fee_qr()

    def set_procedure(self, code: str, day: date) -> Guide:
        """Show the guidance of procedure `code` on `day` (dated incentives)."""
        guide = make_guide(load_guidance(self._data_dir), self._catalog.get(code), day)
        self._guide = guide
        g = guide.guidance
        headline = guide.headline
        if guide.online_only:
            headline += " " + _("Thủ tục chỉ nhận trực tuyến: hồ sơ giấy cần lãnh đạo cho phép.")
            set_banner(self.headline, ONLY_TONE)
        elif g.can_file_online:
            set_banner(self.headline, ONLINE_TONE)
        else:
            set_banner(self.headline, PLAIN_TONE)
        self.headline.setText(headline)
        lines = []
        if g.can_file_online:
            lines.append(
                _("Mức độ: {level}. {vneid}").format(
                    level=guide.level_label, vneid=guide.vneid_note
                )
            )
            lines.append(
                _("Phí, lệ phí: tại quầy {counter}; trực tuyến {online}.").format(
                    counter=money(guide.fees.counter_vnd), online=money(guide.fees.online_vnd)
                )
            )
            lines += [f"• {rule.title}" for rule in (*guide.fees.rules, *guide.fees.notices)]
        self.details.setText("\n".join(lines))
        url = g.portal_page
        self.link.setText(f'<a href="{url}">{_("Mở trang thủ tục trên Cổng")}</a>')
        self._show_reason(g.can_file_online)
        # Unknown guidance may still be online: only a procedure listed as having no
        # online channel has nothing to guide (the service refuses it too).
        self._show_session(g.online_available is not False, True)
        return guide

    @property
    def guide(self) -> Guide | None:
        return self._guide

    # --- reasons for paper ------------------------------------------------------------------

    def _show_reason(self, visible: bool) -> None:
        self.reason_label.setVisible(visible)
        self.reason.setVisible(visible)
        self.reason.setCurrentIndex(0)
        self.reason_text.clear()
        self.reason_text.setVisible(False)

    def paper_reason(self) -> str | None:
        """The reason in its stored form ("other: TEXT"), or None when none is chosen."""
        code = self.reason.currentData()
        if not code:
            return None
        if code == OTHER:
            text = self.reason_text.text().strip()
            return f"{OTHER}: {text}" if text else OTHER
        return str(code)

    def _reason_changed(self, *_args: object) -> None:
        self.reason_text.setVisible(self.reason.currentData() == OTHER)
        self.paperReasonChanged.emit(self.paper_reason() or "")

    # --- guided to online -----------------------------------------------------------------

    def _show_session(self, guidable: bool, printable: bool) -> None:
        live = self._ctx is not None and self._actor is not None
        for widget in (self.outcome_label, self.outcome, self.guided_button):
            widget.setVisible(live and guidable)
        self.print_button.setVisible(live and printable)
        self.outcome.setCurrentIndex(0)
        self.link_box.setChecked(True)
        self.guided_reason.setCurrentIndex(0)
        self.guided_reason_text.clear()
        self._outcome_changed()

    def _outcome_changed(self, *_args: object) -> None:
        shown = self.outcome.isVisibleTo(self)
        asks = shown and self.outcome.currentData() == GuidanceOutcome.COULD_NOT.value
        self.guided_reason.setVisible(asks)
        self.guided_reason_text.setVisible(asks and self.guided_reason.currentData() == OTHER)
        self.link_box.setVisible(
            shown
            and self.offered_dossier() is not None
            and self.outcome.currentData() == GuidanceOutcome.ASSISTED.value
        )

    def offer_dossier(self, procedure_code: str, dossier_code: str) -> None:
        """The assisted dossier just taken: an "assisted" session of that procedure links it."""
        self._offer = (procedure_code, dossier_code)
        self.link_box.setText(_("Gắn với hồ sơ vừa tiếp nhận {code}").format(code=dossier_code))
        self.link_box.setChecked(True)
        self._outcome_changed()

    def clear_offer(self) -> None:
        self._offer = None
        self.link_box.setText("")
        self._outcome_changed()

    def offered_dossier(self) -> str | None:
        """The dossier offered for the shown procedure, if any."""
        guide, offer = self._guide, self._offer
        if guide is None or offer is None or offer[0] != guide.procedure.code:
            return None
        return offer[1]

    def linked_dossier(self) -> str | None:
        """The dossier an "assisted" session would be linked to (None: no link)."""
        if self.outcome.currentData() != GuidanceOutcome.ASSISTED.value:
            return None
        if not self.link_box.isChecked():
            return None
        return self.offered_dossier()

    def guided_reason_value(self) -> str | None:
        """The "could not" reason in its stored form, or None when none is chosen."""
        code = self.guided_reason.currentData()
        if not code or self.outcome.currentData() != GuidanceOutcome.COULD_NOT.value:
            return None
        if code == OTHER:
            return f"{OTHER}: {self.guided_reason_text.text().strip()}"
        return str(code)

    def record_guided(self) -> None:
        """Log the guidance session of the shown procedure with the chosen outcome."""
        ctx, actor, guide = self._ctx, self._actor, self._guide
        if ctx is None or actor is None or guide is None:
            return
        code, outcome = guide.procedure.code, str(self.outcome.currentData())
        reason, dossier = self.guided_reason_value(), self.linked_dossier()
        self.guided_button.setEnabled(False)
        Op(
            self,
            lambda: record_guidance(ctx, code, outcome, actor, reason=reason, dossier_code=dossier),
            runner=self._runner,
        ).on_success(self._recorded).on_error(self._failed).start()

    def _recorded(self, record: GuidanceRecord) -> None:
        self.guided_button.setEnabled(True)
        message = _("Đã ghi nhận hướng dẫn nộp trực tuyến: {code} — {outcome}.").format(
            code=record.procedure_code, outcome=record.outcome.label
        )
        if record.dossier_code is not None:
            message += " " + _("Đã gắn hồ sơ {code}.").format(code=record.dossier_code)
            if self._offer is not None and self._offer[1] == record.dossier_code:
                self.clear_offer()  # a dossier is the result of one session only
        set_tone(self.guidance_status, None)
        self.guidance_status.setText(message)
        bus().info(message)
        self.outcome.setCurrentIndex(0)
        self.guided.emit(record)

    def _failed(self, exc: BaseException) -> None:
        self.guided_button.setEnabled(True)
        text = getattr(exc, "message", None)
        if text is None:
            show_error(self, exc)
            return
        set_tone(self.guidance_status, "error")
        self.guidance_status.setText(str(text))

    def print_sheet(self) -> GuideSheetPreview | None:
        """Open the print preview of the shown procedure's guide sheet."""
        if self._ctx is None or self._actor is None or self._guide is None:
            return None
        self.sheet_preview = GuideSheetPreview(
            self._ctx, self._actor, self._guide, self, runner=self._runner
        )
        self.sheet_preview.printed.connect(
            lambda _none: bus().info(_("Đã in tờ hướng dẫn nộp trực tuyến."))
        )
        self.sheet_preview.open()
        return self.sheet_preview

    # --- VietQR fee -------------------------------------------------------------------------

    def show_fee_qr(self, payload: str, amount: int, dossier_code: str) -> None:
        """Show the VietQR code of a dossier's fee (from `guidance.payments.fee_qr_payload`)."""
        self.fee_title.setText(
            _("Quét mã bằng ứng dụng ngân hàng để nộp {amount} — nội dung: {code}").format(
                amount=money(amount), code=dossier_code
            )
        )
        self.fee_qr.setPixmap(qr_pixmap(payload))
        self.fee_title.setVisible(True)
        self.fee_qr.setVisible(True)

    def clear_fee_qr(self) -> None:
        self.fee_title.clear()
        self.fee_qr.clear()
        self.fee_title.setVisible(False)
        self.fee_qr.setVisible(False)
