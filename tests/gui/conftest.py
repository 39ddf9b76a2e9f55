"""GUI test helpers: typing Vietnamese without pytest-qt's ASCII-only keyClicks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from counter_app.i18n import current_language, set_language
from ui.errors import set_dialogs_enabled
from ui.tasks import default_runner


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
