"""The provincial adapter exporter against the hub's national-portal-style interface,
and the hub on PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Status
from counter_app.dossiers.service import move
from counter_app.hub.models import HubPortalRecord
from counter_app.kernel.context import open_context
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.sync.protocol import parse_portal_time
from counter_app.sync.provincial import PortalError, PortalSettings, ProvincialExporter
from counter_app.sync.service import enroll, run_sync
from tests.conftest import make_data_dir
from tests.sync_support import PORTAL_ACCOUNTS, add_page, day_of_intake, random_bytes, running_hub

DAY = datetime(2026, 3, 2, 8, 0, tzinfo=VN_TZ)
USER, PASSWORD = next(iter(PORTAL_ACCOUNTS.items()))


def _synced_counter(tmp_path: Path, hub_url: str, code: str, clock, count: int = 4):
    (tmp_path / "q1").mkdir()
    ctx = open_context(make_data_dir(tmp_path / "q1"), clock=clock)
    enroll(ctx, hub_url, code)
    codes = day_of_intake(ctx, DAY, count=count)
    add_page(ctx, codes[0], random_bytes(5000, 3))
    assert run_sync(ctx, close_day=DAY.date()).ok
    return ctx, codes


def test_exporter_creates_then_updates_when_the_portal_says_it_exists(tmp_path, clock):
    with running_hub(tmp_path / "hub", clock=clock) as hub:
        ctx, codes = _synced_counter(tmp_path, hub.url, hub.hub.create_enroll_code("22333"), clock)
        settings = PortalSettings(
            hub.url, USER, PASSWORD, "000.00.22.H56", "/portal/auth", "/portal/integration"
        )
        records = hub.hub.portal_records("22333", DAY.date())
        assert [r.record["MaHoSo"] for r in records] == codes
        with ProvincialExporter(settings) as exporter:
            first = exporter.export(records)
        assert first.created == codes and not first.updated and not first.failed

        clock.now = DAY.replace(hour=15)
        move(ctx, codes[0], Status.PROCESSING, SYSTEM_ACTOR)
        assert run_sync(ctx).ok
        again = hub.hub.portal_records("22333", DAY.date())
        with ProvincialExporter(settings) as exporter:
            second = exporter.export(again)
            looked_up = exporter.call("TraCuuHoSo", mahoso=codes[0])
        assert second.updated == codes and not second.created

        record = looked_up["data"]
        assert record["TrangThaiHoSo"] == str(Status.PROCESSING.portal_code)
        assert record["KenhThucHien"] == "1" and record["ChuHoSo"] == "Nguyễn Văn An"
        assert record["DinhDanhCHS"] == [{"LoaiDinhDanh": "1", "SoDinhDanh": "056090012345"}]
        assert record["MaLinhVuc"] == "G15-TP07" and record["NoiNopHoSo"] == "2"
        assert parse_portal_time(record["NgayTiepNhan"]) == DAY
        assert len(record["TaiLieuNop"]) == 1 and record["HoSoCoThanhPhanSoHoa"] == "1"
        # the portal downloads the page from the hub through the signed, expiring link
        link = record["TaiLieuNop"][0]["DuongDanTaiTepTin"]
        assert link.startswith(f"{hub.url}/v1/files/")
        assert httpx.get(link).content == random_bytes(5000, 3)
        assert httpx.get(link.replace("&s=", "&s=0")).status_code == 403
        progress = looked_up["progress"]
        assert progress[0]["TrangThai"] == "2" and progress[0]["MaHoSo"] == codes[0]
        assert [p["TrangThai"] for p in progress] == ["2", "4"]  # no entry pushed twice
        with hub.hub.session() as session:
            assert session.get_one(HubPortalRecord, codes[0]).updates == 1
        ctx.close()


def test_exporter_reports_bad_credentials_and_refused_records(tmp_path, clock):
    with running_hub(tmp_path / "hub") as hub:
        bad = PortalSettings(hub.url, USER, "sai", "x", "/portal/auth", "/portal/integration")
        with ProvincialExporter(bad) as exporter, pytest.raises(PortalError):
            exporter.login()
        good = PortalSettings(hub.url, USER, PASSWORD, "x", "/portal/auth", "/portal/integration")
        from counter_app.sync.protocol import PortalRecord

        broken = PortalRecord({"MaHoSo": "X-1", "MaTTHC": "1.001193", "KenhThucHien": 7})
        with ProvincialExporter(good) as exporter:
            report = exporter.export([broken])
        assert "X-1" in report.failed and not report.created
        answer = httpx.post(
            f"{hub.url}/portal/integration", json={"session": "nope", "service": "TraCuuHoSo"}
        ).json()
        assert answer["error_code"] == "-2"


@pytest.mark.postgres
def test_hub_on_postgresql(tmp_path, pg_url, clock):
    with running_hub(tmp_path / "hub", pg_url) as hub:
        assert hub.hub.engine.dialect.name == "postgresql"
        ctx, codes = _synced_counter(tmp_path, hub.url, hub.hub.create_enroll_code("22333"), clock)
        assert run_sync(ctx, close_day=DAY.date()).day_close.match
        counts = hub.hub.counts("22333", DAY.date())
        assert counts["dossiers"] == codes
        with hub.hub.session() as session:
            assert session.execute(sa.text("select count(*) from hub_events")).scalar_one() > 0
        ctx.close()
