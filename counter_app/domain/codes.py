"""Dossier codes: `<unit e-ID>-<yyMMdd>-<NNNN>` (docs/rules.md §2).

The unit e-ID is an opaque configured string. The sequence resets every day. When several
counters of one office work offline, each counter is given its own block of the daily
sequence (`SequenceBlock`), so codes stay unique without a shared database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from counter_app.errors import ValidationError
from counter_app.i18n import _

MAX_SEQUENCE = 9999

_CODE_RE = re.compile(r"^(?P<unit>[A-Za-z0-9.]+)-(?P<day>\d{6})-(?P<seq>\d{4})$")


@dataclass(frozen=True)
class DossierCode:
    unit_id: str
    day: date
    sequence: int

    def __str__(self) -> str:
        return format_code(self.unit_id, self.day, self.sequence)


@dataclass(frozen=True)
class SequenceBlock:
    """The part of each day's sequence a counter may use: first..last inclusive."""

    first: int = 1
    last: int = MAX_SEQUENCE

    def __post_init__(self) -> None:
        if not 1 <= self.first <= self.last <= MAX_SEQUENCE:
            raise ValidationError(
                _("Khối số thứ tự không hợp lệ: {first}-{last}.").format(
                    first=self.first, last=self.last
                )
            )


def format_code(unit_id: str, day: date, sequence: int) -> str:
    if not unit_id or not re.fullmatch(r"[A-Za-z0-9.]+", unit_id):
        raise ValidationError(_("Mã định danh đơn vị không hợp lệ: {value}.").format(value=unit_id))
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValidationError(
            _("Số thứ tự hồ sơ trong ngày vượt giới hạn {limit}.").format(limit=MAX_SEQUENCE)
        )
    return f"{unit_id}-{day:%y%m%d}-{sequence:04d}"


def parse_code(text: str) -> DossierCode:
    match = _CODE_RE.match(text.strip())
    if match is None:
        raise ValidationError(_("Mã hồ sơ không đúng dạng: {value}.").format(value=text))
    raw_day = match["day"]
    try:
        day = date(2000 + int(raw_day[:2]), int(raw_day[2:4]), int(raw_day[4:]))
    except ValueError as exc:
        raise ValidationError(
            _("Mã hồ sơ có ngày không hợp lệ: {value}.").format(value=text)
        ) from exc
    return DossierCode(match["unit"], day, int(match["seq"]))
