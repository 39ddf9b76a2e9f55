"""What kind of paper a listed document is (the "Loại giấy tờ" of form 01's table), read
from its name when the catalog's source does not state it (docs/rules.md §7.1).

The catalog builder stores this reading in the catalog, and the forms read it again at
print time for a dossier received under an older catalog, so both follow one table.
"""

from __future__ import annotations

import re

from counter_app.domain.text import fold, nfc

ORIGINAL = "bản chính"
COPY = "bản sao"
CERTIFIED_COPY = "bản sao chứng thực"
ORIGINAL_OR_COPY = "bản chính hoặc bản sao"
SHOWN = "xuất trình"

# A leading count ("02 ảnh", "02 bộ bản vẽ") says how many, not what kind.
_COUNT = re.compile(r"^0*[1-9][0-9]? ")

# What the name says outright, checked first, in order (folded name starts).
_STATED: tuple[tuple[tuple[str, ...], str], ...] = (
    (("ban sao chung thuc", "ban sao co chung thuc"), CERTIFIED_COPY),
    (("ban chinh/ban sao",), ORIGINAL_OR_COPY),
    (("ban sao",), COPY),
    (("ban chinh", "ban goc"), ORIGINAL),
)

# Papers the office keeps as they are given: what the applicant fills in, signs or has
# drawn up for this request (forms, declarations, undertakings, agreements, authorisations,
# drawings, photographs, the paper to certify), and what another body issues for it (a
# birth or death notice, a confirmation, a health certificate, a record). An original.
_KEPT: tuple[str, ...] = (
    "to khai",
    "don ",
    "giay de nghi",
    "van ban de nghi",
    "de nghi ",
    "ban khai",
    "phieu ",
    "thong bao",
    "du thao",
    "bien ban",
    "noi dung khai bao",
    "van ban thong bao",
    "van ban uy quyen",
    "giay to uy quyen",
    "van ban dai dien",
    "van ban cam doan",
    "van ban thoa thuan",
    "van ban xac dinh",
    "van ban cu ",
    "y kien bang van ban",
    "van ban xac nhan",
    "van ban cua ",
    "chung cu ",
    "giay xac nhan",
    "giay xntthn",
    "giay chung sinh",
    "giay bao tu",
    "giay kham suc khoe",
    "quyet dinh tiep nhan",
    "giay to, van ban can chung thuc",
    "giao dich da duoc chung thuc",
    "ban dich",
    "anh ",
    "bo ban ve",
    "manh trich do",
)

# Papers the applicant keeps and proves something with (civil status extracts, land
# papers, contracts, proofs of residence or of a relationship): a copy, with the original
# shown for comparison or certified (Decree 23/2015/NĐ-CP on copies and certification).
_PROVED_WITH: tuple[str, ...] = (
    "giay to",
    "cac giay to",
    "giay xac nhan khuyet tat",
    "giay khai sinh",
    "chung tu",
    "trich luc",
    "hop dong",
    "ket qua thu tuc",
)

# The longest start that matches decides ("giay to uy quyen" before "giay to").
_BY_START: dict[str, str] = {
    **dict.fromkeys(_KEPT, ORIGINAL),
    **dict.fromkeys(_PROVED_WITH, COPY),
}


def kind_from_name(name: str) -> str:
    """The kind of paper `name` is (see the tables above), or "" when the name does not
    tell (the clerk writes it on the form)."""
    folded = _COUNT.sub("", fold(nfc(name)))
    for starts, kind in _STATED:
        if folded.startswith(starts):
            return kind
    if "xuat trinh" in folded:
        return SHOWN
    matches = [start for start in _BY_START if folded.startswith(start)]
    return _BY_START[max(matches, key=len)] if matches else ""
