"""Verify, back up and restore a data directory."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import stat
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from counter_app import __version__
from counter_app.documents.ledger import verify_ledger
from counter_app.documents.receipt_qr import KEY_DIR, KEY_FILE
from counter_app.domain.lifecycle import Role
from counter_app.errors import CounterError, StorageError, ValidationError
from counter_app.files import PRIVATE_FILE_MODE, make_private_dir
from counter_app.i18n import _
from counter_app.kernel.admin_log import ENROLMENT, record_change
from counter_app.kernel.config import CONFIG_FILE_NAME, config_warnings, load_config
from counter_app.kernel.context import AppContext, open_context
from counter_app.kernel.events import VerifyProblem, verify_chain
from counter_app.kernel.page_files import page_path
from counter_app.kernel.users import SYSTEM_LOGIN
from counter_app.maintenance.checks import (
    check_admin_log,
    check_code_sequences,
    check_outbox,
    check_search_index,
    check_triggers,
)
from counter_app.maintenance.scratch import scratch_dir
from counter_app.maintenance.sealing import SealingWriter, check_passphrase, is_sealed, unseal
from counter_app.store.engine import SQLITE_FILE_NAME
from counter_app.store.integrity import rebuild_search_index
from counter_app.store.models import Dossier, Event, Page

BACKUP_MANIFEST = "backup.json"
BACKUP_FORMAT = 1
"""The zip's layout; a sealed backup is the same zip inside sealing.py's envelope."""
READABLE_FORMATS = frozenset({1})
BACKUP_SCRATCH_PREFIX = ".backup-"
SYNC_DEVICE_TABLE = "sync_device"  # counter_app.sync.models.SyncDevice: the hub enrolment


@dataclass(frozen=True)
class VerifyReport:
    dossiers: int
    events: int
    pages: int
    problems: tuple[str, ...] = field(default=())
    warnings: tuple[str, ...] = field(default=())
    """What is not an integrity failure but needs a look (e.g. obsolete config keys)."""

    @property
    def ok(self) -> bool:
        return not self.problems


class VerifyStopped(CounterError):
    """The clerk stopped a check before its end: nothing was judged, nothing written."""


def verify(
    ctx: AppContext,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> VerifyReport:
    """Check the database, the event chain, the tracking book and the page store.

    `progress(done, total)` is told how many events, dossiers and page files were checked
    of them all; `cancelled()` is asked as often, and when it answers yes the check stops
    with VerifyStopped. Both are called on the thread that runs the check.
    """
    problems: list[VerifyProblem] = []
    counted = {"done": 0, "total": 0}

    def step(n: int) -> None:
        if cancelled is not None and cancelled():
            raise VerifyStopped(_("Đã dừng kiểm tra toàn vẹn dữ liệu."))
        counted["done"] = min(counted["done"] + n, counted["total"])
        if progress is not None:
            progress(counted["done"], counted["total"])

    with ctx.session() as session:
        dossiers = int(session.execute(sa.select(sa.func.count(Dossier.id))).scalar_one())
        events = int(session.execute(sa.select(sa.func.count(Event.id))).scalar_one())
        page_rows = session.execute(sa.select(Page.id, Page.sha256)).all()
        counted["total"] = dossiers + events + len(page_rows)
        step(0)
        if session.get_bind().dialect.name == "sqlite":
            result = session.execute(sa.text("PRAGMA integrity_check")).scalar()
            if result != "ok":
                problems.append(VerifyProblem(str(result), _("cơ sở dữ liệu")))
        problems.extend(verify_chain(session, step))
        problems.extend(verify_ledger(session))
        problems.extend(check_admin_log(session, ctx.config))
        problems.extend(check_outbox(session))
        problems.extend(check_code_sequences(session))
        problems.extend(check_search_index(session))
        problems.extend(check_triggers(session))
    for page_id, sha256 in page_rows:
        step(1)
        path = page_path(ctx.pages_dir, sha256)
        where = _("trang {id}").format(id=page_id)
        if not path.exists():
            problems.append(VerifyProblem(_("thiếu tệp trang đã quét"), where))
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != sha256:
            problems.append(VerifyProblem(_("tệp trang đã quét bị thay đổi"), where))
    if progress is not None:
        progress(counted["total"], counted["total"])
    return VerifyReport(
        dossiers,
        events,
        len(page_rows),
        tuple(str(p) for p in problems),
        config_warnings(ctx.config),
    )


def repair_search_index(ctx: AppContext) -> None:
    """Rebuild the search index from the dossiers (`verify --repair-index`): a search
    finds every dossier again. Nothing else is changed."""
    with ctx.engine.begin() as connection:
        rebuild_search_index(connection)


# --- backup and restore -----------------------------------------------------------------
#
# A backup is a zip: `backup.json` (the manifest), the database, `config.json`, the page
# store (`pages/`) and, only when sealed with a passphrase (sealing.py), the office's
# receipt-signing key. The enrolment at the hub (`sync_device`, which holds the device's
# signing secret) stays in a sealed backup and is cut from an open one: a counter restored
# from an open backup enrols again (docs/privacy.md).


@dataclass(frozen=True)
class BackupResult:
    path: Path
    sealed: bool
    """Encrypted with a passphrase; only then does it carry the device and office keys."""


@dataclass(frozen=True)
class RestoreResult:
    data_dir: Path
    sealed: bool
    enrol_again: bool
    """The backup's enrolment at the hub was left out (an open backup): enrol again."""
    problems: tuple[str, ...] = ()
    """What verify found in a backup restored despite its problems (`accept_problems`)."""


