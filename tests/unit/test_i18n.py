"""Every visible string is translatable and the English catalogue covers it."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from counter_app import i18n
from counter_app.i18n import SUPPORTED_LANGUAGES, _, ngettext, set_language

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("counter_app", "ui")
EN_PO = ROOT / "resources" / "locale" / "en" / "messages.po"
MARKERS = {"_", "N_", "ngettext"}
# A message with a plural that ships in the core (`counter-app scan`).
PLURAL_SAMPLE = "Đã đính kèm {count} trang vào hồ sơ {code}."
PLACEHOLDER = re.compile(r"(?<!\{)\{(\w*)(?:[!:][^{}]*)?\}(?!\})")


@dataclass(frozen=True)
class Marked:
    """One literal handed to a translation marker."""

    msgid: str
    plural: str | None
    where: str


def _marked_in(path: Path) -> Iterator[Marked]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        if node.func.id not in MARKERS or not node.args:
            continue
        literals = [
            arg.value
            for arg in node.args[:2]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
        ]
        where = f"{path.relative_to(ROOT)}:{node.lineno}"
        if node.func.id == "ngettext" and len(literals) == 2:
            yield Marked(literals[0], literals[1], where)
        elif node.func.id != "ngettext" and literals and isinstance(node.args[0], ast.Constant):
            yield Marked(literals[0], None, where)


def marked_strings() -> list[Marked]:
    found: list[Marked] = []
    for folder in SOURCE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            found.extend(_marked_in(path))
    return found


def load_english() -> Catalog:
    with EN_PO.open("rb") as handle:
        return read_po(handle, locale="en", abort_invalid=True)


def _entries(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


def _forms(message: Message) -> tuple[str, ...]:
    string = message.string
    return tuple(string) if isinstance(string, tuple | list) else (str(string),)


def _singular(message: Message) -> str:
    return str(message.id[0] if isinstance(message.id, tuple | list) else message.id)


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def _looks_vietnamese(text: str) -> bool:
    # Tone marks, breve, horn and đ: none of them occurs in English.
    marks = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323", "\u0306", "\u031b"}
    decomposed = unicodedata.normalize("NFD", text)
    return any(char in marks for char in decomposed) or "đ" in text.lower()


@pytest.fixture
def restore_language() -> Iterator[None]:
    before = i18n.current_language()
    yield
    set_language(before)


def test_the_scan_finds_the_markers() -> None:
    found = marked_strings()
    assert len(found) > 500
    assert any(item.plural == PLURAL_SAMPLE for item in found)
    assert any(item.where.startswith("ui/") for item in found)


def test_every_marked_string_has_an_english_translation() -> None:
    catalog = load_english()
    translated = {_singular(message): message for message in _entries(catalog)}
    missing: list[str] = []
    for item in marked_strings():
        message = translated.get(item.msgid)
        if message is None or not all(form.strip() for form in _forms(message)):
            missing.append(f"{item.where}: {item.msgid!r}")
        elif item.plural is not None and not isinstance(message.id, tuple | list):
            missing.append(f"{item.where}: {item.msgid!r} needs a msgid_plural entry")
    assert not missing, "no English msgstr for:\n" + "\n".join(sorted(set(missing)))


def test_msgids_are_nfc() -> None:
    odd = [m.where for m in marked_strings() if unicodedata.normalize("NFC", m.msgid) != m.msgid]
    assert not odd, odd


def test_the_catalogue_has_no_duplicate_msgid() -> None:
    # Babel merges duplicates silently, so the entries are counted in the text itself.
    ids: list[str] = []
    current: list[str] | None = None
    for line in EN_PO.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgid "):
            current = [ast.literal_eval(line[len("msgid ") :])]
            ids.append("")
        elif line.startswith('"') and current is not None:
            current.append(ast.literal_eval(line))
        else:
            current = None
        if current is not None:
            ids[-1] = "".join(current)
    repeated = [msgid for msgid, count in Counter(ids).items() if count > 1 and msgid]
    assert len(ids) == len(_entries(load_english())) + 1  # + the header
    assert not repeated, repeated


def test_every_placeholder_survives_translation() -> None:
    lost: list[str] = []
    for message in _entries(load_english()):
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        wanted = set().union(*(_placeholders(str(msgid)) for msgid in ids))
        for form in _forms(message):
            if form and not wanted <= _placeholders(form):
                lost.append(f"{_singular(message)!r} -> {form!r}")
    assert not lost, "placeholders lost:\n" + "\n".join(lost)


def test_the_checks_see_what_they_look_for() -> None:
    assert _looks_vietnamese("Thư mục dữ liệu không tồn tại") and not _looks_vietnamese("no data")
    assert _placeholders("{count} trang {code!r} {{literal}}") == {"count", "code"}
    assert not {"count", "code"} <= _placeholders("{count} pages")


@pytest.mark.usefixtures("restore_language")
@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_shipped_language_loads_and_renders_a_plural(language: str) -> None:
    set_language(language)
    one = ngettext(PLURAL_SAMPLE, PLURAL_SAMPLE, 1).format(count=1, code="X")
    three = ngettext(PLURAL_SAMPLE, PLURAL_SAMPLE, 3).format(count=3, code="X")
    if language == i18n.DEFAULT_LANGUAGE:
        # Vietnamese has one plural form: the msgid itself.
        assert one == PLURAL_SAMPLE.format(count=1, code="X")
        assert three == PLURAL_SAMPLE.format(count=3, code="X")
        assert _("ngày sinh") == "ngày sinh"
        return
    path = ROOT / "resources" / "locale" / language / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language, abort_invalid=True)
    entry = catalog.get(PLURAL_SAMPLE)
    assert entry is not None and isinstance(entry.string, tuple | list)
    assert catalog.num_plurals == len(entry.string)
    assert one == entry.string[0].format(count=1, code="X")
    assert three == entry.string[1].format(count=3, code="X")
    assert one != three and one != PLURAL_SAMPLE.format(count=1, code="X")
    assert _("ngày sinh") == str(catalog.get("ngày sinh").string)  # type: ignore[union-attr]


def test_english_plural_words() -> None:
    set_language("en")
    try:
        assert " 1 page " in ngettext(PLURAL_SAMPLE, PLURAL_SAMPLE, 1).format(count=1, code="X")
        assert " 2 pages " in ngettext(PLURAL_SAMPLE, PLURAL_SAMPLE, 2).format(count=2, code="X")
    finally:
        set_language(i18n.DEFAULT_LANGUAGE)


def test_an_unknown_language_is_refused(restore_language: None) -> None:
    with pytest.raises(ValueError):
        set_language("xx")


def test_the_command_line_speaks_english(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir"
    result = subprocess.run(
        [sys.executable, "-m", "counter_app.cli", "dossier", "list", "--data-dir", str(missing)],
        capture_output=True,
        text=True,
        env={**os.environ, "COUNTER_APP_LANG": "en"},
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("counter-app: ")
    assert str(missing) in lines[0]
    assert not _looks_vietnamese(lines[0]), lines[0]


def _read_by_clerks(where: str) -> bool:
    """Strings of the command line itself (`counter_app/cli/`, each slice's `cli.py`, the
    command helpers) and of the province's hub are for whoever runs those; every other
    string may reach a clerk in the desktop program."""
    path = where.rsplit(":", 1)[0]
    return not (
        path.startswith(("counter_app/cli/", "counter_app/hub/"))
        or path.endswith(("/cli.py", "kernel/commands.py"))
    )


def test_no_string_a_clerk_reads_tells_them_to_run_a_command() -> None:
    """The desktop program says where to click; a command line's way goes in the error's
    `command`, which only the command line prints."""
    found = [
        f"{m.where}: {m.msgid!r}"
        for m in marked_strings()
        if _read_by_clerks(m.where) and "counter-app" in m.msgid + (m.plural or "")
    ]
    assert found == []
    assert _read_by_clerks("ui/sync_view.py:1") and not _read_by_clerks("counter_app/sync/cli.py:1")
