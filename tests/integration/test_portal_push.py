"""The counter's own push to the province (`portal push`), against both strict stand-ins of
production systems on loopback: the hub's session-style interface and the create/update-URL
relay of the tests.

A 30-day demo's records, every day, are accepted by both; the same records whatever the
interface language (a second push in the other language sends nothing); a refused record
keeps the province's words, is not sent again until it changes, and shows in the command
line; an unreachable province is retried with backoff; nothing unchanged is sent twice.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa

from counter_app import i18n
from counter_app.cli import main
from counter_app.domain.applicants import Person
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Status
from counter_app.dossiers.service import IntakeRequest, intake, move
from counter_app.hub.models import HubPortalRecord
from counter_app.kernel.config import PortalProfile, load_config, save_config
from counter_app.kernel.context import AppContext, run_here
from counter_app.kernel.day import day_bounds
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.store.models import Dossier, Page
from counter_app.sync.models import PortalSend
from counter_app.sync.outbox import PageRef
from counter_app.sync.portal_push import (
    ACCEPTED,
    REFUSED,
    RETRYING,
    PushReport,
    portal_states,
    push_due,
)
from counter_app.sync.protocol import PortalRecord
from counter_app.sync.provincial import PortalSettings, ProvincialExporter, open_exporter
from counter_app.sync.records import day_records, record_settings
from counter_app.sync.service import _send_page, enroll, open_client, run_sync
from tests.demo_support import CLI_DEMO, POSTGRESQL, REPORTS_DEMO, DemoCopies
from tests.portal_relay import CREATE, PROGRESS, UPDATE, running_relay
from tests.sync_support import PORTAL_ACCOUNTS, RunningHub, day_of_intake, running_hub

USER, PASSWORD = next(iter(PORTAL_ACCOUNTS.items()))
TOKEN = "ma-truy-cap-thu"
DAY = datetime(2026, 3, 2, 8, 0, tzinfo=VN_TZ)


def session_profile(hub_url: str, **more: str) -> PortalProfile:
    return replace(
        PortalProfile(),
        transport="session",
        url=hub_url,
        username=USER,
        password=PASSWORD,
        auth_path="/portal/auth",
        integration_path="/portal/integration",
        **more,
    )


def relay_profile(relay_url: str, **more: str) -> PortalProfile:
    settings = {
        "transport": "relay",
        "url": relay_url,
        "token": TOKEN,
        "create_path": CREATE,
        "update_path": UPDATE,
        "progress_path": PROGRESS,
    }
    return replace(PortalProfile(), **{**settings, **more})


def _with_portal(ctx: AppContext, profile: PortalProfile) -> None:
    ctx.config = replace(ctx.config, demo=False, portal=profile)


def _push(ctx: AppContext, **options: object) -> PushReport:
    config = ctx.config
    return push_due(
        ctx,
        exporter=lambda: open_exporter(config.portal, config.office.electronic_id),
        **options,  # type: ignore[arg-type]
    )


def _enrol_with_pages(ctx: AppContext, hub: RunningHub) -> None:
    """Enrol, and put every page file on the hub through the sync's own upload (the demo's
    dossiers are not all synced: that is the sync's test, and slow)."""
    enroll(ctx, hub.url, hub.hub.create_enroll_code(ctx.config.office.unit_code))
    with ctx.session() as session:
        pages = session.execute(sa.select(Page.sha256, Page.size_bytes).distinct()).all()
    client = open_client(ctx)
    try:
        for sha, size in pages:
            _send_page(ctx, client, PageRef(sha, size), 256 * 1024, None, run_here)
    finally:
        client.close()


