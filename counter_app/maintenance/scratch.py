"""Working folders of the maintenance commands, and the clean-up of those a killed one left.

A command's folder `<parent>/<prefix><token>` (mode 0700) has a lock file beside it,
`<parent>/<prefix><token>.lock`, which the command holds locked while it works. A folder
whose lock is free, or gone, belongs to a process that died: the next command using the
same prefix removes it, together with the files it listed as leftovers (the `.partial` a
backup writes beside its target). So a killed backup leaves no copy of the database and
no half zip behind for longer than until the next backup.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from counter_app.files import PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, try_lock

LOCK_SUFFIX = ".lock"
LEFTOVERS = "leftovers"
LEFTOVER_SUFFIX = ".partial"  # the only kind of file outside the folder a clean-up removes


@dataclass(frozen=True)
class Scratch:
    path: Path
    token: str

    def note_leftover(self, path: Path) -> None:
        """Remove `path` (a `.partial` file) with this folder if this process dies."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
        with os.fdopen(os.open(self.path / LEFTOVERS, flags, PRIVATE_FILE_MODE), "a") as out:
            out.write(os.fspath(path) + "\n")


def _is_still(descriptor: int, path: Path) -> bool:
    """Is the open file still the one at `path` (no clean-up removed it meanwhile)?"""
    try:
        return os.path.samestat(os.fstat(descriptor), path.stat())
    except OSError:
        return False


def _remove(folder: Path) -> None:
    with contextlib.suppress(OSError):
        for line in (folder / LEFTOVERS).read_text().splitlines():
            if line.endswith(LEFTOVER_SUFFIX):
                Path(line).unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)


def _folder_of(lock: Path) -> Path:
    return lock.with_name(lock.name[: -len(LOCK_SUFFIX)])


def remove_stale(parent: Path, prefix: str) -> None:
    """Remove the working folders (and leftovers) of dead processes using `prefix`."""
    if not parent.is_dir():
        return
    pattern = glob.escape(str(parent / prefix))
    for name in glob.glob(pattern + "*" + LOCK_SUFFIX):
        lock = Path(name)
        try:
            descriptor = os.open(lock, os.O_RDWR)
        except OSError:
            continue
        try:
            stale = try_lock(descriptor) and _is_still(descriptor, lock)
            if stale:
                _remove(_folder_of(lock))
        finally:
            os.close(descriptor)
        if stale:
            lock.unlink(missing_ok=True)
    for name in glob.glob(pattern + "*"):
        folder = Path(name)
        if folder.is_dir() and not Path(name + LOCK_SUFFIX).exists():
            _remove(folder)


@contextlib.contextmanager
def scratch_dir(parent: Path, prefix: str) -> Iterator[Scratch]:
    """A new working folder in `parent` for this process, removed at the end (after the
    folders of dead processes with the same prefix)."""
    remove_stale(parent, prefix)
    while True:
        descriptor, name = tempfile.mkstemp(prefix=prefix, suffix=LOCK_SUFFIX, dir=parent)
        lock = Path(name)
        if try_lock(descriptor) and _is_still(descriptor, lock):
            break
        os.close(descriptor)  # a clean-up took it between its making and its locking
    folder = _folder_of(lock)
    try:
        folder.mkdir(mode=PRIVATE_DIR_MODE)
        yield Scratch(folder, folder.name[len(prefix) :])
    finally:
        _remove(folder)
        os.close(descriptor)
        lock.unlink(missing_ok=True)
