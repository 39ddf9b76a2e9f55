"""ui/screenshots.py builds every screen of the user guide on a small demo, offscreen.

The pictures themselves are looked at by a person; this checks that one run still reaches
every screen (a renamed widget or a changed dialog breaks the script, not the docs build).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QLabel

from counter_app.i18n import _
from ui import screenshots


def test_one_run_writes_every_listed_screen(qapp: QApplication, tmp_path: Path) -> None:
    out_dir = tmp_path / "shots"
    taken = screenshots.main(out_dir, days=1)
    assert sorted(path.name for path in taken) == sorted(screenshots.SHOT_NAMES)
    assert sorted(path.name for path in out_dir.iterdir()) == sorted(screenshots.SHOT_NAMES)
    for path in taken:
        image = QImage(str(path))
        assert not image.isNull(), path.name
        assert image.width() > 200 and image.height() > 80, path.name
    assert _("Hồ sơ") == "Hồ sơ"  # the English shot switched the language back


def test_a_name_outside_the_list_is_refused(qapp: QApplication, tmp_path: Path) -> None:
    camera = screenshots.Camera(tmp_path)
    with pytest.raises(ValueError, match=r"99-khong-co\.png"):
        camera.grab(QLabel("x"), "99-khong-co.png")
    assert list(tmp_path.iterdir()) == [] and camera.taken == []
