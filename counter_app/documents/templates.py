"""Versioned form templates: one set per circular, chosen by the dossier's receipt date.

A set is a JSON file (`resources/templates/forms/<ID>.json`) with an `effective_from`
date and one entry per form. An office corrects a form without a code change by putting
a file with the same `id` in `<data dir>/templates/forms/`; a file with a new id and a
later date adds a set (a new circular). The wording of the forms is legal text in
Vietnamese, so it lives in the templates, not in the translation catalogue.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

from counter_app.errors import ConfigError, ValidationError
from counter_app.i18n import _
from counter_app.resources import resource_path

TEMPLATE_DIR = ("templates", "forms")
MAX_TEMPLATE_BYTES = 512 * 1024
BLOCK_KINDS = ("text", "documents", "items", "signatures", "handovers", "letter_footer", "qr")


class FormKind(StrEnum):
    RECEIPT = "receipt"
    SUPPLEMENT = "supplement"
    REFUSAL = "refusal"
    APOLOGY = "apology"
    STOP = "stop"
    CONTROL = "control"
    BOOK = "book"
    SLIP = "slip"
    """The 80 mm thermal receipt slip: a short copy for the applicant, never form 01 itself."""

    @classmethod
    def parse(cls, text: str) -> FormKind:
        cleaned = text.strip().lower()
        for kind in cls:
            if cleaned == kind.value:
                return kind
        raise ValidationError(
            _("Mẫu biểu không hợp lệ: {value}. Dùng một trong: {names}.").format(
                value=text, names=", ".join(k.value for k in cls)
            )
        )


@dataclass(frozen=True)
class TemplateSet:
    id: str
    title: str
    effective_from: date
    paper: str
    book_paper: str
    forms: dict[str, dict[str, Any]]
    origin: str
    """Where the set was read from (a bundled resource or the office's override)."""

    def form(self, kind: FormKind) -> dict[str, Any]:
        form = self.forms.get(kind.value)
        if form is None:
            raise ValidationError(
                _("Bộ mẫu {set} không có mẫu “{form}”.").format(set=self.id, form=kind.value)
            )
        return form


def _bad(origin: str, detail: str) -> ConfigError:
    return ConfigError(
        _("Tệp mẫu biểu {file} không hợp lệ: {detail}").format(file=origin, detail=detail)
    )


def _check_form(origin: str, name: str, form: object) -> dict[str, Any]:
    if not isinstance(form, dict) or not isinstance(form.get("title"), str):
        raise _bad(origin, f"forms.{name}.title")
    if name == FormKind.BOOK.value:
        columns = form.get("columns")
        if not isinstance(columns, list) or not columns:
            raise _bad(origin, "forms.book.columns")
        for column in columns:
            if not isinstance(column, dict) or not isinstance(column.get("title"), str):
                raise _bad(origin, "forms.book.columns[].title")
        return form
    blocks = form.get("blocks")
    if not isinstance(blocks, list):
        raise _bad(origin, f"forms.{name}.blocks")
    for block in blocks:
        kinds = [k for k in BLOCK_KINDS if isinstance(block, dict) and k in block]
        if len(kinds) != 1:
            raise _bad(origin, f"forms.{name}.blocks: {str(block)[:60]}")
        beside = block.get("beside", 0)  # a QR beside the next N blocks
        if isinstance(beside, bool) or not isinstance(beside, int) or beside < 0:
            raise _bad(origin, f"forms.{name}.blocks: beside")
    return form


def parse_template_set(raw: object, origin: str) -> TemplateSet:
    if not isinstance(raw, dict):
        raise _bad(origin, "not an object")
    try:
        effective_from = date.fromisoformat(str(raw["effective_from"]))
        set_id = str(raw["id"])
        forms_raw = raw["forms"]
    except (KeyError, ValueError) as exc:
        raise _bad(origin, str(exc)) from exc
    if not isinstance(forms_raw, dict):
        raise _bad(origin, "forms")
    forms = {str(name): _check_form(origin, str(name), form) for name, form in forms_raw.items()}
    unknown = set(forms) - {k.value for k in FormKind}
    if unknown:
        raise _bad(origin, ", ".join(sorted(unknown)))
    return TemplateSet(
        id=set_id,
        title=str(raw.get("title", set_id)),
        effective_from=effective_from,
        paper=str(raw.get("paper", "A5")),
        book_paper=str(raw.get("book_paper", "A4-landscape")),
        forms=forms,
        origin=origin,
    )


def _read(path: Path, origin: str) -> TemplateSet:
    try:
        if path.stat().st_size > MAX_TEMPLATE_BYTES:
            raise _bad(origin, "too large")
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _bad(origin, str(exc.strerror)) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad(origin, str(exc)) from exc
    return parse_template_set(raw, origin)


def load_template_sets(data_dir: Path | None) -> list[TemplateSet]:
    """Bundled sets, replaced or extended by the office's, oldest first."""
    sets: dict[str, TemplateSet] = {}
    for path in sorted(resource_path(*TEMPLATE_DIR).glob("*.json")):
        template_set = _read(path, path.name)
        sets[template_set.id] = template_set
    if data_dir is not None:
        for path in sorted((data_dir.joinpath(*TEMPLATE_DIR)).glob("*.json")):
            template_set = _read(path, f"{'/'.join(TEMPLATE_DIR)}/{path.name}")
            sets[template_set.id] = template_set
    return sorted(sets.values(), key=lambda s: s.effective_from)


def select_template_set(sets: list[TemplateSet], received_on: date) -> TemplateSet:
    """The set in force on the day the dossier was received."""
    in_force = [s for s in sets if s.effective_from <= received_on]
    if not in_force:
        raise ConfigError(
            _("Không có bộ mẫu biểu áp dụng cho ngày {day}.").format(
                day=received_on.strftime("%d/%m/%Y")
            )
        )
    return in_force[-1]
