"""Page store and page management on a real data directory (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from scan_support import new_dossier

from counter_app.domain.lifecycle import EventKind, Status
from counter_app.dossiers.service import move
from counter_app.errors import ValidationError
from counter_app.kernel.context import AppContext
from counter_app.kernel.dossier_store import get_dossier
from counter_app.kernel.page_files import page_path
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.maintenance.service import verify
from counter_app.scanning.images import ColourMode, clean_page
from counter_app.scanning.pages import (
    attach_pages,
    attach_result,
    delete_page,
    export_pdf,
    import_files,
    list_pages,
    move_page,
    replace_page,
    rotate_page,
    set_reused,
    store_file,
)
from counter_app.scanning.samples import text_page


def pages(count: int, seed: int = 0) -> list:
    return [clean_page(text_page(100, seed=seed + i), ColourMode.BW) for i in range(count)]


def test_store_is_content_addressed_and_never_overwrites(tmp_path: Path) -> None:
    sha = store_file(tmp_path, b"page one")
    assert sha == hashlib.sha256(b"page one").hexdigest()
    path = page_path(tmp_path, sha)
    assert path.read_bytes() == b"page one"
    mtime = path.stat().st_mtime_ns
    assert store_file(tmp_path, b"page one") == sha
    assert path.stat().st_mtime_ns == mtime
    assert not [p for p in tmp_path.rglob("*.tmp")]


def _same_folder_data(sha: str) -> bytes:
    """Other page content that the store files in the same fan-out folder as `sha`."""
    for number in range(100_000):
        data = f"another page {number}".encode()
        if hashlib.sha256(data).hexdigest()[:2] == sha[:2]:
            return data
    raise AssertionError("no content found for the folder")


def test_a_killed_write_is_swept_but_a_live_or_fresh_one_is_kept(tmp_path: Path) -> None:
    sha = store_file(tmp_path, b"page one")
    folder = page_path(tmp_path, sha).parent
    killed, fresh, live = (folder / f".{name}.tmp" for name in ("killed", "fresh", "live"))
    for leftover in (killed, fresh, live):
        leftover.write_bytes(b"half a scanned page")
    old = time.time() - 3600
    for leftover in (killed, live):
        os.utime(leftover, (old, old))
    holder = subprocess.Popen(  # a writer still alive: holds its file's lock
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time; f = open(sys.argv[1], 'rb+'); "
            "fcntl.flock(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(60)",
            str(live),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        store_file(tmp_path, _same_folder_data(sha))
        assert not killed.exists()
        assert fresh.exists() and live.exists()
    finally:
        holder.kill()
        holder.wait()


def test_attach_records_event_marks_digitised_and_verifies(any_ctx: AppContext) -> None:
    code = new_dossier(any_ctx)
    views = attach_pages(any_ctx, code, pages(2), SYSTEM_ACTOR, document=1)
    assert [v.position for v in views] == [1, 2]
    dossier = get_dossier(any_ctx, code)
    assert dossier.documents[0].digitised
    assert dossier.events[-1].kind == EventKind.PAGES_ATTACHED.value
    assert dossier.events[-1].data["pages"] == [v.sha256 for v in views]
    report = verify(any_ctx)
    assert report.ok, report.problems
    assert report.pages == 2


def test_identical_page_is_stored_once(ctx: AppContext) -> None:
    code = new_dossier(ctx)
    same = pages(1)
    attach_pages(ctx, code, same, SYSTEM_ACTOR, document=1)
    attach_pages(ctx, code, same, SYSTEM_ACTOR, document=2)
    files = [p for p in ctx.pages_dir.rglob("*") if p.is_file()]
    assert len(files) == 1
    assert len(list_pages(ctx, code)) == 2


def test_reorder_insert_move_rotate_delete_replace(any_ctx: AppContext) -> None:
    code = new_dossier(any_ctx)
    a, b, c = attach_pages(any_ctx, code, pages(3), SYSTEM_ACTOR, document=1)
    (inserted,) = attach_pages(
        any_ctx, code, pages(1, seed=9), SYSTEM_ACTOR, document=1, position=2
    )
    order = [p.id for p in list_pages(any_ctx, code)]
    assert order == [a.id, inserted.id, b.id, c.id]

    move_page(any_ctx, c.id, SYSTEM_ACTOR, document=1, position=1)
    assert [p.id for p in list_pages(any_ctx, code)] == [c.id, a.id, inserted.id, b.id]

    moved = move_page(any_ctx, b.id, SYSTEM_ACTOR, document=2, position=1)
    assert moved.document == 2 and moved.position == 1
    assert get_dossier(any_ctx, code).documents[1].digitised

    assert rotate_page(any_ctx, a.id, SYSTEM_ACTOR, 90).rotation == 90
    assert rotate_page(any_ctx, a.id, SYSTEM_ACTOR, 270).rotation == 0
    with pytest.raises(ValidationError):
        rotate_page(any_ctx, a.id, SYSTEM_ACTOR, 45)

    delete_page(any_ctx, b.id, SYSTEM_ACTOR)
    assert not get_dossier(any_ctx, code).documents[1].digitised

    (rescan,) = pages(1, seed=20)
    replaced = replace_page(any_ctx, inserted.id, rescan, SYSTEM_ACTOR)
    assert replaced.sha256 != inserted.sha256
    assert page_path(any_ctx.pages_dir, inserted.sha256).exists()  # the old file stays
    positions = [(p.document, p.position) for p in list_pages(any_ctx, code)]
    assert positions == [(1, 1), (1, 2), (1, 3)]
    assert verify(any_ctx).ok


def test_unknown_document_number_is_refused(ctx: AppContext) -> None:
    code = new_dossier(ctx)
    with pytest.raises(ValidationError, match="thành phần số 99"):
        attach_pages(ctx, code, pages(1), SYSTEM_ACTOR, document=99)
    assert list_pages(ctx, code) == []


def test_bad_file_in_a_batch_stores_nothing(ctx: AppContext, tmp_path: Path) -> None:
    code = new_dossier(ctx)
    good = tmp_path / "good.png"
    text_page(100).save(good)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    with pytest.raises(ValidationError):
        import_files(ctx, code, [good, bad], SYSTEM_ACTOR, document=1)
    assert list_pages(ctx, code) == []
    assert not ctx.pages_dir.exists() or not any(ctx.pages_dir.rglob("*"))


def test_result_only_while_handled_and_exported_last(ctx: AppContext, tmp_path: Path) -> None:
    code = new_dossier(ctx)
    attach_pages(ctx, code, pages(2), SYSTEM_ACTOR, document=1)
    with pytest.raises(ValidationError, match="kết quả"):
        attach_result(ctx, code, pages(1, seed=5), SYSTEM_ACTOR)
    move(ctx, code, Status.PROCESSING, SYSTEM_ACTOR)
    move(ctx, code, Status.RESOLVED, SYSTEM_ACTOR)
    (result,) = attach_result(ctx, code, pages(1, seed=5), SYSTEM_ACTOR)
    assert result.is_result
    listed = list_pages(ctx, code)
    assert listed[-1].id == result.id
    rotate_page(ctx, listed[0].id, SYSTEM_ACTOR, 90)
    target = tmp_path / "dossier.pdf"
    assert export_pdf(ctx, code, target) == 3
    reader = PdfReader(target)
    assert len(reader.pages) == 3
    assert reader.pages[0].rotation == 90
    assert export_pdf(ctx, code, tmp_path / "paper.pdf", results=False) == 2


def test_reused_flag(ctx: AppContext) -> None:
    code = new_dossier(ctx)
    set_reused(ctx, code, 1, SYSTEM_ACTOR)
    assert get_dossier(ctx, code).documents[0].reused
    assert verify(ctx).ok


def test_import_keeps_the_file_colour(ctx: AppContext, tmp_path: Path) -> None:
    code = new_dossier(ctx)
    photo = tmp_path / "photo.jpg"
    text_page(100, colour=True).save(photo, quality=80)
    (view,) = import_files(ctx, code, [photo], SYSTEM_ACTOR, document=1)
    assert view.media_type == "image/jpeg"
    stored = Image.open(page_path(ctx.pages_dir, view.sha256))
    assert stored.mode == "RGB"
