"""Cài đặt lần đầu: what the GUI shows when it opens a data directory with no office.

Four steps, each written through the services the command line uses: the office (one of
the shipped administrative units, found by typing with or without accents, and its
electronic ID: `kernel.office`, as `office set`), the first administrator
(`kernel.users.add_user`, as `user add`), this machine's printer and scanner (the GUI's
settings), and the registration with the province (`sync.service.enroll`, as `enroll`),
which may wait for later. "Dữ liệu mẫu" instead fills the directory with the demo
(`demo.generator`, as `demo`) and opens it.

Database work runs on the database thread, the network and the scanner search on the
parallel pool (ui/tasks.py); the wizard stays responsive meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinterInfo
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from counter_app.demo.generator import DemoOptions, generate_demo
from counter_app.domain.lifecycle import Role
from counter_app.domain.units import AdministrativeUnit, load_units, search_units
from counter_app.errors import CounterError
from counter_app.i18n import _
from counter_app.kernel.context import AppContext
from counter_app.kernel.office import configure_office, office_for
from counter_app.kernel.users import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, Actor, add_user
from counter_app.scanning.devices import DeviceInfo, Registry, default_registry
from ui.enrol_form import EnrolForm
from ui.errors import show_error
from ui.fit import elide_combo, fit_to_screen
from ui.settings import PRINTER, SCANNER, UiSettings
from ui.tasks import Op, TaskRunner

OFFICE_PAGE, ADMIN_PAGE, DEVICES_PAGE, PROVINCE_PAGE = range(4)


def _problem(label: QLabel, exc: BaseException) -> None:
    """An expected failure in the page's own line; a bug in the error dialog."""
    if isinstance(exc, CounterError):
        label.setText("⚠ " + exc.message)
    else:
        label.setText("")
        show_error(label, exc)


