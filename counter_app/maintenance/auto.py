"""Backups nobody has to remember: written at day close and at the first start of a day,
kept 7 daily, 4 weekly, 12 monthly, restored from the program; a damaged database set aside.

An automatic backup is the sealed backup of `counter-app backup` (service.backup, sealed by
sealing.py), written into the folder of config.json `backup_folder` (a USB drive, a network
share) under a name of its own:

    quaymotcua-<unit>-<counter>-<YYYYMMDD>-<HHMMSS>.qmcbak    (local time, UTC+07:00)

A file is one of ours only when both its name has that form, for this office and counter,
and it starts with the sealed header: rotation (domain/retention.py) deletes nothing else,
so the folder can be shared with other counters and other files.

Its passphrase comes, in order, from `--passphrase-stdin` (the command line), the
environment (`COUNTER_APP_BACKUP_PASSPHRASE`), or the file an administrator set in the
program (`keys/backup-passphrase`, 0600, never put into a backup). A backup leaving the
machine must be sealed, so without a passphrase no automatic backup is written: the
reminder says what to do.

What happened last is in `backup-state.json` of the data directory: when the last good
backup was written, which file, and the last failure's one-line reason.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from pathlib import Path

from counter_app.documents.receipt_qr import KEY_DIR
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Role
from counter_app.domain.retention import DEFAULT_RETENTION, Retention, backups_to_keep
from counter_app.errors import ConfigError, CounterError, StorageError, ValidationError
from counter_app.files import PRIVATE_FILE_MODE, make_private_dir, write_atomically
from counter_app.i18n import _
from counter_app.kernel.config import AppConfig, save_config
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import Actor
from counter_app.maintenance.sealing import PASSPHRASE_ENV, check_passphrase, is_sealed, unseal
from counter_app.maintenance.service import backup, restore
from counter_app.store.engine import SQLITE_FILE_NAME

PASSPHRASE_FILE = "backup-passphrase"
STATE_FILE_NAME = "backup-state.json"
NAME_PREFIX = "quaymotcua"
SUFFIX = ".qmcbak"
STAMP_FORMAT = "%Y%m%d-%H%M%S"
DUE_AFTER = timedelta(days=1)
"""At a start, a last good backup older than this is renewed at once."""
REMIND_AFTER = timedelta(days=2)
"""The main window reminds when the last good backup is older than this."""
RECENT = timedelta(minutes=10)
"""A day close right after a good backup does not write another."""
DAMAGED_PREFIX = "damaged-"
RESTORED_INFIX = ".restored-"
ASIDE_INFIX = ".before-restore-"
MACHINE_FILES: tuple[str, ...] = (STATE_FILE_NAME, f"{KEY_DIR}/{PASSPHRASE_FILE}")
"""This machine's own files, carried into a restored data directory."""

Progress = Callable[[int, int], None]


# --- names ------------------------------------------------------------------------------


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.]+", "_", text).strip("_.") or "x"


def name_prefix(config: AppConfig) -> str:
    unit = config.office.unit_code if config.office is not None else "office"
    return f"{NAME_PREFIX}-{_safe(unit)}-{_safe(config.counter_id)}-"


def backup_file_name(config: AppConfig, taken_at: datetime) -> str:
    return f"{name_prefix(config)}{taken_at.astimezone(VN_TZ):{STAMP_FORMAT}}{SUFFIX}"


@dataclass(frozen=True)
class BackupFile:
    path: Path
    taken_at: datetime
    size: int


def taken_at_of(name: str, config: AppConfig) -> datetime | None:
    """When the backup of this name was taken; None for a name that is not ours."""
    prefix = name_prefix(config)
    match = re.fullmatch(re.escape(prefix) + r"(\d{8}-\d{6})" + re.escape(SUFFIX), name)
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(1), STAMP_FORMAT).replace(tzinfo=VN_TZ)
    except ValueError:
        return None


def our_backups(folder: Path, config: AppConfig) -> list[BackupFile]:
    """This counter's automatic backups in `folder`, newest first: by name and header."""
    found: list[BackupFile] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        taken = taken_at_of(entry.name, config)
        if taken is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        path = Path(entry.path)
        if stat.S_ISREG(info.st_mode) and is_sealed(path):
            found.append(BackupFile(path, taken, info.st_size))
    return sorted(found, key=lambda item: item.taken_at, reverse=True)


