"""Automatic backups, restore over a data directory in use, a damaged database, the activity
log, and a data directory made by the previous release."""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import stat
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from counter_app.cli.main import main
from counter_app.domain.lifecycle import Role
from counter_app.domain.retention import backups_to_keep
from counter_app.errors import ConfigError, PermissionDeniedError, ValidationError
from counter_app.kernel.config import AppConfig, load_config
from counter_app.kernel.context import AppContext, open_context
from counter_app.kernel.run_log import (
    PrivateRotatingHandler,
    install_run_log,
    remove_run_log,
    run_log_path,
)
from counter_app.kernel.users import SYSTEM_ACTOR, Actor
from counter_app.maintenance import sealing
from counter_app.maintenance.auto import (
    PASSPHRASE_ENV,
    backup_file_name,
    database_is_damaged,
    latest_backup,
    our_backups,
    read_state,
    readiness,
    reminder,
    run_auto_backup,
    save_passphrase,
    set_aside_damaged,
    set_backup_folder,
    stage_restore,
    stored_passphrase,
    swap_in_restored,
)
from counter_app.maintenance.service import verify
from counter_app.store.engine import SQLITE_FILE_NAME
from counter_app.store.migrate import COUNTER_MIGRATIONS
from counter_app.store.models import Dossier, Page
from tests.conftest import MutableClock
from tests.unit.test_audit_verify import dossier_with_everything

PASSPHRASE = "mật khẩu sao lưu tự động"
FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "data-dir-0.1.0"
CLERK = Actor("tiepnhan", "Tiếp nhận", Role.CLERK)


