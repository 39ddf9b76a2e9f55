"""Backup and restore: nothing lost, nobody let in.

A backup never lands on the data it copies or on a file that is not a backup; a killed one
leaves nothing behind; an open backup carries no device secret, a sealed one needs its
passphrase; a restore that fails leaves the data directory as it was.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import stat
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from counter_app.cli.main import main
from counter_app.documents.receipt_qr import KEY_DIR, KEY_FILE, load_or_create_key
from counter_app.kernel.admin_log import ENROLMENT, record_change
from counter_app.kernel.context import AppContext, open_context
from counter_app.maintenance import sealing
from counter_app.maintenance.service import (
    BACKUP_MANIFEST,
    BACKUP_SCRATCH_PREFIX,
    SYNC_DEVICE_TABLE,
    backup,
    restore,
    verify,
)
from counter_app.store.engine import SQLITE_FILE_NAME
from counter_app.sync.models import SyncDevice
from tests.conftest import make_data_dir
from tests.unit.test_audit_verify import dossier_with_everything

DEVICE_SECRET = "f00dfeedcafe" * 4
PASSPHRASE = "mật khẩu sao lưu 2026"


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str

    def ok(self) -> str:
        assert self.code == 0, self.err
        return self.out

    def one_line_failure(self) -> str:
        assert self.code != 0, self.out
        lines = self.err.strip().splitlines()
        assert len(lines) == 1, self.err
        assert "Traceback" not in self.err
        return lines[0]


Cli = Callable[..., Ran]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """`counter-app ARGS` in this process, standard input given."""

    def run(*args: str, stdin: str = "") -> Ran:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main([str(arg) for arg in args])
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    return run


@pytest.fixture(autouse=True)
def quick_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cheap key derivation for speed; the header records it, so restore follows."""
    monkeypatch.setattr(sealing, "SCRYPT_LOG2_N", 10)


def enrol(ctx: AppContext) -> None:
    with ctx.session() as session:
        session.add(
            SyncDevice(
                id=1,
                device_id="dev-0001",
                secret=DEVICE_SECRET,
                hub_url="https://hub.example",
                office_unit="22333",
                block_first=1,
                block_last=999,
                enrolled_at=datetime(2026, 3, 2, tzinfo=UTC),
                clock_offset_seconds=0.0,
            )
        )
        # What enrolment writes beside the device (sync.service.enroll): its admin log row.
        record_change(
            session,
            kind="enrolment.add",
            actor="system",
            actor_role="admin",
            at=datetime(2026, 3, 2, tzinfo=UTC),
            groups={ENROLMENT},
        )


@pytest.fixture
def filled(tmp_path: Path) -> Iterator[AppContext]:
    """A data directory with a dossier, scanned pages, a receipt key and a hub enrolment."""
    (tmp_path / "source").mkdir()
    ctx = open_context(make_data_dir(tmp_path / "source"))
    dossier_with_everything(ctx)
    load_or_create_key(ctx.data_dir)
    enrol(ctx)
    yield ctx
    ctx.close()


def snapshot_of(folder: Path) -> dict[str, bytes]:
    """Every file's bytes; the database by its rows (SQLite rewrites its -shm on reading)."""
    files = {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith(SQLITE_FILE_NAME)
    }
    database = folder / SQLITE_FILE_NAME
    if database.exists():
        connection = sqlite3.connect(database)
        files[SQLITE_FILE_NAME] = "\n".join(connection.iterdump()).encode()
        connection.close()
    return files


def zip_bytes(archive: Path) -> bytes:
    with zipfile.ZipFile(archive) as opened:
        return b"".join(opened.read(name) for name in opened.namelist())


def device_rows(data_dir: Path) -> list[str]:
    engine = sa.create_engine(f"sqlite:///{data_dir / SQLITE_FILE_NAME}")
    with engine.connect() as connection:
        rows = connection.execute(sa.text(f"SELECT secret FROM {SYNC_DEVICE_TABLE}")).all()
    engine.dispose()
    return [row[0] for row in rows]


def test_the_device_table_name_is_the_sync_slices() -> None:
    assert SyncDevice.__tablename__ == SYNC_DEVICE_TABLE


# --- §1: a backup never destroys data ------------------------------------------------------


@pytest.mark.parametrize("inside", [SQLITE_FILE_NAME, "config.json", "new.zip", "pages/x.zip"])
def test_a_target_inside_the_data_dir_is_refused(filled: AppContext, cli: Cli, inside: str) -> None:
    before = snapshot_of(filled.data_dir)
    line = cli("backup", filled.data_dir / inside, "--data-dir", filled.data_dir).one_line_failure()
    assert "thư mục dữ liệu" in line
    assert snapshot_of(filled.data_dir) == before
    assert verify(filled).ok


