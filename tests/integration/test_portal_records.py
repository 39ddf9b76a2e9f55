"""The records that go out to the province, against both strict stand-ins of production
relays: the hub's session-style interface and the create/update-URL relay of the tests.

A demo's records for several days pass both, the same whatever the interface language;
each stand-in refuses a number, a bad date, an unknown code, a missing field, a duplicate.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from counter_app import i18n
from counter_app.demo.generator import DemoOptions, generate_demo
from counter_app.domain.calendar import VN_TZ
from counter_app.kernel.context import AppContext, open_context
from counter_app.sync.protocol import PortalRecord
from counter_app.sync.provincial import PortalSettings, ProvincialExporter
from counter_app.sync.records import day_records, record_settings
from counter_app.sync.service import enroll
from tests.portal_relay import CREATE, PROGRESS, UPDATE, running_relay
from tests.sync_support import PORTAL_ACCOUNTS, RunningHub, running_hub

NOW = datetime(2026, 11, 25, 15, 40, tzinfo=VN_TZ)
DAYS = 3
USER, PASSWORD = next(iter(PORTAL_ACCOUNTS.items()))
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AppContext, RunningHub]]:
    """A small demo, enrolled with a hub that serves its pages (built once for the module)."""
    root = tmp_path_factory.mktemp("portal")
    (root / "data").mkdir()
    ctx = open_context(root / "data", create=True, clock=lambda: NOW)
    generate_demo(ctx, DemoOptions(days=DAYS))
    with running_hub(root / "hub", clock=lambda: NOW) as hub:
        unit = ctx.config.office.unit_code
        enroll(ctx, hub.url, hub.hub.create_enroll_code(unit))
        yield ctx, hub
    ctx.close()


def _records(ctx: AppContext, day: datetime) -> list[PortalRecord]:
    catalog = ctx.catalog
    with ctx.session() as session:
        settings = record_settings(
            session, catalog, ctx.config.portal_subject_kinds, ctx.config.portal, ctx.clock()
        )
        return day_records(session, settings, day.date())


def _demo_days() -> list[datetime]:
    return [NOW - timedelta(days=n) for n in range(DAYS)]


def test_a_demos_records_pass_both_strict_relays_in_either_language(demo) -> None:
    ctx, hub = demo
    before = i18n.current_language()
    try:
        i18n.set_language("en")
        english = [_records(ctx, day) for day in _demo_days()]
        i18n.set_language("vi")
        vietnamese = [_records(ctx, day) for day in _demo_days()]
    finally:
        i18n.set_language(before)
    assert english == vietnamese
    records = [item for day in vietnamese for item in day]
    assert sum(1 for day in vietnamese if day) >= 2 and len(records) > 20
    channels = {item.record["KenhThucHien"] for item in records}
    assert {"1", "2"} <= channels
    online = [r for r in records if r.record["KenhThucHien"] == "2"]
    assert all(r.record["MaHoSo"].startswith("G22.") for r in online)  # the portal's code
    assert all(p["MaHoSo"] == r.record["MaHoSo"] for r in records for p in r.progress)
    with_pages = [r for r in records if r.record["TaiLieuNop"]]
    assert with_pages
    link = with_pages[0].record["TaiLieuNop"][0]["DuongDanTaiTepTin"]
    assert link.startswith(f"{hub.url}/v1/files/")

    # Each day in one call per service, as OCPS's manual path sends many in one `data`.
    settings = PortalSettings(
        hub.url, USER, PASSWORD, "000.00.22.H56", "/portal/auth", "/portal/integration"
    )
    with ProvincialExporter(settings) as exporter:
        for day in filter(None, vietnamese):
            data = [item.record for item in day]
            answer = exporter.call("DongBoHoSoMC", isUpdating="False", data=data)
            assert answer["error_code"] == "0", answer
            entries = [entry for item in day for entry in item.progress]
            answer = exporter.call("CapNhatTienDoHoSoMC", data=entries)
            assert answer["error_code"] == "0", answer

    with running_relay() as (url, store):
        for day in filter(None, vietnamese):
            answer = httpx.post(url + CREATE, json=[item.record for item in day]).json()
            assert answer["error_code"] == "0" and "thành công" in answer["message"], answer
            entries = [entry for item in day for entry in item.progress]
            for start in range(0, len(entries), 10):
                chunk = entries[start : start + 10]
                assert "thành công" in httpx.post(url + PROGRESS, json=chunk).text
        assert len(store.records) == len(records)
        assert set(store.progress) == {r.record["MaHoSo"] for r in records if r.progress}
    officers = {entry["NguoiXuLy"] for r in records for entry in r.progress}
    assert not officers & {"system", "admin"}  # full names, never a login


def test_portal_records_command_prints_the_days_records(demo) -> None:
    ctx, _hub = demo
    env = {**os.environ, "COUNTER_APP_LANG": "en"}
    done = subprocess.run(
        [
            *(sys.executable, "-m", "counter_app.cli", "--data-dir", str(ctx.data_dir)),
            *("portal", "records", "--date", NOW.date().isoformat(), "--json"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    expected = _records(ctx, NOW)
    assert [item["record"]["MaHoSo"] for item in printed] == [r.record["MaHoSo"] for r in expected]
    assert printed[0]["record"]["MaLinhVuc"] == expected[0].record["MaLinhVuc"]


# --- each stand-in refuses what a production server refuses -----------------------------


def _broken(record: dict[str, Any], how: str) -> dict[str, Any]:
    record = copy.deepcopy(record)
    if how == "number":
        record["TrangThaiHoSo"] = int(record["TrangThaiHoSo"])
    elif how == "boolean":
        record["TaiLieuNop"] = [{**record["TaiLieuNop"][0], "IsDeleted": False}]
    elif how == "date":
        record["NgayTiepNhan"] = "2026-11-25 08:00:00"
    elif how == "impossible_date":
        record["NgayHenTra"] = "20261131170000"
    elif how == "code":
        record["KenhThucHien"] = "4"
    elif how == "field_code":
        record["MaLinhVuc"] = "Hộ tịch"
    elif how == "missing":
        del record["DonViXuLy"]
    elif how == "empty":
        record["MaLinhVuc"] = ""
    elif how == "length":
        record["TrichYeuHoSo"] = "x" * 1001
    elif how == "unknown_field":
        record["MaHoSoKhac"] = "X"
    return record


BROKEN = (
    "number",
    "boolean",
    "date",
    "impossible_date",
    "code",
    "field_code",
    "missing",
    "empty",
    "length",
    "unknown_field",
)


@pytest.fixture(scope="module")
def sample(demo) -> PortalRecord:
    ctx, _hub = demo
    records = [r for day in _demo_days() for r in _records(ctx, day)]
    return next(r for r in records if r.record["TaiLieuNop"])


@pytest.mark.parametrize("how", BROKEN)
def test_the_session_style_hub_refuses(demo, sample, how) -> None:
    _ctx, hub = demo
    settings = PortalSettings(hub.url, USER, PASSWORD, "x", "/portal/auth", "/portal/integration")
    bad = PortalRecord(_broken(dict(sample.record), how))
    with ProvincialExporter(settings) as exporter:
        answer = exporter.call("DongBoHoSoMC", isUpdating="False", data=[bad.record])
    assert answer["error_code"] == "-1", answer


@pytest.mark.parametrize("how", BROKEN)
def test_the_url_style_relay_refuses(sample, how) -> None:
    with running_relay() as (url, store):
        answer = httpx.post(url + CREATE, json=[_broken(dict(sample.record), how)]).json()
        assert answer["error_code"] == "-1", answer
        assert not store.records


def test_both_refuse_a_duplicate_and_a_bad_progress_entry(demo, sample) -> None:
    _ctx, hub = demo
    record = {**sample.record, "MaHoSo": "DUP-1"}
    entry = {**sample.progress[0], "MaHoSo": "DUP-1"}
    settings = PortalSettings(hub.url, USER, PASSWORD, "x", "/portal/auth", "/portal/integration")
    with ProvincialExporter(settings) as exporter:
        assert exporter.call("DongBoHoSoMC", isUpdating="False", data=[record])["error_code"] == "0"
        again = exporter.call("DongBoHoSoMC", isUpdating="False", data=[record])
        assert again["error_code"] == "-3" and "đã tồn tại" in again["message"]
        unknown = exporter.call(
            "DongBoHoSoMC", isUpdating="True", data=[{**record, "MaHoSo": "NEW-9"}]
        )
        assert unknown["error_code"] == "-1"
        bad_entry = {**entry, "TrangThai": 4}
        assert exporter.call("CapNhatTienDoHoSoMC", data=[bad_entry])["error_code"] == "-1"
        assert exporter.call("CapNhatTienDoHoSoMC", data=[entry])["error_code"] == "0"
    with running_relay() as (url, _store):
        assert httpx.post(url + CREATE, json=[record]).json()["error_code"] == "0"
        again = httpx.post(url + CREATE, json=[record]).json()
        assert again["error_code"] == "-3" and "đã tồn tại" in again["message"]
        assert httpx.post(url + UPDATE, json=[record]).json()["error_code"] == "0"
        missing = httpx.post(url + UPDATE, json=[{**record, "MaHoSo": "NEW-9"}]).json()
        assert missing["error_code"] == "-1"
        no_time = {**entry, "ThoiDiemXuLy": "25/11/2026"}
        assert "thành công" not in httpx.post(url + PROGRESS, json=[no_time]).text
        assert "thành công" in httpx.post(url + PROGRESS, json=[entry]).text
