"""The sync protocol's pieces without a network: signing, portal layout, day-close
difference, backoff, settings, the record built from a real dossier, the overview.
"""

from __future__ import annotations

import json
import random
import unicodedata
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from counter_app import i18n
from counter_app.domain.applicants import Organisation, Person
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Channel, Status
from counter_app.dossiers.service import IntakeRequest, intake, move
from counter_app.errors import ConfigError
from counter_app.hub.service import Hub, HubRefusal, open_hub_database
from counter_app.kernel.config import PortalProfile
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.store.models import Page
from counter_app.sync.models import SyncDevice
from counter_app.sync.outbox import (
    BACKOFF_MAX_SECONDS,
    backoff_delay,
    build_pending,
    pending_dossier_ids,
)
from counter_app.sync.protocol import (
    ONE_STOP_DEPARTMENT,
    PROTOCOL_VERSION,
    RESULT_DOCUMENT,
    ROLE_TITLES,
    UNSORTED_PAGES,
    DayCloseRequest,
    SyncBatch,
    manifest_difference,
    parse_day_manifest,
    parse_dossier_payload,
    parse_portal_time,
    portal_time,
    sign,
    signature_matches,
    wire_json,
)
from counter_app.sync.records import RecordSettings
from counter_app.sync.service import (
    BackgroundSync,
    SyncSettings,
    day_manifest,
    run_sync,
    sync_overview,
)
from tests.sync_support import add_page, random_bytes


def test_signature_covers_method_path_time_nonce_and_body():
    parts = ("POST", "/v1/batches", "1772420400", "ab" * 16, b'{"a":1}')
    signature = sign("secret", *parts)
    assert signature_matches("secret", *parts, signature)
    assert not signature_matches("other", *parts, signature)
    for i, changed in enumerate(("PUT", "/v1/day-close", "1772420401", "cd" * 16, b'{"a":2}')):
        altered = list(parts)
        altered[i] = changed
        assert not signature_matches("secret", *altered, signature), i


def test_portal_time_is_vietnam_time_yyyymmddhhmmss():
    moment = datetime(2026, 3, 2, 1, 30, 5, tzinfo=UTC)
    assert portal_time(moment) == "20260302083005"
    assert parse_portal_time("20260302083005") == moment
    assert portal_time(None) == "" and parse_portal_time("") is None
    with pytest.raises(ValueError):
        parse_portal_time("2026-03-02")


COUNTS = {
    "office": "22333",
    "date": "2026-03-02",
    "received": 2,
    "by_channel": {"direct": 1, "postal": 1, "online": 0, "assisted": 0},
    "by_status": {"received": 2},
    "by_procedure": {"1.001193": 2},
    "dossiers": ["A-1", "A-2"],
    "heads": {"A-1": "h1", "A-2": "h2"},
}


def test_manifest_difference_is_empty_when_equal_and_exact_otherwise():
    assert manifest_difference(COUNTS, dict(COUNTS)) == {}
    hub = {
        **COUNTS,
        "received": 2,
        "by_status": {"received": 1, "processing": 1},
        "dossiers": ["A-2", "A-3"],
        "heads": {"A-2": "other", "A-3": "h3"},
    }
    difference = manifest_difference(COUNTS, hub)
    assert difference == {
        "by_status": {
            "processing": {"counter": 0, "hub": 1},
            "received": {"counter": 2, "hub": 1},
        },
        "missing_on_hub": ["A-1"],
        "unknown_to_counter": ["A-3"],
        "head_mismatch": ["A-2"],
    }


def test_backoff_grows_and_is_capped():
    rng = random.Random(7)
    delays = [backoff_delay(n, rng).total_seconds() for n in range(1, 20)]
    assert 24 <= delays[0] <= 36
    assert delays[3] > delays[0]
    assert max(delays) <= BACKOFF_MAX_SECONDS


def test_bad_sync_settings_are_a_config_error(ctx):
    with pytest.raises(ConfigError):
        ctx.config = replace(ctx.config, sync_chunk_bytes="nhiều")
    with pytest.raises(ConfigError):
        ctx.config = replace(ctx.config, sync_close_time="25:99")
    with pytest.raises(ConfigError):
        ctx.config = replace(ctx.config, sync_batch_dossiers=0)
    assert SyncSettings.from_context(ctx).batch_dossiers == 50


