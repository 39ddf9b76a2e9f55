"""The office's scan-to-folder: where it is (config.json `scan_folder`) and taking pages from it.

Many office scanners can only save into a shared folder. `take_from_folder` watches that
folder, takes each file once it has finished arriving (in arrival order), runs its pages
through the same clean-up as an imported file and attaches them to a dossier, one file per
unit of work; the file then moves to `done/`, or to `rejected/` with the reason beside it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image

from counter_app.domain.lifecycle import Role
from counter_app.errors import ConfigError, CounterError, ValidationError
from counter_app.i18n import _
from counter_app.kernel.config import AppConfig, save_config
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import Actor
from counter_app.scanning.devices import CancelToken, DeviceInfo, ProgressCallback, Source
from counter_app.scanning.files import WatchedFolder
from counter_app.scanning.pages import PageView, attach_pages, check_target, clean_imported

DEVICE_PREFIX = "folder"
POLL_SECONDS = 0.5
"""How often the folder is looked at; a file is taken once two looks see the same size."""

DbCall = Callable[[Callable[[], list[PageView]]], list[PageView]]
"""Runs a database job and returns its result (the GUI hands in its database thread)."""


def _run_here(job: Callable[[], list[PageView]]) -> list[PageView]:
    return job()


def configured_folder(config: AppConfig) -> Path | None:
    raw = config.scan_folder
    return Path(raw) if raw and raw.strip() else None


def check_folder(folder: Path) -> Path:
    """The folder if it can be watched: it exists, is a folder, and files can be moved out."""
    if not folder.exists():
        raise ConfigError(
            _("Thư mục quét {path} không tồn tại (kiểm tra ổ mạng hoặc đường dẫn).").format(
                path=folder
            )
        )
    if not folder.is_dir():
        raise ConfigError(_("{path} không phải là thư mục.").format(path=folder))
    if not os.access(folder, os.R_OK | os.W_OK | os.X_OK):
        raise ConfigError(_("Không có quyền đọc và ghi thư mục quét {path}.").format(path=folder))
    return folder


def set_scan_folder(ctx: AppContext, actor: Actor, folder: Path | None) -> Path | None:
    """Remember the office's scan folder (None forgets it); it must exist and be writable."""
    actor.require(Role.CLERK, Role.LEADER, Role.ADMIN)
    if folder is not None:
        folder = check_folder(folder.expanduser().absolute())
    ctx.config = replace(ctx.config, scan_folder=str(folder) if folder is not None else None)
    save_config(ctx.data_dir, ctx.config)
    return folder


def scan_folder(ctx: AppContext, override: Path | None = None) -> Path:
    """`override`, else the configured folder, checked; ConfigError when there is none."""
    folder = override or configured_folder(ctx.config)
    if folder is None:
        raise ConfigError(
            _("Chưa cấu hình thư mục quét: đặt trong Cài đặt."),
            command="counter-app scanners --set-folder THƯ_MỤC",
        )
    return check_folder(folder)


def folder_from_device(ctx: AppContext, device: str) -> Path | None:
    """The folder a `--device folder[:DIR]` names, or None for any other device name."""
    prefix, sep, rest = device.partition(":")
    if prefix != DEVICE_PREFIX:
        return None
    return scan_folder(ctx, Path(rest) if sep and rest else None)


def folder_device(folder: Path) -> DeviceInfo:
    return DeviceInfo(
        name=f"{DEVICE_PREFIX}:{folder}",
        backend=DEVICE_PREFIX,
        model=_("Thư mục quét"),
        sources=(Source.FEEDER,),
        resolutions=(),
    )


@dataclass(frozen=True)
class FolderIntake:
    pages: tuple[PageView, ...]
    files: tuple[str, ...]
    """Names of the files taken, in the order they were attached."""
    rejected: tuple[tuple[str, str], ...]
    """(file name in rejected/, reason) for each refused file."""


class _StoreFailed(Exception):
    """Attaching failed for a reason that is not the file's: stop and leave the file."""

    def __init__(self, error: CounterError) -> None:
        super().__init__(error.message)
        self.error = error


def take_from_folder(
    ctx: AppContext,
    folder: Path,
    code: str,
    actor: Actor,
    *,
    document: int | None = None,
    pages: int | None = None,
    wait: float | None = None,
    keep_watching: bool = False,
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
    on_reject: Callable[[str, str], None] | None = None,
    run_db: DbCall = _run_here,
    interval: float = POLL_SECONDS,
) -> FolderIntake:
    """Attach the files that are in, or arrive in, `folder` to dossier `code`.

    Stops when `pages` pages are attached; when cancelled; after `wait` seconds in which
    nothing arrived; and, unless `keep_watching`, once files were taken and nothing more
    is being written. With no page taken (and not cancelled) raises ValidationError; pages
    already attached stay. Runs on any thread; database work goes through `run_db`.
    """
    actor.require(Role.CLERK, Role.LEADER, Role.ADMIN)
    check_folder(folder)

    def check() -> list[PageView]:
        check_target(ctx, code, document)
        return []

    run_db(check)  # a bad dossier or document fails before any file moves
    cancel = cancel or CancelToken()
    watched = WatchedFolder(folder)
    stored: list[PageView] = []
    taken: list[str] = []
    refused: list[tuple[str, str]] = []

    def handle(images: list[Image.Image], path: Path) -> None:
        processed = [clean_imported(image) for image in images]  # a bad page rejects the file
        try:
            views = run_db(lambda: attach_pages(ctx, code, processed, actor, document=document))
        except CounterError as error:
            raise _StoreFailed(error) from error
        stored.extend(views)
        taken.append(path.name)
        if progress is not None:
            progress(len(stored), pages)

    def reject(moved: Path, reason: str) -> None:
        refused.append((moved.name, reason))
        if on_reject is not None:
            on_reject(moved.name, reason)

    last_activity = time.monotonic()
    while True:
        try:
            handled = watched.process(handle, reject)
        except _StoreFailed as failed:
            raise failed.error from None
        if handled or watched.waiting:
            last_activity = time.monotonic()
        if pages is not None and len(stored) >= pages:
            break
        if not keep_watching and pages is None and stored and not watched.waiting:
            break
        if wait is not None and time.monotonic() - last_activity >= wait:
            break
        if cancel.wait(interval):
            break
    if not stored and not cancel.cancelled:
        seconds = f"{wait:g}" if wait is not None else "?"
        if refused:
            raise ValidationError(
                _(
                    "Không lấy được trang nào từ thư mục quét {path} sau {seconds} giây;"
                    " {count} tệp bị từ chối (lý do ở thư mục rejected)."
                ).format(path=folder, seconds=seconds, count=len(refused))
            )
        raise ValidationError(
            _("Không có tệp nào trong thư mục quét {path} sau {seconds} giây.").format(
                path=folder, seconds=seconds
            )
        )
    if pages is not None and len(stored) < pages and not cancel.cancelled:
        raise ValidationError(
            _(
                "Chỉ nhận được {count}/{expected} trang từ thư mục quét; các trang đó đã lưu."
            ).format(count=len(stored), expected=pages)
        )
    return FolderIntake(tuple(stored), tuple(taken), tuple(refused))
