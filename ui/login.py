"""Sign-in, the idle lock and switching user."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)

from counter_app.errors import CounterError
from counter_app.i18n import _
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import Actor, authenticate
from ui.bus import bus
from ui.errors import show_error
from ui.fit import centre_on_screen
from ui.icons import mark_primary
from ui.settings import IDLE_LOCK_MINUTES, UiSettings
from ui.style import set_tone
from ui.tasks import Op, TaskRunner


class LoginDialog(QDialog):
    """Asks for login and password; `actor` is set when the dialog is accepted.

    With `locked_to`, the dialog unlocks the screen for that user; "Đổi người dùng"
    (Alt+D) frees the login field to sign in as someone else.
    """

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        locked_to: Actor | None = None,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.actor: Actor | None = None
        self._runner = runner
        self.setWindowTitle(_("Màn hình khóa") if locked_to else _("Đăng nhập"))
        self.login = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setObjectName("login_message")
        set_tone(self.message, "error")
        self.message.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_("Tên đăng nhập"), self.login)
        form.addRow(_("Mật khẩu"), self.password)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        mark_primary(buttons.button(QDialogButtonBox.StandardButton.Ok))
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            _("Mở khóa") if locked_to else _("Đăng nhập")
        )
        if locked_to is not None:
            switch = buttons.addButton(_("&Đổi người dùng"), QDialogButtonBox.ButtonRole.ResetRole)
            switch.clicked.connect(self._free_login)
            self.login.setText(locked_to.login)
            self.login.setReadOnly(True)
            heading = QLabel(
                _("Màn hình đã khóa. {name} nhập mật khẩu để tiếp tục.").format(name=locked_to.name)
            )
        else:
            buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
            heading = QLabel(_("Quầy Một Cửa — đăng nhập để làm việc."))
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        (self.password if locked_to else self.login).setFocus()
        self._busy = False

    def _free_login(self) -> None:
        self.login.setReadOnly(False)
        self.login.clear()
        self.password.clear()
        self.login.setFocus()

    def submit(self) -> None:
        if self._busy:
            return
        login, password = self.login.text().strip(), self.password.text()
        if not login or not password:
            self.message.setText(_("Nhập tên đăng nhập và mật khẩu."))
            return
        self._busy = True
        ctx = self.ctx
        Op(self, lambda: authenticate(ctx, login, password), runner=self._runner).on_success(
            self._signed_in
        ).on_error(self._failed).start()

    def _signed_in(self, actor: Actor) -> None:
        self._busy = False
        self.actor = actor
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.password.clear()
        self.password.setFocus()
        if isinstance(exc, CounterError):
            self.message.setText(exc.message)
        else:
            show_error(self, exc)


class IdleWatcher(QObject):
    """Emits `idle` after `minutes` without keyboard or mouse input (0: never).

    Signals:
        idle(): the time ran out.
    """

    idle = Signal()
    _INPUT = frozenset(
        {
            QEvent.Type.KeyPress,
            QEvent.Type.MouseButtonPress,
            QEvent.Type.MouseMove,
            QEvent.Type.Wheel,
        }
    )

    def __init__(self, minutes: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.idle)
        self.set_minutes(minutes)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def set_minutes(self, minutes: int) -> None:
        self._timer.stop()
        self._timer.setInterval(minutes * 60_000)
        if minutes > 0:
            self._timer.start()

    def restart(self) -> None:
        if self._timer.interval() > 0:
            self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in self._INPUT and self._timer.interval() > 0:
            self._timer.start()
        return False


class SessionLock(QObject):
    """Locks `window` when idle or asked, and signs in again (the same or another user)."""

    def __init__(self, ctx: AppContext, window: QMainWindow, watcher: IdleWatcher) -> None:
        super().__init__(window)
        self.ctx = ctx
        self.window = window
        self.watcher = watcher
        self.dialog: LoginDialog | None = None
        watcher.idle.connect(self.lock)
        bus().settings_changed.connect(self._settings_changed)

    def _settings_changed(self) -> None:
        self.watcher.set_minutes(UiSettings(self.ctx.data_dir).get(IDLE_LOCK_MINUTES))

    def lock(self, *, switching: bool = False) -> None:
        window = self.window
        if self.dialog is not None:
            return
        actor: Actor = window.actor  # type: ignore[attr-defined]
        central = window.centralWidget()
        if central is not None:
            central.setVisible(False)  # citizens' data is not left on an unattended screen
        self.dialog = LoginDialog(self.ctx, window, locked_to=None if switching else actor)
        self.dialog.setModal(True)
        self.dialog.finished.connect(lambda _result: self._unlocked(actor))
        centre_on_screen(self.dialog)  # not on the window, which may be anywhere
        self.dialog.open()

    def _unlocked(self, previous: Actor) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is None:
            return
        if dialog.actor is None:  # a switch-user dialog cancelled: back to the lock
            self.lock()
            return
        central = self.window.centralWidget()
        if central is not None:
            central.setVisible(True)
        if dialog.actor != previous:
            self.window.set_actor(dialog.actor)  # type: ignore[attr-defined]
        self.watcher.restart()
