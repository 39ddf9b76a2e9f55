"""What comes in from the province (`counter_app.sync.inbound`, `counter-app portal pull`)
against the strict session-profile stand-in (tests/portal_inbound.py), over loopback HTTP,
on SQLite and PostgreSQL: an online filing shows on the desk after one exchange and is
counted once here and at the province; a status changed upstream is applied once; the
catalog's codes merge in; anything hostile is refused with one line and nothing written.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from counter_app.cli.main import main
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Role, Status
from counter_app.domain.periods import PeriodKind
from counter_app.domain.text import visible
from counter_app.dossiers.service import DossierFilter, list_dossiers, move
from counter_app.errors import CounterError
from counter_app.kernel.context import AppContext
from counter_app.kernel.dossier_store import get_dossier
from counter_app.kernel.users import PROVINCE_LOGIN, Actor
from counter_app.reports.service import period_for, report_channels
from counter_app.store.models import Dossier, Event
from counter_app.sync.inbound import pull
from counter_app.sync.models import PortalInbound
from counter_app.sync.provincial import PortalSettings, ProvincialExporter
from counter_app.sync.records import RecordSettings, day_records
from tests.portal_inbound import PASSWORD, UNIT, USERNAME, InboundStore, running_inbound

CLERK = Actor("tiepnhan1", "Nguyễn Thị Lan", Role.CLERK)
FILED = datetime(2026, 3, 2, 7, 40, tzinfo=VN_TZ)  # before the fixture clock, 09:00
CODE = "000.00.22.H56-260302-9001"
PROCEDURE = "1.001193"  # đăng ký khai sinh, in the bundled catalog


def connect(ctx: AppContext, url: str) -> None:
    """The counter's `portal` settings for the session profile at `url`."""
    portal = replace(
        ctx.config.portal,
        transport="session",
        url=url,
        username=USERNAME,
        password=PASSWORD,
        unit_code=UNIT,
        auth_path="/auth",
        integration_path="/integration",
        timeout_seconds=10,
    )
    ctx.config = replace(ctx.config, portal=portal)


def file_birth(store: InboundStore, code: str = CODE, **overrides: object) -> None:
    store.file_online(
        code, f"{PROCEDURE}.000.00.00.H56", "Trần Thị Bích", "056190004321", FILED, **overrides
    )


def written(ctx: AppContext) -> tuple[int, int, int]:
    """Dossiers, events and pulled rows in the store."""
    with ctx.session() as session:
        return tuple(  # type: ignore[return-value]
            session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()
            for model in (Dossier, Event, PortalInbound)
        )


def test_an_online_filing_shows_on_the_desk_once_and_is_counted_once(any_ctx, clock):
    with running_inbound() as (url, store):
        connect(any_ctx, url)
        file_birth(store)
        report = pull(any_ctx, catalog=False)
        assert report.ok and report.created == [CODE] and store.taken == {CODE}
        # On the desk after one exchange: submitted online, under the portal's code.
        desk = list_dossiers(any_ctx, DossierFilter(), limit=100)
        assert [(v.status, v.channel) for v in desk] == [("submitted", "online")]
        dossier = get_dossier(any_ctx, desk[0].code)
        assert dossier.portal_code == CODE and dossier.received_by == PROVINCE_LOGIN
        assert dossier.submitted_at == FILED and dossier.applicant["name"] == "Trần Thị Bích"
        assert [e.actor for e in dossier.events] == [PROVINCE_LOGIN]

        # Listed again (the province lost the acknowledgement): still one dossier.
        assert pull(any_ctx, catalog=False).created == []
        store.taken.clear()
        again = pull(any_ctx, catalog=False)
        assert again.ok and again.created == [] and store.taken == {CODE}
        assert written(any_ctx) == (1, 1, 1)

        # The clerk receives it: the counter's reports count it once, as online.
        clock.now = FILED.replace(hour=10)
        move(any_ctx, dossier.code, Status.RECEIVED, CLERK)
        channels = report_channels(any_ctx, period_for(any_ctx, PeriodKind.MONTHLY, 2026, 3))
        assert channels["received"] == 1 and channels["by_channel"]["online"] == 1

        # The records that go out carry the portal's code: the province updates its own
        # dossier instead of counting a second one.
        with any_ctx.session() as session:
            records = day_records(session, RecordSettings(catalog=any_ctx.catalog), FILED.date())
        assert [r.record["MaHoSo"] for r in records] == [CODE]
        settings = PortalSettings(url, USERNAME, PASSWORD, UNIT, "/auth", "/integration")
        with ProvincialExporter(settings) as exporter:
            sent = exporter.export(records)
        assert sent.updated == [CODE] and not sent.created and not sent.failed, sent
        assert store.count() == 1 and store.dossiers[CODE]["KenhThucHien"] == "2"
        assert store.refused == []
        # Sent back as "received": the next pull sees the counter's own move, not a change.
        assert pull(any_ctx, catalog=False).updated == []


