"""The detail view: the electronic result offered on "Có kết quả" (file or scanner), the
page count with "Quét / Trang", and the fee collected later with VietQR or cash."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from pytestqt.qtbot import QtBot

from counter_app.domain.applicants import Person
from counter_app.domain.lifecycle import Role, Status
from counter_app.dossiers.service import IntakeRequest, intake, move
from counter_app.kernel.context import AppContext
from counter_app.kernel.dossier_store import get_dossier
from counter_app.kernel.users import Actor, add_user
from counter_app.scanning.devices import CancelToken, DeviceInfo, Registry, ScanRequest
from counter_app.scanning.pages import list_pages
from ui.actions import ACTIONS_BY_KEY
from ui.detail_view import DossierDetailView
from ui.intake_dialogs import PaymentDialog
from ui.result_dialog import ResultDialog

PERSON = Person(name="Trần Thị Bích", id_number="056190001234")


@pytest.fixture
def clerk(ctx: AppContext) -> Actor:
    return add_user(ctx, "tiepnhan1", "demo1234", Role.CLERK, "Nguyễn Thị Mỹ Linh")


def open_detail(qtbot: QtBot, ctx: AppContext, clerk: Actor, code: str) -> DossierDetailView:
    view = DossierDetailView(ctx, clerk)
    qtbot.add_widget(view)
    with qtbot.wait_signal(view.loaded, timeout=10000):
        view.load(code)
    return view


def result_page(path: Path) -> Path:
    image = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(image)
    for line in range(30):
        draw.rectangle((150, 200 + line * 40, 1000, 215 + line * 40), fill=0)
    image.save(path, dpi=(150, 150))
    return path


def resolve(qtbot: QtBot, detail: DossierDetailView) -> ResultDialog:
    detail.start_action(ACTIONS_BY_KEY["resolve"])
    assert detail.dialog is not None
    with qtbot.wait_signal(detail.action_done, timeout=10000):
        detail.dialog.submit()
    dialog = detail.result_dialog
    assert isinstance(dialog, ResultDialog) and dialog.isVisible()
    return dialog


def test_resolving_offers_the_result_and_the_file_is_attached_as_result(
    qtbot: QtBot, ctx: AppContext, clerk: Actor, tmp_path: Path
) -> None:
    code = intake(ctx, IntakeRequest("1.001193", PERSON), clerk).code
    move(ctx, code, Status.PROCESSING, clerk)
    detail = open_detail(qtbot, ctx, clerk, code)
    assert detail.scan_button.text().endswith("(0)")
    dialog = resolve(qtbot, detail)
    with qtbot.wait_signal(dialog.attached, timeout=20000) as attached:
        dialog.attach_files([result_page(tmp_path / "ket-qua.png")])
    assert attached.args[0] == 1
    pages = list_pages(ctx, code)
    assert [page.is_result for page in pages] == [True]
    qtbot.wait_until(lambda: detail.scan_button.text().endswith("(1)"), timeout=10000)
    assert "Số trang đã số hóa: 1" in detail.header.text()
    assert get_dossier(ctx, code).status == Status.RESOLVED.value


def test_a_bad_result_file_says_why_and_stores_nothing(
    qtbot: QtBot, ctx: AppContext, clerk: Actor, tmp_path: Path
) -> None:
    code = intake(ctx, IntakeRequest("1.001193", PERSON), clerk).code
    detail = open_detail(qtbot, ctx, clerk, code)
    dialog = resolve(qtbot, detail)
    broken = tmp_path / "hong.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    dialog.attach_files([broken])
    qtbot.wait_until(lambda: dialog.file_button.isEnabled(), timeout=10000)
    assert dialog.status.text() and "Đang lưu" not in dialog.status.text()
    assert dialog.isVisible()
    assert list_pages(ctx, code) == []


@dataclass
class PaperScanner:
    page: Path
    info: DeviceInfo = field(default_factory=lambda: DeviceInfo("paper:0", "paper", model="ADF"))

    def scan(self, request: ScanRequest, cancel: CancelToken) -> Iterator[Image.Image]:
        yield Image.open(self.page)
        yield Image.open(self.page)

    def close(self) -> None:
        pass


@dataclass
class PaperBackend:
    scanner: PaperScanner
    name: str = "paper"

    def available(self) -> bool:
        return True

    def devices(self) -> list[DeviceInfo]:
        return [self.scanner.info]

    def open(self, name: str) -> PaperScanner:
        return self.scanner


def test_result_scanned_from_a_scanner(
    qtbot: QtBot, ctx: AppContext, clerk: Actor, tmp_path: Path
) -> None:
    code = intake(ctx, IntakeRequest("1.001193", PERSON), clerk).code
    move(ctx, code, Status.PROCESSING, clerk)
    scanner = PaperScanner(result_page(tmp_path / "p.png"))
    dialog = ResultDialog(
        ctx, clerk, code, registry_factory=lambda: Registry([PaperBackend(scanner)])
    )
    qtbot.add_widget(dialog)
    dialog.show()
    qtbot.wait_until(lambda: dialog.scan_button.isEnabled(), timeout=10000)
    with qtbot.wait_signal(dialog.attached, timeout=20000) as attached:
        dialog.scan_button.click()
    assert attached.args[0] == 2
    assert [page.is_result for page in list_pages(ctx, code)] == [True, True]


def test_fee_collected_later_from_the_detail(qtbot: QtBot, ctx: AppContext, clerk: Actor) -> None:
    from counter_app.domain.fees import PaymentMethod

    code = intake(ctx, IntakeRequest("2.000635", PERSON), clerk).code  # 8.000 đ, unpaid
    detail = open_detail(qtbot, ctx, clerk, code)
    assert detail.fee_button.isEnabled()
    assert "8.000 đ" in detail.header.text()
    detail.fee_button.click()
    dialog = detail.fee_dialog
    assert isinstance(dialog, PaymentDialog)
    qtbot.wait_until(lambda: dialog.state is not None, timeout=10000)
    with qtbot.wait_signal(dialog.paid, timeout=10000):
        dialog.method_buttons[PaymentMethod.CASH].click()
    assert get_dossier(ctx, code).payment_method == "cash"
    qtbot.wait_until(lambda: not detail.fee_button.isEnabled(), timeout=10000)
