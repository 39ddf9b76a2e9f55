"""Counter and hub over real HTTP on loopback: sync, day close, refusals, two counters."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Role, Status
from counter_app.dossiers.service import move
from counter_app.errors import ConfigError, NotFoundError, PermissionDeniedError, ValidationError
from counter_app.hub.models import HubDossier, HubEvent, HubPage
from counter_app.kernel.context import AppContext, open_context
from counter_app.kernel.day import day_counts
from counter_app.kernel.dossier_store import ensure_office
from counter_app.kernel.users import SYSTEM_ACTOR, Actor
from counter_app.store.models import Event, OutboxItem
from counter_app.sync.client import HubClient, HubRefusedError
from counter_app.sync.protocol import (
    HEADER_DEVICE,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    sign,
)
from counter_app.sync.service import (
    enroll,
    run_sync,
    sign_off_day,
    sync_overview,
)
from tests.conftest import TEST_OFFICE, MutableClock, make_data_dir
from tests.sync_support import add_page, day_of_intake, random_bytes, running_hub

DAY = datetime(2026, 3, 2, 8, 0, tzinfo=VN_TZ)
LEADER = Actor("lanhdao", "Lãnh đạo", Role.LEADER)


def _counter(root: Path, name: str, clock: MutableClock) -> AppContext:
    (root / name).mkdir()
    return open_context(make_data_dir(root / name), clock=clock)


def _enrolled(ctx: AppContext, hub_url: str, code: str) -> AppContext:
    enroll(ctx, hub_url, code)
    ctx.close()
    return open_context(ctx.data_dir, clock=ctx.clock)  # the new block is in the config


def _counts(ctx: AppContext) -> dict[str, object]:
    with ctx.session() as session:
        return day_counts(session, ensure_office(session, ctx), DAY.date())


@pytest.fixture
def hub(tmp_path: Path):
    with running_hub(tmp_path / "hub") as running:
        yield running


def test_a_day_of_intake_syncs_and_the_counts_match(tmp_path, hub, clock):
    ctx = _counter(tmp_path, "q1", clock)
    ctx = _enrolled(ctx, hub.url, hub.hub.create_enroll_code("22333"))
    codes = day_of_intake(ctx, DAY)
    page = random_bytes(100_000, 1)
    sha = add_page(ctx, codes[0], page)
    clock.now = DAY.replace(hour=17, minute=20)

    report = run_sync(ctx, close_day=DAY.date())

    assert report.ok, report.to_json()
    assert report.dossiers_synced == len(codes)
    with ctx.session() as session:
        events = session.execute(sa.select(sa.func.count(Event.id))).scalar_one()
        unsent = session.execute(
            sa.select(sa.func.count(OutboxItem.id)).where(OutboxItem.sent_at.is_(None))
        ).scalar_one()
    assert report.events_sent == events and unsent == 0
    assert report.day_close is not None and report.day_close.match
    hub_counts = hub.hub.counts("22333", DAY.date())
    counter_counts = _counts(ctx)
    for key, value in counter_counts.items():
        assert hub_counts[key] == value, key
    assert set(hub_counts["heads"]) == set(codes)
    stored = hub.hub.blobs_dir / sha[:2] / sha
    assert stored.read_bytes() == page
    overview = sync_overview(ctx)
    assert overview.pending_events == 0 and not overview.unsynced and overview.warning is None

    # A move after the close shows up as a difference until the next sync.
    move(ctx, codes[0], Status.PROCESSING, SYSTEM_ACTOR)
    with HubClient(hub.url, "", "", clock) as client:
        assert client.sync_clock() is not None
    report = run_sync(ctx, close_day=DAY.date())
    assert report.day_close is not None and report.day_close.match
    assert report.events_sent == 1 and report.pages_sent == 0  # the page is not sent again
    with pytest.raises(PermissionDeniedError):
        sign_off_day(ctx, DAY.date(), SYSTEM_ACTOR)  # admin is not the leader
    signed = sign_off_day(ctx, DAY.date(), LEADER)
    assert signed.signed_off_by == "lanhdao"
    ctx.close()


def test_the_hub_reports_the_exact_difference(tmp_path, hub, clock):
    ctx = _counter(tmp_path, "q1", clock)
    ctx = _enrolled(ctx, hub.url, hub.hub.create_enroll_code("22333"))
    codes = day_of_intake(ctx, DAY, count=4)
    run_sync(ctx)
    with hub.hub.session() as session:  # the hub loses one dossier and one status change
        session.execute(sa.delete(HubEvent).where(HubEvent.dossier_code == codes[0]))
        session.execute(sa.delete(HubDossier).where(HubDossier.code == codes[0]))
        session.get_one(HubDossier, codes[1]).status = "received"
    report = run_sync(ctx, close_day=DAY.date())
    difference = report.day_close.difference
    assert not report.day_close.match
    assert difference["received"] == {"counter": 4, "hub": 3}
    assert difference["missing_on_hub"] == [codes[0]]
    assert "by_status" in difference
    with pytest.raises(ValidationError):
        sign_off_day(ctx, DAY.date(), LEADER)
    ctx.close()


def test_two_counters_of_one_office_offline_at_once(tmp_path, hub, clock):
    first = _enrolled(_counter(tmp_path, "q1", clock), hub.url, hub.hub.create_enroll_code("22333"))
    second = _enrolled(
        _counter(tmp_path, "q2", clock), hub.url, hub.hub.create_enroll_code("22333")
    )
    assert (first.config.sequence_first, second.config.sequence_first) == (1, 1001)
    codes_1 = day_of_intake(first, DAY, count=5)  # both offline, same day, same office
    codes_2 = day_of_intake(second, DAY, count=5)
    assert not set(codes_1) & set(codes_2)
    assert codes_2[0].endswith("-1001")
    for ctx in (first, second):
        report = run_sync(ctx, close_day=DAY.date())
        assert report.ok and report.day_close.match
    office = hub.hub.counts("22333", DAY.date())
    assert office["received"] == 10
    assert office["dossiers"] == sorted(codes_1 + codes_2)
    first.close()
    second.close()


def test_a_code_outside_the_devices_block_is_refused_and_others_go_through(tmp_path, hub, clock):
    first = _enrolled(_counter(tmp_path, "q1", clock), hub.url, hub.hub.create_enroll_code("22333"))
    rogue = _counter(tmp_path, "q2", clock)  # a misconfigured counter that ignores its block
    enroll(rogue, hub.url, hub.hub.create_enroll_code("22333"))
    rogue.config = replace(rogue.config, sequence_first=1, sequence_last=9999)
    codes_1 = day_of_intake(first, DAY, count=2)
    codes_rogue = day_of_intake(rogue, DAY, count=2)
    assert codes_rogue == codes_1
    rogue.config = replace(rogue.config, sequence_first=1001, sequence_last=2000)
    day_of_intake(rogue, DAY + timedelta(hours=1), count=1)  # in its own block
    assert run_sync(first).ok

    report = run_sync(rogue)

    refused = {p.code: p for p in report.problems}
    assert set(refused) == set(codes_1)
    assert all(p.reason_code == "outside_block" for p in refused.values())
    assert "ngoài khối số 1001–2000" in refused[codes_1[0]].reason
    assert report.dossiers_synced == 1  # the third dossier went through
    overview = sync_overview(rogue)
    assert {u.code for u in overview.unsynced} == set(codes_1)
    assert all(u.state == "failed" and u.next_attempt_at for u in overview.unsynced)
    first.close()
    rogue.close()


@pytest.mark.parametrize("skew_minutes", [-10, 10])
def test_a_counter_clock_ten_minutes_off_still_syncs(tmp_path, hub, clock, skew_minutes):
    ctx = _enrolled(_counter(tmp_path, "q1", clock), hub.url, hub.hub.create_enroll_code("22333"))
    codes = day_of_intake(ctx, datetime.now(VN_TZ) - timedelta(hours=1), count=2)
    clock.now = datetime.now(VN_TZ) + timedelta(minutes=skew_minutes)
    report = run_sync(ctx)
    assert report.ok and report.dossiers_synced == len(codes)
    with ctx.session() as session:
        from counter_app.sync.models import SyncDevice

        offset = session.get_one(SyncDevice, 1).clock_offset_seconds
    assert abs(offset + skew_minutes * 60) < 30
    ctx.close()


def _raw(hub_url: str, device: str, secret: str, body: bytes, **overrides: str) -> httpx.Response:
    path = "/v1/batches"
    timestamp = overrides.get("timestamp", str(int(datetime.now().timestamp())))
    nonce = overrides.get("nonce", secrets.token_hex(16))
    headers = {
        HEADER_DEVICE: device,
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: overrides.get(
            "signature", sign(secret, "POST", path, timestamp, nonce, body)
        ),
        "Content-Type": "application/json",
    }
    if "unsigned" in overrides:
        headers = {"Content-Type": "application/json"}
    return httpx.post(hub_url + path, content=body, headers=headers)


def test_forged_replayed_expired_and_wrong_device_requests_are_refused(tmp_path, hub, clock):
    a = hub.hub.enroll(hub.hub.create_enroll_code("22333"), "Q1", TEST_OFFICE.electronic_id)
    b = hub.hub.enroll(hub.hub.create_enroll_code("22333"), "Q2", TEST_OFFICE.electronic_id)
    device_a, secret_a = a[0].id, a[1]
    device_b, secret_b = b[0].id, b[1]
    body = json.dumps({"protocol": 1, "device": device_a, "dossiers": []}).encode()

    assert _raw(hub.url, device_a, secret_a, body).status_code == 200
    refusals = {
        "unsigned": _raw(hub.url, device_a, secret_a, body, unsigned="1"),
        "bad_signature": _raw(hub.url, device_a, secret_b, body),  # B's key, A's name
        "unknown_device": _raw(hub.url, "d-nobody", secret_a, body),
        "expired": _raw(
            hub.url,
            device_a,
            secret_a,
            body,
            timestamp=str(int((datetime.now() - timedelta(minutes=6)).timestamp())),
        ),
        "wrong_device": _raw(hub.url, device_b, secret_b, body),  # B signs A's batch
    }
    nonce = secrets.token_hex(16)
    assert _raw(hub.url, device_a, secret_a, body, nonce=nonce).status_code == 200
    refusals["replayed"] = _raw(hub.url, device_a, secret_a, body, nonce=nonce)
    tampered = body.replace(b'"dossiers": []', b'"dossiers": [{}]')
    signature = _raw(hub.url, device_a, secret_a, body).request.headers[HEADER_SIGNATURE]
    refusals["bad_signature_body"] = _raw(
        hub.url, device_a, secret_a, tampered, signature=signature
    )
    for reason, response in refusals.items():
        assert response.status_code in (401, 403), reason
        answer = response.json()
        assert answer["error"] == reason.removesuffix("_body"), (reason, answer)
        assert answer["message"]


def test_enrolment_codes_are_one_time_and_office_bound(tmp_path, hub, clock):
    code = hub.hub.create_enroll_code("22333")
    ctx = _counter(tmp_path, "q1", clock)
    enroll(ctx, hub.url, code)
    with pytest.raises(ValidationError):
        enroll(_counter(tmp_path, "q2", clock), hub.url, code)  # spent
    with pytest.raises(ValidationError):
        enroll(ctx, hub.url, hub.hub.create_enroll_code("22333"))  # already enrolled
    with pytest.raises(ConfigError):
        enroll(_counter(tmp_path, "q3", clock), hub.url, hub.hub.create_enroll_code("22334"))
    with pytest.raises(ValidationError):
        enroll(_counter(tmp_path, "q4", clock), "ftp://hub", "X")
    ctx.close()


def test_public_status_page_shows_no_personal_data(tmp_path, hub, clock):
    ctx = _enrolled(_counter(tmp_path, "q1", clock), hub.url, hub.hub.create_enroll_code("22333"))
    codes = day_of_intake(ctx, DAY, count=1)
    run_sync(ctx)
    page = httpx.get(f"{hub.url}/status/{codes[0]}")
    assert page.status_code == 200
    assert codes[0] in page.text and "Đã tiếp nhận" in page.text
    for personal in ("Nguyễn Văn An", "056090012345"):
        assert personal not in page.text
    info = httpx.get(f"{hub.url}/v1/public/dossiers/{codes[0]}").json()
    assert info["status"] == "received" and info["received_date"] == "2026-03-02"
    assert "Nguyễn" not in json.dumps(info, ensure_ascii=False)
    assert httpx.get(f"{hub.url}/status/000.00.22.H56-260302-9999").status_code == 404
    assert "/v1/batches" in httpx.get(f"{hub.url}/openapi.json").json()["paths"]
    ctx.close()


def test_hub_refuses_tampered_events_and_bad_page_chunks(tmp_path, hub, clock):
    ctx = _enrolled(_counter(tmp_path, "q1", clock), hub.url, hub.hub.create_enroll_code("22333"))
    day_of_intake(ctx, DAY, count=1)
    from counter_app.sync.outbox import build_pending, pending_dossier_ids
    from counter_app.sync.service import open_client

    with ctx.session() as session:
        (dossier_id,) = pending_dossier_ids(session, clock(), force=True)
        item = build_pending(session, dossier_id, {"person": 1})
    item.payload["events"][0]["actor"] = "ke-gia-mao"
    with open_client(ctx) as client:
        client.sync_clock()
        (result,) = client.send_batch([item.payload])
        assert result["error"] == "hash_mismatch"
        data = random_bytes(1000, 9)
        sha = hashlib.sha256(data).hexdigest()
        client.put_chunk(sha, 0, 1000, data[:500])
        with pytest.raises(Exception) as refused:
            client.put_chunk(sha, 0, 1000, data[:500])  # the same chunk twice
        assert getattr(refused.value, "reason", "") == "offset_mismatch"
        bad = random_bytes(1000, 10)
        with pytest.raises(Exception) as refused:
            client.put_chunk(hashlib.sha256(bad).hexdigest(), 0, 1000, data)
        assert getattr(refused.value, "reason", "") == "hash_mismatch"
    with hub.hub.session() as session:
        assert session.get_one(HubPage, sha).received_bytes == 500
    ctx.close()


def test_a_revoked_counter_is_refused_and_keeps_its_block(tmp_path, hub, clock):
    lost = _enrolled(_counter(tmp_path, "q1", clock), hub.url, hub.hub.create_enroll_code("22333"))
    day_of_intake(lost, DAY, count=2)
    assert run_sync(lost).ok
    device_id = hub.hub.devices("22333")[0].device.id
    hub.hub.revoke_device(device_id)
    day_of_intake(lost, DAY + timedelta(hours=1), count=1)
    with pytest.raises(HubRefusedError, match="thu hồi"):
        run_sync(lost)
    statuses = hub.hub.devices("22333")
    assert [(s.device.id, s.revoked) for s in statuses] == [(device_id, True)]
    replacement = _enrolled(
        _counter(tmp_path, "q2", clock), hub.url, hub.hub.create_enroll_code("22333")
    )
    assert replacement.config.sequence_first == 1001  # the lost counter's codes stay unique
    with pytest.raises(NotFoundError):
        hub.hub.revoke_device("d-khong-co")
    lost.close()
    replacement.close()
