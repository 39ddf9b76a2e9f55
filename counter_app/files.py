"""Files the app writes: whole or not at all (STYLE §14)."""

from __future__ import annotations

import os
from pathlib import Path

from counter_app.errors import StorageError
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