def _dossier_count(ctx: AppContext, since: datetime | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(Dossier)
    if since is not None:
        query = query.where(Dossier.received_at >= since)
    with ctx.session() as session:
        return int(session.execute(query).scalar_one())


def _records_in(ctx: AppContext, days: list[date], language: str) -> list[list[PortalRecord]]:
    before = i18n.current_language()
    try:
        i18n.set_language(language)
        with ctx.session() as session:
            settings = record_settings(
                session,
                ctx.catalog,
                ctx.config.portal_subject_kinds,
                ctx.config.portal,
                ctx.clock(),
            )
            return [day_records(session, settings, day) for day in days]
    finally:
        i18n.set_language(before)


def _every_day_passes_both(ctx: AppContext, hub: RunningHub, days: list[date]) -> int:
    """Each day's records, built in English and in Vietnamese (identical), in one call per
    day and service to each strict stand-in, as OCPS's manual path sends many at once."""
    english = _records_in(ctx, days, "en")
    vietnamese = _records_in(ctx, days, "vi")
    assert english == vietnamese
    total = sum(len(day) for day in vietnamese)
    settings = PortalSettings(
        hub.url, USER, PASSWORD, "000.00.22.H56", "/portal/auth", "/portal/integration"
    )
    with ProvincialExporter(settings) as exporter, running_relay(TOKEN) as (url, store):
        relay = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"})
        for day in filter(None, vietnamese):
            data = [item.record for item in day]
            entries = [entry for item in day for entry in item.progress]
            answer = exporter.call("DongBoHoSoMC", isUpdating="False", data=data)
            assert answer["error_code"] == "0", answer
            answer = exporter.call("CapNhatTienDoHoSoMC", data=entries)
            assert answer["error_code"] == "0", answer
            answer = relay.post(CREATE, json=data).json()
            assert answer["error_code"] == "0" and "thành công" in answer["message"], answer
            for start in range(0, len(entries), 10):
                assert "thành công" in relay.post(PROGRESS, json=entries[start : start + 10]).text
        relay.close()
        assert len(store.records) == total
    return total


def _push_one_day_both_ways(ctx: AppContext, hub: RunningHub, day: date, **more: str) -> None:
    """The counter's push of one day to each transport: all accepted once, under the
    portal's code for online filings; again in the other language, nothing is sent."""
    with ctx.session() as session:
        start, end = day_bounds(day)
        dossiers = (
            session.execute(
                sa.select(Dossier).where(Dossier.received_at >= start, Dossier.received_at < end)
            )
            .scalars()
            .all()
        )
        expected = {d.portal_code or d.code for d in dossiers}
    before = i18n.current_language()
    try:
        i18n.set_language("en")
        _with_portal(ctx, session_profile(hub.url, **more))
        first = _push(ctx, day=day)
        assert not first.refused and not first.held and not first.retrying, first.to_json()
        assert set(first.accepted) == expected and expected
        with hub.hub.session() as session:
            stored = {
                row.ma_ho_so: row
                for row in session.execute(sa.select(HubPortalRecord)).scalars()
                if row.ma_ho_so in expected
            }
        assert set(stored) == expected and all(r.progress for r in stored.values())
        i18n.set_language("vi")  # the same records in the other language: nothing goes
        again = _push(ctx, day=day)
        assert not again.accepted and again.unchanged == len(expected), again.to_json()

        with running_relay(TOKEN) as (url, store):
            _with_portal(ctx, relay_profile(url, **more))  # another target: each goes once
            relayed = _push(ctx, day=day)
            assert not relayed.refused and not relayed.retrying, relayed.to_json()
            assert set(relayed.accepted) == set(store.records) == expected
            assert set(store.progress) == expected
            calls = len(store.calls)
            i18n.set_language("en")
            assert _push(ctx, day=day).unchanged == len(expected)
            assert len(store.calls) == calls  # nothing sent twice
    finally:
        i18n.set_language(before)
    states = {view.code: view.state for view in portal_states(ctx)}
    assert {states[code] for code in expected} == {ACCEPTED}


def _days_with_dossiers(ctx: AppContext, count: int) -> list[date]:
    with ctx.session() as session:
        received = session.execute(sa.select(Dossier.received_at)).scalars().all()
    days = sorted({at.astimezone(VN_TZ).date() for at in received})
    return days[-count:]


def test_a_30_day_demo_passes_both_strict_simulators(demo_copy: DemoCopies, clock, tmp_path):
    ctx = demo_copy(CLI_DEMO)  # `counter-app demo --days 30`, built once for the session
    clock.now = datetime.now(VN_TZ)
    with running_hub(tmp_path / "hub", clock=clock) as hub:
        _enrol_with_pages(ctx, hub)
        days = _days_with_dossiers(ctx, 31)
        assert len(days) >= 20
        assert _every_day_passes_both(ctx, hub, days) == _dossier_count(ctx)
        _push_one_day_both_ways(ctx, hub, days[-1])


@pytest.mark.postgres
def test_30_days_of_a_demo_on_postgresql_pass_both(demo_copy: DemoCopies, clock, tmp_path):
    ctx = demo_copy(REPORTS_DEMO, POSTGRESQL)  # 80 days, shared with the reports' tests
    with running_hub(tmp_path / "hub", clock=clock) as hub:
        _enrol_with_pages(ctx, hub)
        days = _days_with_dossiers(ctx, 30)
        _every_day_passes_both(ctx, hub, days)
        _push_one_day_both_ways(ctx, hub, days[-2])
        # Without --date, `portal.send_from` leaves the older dossiers out.
        _with_portal(ctx, session_profile(hub.url, send_from=days[-1].isoformat()))
        report = _push(ctx)
        with ctx.session() as session:
            start, _end = day_bounds(days[-1])
            last = session.execute(sa.select(Dossier).where(Dossier.received_at >= start)).scalars()
            assert set(report.accepted) == {d.portal_code or d.code for d in last}
        assert report.accepted and not report.refused and not report.held


# --- refusals, retries, the command line -----------------------------------------------


def _save_portal(ctx: AppContext, profile: PortalProfile) -> None:
    """The portal settings in the data directory's config.json, as an office writes them,
    and in the open context."""
    config = replace(load_config(ctx.data_dir), demo=False, portal=profile)
    save_config(ctx.data_dir, config)
    ctx.config = replace(ctx.config, demo=False, portal=profile)


def _cli(ctx: AppContext, capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(ctx.data_dir), "portal", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _row(ctx: AppContext, code: str) -> PortalSend:
    with ctx.session() as session:
        return session.execute(sa.select(PortalSend).where(PortalSend.code == code)).scalar_one()


def test_refusals_retries_and_the_command_line(any_ctx: AppContext, clock, tmp_path, capsys):
    ctx = any_ctx
    with running_hub(tmp_path / "hub", clock=clock) as hub, running_relay(TOKEN) as (url, store):
        enroll(ctx, hub.url, hub.hub.create_enroll_code(ctx.config.office.unit_code))
        codes = day_of_intake(ctx, DAY, count=3)
        # 2.002481: the national portal publishes no field code for it, so its record
        # lacks `MaLinhVuc` and a production server refuses it.
        bad = intake(
            ctx, IntakeRequest("2.002481", Person("Lê Văn Bình", "056090012399")), SYSTEM_ACTOR
        ).code
        assert run_sync(ctx).ok

        code, _out, err = _cli(ctx, capsys, "push", "--date", DAY.date().isoformat())
        assert code == 1 and "portal.transport" in err and len(err.strip().splitlines()) == 1

        _save_portal(ctx, relay_profile(url, token="sai"))
        code, _out, err = _cli(ctx, capsys, "push", "--date", DAY.date().isoformat())
        assert code == 1 and "portal.token" in err and len(err.strip().splitlines()) == 1
        assert not portal_states(ctx)  # nothing recorded against the dossiers

        _save_portal(ctx, relay_profile(url))
        code, out, _err = _cli(ctx, capsys, "push", "--date", DAY.date().isoformat())
        assert code == 1
        assert f"{bad}\ttỉnh từ chối: Thiếu giá trị MaLinhVuc." in out.splitlines()
        assert "3 được nhận, 1 bị từ chối" in out
        assert set(store.records) == set(codes)
        code, out, _err = _cli(ctx, capsys, "status", "--json")
        listed = json.loads(out)
        assert listed[0]["code"] == bad and listed[0]["state"] == REFUSED
        assert listed[0]["reason"] == "Thiếu giá trị MaLinhVuc."
        assert [item["state"] for item in listed[1:]] == [ACCEPTED] * 3
        code, out, _err = _cli(ctx, capsys, "status")
        assert out.splitlines()[0].startswith(f"{bad}\trefused\t1\t")

        calls = len(store.calls)
        quiet = _push(ctx)
        assert quiet.unchanged == 4 and not quiet.accepted and not quiet.refused
        assert len(store.calls) == calls  # the refused record waits for a change
        asked = _push(ctx, retry_refused=True)  # an operator asks
        assert [c for c, _r in asked.refused] == [bad] and len(store.calls) == calls + 1
        clock.now = DAY.replace(hour=14)
        move(ctx, bad, Status.PROCESSING, SYSTEM_ACTOR)  # the dossier changed
        changed = _push(ctx)
        assert [c for c, _r in changed.refused] == [bad] and changed.unchanged == 3

        # The relay is down: the changed dossier waits, then is tried with backoff.
        store.down = True
        move(ctx, codes[0], Status.PROCESSING, SYSTEM_ACTOR)
        calls = len(store.calls)
        down = _push(ctx)
        assert [c for c, _r in down.retrying] == [codes[0]] and not down.ok
        row = _row(ctx, codes[0])
        assert row.state == RETRYING and row.attempts == 1
        assert timedelta(seconds=24) <= row.next_attempt_at - clock.now <= timedelta(seconds=36)
        assert _push(ctx).waiting == 1 and len(store.calls) == calls + 1  # not due yet
        clock.now += timedelta(seconds=40)
        assert _push(ctx).retrying
        row = _row(ctx, codes[0])
        assert row.attempts == 2
        assert timedelta(seconds=48) <= row.next_attempt_at - clock.now <= timedelta(seconds=72)
        store.down = False
        clock.now += timedelta(minutes=2)
        back = _push(ctx)
        assert back.accepted == [codes[0]] and back.ok
        assert _row(ctx, codes[0]).state == ACCEPTED and _row(ctx, codes[0]).attempts == 0
        # the record went as an update; its new progress entry once, the old ones not again
        assert store.calls[-2:] == [UPDATE, PROGRESS] and len(store.progress[codes[0]]) == 2
        calls = len(store.calls)
        assert _push(ctx).unchanged == 4 and len(store.calls) == calls
