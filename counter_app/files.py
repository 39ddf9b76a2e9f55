"""Files the app writes: whole or not at all (STYLE §14)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from counter_app.errors import StorageError, ValidationError
from counter_app.i18n import _


def write_atomically(path: Path, data: bytes, *, mode: int = 0o666) -> Path:
    """Write `data` to a temporary file beside `path`, flush it to disk, then rename it
    into place, so a reader never sees half a file; on error the temporary file is removed.

    `mode` is the permission of a new file (before the umask), e.g. 0o600 for a key.
    """
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
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


def read_json_input(path: Path, *, max_bytes: int, what: str) -> object:
    """A JSON document the user hands in (an applicant, a catalog), with one-line errors.

    `what` names the file for the message ("người nộp", "danh mục"), already translated.
    A file over `max_bytes` is refused before it is read.
    """
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ValidationError(
                _("Tệp {what} quá lớn ({size} byte).").format(what=what, size=size)
            )
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValidationError(
            _("Không đọc được tệp {what} {path}: {error}").format(
                what=what, path=path, error=exc.strerror
            )
        ) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(
            _("Tệp {what} không phải JSON hợp lệ: {error}").format(what=what, error=exc)
        ) from exc
