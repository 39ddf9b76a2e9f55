"""The catalog of procedures (thủ tục hành chính) the counter receives, keyed by MaTTHC.

The bundled catalog (resources/catalog/procedures.json) is built by
resources/catalog/build_catalog.py, which decides every time limit once; this loader only
validates and reads explicit values. Provenance (sources, confidence, publishing decision,
notes) travels with each procedure so the clerk can see how sure a fact is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, time
from pathlib import Path

from counter_app.domain.calendar import LimitUnit, TimeLimit
from counter_app.domain.fees import MAX_FEE_VND
from counter_app.domain.text import TextField, fold, search_tokens
from counter_app.errors import NotFoundError, ValidationError
from counter_app.i18n import N_, _
from counter_app.resources import read_json, resource_path

ONLINE_LEVELS = ("full", "partial", "none")

_CODE_RE = re.compile(r"^[0-9]\.[0-9]{6}$")

# The text fields of a catalog and their limits: within the columns a dossier copies them
# into (the field 200 characters, a checklist line's kind 40, the version 40).
CATALOG_FIELDS: Mapping[str, TextField] = {
    "catalog_version": TextField(N_("phiên bản danh mục"), 40),
    "published": TextField(N_("ngày công bố"), 32),
    "code": TextField(N_("mã thủ tục"), 20),
    "name": TextField(N_("tên"), 1000),
    "field": TextField(N_("lĩnh vực"), 200),
    "level": TextField(N_("cấp thực hiện"), 200),
    "agency": TextField(N_("cơ quan thực hiện"), 300),
    "original_or_copy": TextField(N_("loại bản (chính, sao)"), 40),
    "decision": TextField(N_("quyết định công bố"), 200),
    "confidence": TextField(N_("độ tin cậy"), 40),
    "submission_channels": TextField(N_("kênh nộp hồ sơ"), 100),
    "sources": TextField(N_("nguồn"), 2000),
    "fee_note": TextField(N_("ghi chú về phí"), 2000, multiline=True),
    "result": TextField(N_("kết quả"), 2000, multiline=True),
    "time_limit_note": TextField(N_("ghi chú về thời hạn"), 2000, multiline=True),
    "notes": TextField(N_("ghi chú"), 4000, multiline=True),
    "field_code": TextField(N_("mã lĩnh vực"), 40),
    "result_codes": TextField(N_("mã giấy tờ kết quả"), 60),
    "document_code": TextField(N_("mã thành phần hồ sơ"), 60),
}
_OTHER_TEXT = TextField(N_("nội dung"), 200)
"""Short codes read elsewhere: the unit of a time limit, the online level, a cut-off hour."""
MAX_TIME_LIMIT = 3650
"""The longest time limit taken, in its unit: ten years of days is no procedure's."""
MAX_COPIES = 100


@dataclass(frozen=True)
class RequiredDocument:
    """A component of the dossier; `conditional` for the "(nếu ...)" items."""

    name: str
    conditional: bool = False
    copies: int = 1
    original_or_copy: str = ""
    code: str = ""
    """The national code of the component (`MaThanhPhanHoSo`); empty while unknown."""


@dataclass(frozen=True)
class Procedure:
    """One procedure. `online_time_limit` None means the same limit as `time_limit`.

    `time_limit_assumed` is true when the source had no unit or no value and the catalog
    applies a stated default; `time_limit_note` says which, and what the source said.
    """

    code: str
    name: str
    field: str
    level: str
    agency: str
    time_limit: TimeLimit
    time_limit_assumed: bool
    online_time_limit: TimeLimit | None
    fee_vnd: int | None
    fee_note: str
    documents: tuple[RequiredDocument, ...]
    online_level: str | None
    essential_06: bool | None
    result: str
    decision: str
    submission_channels: tuple[str, ...]
    confidence: str
    sources: tuple[str, ...]
    notes: str
    time_limit_note: str = ""
    field_code: str = ""
    """The national field code (`MaLinhVuc`, e.g. G15-TP07); empty while unknown."""
    result_codes: tuple[str, ...] = ()
    """The national codes of the results (`MaGiayToKetQua`), the main result first."""


