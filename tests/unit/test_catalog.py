"""The procedure catalog: the bundled resource, its loader and the converter that builds it."""

from __future__ import annotations

import copy
import importlib.util
import json
from datetime import date, time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from counter_app.domain.calendar import LimitUnit, TimeLimit
from counter_app.domain.catalog import (
    Catalog,
    catalog_from_json,
    catalog_to_json,
    load_catalog,
)
from counter_app.domain.text import fold
from counter_app.errors import NotFoundError, ValidationError
from counter_app.resources import resource_path


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resource_path("catalog", "procedures.json").read_text(encoding="utf-8")
    )
    return data


@pytest.fixture(scope="module")
def builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_catalog", resource_path("catalog", "build_catalog.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bundled_catalog_has_57_procedures(catalog: Catalog, raw: dict[str, Any]) -> None:
    assert len(catalog.procedures) == 57
    assert len({procedure.code for procedure in catalog.procedures}) == 57
    assert catalog.version == raw["catalog_version"]
    assert catalog.published == date.fromisoformat(raw["published"])


def test_every_procedure_has_a_time_limit(catalog: Catalog) -> None:
    for procedure in catalog.procedures:
        limit = procedure.time_limit
        assert isinstance(limit, TimeLimit)
        assert limit.value > 0 or limit.same_day_cutoff is not None, procedure.code
        if procedure.time_limit_assumed:
            assert procedure.time_limit_note, procedure.code


def test_known_time_limits(catalog: Catalog) -> None:
    birth = catalog.get("1.001193")
    assert birth.time_limit == TimeLimit(1, LimitUnit.WORKING_DAYS, same_day_cutoff=time(15))
    assert not birth.time_limit_assumed
    assert catalog.get("2.001263").time_limit == TimeLimit(30, LimitUnit.CALENDAR_DAYS)
    death = catalog.get("1.000656")
    assert death.time_limit == TimeLimit(1, LimitUnit.WORKING_DAYS)
    assert death.time_limit_assumed
    land = catalog.get("1.013978")
    assert land.time_limit == TimeLimit(27, LimitUnit.WORKING_DAYS)
    assert land.online_time_limit == TimeLimit(17, LimitUnit.WORKING_DAYS)


def test_provenance_is_kept(catalog: Catalog, raw: dict[str, Any]) -> None:
    for procedure, record in zip(catalog.procedures, raw["procedures"], strict=True):
        assert procedure.code == record["code"]
        assert procedure.sources == tuple(record["sources"])
        assert procedure.confidence == record["confidence"]
        assert procedure.decision == (record["decision"] or "")
        assert procedure.notes == (record["notes"] or "")
        assert "processing_days" in record["source_record"]
        assert "fee_vnd" in record["source_record"]
    assert {procedure.confidence for procedure in catalog.procedures} <= {"high", "medium", "low"}
    assert sum(1 for procedure in catalog.procedures if procedure.sources) >= 56
    assert raw["source"]["sha256"]


def test_bundled_time_limits_are_what_the_converter_decides(
    raw: dict[str, Any], builder: ModuleType
) -> None:
    default_days = raw["source"]["default_working_days"]
    for entry in raw["procedures"]:
        record = {
            "code": entry["code"],
            "name_vi": entry["name"],
            "processing_days": entry["source_record"]["processing_days"],
        }
        decided = builder.time_limit_of(record, default_days)
        assert {key: entry[key] for key in decided} == decided, entry["code"]


def test_document_names_are_intact_and_conditions_read(
    catalog: Catalog, raw: dict[str, Any]
) -> None:
    for procedure, entry in zip(catalog.procedures, raw["procedures"], strict=True):
        names = [document.name for document in procedure.documents]
        assert names == (entry["source_record"]["documents"] or [])
    birth = catalog.get("1.001193").documents
    proxy = next(document for document in birth if document.name.startswith("Văn bản ủy quyền"))
    assert proxy.conditional
    assert not birth[0].conditional
    photos = next(d for d in catalog.get("2.001263").documents if d.name.startswith("02 ảnh"))
    assert photos.copies == 2


def test_search_khai_sinh_finds_birth_registration_first(catalog: Catalog) -> None:
    results = catalog.search("khai sinh")
    assert results[0].code == "1.001193"
    assert all("khai sinh" in fold(procedure.name) for procedure in results)
    assert catalog.search("KHAI SINH") == results
    assert catalog.search("Khai Sinh") == results


def test_search_chung_thuc_matches_names_and_field(catalog: Catalog) -> None:
    results = catalog.search("chung thuc")
    assert {procedure.code for procedure in results} >= {
        procedure.code for procedure in catalog.procedures if procedure.field == "Chứng thực"
    }
    assert catalog.search("chứng thực") == results


def test_search_by_code_and_nothing(catalog: Catalog) -> None:
    assert catalog.search("2.000815")[0].code == "2.000815"
    assert [p.code for p in catalog.search("2.0009")][:1] == ["2.000908"]
    assert catalog.search("xyzzy") == []
    assert catalog.search("   ") == []


def test_get_unknown_code_raises_not_found(catalog: Catalog) -> None:
    assert catalog.get(" 1.001193 ").code == "1.001193"
    with pytest.raises(NotFoundError, match=r"9\.999999") as caught:
        catalog.get("9.999999")
    assert "\n" not in str(caught.value)