def _inside(path: Path, folder: Path) -> bool:
    def key(p: Path) -> Path:
        return Path(os.path.normcase(os.fspath(p)))

    return key(path).is_relative_to(key(folder))


def is_backup_file(path: Path) -> bool:
    """Is the file a backup this program wrote (sealed, or a zip with its manifest)?"""
    if is_sealed(path):
        return True
    try:
        with zipfile.ZipFile(path) as archive:
            names = {_entry_name(name) for name in archive.namelist()}
    except (OSError, zipfile.BadZipFile):
        return False
    return BACKUP_MANIFEST in names and SQLITE_FILE_NAME in names


def _database_of(ctx: AppContext) -> Path:
    return Path(ctx.engine.url.database or ctx.data_dir / SQLITE_FILE_NAME)


def check_backup_target(ctx: AppContext, target: Path) -> Path:
    """The file a backup may be written to, or a one-line refusal.

    Refused: anything in the data directory (the database, the config, the page store), a
    folder, a device or anything else that is not a regular file, and an existing file
    that is not an earlier backup of this program. Links are followed first.
    """
    resolved = target.resolve()
    if _inside(resolved, ctx.data_dir.resolve()) or resolved == _database_of(ctx).resolve():
        raise ValidationError(
            _("Không sao lưu vào trong thư mục dữ liệu: {path}").format(path=target)
        )
    try:
        mode = resolved.stat().st_mode
    except FileNotFoundError:
        if not resolved.parent.is_dir():
            raise ValidationError(
                _("Không có thư mục để ghi bản sao lưu: {path}").format(path=resolved.parent)
            ) from None
        return resolved
    except OSError as exc:
        raise ValidationError(
            _("Không dùng được đích sao lưu {path}: {error}").format(
                path=target, error=exc.strerror
            )
        ) from exc
    if stat.S_ISDIR(mode):
        raise ValidationError(_("Đích sao lưu là một thư mục: {path}").format(path=target))
    if not stat.S_ISREG(mode):
        raise ValidationError(
            _("Đích sao lưu không phải một tệp thường: {path}").format(path=target)
        )
    if not is_backup_file(resolved):
        raise ValidationError(
            _("Tệp {path} đã có và không phải bản sao lưu của chương trình; chọn tên khác.").format(
                path=target
            )
        )
    return resolved


def _create_private(path: Path) -> BinaryIO:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    return os.fdopen(os.open(path, flags, PRIVATE_FILE_MODE), "wb")


def _snapshot(database: Path, snapshot: Path, *, keep_enrolment: bool) -> bool:
    """A consistent copy of the live database (even while the app writes), 0600; True when
    an enrolment was cut from it."""
    _create_private(snapshot).close()
    source = sqlite3.connect(database)
    destination = sqlite3.connect(snapshot)
    try:
        source.backup(destination)
        if keep_enrolment:
            return False
        # Zeroed, not just unlinked: a freed page would still hold the secret.
        destination.execute("PRAGMA secure_delete=ON")
        removed = destination.execute(f"DELETE FROM {SYNC_DEVICE_TABLE}").rowcount > 0
        destination.commit()
        return removed
    finally:
        destination.close()
        source.close()


def _log_enrolment_cut(snapshot: Path, now: datetime) -> None:
    """Write the cut enrolment into the copy's admin log, so the restored copy verifies."""
    engine = sa.create_engine(f"sqlite:///{snapshot.as_posix()}")
    try:
        with Session(engine) as session, session.begin():
            record_change(
                session,
                kind="enrolment.cut",
                actor=SYSTEM_LOGIN,
                actor_role=Role.ADMIN.value,
                at=now,
                groups={ENROLMENT},
            )
    finally:
        engine.dispose()