@dataclass(frozen=True)
class Catalog:
    version: str
    published: date
    procedures: tuple[Procedure, ...]
    _by_code: Mapping[str, Procedure] = field(init=False, repr=False, compare=False)
    _haystacks: tuple[tuple[tuple[str, ...], frozenset[str]], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        by_code = {procedure.code: procedure for procedure in self.procedures}
        if len(by_code) != len(self.procedures):
            raise _bad(_("mã thủ tục bị trùng"))
        object.__setattr__(self, "_by_code", by_code)
        haystacks = tuple(
            (
                tuple(search_tokens(procedure.name)),
                frozenset(search_tokens(f"{procedure.code} {procedure.name} {procedure.field}")),
            )
            for procedure in self.procedures
        )
        object.__setattr__(self, "_haystacks", haystacks)

    def get(self, code: str) -> Procedure:
        try:
            return self._by_code[code.strip()]
        except KeyError:
            raise NotFoundError(
                _("Không có thủ tục mã {code} trong danh mục thủ tục.").format(code=code.strip())
            ) from None

    def search(self, text: str) -> list[Procedure]:
        """Procedures whose code, name or field match every word of `text`, best first.

        Diacritics and case are ignored; a word matches the start of a word ("chung thuc",
        "khai sinh", "2.0009"). Matches in the name come before matches only in the field,
        and a name holding the words as one phrase, early and short, comes first.
        """
        query = fold(text)
        tokens = search_tokens(text)
        if not tokens:
            return []
        phrase = " ".join(tokens)
        ranked: list[tuple[tuple[int, int, int, int], Procedure]] = []
        for procedure, (name_words, words) in zip(self.procedures, self._haystacks, strict=True):
            code_match = procedure.code.startswith(query)
            if not code_match and not all(
                any(word.startswith(token) for word in words) for token in tokens
            ):
                continue
            name = " ".join(name_words)
            in_name = all(any(word.startswith(t) for word in name_words) for t in tokens)
            position = f" {name} ".find(f" {phrase}")
            rank = (
                0 if code_match else 1,
                0 if position >= 0 else 1 if in_name else 2,
                position if position >= 0 else len(name),
                len(name),
            )
            ranked.append((rank, procedure))
        ranked.sort(key=lambda item: item[0])
        return [procedure for _rank, procedure in ranked]


def _bad(detail: str) -> ValidationError:
    return ValidationError(_("Danh mục thủ tục không hợp lệ: {detail}.").format(detail=detail))


class _Reader:
    """Typed access to one JSON object; every failure names the object and the key."""

    def __init__(self, obj: object, where: str) -> None:
        if not isinstance(obj, dict):
            raise _bad(where)
        self.obj: dict[str, object] = obj
        self.where = where

    def fail(self, key: str) -> ValidationError:
        return _bad(f"{self.where}, {key}")

    def checked(self, key: str, value: str) -> str:
        """`value` through the text rule with the limit of `key`; the message names both."""
        try:
            return CATALOG_FIELDS.get(key, _OTHER_TEXT).clean(value)
        except ValidationError as error:
            raise _bad(f"{self.where}, {key}: {error.message.rstrip('.')}") from None

    def text(self, key: str, *, default: str | None = None) -> str:
        value = self.obj.get(key, default)
        if value is None and default is not None:
            value = default
        if not isinstance(value, str):
            raise self.fail(key)
        return self.checked(key, value)

    def optional_text(self, key: str) -> str | None:
        value = self.obj.get(key)
        if value is not None and not isinstance(value, str):
            raise self.fail(key)
        return None if value is None else self.checked(key, value)

    def flag(self, key: str, *, default: bool | None = None) -> bool:
        value = self.obj.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key)
        return value

    def optional_flag(self, key: str) -> bool | None:
        value = self.obj.get(key)
        if value is not None and not isinstance(value, bool):
            raise self.fail(key)
        return value

    def optional_int(self, key: str, *, high: int) -> int | None:
        value = self.obj.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
            raise self.fail(key)
        return value

    def items(self, key: str) -> Sequence[object]:
        value = self.obj.get(key, [])
        if not isinstance(value, list):
            raise self.fail(key)
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        items = self.items(key)
        if not all(isinstance(item, str) for item in items):
            raise self.fail(key)
        return tuple(self.checked(key, str(item)) for item in items)


def _time_limit(obj: object, where: str) -> TimeLimit:
    reader = _Reader(obj, where)
    value = reader.obj.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _bad(f"{where}, value")
    if not 0 <= value <= MAX_TIME_LIMIT:
        raise _bad(f"{where}, value")
    cutoff_text = reader.optional_text("same_day_cutoff")
    try:
        unit = LimitUnit(reader.text("unit"))
        cutoff = time.fromisoformat(cutoff_text) if cutoff_text is not None else None
        return TimeLimit(float(value), unit, same_day_cutoff=cutoff)
    except ValueError:
        raise _bad(where) from None


def _time_limit_json(limit: TimeLimit) -> dict[str, object]:
    value: float | int = int(limit.value) if limit.value.is_integer() else limit.value
    cutoff = limit.same_day_cutoff.strftime("%H:%M") if limit.same_day_cutoff else None
    return {"value": value, "unit": limit.unit.value, "same_day_cutoff": cutoff}


