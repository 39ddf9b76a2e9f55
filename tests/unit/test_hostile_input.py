"""Hostile input at the services, on SQLite and PostgreSQL: every refusal is one
ValidationError and nothing is written (no row, no event, no page file, no version).

PostgreSQL is the sharper test: it refuses a NUL in text and an over-long value in a
bounded column with a driver error, so the rule has to stop them first.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from counter_app.calendar import holidays
from counter_app.domain.applicants import Person
from counter_app.domain.calendar import VN_TZ, DayKind
from counter_app.domain.catalog import catalog_to_json, load_catalog
from counter_app.domain.fees import PaymentMethod
from counter_app.domain.lifecycle import Channel, Status
from counter_app.dossiers.deadlines import extend_deadline
from counter_app.dossiers.service import (
    DocumentLine,
    DossierFilter,
    FeeLine,
    IntakeRequest,
    intake,
    list_dossiers,
    move,
)
from counter_app.errors import ConfigError, ValidationError
from counter_app.guidance.data import admin_correct
from counter_app.guidance.sessions import record_guidance
from counter_app.kernel.catalog import import_catalog, list_versions
from counter_app.kernel.users import SYSTEM_ACTOR, add_user
from counter_app.payments.service import record_payment, set_bank_account
from counter_app.scanning import pages as page_store
from counter_app.scanning.devices import ScanRequest
from counter_app.scanning.images import ColourMode, clean_page
from counter_app.scanning.pages import attach_pages, list_pages
from counter_app.scanning.samples import text_page
from counter_app.store.models import Dossier, Event, User

AN = Person(name="Nguyễn Văn An", id_number="056090012345", phone="0905123456")
XMTTHN = "1.004873"
LONG = "A" * 10_000
ESC = "UBND\x1b[2J\x1b]0;owned\x07"
RLO = "Phường \u202enaht gnarT ahN"


def rows(ctx, model) -> int:
    with ctx.session() as session:
        return int(session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one())


def refused(call, *args, **kwargs) -> str:
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    message = caught.value.message
    assert message and "\n" not in message
    return message


def test_hostile_intake_text_is_refused_and_nothing_is_written(any_ctx) -> None:
    base = IntakeRequest(XMTTHN, AN)
    cases = {
        "Mã hồ sơ trên Cổng": replace(base, channel=Channel.ONLINE, portal_code=LONG),
        "Mã hồ sơ trên Cổng có ký tự điều khiển": replace(
            base, channel=Channel.ONLINE, portal_code="H56\x00"
        ),
        "Cơ quan có thẩm quyền giải quyết quá dài": replace(base, competent_body=LONG),
        "Cơ quan có thẩm quyền giải quyết có ký tự điều khiển": replace(base, competent_body=ESC),
        "đảo chiều": replace(base, competent_body=RLO),
        "Lý do nhập muộn": replace(
            base, received_at=datetime(2026, 3, 1, 8, tzinfo=VN_TZ), late_reason="mất\x00điện"
        ),
        "Thời điểm tiếp nhận phải trong các năm 2000–2099": replace(
            base, received_at=datetime(1, 1, 1, tzinfo=UTC), late_reason="mất điện"
        ),
        "Họ tên / tên tổ chức": replace(base, applicant=replace(AN, name="An\x1b[31m")),
        "Địa chỉ": replace(base, applicant=replace(AN, address="Xóm 2\u2066")),
        "Tên thành phần hồ sơ": replace(base, documents=(DocumentLine("Tờ khai\u202e"),)),
        "Số bản": replace(base, documents=(DocumentLine("Tờ khai", copies=10**30),)),
        "Tên khoản phí": replace(base, fees=(FeeLine("Lệ phí\x85", 10_000),)),
        "Số tiền phí": replace(base, fees=(FeeLine("Lệ phí", 10**30),)),
        "Người xử lý": replace(base, handler=LONG),
        "Lý do cho phép nhận hồ sơ giấy": replace(base, override_reason="ok\x1b"),
        "Lý do nộp giấy": replace(base, paper_reason="other: già\u202e"),
    }
    for expected, request in cases.items():
        assert expected in refused(intake, any_ctx, request, SYSTEM_ACTOR), expected
    assert rows(any_ctx, Dossier) == 0 and rows(any_ctx, Event) == 0


def test_hostile_move_and_deadline_text_is_refused(any_ctx) -> None:
    code = intake(any_ctx, IntakeRequest(XMTTHN, AN), SYSTEM_ACTOR).code
    events = rows(any_ctx, Event)
    assert "Lý do" in refused(move, any_ctx, code, Status.REFUSED, SYSTEM_ACTOR, "thiếu\x00")
    assert "Lý do quá dài" in refused(move, any_ctx, code, Status.REFUSED, SYSTEM_ACTOR, "x" * 2001)
    refused(move, any_ctx, code, Status.PROCESSING, SYSTEM_ACTOR, handler="lan\u202e")
    refused(extend_deadline, any_ctx, code, date(2026, 3, 20), "mất\x1b[2J", SYSTEM_ACTOR)
    refused(record_payment, any_ctx, code, PaymentMethod.CASH, SYSTEM_ACTOR, reference=ESC)
    refused(record_guidance, any_ctx, XMTTHN, "could_not", SYSTEM_ACTOR, reason="other: \x00")
    assert rows(any_ctx, Event) == events
    assert any_ctx.catalog.get(XMTTHN)  # the context still works after every refusal


def test_list_bounds_and_search_text(any_ctx) -> None:
    reversed_range = DossierFilter(received_from=date(2026, 3, 5), received_to=date(2026, 3, 1))
    assert "Ngày kết thúc" in refused(list_dossiers, any_ctx, reversed_range)
    assert "2000–2099" in refused(
        list_dossiers, any_ctx, DossierFilter(received_to=date(9999, 12, 31))
    )
    refused(list_dossiers, any_ctx, DossierFilter(), limit=10**30)
    refused(list_dossiers, any_ctx, DossierFilter(search="An\x00"))  # PostgreSQL refuses NUL
    refused(list_dossiers, any_ctx, DossierFilter(search=LONG))
    assert list_dossiers(any_ctx, DossierFilter(search="Nguyễn"), limit=10_000) == []


def test_user_office_holiday_bank_and_guidance_text(any_ctx) -> None:
    for name in (LONG, RLO, ESC):
        refused(add_user, any_ctx, "lan", "matkhau123", SYSTEM_ACTOR.role, name)
    assert rows(any_ctx, User) == 0
    for name in (LONG, RLO, "Tết\x00"):
        refused(
            holidays.add_holiday, any_ctx, date(2099, 5, 4), DayKind.DAY_OFF, name, SYSTEM_ACTOR
        )
    assert holidays.list_holidays(any_ctx, 2099) == []
    refused(set_bank_account, any_ctx, SYSTEM_ACTOR, "970436", "0011001800879", ESC)
    guidance_file = any_ctx.data_dir / "guidance.json"
    refused(admin_correct, any_ctx, SYSTEM_ACTOR, "online_only", XMTTHN, {"source": RLO})
    reversed_range = {"valid_from": "2026-03-05", "valid_to": "2026-03-01", "source": "CV 12"}
    with pytest.raises(ConfigError, match="valid_to"):  # the data's own rule, as for a rule
        admin_correct(any_ctx, SYSTEM_ACTOR, "online_only", XMTTHN, reversed_range)
    refused(
        admin_correct,
        any_ctx,
        SYSTEM_ACTOR,
        "online_only",
        XMTTHN,
        {"valid_from": "0001-01-01", "source": "CV 12"},
    )
    refused(admin_correct, any_ctx, SYSTEM_ACTOR, "incentives", "x\x1b", {"source": "CV 12"})
    assert not guidance_file.exists()


def _pages(count: int = 1) -> list:
    return [clean_page(text_page(100, seed=i), ColourMode.BW) for i in range(count)]


def _files(ctx) -> list[Path]:
    return [p for p in ctx.pages_dir.rglob("*") if p.is_file()] if ctx.pages_dir.exists() else []


def test_a_failed_attach_leaves_no_page_file(any_ctx, monkeypatch) -> None:
    code = intake(any_ctx, IntakeRequest(XMTTHN, AN), SYSTEM_ACTOR).code
    assert "thành phần số 999" in refused(
        attach_pages, any_ctx, code, _pages(), SYSTEM_ACTOR, document=999
    )
    refused(attach_pages, any_ctx, code, _pages(), SYSTEM_ACTOR, is_result=True)
    assert _files(any_ctx) == []

    kept = attach_pages(any_ctx, code, _pages(1), SYSTEM_ACTOR, document=1)
    assert len(_files(any_ctx)) == 1

    def broken(*_args, **_kwargs):
        raise ValidationError("hỏng giữa chừng")

    monkeypatch.setattr(page_store, "_record", broken)  # fails inside the transaction
    refused(attach_pages, any_ctx, code, _pages(3), SYSTEM_ACTOR, document=1)
    assert [p.name for p in _files(any_ctx)] == [kept[0].sha256]  # the used one stays
    assert len(list_pages(any_ctx, code)) == 1


def test_scan_requests_are_bounded() -> None:
    for dpi in (0, 74, 601, 999_999):
        with pytest.raises(ValidationError, match="75 đến 600"):
            ScanRequest(dpi=dpi)
    with pytest.raises(ValidationError):
        ScanRequest(pages=10**9)
    assert ScanRequest(dpi=75).dpi == 75 and ScanRequest(dpi=600, pages=500).pages == 500


def _import(ctx, path: Path) -> str:
    with pytest.raises(ValidationError) as caught, ctx.session() as session:
        import_catalog(session, path, SYSTEM_ACTOR, ctx.clock())
    assert "\n" not in caught.value.message
    return caught.value.message


def test_hostile_catalog_imports_add_no_version(any_ctx, tmp_path: Path) -> None:
    any_ctx.reload_catalog()  # the bundled version is stored first
    good = catalog_to_json(load_catalog())
    fifo = tmp_path / "catalog.json"
    os.mkfifo(fifo)
    assert "không phải tệp thường" in _import(any_ctx, Path("/dev/zero"))
    assert "không phải tệp thường" in _import(any_ctx, fifo)

    def variant(name: str, change) -> Path:
        document = json.loads(json.dumps(good))
        document["catalog_version"] = "2099.1"
        change(document)
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        return path

    first = lambda doc: doc["procedures"][0]  # noqa: E731
    cases = {
        "escape": lambda doc: first(doc).update(name="Cấp\x1b[2J giấy"),
        "nul": lambda doc: first(doc).update(field="Hộ tịch\x00"),
        "bidi": lambda doc: first(doc)["documents"][0].update(name="Tờ khai\u202e"),
        "long field": lambda doc: first(doc).update(field="x" * 201),
        "long version": lambda doc: doc.update(catalog_version="9" * 41),
        "time limit": lambda doc: first(doc)["time_limit"].update(value=1e300),
        "fee": lambda doc: first(doc).update(fee_vnd=10**30),
        "copies": lambda doc: first(doc)["documents"][0].update(copies=10**9),
    }
    for name, change in cases.items():
        assert "Danh mục thủ tục không hợp lệ" in _import(any_ctx, variant(name, change)), name
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 30_000 + "]" * 30_000, encoding="utf-8")
    assert "lồng nhau" in _import(any_ctx, deep)
    with any_ctx.session() as session:
        assert [v.version for v in list_versions(session)] == [good["catalog_version"]]
