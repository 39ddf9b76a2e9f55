"""Settings declared once: each with its key, type, default, bounds and translatable title.

The office's `config.json` (`kernel.config`) and each machine's GUI settings (`ui.settings`)
are both declared with `Setting`. A file an office edits is held to its declaration: a
value of the wrong type or out of bounds is refused with one line naming the key
(`check_table`). A machine's own settings file falls back to the default instead (`clean`),
so a stray value there never keeps the program from starting. The Cài đặt screen and the
warning about keys nothing reads are made from the same declarations.

A table of settings (`office`, `reports`, …) is a frozen dataclass whose fields are made
with `setting()`: the field's name is the key, and the reader gets a typed attribute.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Any, Generic, TypeVar

from counter_app.errors import ConfigError
from counter_app.i18n import N_, _

T = TypeVar("T")

_SETTING = "setting"  # the key of a field's metadata that holds its declaration
_SHOWN_VALUE_LENGTH = 60

_TYPE_REASONS: dict[type, str] = {
    bool: N_("phải là true hoặc false"),
    int: N_("phải là số nguyên"),
    float: N_("phải là số"),
    str: N_("phải là chuỗi ký tự"),
    tuple: N_("phải là danh sách"),
    dict: N_("phải là bảng"),
}


@dataclass(frozen=True)
class Setting(Generic[T]):
    key: str
    """The key in its file; a member of a table is "table.member"."""
    default: T
    title: str
    """A Vietnamese msgid marked with `N_`; shown through `_()`."""
    kind: type | None = None
    """The value's type when the default does not say it (a default of None)."""
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None
    choices: tuple[Any, ...] = ()
    hint: str = ""
    """A longer explanation (a msgid), shown where the value is typed in."""
    rule: Callable[[Any], None] | None = None
    """A further check of a value; raises ValueError with the translated reason."""
    optional: bool = False
    """Written to the file only once set: absent until then, the default applies."""
    required: bool = False
    """A member its table must have: there is no sensible default to fall back on."""
    warn_unknown_members: bool = True
    """For a table: say which of the file's members nothing reads."""

    @property
    def value_type(self) -> type:
        return self.kind or type(self.default)

    @property
    def name(self) -> str:
        """The key within its table."""
        return self.key.rpartition(".")[2]

    @property
    def is_table(self) -> bool:
        return is_dataclass(self.value_type)

    def check(self, value: object) -> None:
        """Raise ValueError, with the reason, unless `value` is this setting's type within
        its bounds (a table's own members are checked by `check_table`)."""
        if value is None and self.default is None and not self.required:
            return
        kind = self.value_type
        if kind is float:
            right_type = isinstance(value, int | float) and not isinstance(value, bool)
        else:
            right_type = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if not right_type:
            raise ValueError(_(_TYPE_REASONS.get(kind, N_("phải là bảng"))))
        if isinstance(value, int | float) and not self._within(value):
            raise ValueError(
                _("phải từ {minimum} đến {maximum}").format(
                    minimum=self.minimum, maximum=self.maximum
                )
            )
        if isinstance(value, str) and self.max_length is not None and len(value) > self.max_length:
            raise ValueError(_("dài quá {count} ký tự").format(count=self.max_length))
        if self.choices and value not in self.choices:
            raise ValueError(
                _("phải là một trong: {choices}").format(
                    choices=", ".join(str(choice) for choice in self.choices)
                )
            )
        if self.rule is not None:
            self.rule(value)

    def _within(self, number: float) -> bool:
        low = self.minimum if self.minimum is not None else number
        high = self.maximum if self.maximum is not None else number
        return low <= number <= high

    def clean(self, value: object) -> T:
        """`value`, typed or as text from a settings file, as this setting's type within
        its bounds; the default when it does not read."""
        if not isinstance(value, int | float | str):  # a list, or a @Variant of a hand-edited file
            return self.default
        kind = self.value_type
        try:
            if kind is bool and isinstance(value, str):
                converted: Any = value.strip().lower() in ("true", "1")
            else:
                converted = kind(value)
            self.check(converted)
        except (TypeError, ValueError):
            return self.default
        return converted  # type: ignore[no-any-return]

    def from_json(self, raw: object, source: str) -> Any:
        """A value of a JSON file in this setting's Python shape (a list as a tuple, an
        object as its table), still to be checked."""
        if self.value_type is tuple and isinstance(raw, list):
            return tuple(raw)
        if self.is_table and isinstance(raw, dict):
            return self.value_type(**read_values(self.value_type, raw, source, self.key + "."))
        return raw