class OfficePage(QWizardPage):
    """The administrative unit and its electronic ID; or the demo instead."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle(_("Đơn vị tiếp nhận"))
        self.setSubTitle(_("Chọn xã, phường hoặc đặc khu của đơn vị; gõ vài chữ để tìm."))
        self.units = load_units()
        self.search = QLineEdit()
        self.search.setAccessibleName(_("Tìm đơn vị"))
        self.search.setPlaceholderText(_("Ví dụ: bac nha trang"))
        self.unit_list = QListWidget()
        self.unit_list.setAccessibleName(_("Đơn vị hành chính"))
        self.unit_list.setMinimumHeight(90)
        self.electronic_id = QLineEdit()
        self.electronic_id.setAccessibleName(_("Mã định danh điện tử của đơn vị"))
        self.electronic_id.setMaxLength(40)
        self.message = QLabel(wordWrap=True)
        self.search.textChanged.connect(self.show_units)
        self.unit_list.currentRowChanged.connect(lambda _row: self.completeChanged.emit())
        self.electronic_id.textChanged.connect(lambda _text: self.completeChanged.emit())

        self.demo_button = QPushButton(_("Dữ liệu &mẫu"))
        self.demo_button.setToolTip(_("Tạo dữ liệu mẫu để tập dùng, rồi mở ngay"))
        self.demo_progress = QProgressBar()
        self.demo_progress.setVisible(False)
        self.demo_label = QLabel(
            _("Chỉ muốn xem thử? Tạo dữ liệu mẫu (không gửi lên tỉnh) thay cho các bước này."),
            wordWrap=True,
        )
        self.demo_button.clicked.connect(wizard.make_demo)
        demo_box = QGroupBox(_("Xem thử"))
        demo_row = QHBoxLayout()
        demo_row.addWidget(self.demo_button)
        demo_row.addWidget(self.demo_progress, 1)
        demo_layout = QVBoxLayout(demo_box)
        demo_layout.addWidget(self.demo_label)
        demo_layout.addLayout(demo_row)

        form = QFormLayout()
        form.addRow(_("&Tìm:"), self.search)
        form.addRow(self.unit_list)
        form.addRow(_("Mã định danh điện tử:"), self.electronic_id)
        note = QLabel(
            _("Mã do tỉnh cấp cho đơn vị, đứng đầu mã của mọi hồ sơ; chỉ gồm chữ, số và dấu chấm."),
            wordWrap=True,
        )
        layout = QVBoxLayout(self)
        layout.addLayout(form, 1)
        layout.addWidget(note)
        layout.addWidget(self.message)
        layout.addWidget(demo_box)
        self.show_units("")

    def show_units(self, text: str) -> None:
        chosen = self.chosen()
        self.unit_list.clear()
        for unit in search_units(self.units, text):
            item = QListWidgetItem(f"{unit.name} ({unit.code})")
            item.setData(Qt.ItemDataRole.UserRole, unit.code)
            self.unit_list.addItem(item)
            if chosen is not None and unit.code == chosen.code:
                self.unit_list.setCurrentItem(item)
        if self.unit_list.count() == 1:
            self.unit_list.setCurrentRow(0)
        if not self.unit_list.count():
            self.message.setText(_("Không có đơn vị nào khớp “{text}”.").format(text=text))
        else:
            self.message.setText("")
        self.completeChanged.emit()

    def chosen(self) -> AdministrativeUnit | None:
        item = self.unit_list.currentItem()
        if item is None:
            return None
        code = item.data(Qt.ItemDataRole.UserRole)
        return next((unit for unit in self.units if unit.code == code), None)

    def isComplete(self) -> bool:
        wizard = self._wizard
        if wizard.busy or wizard.demo_summary is not None:
            return False
        return self.chosen() is not None and bool(self.electronic_id.text().strip())

    def validatePage(self) -> bool:
        unit = self.chosen()
        if unit is None:
            return False
        try:
            office = office_for(unit, self.electronic_id.text())
            self._wizard.ctx.config = configure_office(self._wizard.ctx.data_dir, office)
        except CounterError as exc:
            _problem(self.message, exc)
            return False
        self.demo_button.setEnabled(False)  # the office is this one now, not the demo's
        return True


class AdminPage(QWizardPage):
    """The first administrator: login, full name, the password typed twice."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle(_("Quản trị viên đầu tiên"))
        self.setSubTitle(_("Người này thêm tài khoản cho cán bộ và sửa cài đặt của đơn vị."))
        self.login = QLineEdit()
        self.login.setAccessibleName(_("Tên đăng nhập"))
        self.login.setMaxLength(64)
        self.login.setPlaceholderText(_("chữ thường không dấu, số, . _ -"))
        self.name = QLineEdit()
        self.name.setAccessibleName(_("Họ tên"))
        self.name.setMaxLength(200)
        self.password = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(_("Mật khẩu"))
        self.password.setMaxLength(MAX_PASSWORD_LENGTH)
        self.password.setPlaceholderText(_("ít nhất {n} ký tự").format(n=MIN_PASSWORD_LENGTH))
        self.again = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.again.setAccessibleName(_("Nhập lại mật khẩu"))
        self.again.setMaxLength(MAX_PASSWORD_LENGTH)
        self.message = QLabel(wordWrap=True)
        form = QFormLayout(self)
        form.addRow(_("Tên đăng nhập:"), self.login)
        form.addRow(_("Họ tên:"), self.name)
        form.addRow(_("Mật khẩu:"), self.password)
        form.addRow(_("Nhập lại mật khẩu:"), self.again)
        form.addRow(self.message)
        for field in (self.login, self.password, self.again):
            field.textChanged.connect(lambda _text: self.completeChanged.emit())

    def isComplete(self) -> bool:
        if self._wizard.admin is not None:
            return True
        filled = all(f.text() for f in (self.login, self.password, self.again))
        return filled and not self._wizard.busy

    def validatePage(self) -> bool:
        if self._wizard.admin is not None:
            return True
        if self.password.text() != self.again.text():
            self.message.setText("⚠ " + _("Hai lần nhập mật khẩu không giống nhau."))
            self.again.setFocus()
            return False
        ctx, wizard = self._wizard.ctx, self._wizard
        login, password, name = self.login.text(), self.password.text(), self.name.text()
        wizard.set_busy(True)
        self.message.setText(_("Đang tạo tài khoản…"))

        def made(actor: Actor) -> None:
            wizard.set_busy(False)
            wizard.admin = actor
            self.message.setText("")
            for field in (self.login, self.name, self.password, self.again):
                field.setEnabled(False)
            wizard.next()

        def failed(exc: BaseException) -> None:
            wizard.set_busy(False)
            _problem(self.message, exc)

        # Hashing the password (argon2) takes a moment: on the database thread, as all
        # writes are.
        Op(self, lambda: add_user(ctx, login, password, Role.ADMIN, name), runner=wizard.runner)\
            .on_success(made).on_error(failed).start()  # fmt: skip
        return False


