"""Commune-level administrative units with their effective dates and lineage (docs/rules.md §15).

The bundled list is Khánh Hòa after the 1/7/2025 reorganisation (resources/units): each new
unit names the pre-reform units it was formed from, so an old address or an old unit code
can be resolved to the unit that took it over.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from counter_app.domain.text import fold
from counter_app.errors import NotFoundError, ValidationError
from counter_app.i18n import _
from counter_app.resources import read_json, resource_path

# Effective date of the 2025 reorganisation (Resolutions 202/2025/QH15 and 1667/NQ-UBTVQH15,
# Decision 19/2025/QĐ-TTg); a unit in the data may carry its own "valid_from" instead.
REORGANISATION_DATE = date(2025, 7, 1)

UNIT_TYPES = ("xã", "phường", "đặc khu")

_CODE_RE = re.compile(r"^[0-9]{5}$")


@dataclass(frozen=True)
class PredecessorUnit:
    """A pre-reform unit; `partial` when only part of it went into the new unit."""

    name: str
    old_code: str | None
    old_district: str | None
    old_province: str | None
    partial: bool


@dataclass(frozen=True)
class AdministrativeUnit:
    code: str
    name: str
    short_name: str
    type: str
    province_code: str
    electronic_id: str | None
    valid_from: date | None
    valid_to: date | None
    merged_from: tuple[PredecessorUnit, ...]
    aliases: tuple[str, ...]
    province_name: str = ""


def _bad(detail: str) -> ValidationError:
    return ValidationError(
        _("Danh mục đơn vị hành chính không hợp lệ: {detail}.").format(detail=detail)
    )


def _str(obj: Mapping[str, object], key: str, *, optional: bool = False) -> str | None:
    value = obj.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise _bad(key)
    return value


def _required(obj: Mapping[str, object], key: str) -> str:
    value = _str(obj, key)
    assert value is not None
    return value


def _date(obj: Mapping[str, object], key: str, default: date | None) -> date | None:
    value = _str(obj, key, optional=True)
    if value is None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _bad(key) from None


def _predecessor(obj: object) -> PredecessorUnit:
    if not isinstance(obj, dict):
        raise _bad("merged_from")
    partial = obj.get("partial", False)
    if not isinstance(partial, bool):
        raise _bad("partial")
    return PredecessorUnit(
        name=_required(obj, "name"),
        old_code=_str(obj, "old_code", optional=True),
        old_district=_str(obj, "old_district", optional=True),
        old_province=_str(obj, "old_province", optional=True),
        partial=partial,
    )


def _unit(obj: object, province_code: str, province_name: str = "") -> AdministrativeUnit:
    if not isinstance(obj, dict):
        raise _bad("units")
    code = _required(obj, "code")
    if not _CODE_RE.match(code):
        raise _bad(f"code {code}")
    unit_type = _required(obj, "type")
    if unit_type not in UNIT_TYPES:
        raise _bad(f"type {unit_type}")
    merged_from = obj.get("merged_from", [])
    aliases = obj.get("aliases") or []
    if not isinstance(merged_from, list) or not isinstance(aliases, list):
        raise _bad(f"merged_from/aliases {code}")
    if not all(isinstance(alias, str) for alias in aliases):
        raise _bad(f"aliases {code}")
    return AdministrativeUnit(
        code=code,
        name=_required(obj, "name"),
        short_name=_required(obj, "short_name"),
        type=unit_type,
        province_code=province_code,
        electronic_id=_str(obj, "electronic_agency_id", optional=True),
        valid_from=_date(obj, "valid_from", REORGANISATION_DATE),
        valid_to=_date(obj, "valid_to", None),
        merged_from=tuple(_predecessor(item) for item in merged_from),
        aliases=tuple(aliases),
        province_name=province_name,
    )


def units_from_json(data: object) -> tuple[AdministrativeUnit, ...]:
    """The units of a units file (schema "units-khanhhoa/1"), validated."""
    if not isinstance(data, dict):
        raise _bad("JSON")
    province = data.get("province")
    units = data.get("units")
    if not isinstance(province, dict) or not isinstance(units, list):
        raise _bad("province/units")
    province_code = _required(province, "code")
    province_name = str(province.get("name") or "")
    result = tuple(_unit(item, province_code, province_name) for item in units)
    codes = [unit.code for unit in result]
    if len(set(codes)) != len(codes):
        raise _bad("code")
    return result


def load_units(path: Path | None = None) -> tuple[AdministrativeUnit, ...]:
    """The bundled units (or those of the file at `path`)."""
    source = path if path is not None else resource_path("units", "khanhhoa.json")
    data = read_json(source, _bad)
    return units_from_json(data)


def _names(unit: AdministrativeUnit) -> set[str]:
    return {fold(name) for name in (unit.name, unit.short_name, *unit.aliases)}


def find_unit(units: Iterable[AdministrativeUnit], code_or_name: str) -> AdministrativeUnit:
    """The unit with this 5-digit code, name, short name or alias (diacritics-insensitive)."""
    wanted = fold(code_or_name)
    if _CODE_RE.match(wanted):
        matches = [unit for unit in units if unit.code == wanted]
    else:
        matches = [unit for unit in units if wanted and wanted in _names(unit)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ValidationError(
            _("Tên đơn vị hành chính “{name}” trùng với nhiều đơn vị; hãy dùng mã.").format(
                name=code_or_name.strip()
            )
        )
    raise NotFoundError(
        _("Không tìm thấy đơn vị hành chính “{name}”.").format(name=code_or_name.strip())
    )


def successor_of(units: Iterable[AdministrativeUnit], old_code: str) -> list[AdministrativeUnit]:
    """The new unit(s) a pre-reform unit went into: several when it was split; [] if unknown."""
    code = old_code.strip()
    if not _CODE_RE.match(code):
        raise ValidationError(
            _("Mã đơn vị hành chính phải gồm 5 chữ số: {code}.").format(code=code[:20])
        )
    return [
        unit
        for unit in units
        if any(predecessor.old_code == code for predecessor in unit.merged_from)
    ]


def search_units(units: Iterable[AdministrativeUnit], text: str) -> list[AdministrativeUnit]:
    """The units whose code, name, short name or an alias holds every word of `text`,
    accents and case aside ("bac nha" finds "Phường Bắc Nha Trang"); all of them when
    `text` is empty. Those whose name starts with the words come first."""
    words = fold(text).split()
    found: list[tuple[int, AdministrativeUnit]] = []
    for unit in units:
        names = _names(unit)
        haystack = " ".join(sorted(names)) + " " + unit.code
        if all(word in haystack for word in words):
            wanted = " ".join(words)
            starts = any(name.startswith(wanted) for name in names)
            found.append((0 if starts else 1, unit))
    return [unit for _rank, unit in sorted(found, key=lambda item: item[0])]
