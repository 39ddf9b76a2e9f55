"""What a scan may ask for: colour modes and bounds. Light on purpose: the command line
builds its options from these without loading Pillow (`images`, `devices` re-export them)."""

from __future__ import annotations

from enum import StrEnum


class ColourMode(StrEnum):
    BW = "bw"
    GRAY = "gray"
    COLOR = "color"


MIN_DPI, MAX_DPI = 75, 600
"""Resolutions a scan may ask for: every office scanner offers 75-600 dpi, and above 600 an
A4 page passes the pipeline's pixel limit (images.MAX_PIXELS); below 75 nothing is legible."""
MAX_SCAN_PAGES = 500
"""The most pages one scan may ask for (a feeder batch; the same as a PDF's import limit)."""
