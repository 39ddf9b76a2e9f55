"""Translation of every user-visible string, core and GUI alike, through one catalogue.

Source strings (msgids) are written in Vietnamese, the default language, so the app is
complete without any catalogue; `resources/locale/<lang>/messages.po` translates them.
The catalogues are read with Babel at first use; no compile step is needed.
"""

from __future__ import annotations

import gettext
import io
import os
from collections.abc import Callable
from functools import cache

from counter_app.resources import resource_path

DEFAULT_LANGUAGE = "vi"
SUPPORTED_LANGUAGES = ("vi", "en")

_language = os.environ.get("COUNTER_APP_LANG", DEFAULT_LANGUAGE)


def set_language(language: str) -> None:
    """Switch the language of every later `_()` call."""
    global _language
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unsupported language: {language}")
    _language = language


def current_language() -> str:
    return _language


@cache
def _translations(language: str) -> gettext.NullTranslations:
    """The catalogue of `language`, compiled in memory so plural forms follow its header."""
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    path = resource_path("locale", language, "messages.po")
    with open(path, "rb") as handle:
        catalog = read_po(handle, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=True)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _(message: str) -> str:
    """Translate `message` into the current language (Vietnamese msgids)."""
    if _language == DEFAULT_LANGUAGE:
        return message
    return _translations(_language).gettext(message)


def translator(language: str) -> Callable[[str], str]:
    """A `_` for one language, whatever the process's language is: a web page answers each
    browser in its own language while other requests run (the hub's dashboard)."""
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unsupported language: {language}")
    if language == DEFAULT_LANGUAGE:
        return str
    return _translations(language).gettext


def N_(message: str) -> str:
    """Mark a string for translation where it is defined; translate it where shown."""
    return message


_DECIMAL_SEPARATORS = {"vi": ",", "en": "."}


def format_decimal(value: float, digits: int = 1) -> str:
    """A number as the language writes it, at most `digits` decimals, no trailing zero:
    27.25 -> "27,3" in Vietnamese, "27.3" in English (no thousands grouping)."""
    text = f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    return text.replace(".", _DECIMAL_SEPARATORS.get(_language, "."))


def format_percent(value: float, digits: int = 1) -> str:
    """A percentage as the language writes it: "27,2 %" in Vietnamese, "27.2%" in English."""
    return _("{value} %").format(value=format_decimal(value, digits))


def ngettext(singular: str, plural: str, count: int) -> str:
    """Plural forms: Vietnamese has one form; other languages follow their catalogue's
    Plural-Forms header (an entry with msgid_plural)."""
    if _language == DEFAULT_LANGUAGE:
        return singular
    return _translations(_language).ngettext(singular, plural, count)
