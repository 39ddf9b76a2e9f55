"""Backups in the desktop program: the window's banner, automatic backups on a worker with
progress, Cài đặt › Sao lưu, restoring over the data in use, the damaged-database dialog,
and the bug report dialog."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from pytestqt.qtbot import QtBot

from PySide6.QtWidgets import QApplication, QMessageBox

from counter_app import __version__
from counter_app.domain.lifecycle import Role
from counter_app.kernel.context import AppContext, open_context
from counter_app.kernel.users import SYSTEM_ACTOR, Actor
from counter_app.maintenance import sealing
from counter_app.maintenance.auto import (
    PASSPHRASE_ENV,
    AutoBackupResult,
    our_backups,
    read_state,
    run_auto_backup,
    save_passphrase,
    set_aside_damaged,
    set_backup_folder,
)
from counter_app.maintenance.service import verify
from counter_app.store.engine import SQLITE_FILE_NAME
from counter_app.store.models import Dossier
from tests.conftest import MutableClock
from tests.unit.test_audit_verify import dossier_with_everything
from ui import app as gui_app
from ui import errors as gui_errors
from ui.backup_section import BackupSection, RestoreDialog
from ui.backup_status import BackupStatus
from ui.errors import CrashDialog, crash_report, show_error
from ui.main_window import MainWindow
from ui.recovery import DamagedDatabaseDialog, finish_reopen, take_reopen
from ui.tasks import default_runner

TIMEOUT = 30000
PASSPHRASE = "mật khẩu sao lưu tự động"
CLERK = Actor("tiepnhan", "Tiếp nhận", Role.CLERK)


@pytest.fixture(autouse=True)
def quick_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sealing, "SCRYPT_LOG2_N", 10)
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "usb"
    path.mkdir()
    return path


def prepared(ctx: AppContext, folder: Path) -> AppContext:
    dossier_with_everything(ctx)
    set_backup_folder(ctx, SYSTEM_ACTOR, folder)
    save_passphrase(ctx, SYSTEM_ACTOR, PASSPHRASE)
    return ctx


def idle(qtbot: QtBot) -> None:
    qtbot.wait_until(lambda: default_runner().pending == 0, timeout=TIMEOUT)


def test_the_window_says_what_to_do_when_no_backup_folder_is_chosen(
    qtbot: QtBot, ctx: AppContext
) -> None:
    window = MainWindow(ctx, SYSTEM_ACTOR)
    qtbot.add_widget(window)
    window.show()
    banner = window.backup_banner
    qtbot.wait_until(lambda: banner.isVisible(), timeout=TIMEOUT)
    assert "chọn thư mục sao lưu" in banner.text() and "Cài đặt" in banner.text()
    window.close()


def test_a_due_backup_runs_at_start_on_a_worker_with_progress(
    qtbot: QtBot, ctx: AppContext, folder: Path, clock: MutableClock
) -> None:
    prepared(ctx, folder)
    status = BackupStatus(ctx)
    texts: list[str] = []
    steps: list[tuple[int, int]] = []
    status.state_changed.connect(lambda text, _warning: texts.append(text))
    status.progressed.connect(lambda done, total: steps.append((done, total)))
    with qtbot.wait_signal(status.finished, timeout=TIMEOUT) as finished:
        status.start()
    assert isinstance(finished.args[0], AutoBackupResult)
    assert steps and steps[-1] == (4, 4)
    assert any(text.startswith("Đang sao lưu") for text in texts)
    assert len(our_backups(folder, ctx.config)) == 1
    idle(qtbot)
    assert texts[-1] == ""  # all is well: the banner hides
    # Not due again the same morning; due again three days later, when the reminder
    # would also speak.
    status.check()
    idle(qtbot)
    assert len(our_backups(folder, ctx.config)) == 1
    clock.now += timedelta(days=3)
    with qtbot.wait_signal(status.finished, timeout=TIMEOUT):
        status.check()
    assert len(our_backups(folder, ctx.config)) == 2
    status.stop()


def test_a_backup_that_cannot_be_written_warns_in_the_banner(
    qtbot: QtBot, ctx: AppContext, folder: Path
) -> None:
    prepared(ctx, folder)
    folder.rmdir()  # the USB drive was taken out
    status = BackupStatus(ctx)
    texts: list[tuple[str, bool]] = []
    status.state_changed.connect(lambda text, warning: texts.append((text, warning)))
    with qtbot.wait_signal(status.finished, timeout=TIMEOUT):
        status.start()
    idle(qtbot)
    text, warning = texts[-1]
    assert warning and "không có" in text and "USB" in text
    assert read_state(ctx.data_dir).last_good_at is None


def test_settings_choose_the_folder_set_the_passphrase_and_back_up_now(
    qtbot: QtBot, ctx: AppContext, folder: Path
) -> None:
    dossier_with_everything(ctx)
    section = BackupSection(ctx, SYSTEM_ACTOR)
    qtbot.add_widget(section)
    section.folder.setText(str(folder))
    section.save_folder()
    qtbot.wait_until(lambda: "Đã lưu thư mục" in section.message.text(), timeout=TIMEOUT)
    assert ctx.config.backup_folder == str(folder.resolve())
    section.open_passphrase_dialog()
    dialog = section.passphrase_dialog
    assert dialog is not None
    dialog.first.setText(PASSPHRASE)
    dialog.second.setText(PASSPHRASE + "x")
    dialog.save()
    assert "không khớp" in dialog.message.text() and dialog.isVisible()
    dialog.second.setText(PASSPHRASE)
    dialog.save()
    assert not dialog.isVisible()
    with qtbot.wait_signal(section.status.finished, timeout=TIMEOUT):
        section.backup_now()
    assert "Đã sao lưu vào" in section.message.text()
    qtbot.wait_until(lambda: "Lần sao lưu tốt gần nhất" in section.state_label.text())
    assert not section.progress.isVisible() and section.backup_button.isEnabled()
    idle(qtbot)


def test_a_clerk_sees_backups_but_changes_nothing(qtbot: QtBot, ctx: AppContext) -> None:
    section = BackupSection(ctx, CLERK)
    qtbot.add_widget(section)
    section.show()
    assert section.folder.isReadOnly() and not section.log_level.isEnabled()
    for button in (section.restore_button, section.passphrase_button, section.save_folder_button):
        assert not button.isVisible()
    assert section.backup_button.isVisible()
    idle(qtbot)


def count(ctx: AppContext) -> int:
    with ctx.session() as session:
        return int(session.execute(sa.select(sa.func.count(Dossier.id))).scalar_one())


def test_restore_from_settings_checks_first_then_replaces_and_keeps_the_old_data(
    qtbot: QtBot, ctx: AppContext, folder: Path, clock: MutableClock
) -> None:
    prepared(ctx, folder)
    backup = run_auto_backup(ctx).path
    dossier_with_everything(ctx)  # after the backup
    dialog = RestoreDialog(ctx, SYSTEM_ACTOR)
    qtbot.add_widget(dialog)
    qtbot.wait_until(lambda: dialog.form.backups.count() == 1, timeout=TIMEOUT)
    assert dialog.form.chosen() == backup
    dialog.form.passphrase.setText("sai mật khẩu rồi")
    dialog.check()
    qtbot.wait_until(lambda: "Sai mật khẩu" in dialog.runner.message.text(), timeout=TIMEOUT)
    assert dialog.confirm_box is None
    dialog.form.passphrase.setText("")  # the passphrase kept on this machine
    dialog.check()
    qtbot.wait_until(lambda: dialog.confirm_box is not None, timeout=TIMEOUT)
    assert count(ctx) == 2  # nothing replaced before the administrator says so
    box = dialog.confirm_box
    assert box is not None
    box.button(QMessageBox.StandardButton.Yes).click()
    reopen = take_reopen()
    assert reopen is not None and reopen[0] == ctx.data_dir
    ctx.close()
    aside = finish_reopen(*reopen)
    with open_context(ctx.data_dir, clock=clock) as restored:
        assert count(restored) == 1 and verify(restored).ok
    assert (aside / SQLITE_FILE_NAME).exists()
    idle(qtbot)


def test_a_damaged_database_is_set_aside_and_the_newest_backup_restored(
    qtbot: QtBot, ctx: AppContext, folder: Path, clock: MutableClock
) -> None:
    prepared(ctx, folder)
    run_auto_backup(ctx)
    data_dir = ctx.data_dir
    ctx.close()
    with (data_dir / SQLITE_FILE_NAME).open("r+b") as handle:
        handle.write(b"\x00garbage\xff" * 600)
    moved = set_aside_damaged(data_dir, clock.now)
    dialog = DamagedDatabaseDialog(data_dir, moved)
    qtbot.add_widget(dialog)
    assert str(moved) in dialog.findChildren(type(dialog.runner.message))[0].text()
    qtbot.wait_until(lambda: dialog.form.backups.count() == 1, timeout=TIMEOUT)
    with qtbot.wait_signal(dialog.accepted, timeout=TIMEOUT):
        dialog.restore()
    with open_context(data_dir, clock=clock) as restored:
        assert count(restored) == 1 and verify(restored).ok


def test_the_program_started_on_a_damaged_database_without_dialogs_says_so(
    qtbot: QtBot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    (data_dir / SQLITE_FILE_NAME).write_bytes(b"this is not a database" * 300)
    assert gui_app.run_gui(data_dir, no_error_dialogs=True) == 1
    assert not (data_dir / SQLITE_FILE_NAME).exists()
    assert "bị hỏng đã được chuyển sang" in capsys.readouterr().err
    gui_errors.set_dialogs_enabled(False)  # as the GUI tests run


def _bug() -> RuntimeError:
    try:
        raise RuntimeError("UNIQUE constraint failed: (Nguyễn Văn An, 056090001234)")
    except RuntimeError as exc:
        return exc


def test_the_bug_report_can_be_copied_and_carries_no_citizen_data(qtbot: QtBot) -> None:
    report = crash_report(_bug(), "20260302-090000-abcdef")
    dialog = CrashDialog(report)
    qtbot.add_widget(dialog)
    dialog.show()
    text = dialog.report.toPlainText()
    assert f"counter-app {__version__}" in text and "Python" in text
    assert "20260302-090000-abcdef" in text and "RuntimeError" in text and "_bug" in text
    assert "056090001234" not in text and "Nguyễn" not in text
    dialog.copy()
    assert QApplication.clipboard().text() == text
    qtbot.wait(300)
    assert dialog.isVisible()  # it stays until the clerk closes it


def test_without_dialogs_a_bug_goes_to_the_logs_and_standard_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    gui_errors.set_data_dir(tmp_path)
    try:
        with caplog.at_level(logging.ERROR, logger="counter_app.ui"):
            show_error(None, _bug())
    finally:
        gui_errors.set_data_dir(None)
    err = capsys.readouterr().err
    assert "RuntimeError" in err and "056090001234" not in err
    assert "RuntimeError" in caplog.text
    kept = (tmp_path / "logs" / "errors.log").read_text(encoding="utf-8")
    assert "RuntimeError" in kept and "056090001234" not in kept