def _document(obj: object, where: str) -> RequiredDocument:
    reader = _Reader(obj, where)
    copies = reader.optional_int("copies", high=MAX_COPIES)
    document = RequiredDocument(
        name=reader.text("name"),
        conditional=reader.flag("conditional", default=False),
        copies=1 if copies is None else copies,
        original_or_copy=reader.text("original_or_copy", default=""),
        code=reader.checked("document_code", _optional_str(reader, "code")),
    )
    if not document.name or document.copies < 1:
        raise _bad(where)
    return document


def _optional_str(reader: _Reader, key: str) -> str:
    value = reader.obj.get(key, "")
    if not isinstance(value, str):
        raise reader.fail(key)
    return value


def _procedure(obj: object, index: int) -> Procedure:
    reader = _Reader(obj, _("thủ tục thứ {number}").format(number=index + 1))
    code = reader.text("code")
    if not _CODE_RE.match(code):
        raise _bad(_("mã thủ tục {code}").format(code=code[:20]))
    reader.where = _("thủ tục {code}").format(code=code)
    online_level = reader.optional_text("online_level")
    if online_level is not None and online_level not in ONLINE_LEVELS:
        raise reader.fail("online_level")
    online_limit = reader.obj.get("online_time_limit")
    procedure = Procedure(
        code=code,
        name=reader.text("name"),
        field=reader.text("field"),
        level=reader.text("level", default=""),
        agency=reader.text("agency", default=""),
        time_limit=_time_limit(reader.obj.get("time_limit"), f"{reader.where}, time_limit"),
        time_limit_assumed=reader.flag("time_limit_assumed"),
        online_time_limit=(
            None
            if online_limit is None
            else _time_limit(online_limit, f"{reader.where}, online_time_limit")
        ),
        fee_vnd=reader.optional_int("fee_vnd", high=MAX_FEE_VND),
        fee_note=reader.text("fee_note", default=""),
        documents=tuple(
            _document(item, f"{reader.where}, documents") for item in reader.items("documents")
        ),
        online_level=online_level,
        essential_06=reader.optional_flag("essential_06"),
        result=reader.text("result", default=""),
        decision=reader.text("decision", default=""),
        submission_channels=reader.texts("submission_channels"),
        confidence=reader.text("confidence", default=""),
        sources=reader.texts("sources"),
        notes=reader.text("notes", default=""),
        time_limit_note=reader.text("time_limit_note", default=""),
        field_code=reader.text("field_code", default=""),
        result_codes=reader.texts("result_codes"),
    )
    if not procedure.name:
        raise reader.fail("name")
    return procedure


def catalog_from_json(data: object) -> Catalog:
    """A catalog from its JSON form (the envelope of resources/catalog), validated."""
    reader = _Reader(data, "JSON")
    try:
        published = date.fromisoformat(reader.text("published"))
    except ValueError:
        raise _bad("published") from None
    procedures = tuple(
        _procedure(item, index) for index, item in enumerate(reader.items("procedures"))
    )
    if not procedures:
        raise _bad("procedures")
    version = reader.text("catalog_version")
    if not version:
        raise _bad("catalog_version")
    return Catalog(version=version, published=published, procedures=procedures)


def catalog_to_json(catalog: Catalog) -> dict[str, object]:
    """The JSON form of `catalog`, readable by `catalog_from_json`."""
    return {
        "catalog_version": catalog.version,
        "published": catalog.published.isoformat(),
        "procedures": [
            {
                "code": procedure.code,
                "name": procedure.name,
                "field": procedure.field,
                "level": procedure.level,
                "agency": procedure.agency,
                "time_limit": _time_limit_json(procedure.time_limit),
                "time_limit_assumed": procedure.time_limit_assumed,
                "time_limit_note": procedure.time_limit_note,
                "online_time_limit": (
                    _time_limit_json(procedure.online_time_limit)
                    if procedure.online_time_limit is not None
                    else None
                ),
                "fee_vnd": procedure.fee_vnd,
                "fee_note": procedure.fee_note,
                "documents": [
                    {
                        "name": document.name,
                        "conditional": document.conditional,
                        "copies": document.copies,
                        "original_or_copy": document.original_or_copy,
                        "code": document.code,
                    }
                    for document in procedure.documents
                ],
                "online_level": procedure.online_level,
                "essential_06": procedure.essential_06,
                "result": procedure.result,
                "decision": procedure.decision,
                "submission_channels": list(procedure.submission_channels),
                "confidence": procedure.confidence,
                "sources": list(procedure.sources),
                "notes": procedure.notes,
                "field_code": procedure.field_code,
                "result_codes": list(procedure.result_codes),
            }
            for procedure in catalog.procedures
        ],
    }