class DevicesPage(QWizardPage):
    """This machine's printer and scanner; the scanner search may be skipped."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle(_("Máy in và máy quét"))
        self.setSubTitle(
            _("Chọn máy in phiếu và máy quét hồ sơ của máy này; đổi lại được khi in, khi quét.")
        )
        self.printer = elide_combo(QComboBox(), 24)
        self.printer.setAccessibleName(_("Máy in"))
        self.scanner = elide_combo(QComboBox(), 24)
        self.scanner.setAccessibleName(_("Máy quét"))
        self.scanner.addItem(_("Chưa chọn (chọn khi quét)"), "")
        self.scan_status = QLabel(_("Đang tìm máy quét…"), wordWrap=True)
        self.skip_button = QPushButton(_("&Bỏ qua"))
        self.skip_button.setToolTip(_("Không chờ tìm máy quét; chọn khi quét hồ sơ"))
        self.skip_button.clicked.connect(self.skip_scanners)
        self.searching = False
        scan_row = QHBoxLayout()
        scan_row.addWidget(self.scanner, 1)
        scan_row.addWidget(self.skip_button)
        form = QFormLayout(self)
        form.addRow(_("Máy in:"), self.printer)
        form.addRow(_("Máy quét:"), scan_row)
        form.addRow(self.scan_status)

    def initializePage(self) -> None:
        self.printer.clear()
        default = QPrinterInfo.defaultPrinterName()
        names = self._wizard.printers()
        for name in names:
            self.printer.addItem(name, name)
        if not names:
            self.printer.addItem(_("Chưa cài máy in nào trên máy này"), "")
        elif default in names:
            self.printer.setCurrentIndex(names.index(default))
        self.find_scanners()

    def find_scanners(self) -> None:
        self.searching = True
        self.skip_button.setEnabled(True)
        factory = self._wizard.registry_factory
        Op(self, lambda: factory().devices(), db=False, runner=self._wizard.runner).on_success(
            self._found
        ).on_error(self._not_found).start()

    def _found(self, devices: list[DeviceInfo]) -> None:
        if not self.searching:
            return  # skipped meanwhile
        self.searching = False
        self.skip_button.setEnabled(False)
        for info in devices:
            self.scanner.addItem(f"{info.model or info.name} ({info.name})", info.name)
        if devices:
            self.scanner.setCurrentIndex(1)
            self.scan_status.setText(_("Tìm thấy {n} máy quét.").format(n=len(devices)))
        else:
            self.scan_status.setText(
                _("Không tìm thấy máy quét nào; có thể nhập tệp ảnh hoặc PDF khi tiếp nhận.")
            )

    def _not_found(self, exc: BaseException) -> None:
        self.searching = False
        self.skip_button.setEnabled(False)
        message = exc.message if isinstance(exc, CounterError) else type(exc).__name__
        self.scan_status.setText(
            _("Không tìm được máy quét ({error}); chọn khi quét hồ sơ.").format(error=message)
        )

    def skip_scanners(self) -> None:
        self.searching = False
        self.skip_button.setEnabled(False)
        self.scanner.setCurrentIndex(0)
        self.scan_status.setText(_("Đã bỏ qua; chọn máy quét khi quét hồ sơ."))

    def validatePage(self) -> bool:
        settings = UiSettings(self._wizard.ctx.data_dir)
        settings.set(PRINTER, str(self.printer.currentData() or ""))
        settings.set(SCANNER, str(self.scanner.currentData() or ""))
        return True


class ProvincePage(QWizardPage):
    """Đăng ký máy với tỉnh, now or later."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self.setTitle(_("Đăng ký máy với tỉnh"))
        self.setSubTitle(
            _(
                "Hồ sơ được gửi lên máy chủ của tỉnh sau khi máy đăng ký. Chưa có địa chỉ và "
                "mã? Bấm “Để sau”: đăng ký sau ở trang “Gửi lên tỉnh”."
            )
        )
        self.form = EnrolForm(wizard.ctx, runner=wizard.runner)
        self.form.enrolled.connect(lambda _device: self._enrolled(wizard))
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addStretch(1)

    def _enrolled(self, wizard: SetupWizard) -> None:
        wizard.setButtonText(QWizard.WizardButton.FinishButton, _("&Xong"))


