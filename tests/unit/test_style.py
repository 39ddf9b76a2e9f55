"""The one style: every text pair of each theme's palette reads (WCAG AA, computed here from
the tokens), and no module of `ui/` but the style module sets a colour of its own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import ui
from ui import style

UI_DIR = Path(ui.__file__).resolve().parent
STYLE_MODULE = "style.py"
ALLOWED: dict[str, str] = {}
"""Modules allowed a colour literal, with the reason (none needed so far)."""
HEX = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b")
COLOUR_CALL = re.compile(
    r"QColor\(\s*[\"'#0-9]|QColor\(\s*Qt\.GlobalColor|Qt\.GlobalColor\.(?!transparent)"
)
NAMED = re.compile(r"[\"'][^\"']*\b(color|background)\s*:", re.IGNORECASE)


def luminance(hex_colour: str) -> float:
    """WCAG 2.x relative luminance, written out again here rather than trusted."""
    channels = []
    for start in (1, 3, 5):
        c = int(hex_colour[start : start + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def ratio(first: str, second: str) -> float:
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_ratio_is_wcag_s() -> None:
    assert ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert style.contrast_ratio("#0b57a4", "#ffffff") == pytest.approx(ratio("#0b57a4", "#ffffff"))


@pytest.mark.parametrize("theme", sorted(style.PALETTES))
def test_every_text_pair_reads(theme: str) -> None:
    palette = style.PALETTES[theme]
    least = 7.0 if theme == style.HIGH_CONTRAST else 4.5
    low = {
        f"{fg} on {bg}": round(ratio(getattr(palette, fg), getattr(palette, bg)), 2)
        for fg, bg in style.TEXT_PAIRS
        if ratio(getattr(palette, fg), getattr(palette, bg)) < least
    }
    assert low == {}, f"{theme}: below {least}:1"


@pytest.mark.parametrize("theme", sorted(style.PALETTES))
def test_focus_ring_outlines_and_chart_stand_out(theme: str) -> None:
    palette = style.PALETTES[theme]
    for fg, bg in style.NON_TEXT_PAIRS:
        assert ratio(getattr(palette, fg), getattr(palette, bg)) >= 3.0, (theme, fg, bg)
    for colour in palette.chart:  # bars carry white or text-coloured figures
        assert ratio(colour, palette.surface) >= 3.0, (theme, colour)
    assert ratio(palette.on_primary, palette.chart[0]) >= 4.5  # the share written in its bar


def test_every_tone_is_a_palette_pair() -> None:
    for palette in style.PALETTES.values():
        for tone in style.TONES:
            if tone != "primary":
                assert (tone, f"{tone}_bg") in style.TEXT_PAIRS
                assert getattr(palette, tone).startswith("#")


def test_the_style_sheet_uses_only_palette_colours() -> None:
    for theme, palette in style.PALETTES.items():
        sheet = style.style_sheet(palette, style.TypeScale.for_size(11))
        known = {value.lower() for value in vars(palette).values() if isinstance(value, str)}
        used = {match.lower() for match in HEX.findall(sheet)}
        assert used <= known, (theme, used - known)


def _sources() -> list[Path]:
    return sorted(p for p in UI_DIR.glob("*.py") if p.name != STYLE_MODULE)


def test_no_view_sets_its_own_colours() -> None:
    found = []
    for path in _sources():
        if path.name in ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            code = line.split("#", 1)[0] if not HEX.search(line) else line
            checks = (HEX.search(code), COLOUR_CALL.search(code), NAMED.search(code))
            if "setStyleSheet(" in code or any(checks):
                found.append(f"{path.name}:{number}: {line.strip()}")
    assert found == [], "colours belong in ui/style.py:\n" + "\n".join(found)


def test_the_scan_would_see_a_colour() -> None:
    """The patterns above find what they are for."""
    for line in ('label.setStyleSheet("color: #b00020")', 'QColor("#f8d7da")',
                 'STYLE = "background:#fff4ce"', "painter.setPen(Qt.GlobalColor.red)"):  # fmt: skip
        assert HEX.search(line) or COLOUR_CALL.search(line) or NAMED.search(line), line
