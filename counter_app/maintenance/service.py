"""Verify, back up and restore a data directory."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from counter_app import __version__
from counter_app.documents.ledger import verify_ledger
from counter_app.errors import StorageError, ValidationError
from counter_app.i18n import _
from counter_app.kernel.config import CONFIG_FILE_NAME, config_warnings
from counter_app.kernel.context import AppContext
from counter_app.kernel.events import VerifyProblem, verify_chain
from counter_app.kernel.page_files import page_path
from counter_app.store.engine import SQLITE_FILE_NAME
from counter_app.store.models import Dossier, Event, Page

BACKUP_MANIFEST = "backup.json"


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


def verify(ctx: AppContext) -> VerifyReport:
    """Check the database, the event chain, the tracking book and the page store."""
    problems: list[VerifyProblem] = []
    with ctx.session() as session:
        if session.get_bind().dialect.name == "sqlite":
            result = session.execute(sa.text("PRAGMA integrity_check")).scalar()
            if result != "ok":
                problems.append(VerifyProblem(str(result), _("cơ sở dữ liệu")))
        problems.extend(verify_chain(session))
        problems.extend(verify_ledger(session))
        dossiers = int(session.execute(sa.select(sa.func.count(Dossier.id))).scalar_one())
        events = int(session.execute(sa.select(sa.func.count(Event.id))).scalar_one())
        page_rows = session.execute(sa.select(Page.id, Page.sha256)).all()
    for page_id, sha256 in page_rows:
        path = page_path(ctx.pages_dir, sha256)
        where = _("trang {id}").format(id=page_id)
        if not path.exists():
            problems.append(VerifyProblem(_("thiếu tệp trang đã quét"), where))
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != sha256:
            problems.append(VerifyProblem(_("tệp trang đã quét bị thay đổi"), where))
    return VerifyReport(
        dossiers,
        events,
        len(page_rows),
        tuple(str(p) for p in problems),
        config_warnings(ctx.config),
    )


def backup(ctx: AppContext, target: Path) -> Path:
    """A zip of the config, a consistent copy of the SQLite database and the page store."""
    if ctx.engine.dialect.name != "sqlite":
        raise ValidationError(
            _("Sao lưu PostgreSQL dùng công cụ của máy chủ (pg_dump); lệnh này sao lưu SQLite.")
        )
    target = target.resolve()
    if target.is_dir():
        raise ValidationError(_("Đích sao lưu là một thư mục: {path}").format(path=target))
    database = ctx.data_dir / SQLITE_FILE_NAME
    with tempfile.TemporaryDirectory() as scratch:
        snapshot = Path(scratch) / SQLITE_FILE_NAME
        source = sqlite3.connect(database)
        destination = sqlite3.connect(snapshot)
        try:
            source.backup(destination)  # consistent even while the app writes
        finally:
            destination.close()
            source.close()
        partial = target.with_name(target.name + ".partial")
        try:
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(
                    BACKUP_MANIFEST, json.dumps({"app_version": __version__, "format": 1})
                )
                archive.write(snapshot, SQLITE_FILE_NAME)
                config = ctx.data_dir / CONFIG_FILE_NAME
                if config.exists():
                    archive.write(config, CONFIG_FILE_NAME)
                if ctx.pages_dir.exists():
                    for path in sorted(ctx.pages_dir.rglob("*")):
                        if path.is_file() and not path.name.endswith(".tmp"):
                            archive.write(path, path.relative_to(ctx.data_dir).as_posix())
            os.replace(partial, target)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise StorageError(
                _("Không ghi được bản sao lưu: {error}").format(error=exc.strerror)
            ) from exc
    return target


def restore(archive_path: Path, data_dir: Path) -> None:
    """Restore a backup into an empty (or absent) data directory; never over live data."""
    if not archive_path.is_file():
        raise ValidationError(_("Không có tệp sao lưu: {path}").format(path=archive_path))
    if (data_dir / SQLITE_FILE_NAME).exists():
        raise ValidationError(
            _("Thư mục dữ liệu đã có cơ sở dữ liệu; khôi phục vào một thư mục trống.")
        )
    try:
        with zipfile.ZipFile(archive_path) as archive:
            names = archive.namelist()
            if BACKUP_MANIFEST not in names or SQLITE_FILE_NAME not in names:
                raise ValidationError(_("Tệp không phải bản sao lưu của ứng dụng."))
            for name in names:
                if name.startswith("/") or ".." in Path(name).parts:
                    raise ValidationError(_("Bản sao lưu chứa đường dẫn không an toàn."))
            data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            with tempfile.TemporaryDirectory(dir=data_dir) as scratch:
                archive.extractall(scratch)
                for name in names:
                    if name == BACKUP_MANIFEST:
                        continue
                    destination = data_dir / name
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    shutil.move(str(Path(scratch) / name), destination)
    except zipfile.BadZipFile as exc:
        raise ValidationError(_("Tệp sao lưu bị hỏng.")) from exc
