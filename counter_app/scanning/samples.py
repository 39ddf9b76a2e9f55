"""Synthetic scanned pages: text lines on paper, for demo data, tests and benchmarks."""

from __future__ import annotations

import random

from PIL import Image, ImageDraw

A4_MM = (210.0, 297.0)


def text_page(
    dpi: int = 300,
    *,
    skew_degrees: float = 0.0,
    seed: int = 0,
    colour: bool = False,
    dark_border_px: int = 0,
    lines: int = 40,
) -> Image.Image:
    """An A4 page of dark text-like lines at `dpi`, optionally skewed and framed in black."""
    rng = random.Random(seed)
    width, height = (round(side / 25.4 * dpi) for side in A4_MM)
    page = Image.new("RGB" if colour else "L", (width, height), "white")
    draw = ImageDraw.Draw(page)
    margin = width // 10
    line_height = (height - 2 * margin) // max(1, lines)
    glyph = max(2, dpi // 30)
    ink = (20, 20, 60) if colour else 25
    for line in range(lines):
        y = margin + line * line_height
        x = margin
        end = width - margin - rng.randint(0, width // 3)
        while x < end:
            word = rng.randint(3, 9) * glyph
            draw.rectangle((x, y, min(x + word, end), y + glyph * 2), fill=ink)
            x += word + glyph * 2
    if colour:
        draw.ellipse(
            (width - 3 * margin, margin, width - margin, 3 * margin), outline="red", width=8
        )
    if skew_degrees:
        page = page.rotate(skew_degrees, resample=Image.Resampling.BILINEAR, fillcolor="white")
    if dark_border_px:
        framed = Image.new(page.mode, (width, height), "black")
        inner = page.resize((width - 2 * dark_border_px, height - 2 * dark_border_px))
        framed.paste(inner, (dark_border_px, dark_border_px))
        page = framed
    page.info["dpi"] = (dpi, dpi)
    return page
