"""The intake screen's guidance panel (pytest-qt, offscreen)."""

from __future__ import annotations

from datetime import date

import pytest
import zxingcpp
from PIL import Image

from counter_app.domain.lifecycle import Role
from counter_app.guidance.data import admin_correct
from counter_app.kernel.users import Actor
from counter_app.payments.vietqr import VietQR, build_payload, parse_payload
from ui.guidance_panel import ONLINE_TONE, ONLY_TONE, GuidancePanel

pytestmark = pytest.mark.gui
ADMIN = Actor("quantri", "Quản trị", Role.ADMIN)


@pytest.fixture
def panel(qtbot, ctx) -> GuidancePanel:
    widget = GuidancePanel(ctx.catalog, ctx.data_dir)
    qtbot.add_widget(widget)
    widget.show()
    return widget


def test_online_procedure_shows_the_saving(panel: GuidancePanel) -> None:
    guide = panel.set_procedure("1.004222", date(2026, 5, 4))
    assert guide.fees.saving_vnd == 10000
    assert "tiết kiệm 10.000 đ" in panel.headline.text()
    assert panel.headline.property("banner") == ONLINE_TONE
    assert "20.000 đ" in panel.details.text()
    assert guide.guidance.portal_page in panel.link.text()
    assert panel.reason.isVisible()


def test_counter_only_procedure_asks_no_reason(panel: GuidancePanel) -> None:
    panel.set_procedure("2.000815", date(2026, 5, 4))
    assert "chưa nộp trực tuyến" in panel.headline.text()
    assert not panel.reason.isVisible()
    assert panel.paper_reason() is None


def test_online_only_procedure_is_flagged(panel: GuidancePanel, ctx) -> None:
    admin_correct(ctx, ADMIN, "online_only", "1.001193", {"source": "QĐ thử"})
    panel.set_procedure("1.001193", date(2026, 5, 4))
    assert "lãnh đạo" in panel.headline.text()
    assert panel.headline.property("banner") == ONLY_TONE


def test_paper_reason_choice(panel: GuidancePanel, qtbot) -> None:
    panel.set_procedure("1.001193", date(2026, 5, 4))
    with qtbot.wait_signal(panel.paperReasonChanged) as signal:
        panel.reason.setCurrentIndex(panel.reason.findData("no_smartphone"))
    assert signal.args == ["no_smartphone"]
    panel.reason.setCurrentIndex(panel.reason.findData("other"))
    assert panel.reason_text.isVisible()
    panel.reason_text.setText("Quên mật khẩu")
    assert panel.paper_reason() == "other: Quên mật khẩu"
    panel.set_procedure("1.004222", date(2026, 5, 4))  # a new procedure starts over
    assert panel.paper_reason() is None


def test_fee_qr_on_screen_decodes_back(panel: GuidancePanel, tmp_path) -> None:
    payload = build_payload(VietQR("970436", "0011001800879", 8000, "000.00.22.H56-260504-0001"))
    panel.show_fee_qr(payload, 8000, "000.00.22.H56-260504-0001")
    assert "8.000 đ" in panel.fee_title.text()
    image = panel.fee_qr.pixmap().toImage()
    path = tmp_path / "qr.png"
    assert image.save(str(path), "PNG")
    decoded = zxingcpp.read_barcodes(Image.open(path))[0].text
    assert parse_payload(decoded).amount == 8000
    panel.clear_fee_qr()
    assert not panel.fee_qr.isVisible()