def test_sync_without_enrolment_is_a_config_error(ctx):
    with pytest.raises(ConfigError):
        run_sync(ctx)


def test_record_in_dongbohosomc_layout(ctx, clock):
    org = Organisation(name="Công ty TNHH Hải Âu", tax_code="4201234567")
    view = intake(
        ctx, IntakeRequest("1.001193", org, Channel.ASSISTED, portal_code="G22.99-1"), SYSTEM_ACTOR
    )
    clock.now += timedelta(hours=1)
    move(ctx, view.code, Status.SUPPLEMENT, SYSTEM_ACTOR, "Thiếu giấy tờ")
    with ctx.session() as session:
        (dossier_id,) = pending_dossier_ids(session, clock(), force=True)
        item = build_pending(session, dossier_id, {"person": 1, "organisation": 2})
    record = item.payload["record"]
    # filed online with the clerk's help: it goes out under the portal's code, counted once
    assert record["MaHoSo"] == "G22.99-1" and item.payload["local"]["code"] == view.code
    assert record["KenhThucHien"] == "2"  # assisted is online for the portal
    assert item.payload["local"]["channel"] == "assisted"
    # an organisation: TD-DVC's rule, one entry, the placeholder for a 10-digit tax code
    assert record["LoaiDoiTuong"] == "2"
    assert record["DinhDanhCHS"] == [{"LoaiDinhDanh": "2", "SoDinhDanh": "000000001"}]
    assert record["TrangThaiHoSo"] == "5" and record["HinhThuc"] == "0"
    assert record["NgayTiepNhan"] == "20260302090000"
    assert record["NgayHenTra"] == portal_time(view.due_at)
    assert all(isinstance(value, str) for value in record.values() if not isinstance(value, list))
    progress = list(item.payload["progress"].values())
    assert [p["TrangThai"] for p in progress] == ["2", "5"]
    assert {p["MaHoSo"] for p in progress} == {"G22.99-1"}
    assert "Thiếu giấy tờ" in progress[1]["NoiDungXuLy"]
    assert len(item.outbox_ids) == 2 and item.head_hash == item.payload["local"]["head_hash"]


def test_overview_warns_after_the_configured_days_unsynced(ctx, clock):
    intake(
        ctx,
        IntakeRequest("1.001193", Person(name="Lê Văn Bình", id_number="056090012345")),
        SYSTEM_ACTOR,
    )
    overview = sync_overview(ctx)
    assert not overview.enrolled and overview.pending_events == 1
    assert overview.warning and "chưa ghi danh" in overview.warning
    assert overview.unsynced[0].state == "pending" and overview.unsynced[0].reason
    with ctx.session() as session:
        session.add(
            SyncDevice(
                id=1,
                device_id="d-1",
                secret="s",
                hub_url="http://127.0.0.1:9",
                office_unit="22333",
                block_first=1,
                block_last=1000,
                enrolled_at=clock(),
                clock_offset_seconds=0.0,
            )
        )
    assert sync_overview(ctx).warning is None
    clock.now += timedelta(days=3)
    warning = sync_overview(ctx).warning
    assert warning and "3 ngày" in warning


def test_background_sync_closes_the_day_after_the_close_time_and_backs_off(ctx, clock):
    background = BackgroundSync(ctx, interval_seconds=60)
    clock.now = datetime(2026, 3, 2, 16, 0, tzinfo=VN_TZ)
    assert background.due_close_day(clock()) is None
    clock.now = datetime(2026, 3, 2, 17, 30, tzinfo=VN_TZ)
    assert background.due_close_day(clock()) == clock.now.date()
    assert background.next_delay() == 60
    background.failures = 3
    assert 60 < background.next_delay() <= 720


def _wire_documents(ctx, clock) -> bytes:
    """What the counter sends for its pending dossiers and its day close, as bytes."""
    with ctx.session() as session:
        ids = pending_dossier_ids(session, clock(), force=True)
        # the profile that names files by their component: the official words go out
        settings = RecordSettings(profile=PortalProfile(file_name="component"))
        dossiers = [build_pending(session, i, settings).payload for i in ids]
    batch: SyncBatch = {"protocol": PROTOCOL_VERSION, "device": "d-1", "dossiers": dossiers}
    day_close: DayCloseRequest = {
        "protocol": PROTOCOL_VERSION,
        "device": "d-1",
        "manifest": day_manifest(ctx, clock().date()),
    }
    return wire_json(batch) + b"\n" + wire_json(day_close)


