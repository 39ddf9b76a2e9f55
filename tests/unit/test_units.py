"""Administrative units of Khánh Hòa after 1/7/2025 and their lineage."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from counter_app.domain.units import (
    AdministrativeUnit,
    find_unit,
    load_units,
    successor_of,
    units_from_json,
)
from counter_app.errors import NotFoundError, ValidationError
from counter_app.resources import resource_path


@pytest.fixture(scope="module")
def units() -> tuple[AdministrativeUnit, ...]:
    return load_units()


def test_sixty_five_units_by_type(units: tuple[AdministrativeUnit, ...]) -> None:
    assert len(units) == 65
    assert Counter(unit.type for unit in units) == {"xã": 48, "phường": 16, "đặc khu": 1}
    assert len({unit.code for unit in units}) == 65


def test_post_merger_units_are_valid_from_1_july_2025(
    units: tuple[AdministrativeUnit, ...],
) -> None:
    assert {unit.valid_from for unit in units} == {date(2025, 7, 1)}
    assert {unit.valid_to for unit in units} == {None}
    assert {unit.province_code for unit in units} == {"56"}


def test_find_by_folded_short_name(units: tuple[AdministrativeUnit, ...]) -> None:
    unit = find_unit(units, "bac nha trang")
    assert unit.name == "Phường Bắc Nha Trang"
    assert unit.code == "22333"
    assert find_unit(units, "  PHƯỜNG BẮC NHA TRANG ") == unit


def test_find_by_code_name_and_alias(units: tuple[AdministrativeUnit, ...]) -> None:
    assert find_unit(units, "22736").name == "Đặc khu Trường Sa"
    assert find_unit(units, "Xã Đại Lãnh").code == "22504"
    assert find_unit(units, "Phường Ninh Hoà").code == "22528"  # old tone placement
    assert find_unit(units, "dai lanh").code == "22504"  # đ folds to d


@pytest.mark.parametrize("query", ["", "99999", "Phường Vĩnh Hải", "Hà Nội"])
def test_unknown_units_are_not_found(units: tuple[AdministrativeUnit, ...], query: str) -> None:
    with pytest.raises(NotFoundError):
        find_unit(units, query)


def test_lineage_of_an_old_unit(units: tuple[AdministrativeUnit, ...]) -> None:
    # Old Phường Vĩnh Hải (Nha Trang) went whole into Phường Bắc Nha Trang.
    assert [unit.name for unit in successor_of(units, "22330")] == ["Phường Bắc Nha Trang"]
    # Old Phường Đông Hải (Phan Rang-Tháp Chàm) was split in two.
    split = successor_of(units, "22768")
    assert {unit.name for unit in split} == {"Phường Đông Hải", "Xã Phước Dinh"}
    for unit in split:
        (predecessor,) = [p for p in unit.merged_from if p.old_code == "22768"]
        assert predecessor.partial
        assert predecessor.old_province == "Tỉnh Ninh Thuận"


def test_every_predecessor_leads_back_to_its_unit(units: tuple[AdministrativeUnit, ...]) -> None:
    for unit in units:
        for predecessor in unit.merged_from:
            assert predecessor.old_code is not None
            assert unit in successor_of(units, predecessor.old_code)


def test_unknown_and_malformed_old_codes(units: tuple[AdministrativeUnit, ...]) -> None:
    assert successor_of(units, "00001") == []
    with pytest.raises(ValidationError):
        successor_of(units, "2233")


def test_bundled_resource_keeps_provenance() -> None:
    data = json.loads(resource_path("units", "khanhhoa.json").read_text(encoding="utf-8"))
    assert set(data["sources"]) >= {"S1", "S2", "S3", "S4"}
    assert all(unit["sources"] for unit in data["units"])
    assert data["province"]["unit_counts"]["total"] == 65


def _data() -> dict[str, object]:
    return {
        "province": {"code": "56"},
        "units": [
            {
                "name": "Xã Mẫu",
                "short_name": "Mẫu",
                "type": "xã",
                "code": "12345",
                "valid_from": "2026-01-01",
                "merged_from": [{"name": "Xã Cũ", "old_code": "12340", "partial": False}],
            }
        ],
    }


def test_units_from_json_reads_a_valid_from_of_its_own(tmp_path: Path) -> None:
    path = tmp_path / "units.json"
    path.write_text(json.dumps(_data()), encoding="utf-8")
    (unit,) = load_units(path)
    assert unit.valid_from == date(2026, 1, 1)
    assert unit.merged_from[0].old_district is None


@pytest.mark.parametrize(
    "change",
    [
        {"code": "1234"},
        {"type": "huyện"},
        {"name": ""},
        {"valid_from": "1/7/2025"},
        {"merged_from": "Xã Cũ"},
        {"merged_from": [{"name": "Xã Cũ", "partial": "yes"}]},
    ],
)
def test_malformed_units_are_refused(change: dict[str, object]) -> None:
    data = _data()
    units = data["units"]
    assert isinstance(units, list)
    units[0].update(change)
    with pytest.raises(ValidationError):
        units_from_json(data)


def test_duplicate_codes_and_unreadable_files_are_refused(tmp_path: Path) -> None:
    data = _data()
    units = data["units"]
    assert isinstance(units, list)
    units.append(units[0])
    with pytest.raises(ValidationError):
        units_from_json(data)
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(ValidationError):
        load_units(bad)
    with pytest.raises(ValidationError):
        load_units(tmp_path / "missing.json")
