"""Screenshots of every screen for the user guide: `python -m ui.screenshots OUT_DIR`.

Runs on demo data in a temporary directory, under Xvfb (`xvfb-run -a python -m
ui.screenshots docs/screenshots`) or offscreen; each window is grabbed to a PNG.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer
from PySide6.QtWidgets import QWidget

from counter_app.i18n import set_language
from counter_app.services.context import AppContext, open_context
from counter_app.services.users import Actor, authenticate
from ui.app import application
from ui.detail_view import ActionDialog
from ui.intake_view import IntakeView
from ui.login import IdleWatcher, LoginDialog, SessionLock
from ui.main_window import DossierDeskPage, MainWindow
from ui.tasks import default_runner

SAMPLE_QR = (
    "056090001234|225123456|Nguyễn Văn Đức|15031990|Nam|"
    "Tổ 5, Phường Bắc Nha Trang, Khánh Hòa|01072021"
)


def settle(ms: int = 300) -> None:
    """Let background jobs finish and the window repaint."""
    for _round in range(3):
        default_runner().wait_idle()
        loop = QEventLoop()
        QTimer.singleShot(ms // 3, loop.quit)
        loop.exec()


def grab(widget: QWidget, path: Path) -> None:
    settle()
    widget.grab().save(str(path))
    print(path)


def _intake_extras(ctx: AppContext, actor: Actor, window: QWidget, out_dir: Path) -> None:
    """The fee step with its VietQR code, and a leader's permission for paper."""
    from counter_app.domain.applicants import Person
    from counter_app.guidance.payments import set_bank_account
    from counter_app.services.dossiers import IntakeRequest, intake
    from counter_app.services.users import SYSTEM_ACTOR
    from ui.intake_dialogs import LeaderOverrideDialog, PaymentDialog

    set_bank_account(ctx, SYSTEM_ACTOR, "970436", "0011001800879", "UBND XA DEMO")
    person = Person(name="Trần Thị Bích", id_number="056190001234")
    paid = intake(ctx, IntakeRequest("2.000635", person, paper_reason="elderly"), actor)
    payment = PaymentDialog(ctx, actor, paid.code, window)
    payment.show()
    grab(payment, out_dir / "13-thu-phi-vietqr.png")
    payment.close()
    override = LeaderOverrideDialog(ctx, "Đăng ký khai sinh", window, login="lanhdao")
    override.reason.setPlainText("Cụ già 90 tuổi, không dùng điện thoại thông minh")
    override.show()
    grab(override, out_dir / "14-lanh-dao-cho-phep.png")
    override.close()


def main(out_dir: Path) -> int:
    application()
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="shots-"))
    data_dir = work / "demo-data"
    subprocess.run(
        [sys.executable, "-m", "counter_app.cli", "demo", "--days", "30", "--data-dir",
         str(data_dir)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    ctx = open_context(data_dir)
    actor = authenticate(ctx, "tiepnhan1", "demo1234")

    login = LoginDialog(ctx)
    login.login.setText("tiepnhan1")
    login.show()
    grab(login, out_dir / "01-dang-nhap.png")
    login.close()

    window = MainWindow(ctx, actor)
    window.resize(1400, 860)
    window.show()
    window.show_page("intake")
    intake = window.pages["intake"]
    assert isinstance(intake, IntakeView)
    intake.picker.search.setText("khai sinh")
    grab(window, out_dir / "02-tiep-nhan-chon-thu-tuc.png")
    intake.picker.pick_current()
    intake.applicant.id_number.setFocus()
    intake.applicant.wedge.feed(SAMPLE_QR)
    intake.applicant.finish_wedge()
    intake.applicant.phone.setText("0905123456")
    intake.guidance.reason.setCurrentIndex(intake.guidance.reason.findData("no_vneid"))
    grab(window, out_dir / "03-tiep-nhan-quet-qr.png")
    _intake_extras(ctx, actor, window, out_dir)

    window.show_page("dossiers")
    desk_page = window.pages["dossiers"]
    assert isinstance(desk_page, DossierDeskPage)
    settle()
    first = desk_page.desk.model.dossier_at(0)
    settle()
    first = desk_page.desk.model.dossier_at(0)
    if first is not None:
        desk_page.detail.load(first.code)
    grab(window, out_dir / "04-ho-so.png")

    detail = desk_page.detail
    if detail.view is not None:
        from ui.actions import ACTIONS_BY_KEY

        dialog = ActionDialog(ACTIONS_BY_KEY["supplement"], ctx.clock().date(), window)
        dialog.items.setPlainText("Bản sao Giấy chứng sinh\nTờ khai có chữ ký của người đi khai")
        dialog.reason.setPlainText("Thiếu giấy tờ theo quy định")
        dialog.show()
        grab(dialog, out_dir / "05-yeu-cau-bo-sung.png")
        dialog.close()

    window.show_page("returns")
    returns = window.pages["returns"]
    assert isinstance(returns, DossierDeskPage)
    grab(window, out_dir / "06-tra-ket-qua.png")
    for key, name in (("reports", "07-bao-cao.png"), ("sync", "08-dong-bo.png"),
                      ("settings", "09-cai-dat.png")):  # fmt: skip
        window.show_page(key)
        grab(window, out_dir / name)

    lock = SessionLock(ctx, window, IdleWatcher(0, window))
    lock.lock()
    assert lock.dialog is not None
    grab(window, out_dir / "10-khoa-man-hinh.png")
    grab(lock.dialog, out_dir / "11-mo-khoa.png")
    lock.dialog.actor = actor  # as if the password was typed
    lock.dialog.accept()

    from ui.result_dialog import ResultDialog

    resolved = desk_page.detail.view
    if resolved is not None:
        result = ResultDialog(ctx, actor, resolved.code, window)
        result.show()
        grab(result, out_dir / "15-dinh-kem-ket-qua.png")
        result.close()

    set_language("en")
    window.rebuild()
    window.show_page("dossiers")
    grab(window, out_dir / "12-english.png")
    set_language("vi")
    window.close()
    settle()
    ctx.close()
    QCoreApplication.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")))
