"""Online-filing guidance: per-procedure facts, dated fee incentives, the online-only list.

The shipped facts (resources/guidance) come from research with their sources and
confidence; unknown values stay None. An admin corrects any of them in the data
directory (`guidance.json`), and every correction records its source, who made it and
when, so the clerk can always see where a statement comes from.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from counter_app.domain.catalog import ONLINE_LEVELS, Procedure
from counter_app.domain.fees import MAX_FEE_VND
from counter_app.domain.lifecycle import Role
from counter_app.domain.periods import check_year
from counter_app.domain.text import GUIDANCE_KEY, GUIDANCE_SOURCE, GUIDANCE_TEXT, nfc
from counter_app.errors import ConfigError, ValidationError
from counter_app.files import write_atomically
from counter_app.i18n import _
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import Actor
from counter_app.resources import read_json, resource_path

GUIDANCE_FILE = "guidance.json"
"""The office's corrections, in its data directory."""

RULE_KINDS = ("fixed", "percent", "exempt", "notice")
"""fixed: the online fee is `amount_vnd`; percent: `percent` off; exempt: free;
notice: a rule whose procedures or amounts are not known yet (shown, never computed)."""
RULE_CHANNELS = ("online", "paper")
EDITABLE_FIELDS = (
    "url",
    "submit_url",
    "online_available",
    "online_level",
    "vneid_level",
    "vneid_account_required",
    "steps",
)


@dataclass(frozen=True)
class Correction:
    """Where an office's correction comes from."""

    source: str
    by: str
    at: str


@dataclass(frozen=True)
class ProcedureGuidance:
    code: str
    name: str
    url: str | None
    submit_url: str | None
    search_url: str
    online_available: bool | None
    """True: an online channel exists; False: none is listed; None: unknown."""
    online_level: str | None
    vneid_level: int | None
    vneid_account_required: bool | None
    channel_system: str | None
    steps: tuple[str, ...]
    confidence: str | None
    sources: tuple[str, ...]
    notes: tuple[str, ...]
    corrections: Mapping[str, Correction] = field(default_factory=dict)

    @property
    def portal_page(self) -> str:
        """The procedure's page on the national portal, else the search by its code."""
        return self.url or self.search_url

    @property
    def can_file_online(self) -> bool:
        return self.online_available is True


@dataclass(frozen=True)
class IncentiveRule:
    id: str
    title: str
    procedures: tuple[str, ...] | None
    """None: not known which procedures it covers (a notice)."""
    channels: tuple[str, ...]
    kind: str
    amount_vnd: int | None
    percent: int | None
    valid_from: date | None
    valid_to: date | None
    condition: str | None
    source: str
    confidence: str | None = None
    correction: Correction | None = None

    def in_force(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )

    def covers(self, code: str) -> bool:
        return self.procedures is None or code in self.procedures

    def fee(self, base: int | None) -> int | None:
        """The fee under this rule, from the ordinary fee `base` (None when not computable)."""
        if self.kind == "exempt":
            return 0
        if self.kind == "fixed":
            return self.amount_vnd
        if self.kind == "percent" and base is not None and self.percent is not None:
            return base * (100 - self.percent) // 100
        return None


