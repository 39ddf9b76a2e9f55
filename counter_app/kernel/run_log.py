"""The activity log: what the program did, in `logs/counter-app.log` of the data directory.

A `RotatingFileHandler` (1 MiB, then `.1` … `.5`, the oldest dropped), each file mode 0600
in the 0700 `logs` folder, at the level of config.json `log_level` (INFO by default).

What is logged is the program's own doing (a backup written, a sync run, a setting
changed), never a citizen's data: no name, ID number, phone, address or birth date. Two
rules hold that line for records that do not come from us:

- an exception attached to a record (`log.exception`, `exc_info=`) is written as its type
  and frames only (`error_log.describe`), never its message, which may quote a row;
- the HTTP client's request lines (`httpx`, `httpcore`) are kept at WARNING: they would
  otherwise log every address the sync calls.

A bug's full report (type and frames, with a reference) is the error log's (`error_log.py`).
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
from pathlib import Path
from typing import Any

from counter_app.files import PRIVATE_FILE_MODE, make_private_dir
from counter_app.kernel.error_log import LOG_DIR_NAME, describe, log_dir_for

RUN_LOG_FILE_NAME = "counter-app.log"
MAX_RUN_LOG_BYTES = 1024 * 1024
RUN_LOG_BACKUPS = 5
QUIET_LIBRARIES = ("httpx", "httpcore", "urllib3", "multipart", "PIL")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

__all__ = ["LOG_DIR_NAME", "PrivateRotatingHandler", "install_run_log", "run_log_path"]


class _NoExceptionMessages(logging.Formatter):
    """A formatter whose tracebacks carry types and frames, never messages."""

    def format(self, record: logging.LogRecord) -> str:
        cached = record.exc_text  # another handler's full traceback: not ours to write
        record.exc_text = None
        try:
            return super().format(record)
        finally:
            record.exc_text = cached

    def formatException(self, ei: Any) -> str:
        exc = ei[1] if isinstance(ei, tuple) else None
        return describe(exc) if isinstance(exc, BaseException) else ""

    def formatStack(self, stack_info: str) -> str:
        return stack_info  # file:line pairs only: a stack has no values


class PrivateRotatingHandler(logging.handlers.RotatingFileHandler):
    """A rotating file handler whose every file (the first, and each after a rollover) is
    created 0600, whatever the umask."""

    def _open(self) -> io.TextIOWrapper:
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
        descriptor = os.open(self.baseFilename, flags, PRIVATE_FILE_MODE)
        if os.name == "posix":
            os.fchmod(descriptor, PRIVATE_FILE_MODE)  # a file an older program left open
        return os.fdopen(descriptor, "a", encoding=self.encoding or "utf-8")


def run_log_path(data_dir: Path | None) -> Path:
    return log_dir_for(data_dir) / RUN_LOG_FILE_NAME


def install_run_log(data_dir: Path | None, level: str = "INFO") -> Path:
    """Send the `counter_app` loggers (and the root's) to the activity log at `level`;
    replaces a log this process installed before (another data directory, another level).
    Returns the log's path. Raises OSError when the folder cannot be made."""
    path = run_log_path(data_dir)
    make_private_dir(path.parent)
    handler = PrivateRotatingHandler(
        path, maxBytes=MAX_RUN_LOG_BYTES, backupCount=RUN_LOG_BACKUPS, encoding="utf-8"
    )
    handler.setFormatter(_NoExceptionMessages(FORMAT))
    handler.setLevel(level)
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, PrivateRotatingHandler)]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > handler.level:
        root.setLevel(handler.level)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    return path


def remove_run_log() -> None:
    """Close the activity log (tests; the end of the GUI)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, PrivateRotatingHandler)]:
        root.removeHandler(old)
        old.close()
