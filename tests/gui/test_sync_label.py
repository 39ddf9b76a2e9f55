"""The status bar's sync line gives up whole words, never half a word, and keeps the rest
in its tooltip and accessible description."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from counter_app.kernel.context import AppContext
from counter_app.kernel.users import SYSTEM_ACTOR
from ui.main_window import MainWindow
from ui.sync_status import ElidedLabel, elide_words

LONG = (
    "⚠ Đã 27 ngày chưa gửi được lên tỉnh · chờ gửi 412 hồ sơ, 1503 trang — Kiểm tra kết "
    "nối mạng rồi bấm “Gửi lên tỉnh”; nếu vẫn không được, báo cán bộ phụ trách máy tính."
)


def _cut_at_a_word(shown: str, full: str) -> bool:
    kept = shown.removesuffix("…")
    return (
        shown.endswith("…")
        and full.startswith(kept)
        and (full[len(kept)] in " ·—;,:" or full[len(kept) :].startswith((" ", ";", ",")))
    )


def test_a_long_line_loses_whole_words(qtbot: QtBot) -> None:
    label = ElidedLabel()
    qtbot.add_widget(label)
    metrics = label.fontMetrics()
    for width in range(60, metrics.horizontalAdvance(LONG), 37):
        shown = elide_words(LONG, metrics, width)
        assert metrics.horizontalAdvance(shown) <= width or shown == "…"
        assert shown == "…" or _cut_at_a_word(shown, LONG), (width, shown)
    assert elide_words(LONG, metrics, metrics.horizontalAdvance(LONG)) == LONG
    assert elide_words("", metrics, 10) == ""


def test_the_window_keeps_the_full_text_in_the_tooltip(qtbot: QtBot, ctx: AppContext) -> None:
    window = MainWindow(ctx, SYSTEM_ACTOR)
    qtbot.add_widget(window)
    window.resize(900, 600)
    window.show()
    qtbot.wait_exposed(window)
    label = window.sync_label
    qtbot.wait_until(lambda: "chưa đăng ký với tỉnh" in label.full_text)  # the real state first
    window.sync_status.blockSignals(True)  # and no later refresh overwrites the long line
    window._sync_state(LONG, True)
    qtbot.wait_until(lambda: label.toolTip() == LONG)
    assert label.accessibleDescription() == LONG and label.full_text == LONG
    qtbot.wait_until(lambda: label.text() != LONG)
    shown = label.text()
    assert shown != LONG and _cut_at_a_word(shown, LONG), shown
    window.resize(3000, 600)
    qtbot.wait_until(lambda: label.text() == LONG)