def test_a_link_into_the_data_dir_is_refused(filled: AppContext, cli: Cli, tmp_path: Path) -> None:
    link = tmp_path / "looks-harmless.zip"
    link.symlink_to(filled.data_dir / SQLITE_FILE_NAME)
    before = snapshot_of(filled.data_dir)
    cli("backup", link, "--data-dir", filled.data_dir).one_line_failure()
    assert snapshot_of(filled.data_dir) == before and link.is_symlink()


def test_an_existing_file_that_is_not_a_backup_is_refused(
    filled: AppContext, cli: Cli, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("biên bản họp", encoding="utf-8")
    other_zip = tmp_path / "photos.zip"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("a.jpg", b"jpeg")
    for target in (notes, other_zip):
        before = target.read_bytes()
        line = cli("backup", target, "--data-dir", filled.data_dir).one_line_failure()
        assert "không phải bản sao lưu" in line
        assert target.read_bytes() == before


def test_what_is_not_a_regular_file_is_refused(
    filled: AppContext, cli: Cli, tmp_path: Path
) -> None:
    """`backup /dev/full` as root replaced the device node; a FIFO stands in for it here."""
    fifo = tmp_path / "device"
    os.mkfifo(fifo)
    line = cli("backup", fifo, "--data-dir", filled.data_dir).one_line_failure()
    assert "không phải một tệp thường" in line
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    folder = tmp_path / "folder"
    folder.mkdir()
    cli("backup", folder, "--data-dir", filled.data_dir).one_line_failure()
    assert folder.is_dir() and not any(folder.iterdir())
    cli("backup", tmp_path / "no-such-folder" / "b.zip", "--data-dir", filled.data_dir)
    assert not (tmp_path / "no-such-folder").exists()


def test_an_earlier_backup_is_replaced_whole(filled: AppContext, cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "backup.zip"
    cli("backup", target, "--data-dir", filled.data_dir).ok()
    cli("backup", target, "--data-dir", filled.data_dir).ok()  # open over open
    cli("backup", target, "--passphrase-stdin", "--data-dir", filled.data_dir, stdin=PASSPHRASE)
    assert sealing.is_sealed(target)
    cli("backup", target, "--data-dir", filled.data_dir).ok()  # open over sealed
    assert zipfile.is_zipfile(target)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "source") == ["backup.zip"]


def test_backing_up_postgresql_is_refused_in_one_line(any_ctx: AppContext, cli: Cli) -> None:
    target = any_ctx.data_dir.parent / "backup.zip"
    result = cli("backup", target, "--data-dir", any_ctx.data_dir)
    if any_ctx.engine.dialect.name == "sqlite":
        result.ok()
        assert zipfile.is_zipfile(target)
    else:
        assert "pg_dump" in result.one_line_failure()
        assert not target.exists()


KILL_DURING_BACKUP = """
import os, sys
from pathlib import Path
from counter_app.kernel.context import open_context
from counter_app.maintenance import service

def killed(*args, **kwargs):
    os._exit(9)  # as if the power went: no clean-up of any kind

service._write_zip = killed
with open_context(Path(sys.argv[1])) as ctx:
    service.backup(ctx, Path(sys.argv[2]))
"""


def test_a_killed_backup_leaves_nothing_once_the_next_one_starts(
    filled: AppContext, tmp_path: Path
) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    target = tmp_path / "out" / "backup.zip"
    target.parent.mkdir()
    killed = subprocess.run(
        [sys.executable, "-c", KILL_DURING_BACKUP, str(filled.data_dir), str(target)],
        env={**os.environ, "TMPDIR": str(temporary), "TEMP": str(temporary)},
        capture_output=True,
        timeout=120,
    )
    assert killed.returncode == 9, killed.stderr
    assert not target.exists()
    assert list(temporary.iterdir()) == []  # no copy of the database in the temp folder
    left = [p.name for p in filled.data_dir.iterdir() if p.name.startswith(BACKUP_SCRATCH_PREFIX)]
    assert left  # the copy waits inside the data directory (0700), for the next backup
    assert [p.suffix for p in target.parent.iterdir()] == [".partial"]

    backup(filled, tmp_path / "next.zip")
    assert not any(p.name.startswith(BACKUP_SCRATCH_PREFIX) for p in filled.data_dir.iterdir())
    assert list(target.parent.iterdir()) == []


def test_a_failed_backup_cleans_up_at_once(
    filled: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from counter_app.maintenance import service

    def full_disk(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(service, "_write_zip", full_disk)
    with pytest.raises(service.StorageError):
        backup(filled, tmp_path / "backup.zip")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["source"]
    assert not any(p.name.startswith(BACKUP_SCRATCH_PREFIX) for p in filled.data_dir.iterdir())


# --- §5: what a backup carries, and to whom --------------------------------------------------


def test_an_open_backup_leaves_the_device_secret_and_keys_out(
    filled: AppContext, cli: Cli, tmp_path: Path
) -> None:
    archive = tmp_path / "open.zip"
    out = cli("backup", archive, "--data-dir", filled.data_dir).ok()
    assert "ghi danh lại" in out
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with zipfile.ZipFile(archive) as opened:
        assert f"{KEY_DIR}/{KEY_FILE}" not in opened.namelist()
    assert DEVICE_SECRET.encode() not in zip_bytes(archive)  # not even in a freed page
    assert device_rows(filled.data_dir) == [DEVICE_SECRET]  # the live database keeps it

    restored = tmp_path / "restored"
    out = cli("restore", archive, "--data-dir", restored).ok()
    assert "ghi danh lại" in out
    assert device_rows(restored) == []
    assert not (restored / KEY_DIR).exists()


def test_a_sealed_backup_keeps_everything_and_needs_its_passphrase(
    filled: AppContext, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "sealed.bak"
    cli("backup", archive, "--passphrase-stdin", "--data-dir", filled.data_dir, stdin=PASSPHRASE)
    raw = archive.read_bytes()
    assert raw.startswith(sealing.MAGIC) and not zipfile.is_zipfile(archive)
    assert DEVICE_SECRET.encode() not in raw and b"Nguy" not in raw
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    restored = tmp_path / "restored"

    line = cli("restore", archive, "--data-dir", restored).one_line_failure()
    assert "--passphrase-stdin" in line
    line = cli(
        "restore", archive, "--passphrase-stdin", "--data-dir", restored, stdin="sai mật khẩu\n"
    ).one_line_failure()
    assert "Sai mật khẩu" in line
    assert not restored.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sealed.bak", "source"]

    monkeypatch.setenv("COUNTER_APP_BACKUP_PASSPHRASE", PASSPHRASE)
    cli("restore", archive, "--data-dir", restored).ok()
    assert device_rows(restored) == [DEVICE_SECRET]
    key = restored / KEY_DIR / KEY_FILE
    assert key.read_bytes() == (filled.data_dir / KEY_DIR / KEY_FILE).read_bytes()
    with open_context(restored) as ctx:
        assert verify(ctx).ok


def test_a_short_passphrase_is_refused_and_nothing_written(
    filled: AppContext, cli: Cli, tmp_path: Path
) -> None:
    archive = tmp_path / "sealed.bak"
    args = ("backup", archive, "--passphrase-stdin", "--data-dir", filled.data_dir)
    assert "8" in cli(*args, stdin="ngắn\n").one_line_failure()
    cli(*args, stdin="\n").one_line_failure()
    assert not archive.exists()


@pytest.mark.parametrize("damage", ["flip", "cut", "cut-at-chunk", "header"])
def test_a_damaged_sealed_backup_is_refused_whole(
    filled: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    monkeypatch.setattr(sealing, "CHUNK_BYTES", 4096)  # several chunks for a small backup
    archive = backup(filled, tmp_path / "sealed.bak", passphrase=PASSPHRASE).path
    raw = bytearray(archive.read_bytes())
    whole = 4096 + sealing.TAG_BYTES
    start = sealing.HEADER.size + sealing.TAG_BYTES
    if damage == "flip":
        raw[start + whole + 10] ^= 1
    elif damage == "cut":
        del raw[-7:]
    elif damage == "cut-at-chunk":
        del raw[start + 2 * whole :]
    else:
        raw[12] ^= 1  # the salt: the check fails as for a wrong passphrase
    archive.write_bytes(bytes(raw))
    restored = tmp_path / "restored"
    with pytest.raises(sealing.ValidationError) as caught:
        restore(archive, restored, passphrase=PASSPHRASE)
    expected = "Sai mật khẩu" if damage == "header" else "bị hỏng"
    assert expected in caught.value.message
    assert not restored.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sealed.bak", "source"]


# --- §8: a restore that fails changes nothing -------------------------------------------------


def rezip(source: Path, target: Path, rename: Callable[[str], str | None], extra=()) -> None:
    """A copy of a backup zip with entries renamed (None: dropped) and extra entries."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name, data in extra:
            new.writestr(name, data)
        for info in old.infolist():
            renamed = rename(info.filename)
            if renamed is not None:
                new.writestr(renamed, old.read(info))


def test_a_restore_that_fails_verify_leaves_the_data_dir_as_it_was(
    filled: AppContext, cli: Cli, tmp_path: Path
) -> None:
    good = backup(filled, tmp_path / "good.zip").path
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(good) as old, zipfile.ZipFile(bad, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            new.writestr(info.filename, b"changed" if info.filename.startswith("pages/") else data)
    absent, empty = tmp_path / "absent", tmp_path / "empty"
    empty.mkdir(mode=0o700)
    for target in (absent, empty):
        line = cli("restore", bad, "--data-dir", target).one_line_failure()
        assert "kiểm tra toàn vẹn" in line
    assert not absent.exists() and list(empty.iterdir()) == []
    assert not [p for p in tmp_path.iterdir() if ".restore-" in p.name]
    # The next restore is not refused because of the failed one.
    cli("restore", good, "--data-dir", empty).ok()
    with open_context(empty) as ctx:
        assert verify(ctx).ok
    # And a damaged backup can still be saved on purpose.
    cli("restore", bad, "--force", "--data-dir", absent).ok()


def test_a_restore_never_writes_over_a_data_dir_in_use(
    filled: AppContext, cli: Cli, tmp_path: Path
) -> None:
    archive = backup(filled, tmp_path / "backup.zip").path
    before = snapshot_of(filled.data_dir)
    line = cli("restore", archive, "--data-dir", filled.data_dir).one_line_failure()
    assert "đã có cơ sở dữ liệu" in line
    other = tmp_path / "other"
    other.mkdir()
    (other / "ghi-chú.txt").write_text("giữ", encoding="utf-8")
    cli("restore", archive, "--data-dir", other).one_line_failure()
    assert snapshot_of(filled.data_dir) == before
    assert sorted(p.name for p in other.iterdir()) == ["ghi-chú.txt"]


def test_a_zip_with_folder_entries_as_windows_tools_make_them_restores(
    filled: AppContext, cli: Cli, tmp_path: Path
) -> None:
    """Explorer and PowerShell store folders as entries of their own, some with `\\`."""
    good = backup(filled, tmp_path / "good.zip").path
    with zipfile.ZipFile(good) as opened:
        folders = sorted({name.rsplit("/", 1)[0] for name in opened.namelist() if "/" in name})
    extra = [("pages/", b"")] + [(folder + "/", b"") for folder in folders]
    windows = tmp_path / "windows.zip"
    rezip(good, windows, lambda name: name.replace("/", "\\"), extra)
    restored = tmp_path / "restored"
    cli("restore", windows, "--data-dir", restored).ok()
    assert snapshot_of(restored / "pages") == snapshot_of(filled.pages_dir)
    with open_context(restored) as ctx:
        assert verify(ctx).ok
    assert all(
        stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600)
        for path in [restored, *restored.rglob("*")]
    )


def test_a_backup_of_an_unknown_format_is_refused(
    filled: AppContext, cli: Cli, tmp_path: Path
) -> None:
    good = backup(filled, tmp_path / "good.zip").path
    future = tmp_path / "future.zip"
    with zipfile.ZipFile(good) as old, zipfile.ZipFile(future, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == BACKUP_MANIFEST:
                data = json.dumps({**json.loads(data), "format": 99}).encode()
            new.writestr(info.filename, data)
    line = cli("restore", future, "--data-dir", tmp_path / "restored").one_line_failure()
    assert "99" in line
    assert not (tmp_path / "restored").exists()


@pytest.mark.parametrize("evil", ["../escaped.txt", "/tmp/escaped.txt", "pages\\..\\..\\x", "C:x"])
def test_a_path_leaving_the_data_dir_is_refused(
    filled: AppContext, cli: Cli, tmp_path: Path, evil: str
) -> None:
    good = backup(filled, tmp_path / "good.zip").path
    slip = tmp_path / "slip.zip"
    rezip(good, slip, lambda name: name, [(evil, b"gotcha")])
    line = cli("restore", slip, "--data-dir", tmp_path / "a" / "restored").one_line_failure()
    assert "không an toàn" in line
    assert not (tmp_path / "a" / "restored").exists()
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "a" / "x").exists()


def test_a_file_that_is_not_a_backup_is_refused(cli: Cli, tmp_path: Path) -> None:
    not_zip = tmp_path / "bad.zip"
    not_zip.write_bytes(b"not a zip")
    cli("restore", not_zip, "--data-dir", tmp_path / "r").one_line_failure()
    cli("restore", tmp_path / "missing.zip", "--data-dir", tmp_path / "r").one_line_failure()
    assert not (tmp_path / "r").exists()
