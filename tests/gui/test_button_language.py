"""Qt's standard buttons speak the app's language (PySide6 ships no qtbase_vi.qm)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import (
    QApplication,
    QCalendarWidget,
    QDialogButtonBox,
    QLineEdit,
    QMessageBox,
)

from counter_app.i18n import current_language, set_language
from ui.app import StandardButtonTranslator, apply_locale, install_button_translator

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
        translator.setParent(None)  # gone at once: the next test installs its own


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
    assert translator.translate("QLineEdit", "Unicode control characters") is None
    assert translator.translate("QColorDialog", "&Undo") is None


def test_the_error_dialogs_details_button_speaks_vietnamese(
    translated: None, qapp: QApplication
) -> None:
    """The user guide says "Hiện chi tiết…": the button says so too."""

    def button_texts() -> set[str]:
        box = QMessageBox(QMessageBox.Icon.Critical, "?", "?", Button.Close)
        box.setDetailedText("Traceback …")
        texts = {button.text() for button in box.buttons()}
        box.deleteLater()
        return texts

    set_language("vi")
    assert "Hiện chi tiết…" in button_texts() and "Đóng" in button_texts()
    assert not any("Details" in text for text in button_texts())
    set_language("en")
    assert "Show Details..." in button_texts()


def test_a_text_fields_context_menu_speaks_vietnamese(translated: None, qapp: QApplication) -> None:
    set_language("vi")
    edit = QLineEdit("Nguyễn Văn An")
    menu = edit.createStandardContextMenu()
    texts = {action.text() for action in menu.actions() if not action.isSeparator()}
    assert {"&Hoàn tác", "&Sao chép", "&Dán", "Chọn tất cả"} <= {t.split("\t")[0] for t in texts}
    menu.deleteLater()
    edit.deleteLater()


def test_the_date_picker_names_months_and_days_in_vietnamese(
    translated: None, qapp: QApplication
) -> None:
    before = QLocale()
    try:
        set_language("vi")
        apply_locale()
        calendar = QCalendarWidget()
        assert calendar.locale().language() == QLocale.Language.Vietnamese
        assert "tháng 12" in calendar.locale().monthName(12).lower()
        assert calendar.locale().dayName(1) != "Monday"
        calendar.deleteLater()
        set_language("en")
        apply_locale()
        assert QLocale().monthName(12) == "December"
    finally:
        QLocale.setDefault(before)
