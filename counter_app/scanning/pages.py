"""Scanned pages of a dossier: the content-addressed page store and page management.

A page file is written to a temporary file, flushed to disk and linked into place under
its sha256 name before the database row that refers to it is committed; an identical
page is stored once and a stored file is never overwritten. Every change to a dossier's
pages is one unit of work that also records a `pages_attached` event, so the history
says who scanned, moved or removed which page, and `verify` can check every file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from PIL import Image
from sqlalchemy.orm import Session

from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import EventKind, Role, Status
from counter_app.errors import CounterError, NotFoundError, StorageError, ValidationError
from counter_app.files import PRIVATE_FILE_MODE, make_private_dir, try_lock
from counter_app.i18n import _
from counter_app.kernel.context import AppContext
from counter_app.kernel.dossier_store import load_dossier
from counter_app.kernel.events import append_event
from counter_app.kernel.page_files import page_path
from counter_app.kernel.users import Actor
from counter_app.scanning.devices import CancelToken, ProgressCallback, Scanner, ScanRequest
from counter_app.scanning.files import load_file
from counter_app.scanning.images import ColourMode, ProcessedPage, clean_page
from counter_app.store.models import Dossier, DossierDocument, Page

RESULT_STATUSES = frozenset({Status.PROCESSING, Status.RESOLVED, Status.RETURNED})
"""A result (giấy tờ kết quả) is attached while the dossier is handled or once resolved."""


@dataclass(frozen=True)
class PageView:
    id: int
    dossier_code: str
    document: int | None
    """1-based position of the checklist line, None for a result or an unsorted page."""
    position: int
    sha256: str
    media_type: str
    size_bytes: int
    width: int | None
    height: int | None
    dpi: int | None
    blank: bool
    rotation: int
    is_result: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "document": self.document,
            "position": self.position,
            "sha256": self.sha256,
            "media_type": self.media_type,
            "size_bytes": self.size_bytes,
            "width": self.width,
            "height": self.height,
            "dpi": self.dpi,
            "blank": self.blank,
            "rotation": self.rotation,
            "is_result": self.is_result,
        }


# --- the store ---------------------------------------------------------------------------


def _fsync_dir(directory: Path) -> None:
    if os.name != "posix":
        return  # Windows cannot open a directory to flush it; NTFS journals the rename
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


TEMPORARY_SUFFIX = ".tmp"
KILLED_WRITE_AGE = 60.0
"""Seconds after which an unlocked working file in the page store is a killed write's."""