def test_a_status_changed_upstream_is_applied_once(any_ctx, clock):
    with running_inbound() as (url, store):
        connect(any_ctx, url)
        file_birth(store)
        file_birth(store, "000.00.22.H56-260302-9002", ChuHoSo="Lê Văn Cường")
        assert len(pull(any_ctx, catalog=False).created) == 2
        store.dossiers[CODE].update(TrangThaiHoSo="7", GhiChu="Công dân rút trên Cổng")
        clock.now += timedelta(minutes=5)

        first = pull(any_ctx, catalog=False)
        assert first.ok and first.updated == [CODE]
        view = next(v for v in list_dossiers(any_ctx, DossierFilter()) if v.portal_code == CODE)
        dossier = get_dossier(any_ctx, view.code)
        assert dossier.status == Status.WITHDRAWN.value
        last = dossier.events[-1]
        assert last.actor == PROVINCE_LOGIN and "Công dân rút trên Cổng" in (last.reason or "")
        before = written(any_ctx)
        repeat = pull(any_ctx, catalog=False)
        assert repeat.ok and repeat.updated == [] and written(any_ctx) == before

        # A change the local history cannot take is reported, and nothing is written.
        other = next(v for v in list_dossiers(any_ctx, DossierFilter()) if v.portal_code != CODE)
        move(any_ctx, other.code, Status.RECEIVED, CLERK)
        move(any_ctx, other.code, Status.RESOLVED, CLERK)
        store.dossiers["000.00.22.H56-260302-9002"]["TrangThaiHoSo"] = "3"
        before = written(any_ctx)
        refused = pull(any_ctx, catalog=False)
        problem = refused.problems["000.00.22.H56-260302-9002"]
        assert "\n" not in problem and "cần cán bộ xem lại" in problem
        assert written(any_ctx) == before
        assert get_dossier(any_ctx, other.code).status == Status.RESOLVED.value


def test_the_catalog_codes_are_pulled_and_merged(ctx):
    with running_inbound() as (url, store):
        connect(ctx, url)
        full = f"{PROCEDURE}.000.00.00.H56"
        name = ctx.catalog.get(PROCEDURE).documents[0].name
        store.procedures[full] = {
            "MATTHC": full,
            "TENTTHC": "Thủ tục đăng ký khai sinh",
            "LINHVUCTHUCHIEN": [{"MALINHVUC": "G15-TP07", "TENLINHVUC": "Hộ tịch"}],
            "THANHPHANHOSO": [{"GIAYTO": [{"MAGIAYTO": "KQ-TEST-01", "TENGIAYTO": name}]}],
            "KETQUATHUCHIEN": [{"MAKETQUA": "KQ-TEST-99", "TENKETQUA": "Giấy khai sinh"}],
        }
        store.procedures["9.999999.000.00.00.H56"] = {"MATTHC": "9.999999", "TENTTHC": "Khác"}
        before = ctx.catalog.version
        report = pull(ctx)
        assert report.ok and report.catalog_version and report.catalog_version != before
        procedure = ctx.catalog.get(PROCEDURE)
        assert procedure.field_code == "G15-TP07" and procedure.result_codes == ("KQ-TEST-99",)
        assert store.calls.count("LayThuTuc") == 1  # only procedures the catalog has
        assert pull(ctx).catalog_version is None  # nothing new: no new version

        # A hostile code in the details: refused, the catalog stays as it is.
        store.procedures[full]["KETQUATHUCHIEN"] = [{"MAKETQUA": "KQ 1\n<script>"}]
        hostile = pull(ctx)
        assert "catalog" in hostile.problems and hostile.catalog_version is None
        assert ctx.catalog.get(PROCEDURE).result_codes == ("KQ-TEST-99",)


