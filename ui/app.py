"""The GUI's composition root: `counter-app gui` lands in `run_gui`."""

from __future__ import annotations

import gc
import logging
import os
import sys
from pathlib import Path

from PySide6.QtCore import QLocale, QObject, QTimer, QTranslator
from PySide6.QtWidgets import QApplication, QWidget

from counter_app.errors import CounterError
from counter_app.i18n import N_, _, current_language
from counter_app.kernel.context import AppContext, default_data_dir, open_context
from counter_app.kernel.users import SYSTEM_ACTOR, Actor, list_users
from ui.bus import bus
from ui.errors import install_excepthook, set_data_dir, set_dialogs_enabled, show_error
from ui.login import IdleWatcher, LoginDialog, SessionLock
from ui.settings import IDLE_LOCK_MINUTES, UiSettings, apply_appearance
from ui.tasks import MainThreadCollector, Op, default_runner, wait_for

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
    MainThreadCollector(app)  # owned by the application; collects on the GUI thread only
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


def first_start(ctx: AppContext) -> tuple[bool, Actor | None]:
    """A data directory with no office: the setup wizard. Whether it was finished, and the
    administrator it made (signed in at once; None for the demo or existing users)."""
    from ui.setup_wizard import SetupWizard

    has_users = bool(wait_for(lambda: list_users(ctx)))
    wizard = SetupWizard(ctx, has_users=has_users)
    try:
        if wizard.exec() != SetupWizard.DialogCode.Accepted:
            return False, None
        return True, wizard.admin
    finally:
        # Gone now, not at some later turn of the event loop: a wizard left alive (its
        # pages, their pop-ups) was repolished when Cài đặt changed the style, and crashed.
        delete_now(wizard)


def delete_now(widget: QWidget) -> None:
    """Close and delete a finished top-level widget and its children at once."""
    import shiboken6

    if shiboken6.isValid(widget):
        widget.close()
        shiboken6.delete(widget)


def warm_printing(parent: QObject, ctx: AppContext) -> Op[None]:
    """Fonts, templates and reportlab loaded on a worker after sign-in (no database), so the
    first receipt of the session prints as fast as the next. A failure is logged by its type
    only; the first print then meets it and says what is wrong."""
    from counter_app.documents.warmup import warm_up

    data_dir = ctx.data_dir
    return (
        Op(parent, lambda: warm_up(data_dir), db=False)
        .on_error(lambda exc: log.warning("printing warm-up failed: %s", type(exc).__name__))
        .start()
    )


def start_logs(ctx: AppContext) -> None:
    """The activity log (kernel/run_log.py) and the error log of a bug's dialog, both in
    the data directory."""
    from counter_app.kernel.run_log import install_run_log

    set_data_dir(ctx.data_dir)
    try:
        install_run_log(ctx.data_dir, ctx.config.log_level)
    except OSError as exc:
        log.warning("activity log unavailable: %s", type(exc).__name__)


def run_gui(data_dir: Path | None, no_error_dialogs: bool = False) -> int:
    """Open the data directory and run the window until it closes; the exit code. After a
    restore from Cài đặt (ui/recovery.py) the restored data takes the place of the data
    directory, and the program opens again on it."""
    from ui.recovery import finish_reopen, take_reopen

    while True:
        code = run_window(data_dir, no_error_dialogs)
        reopen = take_reopen()
        if reopen is None:
            return code
        aside = finish_reopen(*reopen)
        log.info("restored a backup; the earlier data is kept aside")
        bus().info(_("Đã khôi phục; dữ liệu trước đó được cất ở {path}").format(path=aside))
        data_dir = reopen[0]


def run_window(data_dir: Path | None, no_error_dialogs: bool = False) -> int:
    """One opening of the data directory, until the window closes."""
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
        from ui.recovery import recover_damaged_database

        # A damaged database: set aside, and the newest backup offered.
        if recover_damaged_database(data_dir or default_data_dir()):
            return run_window(data_dir, no_error_dialogs)
        show_error(None, exc)
        return 1
    start_logs(ctx)
    try:
        settings = UiSettings(ctx.data_dir)
        apply_appearance(app, settings)  # the sign-in dialog shows in this text size too
        apply_locale()  # in the language just read from the settings
        actor: Actor | None = None
        if ctx.config.office is None:
            finished, actor = first_start(ctx)
            if not finished:
                return 1
        if actor is None:
            actor = sign_in(ctx)
        if actor is None:
            return 1
        try:
            wait_for(ctx.refresh_reference)
        except CounterError as exc:
            show_error(None, exc)
            return 1
        from ui.main_window import MainWindow  # the screens load after the sign-in shows

        window = MainWindow(ctx, actor)
        watcher = IdleWatcher(settings.get(IDLE_LOCK_MINUTES), window)
        lock = SessionLock(ctx, window, watcher)
        window.lock_requested.connect(lock.lock)
        window.switch_user_requested.connect(lambda: lock.lock(switching=True))
        window.show()
        warm_printing(window, ctx)
        # What start-up built lives as long as the window: a full collection that walks it
        # again stalled the GUI thread for 250 ms at 1,000,000 dossiers.
        gc.collect()
        gc.freeze()
        quit_after = os.environ.get(QUIT_AFTER_ENV)
        if quit_after:
            QTimer.singleShot(int(quit_after), app.quit)
        code = app.exec()
        default_runner().wait_idle()
        return int(code)
    finally:
        ctx.close()
