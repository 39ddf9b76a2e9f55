"""Print preview of a one-stop form: the draft ("Nháp") on screen, then the final print.

    dialog = PrintPreviewDialog(ctx, actor, FormKind.RECEIPT, code, parent=window)
    dialog.printed.connect(...)   # EventView of the recorded print
    dialog.open()

With `offer_slip=True` the receipt's preview also offers "In phiếu 80 mm": the same
dossier on the thermal printer's roll (`FormKind.SLIP`), recorded as a print of the slip.

The PDF comes from `counter_app.documents.forms`; rendering and recording run through
`ui.tasks.Op` (they touch the database). The final PDF has no draft mark; the print is
recorded as a `printed` event on the dossier's history.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QSize, QSizeF, Signal
from PySide6.QtGui import QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from counter_app.documents.forms import FormOptions, RenderedForm, record_print, render_form
from counter_app.documents.templates import FormKind
from counter_app.i18n import _
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import Actor
from ui.errors import show_error
from ui.fit import fit_to_screen
from ui.settings import PRINTER, UiSettings
from ui.style import set_chip
from ui.tasks import Op, TaskRunner

PAPERS = ("A5", "A4", "A4-landscape")
MAX_COPIES = 20
MAX_RENDER_DPI = 300  # sharp on paper; a 1200-dpi bitmap of A4 would take seconds


def print_pdf(pdf: bytes, printer: QPrinter, copies: int = 1) -> int:
    """Send every page of `pdf` to `printer` at its resolution; returns the pages printed.

    The printer's page size is set from the PDF, so an A5 receipt is not scaled onto A4.
    """
    document = QPdfDocument()
    buffer = QBuffer()
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    if document.status() != QPdfDocument.Status.Ready or document.pageCount() == 0:
        raise ValueError(_("Không đọc được tệp PDF."))
    first = document.pagePointSize(0)
    orientation = (
        QPageLayout.Orientation.Landscape
        if first.width() > first.height()
        else QPageLayout.Orientation.Portrait
    )
    portrait = QSizeF(min(first.width(), first.height()), max(first.width(), first.height()))
    printer.setPageLayout(
        QPageLayout(
            QPageSize(portrait, QPageSize.Unit.Point),
            orientation,
            QMarginsF(0, 0, 0, 0),
        )
    )
    printer.setFullPage(True)
    printer.setCopyCount(max(1, min(copies, MAX_COPIES)))
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError(_("Không mở được máy in."))
    try:
        for page in range(document.pageCount()):
            if page:
                printer.newPage()
            target = painter.viewport()
            points = document.pagePointSize(page)
            dpi = min(printer.resolution(), MAX_RENDER_DPI)
            size = QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72))
            painter.drawImage(target, document.render(page, size))
    finally:
        painter.end()
        document.close()
    return document.pageCount()


class PrintPreviewDialog(QDialog):
    """Preview marked "Nháp", printer, paper size and copies; Print records the print.

    Signals:
        printed(object): the `EventView` recorded on the dossier after a print.
        rendered(object): the draft `RenderedForm` each time the preview is (re)built.
    """

    printed = Signal(object)
    rendered = Signal(object)

    def __init__(
        self,
        ctx: AppContext,
        actor: Actor,
        kind: FormKind,
        code: str,
        options: FormOptions | None = None,
        parent: QWidget | None = None,
        *,
        runner: TaskRunner | None = None,
        offer_slip: bool = False,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.actor = actor
        self.kind = kind
        self.code = code
        self.options = options or FormOptions()
        self._runner = runner
        self.draft: RenderedForm | None = None
        self.setWindowTitle(_("Xem trước khi in — {code}").format(code=code))

        self.document = QPdfDocument(self)
        self._buffer = QBuffer(self)
        self.view = QPdfView(self)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setDocument(self.document)
        self.view.setAccessibleName(_("Bản xem trước (nháp)"))

        self.draft_label = QLabel(_("NHÁP — chưa in"), self)
        set_chip(self.draft_label, "warning")
        self.printer_box = QComboBox(self)
        self.printer_box.setAccessibleName(_("Máy in"))
        default = QPrinterInfo.defaultPrinterName()
        for info in QPrinterInfo.availablePrinters():
            self.printer_box.addItem(info.printerName())
        if default:
            self.printer_box.setCurrentText(default)
        chosen = UiSettings(ctx.data_dir).get(PRINTER)  # this counter's, from the first start
        if chosen and self.printer_box.findText(chosen) >= 0:
            self.printer_box.setCurrentText(chosen)
        self.paper_box = QComboBox(self)
        self.paper_box.setAccessibleName(_("Khổ giấy"))
        self.paper_box.addItem(_("Theo mẫu"), None)
        for paper in PAPERS:
            self.paper_box.addItem(paper, paper)
        if self.options.paper in PAPERS:
            self.paper_box.setCurrentIndex(PAPERS.index(self.options.paper) + 1)
        self.copies_box = QSpinBox(self)
        self.copies_box.setRange(1, MAX_COPIES)
        self.copies_box.setAccessibleName(_("Số bản"))
        self.slip_box = QCheckBox(_("In phiếu &80 mm (máy in nhiệt)"), self)
        self.slip_box.setToolTip(
            _("Phiếu ngắn cho người nộp; không thay Giấy tiếp nhận hồ sơ (Mẫu số 01).")
        )
        self.slip_box.setVisible(offer_slip)
        self.print_button = QPushButton(_("&In"), self)
        self.print_button.setDefault(True)
        self.print_button.setEnabled(False)
        self.close_button = QPushButton(_("Đó&ng"), self)
        self.message = QLabel(self)
        if self.printer_box.count() == 0:
            self.message.setText(_("Chưa cài máy in nào trên máy này."))

        form = QFormLayout()
        form.addRow(_("&Máy in:"), self.printer_box)
        form.addRow(_("&Khổ giấy:"), self.paper_box)
        form.addRow(_("&Số bản:"), self.copies_box)
        if offer_slip:
            form.addRow(self.slip_box)
        side = QVBoxLayout()
        side.addWidget(self.draft_label)
        side.addLayout(form)
        side.addWidget(self.message)
        side.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.close_button)
        side.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.addWidget(self.view, 3)
        layout.addLayout(side, 1)
        fit_to_screen(self, 900, 700)

        self.paper_box.currentIndexChanged.connect(self.refresh)
        self.slip_box.toggled.connect(self._slip_toggled)
        self.print_button.clicked.connect(self._print_clicked)
        self.close_button.clicked.connect(self.reject)
        self.refresh()

    def _slip_toggled(self, slip: bool) -> None:
        """Switch between form 01 and the 80 mm slip; the slip keeps its own paper."""
        self.kind = FormKind.SLIP if slip else FormKind.RECEIPT
        self.paper_box.blockSignals(True)
        self.paper_box.setCurrentIndex(0)
        self.paper_box.blockSignals(False)
        self.paper_box.setEnabled(not slip)
        self.refresh()

    def render_paper(self, options: FormOptions) -> RenderedForm:
        """The PDF to show or print; runs on the database worker (a subclass prints another
        paper of the dossier, e.g. the VietQR payment slip)."""
        return render_form(self.ctx, self.kind, self.code, options)

    def record(self, rendered: RenderedForm, copies: int, printer: str) -> Any:
        """Record a finished print on the dossier's history; runs on the database worker."""
        return record_print(self.ctx, rendered, self.actor, copies=copies, printer=printer)

    def current_options(self, *, draft: bool) -> FormOptions:
        if self.kind is FormKind.SLIP:  # the roll's width, whatever paper form 01 was given
            return replace(self.options, paper=None, draft=draft)
        paper = self.paper_box.currentData()
        return replace(self.options, paper=paper or self.options.paper, draft=draft)

    def refresh(self) -> None:
        """Rebuild the draft preview (after a change of paper)."""
        options = self.current_options(draft=True)
        self.print_button.setEnabled(False)
        Op(self, lambda: self.render_paper(options), runner=self._runner).on_success(
            self._show_draft
        ).start()

    def _show_draft(self, rendered: RenderedForm) -> None:
        self.draft = rendered
        self.document.close()
        self._buffer.close()
        self._buffer.setData(QByteArray(rendered.pdf))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)
        self.print_button.setEnabled(self.printer_box.count() > 0)
        self.rendered.emit(rendered)

    def _print_clicked(self) -> None:
        printer = QPrinter(QPrinterInfo.printerInfo(self.printer_box.currentText()))
        self.print_to(printer)

    def print_to(self, printer: QPrinter) -> None:
        """Render the final form (no draft mark), print it, then record the print."""
        options = self.current_options(draft=False)
        copies = self.copies_box.value()
        name = printer.printerName() or printer.outputFileName()
        self.print_button.setEnabled(False)

        def final() -> RenderedForm:
            return self.render_paper(options)

        def send(rendered: RenderedForm) -> None:
            try:
                print_pdf(rendered.pdf, printer, copies)
            except (OSError, ValueError) as exc:
                self.print_button.setEnabled(True)
                self.message.setText(_("Không in được: {error}").format(error=exc))
                return
            Op(
                self,
                lambda: self.record(rendered, copies, name),
                runner=self._runner,
            ).on_success(self._recorded).on_error(self._failed).start()

        Op(self, final, runner=self._runner).on_success(send).on_error(self._failed).start()

    def _recorded(self, event: Any) -> None:
        self.draft_label.setText(_("Đã in"))
        self.message.setText(_("Đã in và ghi nhận vào quá trình xử lý hồ sơ."))
        self.printed.emit(event)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.print_button.setEnabled(True)
        show_error(self, exc)
