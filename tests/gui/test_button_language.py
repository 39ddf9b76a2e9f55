"""Qt's standard buttons speak the app's language (PySide6 ships no qtbase_vi.qm)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from counter_app.i18n import current_language, set_language
from ui.app import StandardButtonTranslator, install_button_translator

Button = QMessageBox.StandardButton


@pytest.fixture
def translated(qapp: QApplication) -> Iterator[None]:
    language = current_language()
    install_button_translator(qapp)
    install_button_translator(qapp)  # a second call adds nothing
    yield
    set_language(language)
    for translator in qapp.findChildren(StandardButtonTranslator):
        qapp.removeTranslator(translator)
        translator.deleteLater()


def _question_buttons() -> tuple[str, str]:
    box = QMessageBox(QMessageBox.Icon.Question, "?", "?", Button.Yes | Button.No)
    texts = (box.button(Button.Yes).text(), box.button(Button.No).text())
    box.deleteLater()
    return texts


def test_vietnamese_then_english_buttons(translated: None, qapp: QApplication) -> None:
    assert len(qapp.findChildren(StandardButtonTranslator)) == 1
    set_language("vi")
    assert _question_buttons() == ("&Có", "&Không")
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    assert buttons.button(QDialogButtonBox.StandardButton.Ok).text() == "Đồng ý"
    assert buttons.button(QDialogButtonBox.StandardButton.Cancel).text() == "Hủy"
    buttons.deleteLater()
    set_language("en")
    assert _question_buttons() == ("&Yes", "&No")


def test_texts_outside_the_buttons_stay_qt_s_own(translated: None, qapp: QApplication) -> None:
    set_language("vi")
    translator = qapp.findChildren(StandardButtonTranslator)[0]
    assert translator.translate("QPlatformTheme", "&Yes") == "&Có"
    assert translator.translate("QPlatformTheme", "Không có") is None
    assert translator.translate("QLineEdit", "&Undo") is None
