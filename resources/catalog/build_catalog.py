"""Build resources/catalog/procedures.json from the researched procedure list.

    python resources/catalog/build_catalog.py RESEARCH.json [--output FILE]
        [--version V] [--published YYYY-MM-DD] [--default-working-days N]

RESEARCH.json is the list of procedure records of the domain research (keys code, name_vi,
field_vi, processing_days, fee_vnd, documents, ...). Every interpretation of the research
happens here, once, so the app's loader does no guessing:

- processing time -> an explicit `time_limit` (see `time_limit_of`), with
  `time_limit_assumed` true when the source gave no unit or no value and a stated default
  was applied, and `time_limit_note` saying why;
- documents -> `{name, conditional, copies, original_or_copy}`, the name text kept intact,
  the kind read from the name (`counter_app.domain.papers.kind_from_name`);
- fee -> `fee_vnd` (the national amount or null) and `fee_note`.

The provenance fields (sources, confidence, decision, notes) are copied unchanged, and the
transformed source fields are kept verbatim under `source_record`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

from counter_app.domain.calendar import LimitUnit
from counter_app.domain.papers import kind_from_name
from counter_app.domain.text import fold

SAME_DAY_CUTOFF = "15:00"
DEFAULT_WORKING_DAYS = 3

# Where the research lists a limit per channel in its note, `value` holds one channel. The
# counter receives direct dossiers, so the direct limit is the time limit and the online one
# goes to `online_time_limit` (the postal limit, where it differs, is left in the note).
CHANNEL_LIMITS: dict[str, tuple[dict[str, Any], dict[str, Any] | None, str]] = {
    "1.013978": (
        {"value": 27, "unit": "working_days"},
        {"value": 17, "unit": "working_days"},
        "Theo ghi chú nguồn: trực tiếp 27, trực tuyến 17, bưu chính 20 ngày làm việc.",
    ),
    "1.013967": (
        {"value": 60, "unit": "calendar_days"},
        {"value": 45, "unit": "calendar_days"},
        "Theo ghi chú nguồn: trực tiếp 60 ngày; trực tuyến, bưu chính 45 ngày.",
    ),
    "1.013225": (
        {"value": 15, "unit": "calendar_days"},
        {"value": 20, "unit": "calendar_days"},
        "Theo ghi chú nguồn: trực tiếp 15 ngày; trực tuyến, bưu chính 20 ngày.",
    ),
}

# Procedures the regulations name as same-day with the 15:00 cut-off although the research
# record does not flag it (cấp bản sao từ sổ gốc, Decree 23/2015; docs/rules.md §4.4).
SAME_DAY_CODES = {
    "2.000908": "Nghị định 23/2015/NĐ-CP: trả trong ngày, "
    "nhận sau 15 giờ trả ngày làm việc tiếp theo."
}

# Defaults for chứng thực records without any time (DVCQG "Không có thông tin").
# Certifying contracts, wills and inheritance documents: at most 2 working days (Decree
# 23/2015 Art. 37, recalled, not checked against the text); any other chứng thực: same day
# with the 15:00 cut-off (Art. 7; docs/rules.md §4.4). Both are marked assumed.
_TRANSACTION_WORDS = ("giao dich", "di chuc", "di san")
_TRANSACTION_BASIS = (
    "Mặc định: tối đa 02 ngày làm việc cho chứng thực hợp đồng, giao dịch, di chúc, văn bản "
    "về di sản (Nghị định 23/2015/NĐ-CP, Điều 37; chưa đối chiếu văn bản gốc)."
)
_CERTIFICATION_BASIS = (
    "Mặc định: chứng thực trả trong ngày, nhận sau 15 giờ trả ngày làm việc tiếp theo "
    "(Nghị định 23/2015/NĐ-CP)."
)

_UNITS = {"working_days": LimitUnit.WORKING_DAYS, "days": LimitUnit.CALENDAR_DAYS}

_CONDITIONAL_RE = re.compile(
    r"\((?:neu|truong hop|khi|tuy truong hop)\b|[–-] (?:neu|khi|chi khi|tuy truong hop)\b"
    r"|\bneu co\b|\bchi khi\b|\(tuy truong hop\)"
)
_COPIES_RE = re.compile(r"^0*([1-9][0-9]?) (?:bo|ban|anh)\b")


def _limit(value: float, unit: LimitUnit, cutoff: str | None = None) -> dict[str, Any]:
    number: float | int = int(value) if float(value).is_integer() else value
    return {"value": number, "unit": unit.value, "same_day_cutoff": cutoff}


def time_limit_of(record: dict[str, Any], default_working_days: int) -> dict[str, Any]:
    """The time-limit fields of the catalog entry for one research record."""
    code = record["code"]
    days = record.get("processing_days") or {}
    value, unit, same_day = days.get("value"), days.get("unit"), days.get("same_day")
    source_note = days.get("note") or ""
    explicit_unit = unit in _UNITS
    online = None
    if code in CHANNEL_LIMITS:
        direct, by_online, basis = CHANNEL_LIMITS[code]
        limit = _limit(direct["value"], LimitUnit(direct["unit"]))
        online = (
            None if by_online is None else _limit(by_online["value"], LimitUnit(by_online["unit"]))
        )
        assumed, note = False, basis
    elif same_day or code in SAME_DAY_CODES:
        limit = _limit(1, LimitUnit.WORKING_DAYS, SAME_DAY_CUTOFF)
        assumed = not explicit_unit
        note = SAME_DAY_CODES.get(
            code, "Trả trong ngày; nhận sau 15 giờ trả ngày làm việc tiếp theo."
        )
    elif value is not None:
        limit = _limit(value, _UNITS.get(str(unit), LimitUnit.WORKING_DAYS))
        assumed = not explicit_unit
        note = "" if explicit_unit else "Nguồn không ghi đơn vị; coi là ngày làm việc."
    elif "chung thuc" in fold(record["name_vi"]):
        name = fold(record["name_vi"])
        if name.startswith("chung thuc") and any(word in name for word in _TRANSACTION_WORDS):
            limit, note = _limit(2, LimitUnit.WORKING_DAYS), _TRANSACTION_BASIS
        else:
            limit, note = _limit(1, LimitUnit.WORKING_DAYS, SAME_DAY_CUTOFF), _CERTIFICATION_BASIS
        assumed = True
    else:
        limit = _limit(default_working_days, LimitUnit.WORKING_DAYS)
        assumed = True
        note = f"Nguồn không có thời hạn; mặc định {default_working_days} ngày làm việc."
    return {
        "time_limit": limit,
        "time_limit_assumed": assumed,
        "online_time_limit": online,
        "time_limit_note": " ".join(part for part in (note, source_note) if part),
    }


def document_of(name: str) -> dict[str, Any]:
    """One required document, read from its text as far as the text says."""
    folded = fold(name)
    copies = _COPIES_RE.match(folded)
    return {
        "name": name,
        "conditional": bool(_CONDITIONAL_RE.search(folded)),
        "copies": int(copies.group(1)) if copies else 1,
        # Original, copy, certified copy...: what the name says, else the kind of paper it
        # names (docs/rules.md §7.1); "" only where the name does not tell.
        "original_or_copy": kind_from_name(name),
    }


def fee_of(record: dict[str, Any]) -> dict[str, Any]:
    fee = record.get("fee_vnd") or {}
    per, note = fee.get("per"), fee.get("note")
    parts = [f"Đơn vị tính: {per}." if per else "", note or ""]
    return {"fee_vnd": fee.get("amount"), "fee_note": " ".join(part for part in parts if part)}


def procedure_of(record: dict[str, Any], default_working_days: int) -> dict[str, Any]:
    return {
        "code": record["code"],
        "name": record["name_vi"],
        "field": record["field_vi"],
        "level": record.get("level") or "",
        "agency": record.get("agency") or "",
        **time_limit_of(record, default_working_days),
        **fee_of(record),
        "documents": [document_of(name) for name in record.get("documents") or []],
        "online_level": record.get("online_level"),
        "essential_06": record.get("essential_06"),
        "result": record.get("result") or "",
        "decision": record.get("decision") or "",
        "submission_channels": record.get("submission_channels") or [],
        "confidence": record.get("confidence") or "",
        "sources": record.get("sources") or [],
        "notes": record.get("notes") or "",
        "source_record": {
            key: record.get(key) for key in ("processing_days", "fee_vnd", "documents", "decision")
        },
    }


def build(
    records: list[dict[str, Any]],
    *,
    version: str,
    published: str,
    source: dict[str, Any],
    default_working_days: int,
) -> dict[str, Any]:
    return {
        "catalog_version": version,
        "published": published,
        "source": source,
        "procedures": [procedure_of(record, default_working_days) for record in records],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("research", type=Path, help="the research procedures.json")
    parser.add_argument("--output", type=Path, default=Path(__file__).with_name("procedures.json"))
    parser.add_argument("--version", default="2026.11.29")
    parser.add_argument("--published", default="2026-11-29", help="date of the research")
    parser.add_argument("--default-working-days", type=int, default=DEFAULT_WORKING_DAYS)
    args = parser.parse_args(argv)
    raw = args.research.read_bytes()
    records = json.loads(raw)
    source = {
        "file": args.research.name,
        "sha256": hashlib.sha256(raw).hexdigest(),
        "researched": args.published,
        "notes": "Domain research: DVCQG crawl (snapshot 2026-07-20), "
        "Hải Phòng / xã Vĩnh Bảo master data (verified 2026-09-21), secondary sources; "
        "re-verify against dichvucong.gov.vn before release.",
        "default_working_days": args.default_working_days,
    }
    catalog = build(
        records,
        version=args.version,
        published=args.published,
        source=source,
        default_working_days=args.default_working_days,
    )
    text = json.dumps(catalog, ensure_ascii=False, indent=1) + "\n"
    temporary = args.output.with_suffix(".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(args.output)
    print(f"{len(records)} procedures -> {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
