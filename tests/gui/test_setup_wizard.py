"""Cài đặt lần đầu: a data directory with no office opens the setup wizard, which writes the
office, the first administrator, this machine's printer and scanner, and registers the
machine with a real hub on loopback; or makes the demo and opens it."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sync_support import running_hub

from PySide6.QtWidgets import QApplication, QWizard

from counter_app.demo.generator import DemoOptions
from counter_app.domain.lifecycle import Role
from counter_app.kernel.config import load_config
from counter_app.kernel.context import AppContext, open_context
from counter_app.kernel.users import authenticate, list_users
from counter_app.scanning.devices import DeviceInfo, Registry
from counter_app.sync.service import sync_overview
from ui import app as app_module
from ui.app import delete_now
from ui.settings import PRINTER, SCANNER, UiSettings
from ui.setup_wizard import ADMIN_PAGE, DEVICES_PAGE, OFFICE_PAGE, PROVINCE_PAGE, SetupWizard
from ui.tasks import default_runner

E_ID = "000.00.15.H34"  # as typed; the hub binds the office to it at the first enrolment


class OneScanner:
    name = "one"

    def available(self) -> bool:
        return True

    def devices(self) -> list[DeviceInfo]:
        return [DeviceInfo(name="one:0", backend="one", model="Máy quét tầng 1")]

    def open(self, name: str) -> object:
        raise AssertionError("not scanned here")


@pytest.fixture
def fresh(tmp_path: Path, clock) -> Iterator[AppContext]:
    """A data directory as a new install finds it: no office, no users."""
    context = open_context(tmp_path / "moi", create=True, clock=clock)
    yield context
    # As first_start does: the wizard goes at once, before another test restyles the
    # application (a wizard left alive crashed the next style change).
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, SetupWizard):
            delete_now(widget)
    context.close()


def wizard_for(qtbot: QtBot, ctx: AppContext, **options: object) -> SetupWizard:
    wizard = SetupWizard(
        ctx,
        registry_factory=lambda: Registry([OneScanner()]),
        printers=lambda: ["Máy in phiếu A5", "Máy in nhiệt 80mm"],
        **options,  # type: ignore[arg-type]
    )
    qtbot.add_widget(wizard)
    wizard.show()
    qtbot.wait_exposed(wizard)
    return wizard


def choose_office(qtbot: QtBot, wizard: SetupWizard, keys) -> None:
    page = wizard.office_page
    keys.type_text(page.search, "bac nha")  # no accents typed
    assert page.unit_list.count() == 1 and "Bắc Nha Trang" in page.unit_list.item(0).text()
    page.electronic_id.setText(E_ID)
    wizard.next()
    assert wizard.currentId() == ADMIN_PAGE


def test_a_new_office_is_set_up_and_registered_with_the_province(
    qtbot: QtBot, fresh: AppContext, tmp_path: Path, keys
) -> None:
    wizard = wizard_for(qtbot, fresh)
    page = wizard.office_page
    keys.type_text(page.search, "zzz")
    assert page.unit_list.count() == 0 and "zzz" in page.message.text()
    page.search.clear()
    assert page.unit_list.count() == 65  # every shipped unit of the province
    page.electronic_id.setText("sai mã!")
    page.unit_list.setCurrentRow(0)
    wizard.next()  # a malformed electronic ID: said, nothing written
    assert wizard.currentId() == OFFICE_PAGE and page.message.text().startswith("⚠")
    assert fresh.config.office is None and not (fresh.data_dir / "config.json").exists()
    page.search.clear()
    choose_office(qtbot, wizard, keys)
    office = load_config(fresh.data_dir).office  # written where `office set` writes it
    assert office is not None and office.unit_code == "22333" and office.electronic_id == E_ID
    assert fresh.config.office == office

    admin = wizard.admin_page
    admin.login.setText("quantri")
    admin.name.setText("Trần Quốc Bảo")
    admin.password.setText("mat-khau-dai")
    admin.again.setText("mat-khau-khac")
    wizard.next()
    assert wizard.currentId() == ADMIN_PAGE and "không giống" in admin.message.text()
    admin.password.setText("ngan")
    admin.again.setText("ngan")
    wizard.next()  # too short: the users service says so
    qtbot.wait_until(lambda: "ít nhất" in admin.message.text())
    admin.password.setText("mat-khau-dai")
    admin.again.setText("mat-khau-dai")
    wizard.next()  # argon2 on the database thread, then the next step
    qtbot.wait_until(lambda: wizard.currentId() == DEVICES_PAGE)
    assert wizard.admin is not None and wizard.admin.role is Role.ADMIN
    assert authenticate(fresh, "quantri", "mat-khau-dai").name == "Trần Quốc Bảo"

    devices = wizard.devices_page
    qtbot.wait_until(lambda: devices.scanner.count() == 2)  # "chưa chọn" and the one found
    assert devices.scanner.currentData() == "one:0"
    devices.printer.setCurrentIndex(1)
    wizard.next()
    assert wizard.currentId() == PROVINCE_PAGE
    settings = UiSettings(fresh.data_dir)
    assert settings.get(PRINTER) == "Máy in nhiệt 80mm" and settings.get(SCANNER) == "one:0"

    form = wizard.province_page.form
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert finish.text().replace("&", "") == "Để sau"
    with running_hub(tmp_path / "hub") as hub:
        form.address.setText(hub.url)
        form.code.setText("MA-SAI")
        form.button.click()
        qtbot.wait_until(lambda: form.button.isEnabled(), timeout=20000)
        assert "Mã đăng ký không đúng" in form.result.text()
        form.code.setText(hub.hub.create_enroll_code("22333"))
        with qtbot.wait_signal(form.enrolled, timeout=20000):
            form.button.click()
    assert "Đã đăng ký máy với tỉnh" in form.result.text()
    assert sync_overview(fresh).enrolled
    assert finish.text().replace("&", "") == "Xong"
    finish.click()
    assert wizard.result() == QWizard.DialogCode.Accepted and wizard.outcome == "setup"


def test_registration_can_wait_and_an_unreachable_province_is_said_plainly(
    qtbot: QtBot, fresh: AppContext, tmp_path: Path, keys
) -> None:
    wizard = wizard_for(qtbot, fresh, has_users=True)  # users made before: no admin step
    page = wizard.office_page
    keys.type_text(page.search, "Bắc Nha")  # with accents too
    page.electronic_id.setText(E_ID)
    wizard.next()
    assert wizard.currentId() == DEVICES_PAGE
    devices = wizard.devices_page
    devices.skip_button.click()  # not waiting for the scanner search
    assert devices.scanner.currentData() == "" and "bỏ qua" in devices.scan_status.text()
    default_runner().wait_idle()
    QApplication.processEvents()
    assert devices.scanner.currentData() == ""  # a late answer does not undo the skip
    wizard.next()
    form = wizard.province_page.form
    form.address.setText("tinh.example")
    form.code.setText("X")
    form.button.click()
    assert "http://" in form.result.text()  # refused before anything is sent
    with running_hub(tmp_path / "gone") as gone:
        address = gone.url
    form.address.setText(address)  # the hub has stopped
    form.button.click()
    qtbot.wait_until(lambda: form.button.isEnabled(), timeout=20000)
    text = form.result.text()
    assert text.startswith("⚠") and "máy chủ của tỉnh" in text and "hub" not in text.lower()
    wizard.button(QWizard.WizardButton.FinishButton).click()  # "Để sau"
    assert wizard.result() == QWizard.DialogCode.Accepted and wizard.admin is None
    assert not sync_overview(fresh).enrolled


def test_the_demo_button_makes_the_demo_and_opens_it(qtbot: QtBot, fresh: AppContext) -> None:
    options = DemoOptions(days=1, per_day=3)
    wizard = wizard_for(qtbot, fresh, demo_options=options)
    page = wizard.office_page
    seen: list[int] = []
    page.demo_progress.valueChanged.connect(seen.append)
    page.demo_button.click()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()  # while it runs
    qtbot.wait_until(lambda: wizard.demo_summary is not None, timeout=60000)
    assert seen and seen[-1] == page.demo_progress.maximum()
    assert "demo1234" in page.demo_label.text()  # how to sign in
    assert fresh.config.demo and fresh.config.office is not None
    assert {actor.login for actor in list_users(fresh)} >= {"quantri", "tiepnhan1"}
    page.demo_button.click()  # "Mở dữ liệu mẫu"
    assert wizard.result() == QWizard.DialogCode.Accepted and wizard.outcome == "demo"


def test_the_gui_opens_the_wizard_for_a_directory_without_an_office(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[bool] = []

    def exec_(self: SetupWizard) -> int:
        shown.append(self.admin_page in [self.page(i) for i in self.pageIds()])
        return int(QWizard.DialogCode.Rejected)  # the clerk leaves: nothing opens

    monkeypatch.setattr(SetupWizard, "exec", exec_)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # run_gui installs its own
    monkeypatch.setattr(logging, "basicConfig", lambda **_kwargs: None)
    assert app_module.run_gui(tmp_path / "moi", no_error_dialogs=True) == 1
    assert shown == [True]
