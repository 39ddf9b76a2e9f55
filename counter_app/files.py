"""Files the app writes: whole or not at all, so a crash never leaves half a file; and the
files a user hands in: regular files only, read with a size cap (and JSON with a depth cap).
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from pathlib import Path

from counter_app.errors import StorageError, ValidationError
from counter_app.i18n import _

PRIVATE_FILE_MODE = 0o600
"""Every file the program writes: config, database, keys, exports, backups, page store."""
PRIVATE_DIR_MODE = 0o700
"""Every folder it makes (Decree 13/2023: citizens' data is for the app's user only)."""


def try_lock(descriptor: int) -> bool:
    """Take an exclusive lock on an open file without waiting: False when a live process
    holds it. A lock dies with its process, so a free lock on a working file means the
    process that wrote it was killed."""
    try:
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def make_private_dir(path: Path) -> Path:
    """Make `path` and any missing parent, each new folder readable only by this user."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
    return path


def write_atomically(path: Path, data: bytes, *, mode: int = PRIVATE_FILE_MODE) -> Path:
    """Write `data` to a temporary file beside `path`, flush it to disk, then rename it
    into place, so a reader never sees half a file; on error the temporary file is removed.

    `mode` is the permission of the new file (before the umask): readable by this user only
    unless a caller asks otherwise, since exports and settings carry citizens' data.
    """
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.unlink(missing_ok=True)  # a leftover would keep its own, older mode
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise StorageError(
            _("Không ghi được tệp {path}: {error}").format(path=path, error=exc.strerror)
        ) from exc
    return path


MAX_JSON_DEPTH = 20
"""The deepest nesting of arrays and objects a JSON file handed in may have (a catalog
needs 5); deeper is refused before parsing, where Python would run out of stack."""

_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def read_input_file(path: Path, *, max_bytes: int, what: str) -> bytes:
    """The bytes of a file the user hands in (an applicant, a catalog, a page, a key).

    Only a regular file is read: a folder, a device (/dev/zero) or a named pipe (which
    would wait forever for a writer) is refused, and so is anything over `max_bytes`,
    counted while reading, since a device or a growing file does not say its size.
    `what` names the file for the message ("người nộp", "danh mục"), already translated.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)  # non-blocking: opening a pipe does not wait
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            os.close(descriptor)
            raise ValidationError(
                _(
                    "Tệp {what} {path} không phải tệp thường (mà là thư mục, thiết bị hay ống dẫn)."
                ).format(what=what, path=path)
            )
        with os.fdopen(descriptor, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise ValidationError(
            _("Không đọc được tệp {what} {path}: {error}").format(
                what=what, path=path, error=exc.strerror
            )
        ) from exc
    if len(data) > max_bytes:
        raise ValidationError(
            _("Tệp {what} quá lớn (tối đa {size} byte).").format(what=what, size=max_bytes)
        )
    return data


def json_depth(text: str) -> int:
    """How deep arrays and objects nest in the JSON `text` (brackets inside strings aside)."""
    depth = deepest = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub('""', text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _refuse_constant(name: str) -> object:
    raise ValueError(name)  # NaN, Infinity: not JSON, and no count or amount is one


def read_json_input(
    path: Path, *, max_bytes: int, what: str, max_depth: int = MAX_JSON_DEPTH
) -> object:
    """A JSON document the user hands in (an applicant, a catalog), with one-line errors.

    Read by `read_input_file` (a regular file, at most `max_bytes`); nesting deeper than
    `max_depth` and the non-JSON constants NaN and Infinity are refused.
    """
    data = read_input_file(path, max_bytes=max_bytes, what=what)
    try:
        text = data.decode("utf-8")
        if json_depth(text) > max_depth:
            raise ValidationError(
                _("Tệp {what} lồng nhau quá {limit} tầng.").format(what=what, limit=max_depth)
            )
        return json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise ValidationError(
            _("Tệp {what} không phải JSON hợp lệ: {error}").format(what=what, error=exc)
        ) from exc
