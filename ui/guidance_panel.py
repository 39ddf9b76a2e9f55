"""The guidance panel of the intake screen: can this procedure be filed online, what it
saves, why the citizen files on paper, and the VietQR code of the fee.

The panel holds no rules: it shows `counter_app.guidance` results. Loading the guidance
reads two small files (no database), so it runs on the GUI thread.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.catalog import Catalog
from counter_app.guidance.data import load_guidance
from counter_app.guidance.policy import OTHER, PAPER_REASONS, paper_reason_label
from counter_app.guidance.sheet import Guide, make_guide, money
from counter_app.i18n import _

_ONLINE_STYLE = "background:#e6f4ea;color:#0b5d1e;border:2px solid #0b5d1e;border-radius:6px;"
_ONLY_STYLE = "background:#fdecea;color:#8a1c1c;border:2px solid #8a1c1c;border-radius:6px;"
_PLAIN_STYLE = "background:#f1f3f4;color:#202124;border:1px solid #9aa0a6;border-radius:6px;"


def qr_pixmap(payload: str, scale: int = 5) -> QPixmap:
    """A QR code as a pixmap (segno PNG), for VietQR and portal links."""
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    pixmap = QPixmap()
    pixmap.loadFromData(buffer.getvalue(), "PNG")
    return pixmap


class GuidancePanel(QWidget):
    """Shown beside the intake form; call `set_procedure` when the clerk picks one."""

    paperReasonChanged = Signal(str)
    """The stored form of the reason ("" when none is chosen)."""

    def __init__(
        self, catalog: Catalog, data_dir: Path | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._catalog = catalog
        self._data_dir = data_dir
        self._guide: Guide | None = None

        self.headline = QLabel()
        self.headline.setWordWrap(True)
        self.headline.setObjectName("guidanceHeadline")
        font = self.headline.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.headline.setFont(font)
        self.headline.setMargin(8)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.link = QLabel()
        self.link.setOpenExternalLinks(True)
        self.link.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)

        self.reason_label = QLabel(_("Lý do nộp hồ sơ giấy:"))
        self.reason = QComboBox()
        self.reason.addItem(_("— chọn lý do —"), "")
        for code in PAPER_REASONS:
            self.reason.addItem(paper_reason_label(code), code)
        self.reason_text = QLineEdit()
        self.reason_text.setPlaceholderText(_("Ghi rõ lý do khác"))
        self.reason_text.setVisible(False)
        self.reason.currentIndexChanged.connect(self._reason_changed)
        self.reason_text.textChanged.connect(self._reason_changed)

        separator = QFrame()
        separator.setFrameShape(QFrame.Shape.HLine)
        self.fee_title = QLabel()
        self.fee_qr = QLabel()
        self.fee_qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.fee_qr.setAccessibleName(_("Mã VietQR nộp phí"))

        layout = QVBoxLayout(self)
        for widget in (
            self.headline,
            self.details,
            self.link,
            self.reason_label,
            self.reason,
            self.reason_text,
            separator,
            self.fee_title,
            self.fee_qr,
        ):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.clear()

    # --- procedure guidance ---------------------------------------------------------------

    def clear(self) -> None:
        self._guide = None
        self.headline.setText(_("Chọn thủ tục để xem hướng dẫn nộp trực tuyến."))
        self.headline.setStyleSheet(_PLAIN_STYLE)
        self.details.clear()
        self.link.clear()
        self._show_reason(False)
        self.clear_fee_qr()

    def set_procedure(self, code: str, day: date) -> Guide:
        """Show the guidance of procedure `code` on `day` (dated incentives)."""
        guide = make_guide(load_guidance(self._data_dir), self._catalog.get(code), day)
        self._guide = guide
        g = guide.guidance
        headline = guide.headline
        if guide.online_only:
            headline += " " + _("Thủ tục chỉ nhận trực tuyến: hồ sơ giấy cần lãnh đạo cho phép.")
            self.headline.setStyleSheet(_ONLY_STYLE)
        elif g.can_file_online:
            self.headline.setStyleSheet(_ONLINE_STYLE)
        else:
            self.headline.setStyleSheet(_PLAIN_STYLE)
        self.headline.setText(headline)
        lines = []
        if g.can_file_online:
            lines.append(
                _("Mức độ: {level}. {vneid}").format(
                    level=guide.level_label, vneid=guide.vneid_note
                )
            )
            lines.append(
                _("Phí, lệ phí: tại quầy {counter}; trực tuyến {online}.").format(
                    counter=money(guide.fees.counter_vnd), online=money(guide.fees.online_vnd)
                )
            )
            lines += [f"• {rule.title}" for rule in (*guide.fees.rules, *guide.fees.notices)]
        self.details.setText("\n".join(lines))
        url = g.portal_page
        self.link.setText(f'<a href="{url}">{_("Mở trang thủ tục trên Cổng")}</a>')
        self._show_reason(g.can_file_online)
        return guide

    @property
    def guide(self) -> Guide | None:
        return self._guide

    # --- reasons for paper ------------------------------------------------------------------

    def _show_reason(self, visible: bool) -> None:
        self.reason_label.setVisible(visible)
        self.reason.setVisible(visible)
        self.reason.setCurrentIndex(0)
        self.reason_text.clear()
        self.reason_text.setVisible(False)

    def paper_reason(self) -> str | None:
        """The reason in its stored form ("other: TEXT"), or None when none is chosen."""
        code = self.reason.currentData()
        if not code:
            return None
        if code == OTHER:
            text = self.reason_text.text().strip()
            return f"{OTHER}: {text}" if text else OTHER
        return str(code)

    def _reason_changed(self, *_args: object) -> None:
        self.reason_text.setVisible(self.reason.currentData() == OTHER)
        self.paperReasonChanged.emit(self.paper_reason() or "")

    # --- VietQR fee -------------------------------------------------------------------------

    def show_fee_qr(self, payload: str, amount: int, dossier_code: str) -> None:
        """Show the VietQR code of a dossier's fee (from `guidance.payments.fee_qr_payload`)."""
        self.fee_title.setText(
            _("Quét mã bằng ứng dụng ngân hàng để nộp {amount} — nội dung: {code}").format(
                amount=money(amount), code=dossier_code
            )
        )
        self.fee_qr.setPixmap(qr_pixmap(payload))
        self.fee_title.setVisible(True)
        self.fee_qr.setVisible(True)

    def clear_fee_qr(self) -> None:
        self.fee_title.clear()
        self.fee_qr.clear()
        self.fee_title.setVisible(False)
        self.fee_qr.setVisible(False)
