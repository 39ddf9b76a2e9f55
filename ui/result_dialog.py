"""Attach the electronic result of a resolved dossier: scan it or pick its file(s).

Offered by the detail view right after "Có kết quả"; the pages go through
`scanning.pages.attach_result` / `import_files(is_result=True)`, so the digitisation
indicators count them. Scanner and database work run through `ui.tasks.Op`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.errors import CounterError
from counter_app.i18n import _
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import Actor
from counter_app.scanning import pages as page_service
from counter_app.scanning.devices import (
    CancelToken,
    DeviceInfo,
    Registry,
    ScanRequest,
    default_registry,
)
from counter_app.scanning.images import ColourMode, clean_page
from counter_app.scanning.pages import PageView
from ui.bus import Changes, bus
from ui.errors import show_error
from ui.tasks import Op, TaskRunner

RESULT_SCAN_DPI = 300


def scan_result(
    ctx: AppContext, actor: Actor, code: str, registry: Registry, device: str
) -> list[PageView]:
    """Scan the result pages from `device` (the feeder takes them all) and attach them."""
    scanner = registry.open(device)
    try:
        request = ScanRequest(dpi=RESULT_SCAN_DPI, mode=ColourMode.BW)
        images = list(scanner.scan(request, CancelToken()))
    finally:
        scanner.close()
    pages = [clean_page(image, request.mode, dpi=request.dpi) for image in images]
    return page_service.attach_result(ctx, code, pages, actor)


class ResultDialog(QDialog):
    """Signals:
    attached(int): how many result pages were stored.
    """

    attached = Signal(int)

    def __init__(
        self,
        ctx: AppContext,
        actor: Actor,
        code: str,
        parent: QWidget | None = None,
        *,
        registry_factory: Callable[[], Registry] = default_registry,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx, self.actor, self.code = ctx, actor, code
        self._registry_factory = registry_factory
        self._runner = runner
        self.setWindowTitle(_("Đính kèm kết quả điện tử"))
        self.setMinimumWidth(560)  # the wrapped introduction needs room to show whole
        intro = QLabel(
            _(
                "Hồ sơ {code} đã có kết quả. Đính kèm bản điện tử của kết quả (quét hoặc chọn "
                "tệp) để hồ sơ được tính là đã số hóa kết quả."
            ).format(code=code)
        )
        intro.setWordWrap(True)
        self.device = QComboBox()
        self.device.setAccessibleName(_("Máy quét"))
        # The whole scanner name ("Máy quét văn phòng (demo:0)" was cut).
        self.device.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.scan_button = QPushButton(_("&Quét kết quả"))
        self.scan_button.setEnabled(False)
        self.file_button = QPushButton(_("Chọn &tệp…"))
        self.later_button = QPushButton(_("Để &sau"))
        self.status = QLabel()
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        for widget in (self.device, self.scan_button, self.file_button, self.later_button):
            row.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.status)
        self.scan_button.clicked.connect(self.scan)
        self.file_button.clicked.connect(self.choose_files)
        self.later_button.clicked.connect(self.reject)
        self.file_button.setFocus()
        Op(self, lambda: registry_factory().devices(), db=False, runner=runner).on_success(
            self._set_devices
        ).on_error(lambda _exc: self._set_devices([])).start()

    def _set_devices(self, devices: list[DeviceInfo]) -> None:
        self.device.clear()
        for info in devices:
            self.device.addItem(info.model or info.name, info.name)
        # The layout may squeeze a combo below its hint (a larger text size): hold the name
        # whole and let the dialog grow to it.
        self.device.setMinimumWidth(self.device.sizeHint().width())
        self.adjustSize()
        self.scan_button.setEnabled(bool(devices))
        if not devices:
            self.status.setText(_("Không tìm thấy máy quét nào; có thể chọn tệp ảnh hoặc PDF."))

    def scan(self) -> None:
        device = self.device.currentData()
        if device is None:
            return
        ctx, actor, code, factory = self.ctx, self.actor, self.code, self._registry_factory
        self._run(lambda: scan_result(ctx, actor, code, factory(), str(device)))

    def choose_files(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(
            self,
            _("Chọn tệp kết quả"),
            "",
            _("Ảnh và PDF (*.jpg *.jpeg *.png *.tif *.tiff *.pdf)"),
        )
        if names:
            self.attach_files([Path(name) for name in names])

    def attach_files(self, paths: list[Path]) -> None:
        ctx, actor, code = self.ctx, self.actor, self.code
        self._run(lambda: page_service.import_files(ctx, code, paths, actor, is_result=True))

    def _run(self, work: Callable[[], list[PageView]]) -> None:
        self.status.setText(_("Đang lưu kết quả…"))
        for button in (self.scan_button, self.file_button):
            button.setEnabled(False)
        Op(self, work, runner=self._runner).on_success(self._done).on_error(self._failed).start()

    def _done(self, views: list[PageView]) -> None:
        bus().changes_applied.emit(Changes(dossiers=(self.code,), counts=False), self)
        bus().info(
            _("Đã đính kèm {n} trang kết quả vào hồ sơ {code}.").format(
                n=len(views), code=self.code
            )
        )
        self.attached.emit(len(views))
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.file_button.setEnabled(True)
        self.scan_button.setEnabled(self.device.count() > 0)
        if isinstance(exc, CounterError):
            self.status.setText(exc.message)
        else:
            self.status.clear()
            show_error(self, exc)
