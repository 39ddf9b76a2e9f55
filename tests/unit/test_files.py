"""Atomic writes: the whole file or none of it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from counter_app.errors import StorageError
from counter_app.files import write_atomically


def test_a_write_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "báo cáo.pdf"
    target.write_bytes(b"old")
    assert write_atomically(target, b"new content") == target
    assert target.read_bytes() == b"new content"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["báo cáo.pdf"]


def test_a_private_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "key.pem"
    write_atomically(target, b"secret", mode=0o600)
    assert stat.S_IMODE(target.stat().st_mode) & 0o077 == 0


def test_a_failed_write_is_a_storage_error_and_cleans_up(tmp_path: Path) -> None:
    target = tmp_path / "missing-folder" / "out.pdf"
    with pytest.raises(StorageError) as caught:
        write_atomically(target, b"data")
    assert str(target) in caught.value.message
    assert "\n" not in caught.value.message
    blocked = tmp_path / "a-folder"
    blocked.mkdir()
    with pytest.raises(StorageError):
        write_atomically(blocked, b"data")  # a folder cannot be replaced by a file
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a-folder"]
