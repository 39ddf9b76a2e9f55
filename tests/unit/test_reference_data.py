"""The catalog and the calendar a context reads: through the unit of work that asks, with no
engine of its own, and as immutable reference data for a thread that does not own the
database; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError
from datetime import date

import pytest
import sqlalchemy as sa

from counter_app.calendar import holidays
from counter_app.domain.catalog import catalog_to_json, load_catalog
from counter_app.kernel.calendar import RECHECK_INTERVAL
from counter_app.kernel.catalog import import_catalog
from counter_app.kernel.users import SYSTEM_ACTOR

PROPOSED_PAST = date(2026, 11, 24)  # proposed in the shipped table (not applied yet)


def test_the_calendar_is_read_inside_a_unit_of_work_that_holds_the_write_lock(
    any_ctx, clock
) -> None:
    with any_ctx.session() as session:
        session.execute(sa.select(1))  # begun: on SQLite this unit holds the write lock now
        assert any_ctx.calendar.is_working_day(PROPOSED_PAST)
    holidays.confirm_holiday(any_ctx, PROPOSED_PAST, SYSTEM_ACTOR, force=True)
    with any_ctx.session() as session:
        session.execute(sa.select(1))
        assert not any_ctx.calendar.is_working_day(PROPOSED_PAST)  # re-read, same unit
        assert any_ctx.catalog.version == load_catalog().version  # first read, same unit
    clock.now += RECHECK_INTERVAL
    with any_ctx.session() as session:
        session.execute(sa.select(1))
        assert not any_ctx.calendar.is_working_day(PROPOSED_PAST)  # rechecked, same unit
    assert not hasattr(any_ctx._calendar_cache, "_sqlite_reader")


def test_reference_data_is_what_was_last_read_and_never_reads(any_ctx) -> None:
    with pytest.raises(RuntimeError):
        any_ctx.reference  # noqa: B018 - nothing read yet, and asking does not read
    first = any_ctx.refresh_reference()
    assert any_ctx.reference == first
    with pytest.raises(FrozenInstanceError):
        first.catalog = load_catalog()

    holidays.confirm_holiday(any_ctx, PROPOSED_PAST, SYSTEM_ACTOR, force=True)
    assert any_ctx.reference.calendar is first.calendar  # held until the next refresh
    refreshed = any_ctx.refresh_reference()
    assert not refreshed.calendar.is_working_day(PROPOSED_PAST)
    assert first.calendar.is_working_day(PROPOSED_PAST)  # the old one is unchanged
    assert any_ctx.reference.calendar is refreshed.calendar


def test_a_catalog_imported_meanwhile_reaches_the_reference_data(any_ctx, tmp_path) -> None:
    bundled = any_ctx.refresh_reference().catalog
    document = catalog_to_json(bundled)
    document["catalog_version"] = bundled.version + "-kh1"
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with any_ctx.session() as session:  # as another counter, or the command line, does
        import_catalog(session, path, SYSTEM_ACTOR, any_ctx.clock())
    assert any_ctx.reference.catalog.version == bundled.version
    assert any_ctx.refresh_reference().catalog.version == bundled.version + "-kh1"
    assert any_ctx.catalog.version == bundled.version + "-kh1"
