"""The GUI's composition root: `counter-app gui` lands in `run_gui`."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from PySide6.QtCore import QTimer, QTranslator
from PySide6.QtWidgets import QApplication

from counter_app.errors import CounterError
from counter_app.i18n import N_, _
from counter_app.kernel.context import AppContext, open_context
from counter_app.kernel.users import SYSTEM_ACTOR, Actor, list_users
from ui.errors import install_excepthook, set_dialogs_enabled, show_error
from ui.login import IdleWatcher, LoginDialog, SessionLock
from ui.main_window import MainWindow
from ui.settings import IDLE_LOCK_MINUTES, UiSettings, apply_appearance
from ui.tasks import default_runner

# For smoke runs and packaging checks: quit by itself after this many milliseconds.
QUIT_AFTER_ENV = "COUNTER_APP_GUI_QUIT_AFTER_MS"

log = logging.getLogger("counter_app.ui")


# Qt's own texts of the standard buttons (context "QPlatformTheme"). PySide6 ships no
# qtbase_vi.qm, so they go through the app's catalogue and follow its language setting.
_QT_BUTTON_TEXTS = {
    "&Yes": N_("&Có"),
    "&No": N_("&Không"),
    "OK": N_("Đồng ý"),
    "Cancel": N_("Hủy"),
    "Close": N_("Đóng"),
    "&Save": N_("&Lưu"),
    "Save": N_("Lưu"),
    "Apply": N_("Áp dụng"),
    "Reset": N_("Đặt lại"),
    "Help": N_("Trợ giúp"),
    "Discard": N_("Bỏ đi"),
    "&Open": N_("&Mở"),
    "Open": N_("Mở"),
    "Abort": N_("Hủy bỏ"),
    "Retry": N_("Thử lại"),
    "Ignore": N_("Bỏ qua"),
}


class StandardButtonTranslator(QTranslator):
    """Translates the standard buttons (Yes/No, OK/Cancel...) with `_()` at each call."""

    def translate(
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        if context == "QPlatformTheme" and source in _QT_BUTTON_TEXTS:
            return _(_QT_BUTTON_TEXTS[source])
        return None  # Qt's own text

    def isEmpty(self) -> bool:
        return False


def install_button_translator(app: QApplication) -> None:
    """Once per application; buttons made after a language switch follow it."""
    if app.findChild(StandardButtonTranslator) is None:
        app.installTranslator(StandardButtonTranslator(app))


def application() -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    app = QApplication(sys.argv[:1])
    app.setApplicationName("counter-app")
    app.setOrganizationName("counter-app")
    install_button_translator(app)
    return app


def sign_in(ctx: AppContext) -> Actor | None:
    """The first user of the session; None when the clerk cancels.

    A data directory without any user (a fresh install) opens as the built-in system
    administrator, as the command line does, so the first accounts can be made.
    """
    if not list_users(ctx):
        return SYSTEM_ACTOR
    dialog = LoginDialog(ctx)
    if dialog.exec() != LoginDialog.DialogCode.Accepted:
        return None
    return dialog.actor


def run_gui(data_dir: Path | None, no_error_dialogs: bool = False) -> int:
    """Open the data directory and run the window until it closes; the exit code."""
    app = application()
    set_dialogs_enabled(not no_error_dialogs)
    if no_error_dialogs:
        logging.basicConfig(level=logging.INFO)
    install_excepthook()
    try:
        ctx = open_context(data_dir, create=True)
    except CounterError as exc:
        show_error(None, exc)
        return 1
    try:
        actor = sign_in(ctx)
        if actor is None:
            return 1
        settings = UiSettings(ctx.data_dir)
        apply_appearance(app, settings)
        window = MainWindow(ctx, actor)
        watcher = IdleWatcher(settings.get(IDLE_LOCK_MINUTES), window)
        lock = SessionLock(ctx, window, watcher)
        window.lock_requested.connect(lock.lock)
        window.switch_user_requested.connect(lambda: lock.lock(switching=True))
        window.show()
        quit_after = os.environ.get(QUIT_AFTER_ENV)
        if quit_after:
            QTimer.singleShot(int(quit_after), app.quit)
        code = app.exec()
        default_runner().wait_idle()
        return int(code)
    finally:
        ctx.close()
