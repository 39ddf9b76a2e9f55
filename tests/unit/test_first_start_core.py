"""The core under the first-start setup and the clerk's sync line: finding a unit by typing,
the office written as `office set` writes it, what waits to be sent counted in dossiers and
pages (SQLite and PostgreSQL), and a command line that adds its own way to a message."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from scan_support import new_dossier

from counter_app.domain.units import load_units, search_units
from counter_app.errors import ConfigError, ValidationError
from counter_app.kernel.config import load_config
from counter_app.kernel.context import AppContext
from counter_app.kernel.office import configure_office, office_for
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.scanning.images import ColourMode, clean_page
from counter_app.scanning.pages import attach_pages
from counter_app.scanning.samples import text_page
from counter_app.store.models import Page
from counter_app.sync.models import SyncPageSent
from counter_app.sync.service import sync_overview, waiting_to_send


def test_a_unit_is_found_by_any_spelling_best_first() -> None:
    units = load_units()
    for typed in ("bac nha", "Bắc Nha", "BẮC NHA", "Bắc Nha".encode().decode(), "22333"):
        assert [u.code for u in search_units(units, typed)] == ["22333"], typed
    found = [u.name for u in search_units(units, "nha trang")]
    assert found[0] == "Phường Nha Trang" and "Phường Bắc Nha Trang" in found
    assert search_units(units, "khong co dau") == []
    assert len(search_units(units, "  ")) == len(units)


def test_the_office_is_checked_then_written_where_office_set_writes_it(tmp_path: Path) -> None:
    unit = search_units(load_units(), "bac nha trang")[0]
    with pytest.raises(ValidationError):
        office_for(unit, "có dấu cách")
    assert not (tmp_path / "config.json").exists()
    config = configure_office(tmp_path, office_for(unit, " 000.00.15.H34 "))
    assert config.office is not None and config.office.electronic_id == "000.00.15.H34"
    assert config.office.name == "Trung tâm Phục vụ hành chính công Phường Bắc Nha Trang"
    assert load_config(tmp_path).office == config.office


def test_what_waits_is_counted_in_dossiers_and_pages(any_ctx: AppContext, clock) -> None:
    first, _second = new_dossier(any_ctx), new_dossier(any_ctx)
    page = clean_page(text_page(80, seed=1, lines=5), ColourMode.BW, dpi=80)
    attach_pages(any_ctx, first, [page, page], SYSTEM_ACTOR, document=1)
    with any_ctx.session() as session:
        waiting = waiting_to_send(session)
        sha = session.query(Page.sha256).first()[0]
    assert (waiting.dossiers, waiting.pages) == (2, 2)  # events of 3 moves, 2 dossiers
    with any_ctx.session() as session:
        session.add(SyncPageSent(sha256=sha, size_bytes=1, sent_at=clock()))
    overview = sync_overview(any_ctx)
    assert (overview.pending_dossiers, overview.pending_pages) == (2, 0)
    assert overview.overdue_days is None
    clock.now = clock.now + timedelta(days=9)
    assert sync_overview(any_ctx).overdue_days == 9


def test_the_command_line_adds_its_own_way_on_the_same_line(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from counter_app.cli.main import main

    monkeypatch.setenv("COUNTER_APP_LANG", "vi")
    assert main(["sync", "--data-dir", str(data_dir)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "trang “Gửi lên tỉnh”" in err
    assert "lệnh: counter-app enroll --hub … --code …" in err
    assert ConfigError("x", command="c").command == "c"