# --- settings: the folder and the passphrase ----------------------------------------------


def configured_backup_folder(config: AppConfig) -> Path | None:
    raw = config.backup_folder
    return Path(raw) if raw and raw.strip() else None


def check_backup_folder(folder: Path, data_dir: Path) -> Path:
    """The folder if backups can be written there: it exists, is a folder outside the data
    directory, and can be written."""
    if not folder.exists():
        raise ConfigError(
            _("Thư mục sao lưu {path} không có (cắm ổ USB hoặc kiểm tra ổ mạng).").format(
                path=folder
            )
        )
    if not folder.is_dir():
        raise ConfigError(_("{path} không phải là thư mục.").format(path=folder))
    resolved = folder.resolve()
    if resolved.is_relative_to(data_dir.resolve()):
        raise ConfigError(_("Thư mục sao lưu phải ở ngoài thư mục dữ liệu."))
    if not os.access(resolved, os.W_OK | os.X_OK):
        raise ConfigError(_("Không có quyền ghi vào thư mục sao lưu {path}.").format(path=folder))
    return resolved


def set_backup_folder(ctx: AppContext, actor: Actor, folder: Path | None) -> Path | None:
    """Remember the backup folder (None forgets it): administrators only, checked first."""
    actor.require(Role.ADMIN)
    if folder is not None:
        folder = check_backup_folder(folder.expanduser().absolute(), ctx.data_dir)
    ctx.config = replace(ctx.config, backup_folder=str(folder) if folder is not None else None)
    save_config(ctx.data_dir, ctx.config)
    return folder


def set_log_level(ctx: AppContext, actor: Actor, level: str) -> None:
    """The activity log's level in config.json: administrators only."""
    actor.require(Role.ADMIN)
    updated = replace(ctx.config, log_level=level)  # checked by its declaration
    save_config(ctx.data_dir, updated)
    ctx.config = updated


def _passphrase_path(data_dir: Path) -> Path:
    return data_dir / KEY_DIR / PASSPHRASE_FILE


def stored_passphrase(data_dir: Path) -> str | None:
    try:
        text = _passphrase_path(data_dir).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return text or None


def save_passphrase(ctx: AppContext, actor: Actor, passphrase: str) -> None:
    """Keep the passphrase automatic backups are sealed with on this machine (0600)."""
    actor.require(Role.ADMIN)
    check_passphrase(passphrase)
    make_private_dir(_passphrase_path(ctx.data_dir).parent)
    write_atomically(_passphrase_path(ctx.data_dir), passphrase.encode("utf-8"))


def auto_passphrase(data_dir: Path, given: str | None = None) -> str | None:
    """The passphrase of an automatic backup: given, else the environment's, else kept."""
    return given or os.environ.get(PASSPHRASE_ENV) or stored_passphrase(data_dir)


# --- what happened last -----------------------------------------------------------------


@dataclass(frozen=True)
class BackupState:
    last_good_at: datetime | None = None
    last_good_file: str | None = None
    last_attempt_at: datetime | None = None
    last_error: str | None = None