def load_catalog(path: Path | None = None) -> Catalog:
    """The bundled catalog with the bundled national codes (or the catalog in the file at
    `path`, as it is)."""
    if path is not None:
        return catalog_from_json(read_json(path, _bad))
    catalog = catalog_from_json(read_json(resource_path("catalog", "procedures.json"), _bad))
    return with_codes(catalog, read_json(resource_path("catalog", CODES_FILE), _bad))


# --- national codes ---------------------------------------------------------------------
# The field, component and result codes the national portal publishes for each procedure
# (resources/catalog/procedure-codes.json; docs/sync-protocol.md, "Where each value comes
# from"). The catalog's checklist lines are our own wording of the components, so each line
# takes the code of the published component that shares most of its words.

CODES_FILE = "procedure-codes.json"
MATCH_SHARE = 0.5
"""A checklist line takes a component's code when at least this share of its words are in
the component's published name."""
_MATCH_IGNORED = frozenset(
    [
        "va",
        "cua",
        "cho",
        "cac",
        "trong",
        "truong",
        "hop",
        "theo",
        "quy",
        "dinh",
        "co",
        "khong",
        "thi",
        "neu",
        "la",
        "mot",
        "nhung",
        "duoc",
        "hoac",
        "do",
        "voi",
        "ve",
        "tai",
        "nguoi",
        "khi",
        "phai",
        "ban",
        "giay",
        "to",
        "so",
    ]
)


def is_codes_document(data: object) -> bool:
    """Is `data` a list of national codes (rather than a catalog)?"""
    return isinstance(data, dict) and "fields" in data and "catalog_version" not in data


def _ascii(text: str) -> str:
    """Lower case without marks, đ as d: a quick fold for comparing words."""
    plain = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return plain.encode("ascii", "ignore").decode()


def _words(text: str) -> frozenset[str]:
    return frozenset(
        word
        for word in re.findall(r"[a-z0-9]+", _ascii(text))
        if len(word) > 1 and word not in _MATCH_IGNORED
    )


def _component_code(name: str, components: Sequence[tuple[str, frozenset[str]]]) -> str:
    words = _words(name)
    if not words:
        return ""
    best_share, best_code = 0.0, ""
    for code, published in components:
        share = len(words & published) / len(words)
        if share > best_share:
            best_share, best_code = share, code
    return best_code if best_share >= MATCH_SHARE else ""


def _code_text(reader: _Reader, key: str, limit_key: str) -> str:
    value = reader.obj.get(key)
    return reader.checked(limit_key, value) if isinstance(value, str) else ""


def with_codes(catalog: Catalog, data: object, version: str | None = None) -> Catalog:
    """`catalog` with the national codes of `data` (the layout of procedure-codes.json);
    a procedure it does not list keeps its codes. `version` names the result (default:
    the catalog's own)."""
    reader = _Reader(data, "JSON")
    by_code: dict[str, _Reader] = {}
    for index, item in enumerate(reader.items("procedures")):
        listed = _Reader(item, _("thủ tục thứ {number}").format(number=index + 1))
        by_code[_code_text(listed, "code", "code")] = listed
    procedures = []
    for procedure in catalog.procedures:
        entry = by_code.get(procedure.code)
        if entry is None or not entry.obj.get("field_code"):
            procedures.append(procedure)
            continue
        components: list[tuple[str, frozenset[str]]] = []
        for item in entry.items("documents"):
            component = _Reader(item, entry.where)
            name = component.obj.get("name")
            code = _code_text(component, "code", "document_code")
            components.append((code, _words(name if isinstance(name, str) else "")))
        results = tuple(
            _code_text(_Reader(item, entry.where), "code", "result_codes")
            for item in entry.items("results")
        )
        documents = tuple(
            replace(document, code=document.code or _component_code(document.name, components))
            for document in procedure.documents
        )
        procedures.append(
            replace(
                procedure,
                field_code=_code_text(entry, "field_code", "field_code"),
                result_codes=tuple(code for code in results if code),
                documents=documents,
            )
        )
    return Catalog(
        version=catalog.version if version is None else version,
        published=catalog.published,
        procedures=tuple(procedures),
    )


@dataclass(frozen=True)
class MissingCodes:
    """What the catalog does not know of one procedure's national codes."""

    code: str
    name: str
    field_code: bool
    result_code: bool
    documents: tuple[str, ...]
    """Checklist lines without a component code."""


def missing_codes(catalog: Catalog) -> list[MissingCodes]:
    """The procedures whose field code, result code or some component code is unknown."""
    missing = []
    for procedure in catalog.procedures:
        documents = tuple(d.name for d in procedure.documents if not d.code)
        if procedure.field_code and procedure.result_codes and not documents:
            continue
        missing.append(
            MissingCodes(
                procedure.code,
                procedure.name,
                not procedure.field_code,
                not procedure.result_codes,
                documents,
            )
        )
    return missing
