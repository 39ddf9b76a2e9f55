"""GUI test helpers: typing Vietnamese without pytest-qt's ASCII-only keyClicks, a context
read as the GUI's start-up reads it, and the check that only the database thread of the
task helper touches the database."""

from __future__ import annotations

import os
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

import ui
from counter_app.i18n import current_language, set_language
from counter_app.kernel.context import AppContext
from ui.errors import set_dialogs_enabled
from ui.tasks import default_runner, on_database_thread

UI_DIR = str(Path(ui.__file__).resolve().parent) + os.sep
# Scripts that drive the windows as a test does, staging their data directly.
UI_DRIVERS = frozenset({UI_DIR + "screenshots.py"})


def type_text(widget: QWidget, text: str) -> None:
    """Send each character as a key press/release (keyClicks aborts the process on non-ASCII)."""
    for char in text:
        for kind in (QKeyEvent.Type.KeyPress, QKeyEvent.Type.KeyRelease):
            event = QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char)
            QCoreApplication.sendEvent(widget, event)


def type_into_focus(text: str) -> None:
    """Type into whatever has the keyboard focus now, as a keyboard-wedge reader does."""
    for char in text:
        focus = QApplication.focusWidget()
        assert focus is not None, "no widget has the focus"
        type_text(focus, char)


class Keys:
    """The typing helpers as a fixture (test modules cannot import a conftest)."""

    type_text = staticmethod(type_text)
    type_into_focus = staticmethod(type_into_focus)


@pytest.fixture
def keys() -> Keys:
    return Keys()


@pytest.fixture(autouse=True)
def _no_dialogs(qapp: QApplication) -> Iterator[None]:
    """Errors become log lines; pending background jobs end before the next test; the
    application font and language a test changed (text size, English) do not leak on."""
    set_dialogs_enabled(False)
    font, language = QApplication.font(), current_language()
    yield
    default_runner().wait_idle()
    QCoreApplication.processEvents()
    set_dialogs_enabled(True)
    QApplication.setFont(font)
    set_language(language)


@pytest.fixture
def ctx(ctx: AppContext) -> AppContext:
    """As the GUI's start-up does it: the catalog and calendar the screens show, read first."""
    ctx.refresh_reference()
    return ctx


def _called_from_ui() -> bool:
    """Whether the innermost `ui` code on the stack belongs to the program, not a driver."""
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith(UI_DIR):
            return filename not in UI_DRIVERS
        frame = frame.f_back
    return False


class DatabaseUse:
    """Where the database was used outside the task helper's database thread by `ui` code:
    the GUI thread above all, or a parallel job. A test's own set-up (no `ui` frame on the
    stack) may use it anywhere."""

    def __init__(self) -> None:
        self.misuses: list[str] = []

    def check(self, what: str) -> None:
        if on_database_thread() or not _called_from_ui():
            return
        thread = threading.current_thread()
        where = "the GUI thread" if thread is threading.main_thread() else f"thread {thread.name}"
        frames = [f for f in traceback.extract_stack()[:-2] if "site-packages" not in f.filename]
        stack = "".join(traceback.format_list(frames[-12:]))
        self.misuses.append(f"{what} on {where}:\n{stack}")


@pytest.fixture(autouse=True)
def database_use(qapp: QApplication, monkeypatch: pytest.MonkeyPatch) -> Iterator[DatabaseUse]:
    """Fails the test when `ui` code opens a unit of work or takes a connection anywhere
    but on the database thread: the GUI thread never opens a session. Asking for the
    catalog or the calendar counts too, even when it would not read this time: off the
    database thread, screens read `AppContext.reference`."""
    use = DatabaseUse()
    opened = AppContext.session

    def session(self: AppContext) -> AbstractContextManager[Session]:
        use.check("AppContext.session()")
        return opened(self)

    def checkout(_dbapi: Any, _record: Any, _proxy: Any) -> None:
        use.check("a database connection")

    def checked(name: str) -> property:
        read = getattr(AppContext, name).fget

        def get(self: AppContext) -> Any:
            use.check(f"AppContext.{name}")
            return read(self)

        return property(get)

    monkeypatch.setattr(AppContext, "session", session)
    for name in ("catalog", "calendar"):
        monkeypatch.setattr(AppContext, name, checked(name))
    sa.event.listen(sa.pool.Pool, "checkout", checkout)
    try:
        yield use
        for _round in range(2):  # what the test started, and their callbacks, under the check
            default_runner().wait_idle()
            QCoreApplication.processEvents()
    finally:
        sa.event.remove(sa.pool.Pool, "checkout", checkout)
    if use.misuses:
        pytest.fail("database used off the database thread by ui code:\n" + use.misuses[0])