def _sweep_killed_writes(folder: Path) -> None:
    """Remove what killed writes left in this fan-out folder: a half page, citizens' data,
    that nothing else would ever remove. A file goes only when no live process holds its
    lock and it is old enough that its writer cannot be between creating and locking it."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    now = time.time()
    for entry in entries:
        if not (entry.name.startswith(".") and entry.name.endswith(TEMPORARY_SUFFIX)):
            continue
        try:
            if now - entry.stat().st_mtime < KILLED_WRITE_AGE:
                continue
            descriptor = os.open(entry.path, os.O_RDWR)
        except OSError:
            continue
        try:
            if try_lock(descriptor):
                Path(entry.path).unlink(missing_ok=True)
        except OSError:
            pass  # Windows keeps a file another process has open: its writer lives
        finally:
            os.close(descriptor)


def store_file(pages_dir: Path, data: bytes) -> str:
    """Put `data` in the page store and return its sha256; an existing copy is kept."""
    sha256 = hashlib.sha256(data).hexdigest()
    target = page_path(pages_dir, sha256)
    if target.exists():
        return sha256
    try:
        make_private_dir(target.parent)  # pages/ too, not only its fan-out folder
        _sweep_killed_writes(target.parent)
        fd, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{sha256[:8]}.", suffix=TEMPORARY_SUFFIX
        )
        try_lock(fd)  # held while writing: a sweep leaves a live writer's file alone
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(temporary, target)  # fails rather than overwrite a file
            except FileExistsError:
                pass
            except OSError:
                if not target.exists():  # a file system without hard links
                    os.replace(temporary, target)
        finally:
            Path(temporary).unlink(missing_ok=True)
        _fsync_dir(target.parent)
    except OSError as exc:
        raise StorageError(
            _("Không ghi được trang vào kho: {error}").format(error=exc.strerror)
        ) from exc
    return sha256


def read_page_file(ctx: AppContext, sha256: str) -> bytes:
    path = page_path(ctx.pages_dir, sha256)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise StorageError(
            _("Không đọc được tệp trang {sha}: {error}").format(sha=sha256[:12], error=exc.strerror)
        ) from exc


# --- reading -----------------------------------------------------------------------------


def _document_numbers(session: Session, dossier_id: int) -> dict[int, int]:
    rows = session.execute(
        sa.select(DossierDocument.id, DossierDocument.position)
        .where(DossierDocument.dossier_id == dossier_id)
        .order_by(DossierDocument.position)
    ).all()
    return {int(row_id): number for number, (row_id, _position) in enumerate(rows, start=1)}


_CHECKLIST = (
    sa.select(DossierDocument)
    .where(DossierDocument.dossier_id == sa.bindparam("dossier_id"))
    .order_by(DossierDocument.position)
)


def _checklist(session: Session, dossier: Dossier) -> list[DossierDocument]:
    return list(session.execute(_CHECKLIST, {"dossier_id": dossier.id}).scalars())


def _document_row(
    session: Session,
    dossier: Dossier,
    number: int | None,
    rows: list[DossierDocument] | None = None,
) -> DossierDocument | None:
    """Checklist line `number` (1-based) of the dossier; `rows`: its checklist, if read."""
    if number is None:
        return None
    if rows is None:
        rows = _checklist(session, dossier)
    if not 1 <= number <= len(rows):
        raise ValidationError(
            _("Hồ sơ {code} không có thành phần số {number} (có {count}).").format(
                code=dossier.code, number=number, count=len(rows)
            )
        )
    return rows[number - 1]


def _page_view(page: Page, code: str, numbers: dict[int, int]) -> PageView:
    return PageView(
        id=page.id,
        dossier_code=code,
        document=numbers.get(page.document_id) if page.document_id is not None else None,
        position=page.position,
        sha256=page.sha256,
        media_type=page.media_type,
        size_bytes=page.size_bytes,
        width=page.width,
        height=page.height,
        dpi=page.dpi,
        blank=page.blank,
        rotation=page.rotation,
        is_result=page.is_result,
    )


def _ordered_pages(session: Session, dossier: Dossier) -> list[Page]:
    """Checklist pages in checklist order, then unsorted pages, then the results."""
    numbers = _document_numbers(session, dossier.id)
    pages = list(session.execute(sa.select(Page).where(Page.dossier_id == dossier.id)).scalars())
    last = len(numbers) + 1

    def key(page: Page) -> tuple[int, int, int, int]:
        group = numbers.get(page.document_id, last) if page.document_id is not None else last
        return (int(page.is_result), group, page.position, page.id)

    return sorted(pages, key=key)


def list_pages(ctx: AppContext, code: str) -> list[PageView]:
    """A dossier's pages in the order they are shown and exported."""
    with ctx.session() as session:
        dossier = load_dossier(session, code)
        numbers = _document_numbers(session, dossier.id)
        return [
            _page_view(page, dossier.code, numbers) for page in _ordered_pages(session, dossier)
        ]


# --- changing pages ----------------------------------------------------------------------


_PAGES_OF = sa.select(Page).where(
    Page.dossier_id == sa.bindparam("dossier_id"), Page.is_result == sa.bindparam("is_result")
)
_UNSORTED_GROUP = _PAGES_OF.where(Page.document_id.is_(None)).order_by(Page.position, Page.id)
_DOCUMENT_GROUP = _PAGES_OF.where(Page.document_id == sa.bindparam("document_id")).order_by(
    Page.position, Page.id
)


def _group(
    session: Session, dossier_id: int, document_id: int | None, is_result: bool
) -> list[Page]:
    params: dict[str, Any] = {"dossier_id": dossier_id, "is_result": is_result}
    if document_id is None:
        return list(session.execute(_UNSORTED_GROUP, params).scalars())
    params["document_id"] = document_id
    return list(session.execute(_DOCUMENT_GROUP, params).scalars())


def _renumber(pages: list[Page]) -> None:
    for index, page in enumerate(pages, start=1):
        page.position = index


def _refresh_digitised(session: Session, document_id: int | None) -> None:
    """A checklist line is digitised while it has at least one page."""
    if document_id is None:
        return
    document = session.get(DossierDocument, document_id)
    if document is None:
        return
    count = session.execute(
        sa.select(sa.func.count(Page.id)).where(Page.document_id == document_id)
    ).scalar_one()
    document.digitised = int(count) > 0


