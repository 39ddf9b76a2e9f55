"""The error log: where a bug (an exception that is not a `CounterError`) is written down.

The user sees one line with a reference; the log keeps, under that reference, what a
developer needs to find the bug: the exception's type and where it was raised (file, line,
function of each frame, and of the exceptions it came from). It never keeps an exception's
message, arguments or local variables: those may hold a citizen's name, ID number or birth
date (a PostgreSQL constraint error quotes the whole row), and the log is kept longer than
the moment the error happened (docs/privacy.md).

The log is `logs/errors.log` in the data directory (else in the user's log folder), mode
0600 in a 0700 folder; past `MAX_LOG_BYTES` it moves to `errors.log.1`, replacing the older.
"""

from __future__ import annotations

import errno
import os
import secrets
import traceback
from datetime import UTC, datetime
from pathlib import Path

import platformdirs

from counter_app import __version__
from counter_app.files import PRIVATE_FILE_MODE, make_private_dir

LOG_DIR_NAME = "logs"
LOG_FILE_NAME = "errors.log"
MAX_LOG_BYTES = 1024 * 1024


def log_dir_for(data_dir: Path | None) -> Path:
    """The data directory's `logs`, else (no data directory yet) the user's log folder."""
    if data_dir is not None and data_dir.is_dir():
        return data_dir / LOG_DIR_NAME
    return Path(platformdirs.user_log_dir("counter-app", appauthor=False))


def describe(exc: BaseException) -> str:
    """The exception's type and frames, and those of its causes, without any message."""
    lines: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        kind = type(current)
        name = f"{kind.__module__}.{kind.__qualname__}"
        errno_name = _errno_name(current)
        lines.append(f"  {name}{f' [{errno_name}]' if errno_name else ''}")
        for frame in traceback.extract_tb(current.__traceback__):
            lines.append(f"    {frame.filename}:{frame.lineno} in {frame.name}")
        following = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
        if following is not None:
            lines.append("  " + ("caused by:" if current.__cause__ else "while handling:"))
        current = following
    return "\n".join(lines)


def _errno_name(exc: BaseException) -> str:
    number = getattr(exc, "errno", None) if isinstance(exc, OSError) else None
    return errno.errorcode.get(number, "") if isinstance(number, int) else ""


def record_error(exc: BaseException, data_dir: Path | None, *, where: str = "") -> tuple[str, Path]:
    """Append the exception to the error log; returns its reference and the log's path.

    Raises OSError when the log cannot be written (the caller still shows the reference).
    """
    now = datetime.now(UTC)
    reference = f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
    folder = make_private_dir(log_dir_for(data_dir))
    path = folder / LOG_FILE_NAME
    try:
        if path.stat().st_size > MAX_LOG_BYTES:
            os.replace(path, path.with_name(LOG_FILE_NAME + ".1"))
    except FileNotFoundError:
        pass
    entry = (
        f"{now.isoformat(timespec='seconds')} {reference} counter-app {__version__}"
        f"{f' ({where})' if where else ''}\n{describe(exc)}\n"
    )
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
    with os.fdopen(os.open(path, flags, PRIVATE_FILE_MODE), "a", encoding="utf-8") as handle:
        handle.write(entry)
    return reference, path