class _Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...


def _write_zip(
    ctx: AppContext,
    out: _Writable,
    snapshot: Path,
    *,
    sealed: bool,
    enrolment_removed: bool,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    manifest = {
        "app_version": __version__,
        "format": BACKUP_FORMAT,
        "sealed": sealed,
        "enrolment_removed": enrolment_removed,
    }
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(BACKUP_MANIFEST, json.dumps(manifest))
        archive.write(snapshot, SQLITE_FILE_NAME)
        config = ctx.data_dir / CONFIG_FILE_NAME
        if config.exists():
            archive.write(config, CONFIG_FILE_NAME)
        pages: list[Path] = []
        if ctx.pages_dir.exists():
            pages = [
                path
                for path in sorted(ctx.pages_dir.rglob("*"))
                if path.is_file() and not path.name.endswith(".tmp")
            ]
        if progress is not None:
            progress(1, len(pages) + 1)  # the database is the first step
        for done, path in enumerate(pages, start=2):
            archive.write(path, path.relative_to(ctx.data_dir).as_posix())
            if progress is not None:
                progress(done, len(pages) + 1)
        key = ctx.data_dir / KEY_DIR / KEY_FILE
        if sealed and key.exists():
            archive.write(key, f"{KEY_DIR}/{KEY_FILE}")


def backup(
    ctx: AppContext,
    target: Path,
    *,
    passphrase: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BackupResult:
    """A zip of the config, a consistent copy of the SQLite database and the page store,
    sealed with `passphrase` when given (sealing.py). `progress(done, total)` counts the
    database and each page file as they go in.

    The zip is written beside the target and renamed onto it only when whole; the database
    copy is made in a working folder inside the data directory. Both go if the backup
    fails, and a backup killed outright leaves them to the next backup to remove.
    """
    if ctx.engine.dialect.name != "sqlite":
        raise ValidationError(
            _("Sao lưu PostgreSQL dùng công cụ của máy chủ (pg_dump); lệnh này sao lưu SQLite.")
        )
    if passphrase is not None:
        check_passphrase(passphrase)
    resolved = check_backup_target(ctx, target)
    sealed = passphrase is not None
    try:
        with scratch_dir(ctx.data_dir, BACKUP_SCRATCH_PREFIX) as scratch:
            snapshot = scratch.path / SQLITE_FILE_NAME
            cut = _snapshot(_database_of(ctx), snapshot, keep_enrolment=sealed)
            if cut:
                _log_enrolment_cut(snapshot, ctx.clock())
            partial = resolved.with_name(f".{resolved.name}.{scratch.token}.partial")
            scratch.note_leftover(partial)  # removed with the working folder, whatever happens
            with _create_private(partial) as out:
                if passphrase is not None:
                    sealing = SealingWriter(out, passphrase)
                    _write_zip(
                        ctx,
                        sealing,
                        snapshot,
                        sealed=True,
                        enrolment_removed=cut,
                        progress=progress,
                    )
                    sealing.finish()
                else:
                    _write_zip(
                        ctx, out, snapshot, sealed=False, enrolment_removed=cut, progress=progress
                    )
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, resolved)
    except (OSError, sqlite3.Error) as exc:
        error = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise StorageError(_("Không ghi được bản sao lưu: {error}").format(error=error)) from exc
    return BackupResult(resolved, sealed)


def _entry_name(name: str) -> str:
    """An entry's path with `/` between folders (Windows tools may write `\\`)."""
    return name.replace("\\", "/")


RESTORED_FILES = frozenset({SQLITE_FILE_NAME, CONFIG_FILE_NAME, f"{KEY_DIR}/{KEY_FILE}"})


def _restorable(name: str) -> bool:
    """A file a backup brings; anything else in the zip (a tool's own files) is left out."""
    return name in RESTORED_FILES or name.startswith("pages/")


def _extract(archive_path: Path, staged: Path) -> dict[str, object]:
    """The backup's files into the new folder `staged` (0700, files 0600); its manifest."""
    try:
        with zipfile.ZipFile(archive_path) as archive:
            entries: dict[str, zipfile.ZipInfo] = {}
            for info in archive.infolist():
                name = _entry_name(info.filename)
                parts = [part for part in name.split("/") if part not in ("", ".")]
                if name.startswith("/") or ":" in name or ".." in parts:
                    raise ValidationError(_("Bản sao lưu chứa đường dẫn không an toàn."))
                if parts and not name.endswith("/"):  # a folder entry makes nothing itself
                    entries["/".join(parts)] = info
            if BACKUP_MANIFEST not in entries or SQLITE_FILE_NAME not in entries:
                raise ValidationError(_("Tệp không phải bản sao lưu của ứng dụng."))
            try:
                manifest: object = json.loads(archive.read(entries[BACKUP_MANIFEST]))
            except ValueError:
                manifest = None
            if not isinstance(manifest, dict):
                raise ValidationError(_("Tệp không phải bản sao lưu của ứng dụng."))
            found = manifest.get("format")
            if not isinstance(found, int) or found not in READABLE_FORMATS:
                raise ValidationError(
                    _(
                        "Bản sao lưu có định dạng {found}; chương trình này đọc định dạng "
                        "{known}. Hãy cập nhật chương trình."
                    ).format(found=found, known=BACKUP_FORMAT)
                )
            make_private_dir(staged)
            for name, info in entries.items():
                if not _restorable(name):
                    continue
                destination = staged.joinpath(*name.split("/"))
                make_private_dir(destination.parent)
                with archive.open(info) as source, _create_private(destination) as out:
                    shutil.copyfileobj(source, out)
            return manifest
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        EOFError,
        zlib.error,  # a damaged deflate stream inside a member (found by fuzzing)
    ) as exc:
        raise ValidationError(_("Tệp sao lưu bị hỏng.")) from exc