def _record(
    ctx: AppContext, session: Session, dossier: Dossier, actor: Actor, data: dict[str, Any]
) -> None:
    append_event(
        session,
        dossier,
        kind=EventKind.PAGES_ATTACHED.value,
        actor=actor.login,
        actor_role=actor.role.value,
        at=ctx.clock().astimezone(VN_TZ),
        data=data,
    )


def attach_pages(
    ctx: AppContext,
    code: str,
    pages: Sequence[ProcessedPage],
    actor: Actor,
    *,
    document: int | None = None,
    position: int | None = None,
    is_result: bool = False,
) -> list[PageView]:
    """Store `pages` and attach them to a checklist line (1-based), in one unit of work.

    `position` (1-based) inserts before the page now at that place; None appends.
    """
    actor.require(Role.CLERK, Role.LEADER, Role.ADMIN)
    if not pages:
        raise ValidationError(_("Không có trang nào để đính kèm."))
    if is_result and document is not None:
        raise ValidationError(_("Kết quả giải quyết không thuộc thành phần hồ sơ nào."))
    # A refused attach leaves no file behind: what the transaction checks is checked first,
    # and a file this call added is removed again when the transaction fails after all.
    added_files = {
        page_path(ctx.pages_dir, hashlib.sha256(page.data).hexdigest()) for page in pages
    }
    added_files = {path for path in added_files if not path.exists()}
    if added_files:  # with every file already in the store, the transaction checks alone
        _check_target(ctx, code, document, is_result)
    try:
        hashes = [store_file(ctx.pages_dir, page.data) for page in pages]  # files, then rows
        now = ctx.clock()
        with ctx.session() as session:
            dossier = load_dossier(session, code, for_update=True)
            _check_result_status(dossier, is_result)
            checklist = _checklist(session, dossier)
            row = _document_row(session, dossier, document, checklist)
            document_id = row.id if row is not None else None
            group = _group(session, dossier.id, document_id, is_result)
            at = len(group) if position is None else max(0, min(position - 1, len(group)))
            added: list[Page] = []
            for page, sha256 in zip(pages, hashes, strict=True):
                added.append(
                    Page(
                        dossier_id=dossier.id,
                        document_id=document_id,
                        position=0,
                        sha256=sha256,
                        media_type=page.media_type,
                        size_bytes=len(page.data),
                        width=page.width,
                        height=page.height,
                        dpi=page.dpi,
                        blank=page.blank,
                        rotation=0,
                        is_result=is_result,
                        added_at=now,
                        added_by=actor.login,
                    )
                )
            group[at:at] = added
            _renumber(group)
            session.add_all(added)
            if row is not None:
                row.digitised = True
            _record(
                ctx,
                session,
                dossier,
                actor,
                {
                    "action": "result" if is_result else "add",
                    "document": document,
                    "position": at + 1,
                    "pages": hashes,
                },
            )
            numbers = {line.id: number for number, line in enumerate(checklist, start=1)}
            return [_page_view(page, dossier.code, numbers) for page in added]
    except BaseException:
        _remove_unreferenced(ctx, added_files)
        raise


def _check_result_status(dossier: Dossier, is_result: bool) -> None:
    if is_result and Status(dossier.status) not in RESULT_STATUSES:
        raise ValidationError(
            _("Chỉ đính kèm kết quả khi hồ sơ đang giải quyết hoặc đã giải quyết.")
        )


def _check_target(ctx: AppContext, code: str, document: int | None, is_result: bool) -> None:
    """The dossier, its status for a result and its checklist line, before a file is stored."""
    with ctx.session() as session:
        dossier = load_dossier(session, code)
        _check_result_status(dossier, is_result)
        _document_row(session, dossier, document)


def _remove_unreferenced(ctx: AppContext, paths: set[Path]) -> None:
    """Remove the page files a failed attach stored, unless a page row has come to use one
    meanwhile (the store is shared by content). Best effort: the attach's own error is the
    one reported."""
    try:
        with ctx.session() as session:
            for path in paths:
                used = session.execute(
                    sa.select(Page.id).where(Page.sha256 == path.name).limit(1)
                ).first()
                if used is None:
                    path.unlink(missing_ok=True)
    except (CounterError, sa.exc.SQLAlchemyError, OSError):
        pass


