"""Sign-in, the idle lock and switching user, on real password hashes."""

from __future__ import annotations

from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from counter_app.domain.lifecycle import Role
from counter_app.i18n import current_language, set_language
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import Actor, add_user
from ui.login import IdleWatcher, LoginDialog, SessionLock
from ui.main_window import MainWindow
from ui.settings import IDLE_LOCK_MINUTES, LANGUAGE, TEXT_SIZE, UiSettings
from ui.settings_view import SettingsView

Keys = Any


@pytest.fixture
def clerk(ctx: AppContext) -> Actor:
    return add_user(ctx, "tiepnhan1", "demo1234", Role.CLERK, "Nguyễn Thị Mỹ Linh")


def test_login_with_the_right_password(qtbot: QtBot, ctx: AppContext, clerk: Actor) -> None:
    dialog = LoginDialog(ctx)
    qtbot.add_widget(dialog)
    dialog.login.setText("tiepnhan1")
    dialog.password.setText("demo1234")
    with qtbot.wait_signal(dialog.accepted, timeout=10000):
        dialog.submit()
    assert dialog.actor == clerk


def test_login_refuses_a_wrong_password_with_one_message(
    qtbot: QtBot, ctx: AppContext, clerk: Actor
) -> None:
    dialog = LoginDialog(ctx)
    qtbot.add_widget(dialog)
    dialog.submit()
    assert dialog.message.text() == "Nhập tên đăng nhập và mật khẩu."
    dialog.login.setText("tiepnhan1")
    dialog.password.setText("sai-mat-khau")
    dialog.submit()
    qtbot.wait_until(lambda: dialog.message.text() != "Nhập tên đăng nhập và mật khẩu.")
    assert dialog.message.text() == "Sai tên đăng nhập hoặc mật khẩu."
    assert dialog.actor is None
    assert dialog.password.text() == ""


def _window(qtbot: QtBot, ctx: AppContext, actor: Actor) -> tuple[MainWindow, SessionLock]:
    window = MainWindow(ctx, actor)
    qtbot.add_widget(window)
    window.show()
    watcher = IdleWatcher(10, window)
    return window, SessionLock(ctx, window, watcher)


def test_idle_lock_hides_the_data_and_unlocks_for_the_same_user(
    qtbot: QtBot, ctx: AppContext, clerk: Actor
) -> None:
    window, lock = _window(qtbot, ctx, clerk)
    lock.watcher.idle.emit()
    assert lock.dialog is not None
    assert not window.centralWidget().isVisible()
    assert lock.dialog.login.text() == "tiepnhan1" and lock.dialog.login.isReadOnly()
    lock.dialog.password.setText("demo1234")
    dialog = lock.dialog
    with qtbot.wait_signal(dialog.accepted, timeout=10000):
        dialog.submit()
    assert lock.dialog is None
    assert window.centralWidget().isVisible()
    assert window.actor == clerk


def test_switch_user_rebuilds_the_pages_for_the_new_user(
    qtbot: QtBot, ctx: AppContext, clerk: Actor
) -> None:
    leader = add_user(ctx, "lanhdao", "demo1234", Role.LEADER, "Lê Thị Thu Hương")
    window, lock = _window(qtbot, ctx, clerk)
    window.switch_user_requested.emit()
    lock.lock(switching=True)  # a second request while open is ignored
    dialog = lock.dialog
    assert dialog is not None and not dialog.login.isReadOnly()
    dialog.login.setText("lanhdao")
    dialog.password.setText("demo1234")
    with qtbot.wait_signal(dialog.accepted, timeout=10000):
        dialog.submit()
    assert window.actor == leader
    assert "lanhdao" in window.user_label.toolTip()
    assert window.user_label.text() == leader.name


def test_settings_switch_language_and_text_size(
    qtbot: QtBot, ctx: AppContext, clerk: Actor
) -> None:
    window, _lock = _window(qtbot, ctx, clerk)
    window.show_page("settings")
    view = window.pages["settings"]
    assert isinstance(view, SettingsView)
    view.language.setCurrentIndex(view.language.findData("en"))
    view.text_size.setValue(14)
    view.idle_minutes.setValue(3)
    try:
        view.save()
        assert current_language() == "en"
        titles = [window.nav.item(row).text() for row in range(window.nav.count())]
        assert "Intake" in titles and "Dossiers" in titles
        stored = UiSettings(ctx.data_dir)
        assert stored.get(LANGUAGE) == "en"
        assert stored.get(TEXT_SIZE) == 14
        assert stored.get(IDLE_LOCK_MINUTES) == 3
    finally:
        set_language("vi")


def test_settings_refuse_out_of_range_values(ctx: AppContext) -> None:
    settings = UiSettings(ctx.data_dir)
    settings.set(TEXT_SIZE, 400)
    assert settings.get(TEXT_SIZE) == TEXT_SIZE.default
    assert LANGUAGE.clean("klingon") == "vi"
