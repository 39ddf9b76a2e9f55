"""A demo that did not finish: marked before its first write, unmarked after its last.

`demo` writes `demo-unfinished.json` into the data directory before it changes anything and
removes it when the demo is whole. A marker found at the next `demo` (killed run, crash,
disk full) means the dossiers there are half a demo: if the demo began on an empty SQLite
database, the database and page store are removed and the demo starts again; if anything
else was there before (users, a shared PostgreSQL database), nothing is removed and the
command says so, since that data may not be the demo's to throw away.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from counter_app.errors import ValidationError
from counter_app.files import write_atomically
from counter_app.i18n import _
from counter_app.kernel.context import AppContext
from counter_app.store.engine import SQLITE_SIDE_FILES
from counter_app.store.migrate import upgrade

MARKER_FILE = "demo-unfinished.json"


def mark_unfinished(ctx: AppContext, *, fresh: bool) -> None:
    """Before the demo's first write; `fresh`: the database held nothing of value. A marker
    left by an unfinished run stays as it is: it knows what was there before that run."""
    if is_unfinished(ctx):
        return
    document = {"fresh": fresh and ctx.engine.dialect.name == "sqlite"}
    write_atomically(ctx.data_dir / MARKER_FILE, json.dumps(document).encode("utf-8"))


def mark_finished(ctx: AppContext) -> None:
    (ctx.data_dir / MARKER_FILE).unlink(missing_ok=True)


def is_unfinished(ctx: AppContext) -> bool:
    return (ctx.data_dir / MARKER_FILE).exists()


def discard_unfinished(ctx: AppContext, *, has_dossiers: bool) -> bool:
    """Undo a demo that did not finish; True when one was found (and undone).

    Raises ValidationError when the half demo shares its database with data from before.
    """
    marker = ctx.data_dir / MARKER_FILE
    if not marker.exists():
        return False
    try:
        fresh = json.loads(marker.read_text(encoding="utf-8")).get("fresh") is True
    except (OSError, ValueError, AttributeError):
        fresh = False
    if not has_dossiers:
        return True  # stopped before its first dossier: it simply runs again
    if not fresh:
        raise ValidationError(
            _(
                "Lần tạo dữ liệu mẫu trước chưa xong và thư mục còn dữ liệu khác nên không tự "
                "xóa; hãy tạo dữ liệu mẫu trong một thư mục dữ liệu trống."
            )
        )
    database = Path(str(ctx.engine.url.database))
    ctx.engine.dispose()
    for path in (database, *(database.with_name(database.name + s) for s in SQLITE_SIDE_FILES)):
        path.unlink(missing_ok=True)
    shutil.rmtree(ctx.pages_dir, ignore_errors=True)
    upgrade(ctx.engine)  # an empty database again, at the head of the migrations
    ctx.invalidate_calendar()
    ctx.reload_catalog()
    return True
