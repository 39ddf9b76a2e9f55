"""The GUI's composition root: `counter-app gui` lands in `run_gui`."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from PySide6.QtCore import QLocale, QTimer, QTranslator
from PySide6.QtWidgets import QApplication

from counter_app.errors import CounterError
from counter_app.i18n import N_, _, current_language
from counter_app.kernel.context import AppContext, open_context
from counter_app.kernel.users import SYSTEM_ACTOR, Actor, list_users
from ui.errors import install_excepthook, set_dialogs_enabled, show_error
from ui.login import IdleWatcher, LoginDialog, SessionLock
from ui.main_window import MainWindow
from ui.settings import IDLE_LOCK_MINUTES, UiSettings, apply_appearance
from ui.tasks import default_runner, wait_for

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


# Qt's other texts a clerk meets, by the class that shows them: the error dialog's details
# button (the user guide names it), the context menu of every text field and spin box.
_EDIT_MENU = {
    "&Undo": N_("&Hoàn tác"),
    "&Redo": N_("&Làm lại"),
    "Cu&t": N_("&Cắt"),
    "&Copy": N_("&Sao chép"),
    "&Paste": N_("&Dán"),
    "Delete": N_("Xóa"),
    "Select All": N_("Chọn tất cả"),
}
_QT_TEXTS: dict[str, dict[str, str]] = {
    "QPlatformTheme": {
        **_QT_BUTTON_TEXTS,
        "Save All": N_("Lưu tất cả"),
        "Yes to &All": N_("Có với &tất cả"),
        "N&o to All": N_("&Không với tất cả"),
        "Restore Defaults": N_("Khôi phục mặc định"),
        "Don't Save": N_("Không lưu"),
        "Close without Saving": N_("Đóng không lưu"),
    },
    "QMessageBox": {
        "Show Details...": N_("Hiện chi tiết…"),
        "Hide Details...": N_("Ẩn chi tiết…"),
    },
    "QLineEdit": _EDIT_MENU,
    "QWidgetTextControl": {**_EDIT_MENU, "Copy &Link Location": N_("Sao chép địa chỉ &liên kết")},
    "QAbstractSpinBox": {"&Select All": N_("&Chọn tất cả"), "&Step up": N_("&Tăng"),
                         "Step &down": N_("&Giảm")},
}  # fmt: skip


class StandardButtonTranslator(QTranslator):
    """Translates Qt's own texts (`_QT_TEXTS`: the standard buttons Yes/No, OK/Cancel...,
    the message box's "Show Details...", the text fields' context menu) with `_()` at each
    call, so they follow the language setting."""

    def translate(
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        ours = _QT_TEXTS.get(context, {}).get(source)
        return _(ours) if ours else None  # else Qt's own text

    def isEmpty(self) -> bool:
        return False


def install_button_translator(app: QApplication) -> None:
    """Once per application; buttons made after a language switch follow it."""
    if app.findChild(StandardButtonTranslator) is None:
        app.installTranslator(StandardButtonTranslator(app))


def apply_locale() -> None:
    """Qt's locale for the language in use, application-wide: the date picker's month and
    day names ("tháng 12", "Th 2"), the numbers of spin boxes. Widgets made afterwards take
    it; dates themselves are written dd/MM/yyyy everywhere whatever the language."""
    if current_language() == "vi":
        locale = QLocale(QLocale.Language.Vietnamese, QLocale.Country.Vietnam)
    else:
        locale = QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)
    QLocale.setDefault(locale)


def application() -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    app = QApplication(sys.argv[:1])
    app.setApplicationName("counter-app")
    app.setOrganizationName("counter-app")
    install_button_translator(app)
    apply_locale()
    return app


def sign_in(ctx: AppContext) -> Actor | None:
    """The first user of the session; None when the clerk cancels.

    A data directory without any user (a fresh install) opens as the built-in system
    administrator, as the command line does, so the first accounts can be made.
    """
    if not wait_for(lambda: list_users(ctx)):
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
    # Even at start-up the database is the database thread's: migrations, users, and the
    # catalog and calendar the screens show (`AppContext.reference`).
    try:
        ctx = wait_for(lambda: open_context(data_dir, create=True))
    except CounterError as exc:
        show_error(None, exc)
        return 1
    try:
        settings = UiSettings(ctx.data_dir)
        apply_appearance(app, settings)  # the sign-in dialog shows in this text size too
        apply_locale()  # in the language just read from the settings
        actor = sign_in(ctx)
        if actor is None:
            return 1
        try:
            wait_for(ctx.refresh_reference)
        except CounterError as exc:
            show_error(None, exc)
            return 1
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