def attach_result(
    ctx: AppContext, code: str, pages: Sequence[ProcessedPage], actor: Actor
) -> list[PageView]:
    """The electronic result of the dossier (counted by the digitisation indicators)."""
    return attach_pages(ctx, code, pages, actor, is_result=True)


def _load_page(session: Session, page_id: int) -> tuple[Page, Dossier]:
    page = session.get(Page, page_id)
    if page is None:
        raise NotFoundError(_("Không có trang số {id}.").format(id=page_id))
    dossier = session.execute(
        sa.select(Dossier).where(Dossier.id == page.dossier_id).with_for_update()
    ).scalar_one()
    return page, dossier


def move_page(
    ctx: AppContext, page_id: int, actor: Actor, *, document: int | None, position: int
) -> PageView:
    """Put a page at `position` (1-based) of checklist line `document` (reorder or move)."""
    actor.require(Role.CLERK, Role.LEADER, Role.ADMIN)
    with ctx.session() as session:
        page, dossier = _load_page(session, page_id)
        row = _document_row(session, dossier, document)
        old_document_id = page.document_id
        new_document_id = row.id if row is not None else None
        old_group = _group(session, dossier.id, old_document_id, page.is_result)
        old_group.remove(page)
        _renumber(old_group)
        new_group = (
            old_group
            if new_document_id == old_document_id
            else _group(session, dossier.id, new_document_id, page.is_result)
        )
        at = max(0, min(position - 1, len(new_group)))
        new_group.insert(at, page)
        page.document_id = new_document_id
        _renumber(new_group)
        session.flush()
        _refresh_digitised(session, old_document_id)
        _refresh_digitised(session, new_document_id)
        _record(
            ctx,
            session,
            dossier,
            actor,
            {"action": "move", "page": page.sha256, "document": document, "position": at + 1},
        )
        return _page_view(page, dossier.code, _document_numbers(session, dossier.id))


def rotate_page(ctx: AppContext, page_id: int, actor: Actor, degrees: int = 90) -> PageView:
    """Turn a page clockwise for display and export; the stored file is left as it is."""
    actor.require(Role.CLERK, Role.LEADER, Role.ADMIN)
    if degrees % 90:
        raise ValidationError(_("Chỉ xoay trang theo bội số của 90 độ."))
    with ctx.session() as session:
        page, dossier = _load_page(session, page_id)
        page.rotation = (page.rotation + degrees) % 360
        _record(
            ctx,
            session,
            dossier,
            actor,
            {"action": "rotate", "page": page.sha256, "rotation": page.rotation},
        )
        return _page_view(page, dossier.code, _document_numbers(session, dossier.id))


def delete_page(ctx: AppContext, page_id: int, actor: Actor) -> None:
    """Take a page out of the dossier; the file stays in the store (history refers to it)."""
    actor.require(Role.CLERK, Role.LEADER, Role.ADMIN)
    with ctx.session() as session:
        page, dossier = _load_page(session, page_id)
        group = _group(session, dossier.id, page.document_id, page.is_result)
        group.remove(page)
        document_id, sha256 = page.document_id, page.sha256
        session.delete(page)
        _renumber(group)
        session.flush()
        _refresh_digitised(session, document_id)
        _record(ctx, session, dossier, actor, {"action": "delete", "page": sha256})


def replace_page(ctx: AppContext, page_id: int, new_page: ProcessedPage, actor: Actor) -> PageView:
    """Point a page at a new scan (e.g. a rescan); the old file is not overwritten."""
    actor.require(Role.CLERK, Role.LEADER, Role.ADMIN)
    sha256 = store_file(ctx.pages_dir, new_page.data)
    with ctx.session() as session:
        page, dossier = _load_page(session, page_id)
        old = page.sha256
        page.sha256 = sha256
        page.media_type = new_page.media_type
        page.size_bytes = len(new_page.data)
        page.width, page.height, page.dpi = new_page.width, new_page.height, new_page.dpi
        page.blank = new_page.blank
        page.rotation = 0
        page.added_at = ctx.clock()
        page.added_by = actor.login
        _record(
            ctx, session, dossier, actor, {"action": "replace", "page": sha256, "replaces": old}
        )
        return _page_view(page, dossier.code, _document_numbers(session, dossier.id))


