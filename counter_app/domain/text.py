"""Vietnamese text: NFC storage and the folding used by search."""

from __future__ import annotations

import unicodedata


def nfc(text: str) -> str:
    """The NFC form of `text`, with surrounding white space removed."""
    return unicodedata.normalize("NFC", text).strip()


def fold(text: str) -> str:
    """Lower case without diacritics, đ→d: "Nguyễn Văn Đức" -> "nguyen van duc".

    NFC and NFD input fold alike, so a name typed by any keyboard finds the stored one.
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.lower().split())


def search_tokens(text: str) -> list[str]:
    """Folded words of a search query, punctuation dropped."""
    cleaned = "".join(ch if ch.isalnum() else " " for ch in fold(text))
    return cleaned.split()