def _check_restored(staged: Path, *, accept_problems: bool) -> tuple[str, ...]:
    """Open the restored folder (bringing its schema up to date) and verify it whole; its
    problems refuse the restore unless `accept_problems` (to save what a damaged backup
    still holds)."""
    if load_config(staged).database_url:
        raise ValidationError(
            _("Bản sao lưu trỏ tới một cơ sở dữ liệu ngoài (database_url); không khôi phục.")
        )
    try:
        with open_context(staged) as ctx:
            report = verify(ctx)
    except sa.exc.SQLAlchemyError as exc:
        raise ValidationError(_("Cơ sở dữ liệu trong bản sao lưu bị hỏng.")) from exc
    if not report.ok and not accept_problems:
        raise ValidationError(
            _(
                "Bản sao lưu không qua kiểm tra toàn vẹn: {problem} (chưa khôi phục; "
                "--force để khôi phục dù có lỗi)"
            ).format(problem=report.problems[0])
        )
    return report.problems


def restore(
    archive_path: Path,
    data_dir: Path,
    *,
    passphrase: str | None = None,
    accept_problems: bool = False,
) -> RestoreResult:
    """Restore a backup into an empty (or absent) data directory; never over live data.

    The backup is unpacked, migrated and verified in a working folder beside the data
    directory and moved into place only then: a restore that fails leaves the data
    directory as it was.
    """
    if not archive_path.is_file():
        raise ValidationError(_("Không có tệp sao lưu: {path}").format(path=archive_path))
    target = Path(os.path.abspath(data_dir))
    if target.exists():
        if (target / SQLITE_FILE_NAME).exists():
            raise ValidationError(
                _("Thư mục dữ liệu đã có cơ sở dữ liệu; khôi phục vào một thư mục trống.")
            )
        if not target.is_dir() or any(target.iterdir()):
            raise ValidationError(
                _("Thư mục dữ liệu {path} không trống; khôi phục vào một thư mục trống.").format(
                    path=target
                )
            )
    sealed = is_sealed(archive_path)
    if sealed and passphrase is None:
        raise ValidationError(_("Bản sao lưu được mã hóa; cần mật khẩu sao lưu."))
    try:
        make_private_dir(target.parent)
        with scratch_dir(target.parent, f".{target.name}.restore-") as scratch:
            source = archive_path
            if passphrase is not None and sealed:
                source = scratch.path / "backup.zip"
                with archive_path.open("rb") as sealed_file, _create_private(source) as out:
                    unseal(sealed_file, passphrase, out)
            staged = scratch.path / "data"
            manifest = _extract(source, staged)
            problems = _check_restored(staged, accept_problems=accept_problems)
            if target.exists():
                target.rmdir()  # empty, as checked; fails if something came meanwhile
            os.replace(staged, target)
    except OSError as exc:
        raise StorageError(
            _("Không khôi phục được vào {path}: {error}").format(path=target, error=exc.strerror)
        ) from exc
    enrol_again = manifest.get("enrolment_removed") is True
    return RestoreResult(target, sealed, enrol_again, problems)