class SetupWizard(QWizard):
    """After `exec()`: `outcome` is "setup" or "demo"; `admin` the administrator made
    here (signed in at once), None when the directory already had users or for the demo.
    """

    def __init__(
        self,
        ctx: AppContext,
        *,
        has_users: bool = False,
        parent: QWidget | None = None,
        runner: TaskRunner | None = None,
        registry_factory: Callable[[], Registry] = default_registry,
        printers: Callable[[], list[str]] | None = None,
        demo_options: DemoOptions | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("setup_wizard")
        self.ctx = ctx
        self.runner = runner
        self.registry_factory = registry_factory
        self.printers = printers or (
            lambda: [info.printerName() for info in QPrinterInfo.availablePrinters()]
        )
        self.demo_options = demo_options or DemoOptions()
        self.admin: Actor | None = None
        self.outcome = "setup"
        self.demo_summary: dict[str, Any] | None = None
        self.busy = False
        self.setWindowTitle(_("Quầy Một Cửa — Cài đặt lần đầu"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setButtonText(QWizard.WizardButton.NextButton, _("&Tiếp"))
        self.setButtonText(QWizard.WizardButton.BackButton, _("&Quay lại"))
        self.setButtonText(QWizard.WizardButton.CancelButton, _("Thoát"))
        self.setButtonText(QWizard.WizardButton.FinishButton, _("Để &sau"))
        self.office_page = OfficePage(self)
        self.admin_page = AdminPage(self)
        self.devices_page = DevicesPage(self)
        self.province_page = ProvincePage(self)
        self.setPage(OFFICE_PAGE, self.office_page)
        if not has_users:
            self.setPage(ADMIN_PAGE, self.admin_page)
        else:  # not a step, but still the wizard's: deleted with it, never a window of its own
            self.admin_page.setParent(self)
            self.admin_page.hide()
        self.setPage(DEVICES_PAGE, self.devices_page)
        self.setPage(PROVINCE_PAGE, self.province_page)
        fit_to_screen(self, 860, 620)

    def set_busy(self, busy: bool) -> None:
        """While a write runs, no step moves on (the buttons wait)."""
        self.busy = busy
        for page_id in self.pageIds():
            page = self.page(page_id)
            if page is not None:
                page.completeChanged.emit()
        self.button(QWizard.WizardButton.BackButton).setEnabled(not busy)

    def make_demo(self) -> None:
        """Fill the directory with the demo instead; once made, open it."""
        if self.demo_summary is not None:
            self.outcome = "demo"
            # QWizard's own accept would validate the office step, writing its office over
            # the demo's.
            QDialog.done(self, int(QDialog.DialogCode.Accepted))
            return
        page, ctx, options = self.office_page, self.ctx, self.demo_options
        page.demo_button.setEnabled(False)
        page.demo_progress.setVisible(True)
        page.demo_progress.setRange(0, 0)
        page.demo_label.setText(_("Đang tạo dữ liệu mẫu… (có thể mất vài phút)"))
        self.set_busy(True)

        def progressed(done: int, total: int) -> None:
            page.demo_progress.setRange(0, total)
            page.demo_progress.setValue(done)

        def made(summary: dict[str, Any]) -> None:
            self.set_busy(False)
            self.demo_summary = summary
            page.demo_progress.setVisible(False)
            page.demo_label.setText("✓ " + str(summary["message"]))
            page.demo_button.setText(_("&Mở dữ liệu mẫu"))
            page.demo_button.setEnabled(True)
            page.demo_button.setFocus()
            for widget in (page.search, page.unit_list, page.electronic_id):
                widget.setEnabled(False)
            page.completeChanged.emit()  # no next step: the demo is set up

        def failed(exc: BaseException) -> None:
            self.set_busy(False)
            page.demo_progress.setVisible(False)
            page.demo_button.setEnabled(True)
            _problem(page.demo_label, exc)

        Op(
            self,
            lambda progress: generate_demo(ctx, options, progress=progress),
            runner=self.runner,
        ).with_progress(progressed).on_success(made).on_error(failed).start()

    def reject(self) -> None:
        if not self.busy:  # a write in progress ends first
            super().reject()