BAD_FILINGS = [
    ("MaTTHC", 1001193, "MaTTHC"),
    ("MaTTHC", "1.001193'; DROP TABLE dossiers;--", "MaTTHC"),
    ("MaTTHC", "2.999999", "không có trong danh mục"),
    ("KenhThucHien", "1", "KenhThucHien"),
    ("TrangThaiHoSo", "11", "TrangThaiHoSo"),
    ("TrangThaiHoSo", 1, "TrangThaiHoSo"),
    ("NgayNopHoSo", "20261301000000", "NgayNopHoSo"),
    ("NgayNopHoSo", "2026-03-02 07:40", "NgayNopHoSo"),
    ("NgayNopHoSo", "20300101000000", "NgayNopHoSo"),
    ("ChuHoSo", "Trần \x1b[31mBích", "ChuHoSo"),
    ("ChuHoSo", "Trần \u202eBích", "ChuHoSo"),
    ("ChuHoSo", "Trần Bích " * 400, "ChuHoSo"),
    ("SoGiayToChuHoSo", "05619000432X", "ChuHoSo"),
    ("LoaiDoiTuong", "9", "LoaiDoiTuong"),
    ("HinhThuc", True, "HinhThuc"),
    ("MaHoSo", "H56 9001\n", "MaHoSo"),
    ("MaHoSo", "x" * 65, "MaHoSo"),
]


def test_hostile_filings_are_refused_with_one_line_and_nothing_written(ctx):
    with running_inbound() as (url, store):
        connect(ctx, url)
        expected = {}
        for number, (key, value, named) in enumerate(BAD_FILINGS):
            code = f"000.00.22.H56-260302-8{number:03d}"
            file_birth(store, code, **{key: value})
            if key == "MaHoSo":
                store.dossiers[code]["MaHoSo"] = value
            expected[code if key != "MaHoSo" else visible(str(value))[:64]] = named
        file_birth(store, "000.00.22.H56-260302-9003")  # a good one beside them is taken
        report = pull(ctx, catalog=False)
        assert report.created == ["000.00.22.H56-260302-9003"]
        assert len(report.problems) == len(BAD_FILINGS)
        assert set(report.problems) == set(expected)
        for code, named in expected.items():
            problem = report.problems[code]
            assert named in problem and "\n" not in problem and "\x1b" not in problem
        assert written(ctx) == (1, 1, 1)
        assert store.taken == {"000.00.22.H56-260302-9003"}  # refused ones: not acknowledged


@pytest.mark.parametrize(
    "answer",
    [
        b"not json",
        b"[1, 2]",
        b'{"error_code": "0", "result": {"MaHoSo": "x"}}',
        b'{"error_code": "0", "result": [1]}',
        b'{"error_code": "-1", "message": "L\\u1ed7i \\u001b[31m"}',
        json.dumps({"error_code": "0", "result": [{}] * 501}).encode(),
        b'{"error_code": "0", "result": ["' + b"x" * (5 * 1024 * 1024) + b'"]}',
    ],
)
def test_a_hostile_answer_is_refused_whole_and_nothing_written(ctx, answer):
    with running_inbound() as (url, store):
        connect(ctx, url)
        file_birth(store)
        store.raw_answers["LayDanhSachHoSo"] = answer
        with pytest.raises(CounterError) as refused:
            pull(ctx, catalog=False)
        message = refused.value.message
        assert "\n" not in message and "\x1b" not in message
        assert written(ctx) == (0, 0, 0) and store.taken == set()


def test_texts_are_stored_nfc(ctx):
    decomposed = unicodedata.normalize("NFD", "Trần Thị Bích")
    assert decomposed != "Trần Thị Bích"
    with running_inbound() as (url, store):
        connect(ctx, url)
        file_birth(store, ChuHoSo=decomposed)
        assert pull(ctx, catalog=False).ok
    [view] = list_dossiers(ctx, DossierFilter())
    assert get_dossier(ctx, view.code).applicant["name"] == "Trần Thị Bích"


def test_portal_pull_command(data_dir, capsys, clock):
    from counter_app.kernel.config import load_config, save_config

    with running_inbound() as (url, store):
        config = load_config(data_dir)
        portal = replace(
            config.portal,
            transport="session",
            url=url,
            username=USERNAME,
            password=PASSWORD,
            unit_code=UNIT,
        )
        save_config(data_dir, replace(config, portal=portal))
        file_birth(store)
        status = main(["portal", "pull", "--json", "--no-catalog", "--data-dir", str(data_dir)])
        captured = capsys.readouterr()
        assert status == 0, captured.err
        assert json.loads(captured.out)["created"] == [CODE]
        store.dossiers["000.00.22.H56-bad"] = dict(store.dossiers[CODE], MaTTHC="x")
        store.dossiers["000.00.22.H56-bad"]["MaHoSo"] = "000.00.22.H56-bad"
        status = main(["portal", "pull", "--no-catalog", "--data-dir", str(data_dir)])
        captured = capsys.readouterr()
        assert status == 1 and captured.err.count("\n") == 1 and "MaTTHC" in captured.err