def test_what_the_province_receives_does_not_depend_on_the_interface_language(ctx, clock):
    person = Person(name="Nguyễn Văn An", id_number="056090012345")
    first = intake(ctx, IntakeRequest("1.001193", person), SYSTEM_ACTOR)
    org = Organisation(name="Công ty TNHH Hải Âu", tax_code="4201234567")
    assisted = IntakeRequest("1.000656", org, Channel.ASSISTED, portal_code="G22.99-2")
    intake(ctx, assisted, SYSTEM_ACTOR)
    clock.now += timedelta(hours=1)
    move(ctx, first.code, Status.SUPPLEMENT, SYSTEM_ACTOR, "Thiếu bản sao giấy khai sinh")
    add_page(ctx, first.code, random_bytes(300, 1))  # filed under no component
    result = add_page(ctx, first.code, random_bytes(300, 2), position=2)
    with ctx.session() as session:
        session.execute(sa.update(Page).where(Page.sha256 == result).values(is_result=True))

    before = i18n.current_language()
    try:
        i18n.set_language("en")
        assert Status.SUPPLEMENT.label != Status.SUPPLEMENT.official_label  # English is on
        english = _wire_documents(ctx, clock)
        i18n.set_language("vi")
        vietnamese = _wire_documents(ctx, clock)
    finally:
        i18n.set_language(before)

    assert english == vietnamese
    text = vietnamese.decode()
    assert unicodedata.is_normalized("NFC", text)
    official = [ONE_STOP_DEPARTMENT, UNSORTED_PAGES, RESULT_DOCUMENT, ROLE_TITLES["admin"]]
    official += [Status.SUPPLEMENT.official_label, "Thiếu bản sao giấy khai sinh"]
    for words in official:
        assert words in text, words
    assert '"heads":{' in text and first.code in text


def test_the_hub_refuses_malformed_dossiers_alone_and_malformed_manifests(ctx, clock, tmp_path):
    person = Person(name="Lê Văn Bình", id_number="056090012345")
    intake(ctx, IntakeRequest("1.001193", person), SYSTEM_ACTOR)
    with ctx.session() as session:
        (dossier_id,) = pending_dossier_ids(session, clock(), force=True)
        good = build_pending(session, dossier_id, {"person": 1}).payload
    assert parse_dossier_payload(json.loads(wire_json(good))) == good

    def altered(change):
        item = json.loads(wire_json(good))
        change(item)
        return item

    malformed = [
        altered(lambda item: item["local"].update(head_seq="5")),
        altered(lambda item: item["local"].update(code="not-a-code")),
        altered(lambda item: item["local"].update(channel="fax")),
        altered(lambda item: item["events"][0].update(at="2026-03-02T09:00:00")),  # no offset
        altered(lambda item: item["events"][0].update(data=None)),
        altered(lambda item: item.update(record=[])),
        altered(lambda item: item.update(local=5)),
        "not an object",
    ]
    hub = Hub(open_hub_database(f"sqlite:///{tmp_path / 'hub.sqlite3'}"), tmp_path / "blobs")
    try:
        device, _secret = hub.enroll(hub.create_enroll_code("22333"), "q1", "000.00.22.H56")
        batch = {"protocol": 1, "device": device.id, "dossiers": [*malformed, good]}
        *refused, accepted = hub.ingest(device, batch)["results"]
        assert [r["error"] for r in refused] == ["bad_request"] * len(malformed)
        assert accepted["ok"] and len(accepted["accepted"]) == 1

        manifest = day_manifest(ctx, clock().date())
        assert parse_day_manifest(json.loads(wire_json(manifest))) == manifest
        for key, wrong in [("received", "1"), ("by_status", {"received": True}), ("heads", [])]:
            with pytest.raises(HubRefusal) as refusal:
                body = {"manifest": {**manifest, key: wrong}}
                hub.day_close(device, {"protocol": 1, "device": device.id, **body})
            assert refusal.value.reason == "bad_request", key
    finally:
        hub.engine.dispose()