class SettingError(ConfigError):
    """A value its declaration refuses, said in one line with the key and the reason."""

    def __init__(self, source: str, setting: Setting[Any], value: object, reason: str) -> None:
        shown = json.dumps(value, ensure_ascii=False, default=str)
        if len(shown) > _SHOWN_VALUE_LENGTH:
            shown = shown[: _SHOWN_VALUE_LENGTH - 1] + "…"
        super().__init__(
            _("{source}: “{key}” không nhận giá trị {value}: {reason}").format(
                source=source, key=setting.key, value=shown, reason=reason
            )
        )


def setting(
    default: Any,
    title: str,
    *,
    kind: type | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
    max_length: int | None = None,
    choices: tuple[Any, ...] = (),
    hint: str = "",
    rule: Callable[[Any], None] | None = None,
    optional: bool = False,
    required: bool = False,
    warn_unknown_members: bool = True,
) -> Any:
    """A dataclass field declared as a setting; its key is the field's name. A required
    member has no default in its dataclass: the file must give it."""
    declared = Setting(
        "",
        default,
        title,
        kind=kind,
        minimum=minimum,
        maximum=maximum,
        max_length=max_length,
        choices=choices,
        hint=hint,
        rule=rule,
        optional=optional,
        required=required,
        warn_unknown_members=warn_unknown_members,
    )
    metadata = {_SETTING: declared}
    if required:
        return field(metadata=metadata)
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata=metadata)
    return field(default=default, metadata=metadata)


def declared_settings(table: type, prefix: str = "") -> tuple[Setting[Any], ...]:
    """The settings a table declares, in order, each with its full key."""
    return tuple(
        replace(f.metadata[_SETTING], key=prefix + f.name)
        for f in fields(table)
        if _SETTING in f.metadata
    )


def all_settings(table: type, prefix: str = "") -> Iterator[Setting[Any]]:
    """Every setting of a table and of the tables within it, a table before its members."""
    for declared in declared_settings(table, prefix):
        yield declared
        if declared.is_table:
            yield from all_settings(declared.value_type, declared.key + ".")


def read_values(
    table: type, raw: Mapping[str, Any], source: str, prefix: str = ""
) -> dict[str, Any]:
    """The arguments that make `table` from a JSON object; members it does not declare are
    left out (the caller keeps the object, so nothing is lost)."""
    values: dict[str, Any] = {}
    for declared in declared_settings(table, prefix):
        if declared.name in raw:
            values[declared.name] = declared.from_json(raw[declared.name], source)
        elif declared.required:
            raise ConfigError(_("{source}: thiếu “{key}”").format(source=source, key=declared.key))
    return values


def check_table(table: object, source: str, prefix: str = "") -> None:
    """Raise SettingError for the first value of `table` (or of a table within it) that its
    declaration refuses."""
    for declared in declared_settings(type(table), prefix):
        value = getattr(table, declared.name)
        try:
            declared.check(value)
        except ValueError as exc:
            raise SettingError(source, declared, value, str(exc)) from None
        if declared.is_table and value is not None:
            check_table(value, source, declared.key + ".")


def write_values(table: object, on_disk: Mapping[str, Any]) -> dict[str, Any]:
    """`table` as a JSON object, keeping what the file it was read from (`on_disk`) had.

    Members that are always written come first, in their declared order; then the file's
    other members in its order (one nothing reads is kept as it was, an optional one set
    back to None is dropped); then optional members set since, once they differ from the
    default.
    """
    declared = {setting.name: setting for setting in declared_settings(type(table))}
    document: dict[str, Any] = {}
    for name, setting in declared.items():
        if not setting.optional:
            document[name] = _to_json(setting, getattr(table, name), on_disk.get(name))
    for name, raw in on_disk.items():
        if name in document:
            continue
        if name not in declared:
            document[name] = raw
        elif (value := getattr(table, name)) is not None:
            document[name] = _to_json(declared[name], value, raw)
    for name, setting in declared.items():
        value = getattr(table, name)
        if name not in document and name not in on_disk and value not in (None, setting.default):
            document[name] = _to_json(setting, value, None)
    return document


def _to_json(setting: Setting[Any], value: object, on_disk: object) -> object:
    if value is not None and setting.is_table:
        return write_values(value, on_disk if isinstance(on_disk, dict) else {})
    if isinstance(value, tuple):
        return list(value)
    return value


def unknown_members(
    table: type, raw: Mapping[str, Any], prefix: str = ""
) -> Iterator[tuple[str, list[str], frozenset[str]]]:
    """For a JSON object and each object within it whose table says so: its prefix, the
    names of its members nothing declares (sorted), and the names it declares."""
    declared = declared_settings(table, prefix)
    known = frozenset(setting.name for setting in declared)
    yield prefix, sorted(name for name in raw if name not in known), known
    for setting in declared:
        member = raw.get(setting.name)
        if setting.is_table and setting.warn_unknown_members and isinstance(member, dict):
            yield from unknown_members(setting.value_type, member, setting.key + ".")
