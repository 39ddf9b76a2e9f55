"""ui/screenshots.py builds every screen of the user guide on a small demo, offscreen.

The pictures themselves are looked at by a person; this checks that one run still reaches
every screen (a renamed widget or a changed dialog breaks the script, not the docs build).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from PySide6.QtCore import QSize
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QLabel

from counter_app.i18n import _
from ui import screenshots


def test_one_run_writes_every_listed_screen(qapp: QApplication, tmp_path: Path) -> None:
    """On the smallest counter screen at the largest text size that must not scroll: every
    shot fits (`main` raises `ScreenTooSmall` otherwise)."""
    out_dir = tmp_path / "shots"
    screen = QSize(1280, 720)
    taken = screenshots.main(out_dir, days=1, screen=screen, text_size=13)
    assert sorted(path.name for path in taken) == sorted(screenshots.SHOT_NAMES)
    assert sorted(path.name for path in out_dir.iterdir()) == sorted(screenshots.SHOT_NAMES)
    for path in taken:
        image = QImage(str(path))
        assert not image.isNull(), path.name
        assert image.width() > 200 and image.height() > 80, path.name
        assert image.width() <= 1280 and image.height() <= 720 - 40, path.name
    window = QImage(str(out_dir / "04-ho-so.png"))
    assert (window.width(), window.height()) == (1280, 720 - 40 - 31)  # maximised
    assert QApplication.font().pointSize() == 13  # the text size was applied
    assert _("Hồ sơ") == "Hồ sơ"  # the English shot switched the language back


def test_the_command_line_takes_a_screen_and_a_text_size() -> None:
    assert screenshots.screen_size("1366x768") == QSize(1366, 768)
    assert screenshots.screen_size("1280×720") == QSize(1280, 720)
    for wrong in ("1366", "axb", "320x200"):
        with pytest.raises(argparse.ArgumentTypeError):
            screenshots.screen_size(wrong)
    with pytest.raises(SystemExit):
        screenshots.cli(["out", "--text-size", "99"])


def test_a_name_outside_the_list_is_refused(qapp: QApplication, tmp_path: Path) -> None:
    camera = screenshots.Camera(tmp_path)
    with pytest.raises(ValueError, match=r"99-khong-co\.png"):
        camera.grab(QLabel("x"), "99-khong-co.png")
    assert list(tmp_path.iterdir()) == [] and camera.taken == []
