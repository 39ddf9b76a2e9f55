"""Nothing lost, nobody let in: the hub takes from a device only the codes it may issue and
never a second history (issue §2, §3), on SQLite and on PostgreSQL, over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from counter_app.cli.main import main as cli_main
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Status
from counter_app.dossiers.service import move
from counter_app.errors import ConfigError
from counter_app.hub.models import HubDossier, HubEvent
from counter_app.hub.service import HubRefusal
from counter_app.kernel.config import OfficeConfig, save_config
from counter_app.kernel.context import AppContext, open_context
from counter_app.kernel.events import GENESIS_HASH, cached_columns, event_hash, state_digest
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.maintenance.service import verify
from counter_app.store.models import Dossier, Event, LedgerHead, OutboxItem
from counter_app.sync.client import HubRefusedError, enroll_request
from counter_app.sync.models import SyncDossierState
from counter_app.sync.outbox import build_pending, pending_dossier_ids
from counter_app.sync.service import (
    conflict_line,
    describe_difference,
    enroll,
    open_client,
    run_sync,
    sync_overview,
)
from tests.conftest import TEST_OFFICE, MutableClock, make_data_dir
from tests.sync_support import RunningHub, day_of_intake, running_hub

DAY = datetime(2026, 3, 2, 8, 0, tzinfo=VN_TZ)
OTHER_OFFICE = OfficeConfig(
    unit_code="40111",
    electronic_id="000.00.40.H11",
    name="UBND Xã Khác",
    parent_body="UBND Xã Khác",
    province_name="Tỉnh Khánh Hòa",
)


class Stack:
    """A hub and counters whose databases are on one backend (SQLite or PostgreSQL)."""

    def __init__(self, request: pytest.FixtureRequest, root: Path, clock: MutableClock) -> None:
        self.request, self.root, self.clock = request, root, clock
        self.contexts: list[AppContext] = []

    def database(self) -> str | None:
        if self.request.param == "sqlite":
            return None
        url: str = self.request.getfixturevalue("pg_url")
        return url

    def counter(self, name: str, office: OfficeConfig = TEST_OFFICE) -> AppContext:
        (self.root / name).mkdir()
        data_dir = make_data_dir(self.root / name, self._fresh_database())
        if office is not TEST_OFFICE:
            from counter_app.kernel.config import load_config

            save_config(data_dir, replace(load_config(data_dir), office=office))
        ctx = open_context(data_dir, clock=self.clock)
        self.contexts.append(ctx)
        return ctx

    def _fresh_database(self) -> str | None:
        if self.request.param == "sqlite":
            return None
        import uuid

        base = self.database()
        assert base is not None
        name = f"c_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
        return f"{base.rsplit('/', 1)[0]}/{name}"

    def enrolled(self, ctx: AppContext, hub: RunningHub, office: str = "22333") -> AppContext:
        enroll(ctx, hub.url, hub.hub.create_enroll_code(office))
        ctx.close()
        self.contexts.remove(ctx)
        again = open_context(ctx.data_dir, clock=self.clock)  # the block is in the config
        self.contexts.append(again)
        return again


@pytest.fixture(params=["sqlite", "postgresql"])
def stack(request: pytest.FixtureRequest, tmp_path: Path, clock: MutableClock) -> Iterator[Stack]:
    built = Stack(request, tmp_path, clock)
    yield built
    for ctx in built.contexts:
        ctx.close()


@pytest.fixture
def hub(stack: Stack, tmp_path: Path) -> Iterator[RunningHub]:
    with running_hub(tmp_path / "hub", stack.database()) as running:
        yield running


def _public(hub: RunningHub, code: str) -> dict[str, object]:
    answer: dict[str, object] = httpx.get(f"{hub.url}/v1/public/dossiers/{code}").json()
    return answer


# --- §2 a device takes only the codes it may issue ----------------------------------------


def test_a_counter_of_another_office_cannot_take_this_offices_codes(stack, hub):
    genuine = stack.enrolled(stack.counter("genuine"), hub)
    intruder = stack.enrolled(stack.counter("intruder", OTHER_OFFICE), hub, office="40111")
    # The intruder gives itself the genuine office's electronic ID and works offline.
    intruder.config = replace(
        intruder.config, office=replace(OTHER_OFFICE, electronic_id=TEST_OFFICE.electronic_id)
    )
    stolen = day_of_intake(intruder, DAY, count=2)
    mine = day_of_intake(genuine, DAY, count=2)
    assert stolen == mine  # 000.00.22.H56-260302-0001 and -0002 from both

    report = run_sync(intruder)

    assert report.dossiers_synced == 0
    assert {p.code: p.reason_code for p in report.problems} == dict.fromkeys(
        stolen, "wrong_unit_id"
    )
    assert "000.00.40.H11" in report.problems[0].reason
    assert all(_public(hub, code).get("error") == "not_found" for code in stolen)
    genuine_report = run_sync(genuine)  # the genuine counter is never told `code_taken`
    assert genuine_report.ok and genuine_report.dossiers_synced == 2
    with hub.hub.session() as session:
        owners = dict(session.execute(sa.select(HubDossier.code, HubDossier.device_id)).all())
    genuine_device = hub.hub.devices("22333")[0].device.id
    assert owners == dict.fromkeys(mine, genuine_device)
    assert _public(hub, mine[1])["code"] == mine[1]


def test_within_an_office_a_device_cannot_take_a_code_of_anothers_block(stack, hub):
    first = stack.enrolled(stack.counter("q1"), hub)
    second = stack.enrolled(stack.counter("q2"), hub)
    assert (first.config.sequence_first, second.config.sequence_first) == (1, 1001)
    own = day_of_intake(first, DAY, count=1)
    # Then its block is edited to the second's (a copied config.json).
    first.config = replace(first.config, sequence_first=1001, sequence_last=2000)
    taken = day_of_intake(first, DAY + timedelta(hours=1), count=1)
    theirs = day_of_intake(second, DAY, count=1)
    assert taken == theirs and taken[0].endswith("-1001")

    report = run_sync(first)

    assert [(p.code, p.reason_code) for p in report.problems] == [(taken[0], "outside_block")]
    assert "1–1000" in report.problems[0].reason
    assert report.dossiers_synced == 1  # its own code went through
    assert run_sync(second).ok  # and the owner of 1001 is not refused
    with hub.hub.session() as session:
        assert (
            session.get_one(HubDossier, taken[0]).device_id
            != session.get_one(HubDossier, own[0]).device_id
        )


def test_a_device_record_never_names_another_dossier(stack, hub):
    ctx = stack.enrolled(stack.counter("q1"), hub)
    (code,) = day_of_intake(ctx, DAY, count=1)
    with ctx.session() as session:
        (dossier_id,) = pending_dossier_ids(session, stack.clock(), force=True)
        item = build_pending(session, dossier_id, {"person": 1})
    item.payload["record"]["MaHoSo"] = code.replace("-0001", "-0009")
    with open_client(ctx) as client:
        client.sync_clock()
        (result,) = client.send_batch([item.payload])
    assert result["error"] == "bad_request" and not result["ok"]


def test_enrolment_binds_the_device_to_its_offices_electronic_id(stack, hub):
    enrolled = stack.enrolled(stack.counter("q1"), hub)
    assert enrolled.config.sequence_first == 1
    [device] = hub.hub.devices("22333")
    assert device.device.electronic_id == TEST_OFFICE.electronic_id

    # Another office cannot claim this office's electronic ID...
    claimer = stack.counter("claimer", replace(OTHER_OFFICE, electronic_id="000.00.22.H56"))
    with pytest.raises(ConfigError, match="đã thuộc đơn vị 22333"):
        enroll(claimer, hub.url, hub.hub.create_enroll_code("40111"))
    # ...nor use a code made for this office.
    with pytest.raises(ConfigError, match="dành cho đơn vị 22333"):
        enroll(stack.counter("wrong", OTHER_OFFICE), hub.url, hub.hub.create_enroll_code("22333"))
    assert [d.device.office_unit for d in hub.hub.devices()] == ["22333"]  # nothing bound
    with pytest.raises(HubRefusal) as refused:
        hub.hub.create_enroll_code("22333", unit_id="000.00.22.H57")
    assert refused.value.reason == "unit_id_mismatch"

    # A counter that does not say its ID (an old program) needs a code that does.
    old = hub.hub.create_enroll_code("40112")
    with pytest.raises(HubRefusal) as refused:
        hub.hub.enroll(old, "old counter")
    assert refused.value.reason == "unit_id_required"
    told = hub.hub.create_enroll_code("40112", unit_id="000.00.40.H12")
    device, _secret = hub.hub.enroll(told, "old counter")
    assert device.electronic_id == "000.00.40.H12"
    with pytest.raises(HubRefusedError) as refused_http:
        enroll_request(hub.url, hub.hub.create_enroll_code("40112"), "q", "40112", "X.1")
    assert refused_http.value.reason == "unit_id_mismatch"


# --- §3 the hub never takes a second history ---------------------------------------------


def _reseal(ctx: AppContext) -> None:
    """What a tamperer does after editing a row so that `verify` passes: the cached columns
    recomputed, the digest of each dossier's last event, every hash from there on, and the
    heads the hub acknowledged moved to the new hashes."""
    with ctx.session() as session:
        events = list(session.execute(sa.select(Event).order_by(Event.id)).scalars())
        old_hashes = {event.id: event.hash for event in events}
        last = {event.dossier_id: event for event in events}
        previous = GENESIS_HASH
        for event in events:
            dossier = session.get_one(Dossier, event.dossier_id)
            if last[event.dossier_id] is event:
                for name, value in cached_columns(
                    dossier.code, dossier.applicant, dossier.portal_code
                ).items():
                    setattr(dossier, name, value)
                session.flush()
                event.state_digest = state_digest(session, dossier)
            event.prev_hash = previous
            event.hash = event_hash(event, dossier.code)
            if last[event.dossier_id] is event:
                dossier.head_hash = event.hash
            previous = event.hash
        session.get_one(LedgerHead, 1).last_hash = previous
        for event in events:
            if old_hashes[event.id] != event.hash:
                session.execute(
                    sa.update(SyncDossierState)
                    .where(SyncDossierState.synced_head_hash == old_hashes[event.id])
                    .values(synced_head_hash=event.hash)
                )


def test_a_rewritten_history_is_kept_as_a_conflict_and_the_day_does_not_match(stack, hub, capsys):
    ctx = stack.enrolled(stack.counter("q1"), hub)
    codes = day_of_intake(ctx, DAY, count=3)
    stack.clock.now = DAY.replace(hour=10)
    assert run_sync(ctx, close_day=DAY.date()).ok
    before = hub.hub.public_status(codes[0])
    with hub.hub.session() as session:
        held_record = dict(session.get_one(HubDossier, codes[0]).record)

    # A row edit and a re-sealed chain on the counter: verify passes.
    with ctx.session() as session:
        dossier = session.execute(sa.select(Dossier).where(Dossier.code == codes[0])).scalar_one()
        dossier.applicant = {**dossier.applicant, "name": "Kẻ Thay Tên"}
    _reseal(ctx)
    assert verify(ctx).ok, verify(ctx).problems
    # Then a normal move, and a sync.
    move(ctx, codes[0], Status.PROCESSING, SYSTEM_ACTOR)

    report = run_sync(ctx, close_day=DAY.date())

    (problem,) = report.problems
    assert (problem.code, problem.reason_code) == (codes[0], "chain_break")
    assert problem.conflict is not None and problem.conflict["code"] == codes[0]
    assert f"xung đột số {problem.conflict['id']}" in problem.reason
    assert str(problem.conflict["id"]) in conflict_line(problem.conflict)
    assert report.to_json()["problems"][0]["conflict"]["id"] == problem.conflict["id"]
    (waiting,) = sync_overview(ctx).unsynced
    assert waiting.state == "failed" and "xung đột số" in waiting.reason
    # The hub kept what it held: the applicant, the status, the events.
    with hub.hub.session() as session:
        row = session.get_one(HubDossier, codes[0])
        assert row.record == held_record and row.record["ChuHoSo"] != "Kẻ Thay Tên"
        assert row.status == "received"
        held_events = session.execute(sa.select(sa.func.count()).select_from(HubEvent)).scalar()
    assert hub.hub.public_status(codes[0]) == before
    # The province sees the conflict, with what was sent.
    (kept,) = hub.hub.conflicts("22333")
    assert kept.info == problem.conflict and kept.times == 1
    # The day close compares chain heads and lists the conflict.
    close = report.day_close
    assert close is not None and not close.match
    assert codes[0] in close.difference["head_mismatch"]  # and every re-sealed one
    assert (
        close.difference["chain_head"]["hub"]["seq"]
        < close.difference["chain_head"]["counter"]["seq"]
    )
    assert [c["id"] for c in close.difference["conflicts"]] == [problem.conflict["id"]]
    assert any("xung đột" in line for line in describe_difference(dict(close.difference)))

    # Sending the re-sealed events themselves is a conflict too, and counted, not doubled.
    with ctx.session() as session:
        session.execute(sa.update(OutboxItem).values(sent_at=None))
    again = run_sync(ctx)
    reasons = {p.code: p.reason_code for p in again.problems}
    assert reasons[codes[0]] in ("event_conflict", "chain_break")
    assert set(reasons) <= set(codes)
    with hub.hub.session() as session:
        assert (
            session.execute(sa.select(sa.func.count()).select_from(HubEvent)).scalar()
            == held_events
        )
    assert len(hub.hub.conflicts("22333")) >= 1
    # The province lists it and, having looked into it, closes it (`hub conflicts`,
    # `hub resolve-conflict`); the history stays the hub's.
    database = ["--database", str(hub.hub.engine.url.render_as_string(hide_password=False))]
    home = ["--data-dir", str(stack.root / "hub-admin")]
    assert cli_main(["hub", "conflicts", "--office", "22333", "--json", *home, *database]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert problem.conflict["id"] in [c["id"] for c in listed]
    assert all(c["code"] in codes and c["times"] >= 1 for c in listed)
    number = str(problem.conflict["id"])
    note = ["--note", "Quầy sửa dữ liệu ngoài ứng dụng"]
    assert cli_main(["hub", "resolve-conflict", number, *note, *home, *database]) == 0
    assert problem.conflict["id"] not in [c.info["id"] for c in hub.hub.conflicts("22333")]


def test_events_that_arrive_out_of_order_link_up_without_a_conflict(stack, hub):
    """A dossier held back (here: its page missing) while later ones sync: the hub keeps
    the later events' links open and closes them when the held-back one arrives."""
    from tests.sync_support import add_page, random_bytes

    ctx = stack.enrolled(stack.counter("q1"), hub)
    codes = day_of_intake(ctx, DAY, count=3)
    sha = add_page(ctx, codes[0], random_bytes(2000, 3))
    page = ctx.pages_dir / sha[:2] / sha
    moved = page.with_suffix(".away")
    page.rename(moved)
    stack.clock.now = DAY.replace(hour=17, minute=30)

    first = run_sync(ctx, close_day=DAY.date())

    assert [p.reason_code for p in first.problems] == ["page_missing"]
    close = first.day_close
    assert close is not None and not close.match
    assert close.difference.get("chain_unlinked")  # the hub knows it misses a link
    moved.rename(page)
    second = run_sync(ctx, close_day=DAY.date())
    assert second.ok, second.to_json()
    assert not hub.hub.conflicts()