@dataclass(frozen=True)
class OnlineOnlyEntry:
    """A procedure the office takes online only (paper needs a leader's override)."""

    code: str
    valid_from: date | None
    valid_to: date | None
    source: str
    correction: Correction | None = None

    def in_force(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


@dataclass(frozen=True)
class Target:
    level: str
    share: float
    source: str
    confirmed: bool = True
    """False for a shipped default not yet checked against the office's own plan."""


@dataclass(frozen=True)
class FeeComparison:
    """The fee at the counter and online on one day, and what filing online saves."""

    counter_vnd: int | None
    online_vnd: int | None
    rules: tuple[IncentiveRule, ...]
    """Rules that set the online fee that day."""
    notices: tuple[IncentiveRule, ...]
    """Rules in force that may apply but cannot be computed (shown as text)."""

    @property
    def saving_vnd(self) -> int | None:
        if self.counter_vnd is None or self.online_vnd is None:
            return None
        return max(self.counter_vnd - self.online_vnd, 0)


@dataclass(frozen=True)
class GuidanceBook:
    procedures: Mapping[str, ProcedureGuidance]
    steps: tuple[str, ...]
    search_pattern: str
    lookup_url: str
    as_of: str
    incentives: tuple[IncentiveRule, ...]
    online_only: Mapping[str, OnlineOnlyEntry]
    targets: Mapping[str, Target]
    office_level: str

    def get(self, procedure: Procedure) -> ProcedureGuidance:
        """The guidance of a catalog procedure; one the research did not cover is all unknown."""
        found = self.procedures.get(procedure.code)
        if found is not None:
            return found
        return ProcedureGuidance(
            code=procedure.code,
            name=procedure.name,
            url=None,
            submit_url=None,
            search_url=self.search_pattern.replace("{code}", procedure.code),
            online_available=None,
            online_level=procedure.online_level,
            vneid_level=None,
            vneid_account_required=None,
            channel_system=None,
            steps=self.steps,
            confidence=None,
            sources=(),
            notes=(),
        )

    def online_only_entry(self, code: str, day: date) -> OnlineOnlyEntry | None:
        entry = self.online_only.get(code)
        return entry if entry is not None and entry.in_force(day) else None

    def fees(self, procedure: Procedure, day: date) -> FeeComparison:
        """Counter and online fee of `procedure` on `day`; the citizen gets the lowest rule."""
        in_force = [r for r in self.incentives if r.in_force(day) and r.covers(procedure.code)]

        def fee_by(channel: str) -> tuple[int | None, tuple[IncentiveRule, ...]]:
            rules = [r for r in in_force if channel in r.channels and r.kind != "notice"]
            priced = [(fee, r) for r in rules if (fee := r.fee(procedure.fee_vnd)) is not None]
            if not priced:
                return procedure.fee_vnd, ()
            lowest = min(fee for fee, _rule in priced)
            return lowest, tuple(r for fee, r in priced if fee == lowest)

        counter, _counter_rules = fee_by("paper")
        online, rules = fee_by("online")
        notices = tuple(r for r in in_force if r.kind == "notice" and "online" in r.channels)
        return FeeComparison(counter, online, rules, notices)


# --- reading ----------------------------------------------------------------------------


def _bad(where: str) -> ConfigError:
    return ConfigError(_("Dữ liệu hướng dẫn trực tuyến không hợp lệ: {where}.").format(where=where))


def _date(value: object, where: str) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _bad(where)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _bad(where) from None


def _opt(obj: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) is not (kind is bool) or not isinstance(value, kind):
        raise _bad(f"{where}, {key}")
    return value


def _texts(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _bad(where)
    return tuple(nfc(item) for item in value)


def _correction(raw: Mapping[str, Any]) -> Correction | None:
    if "by" not in raw:
        return None
    return Correction(str(raw.get("source", "")), str(raw["by"]), str(raw.get("at", "")))


def _procedure(
    code: str, raw: Mapping[str, Any], fixes: Mapping[str, Any], book: dict[str, Any]
) -> ProcedureGuidance:
    where = f"procedures.{code}"
    values = dict(raw)
    corrections: dict[str, Correction] = {}
    for key, fix in fixes.items():
        if key not in EDITABLE_FIELDS or not isinstance(fix, dict):
            raise _bad(f"{GUIDANCE_FILE}: {where}.{key}")
        values[key] = fix.get("value")
        corrections[key] = Correction(
            str(fix.get("source", "")), str(fix.get("by", "")), str(fix.get("at", ""))
        )
    level = _opt(values, "online_level", str, where)
    if level is not None and level not in ONLINE_LEVELS:
        raise _bad(f"{where}, online_level")
    vneid = _opt(values, "vneid_level", int, where)
    if vneid is not None and vneid not in (1, 2):
        raise _bad(f"{where}, vneid_level")
    steps = _texts(values.get("steps"), f"{where}, steps") or book["steps"]
    return ProcedureGuidance(
        code=code,
        name=nfc(str(values.get("name_vi") or "")),
        url=_opt(values, "url", str, where),
        submit_url=_opt(values, "submit_url", str, where),
        search_url=book["search_pattern"].replace("{code}", code),
        online_available=_opt(values, "online_available", bool, where),
        online_level=level,
        vneid_level=vneid,
        vneid_account_required=_opt(values, "vneid_account_required", bool, where),
        channel_system=_opt(values, "channel_system", str, where),
        steps=steps,
        confidence=_opt(values, "confidence", str, where),
        sources=_texts(values.get("sources"), f"{where}, sources"),
        notes=_texts(values.get("notes"), f"{where}, notes"),
        corrections=corrections,
    )


def _rule(rule_id: str, raw: Mapping[str, Any]) -> IncentiveRule:
    where = f"incentives.{rule_id}"
    kind = raw.get("kind")
    channels = _texts(raw.get("channels", ["online"]), f"{where}, channels")
    if kind not in RULE_KINDS or not channels or not set(channels) <= set(RULE_CHANNELS):
        raise _bad(where)
    procedures = raw.get("procedures")
    amount = _opt(raw, "amount_vnd", int, where)
    percent = _opt(raw, "percent", int, where)
    if (kind == "fixed" and (amount is None or amount < 0)) or (
        kind == "percent" and (percent is None or not 0 < percent <= 100)
    ):
        raise _bad(where)
    valid_from = _date(raw.get("valid_from"), f"{where}, valid_from")
    valid_to = _date(raw.get("valid_to"), f"{where}, valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        raise _bad(f"{where}, valid_to")
    return IncentiveRule(
        id=rule_id,
        title=nfc(str(raw.get("title") or rule_id)),
        procedures=None if procedures is None else _texts(procedures, f"{where}, procedures"),
        channels=channels,
        kind=str(kind),
        amount_vnd=amount,
        percent=percent,
        valid_from=valid_from,
        valid_to=valid_to,
        condition=_opt(raw, "condition", str, where),
        source=nfc(str(raw.get("source") or "")),
        confidence=_opt(raw, "confidence", str, where),
        correction=_correction(raw),
    )


def _online_only(code: str, raw: Mapping[str, Any]) -> OnlineOnlyEntry:
    where = f"online_only.{code}"
    valid_from = _date(raw.get("valid_from"), f"{where}, valid_from")
    valid_to = _date(raw.get("valid_to"), f"{where}, valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        raise _bad(f"{where}, valid_to")
    return OnlineOnlyEntry(
        code=code,
        valid_from=valid_from,
        valid_to=valid_to,
        source=nfc(str(raw.get("source") or "")),
        correction=_correction(raw),
    )


def _section(document: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = document.get(key, {})
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise _bad(f"{GUIDANCE_FILE}: {key}")
    return value


def read_corrections(data_dir: Path) -> dict[str, Any]:
    """The office's corrections file (empty when there is none)."""
    path = data_dir / GUIDANCE_FILE
    if not path.exists():
        return {}
    document = read_json(path, lambda reason: _bad(f"{GUIDANCE_FILE} ({reason})"))
    if not isinstance(document, dict):
        raise _bad(GUIDANCE_FILE)
    return document


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def load_guidance(data_dir: Path | None = None) -> GuidanceBook:
    """The shipped guidance with the corrections of the office at `data_dir` applied."""
    if data_dir is None:
        return _cached(None, 0)
    return _cached(data_dir, _mtime(data_dir / GUIDANCE_FILE))


@lru_cache(maxsize=8)
def _cached(data_dir: Path | None, _stamp: int) -> GuidanceBook:
    return build_book(read_corrections(data_dir) if data_dir is not None else {})


@lru_cache(maxsize=1)
def _shipped() -> tuple[dict[str, Any], dict[str, Any]]:
    shipped = read_json(
        resource_path("guidance", "procedures.json"), lambda r: _bad(f"procedures.json ({r})")
    )
    rules = read_json(resource_path("guidance", "rules.json"), lambda r: _bad(f"rules.json ({r})"))
    if not isinstance(shipped, dict) or not isinstance(rules, dict):
        raise _bad("resources/guidance")
    return shipped, rules


def build_book(fixes: Mapping[str, Any]) -> GuidanceBook:
    """The shipped guidance with the corrections document `fixes` applied."""
    shipped, rules = _shipped()
    portal = shipped.get("portal", {})
    book: dict[str, Any] = {
        "steps": _texts(shipped.get("steps_vi"), "steps_vi"),
        "search_pattern": str(portal.get("search_by_code", "")),
    }
    procedure_fixes = _section(fixes, "procedures")
    procedures = {
        code: _procedure(code, raw, procedure_fixes.get(code, {}), book)
        for code, raw in _section(shipped, "procedures").items()
    }
    unknown = set(procedure_fixes) - set(procedures)
    if unknown:
        raise _bad(f"{GUIDANCE_FILE}: procedures.{sorted(unknown)[0]}")
    incentives = {str(raw.get("id")): raw for raw in rules.get("incentives", [])}
    incentives.update(_section(fixes, "incentives"))
    online_only = {str(raw.get("code")): raw for raw in rules.get("online_only", [])}
    online_only.update(_section(fixes, "online_only"))
    targets_raw = dict(_section(rules, "targets"))
    targets_raw.update(_section(fixes, "targets"))
    targets = {}
    for level, raw in targets_raw.items():
        share = raw.get("share")
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share <= 1:
            raise _bad(f"targets.{level}")
        targets[level] = Target(
            level,
            float(share),
            nfc(str(raw.get("source") or "")),
            confirmed=bool(raw.get("confirmed", True)),
        )
    return GuidanceBook(
        procedures=procedures,
        steps=book["steps"],
        search_pattern=book["search_pattern"],
        lookup_url=str(portal.get("lookup_url", "")),
        as_of=str(shipped.get("as_of", "")),
        incentives=tuple(
            _rule(rule_id, raw) for rule_id, raw in incentives.items() if not raw.get("removed")
        ),
        online_only={
            code: _online_only(code, raw)
            for code, raw in online_only.items()
            if not raw.get("removed")
        },
        targets=targets,
        office_level=str(fixes.get("office_level") or rules.get("office_level") or "commune"),
    )


# --- the office's corrections (admin) --------------------------------------------------


def save_correction(
    data_dir: Path, section: str, key: str, entry: dict[str, Any], *, by: str, at: datetime
) -> GuidanceBook:
    """Store one correction with its provenance; the result is checked before it is kept.

    The caller checks the actor's role. `entry` must hold a non-empty "source".
    """
    if not str(entry.get("source") or "").strip():
        raise ValidationError(_("Sửa dữ liệu hướng dẫn phải ghi nguồn (văn bản, trang, ngày)."))
    document = read_corrections(data_dir)
    sections = document.setdefault(section, {})
    stamped = {**entry, "source": nfc(str(entry["source"])), "by": by, "at": at.isoformat()}
    if section == "procedures":
        sections.setdefault(key, {})[str(entry["field"])] = {
            k: v for k, v in stamped.items() if k != "field"
        }
    else:
        sections[key] = stamped
    path = data_dir / GUIDANCE_FILE
    book = build_book(document)  # a correction that breaks the data is refused here
    write_atomically(path, json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8"))
    return book


def _texts_in(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts_in(item)
    elif isinstance(value, Mapping):
        for name, item in value.items():
            yield str(name)
            yield from _texts_in(item)


def check_correction(key: str, entry: Mapping[str, Any]) -> None:
    """A correction as typed: every text through the text rule, its dates in the allowed
    years, its amount within what a fee can be. (Dates in order: `build_book`'s rule, and
    `periods.check_range` where a range is typed.)"""
    GUIDANCE_KEY.clean(key, required=True)
    for name, value in entry.items():
        rule = GUIDANCE_SOURCE if name == "source" else GUIDANCE_TEXT
        for text in _texts_in(value):
            rule.clean(text)
    days = [_date(entry.get(name), name) for name in ("valid_from", "valid_to")]
    for day in days:
        if day is not None:
            check_year(day, _("ngày hiệu lực"))
    amount = entry.get("amount_vnd")
    if isinstance(amount, int) and not 0 <= amount <= MAX_FEE_VND:
        raise ValidationError(_("Số tiền phí phải từ 0 đến {n} đồng.").format(n=f"{MAX_FEE_VND:,}"))


def admin_correct(
    ctx: AppContext, actor: Actor, section: str, key: str, entry: dict[str, Any]
) -> GuidanceBook:
    """An admin's correction of the guidance data, stamped with who and when."""
    actor.require(Role.ADMIN)
    if section not in ("procedures", "online_only", "incentives", "targets"):
        raise ValidationError(
            _("Mục dữ liệu hướng dẫn không hợp lệ: {value}.").format(value=section)
        )
    check_correction(key, entry)
    if section == "procedures" and key not in load_guidance(ctx.data_dir).procedures:
        raise ValidationError(
            _("Không có thủ tục mã {code} trong danh mục thủ tục.").format(code=key)
        )
    return save_correction(ctx.data_dir, section, key, entry, by=actor.login, at=ctx.clock())
