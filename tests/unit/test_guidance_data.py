"""Guidance data: shipped coverage, admin corrections with provenance, incentives by date."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from counter_app.domain.calendar import VN_TZ
from counter_app.domain.catalog import load_catalog
from counter_app.domain.lifecycle import Role
from counter_app.errors import ConfigError, PermissionDeniedError, ValidationError
from counter_app.guidance.data import GUIDANCE_FILE, admin_correct, load_guidance
from counter_app.kernel.users import Actor

ADMIN = Actor("quantri", "Quản trị", Role.ADMIN)
CLERK = Actor("tiepnhan1", "Lê Thị Hoa", Role.CLERK)
THUONG_TRU = "1.004222"  # 20.000 đ at the counter, 10.000 đ online
TRICH_LUC = "2.000635"  # 8.000 đ
KHAI_TU = "1.000656"


def test_every_catalog_procedure_has_guidance_with_provenance() -> None:
    book = load_guidance()
    catalog = load_catalog()
    assert {p.code for p in catalog.procedures} == set(book.procedures)
    for procedure in catalog.procedures:
        guidance = book.get(procedure)
        assert guidance.portal_page.startswith("https://dichvucong.gov.vn/")
        assert guidance.sources, procedure.code
        assert guidance.steps
        # The research convention: unknown stays None, never a guess.
        assert guidance.online_available in (True, False, None)
        assert guidance.vneid_level is None


def test_unknown_online_level_stays_unknown() -> None:
    book = load_guidance()
    khai_tu = book.get(load_catalog().get(KHAI_TU))
    assert khai_tu.can_file_online and khai_tu.online_level is None


def test_admin_correction_keeps_source_author_and_time(ctx) -> None:
    ctx.clock.now = datetime(2026, 10, 5, 14, 0, tzinfo=VN_TZ)
    entry = {"field": "online_level", "value": "partial", "source": "QĐ 123/QĐ-UBND tỉnh"}
    admin_correct(ctx, ADMIN, "procedures", KHAI_TU, entry)
    guidance = load_guidance(ctx.data_dir).procedures[KHAI_TU]
    assert guidance.online_level == "partial"
    correction = guidance.corrections["online_level"]
    assert (correction.source, correction.by) == ("QĐ 123/QĐ-UBND tỉnh", "quantri")
    assert correction.at.startswith("2026-10-05T14:00")
    assert load_guidance().procedures[KHAI_TU].online_level is None  # shipped data untouched


@pytest.mark.parametrize(
    ("section", "key", "entry", "error"),
    [
        (
            "procedures",
            KHAI_TU,
            {"field": "online_level", "value": "half", "source": "x"},
            ConfigError,
        ),
        ("procedures", KHAI_TU, {"field": "vneid_level", "value": 3, "source": "x"}, ConfigError),
        (
            "procedures",
            KHAI_TU,
            {"field": "online_available", "value": "yes", "source": "x"},
            ConfigError,
        ),
        ("procedures", KHAI_TU, {"field": "portal_id", "value": "x", "source": "x"}, ConfigError),
        ("procedures", "9.999999", {"field": "url", "value": "x", "source": "x"}, ValidationError),
        ("procedures", KHAI_TU, {"field": "url", "value": "x", "source": " "}, ValidationError),
        ("incentives", "r1", {"kind": "percent", "percent": 150, "source": "x"}, ConfigError),
        ("incentives", "r1", {"kind": "fixed", "source": "x"}, ConfigError),
        ("incentives", "r1", {"kind": "gift", "source": "x"}, ConfigError),
        (
            "incentives",
            "r1",
            {"kind": "exempt", "valid_from": "2026-05-01", "valid_to": "2026-04-01", "source": "x"},
            ConfigError,
        ),
        ("online_only", KHAI_TU, {"valid_from": "01/05/2026", "source": "x"}, ConfigError),
        ("targets", "commune", {"share": 2, "source": "x"}, ConfigError),
        ("other", "x", {"source": "x"}, ValidationError),
    ],
)
def test_bad_corrections_are_refused_and_nothing_is_kept(ctx, section, key, entry, error) -> None:
    with pytest.raises(error):
        admin_correct(ctx, ADMIN, section, key, entry)
    assert not (ctx.data_dir / GUIDANCE_FILE).exists()


def test_only_an_admin_corrects(ctx) -> None:
    with pytest.raises(PermissionDeniedError):
        admin_correct(ctx, CLERK, "online_only", KHAI_TU, {"source": "x"})


def test_a_broken_corrections_file_is_a_clear_error(ctx) -> None:
    (ctx.data_dir / GUIDANCE_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match=GUIDANCE_FILE):
        load_guidance(ctx.data_dir)


def test_shipped_online_fee_rule_gives_the_saving() -> None:
    fees = load_guidance().fees(load_catalog().get(THUONG_TRU), date(2026, 5, 4))
    assert (fees.counter_vnd, fees.online_vnd, fees.saving_vnd) == (20000, 10000, 10000)
    assert [r.id for r in fees.rules] == ["tt75-2022-thuong-tru-truc-tuyen"]


def test_unknown_counter_fee_leaves_the_saving_unknown() -> None:
    fees = load_guidance().fees(load_catalog().get("1.004194"), date(2026, 5, 4))
    assert (fees.counter_vnd, fees.online_vnd, fees.saving_vnd) == (None, 7000, None)


@pytest.mark.parametrize(
    ("day", "in_force"),
    [
        (date(2026, 8, 14), False),
        (date(2026, 8, 15), True),
        (date(2027, 2, 28), True),
        (date(2027, 3, 1), False),
    ],
)
def test_circular_117_notice_is_shown_only_in_its_window(day: date, in_force: bool) -> None:
    fees = load_guidance().fees(load_catalog().get(TRICH_LUC), day)
    assert ("tt117-2026-cong-dan-so" in [r.id for r in fees.notices]) is in_force
    assert fees.online_vnd == fees.counter_vnd == 8000  # a notice never changes a fee


@pytest.mark.parametrize(
    ("day", "online", "saving"),
    [
        (date(2026, 8, 31), 8000, 0),  # before the window
        (date(2026, 9, 1), 4000, 4000),  # first day
        (date(2026, 11, 15), 0, 8000),  # the exemption overlaps and is lower
        (date(2026, 12, 31), 4000, 4000),  # last day
        (date(2027, 1, 1), 8000, 0),  # after
    ],
)
def test_dated_rules_pick_the_lowest_fee_in_force(ctx, day, online, saving) -> None:
    admin_correct(
        ctx,
        ADMIN,
        "incentives",
        "half-price",
        {
            "title": "Giảm 50% khi nộp trực tuyến",
            "procedures": [TRICH_LUC],
            "kind": "percent",
            "percent": 50,
            "valid_from": "2026-09-01",
            "valid_to": "2026-12-31",
            "source": "NQ HĐND tỉnh (thử)",
        },
    )
    admin_correct(
        ctx,
        ADMIN,
        "incentives",
        "free-november",
        {
            "title": "Miễn phí tháng 11",
            "procedures": [TRICH_LUC],
            "kind": "exempt",
            "valid_from": "2026-11-01",
            "valid_to": "2026-11-30",
            "source": "QĐ thử",
        },
    )
    fees = load_guidance(ctx.data_dir).fees(load_catalog().get(TRICH_LUC), day)
    assert (fees.counter_vnd, fees.online_vnd, fees.saving_vnd) == (8000, online, saving)
    # The rules are the office's: another procedure is not affected.
    other = load_guidance(ctx.data_dir).fees(load_catalog().get("2.002516"), day)
    assert other.online_vnd == other.counter_vnd == 8000


def test_a_removed_shipped_rule_no_longer_applies(ctx) -> None:
    admin_correct(
        ctx,
        ADMIN,
        "incentives",
        "tt75-2022-thuong-tru-truc-tuyen",
        {"removed": True, "source": "TT mới bãi bỏ"},
    )
    fees = load_guidance(ctx.data_dir).fees(load_catalog().get(THUONG_TRU), date(2026, 5, 4))
    assert fees.online_vnd == 20000 and fees.saving_vnd == 0


def test_targets_are_configurable(ctx) -> None:
    shipped = load_guidance().targets
    assert shipped["commune"].share == pytest.approx(0.20)
    assert shipped["decision_766"].share == pytest.approx(0.50)
    admin_correct(ctx, ADMIN, "targets", "commune", {"share": 0.3, "source": "KH 2027 của tỉnh"})
    assert load_guidance(ctx.data_dir).targets["commune"].share == pytest.approx(0.3)
    stored = json.loads((ctx.data_dir / GUIDANCE_FILE).read_text(encoding="utf-8"))
    assert stored["targets"]["commune"]["by"] == "quantri"
