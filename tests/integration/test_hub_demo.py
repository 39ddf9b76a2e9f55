"""`hub demo`: the communes' counters enrolled and synced through the hub's real doors
(enrolment, signed requests, ingest with every check, day close), on SQLite and PostgreSQL;
what the hub holds is what was made, and every chain verifies."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import cast

import pytest
import sqlalchemy as sa

from counter_app.cli.main import main as cli_main
from counter_app.domain.calendar import VN_TZ
from counter_app.errors import ValidationError
from counter_app.hub.demo import HubDemoOptions, HubDemoSummary, generate_hub_demo
from counter_app.hub.models import HubDayClose, HubDevice, HubDossier, HubEvent
from counter_app.hub.service import Hub, open_hub_database, recomputed_hash
from counter_app.kernel.events import GENESIS_HASH
from counter_app.sync.protocol import EventRecord

# A Thursday evening, after the day close: the days before it are working days.
NOW = datetime(2026, 3, 12, 18, 0, tzinfo=VN_TZ)


@pytest.fixture(params=["sqlite", "postgresql"])
def hub_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        url: str = request.getfixturevalue("pg_url")
        return url
    return f"sqlite:///{tmp_path / 'hub.sqlite3'}"


@pytest.fixture
def demo_hub(hub_url: str, tmp_path: Path) -> Iterator[tuple[Hub, HubDemoSummary]]:
    hub = Hub(open_hub_database(hub_url), tmp_path / "blobs")
    summary = generate_hub_demo(hub, HubDemoOptions(communes=2, days=4), now=NOW)
    yield hub, summary
    hub.engine.dispose()


def test_the_hub_holds_what_the_demo_made_and_every_chain_verifies(
    demo_hub: tuple[Hub, HubDemoSummary],
) -> None:
    hub, summary = demo_hub
    assert summary.communes == 2 and summary.refused == 0
    assert summary.dossiers > 20 and summary.events > 2 * summary.dossiers
    with hub.session() as session:
        devices = session.execute(sa.select(HubDevice)).scalars().all()
        assert sorted(d.office_unit for d in devices) == sorted(summary.dossiers_by_office)
        by_office = Counter(session.execute(sa.select(HubDossier.office_unit)).scalars())
        assert dict(by_office) == summary.dossiers_by_office
        by_device = Counter(session.execute(sa.select(HubEvent.device_id)).scalars())
        assert dict(by_device) == summary.events_by_device
        assert sum(by_device.values()) == summary.events
        closes = session.execute(sa.select(HubDayClose.match)).scalars().all()
        assert len(closes) == summary.day_closes == summary.day_closes_matched > 0
        assert all(closes)
        heads = {
            row.code: (row.head_seq, row.head_hash)
            for row in session.execute(
                sa.select(HubDossier.code, HubDossier.head_seq, HubDossier.head_hash)
            )
        }
        for device in devices:
            events = session.execute(
                sa.select(HubEvent).where(HubEvent.device_id == device.id).order_by(HubEvent.seq)
            ).scalars()
            previous, last_of = GENESIS_HASH, {}
            for seq, event in enumerate(events, start=1):
                assert event.seq == seq and event.prev_seq == seq - 1
                assert event.prev_hash == previous
                assert (
                    recomputed_hash(cast(EventRecord, event.payload), event.dossier_code)
                    == event.hash
                )
                assert event.progress["MaHoSo"]  # its CapNhatTienDoHoSoMC entry
                previous = event.hash
                last_of[event.dossier_code] = (event.seq, event.hash)
            for code, head in last_of.items():
                assert heads[code] == head
    # The public page answers for a demo dossier, with no applicant in it.
    code = next(iter(heads))
    status = hub.public_status(code)
    assert status["code"] == code and "applicant" not in status


def test_a_second_demo_into_the_same_communes_is_refused(
    demo_hub: tuple[Hub, HubDemoSummary],
) -> None:
    hub, _summary = demo_hub
    with pytest.raises(ValidationError):
        generate_hub_demo(hub, HubDemoOptions(communes=1, days=1), now=NOW)


def test_the_command_prints_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    assert cli_main(["hub", "demo", "--communes", "1", "--days", "2", "--database", url]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "1 xã, 2 ngày" in out[0]
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(sa.select(sa.func.count()).select_from(HubDossier)).scalar()
    engine.dispose()
    assert f"{count} hồ sơ" in out[0]
    with pytest.raises(SystemExit):  # a bad number: one line, nothing written
        cli_main(["hub", "demo", "--communes", "0", "--database", url])