def set_reused(
    ctx: AppContext, code: str, document: int, actor: Actor, reused: bool = True
) -> None:
    """Mark a checklist line as taken from data already digitised (DuocTaiSuDung)."""
    actor.require(Role.CLERK, Role.LEADER, Role.ADMIN)
    with ctx.session() as session:
        dossier = load_dossier(session, code, for_update=True)
        row = _document_row(session, dossier, document)
        assert row is not None
        row.reused = reused
        _record(
            ctx,
            session,
            dossier,
            actor,
            {"action": "reused", "document": document, "value": reused},
        )


# --- export ------------------------------------------------------------------------------


def export_pdf(
    ctx: AppContext,
    code: str,
    target: Path,
    *,
    skip_blank: bool = False,
    results: bool = True,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> int:
    """Write the dossier's pages as one PDF (images embedded as stored); returns the count.

    `progress` is told after each page read; a `cancel` between pages writes nothing.
    """
    import img2pdf
    import pikepdf

    with ctx.session() as session:
        dossier = load_dossier(session, code)
        pages = [
            (page.sha256, page.rotation)
            for page in _ordered_pages(session, dossier)
            if not (skip_blank and page.blank) and (results or not page.is_result)
        ]
    if not pages:
        raise ValidationError(_("Hồ sơ {code} chưa có trang nào.").format(code=code))
    images: list[bytes] = []
    for sha256, _rotation in pages:
        if cancel is not None and cancel.cancelled:
            raise ValidationError(_("Đã hủy xuất PDF; không ghi tệp nào."))
        images.append(read_page_file(ctx, sha256))
        if progress is not None:
            progress(len(images), len(pages))
    try:
        pdf_bytes = img2pdf.convert(images, rotation=img2pdf.Rotation.ifvalid)
    except (img2pdf.ImageOpenError, ValueError) as exc:
        raise StorageError(_("Không tạo được PDF: {error}").format(error=exc)) from exc
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        import io

        with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
            for pdf_page, (_sha, rotation) in zip(pdf.pages, pages, strict=True):
                if rotation:
                    pdf_page.rotate(rotation, relative=True)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
            with os.fdopen(os.open(partial, flags, PRIVATE_FILE_MODE), "wb") as out:
                pdf.save(out)  # an export carries the citizen's papers: this user's only
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise StorageError(
            _("Không ghi được tệp PDF {path}: {error}").format(path=target, error=exc.strerror)
        ) from exc
    return len(pages)


# --- from a scanner or files -------------------------------------------------------------


def check_target(ctx: AppContext, code: str, document: int | None) -> None:
    """Raise now if the dossier or its checklist line `document` does not exist."""
    with ctx.session() as session:
        _document_row(session, load_dossier(session, code), document)


def clean_imported(image: Image.Image, mode: ColourMode | None = None) -> ProcessedPage:
    """A page from a file: the file's colour unless `mode` says otherwise, orientation kept."""
    return clean_page(image, mode, detect_orientation=False)


def scan_to_dossier(
    ctx: AppContext,
    scanner: Scanner,
    code: str,
    request: ScanRequest,
    actor: Actor,
    *,
    document: int | None = None,
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
) -> list[PageView]:
    """Scan into a dossier; each page is cleaned and stored as it arrives.

    A failure or a cancel after some pages keeps the pages already stored (each one was
    its own unit of work) and re-raises, so the clerk sees what is there and goes on.
    Runs on any thread; the scanner must be used from the thread that opened it.
    """
    cancel = cancel or CancelToken()
    check_target(ctx, code, document)  # a bad --document fails before scanning
    stored: list[PageView] = []
    for image in scanner.scan(request, cancel):
        processed = clean_page(image, request.mode, dpi=request.dpi)
        stored.extend(attach_pages(ctx, code, [processed], actor, document=document))
        if progress is not None:
            progress(len(stored), request.pages)
    if not stored:
        raise ValidationError(_("Máy quét không trả về trang nào."))
    return stored


def import_files(
    ctx: AppContext,
    code: str,
    paths: Sequence[Path],
    actor: Actor,
    *,
    document: int | None = None,
    mode: ColourMode | None = None,
    is_result: bool = False,
    progress: ProgressCallback | None = None,
) -> list[PageView]:
    """Attach image and PDF files; every file is read and checked before anything is stored."""
    processed: list[ProcessedPage] = []
    for path in paths:
        for image in load_file(path):
            processed.append(clean_imported(image, mode))
    if not processed:
        raise ValidationError(_("Không có trang nào để đính kèm."))
    views = attach_pages(ctx, code, processed, actor, document=document, is_result=is_result)
    if progress is not None:
        progress(len(views), len(views))
    return views
