"""Migration 0014 corrects the 2026 calendar of a database seeded from the old shipped file
(2/1 proposed, no 10/1, no 24/11), and leaves an admin's own decision alone."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from alembic import command

from counter_app.store.engine import make_engine
from counter_app.store.migrate import alembic_config

NEW_YEAR, SATURDAY, CULTURE = date(2026, 1, 2), date(2026, 1, 10), date(2026, 11, 24)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
    made = make_engine(url)
    yield made
    made.dispose()


def _as_seeded_before(engine: sa.Engine, new_year_by: str) -> None:
    """The holiday table as migration 0007 seeded it from the file shipped before."""
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE calendar_days SET status = 'proposed', changed_by = :by WHERE day = :day"
            ),
            {"by": new_year_by, "day": NEW_YEAR},
        )
        connection.execute(
            sa.text("DELETE FROM calendar_days WHERE day IN (:a, :b)"),
            {"a": SATURDAY, "b": CULTURE},
        )


def _rows(engine: sa.Engine) -> dict[date, tuple[str, str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT day, kind, status, source FROM calendar_days WHERE day IN (:a, :b, :c)"
            ),
            {"a": NEW_YEAR, "b": SATURDAY, "c": CULTURE},
        ).all()
    return {
        (day if isinstance(day, date) else date.fromisoformat(str(day))): (kind, status, source)
        for day, kind, status, source in rows
    }


@pytest.mark.parametrize("new_year_by", ["system", "quantri"])
def test_the_2026_corrections_reach_an_old_database(engine, new_year_by) -> None:
    config = alembic_config(engine)
    command.upgrade(config, "0013")
    _as_seeded_before(engine, new_year_by)
    command.upgrade(config, "head")
    rows = _rows(engine)
    assert rows[SATURDAY][:2] == ("working_day", "confirmed")
    assert "12729/VPCP-KGVX" in rows[SATURDAY][2]
    assert rows[CULTURE][:2] == ("day_off", "proposed") and "80-NQ/TW" in rows[CULTURE][2]
    if new_year_by == "system":  # the shipped proposal, never touched: corrected
        assert rows[NEW_YEAR][:2] == ("day_off", "confirmed")
        assert "12729/VPCP-KGVX" in rows[NEW_YEAR][2]
    else:  # an admin's decision stays
        assert rows[NEW_YEAR][1] == "proposed"
    with engine.connect() as connection:
        corrected = connection.execute(
            sa.text("SELECT COUNT(*) FROM calendar_day_changes WHERE action = 'corrected'")
        ).scalar_one()
    assert corrected == (1 if new_year_by == "system" else 0)  # every change has its row
