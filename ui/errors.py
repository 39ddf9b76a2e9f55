"""The one way the UI shows a failure.

`show_error(parent, exc)`: an expected `CounterError` shows its one-line message; anything
else is a bug and shows a box with the exception's type and frames. A bug's message is never
shown or logged: it may quote a citizen's data (a database error names the row's values).
With dialogs off (`--no-error-dialogs`, tests, smoke runs) both become log lines, and a
bug a line on standard error too.

A bug's box (`CrashDialog`) holds a report to copy and send: the program's version, the
platform, the reference under which the error log keeps it, and the types and frames. It
stays until the clerk closes it.
"""

from __future__ import annotations

import logging
import platform
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6 import __version__ as pyside_version
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app import __version__
from counter_app.errors import CounterError
from counter_app.i18n import _
from counter_app.kernel.error_log import describe, record_error

log = logging.getLogger("counter_app.ui")

_dialogs_enabled = True
_data_dir: list[Path] = []


def set_data_dir(data_dir: Path | None) -> None:
    """Where a bug's report is kept (`logs/errors.log`); none: not kept (tests)."""
    _data_dir[:] = [] if data_dir is None else [data_dir]


def set_dialogs_enabled(enabled: bool) -> None:
    global _dialogs_enabled
    _dialogs_enabled = enabled


def dialogs_enabled() -> bool:
    return _dialogs_enabled


def error_details(exc: BaseException) -> str:
    """What a report of the bug may carry: types and frames, no message."""
    return describe(exc)


def crash_report(exc: BaseException, reference: str | None = None) -> str:
    """The report of a bug to copy: version, platform, reference, types and frames."""
    lines = [
        f"counter-app {__version__}",
        f"Python {platform.python_version()}, PySide6 {pyside_version}, {platform.platform()}",
    ]
    if reference:
        lines.append(_("Mã lỗi: {reference}").format(reference=reference))
    lines.append(error_details(exc))
    return "\n".join(lines)


def _keep(exc: BaseException) -> str | None:
    """The bug into the error log; its reference, or None when there is no log."""
    if not _data_dir:
        return None
    try:
        reference, _path = record_error(exc, _data_dir[0], where="gui")
    except OSError:
        return None
    return reference


class CrashDialog(QDialog):
    """A bug's report, selectable and with a button to copy it; closed only by the clerk."""

    def __init__(self, report: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Lỗi chương trình"))
        self.report = QPlainTextEdit(report)
        self.report.setReadOnly(True)
        self.report.setAccessibleName(_("Báo cáo lỗi"))
        self.copy_button = QPushButton(_("&Sao chép báo cáo"))
        self.copy_button.clicked.connect(self.copy)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        text = _(
            "Đã xảy ra lỗi ngoài dự kiến. Bấm “Sao chép báo cáo” rồi gửi cho bộ phận kỹ "
            "thuật; báo cáo không chứa dữ liệu của người dân."
        )
        layout.addWidget(QLabel(text, wordWrap=True))
        layout.addWidget(self.report, 1)
        layout.addWidget(buttons)
        self.resize(560, 320)

    def copy(self) -> None:
        clipboard = QApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(self.report.toPlainText())


def show_error(parent: QWidget | None, exc: BaseException) -> None:
    if isinstance(exc, CounterError):
        if not _dialogs_enabled:
            log.info("user error: %s", type(exc).__name__)  # a message may quote input
            return
        QMessageBox.warning(parent, _("Không thực hiện được"), exc.message)
        return
    details = error_details(exc)
    reference = _keep(exc)
    if not _dialogs_enabled:
        log.error("unexpected error: %s\n%s", type(exc).__name__, details)
        line = _("lỗi ngoài dự kiến {kind}, mã {reference}").format(
            kind=type(exc).__name__, reference=reference or "—"
        )
        sys.stderr.write(f"counter-app: {line}\n")
        return
    CrashDialog(crash_report(exc, reference), parent).exec()


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
