"""The scan screen of one dossier: scan or import pages per checklist line and manage them.

The widget only wires signals; scanning, storing and page changes are services run
through the op helper (`ui.tasks.Op`), so the window never freezes and a scan can be
cancelled between pages. Pages appear as they are stored.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QHideEvent, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from counter_app.i18n import N_, _, ngettext
from counter_app.kernel.context import AppContext
from counter_app.kernel.dossier_store import get_dossier
from counter_app.kernel.users import Actor
from counter_app.scanning import pages as page_service
from counter_app.scanning.devices import (
    CancelToken,
    DeviceInfo,
    Registry,
    ScanRequest,
    Source,
    default_registry,
)
from counter_app.scanning.folder import scan_folder, take_from_folder
from counter_app.scanning.images import ColourMode, clean_page, thumbnail_png
from counter_app.scanning.pages import PageView
from ui.fit import elide_combo, flow_of
from ui.settings import SCANNER, UiSettings
from ui.tasks import Op, TaskRunner, default_runner

THUMBNAIL_SIDE = 160
MODE_LABELS = {
    ColourMode.BW: N_("Đen trắng (văn bản)"),
    ColourMode.GRAY: N_("Thang xám"),
    ColourMode.COLOR: N_("Màu"),
}


class ScanView(QWidget):
    """Pages of one dossier, per checklist line, with scan / import / page actions.

    Signals:
        pages_changed(str): the dossier code, after any stored change to its pages.
    """

    pages_changed = Signal(str)

    def __init__(
        self,
        ctx: AppContext,
        actor: Actor,
        code: str,
        *,
        registry_factory: Callable[[], Registry] = default_registry,
        runner: TaskRunner | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._ctx, self._actor, self._code = ctx, actor, code
        self._registry_factory = registry_factory
        self._runner = runner
        self._cancel: CancelToken | None = None
        self._folder_notices: deque[str] = deque()
        self._folder_taken = 0
        self._pages: list[PageView] = []

        self.device = QComboBox()
        self.device.setAccessibleName(_("Máy quét"))
        self.document = QComboBox()
        self.document.setAccessibleName(_("Thành phần hồ sơ"))
        self.mode = QComboBox()
        self.mode.setAccessibleName(_("Chế độ màu"))
        for mode, label in MODE_LABELS.items():
            self.mode.addItem(_(label), mode)
        self.source = QComboBox()
        self.source.setAccessibleName(_("Nguồn giấy"))
        self.source.addItem(_("Mặt kính"), Source.FLATBED)
        self.source.addItem(_("Khay nạp giấy"), Source.FEEDER)
        self.source.addItem(_("Khay nạp, hai mặt"), Source.DUPLEX)
        self.dpi = QSpinBox(minimum=100, maximum=600, singleStep=50, value=300, suffix=" dpi")
        self.count = QSpinBox(minimum=1, maximum=200, value=1, prefix=_("Số trang: "))
        self.scan_button = QPushButton(_("&Quét"))
        self.cancel_button = QPushButton(_("&Hủy quét"))
        self.cancel_button.setEnabled(False)
        self.import_button = QPushButton(_("&Nhập tệp…"))
        self.folder_button = QPushButton(_("Lấy từ thư &mục quét"))
        self.folder_button.setToolTip(
            _("Theo dõi thư mục máy quét lưu tệp vào (đặt trong Cài đặt) cho đến khi hủy")
        )
        self.export_button = QPushButton(_("Xuất &PDF…"))
        self.export_button.setToolTip(_("Ghi tất cả các trang của hồ sơ vào một tệp PDF"))
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.status = QLabel()

        self.pages = QListWidget()
        self.pages.setAccessibleName(_("Các trang đã quét"))
        self.pages.setViewMode(QListWidget.ViewMode.IconMode)
        self.pages.setIconSize(QSize(THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        self.pages.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.pages.setMovement(QListWidget.Movement.Static)
        # A fixed cell: thumbnails arrive after their labels and would overlap otherwise.
        self.pages.setGridSize(QSize(THUMBNAIL_SIDE + 24, THUMBNAIL_SIDE + 40))

        self.rotate_button = QPushButton(_("&Xoay phải"))
        self.earlier_button = QPushButton(_("Lên &trước"))
        self.later_button = QPushButton(_("Xuống &sau"))
        self.delete_button = QPushButton(_("&Xóa trang"))
        self.replace_button = QPushButton(_("Quét &lại trang này"))
        self.insert_button = QPushButton(_("Quét &chèn trước"))
        self.move_target = QComboBox()
        self.move_target.setAccessibleName(_("Chuyển sang thành phần"))
        self.move_button = QPushButton(_("&Chuyển sang"))

        # Rows that wrap onto a second line on a narrow screen or at a large text size
        # (the page buttons alone set the window wider than 1280 pixels at 13 pt).
        elide_combo(self.device, 20)  # the whole name in the list and in the tooltip
        settings = flow_of(self.device, self.source, self.mode, self.dpi, self.count, justify=True)
        actions = flow_of(
            self.scan_button,
            self.cancel_button,
            self.import_button,
            self.folder_button,
            self.export_button,
            self.progress,
            justify=True,
        )
        elide_combo(self.move_target, 28)  # enough of the document name to tell
        elide_combo(self.document, 30)
        page_actions = flow_of(
            self.rotate_button,
            self.earlier_button,
            self.later_button,
            self.delete_button,
            self.replace_button,
            self.insert_button,
            self.move_target,
            self.move_button,
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.document)
        layout.addLayout(settings)
        layout.addLayout(actions)
        layout.addWidget(self.pages, 1)
        layout.addLayout(page_actions)
        layout.addWidget(self.status)

        self.document.currentIndexChanged.connect(self._show_pages)
        self.scan_button.clicked.connect(lambda: self.scan())
        self.cancel_button.clicked.connect(self.cancel)
        self.import_button.clicked.connect(self._choose_files)
        self.folder_button.clicked.connect(self.watch_folder)
        self.export_button.clicked.connect(self._choose_export_file)
        self.rotate_button.clicked.connect(
            lambda: self._page_action(lambda p: page_service.rotate_page(ctx, p.id, actor, 90))
        )
        self.delete_button.clicked.connect(
            lambda: self._page_action(lambda p: page_service.delete_page(ctx, p.id, actor))
        )
        self.earlier_button.clicked.connect(lambda: self._shift(-1))
        self.later_button.clicked.connect(lambda: self._shift(+1))
        self.move_button.clicked.connect(self._move_to_other)
        self.replace_button.clicked.connect(self._rescan_selected)
        self.insert_button.clicked.connect(self._insert_before_selected)
        self.pages.currentRowChanged.connect(self._update_buttons)
        self.reload()
        self.refresh_devices()

    # --- loading -----------------------------------------------------------------------

    def _op(self, func: Callable[..., Any], *, db: bool = True) -> Op[Any]:
        return Op(self, func, db=db, runner=self._runner)

    def refresh_devices(self) -> None:
        self._op(lambda: self._registry_factory().devices(), db=False).on_success(
            self._set_devices
        ).on_error(lambda exc: self.status.setText(str(exc))).start()

    def _set_devices(self, devices: list[DeviceInfo]) -> None:
        self.device.clear()
        for info in devices:
            self.device.addItem(f"{info.model or info.name} ({info.name})", info.name)
        chosen = self.device.findData(UiSettings(self._ctx.data_dir).get(SCANNER))
        if chosen >= 0:  # this counter's scanner, from the first start
            self.device.setCurrentIndex(chosen)
        if not devices:
            self.status.setText(_("Không tìm thấy máy quét nào; có thể nhập tệp ảnh hoặc PDF."))
        self._update_buttons()

    def reload(self) -> None:
        """Read the checklist and the pages again (after any change)."""
        ctx, code = self._ctx, self._code

        def load() -> tuple[Any, list[PageView]]:
            return get_dossier(ctx, code), page_service.list_pages(ctx, code)

        self._op(load).on_success(self._loaded).start()

    def _loaded(self, loaded: tuple[Any, list[PageView]]) -> None:
        dossier, pages = loaded
        self._pages = pages
        chosen = self.document.currentData()
        for combo in (self.document, self.move_target):
            combo.blockSignals(True)
            combo.clear()
            for number, line in enumerate(dossier.documents, start=1):
                mark = "✓ " if line.digitised else ""
                combo.addItem(f"{mark}{number}. {line.name}", number)
            combo.blockSignals(False)
        index = self.document.findData(chosen) if chosen is not None else 0
        self.document.setCurrentIndex(max(0, index))
        self._show_pages()

    def _current_document(self) -> int | None:
        value = self.document.currentData()
        return int(value) if value is not None else None

    def _show_pages(self) -> None:
        document = self._current_document()
        shown = [p for p in self._pages if p.document == document and not p.is_result]
        self.pages.clear()
        for page in shown:
            label = _("Trang {n}").format(n=page.position)
            if page.blank:
                label += " — " + _("trang trắng")
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, page)
            self.pages.addItem(item)
            self._load_thumbnail(page)
        self._update_buttons()

    def _load_thumbnail(self, page: PageView) -> None:
        ctx = self._ctx

        def render() -> bytes:
            return thumbnail_png(
                page_service.read_page_file(ctx, page.sha256), THUMBNAIL_SIDE, page.rotation
            )

        def show(png: bytes) -> None:
            # The list may have been rebuilt meanwhile: find the page's current item.
            for row in range(self.pages.count()):
                current = self.pages.item(row)
                shown = current.data(Qt.ItemDataRole.UserRole)
                if shown.id == page.id and shown.sha256 == page.sha256:
                    image = QImage()
                    image.loadFromData(png, "PNG")  # what QImage.fromData does
                    current.setIcon(QIcon(QPixmap.fromImage(image)))

        self._op(render, db=False).on_success(show).on_error(lambda exc: None).start()

    def selected_page(self) -> PageView | None:
        item = self.pages.currentItem()
        if item is None:
            return None
        page: PageView = item.data(Qt.ItemDataRole.UserRole)
        return page

    def _update_buttons(self) -> None:
        busy = self._cancel is not None
        has_page = self.selected_page() is not None
        self.scan_button.setEnabled(not busy and self.device.count() > 0)
        self.import_button.setEnabled(not busy)
        self.folder_button.setEnabled(not busy)
        self.export_button.setEnabled(not busy and bool(self._pages))
        self.cancel_button.setEnabled(busy)
        for button in (
            self.rotate_button,
            self.earlier_button,
            self.later_button,
            self.delete_button,
            self.move_button,
            self.replace_button,
            self.insert_button,
        ):
            button.setEnabled(has_page and not busy)
        self.replace_button.setEnabled(has_page and not busy and self.device.count() > 0)
        self.insert_button.setEnabled(has_page and not busy and self.device.count() > 0)

    # --- scanning ----------------------------------------------------------------------

    def scan(self, *, insert_at: int | None = None, replace: PageView | None = None) -> None:
        """Scan with the chosen settings into the chosen checklist line."""
        device = self.device.currentData()
        if device is None:
            return
        ctx, actor, code = self._ctx, self._actor, self._code
        document = self._current_document()
        pages = 1 if replace is not None else self.count.value()
        request = ScanRequest(
            dpi=self.dpi.value(),
            mode=self.mode.currentData(),
            source=self.source.currentData(),
            pages=pages,
        )
        cancel = self._cancel = CancelToken()
        registry_factory = self._registry_factory

        def work(progress: Callable[[int, int], None]) -> int:
            scanner = registry_factory().open(device)
            try:
                if replace is not None:
                    image = next(iter(scanner.scan(request, cancel)))

                    page = clean_page(image, request.mode, dpi=request.dpi)
                    page_service.replace_page(ctx, replace.id, page, actor)
                    progress(1, 1)
                    return 1
                stored = page_service.scan_to_dossier(
                    ctx,
                    scanner,
                    code,
                    request,
                    actor,
                    document=document,
                    cancel=cancel,
                    progress=lambda done, total: progress(done, total or 0),
                )
            finally:
                scanner.close()
            if insert_at is not None:
                for offset, view in enumerate(stored):
                    page_service.move_page(
                        ctx, view.id, actor, document=document, position=insert_at + offset
                    )
            return len(stored)

        self.progress.setRange(0, pages)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.status.setText(_("Đang quét…"))
        self._update_buttons()
        (
            self._op(work)
            .with_progress(self._progressed)
            .on_success(self._scan_done)
            .on_error(self._scan_failed)
            .start()
        )

    def watch_folder(self) -> None:
        """Take the files arriving in the office's scan folder into the chosen checklist line.

        Runs on the parallel pool until cancelled or the view is hidden; each file's pages
        are stored through the database thread as it arrives.
        """
        ctx, actor, code, document = self._ctx, self._actor, self._code, self._current_document()
        runner = self._runner or default_runner()
        cancel = self._cancel = CancelToken()
        self.destroyed.connect(cancel.cancel)  # a closed window stops watching
        notices = self._folder_notices = deque[str]()
        taken = [0]

        def work(progress: Callable[[int, int], None]) -> int:
            def stored(done: int, _expected: int | None) -> None:
                taken[0] = done
                progress(done, 0)

            def rejected(name: str, reason: str) -> None:
                notices.append(
                    _("Tệp {name} bị từ chối: {reason}").format(name=name, reason=reason)
                )
                progress(taken[0], 0)

            result = take_from_folder(
                ctx,
                scan_folder(ctx),  # checked here: a network folder may be slow to answer
                code,
                actor,
                document=document,
                keep_watching=True,
                cancel=cancel,
                progress=stored,
                on_reject=rejected,
                run_db=runner.call_db,
            )
            return len(result.pages)

        self._folder_taken = 0
        self.progress.setRange(0, 0)  # busy: the number of pages is not known
        self.progress.setVisible(True)
        self.status.setText(_("Đang theo dõi thư mục quét…"))
        self._update_buttons()
        (
            self._op(work, db=False)
            .with_progress(self._folder_progressed)
            .on_success(self._folder_done)
            .on_error(self._scan_failed)
            .start()
        )

    def _folder_progressed(self, done: int, _total: int) -> None:
        message = _("Đang theo dõi thư mục quét: đã lấy {count} trang.").format(count=done)
        if self._folder_notices:
            message += " " + self._folder_notices.popleft()
        self.status.setText(message)
        if done != self._folder_taken:
            self._folder_taken = done
            self.reload()
            self.pages_changed.emit(self._code)

    def _folder_done(self, count: int) -> None:
        self._finish(
            ngettext(
                "Đã lấy {count} trang từ thư mục quét.",
                "Đã lấy {count} trang từ thư mục quét.",
                count,
            ).format(count=count)
        )

    def hideEvent(self, event: QHideEvent) -> None:
        if self._cancel is not None:
            self._cancel.cancel()  # the folder is watched only while the view is open
        super().hideEvent(event)

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.cancel()
            self.status.setText(_("Đang dừng sau trang hiện tại…"))

    def _progressed(self, done: int, total: int) -> None:
        if total:
            self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.status.setText(_("Đã lưu trang {done}").format(done=done))
        self.reload()  # pages appear as they are stored

    def _finish(self, message: str) -> None:
        self._cancel = None
        self.progress.setVisible(False)
        self.status.setText(message)
        self._update_buttons()
        self.reload()
        self.pages_changed.emit(self._code)

    def _scan_done(self, count: int) -> None:
        self._finish(
            ngettext("Đã quét {count} trang.", "Đã quét {count} trang.", count).format(count=count)
        )

    def _scan_failed(self, exc: BaseException) -> None:
        self._finish(str(exc))  # pages stored before the failure stay and are shown

    # --- files and page actions ---------------------------------------------------------

    def _choose_files(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(
            self,
            _("Chọn tệp ảnh hoặc PDF"),
            "",
            _("Ảnh và PDF (*.jpg *.jpeg *.png *.tif *.tiff *.pdf)"),
        )
        if names:
            self.import_files([Path(name) for name in names])

    def import_files(self, paths: list[Path]) -> None:
        ctx, actor, code, document = self._ctx, self._actor, self._code, self._current_document()
        self._op(
            lambda: page_service.import_files(ctx, code, paths, actor, document=document)
        ).on_success(
            lambda views: self._finish(
                ngettext("Đã nhập {count} trang.", "Đã nhập {count} trang.", len(views)).format(
                    count=len(views)
                )
            )
        ).on_error(lambda exc: self.status.setText(str(exc))).start()

    def _choose_export_file(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(
            self, _("Xuất các trang của hồ sơ ra PDF"), f"{self._code}.pdf", _("PDF (*.pdf)")
        )
        if name:
            self.export_pages(Path(name))

    def export_pages(self, target: Path) -> None:
        """Write every page of the dossier to `target` off the GUI thread; cancellable."""
        if target.suffix.lower() != ".pdf":
            target = target.with_name(target.name + ".pdf")
        ctx, code = self._ctx, self._code
        cancel = self._cancel = CancelToken()

        def work(progress: Callable[[int, int], None]) -> int:
            return page_service.export_pdf(
                ctx, code, target, cancel=cancel, progress=lambda d, t: progress(d, t or 0)
            )

        def done(count: int) -> None:
            self._export_ended(
                ngettext(
                    "Đã xuất {count} trang vào {path}.", "Đã xuất {count} trang vào {path}.", count
                ).format(count=count, path=target)
            )

        self.progress.setRange(0, max(1, len(self._pages)))
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.status.setText(_("Đang xuất PDF…"))
        self._update_buttons()
        (
            self._op(work)
            .with_progress(self._export_progressed)
            .on_success(done)
            .on_error(lambda exc: self._export_ended(str(exc)))
            .start()
        )

    def _export_progressed(self, done: int, total: int) -> None:
        if total:
            self.progress.setRange(0, total)
        self.progress.setValue(done)

    def _export_ended(self, message: str) -> None:
        self._cancel = None  # the pages did not change: no reload
        self.progress.setVisible(False)
        self.status.setText(message)
        self._update_buttons()

    def _page_action(self, action: Callable[[PageView], Any]) -> None:
        page = self.selected_page()
        if page is None:
            return
        self._op(lambda: action(page)).on_success(lambda _result: self._finish("")).on_error(
            lambda exc: self.status.setText(str(exc))
        ).start()

    def _shift(self, step: int) -> None:
        ctx, actor = self._ctx, self._actor
        self._page_action(
            lambda p: page_service.move_page(
                ctx, p.id, actor, document=p.document, position=max(1, p.position + step)
            )
        )

    def _move_to_other(self) -> None:
        ctx, actor, target = self._ctx, self._actor, self.move_target.currentData()
        self._page_action(
            lambda p: page_service.move_page(ctx, p.id, actor, document=target, position=10_000)
        )

    def _rescan_selected(self) -> None:
        page = self.selected_page()
        if page is not None:
            self.scan(replace=page)

    def _insert_before_selected(self) -> None:
        page = self.selected_page()
        if page is not None:
            self.scan(insert_at=page.position)