@pytest.fixture(autouse=True)
def quick_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cheap key derivation for speed; the header records it, so reading follows."""
    monkeypatch.setattr(sealing, "SCRYPT_LOG2_N", 10)
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "usb"
    path.mkdir()
    return path


@pytest.fixture
def ready(ctx: AppContext, folder: Path) -> AppContext:
    """A data directory with a dossier and pages, a backup folder and a kept passphrase."""
    dossier_with_everything(ctx)
    set_backup_folder(ctx, SYSTEM_ACTOR, folder)
    save_passphrase(ctx, SYSTEM_ACTOR, PASSPHRASE)
    return ctx


def count(ctx: AppContext, model: type) -> int:
    with ctx.session() as session:
        return int(session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one())


def test_an_automatic_backup_is_sealed_read_back_and_noted(
    ready: AppContext, folder: Path, clock: MutableClock
) -> None:
    steps: list[tuple[int, int]] = []
    result = run_auto_backup(ready, progress=lambda done, total: steps.append((done, total)))
    assert result.path.parent == folder.resolve()
    assert result.path.name == backup_file_name(ready.config, clock.now)
    assert result.path.name.startswith("quaymotcua-22333-Q1-20260302-0900")
    assert sealing.is_sealed(result.path)
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
    assert steps[-1] == (4, 4)  # the database, then three page files
    state = read_state(ready.data_dir)
    assert state.last_good_at == clock.now and state.last_good_file == result.path.name
    assert state.last_error is None
    assert reminder(clock.now, state, readiness(ready)) is None
    clock.now += timedelta(days=3)
    assert "3 ngày" in (reminder(clock.now, state, readiness(ready)) or "")
    # The passphrase file stays on this machine: 0600, and not inside the backup.
    kept = ready.data_dir / "keys" / "backup-passphrase"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert PASSPHRASE.encode() not in result.path.read_bytes()


def test_rotation_deletes_only_our_old_backups(
    ready: AppContext, folder: Path, clock: MutableClock
) -> None:
    first = run_auto_backup(ready).path
    # Forty earlier days of our backups (same content: rotation reads names and headers).
    start = clock.now
    earlier = [start - timedelta(days=n) for n in range(1, 41)]
    for moment in earlier:
        shutil.copy(first, folder / backup_file_name(ready.config, moment))
    # Not ours: another counter's, a file with our name but no sealed header, other files.
    other_counter = folder / first.name.replace("-Q1-", "-Q2-")
    shutil.copy(first, other_counter)
    impostor = folder / backup_file_name(ready.config, start - timedelta(days=50))
    impostor.write_bytes(b"PK\x03\x04 not a sealed backup")
    manual = folder / "ban-sao-luu-tay.zip"
    manual.write_bytes(b"the office's own file")
    partial = folder / f".{first.name}.abc.partial"
    partial.write_bytes(b"")
    clock.now = start + timedelta(hours=9)
    result = run_auto_backup(ready)
    taken = [start, *earlier, clock.now]
    expected = backups_to_keep(taken)
    assert {item.taken_at for item in our_backups(folder, ready.config)} == expected
    assert len(result.removed) == len(taken) - len(expected)
    for survivor in (other_counter, impostor, manual, partial):
        assert survivor.exists()
    assert latest_backup(ready.data_dir, ready.config) == result.path


def test_without_folder_or_passphrase_nothing_is_written_and_the_reason_kept(
    ctx: AppContext, folder: Path, clock: MutableClock
) -> None:
    with pytest.raises(ConfigError, match="thư mục sao lưu"):
        run_auto_backup(ctx)
    assert "thư mục sao lưu" in (read_state(ctx.data_dir).last_error or "")
    set_backup_folder(ctx, SYSTEM_ACTOR, folder)
    with pytest.raises(ConfigError, match="mật khẩu sao lưu"):
        run_auto_backup(ctx)
    assert list(folder.iterdir()) == []
    state = read_state(ctx.data_dir)
    assert state.last_good_at is None and state.last_attempt_at == clock.now
    # Only administrators choose where the data goes; a folder inside the data directory,
    # or one that is not there, is refused.
    with pytest.raises(PermissionDeniedError):
        set_backup_folder(ctx, CLERK, folder)
    with pytest.raises(PermissionDeniedError):
        save_passphrase(ctx, CLERK, PASSPHRASE)
    with pytest.raises(ConfigError):
        set_backup_folder(ctx, SYSTEM_ACTOR, ctx.data_dir / "pages")
    with pytest.raises(ConfigError):
        set_backup_folder(ctx, SYSTEM_ACTOR, folder / "missing")
    with pytest.raises(ValidationError):
        save_passphrase(ctx, SYSTEM_ACTOR, "short")
    assert stored_passphrase(ctx.data_dir) is None


def test_on_postgresql_the_database_server_backs_up(any_ctx: AppContext, folder: Path) -> None:
    set_backup_folder(any_ctx, SYSTEM_ACTOR, folder)
    save_passphrase(any_ctx, SYSTEM_ACTOR, PASSPHRASE)
    state = read_state(any_ctx.data_dir)
    if any_ctx.engine.dialect.name == "postgresql":
        with pytest.raises(ValidationError, match="pg_dump"):
            run_auto_backup(any_ctx)
        assert list(folder.iterdir()) == []
        assert reminder(any_ctx.clock(), state, readiness(any_ctx)) is None
    else:
        assert run_auto_backup(any_ctx).path.exists()


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main([str(arg) for arg in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_backup_auto_on_the_command_line(
    ready: AppContext,
    folder: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data_dir = str(ready.data_dir)
    code, out, err = run_cli(capsys, "backup", "--auto", "--data-dir", data_dir, "--json")
    assert code == 0, err
    written = Path(json.loads(out)["path"])
    assert written.parent == folder.resolve() and sealing.is_sealed(written)
    # A passphrase given on standard input wins over the kept one.
    monkeypatch.setattr(sys, "stdin", io.StringIO("một mật khẩu khác\n"))
    code, out, err = run_cli(
        capsys, "backup", "--auto", "--passphrase-stdin", "--data-dir", data_dir
    )
    assert code == 0, err
    newest = our_backups(folder, ready.config)[0].path
    with newest.open("rb") as source, pytest.raises(ValidationError, match="Sai mật khẩu"):
        sealing.unseal(source, PASSPHRASE, io.BytesIO())
    code, _out, err = run_cli(capsys, "backup", "--data-dir", data_dir)
    assert code == 1 and len(err.strip().splitlines()) == 1
    code, _out, err = run_cli(capsys, "backup", "x.zip", "--auto", "--data-dir", data_dir)
    assert code == 1 and "--auto" in err


@pytest.fixture
def backed_up(ready: AppContext) -> Iterator[tuple[AppContext, Path]]:
    yield ready, run_auto_backup(ready).path


def test_restore_over_the_data_in_use_keeps_it_aside(
    backed_up: tuple[AppContext, Path], clock: MutableClock
) -> None:
    ctx, archive = backed_up
    data_dir = ctx.data_dir
    dossier_with_everything(ctx)  # made after the backup: in the data kept aside only
    assert count(ctx, Dossier) == 2
    (data_dir / "ui-settings.ini").write_text("[ui]\ntext_size=13\n")
    with pytest.raises(PermissionDeniedError):
        stage_restore(data_dir, archive, PASSPHRASE, clock.now, CLERK)
    with pytest.raises(ValidationError, match="Sai mật khẩu"):
        stage_restore(data_dir, archive, "không phải mật khẩu", clock.now, SYSTEM_ACTOR)
    assert sorted(p.name for p in data_dir.parent.iterdir()) == ["data", "usb"]
    staged = stage_restore(data_dir, archive, PASSPHRASE, clock.now, SYSTEM_ACTOR)
    assert count(ctx, Dossier) == 2  # nothing in use was touched
    ctx.close()
    aside = swap_in_restored(data_dir, staged, clock.now, machine_files=("ui-settings.ini",))
    assert not staged.exists()
    assert (aside / SQLITE_FILE_NAME).exists()
    assert (data_dir / "ui-settings.ini").read_text() == "[ui]\ntext_size=13\n"
    assert stored_passphrase(data_dir) == PASSPHRASE
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    with open_context(data_dir, clock=clock) as restored:
        assert count(restored, Dossier) == 1
        assert verify(restored).ok
    with open_context(aside, clock=clock) as kept:
        assert count(kept, Dossier) == 2


def test_a_damaged_database_is_found_and_set_aside(
    backed_up: tuple[AppContext, Path], clock: MutableClock
) -> None:
    ctx, archive = backed_up
    data_dir = ctx.data_dir
    ctx.close()
    assert not database_is_damaged(data_dir)
    database = data_dir / SQLITE_FILE_NAME
    with database.open("r+b") as handle:  # the header and the first pages overwritten
        handle.write(b"\x00garbage\xff" * 600)
    assert database_is_damaged(data_dir)
    with pytest.raises(Exception, match="cơ sở dữ liệu"):
        open_context(data_dir, clock=clock)
    moved = set_aside_damaged(data_dir, clock.now)
    assert moved.parent == data_dir and (moved / SQLITE_FILE_NAME).exists()
    assert not database.exists()
    assert stat.S_IMODE(moved.stat().st_mode) == 0o700
    assert latest_backup(data_dir, open_config(data_dir)) == archive
    staged = stage_restore(data_dir, archive, PASSPHRASE, clock.now, SYSTEM_ACTOR)
    aside = swap_in_restored(data_dir, staged, clock.now)
    assert (aside / moved.name / SQLITE_FILE_NAME).exists()  # the damaged file is kept
    with open_context(data_dir, clock=clock) as restored:
        assert verify(restored).ok and count(restored, Dossier) == 1


def open_config(data_dir: Path) -> AppConfig:
    return load_config(data_dir)


def test_a_data_directory_of_the_previous_release_opens_and_verifies(
    tmp_path: Path, clock: MutableClock
) -> None:
    data_dir = tmp_path / "old"
    shutil.copytree(FIXTURE, data_dir)
    os.chmod(data_dir, 0o700)
    engine = sa.create_engine(f"sqlite:///{data_dir / SQLITE_FILE_NAME}")
    try:
        before = COUNTER_MIGRATIONS.current_revision(engine)
    finally:
        engine.dispose()
    assert before != COUNTER_MIGRATIONS.head_revision()  # made before the newest schema
    with open_context(data_dir, clock=clock) as ctx:
        assert COUNTER_MIGRATIONS.current_revision(ctx.engine) == COUNTER_MIGRATIONS.head_revision()
        report = verify(ctx)
        assert report.ok, report.problems
        assert (report.dossiers, report.pages) == (5, 2)
        assert count(ctx, Page) == 2


def test_the_activity_log_is_private_rotates_and_keeps_no_citizen_data(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    path = install_run_log(data_dir, "INFO")
    log = logging.getLogger("counter_app.test")
    try:
        try:
            raise ValueError("UNIQUE constraint failed: (Nguyễn Văn An, 056090001234)")
        except ValueError:
            log.exception("saving failed")
        log.debug("not at INFO")
        for handler in logging.getLogger().handlers:
            handler.flush()
        text = path.read_text(encoding="utf-8")
        assert "saving failed" in text and "ValueError" in text
        assert "056090001234" not in text and "Nguyễn" not in text
        assert "not at INFO" not in text
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        ours = [h for h in logging.getLogger().handlers if isinstance(h, PrivateRotatingHandler)]
        assert len(ours) == 1
        ours[0].doRollover()
        log.warning("after the rollover")
        for rolled in (path, path.with_name(path.name + ".1")):
            assert stat.S_IMODE(rolled.stat().st_mode) == 0o600
        assert path == run_log_path(data_dir)
    finally:
        remove_run_log()