def test_json_round_trip(catalog: Catalog) -> None:
    again = catalog_from_json(json.loads(json.dumps(catalog_to_json(catalog))))
    assert again == catalog
    assert again.get("2.000815") == catalog.get("2.000815")


def _small(raw: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(raw)
    data["procedures"] = data["procedures"][:2]
    return data


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("catalog_version",), ""),
        (("published",), "29/11/2026"),
        (("procedures",), []),
        (("procedures",), "none"),
        (("procedures", 0, "code"), "1001193"),
        (("procedures", 0, "name"), ""),
        (("procedures", 0, "name"), None),
        (("procedures", 0, "time_limit"), None),
        (("procedures", 0, "time_limit", "unit"), "weeks"),
        (("procedures", 0, "time_limit", "value"), -1),
        (("procedures", 0, "time_limit", "value"), "1"),
        (("procedures", 0, "time_limit", "same_day_cutoff"), "3pm"),
        (("procedures", 0, "time_limit_assumed"), "no"),
        (("procedures", 0, "fee_vnd"), -5),
        (("procedures", 0, "fee_vnd"), 1.5),
        (("procedures", 0, "online_level"), "toàn trình"),
        (("procedures", 0, "documents"), ["Tờ khai"]),
        (("procedures", 0, "documents", 0, "copies"), 0),
        (("procedures", 0, "sources"), [1]),
        (("procedures", 1, "code"), "1.001193"),
    ],
)
def test_malformed_catalog_is_refused(
    raw: dict[str, Any], path: tuple[str | int, ...], value: object
) -> None:
    data = _small(raw)
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValidationError) as caught:
        catalog_from_json(data)
    assert "\n" not in str(caught.value)


def test_non_object_and_unreadable_catalogs(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        catalog_from_json([])
    bad = tmp_path / "bad.json"
    bad.write_text("[1,", encoding="utf-8")
    with pytest.raises(ValidationError):
        load_catalog(bad)
    with pytest.raises(ValidationError):
        load_catalog(tmp_path / "missing.json")


def _record(code: str, name: str, value: object, unit: object, same_day: object) -> dict[str, Any]:
    return {
        "code": code,
        "name_vi": name,
        "field_vi": "Thử nghiệm",
        "processing_days": {"value": value, "unit": unit, "same_day": same_day, "note": None},
        "fee_vnd": {"amount": 2000, "per": "trang", "note": "Ghi chú phí."},
        "documents": ["02 bộ bản vẽ", "Văn bản ủy quyền (nếu có)", "Bản sao chứng thực Bằng"],
        "online_level": None,
        "essential_06": None,
        "sources": ["nguồn A"],
        "level": "Cấp xã",
        "agency": "UBND cấp xã",
        "result": "Kết quả",
        "decision": None,
        "submission_channels": None,
        "confidence": "low",
        "notes": "ghi chú",
    }


CONVERTER_CASES = [
    (_record("1.000001", "Thủ tục A", 5, "working_days", False), (5, "working_days", None, False)),
    (_record("1.000002", "Thủ tục B", 15, "days", None), (15, "calendar_days", None, False)),
    (
        _record("1.000003", "Thủ tục C", 1, "working_days", True),
        (1, "working_days", "15:00", False),
    ),
    (_record("1.000004", "Thủ tục D", 1, "unspecified", True), (1, "working_days", "15:00", True)),
    (_record("1.000005", "Thủ tục E", 3, "unspecified", None), (3, "working_days", None, True)),
    (
        _record("1.000006", "Chứng thực chữ ký", None, None, None),
        (1, "working_days", "15:00", True),
    ),
    (_record("1.000007", "Chứng thực di chúc", None, None, None), (2, "working_days", None, True)),
    (_record("1.000008", "Xác nhận khác", None, None, None), (4, "working_days", None, True)),
]


def test_converter_maps_each_kind_of_processing_time(builder: ModuleType, tmp_path: Path) -> None:
    research = tmp_path / "research.json"
    research.write_text(
        json.dumps([record for record, _expected in CONVERTER_CASES], ensure_ascii=False),
        encoding="utf-8",
    )
    output = tmp_path / "catalog.json"
    arguments = [str(research), "--output", str(output), "--published", "2026-01-02"]
    status = builder.main([*arguments, "--version", "t1", "--default-working-days", "4"])
    assert status == 0
    built = json.loads(output.read_text(encoding="utf-8"))
    assert built["catalog_version"] == "t1"
    assert built["source"]["default_working_days"] == 4
    for entry, (_record_in, (value, unit, cutoff, assumed)) in zip(
        built["procedures"], CONVERTER_CASES, strict=True
    ):
        assert entry["time_limit"] == {"value": value, "unit": unit, "same_day_cutoff": cutoff}
        assert entry["time_limit_assumed"] is assumed, entry["code"]
    loaded = catalog_from_json(built)
    first = loaded.get("1.000001")
    assert first.fee_vnd == 2000
    assert "trang" in first.fee_note and "Ghi chú phí." in first.fee_note
    assert [(d.copies, d.conditional, d.original_or_copy) for d in first.documents] == [
        (2, False, "bản chính"),
        (1, True, "bản chính"),
        (1, False, "bản sao chứng thực"),
    ]
    assert first.sources == ("nguồn A",)
    assert first.submission_channels == ()
