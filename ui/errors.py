"""The one way the UI shows a failure.

`show_error(parent, exc)`: an expected `CounterError` shows its one-line message; anything
else is a bug and shows a box with the exception's type and frames. A bug's message is never
shown or logged: it may quote a citizen's data (a database error names the row's values).
With dialogs off (`--no-error-dialogs`, tests, smoke runs) both become log lines.
"""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtWidgets import QMessageBox, QWidget

from counter_app.errors import CounterError
from counter_app.i18n import _
from counter_app.kernel.error_log import describe

log = logging.getLogger("counter_app.ui")

_dialogs_enabled = True


def set_dialogs_enabled(enabled: bool) -> None:
    global _dialogs_enabled
    _dialogs_enabled = enabled


def dialogs_enabled() -> bool:
    return _dialogs_enabled


def error_details(exc: BaseException) -> str:
    """What a report of the bug may carry: types and frames, no message."""
    return describe(exc)


def show_error(parent: QWidget | None, exc: BaseException) -> None:
    if isinstance(exc, CounterError):
        if not _dialogs_enabled:
            log.info("user error: %s", exc.message)
            return
        QMessageBox.warning(parent, _("Không thực hiện được"), exc.message)
        return
    details = error_details(exc)
    if not _dialogs_enabled:
        log.error("unexpected error: %s\n%s", type(exc).__name__, details)
        return
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(_("Lỗi chương trình"))
    box.setText(_("Đã xảy ra lỗi ngoài dự kiến. Hãy gửi chi tiết dưới đây cho bộ phận kỹ thuật."))
    box.setInformativeText(type(exc).__name__)
    box.setDetailedText(details)
    box.exec()


def install_excepthook() -> None:
    """Uncaught exceptions in slots go to `show_error` instead of vanishing."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        exc.__traceback_text__ = "".join(  # type: ignore[attr-defined]
            traceback.format_exception(kind, exc, tb)
        )
        show_error(None, exc)

    sys.excepthook = hook
