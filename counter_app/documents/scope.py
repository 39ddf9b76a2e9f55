"""Which tracking book: light on purpose, so the command line offers its choices without
loading the database layer (`book` re-exports it)."""

from __future__ import annotations

from enum import StrEnum

from counter_app.i18n import N_, _


class BookScope(StrEnum):
    """Which book: all dossiers, those this office decides, or those it routes elsewhere.

    Since 1/7/2025 a commune centre receives regardless of administrative boundary and
    keeps the dossiers it routes to another competent body in a book of their own
    (Decree 118/2025; docs/rules.md §8).
    """

    ALL = "all"
    OWN = "own"
    ROUTED = "routed"

    @property
    def subtitle(self) -> str:
        return _(_SCOPE_SUBTITLES[self]) if self in _SCOPE_SUBTITLES else ""

    @property
    def printed_subtitle(self) -> str:
        """The subtitle on the printed book: form text, Vietnamese whatever the language."""
        return _SCOPE_SUBTITLES.get(self, "")


_SCOPE_SUBTITLES = {
    BookScope.OWN: N_("Hồ sơ thuộc thẩm quyền giải quyết của đơn vị"),
    BookScope.ROUTED: N_(
        "Hồ sơ tiếp nhận không phụ thuộc địa giới hành chính, chuyển cơ quan khác"
    ),
}
