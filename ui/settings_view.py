"""Cài đặt: language, text size, the idle lock and the scan folder of this counter machine,
and the office's holiday table (shared by every counter; admins edit it, others read it).

A plain setting's field is made from its declaration (`counter_app.kernel.settings`): the
title labels it, the choices, type and bounds choose and limit the editor.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.calendar import holidays
from counter_app.calendar.holidays import HolidayEntry, PastDateError
from counter_app.domain.calendar import VN_TZ, DayKind
from counter_app.domain.lifecycle import Role
from counter_app.errors import CounterError
from counter_app.i18n import _
from counter_app.kernel.calendar import HolidayStatus
from counter_app.kernel.config import SCAN_FOLDER, config_warnings
from counter_app.kernel.context import AppContext
from counter_app.kernel.settings import Setting
from counter_app.kernel.users import Actor, login_label
from counter_app.scanning.folder import configured_folder, set_scan_folder
from ui.backup_section import BackupSection
from ui.bus import Changes, bus
from ui.errors import show_error
from ui.icons import mark_primary
from ui.settings import (
    ALL_SETTINGS,
    CHOICE_NAMES,
    CHOICE_TITLES,
    IDLE_LOCK_MINUTES,
    LANGUAGE,
    TEXT_SIZE,
    UiSettings,
)
from ui.style import set_role, set_tone
from ui.tasks import Op
from ui.verify_section import VerifySection

Editor = QComboBox | QSpinBox | QLineEdit


def setting_editor(setting: Setting[Any]) -> Editor:
    """The field for a declared setting: a list of its choices, a number within its
    bounds, or a line of text no longer than its length."""
    editor: Editor
    if setting.choices:
        editor = QComboBox()
        for choice in setting.choices:
            title = CHOICE_TITLES.get(choice)
            editor.addItem(_(title) if title else CHOICE_NAMES.get(choice, str(choice)), choice)
    elif setting.value_type is int:
        editor = QSpinBox()
        if setting.minimum is not None and setting.maximum is not None:
            editor.setRange(setting.minimum, setting.maximum)
    else:
        return text_editor(setting)
    editor.setAccessibleName(_(setting.title))
    return editor


def text_editor(setting: Setting[Any]) -> QLineEdit:
    editor = QLineEdit()
    editor.setAccessibleName(_(setting.title))
    if setting.max_length is not None:
        editor.setMaxLength(setting.max_length)
    if setting.hint:
        editor.setPlaceholderText(_(setting.hint))
    return editor


def show_value(editor: Editor, value: Any) -> None:
    if isinstance(editor, QComboBox):
        editor.setCurrentIndex(editor.findData(value))
    elif isinstance(editor, QSpinBox):
        editor.setValue(int(value))
    else:
        editor.setText("" if value is None else str(value))


def edited_value(editor: Editor) -> object:
    if isinstance(editor, QComboBox):
        return editor.currentData()
    if isinstance(editor, QSpinBox):
        return editor.value()
    return editor.text().strip()


class SettingsView(QWidget):
    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = UiSettings(ctx.data_dir)
        self._ctx, self._actor = ctx, actor
        # This machine's settings (ui-settings.ini), a field each.
        self.editors = {setting.key: setting_editor(setting) for setting in ALL_SETTINGS}
        self.language = self.editors[LANGUAGE.key]
        self.text_size = self.editors[TEXT_SIZE.key]
        self.idle_minutes = self.editors[IDLE_LOCK_MINUTES.key]
        # The office's scan folder (config.json): checked before it is kept, and browsable.
        self.scan_folder = text_editor(SCAN_FOLDER)
        self.browse_button = QPushButton(_("&Chọn…"))
        self.browse_button.clicked.connect(self._choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.scan_folder, 1)
        folder_row.addWidget(self.browse_button)
        self.status = QLabel()
        self.save_button = QPushButton(_("&Lưu cài đặt"))
        self.save_button.clicked.connect(self.save)
        form = QFormLayout()
        for setting in ALL_SETTINGS:
            form.addRow(_(setting.title), self.editors[setting.key])
        form.addRow(_(SCAN_FOLDER.title), folder_row)
        layout = QVBoxLayout(self)
        title = QLabel(_("Cài đặt"))
        set_role(title, "title")
        layout.addWidget(title)
        # Keys of config.json nothing reads (an obsolete setting, a typo): said, not dropped.
        warnings = config_warnings(ctx.config)
        self.config_warnings = QLabel("\n".join(f"⚠ {line}" for line in warnings), wordWrap=True)
        set_tone(self.config_warnings, "warning")
        self.config_warnings.setVisible(bool(warnings))
        layout.addWidget(self.config_warnings)
        # This machine's settings beside the office's holidays, the checks below: the page
        # fits without scrolling up to 13 pt.
        machine = QGroupBox(_("Cài đặt của máy quầy này"))
        machine_layout = QVBoxLayout(machine)
        machine_layout.addLayout(form)
        # What once needed a command (the online target, the VietQR account): admins only.
        self.office_button = QPushButton(_("Chỉ tiêu trực tuyến, tài khoản VietQR…"))
        self.office_button.setVisible(actor.role is Role.ADMIN)
        self.office_button.clicked.connect(self.open_office_settings)
        self.office_dialog: QDialog | None = None
        mark_primary(self.save_button, "save")
        buttons_row = QHBoxLayout()
        buttons_row.addWidget(self.save_button)
        buttons_row.addWidget(self.office_button)
        buttons_row.addStretch(1)
        machine_layout.addLayout(buttons_row)
        machine_layout.addWidget(self.status)
        machine_layout.addStretch(1)
        self.verify = VerifySection(ctx)
        self.backup = BackupSection(ctx, actor)
        self.holidays = HolidaySection(ctx, actor)
        top_row = QHBoxLayout()
        top_row.addWidget(machine, 3)
        top_row.addWidget(self.holidays, 2)
        layout.addLayout(top_row, 1)
        checks_row = QHBoxLayout()  # side by side: the page fits without scrolling
        checks_row.addWidget(self.verify, 1)
        checks_row.addWidget(self.backup, 3)
        layout.addLayout(checks_row)
        self.load()

    def load(self) -> None:
        for setting in ALL_SETTINGS:
            show_value(self.editors[setting.key], self.settings.get(setting))
        folder = configured_folder(self._ctx.config)
        self.scan_folder.setText(str(folder) if folder is not None else "")

    def save(self) -> None:
        for setting in ALL_SETTINGS:
            self.settings.set(setting, edited_value(self.editors[setting.key]))
        bus().settings_changed.emit()
        self._save_scan_folder()

    def _save_scan_folder(self) -> None:
        """The folder is checked off the GUI thread: a network drive may be slow to answer."""
        ctx, actor, text = self._ctx, self._actor, self.scan_folder.text().strip()
        if text == str(configured_folder(ctx.config) or ""):
            self.status.setText(_("Đã lưu cài đặt."))
            return
        Op(
            self, lambda: set_scan_folder(ctx, actor, Path(text) if text else None), db=False
        ).on_success(lambda _folder: self.status.setText(_("Đã lưu cài đặt."))).on_error(
            lambda exc: self.status.setText(str(exc))
        ).start()

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self, _("Chọn thư mục quét"), self.scan_folder.text()
        )
        if chosen:
            self.scan_folder.setText(chosen)

    def open_office_settings(self) -> None:
        from ui.office_settings import OfficeSettingsDialog

        self.office_dialog = OfficeSettingsDialog(self._ctx, self._actor, self)
        self.office_dialog.open()

    def initial_focus(self) -> QWidget:
        return self.language


class HolidaySection(QGroupBox):
    """Ngày nghỉ lễ: the year's entries of the office's table; admins add, confirm, remove.

    Deadlines already given to dossiers are not recomputed (calendar.holidays).
    """

    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(_("Ngày nghỉ lễ và ngày làm bù"), parent)
        self._ctx, self._actor = ctx, actor
        self.entries: list[HolidayEntry] = []
        self.year = QSpinBox()
        self.year.setAccessibleName(_("Năm"))
        self.year.setRange(holidays.MIN_YEAR, holidays.MAX_YEAR)
        self.year.setValue(ctx.clock().astimezone(VN_TZ).year)
        self.year.valueChanged.connect(lambda _year: self.reload())
        columns = [_("Ngày"), _("Loại"), _("Tên"), _("Trạng thái"), _("Người sửa")]
        self.table = QTableWidget(0, len(columns))
        self.table.setHorizontalHeaderLabels(columns)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.add_button = QPushButton(_("Thêm…"))
        self.confirm_button = QPushButton(_("Xác nhận"))
        self.remove_button = QPushButton(_("Xoá"))
        self.add_button.clicked.connect(self.open_add_dialog)
        self.confirm_button.clicked.connect(self.confirm_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.message = QLabel(wordWrap=True)
        self.editable = actor.role is Role.ADMIN
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Năm")))
        top.addWidget(self.year)
        top.addStretch(1)
        for button in (self.add_button, self.confirm_button, self.remove_button):
            button.setVisible(self.editable)
            top.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        note = _(
            "Dùng chung cho mọi máy quầy của đơn vị. Mục đề xuất chưa được áp dụng. "
            "Sửa bảng không tính lại hạn của hồ sơ đã tiếp nhận."
        )
        if not self.editable:
            note += " " + _("Chỉ quản trị viên sửa được bảng này.")
        layout.addWidget(QLabel(note, wordWrap=True))
        layout.addWidget(self.message)
        self.add_dialog: HolidayDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self._update_buttons()
        self.reload()

    def reload(self) -> None:
        ctx, year = self._ctx, self.year.value()
        Op(self, lambda: holidays.list_holidays(ctx, year)).on_success(self._show).start()

    def _show(self, entries: list[HolidayEntry]) -> None:
        self.entries = entries
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            cells = (
                f"{entry.day:%d/%m/%Y} ({_weekday(entry.day)})",
                holidays.kind_label(entry.kind),
                entry.name,
                holidays.status_label(entry.status),
                login_label(entry.changed_by),
            )
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self._update_buttons()

    def selected(self) -> HolidayEntry | None:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        return self.entries[rows.pop()] if len(rows) == 1 else None

    def _update_buttons(self) -> None:
        entry = self.selected()
        self.confirm_button.setEnabled(entry is not None and entry.status is HolidayStatus.PROPOSED)
        self.remove_button.setEnabled(entry is not None)

    def open_add_dialog(self) -> None:
        self.add_dialog = HolidayDialog(self._ctx.clock().astimezone(VN_TZ).date(), self)
        self.add_dialog.accepted.connect(self._add_from_dialog)
        self.add_dialog.open()

    def _add_from_dialog(self) -> None:
        dialog = self.add_dialog
        assert dialog is not None
        ctx, actor = self._ctx, self._actor
        day, kind = dialog.day(), DayKind(dialog.kind.currentData())
        name, proposed = dialog.name.text(), dialog.proposed.isChecked()
        self._change(
            lambda force: holidays.add_holiday(
                ctx, day, kind, name, actor, proposed=proposed, force=force
            ),
            _("Đã thêm ngày {day}."),
        )

    def confirm_selected(self) -> None:
        entry = self.selected()
        if entry is not None:
            ctx, actor, day = self._ctx, self._actor, entry.day
            self._change(
                lambda force: holidays.confirm_holiday(ctx, day, actor, force=force),
                _("Đã xác nhận ngày {day}."),
            )

    def remove_selected(self) -> None:
        entry = self.selected()
        if entry is not None:
            ctx, actor, day = self._ctx, self._actor, entry.day
            self._change(
                lambda force: holidays.remove_holiday(ctx, day, actor, force=force),
                _("Đã xoá ngày {day}."),
            )

    def _change(
        self, change: Callable[[bool], HolidayEntry], done: str, *, force: bool = False
    ) -> None:
        def failed(exc: BaseException) -> None:
            if isinstance(exc, PastDateError) and not force:
                self._ask_to_force(exc, lambda: self._change(change, done, force=True))
                return
            if isinstance(exc, CounterError):
                self.message.setText(exc.message)
            else:
                show_error(self, exc)

        def succeeded(entry: HolidayEntry) -> None:
            self.message.setText(done.format(day=f"{entry.day:%d/%m/%Y}"))
            self.year.setValue(entry.day.year)
            self.reload()
            # Due dates shown from now on follow the changed table.
            bus().changes_applied.emit(Changes(counts=False, outbox=False, reference=True), self)

        Op(self, lambda: change(force)).on_success(succeeded).on_error(failed).start()

    def _ask_to_force(self, exc: PastDateError, again: Callable[[], None]) -> None:
        """A date already begun: say what it means and let the admin go on or stop."""
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            _("Ngày đã qua"),
            exc.message + "\n" + _("Vẫn thay đổi?"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.No)
        yes = box.button(QMessageBox.StandardButton.Yes)
        box.finished.connect(lambda _result: again() if box.clickedButton() is yes else None)
        self.confirm_box = box
        box.open()


def _weekday(day: date) -> str:
    names = (
        _("Thứ Hai"),
        _("Thứ Ba"),
        _("Thứ Tư"),
        _("Thứ Năm"),
        _("Thứ Sáu"),
        _("Thứ Bảy"),
        _("Chủ nhật"),
    )
    return names[day.weekday()]


class HolidayDialog(QDialog):
    """The date, kind and name of a new entry of the holiday table."""

    def __init__(self, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Thêm ngày nghỉ hoặc ngày làm bù"))
        self.date = QDateEdit(QDate(today.year, today.month, today.day))
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("dd/MM/yyyy")
        self.kind = QComboBox()
        for kind in DayKind:
            self.kind.addItem(holidays.kind_label(kind), kind.value)
        self.name = QLineEdit()
        self.name.setAccessibleName(_("Tên"))
        self.name.setMaxLength(holidays.MAX_NAME_LENGTH)
        self.name.setPlaceholderText(_("Ví dụ: Nghỉ bù Quốc khánh"))
        self.proposed = QCheckBox(_("Chỉ đề xuất (chưa áp dụng đến khi xác nhận)"))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(_("Ngày"), self.date)
        form.addRow(_("Loại"), self.kind)
        form.addRow(_("Tên"), self.name)
        form.addRow(self.proposed)
        form.addRow(buttons)

    def day(self) -> date:
        chosen = self.date.date()
        return date(chosen.year(), chosen.month(), chosen.day())