def _time_or_none(raw: object) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def read_state(data_dir: Path) -> BackupState:
    """What `backup-state.json` says; an unreadable file reads as no backup yet."""
    try:
        raw = json.loads((data_dir / STATE_FILE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return BackupState()
    if not isinstance(raw, dict):
        return BackupState()
    file_name, error = raw.get("last_good_file"), raw.get("last_error")
    return BackupState(
        _time_or_none(raw.get("last_good_at")),
        file_name if isinstance(file_name, str) else None,
        _time_or_none(raw.get("last_attempt_at")),
        error if isinstance(error, str) else None,
    )


def write_state(data_dir: Path, state: BackupState) -> None:
    def stamp(moment: datetime | None) -> str | None:
        return None if moment is None else moment.isoformat(timespec="seconds")

    document = {
        "last_good_at": stamp(state.last_good_at),
        "last_good_file": state.last_good_file,
        "last_attempt_at": stamp(state.last_attempt_at),
        "last_error": state.last_error,
    }
    write_atomically(data_dir / STATE_FILE_NAME, json.dumps(document, ensure_ascii=False).encode())


# --- when, and what to say ----------------------------------------------------------------


def backup_due(now: datetime, last_good: datetime | None, close_time: time) -> bool:
    """Whether an automatic backup is due: none yet; the last one older than a day (the
    first start of a day); or the day's close time has passed since the last one."""
    if last_good is None:
        return True
    if now - last_good >= DUE_AFTER:
        return True
    local = now.astimezone(VN_TZ)
    closing = datetime.combine(local.date(), close_time, tzinfo=VN_TZ)
    return local >= closing > last_good.astimezone(VN_TZ)


@dataclass(frozen=True)
class Readiness:
    """What an automatic backup needs, as this machine has it."""

    sqlite: bool
    folder: Path | None
    passphrase: bool


def readiness(ctx: AppContext) -> Readiness:
    return Readiness(
        ctx.engine.dialect.name == "sqlite",
        configured_backup_folder(ctx.config),
        auto_passphrase(ctx.data_dir) is not None,
    )


def reminder(now: datetime, state: BackupState, ready: Readiness) -> str | None:
    """The main window's line about backups, saying what to do; None when all is well."""
    if not ready.sqlite:
        return None  # PostgreSQL is backed up by the database server's own tools
    if ready.folder is None:
        return _(
            "Chưa sao lưu tự động: quản trị viên chọn thư mục sao lưu (ổ USB hoặc ổ mạng) "
            "trong Cài đặt."
        )
    if not ready.passphrase:
        return _("Chưa sao lưu tự động: quản trị viên đặt mật khẩu sao lưu trong Cài đặt.")
    if state.last_good_at is None:
        if state.last_error:
            return _("Chưa có bản sao lưu nào: {error}").format(error=state.last_error)
        return None  # the first one is on its way
    if now - state.last_good_at > REMIND_AFTER:
        days = (now - state.last_good_at).days
        text = _(
            "Đã {days} ngày chưa sao lưu được: cắm ổ sao lưu rồi bấm “Sao lưu ngay” trong Cài đặt."
        ).format(days=days)
        if state.last_error:
            text += " " + _("Lỗi lần trước: {error}").format(error=state.last_error)
        return text
    return None


# --- the backup itself --------------------------------------------------------------------


@dataclass(frozen=True)
class AutoBackupResult:
    path: Path
    taken_at: datetime
    removed: tuple[Path, ...]


class _Discard:
    def write(self, data: bytes, /) -> int:
        return len(data)


def check_readable(path: Path, passphrase: str) -> None:
    """Read the sealed backup back whole: every chunk's tag checked, nothing kept."""
    with path.open("rb") as source:
        unseal(source, passphrase, _Discard())  # type: ignore[arg-type]


def rotate(
    folder: Path, config: AppConfig, retention: Retention = DEFAULT_RETENTION
) -> tuple[Path, ...]:
    """Delete this counter's automatic backups the retention rule does not keep."""
    backups = our_backups(folder, config)
    keep = backups_to_keep((item.taken_at for item in backups), retention)
    removed: list[Path] = []
    for item in backups:
        if item.taken_at not in keep:
            try:
                item.path.unlink()
            except OSError:
                continue  # tried again after the next backup
            removed.append(item.path)
    return tuple(removed)


def run_auto_backup(
    ctx: AppContext, *, passphrase: str | None = None, progress: Progress | None = None
) -> AutoBackupResult:
    """Write a sealed backup into the backup folder, read it back, note it, then rotate.

    Raises CounterError with a one-line reason (also noted, for the reminder) when it
    cannot: PostgreSQL, no folder, the folder missing, no passphrase, a write failure.
    """
    if ctx.engine.dialect.name != "sqlite":
        raise ValidationError(
            _("Sao lưu PostgreSQL dùng công cụ của máy chủ (pg_dump); lệnh này sao lưu SQLite.")
        )
    now = ctx.clock()
    state = read_state(ctx.data_dir)
    try:
        folder = configured_backup_folder(ctx.config)
        if folder is None:
            raise ConfigError(
                _("Chưa chọn thư mục sao lưu: quản trị viên chọn trong Cài đặt."),
                command="counter-app backup --auto (cần “backup_folder” trong config.json)",
            )
        folder = check_backup_folder(folder, ctx.data_dir)
        secret = auto_passphrase(ctx.data_dir, passphrase)
        if secret is None:
            raise ConfigError(
                _("Chưa có mật khẩu sao lưu: quản trị viên đặt trong Cài đặt."),
                command="counter-app backup --auto --passphrase-stdin",
            )
        target = folder / backup_file_name(ctx.config, now)
        result = backup(ctx, target, passphrase=secret, progress=progress)
        try:
            check_readable(result.path, secret)
        except (OSError, ValidationError) as exc:
            raise StorageError(
                _("Bản sao lưu vừa ghi đọc lại không được; kiểm tra ổ sao lưu.")
            ) from exc
    except CounterError as exc:
        write_state(ctx.data_dir, replace(state, last_attempt_at=now, last_error=exc.message))
        raise
    write_state(ctx.data_dir, BackupState(now, result.path.name, now, None))
    return AutoBackupResult(result.path, now, rotate(folder, ctx.config))


def latest_backup(data_dir: Path, config: AppConfig) -> Path | None:
    """The newest automatic backup to offer: the folder's newest, else the last noted."""
    folder = configured_backup_folder(config)
    if folder is not None:
        backups = our_backups(folder, config)
        if backups:
            return backups[0].path
        noted = read_state(data_dir).last_good_file
        if noted and (folder / noted).is_file():
            return folder / noted
    return None


# --- restore over a data directory in use, and a damaged database -------------------------


def _stamp(now: datetime) -> str:
    return f"{now.astimezone(VN_TZ):{STAMP_FORMAT}}"


def stage_restore(
    data_dir: Path, archive: Path, passphrase: str | None, now: datetime, actor: Actor
) -> Path:
    """Restore `archive` beside the data directory (decrypted, unpacked, migrated and
    verified whole on a working copy first: service.restore); the folder it made. Nothing
    of the data directory in use is touched."""
    actor.require(Role.ADMIN)
    staged = data_dir.parent / f"{data_dir.name}{RESTORED_INFIX}{_stamp(now)}"
    restore(archive, staged, passphrase=passphrase)
    return staged


def swap_in_restored(
    data_dir: Path, staged: Path, now: datetime, *, machine_files: Iterable[str] = ()
) -> Path:
    """Put the restored folder in the place of the data directory, which is kept aside
    whole (`<name>.before-restore-<time>`); returns where it went. Call it with the data
    directory closed. This machine's own files (`MACHINE_FILES`, `machine_files`) are
    carried over to the restored folder."""
    if not staged.is_dir() or not (staged / SQLITE_FILE_NAME).is_file():
        raise ValidationError(_("Không có dữ liệu đã khôi phục để dùng."))
    for name in (*MACHINE_FILES, *machine_files):
        source, target = data_dir / name, staged / name
        if source.is_file() and not target.exists():
            make_private_dir(target.parent)
            write_atomically(target, source.read_bytes())
    aside = data_dir.parent / f"{data_dir.name}{ASIDE_INFIX}{_stamp(now)}"
    try:
        os.replace(data_dir, aside)
        os.replace(staged, data_dir)
    except OSError as exc:
        raise StorageError(
            _("Không thay được thư mục dữ liệu: {error}").format(error=exc.strerror)
        ) from exc
    return aside


_DAMAGED_CODES = frozenset({11, 26})  # SQLITE_CORRUPT, SQLITE_NOTADB


def database_is_damaged(data_dir: Path) -> bool:
    """Whether the data directory's SQLite file is damaged (not locked, not missing): it
    fails to read as a database, or its quick check finds a fault. Read only."""
    path = data_dir / SQLITE_FILE_NAME
    if not path.is_file():
        return False
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        result = connection.execute("PRAGMA quick_check").fetchone()
        return result is None or result[0] != "ok"
    except sqlite3.DatabaseError as exc:
        return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in _DAMAGED_CODES
    finally:
        connection.close()


def set_aside_damaged(data_dir: Path, now: datetime) -> Path:
    """Move the damaged database (and its -wal, -shm, -journal) into a new folder
    `damaged-<time>` of the data directory (0700); returns that folder. Nothing is
    deleted: a specialist may still recover rows from it."""
    folder = make_private_dir(data_dir / f"{DAMAGED_PREFIX}{_stamp(now)}")
    try:
        for suffix in ("", "-wal", "-shm", "-journal"):
            source = data_dir / f"{SQLITE_FILE_NAME}{suffix}"
            if source.exists():
                os.replace(source, folder / source.name)
    except OSError as exc:
        raise StorageError(
            _("Không chuyển được cơ sở dữ liệu hỏng: {error}").format(error=exc.strerror)
        ) from exc
    os.chmod(folder, 0o700)
    for moved in folder.iterdir():
        os.chmod(moved, PRIVATE_FILE_MODE)
    return folder