def test_a_counter_restored_from_an_old_copy_is_a_fork_not_a_rewrite(stack, hub):
    """Two different events at one place of the chain (a counter put back to an earlier
    state and used again): the second is kept as a conflict, the first stays."""
    ctx = stack.enrolled(stack.counter("q1"), hub)
    codes = day_of_intake(ctx, DAY, count=2)
    assert run_sync(ctx).ok
    move(ctx, codes[0], Status.PROCESSING, SYSTEM_ACTOR)
    assert run_sync(ctx).ok
    # Put the counter back: drop the last event as if restored from a copy made before it.
    with ctx.session() as session:
        last = session.execute(sa.select(Event).order_by(Event.id.desc()).limit(1)).scalar_one()
        session.execute(sa.delete(OutboxItem).where(OutboxItem.event_id == last.id))
        session.delete(last)
        session.flush()
        dossier = session.execute(sa.select(Dossier).where(Dossier.code == codes[0])).scalar_one()
        dossier.status = "received"
        previous = (
            session.execute(
                sa.select(Event).where(Event.dossier_id == dossier.id).order_by(Event.id.desc())
            )
            .scalars()
            .first()
        )
        assert previous is not None
        dossier.head_hash = previous.hash
        head = session.get_one(LedgerHead, 1)
        chain_end = session.execute(
            sa.select(Event).order_by(Event.id.desc()).limit(1)
        ).scalar_one()
        head.last_hash, head.last_event_id = chain_end.hash, chain_end.id
    move(ctx, codes[0], Status.SUPPLEMENT, SYSTEM_ACTOR, "Thiếu giấy tờ")

    report = run_sync(ctx)

    (problem,) = report.problems
    assert problem.reason_code == "chain_fork"
    assert problem.conflict is not None
    with hub.hub.session() as session:
        assert session.get_one(HubDossier, codes[0]).status == "processing"
