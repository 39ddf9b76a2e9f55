"""Build resources/guidance/procedures.json from the research file online-guidance.json.

Usage: python resources/guidance/build_guidance.py PATH/TO/online-guidance.json

Keeps, per procedure, what the counter shows and its provenance (sources, confidence,
notes); unknown values stay null. Run again when the research file is updated; an
office's own corrections live in its data directory, not here.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path

KEPT = (
    "name_vi",
    "portal_id",
    "url",
    "submit_url",
    "online_available",
    "online_level",
    "vneid_level",
    "vneid_account_required",
    "channel_system",
    "confidence",
    "channel_confidence",
    "sources",
    "notes",
)


def _nfc(value: object) -> object:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_nfc(item) for item in value]
    if isinstance(value, dict):
        return {key: _nfc(item) for key, item in value.items()}
    return value


def build(source: dict[str, object]) -> dict[str, object]:
    portal = source["portal"]
    assert isinstance(portal, dict)
    procedures = source["procedures"]
    assert isinstance(procedures, dict)
    return _nfc(
        {
            "format": "counter-app-guidance",
            "version": 1,
            "generated_from": f"online-guidance.json of {source['generated']}",
            "as_of": portal.get("as_of"),
            "portal": {
                "base_url": portal["national_portal"]["base_url"],
                "search_by_code": portal["procedure_page"]["search_by_code_pattern"].replace(
                    "{code or words}", "{code}"
                ),
                "lookup_url": "https://dichvucong.gov.vn/tra-cuu-ho-so",
                "note": "Trang thủ tục được địa chỉ hóa bằng mã nội bộ (UUID); "
                "khi không có, dẫn tới trang tìm kiếm theo mã thủ tục.",
            },
            "steps_vi": source["steps_vi"],
            "steps_sources": source["steps_sources"],
            "procedures": {
                code: {key: entry.get(key) for key in KEPT}
                for code, entry in sorted(procedures.items())
            },
        }
    )  # type: ignore[return-value]


def main() -> None:
    source = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    target = Path(__file__).with_name("procedures.json")
    target.write_text(
        json.dumps(build(source), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
