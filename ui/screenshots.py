"""Screenshots of every screen for the user guide:

    python -m ui.screenshots OUT_DIR [--size 1366x768] [--text-size 11] [--theme light]

Runs on demo data in a temporary directory (seeded demo, so the same screens each run),
under Xvfb (`xvfb-run -a -s "-screen 0 1366x768x24" python -m ui.screenshots
docs/screenshots`) or offscreen; each window or dialog is shown without blocking and
grabbed to a PNG. `SHOT_NAMES` lists every file one run writes; the numbers of existing
shots stay stable, new screens get new ones.

`--size` is the counter's screen: the main window is taken as it is maximised there above
a 40 px taskbar (1366×768 gives a 1366×697 picture), dialogs no larger than the screen
leaves them. `--text-size` is the Cài đặt text size (points). The user guide's pictures
are the defaults, 1366×768 at 11 pt, the common counter screen at the default size; a
shot that would not fit that screen is listed in `Camera.oversized`. `--theme` is the
Cài đặt theme (`light`, `high_contrast`); the user guide shows both (docs/screenshots and
docs/screenshots/high-contrast, the same file names).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QSize, QTimer
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QDialog, QMainWindow, QVBoxLayout, QWidget

from counter_app.domain.applicants import Person
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.i18n import set_language
from counter_app.kernel.context import AppContext, open_context
from counter_app.kernel.users import Actor, authenticate
from counter_app.kernel.views import DossierView
from counter_app.maintenance.auto import (
    BackupState,
    save_passphrase,
    set_backup_folder,
    write_state,
)
from counter_app.scanning.devices import DeviceInfo, Registry, Scanner, ScannerError, Source
from ui.app import application
from ui.detail_view import ActionDialog
from ui.fit import dialog_room, maximised_size
from ui.intake_view import IntakeView
from ui.login import IdleWatcher, LoginDialog, SessionLock
from ui.main_window import DossierDeskPage, MainWindow
from ui.settings import TEXT_SIZE, THEME, UiSettings, apply_appearance
from ui.style import LIGHT, PALETTES, applied_style, colour
from ui.tasks import default_runner

SAMPLE_QR = (
    "056090001234|225123456|Nguyễn Văn Đức|15031990|Nam|"
    "Tổ 5, Phường Bắc Nha Trang, Khánh Hòa|01072021"
)
DEMO_PASSWORD = "demo1234"
DEFAULT_SCREEN = QSize(1366, 768)
DEFAULT_TEXT_SIZE = 11

SHOT_NAMES = (
    "01-dang-nhap.png",
    "02-tiep-nhan-chon-thu-tuc.png",
    "03-tiep-nhan-quet-qr.png",
    "04-ho-so.png",
    "05-yeu-cau-bo-sung.png",
    "06-tra-ket-qua.png",
    "07-bao-cao.png",
    "08-dong-bo.png",
    "09-cai-dat.png",
    "10-khoa-man-hinh.png",
    "11-mo-khoa.png",
    "12-english.png",
    "13-thu-phi-vietqr.png",
    "14-lanh-dao-cho-phep.png",
    "15-dinh-kem-ket-qua.png",
    "16-quet-trang.png",
    "17-xem-truoc-phieu-tiep-nhan.png",
    "18-phieu-nop-phi-vietqr.png",
    "19-to-huong-dan.png",
    "20-kiem-tra-giay-tiep-nhan.png",
    "21-gia-han-xin-loi.png",
    "22-bo-sung-lan-2.png",
    "23-ngay-nghi-le.png",
    "24-cai-dat-lan-dau-don-vi.png",
    "25-cai-dat-lan-dau-quan-tri.png",
    "26-cai-dat-lan-dau-may-in.png",
    "27-cai-dat-lan-dau-dang-ky-tinh.png",
)


class ScreenTooSmall(RuntimeError):
    """Some shots were larger than the screen leaves a window or a dialog (all were taken)."""

    def __init__(self, screen: QSize, shots: list[str]) -> None:
        size = f"{screen.width()}×{screen.height()}"
        super().__init__(f"larger than a {size} screen leaves: " + "; ".join(shots))
        self.shots = shots


def settle(ms: int = 300) -> None:
    """Let background jobs finish and the window repaint."""
    for _round in range(3):
        default_runner().wait_idle()
        loop = QEventLoop()
        QTimer.singleShot(ms // 3, loop.quit)
        loop.exec()


@dataclass
class Camera:
    out_dir: Path
    taken: list[Path] = field(default_factory=list)
    screen: QSize = field(default_factory=lambda: QSize(DEFAULT_SCREEN))
    oversized: list[str] = field(default_factory=list)
    """Shots of a window or dialog larger than the screen leaves it (should stay empty)."""

    def window_size(self) -> QSize:
        return maximised_size(self.screen)

    def fit(self, widget: QWidget, width: int, height: int) -> None:
        """Resize a dialog to `width` × `height`, or to what the screen leaves."""
        room = dialog_room(self.screen)
        widget.resize(QSize(width, height).boundedTo(room).expandedTo(widget.minimumSizeHint()))

    def grab(self, widget: QWidget, name: str, *, dialog: QWidget | None = None) -> None:
        """Save `widget` as `name`; with `dialog` drawn in its middle as a window manager would
        show it (Xvfb has none, so a dialog is a top-level picture of its own)."""
        if name not in SHOT_NAMES:
            raise ValueError(f"{name} is not in SHOT_NAMES")
        settle()
        room = self.window_size() if isinstance(widget, QMainWindow) else dialog_room(self.screen)
        if widget.width() > room.width() or widget.height() > room.height():
            self.oversized.append(f"{name}: {widget.width()}×{widget.height()}")
        picture = widget.grab()
        if dialog is not None:
            top = dialog.grab()
            painter = QPainter(picture)
            x, y = (picture.width() - top.width()) // 2, (picture.height() - top.height()) // 3
            painter.drawPixmap(x, y, top)
            painter.setPen(colour("border_strong"))  # the frame a window manager would draw
            painter.drawRect(x - 1, y - 1, top.width() + 1, top.height() + 1)
            painter.end()
        path = self.out_dir / name
        picture.save(str(path))
        self.taken.append(path)
        print(path)

    def shoot(self, dialog: QWidget, name: str) -> None:
        """Show a dialog without blocking, grab it, close it."""
        dialog.show()
        self.grab(dialog, name)
        dialog.close()


class _ShowcaseScanners:
    """One named scanner, so the scan screen looks the same whatever this machine has."""

    name = "demo"

    def available(self) -> bool:
        return True

    def devices(self) -> list[DeviceInfo]:
        sources = (Source.FLATBED, Source.FEEDER, Source.DUPLEX)
        return [DeviceInfo("demo:0", "demo", model="Máy quét văn phòng", sources=sources)]

    def open(self, name: str) -> Scanner:
        raise ScannerError(name)


def _showcase_registry() -> Registry:
    return Registry([_ShowcaseScanners()])


def _story_dossier(ctx: AppContext, actor: Actor) -> DossierView:
    """A birth registration with scanned pages and one supplement request behind it, so the
    desk, the scan screen and the second-supplement warning all have something to show."""
    from counter_app.domain.lifecycle import Status
    from counter_app.dossiers.service import move
    from counter_app.kernel.dossier_store import get_dossier
    from counter_app.scanning.images import ColourMode, clean_page
    from counter_app.scanning.pages import attach_pages
    from counter_app.scanning.samples import text_page

    person = Person(name="Phạm Thị Hồng", id_number="056192004321", phone="0914222333")
    view = intake(ctx, IntakeRequest("1.001193", person, paper_reason="no_vneid"), actor)
    pages = [clean_page(text_page(150, seed=seed, lines=30), ColourMode.BW, dpi=150) for seed in
             range(3)]  # fmt: skip
    attach_pages(ctx, view.code, pages[:2], actor, document=1)
    attach_pages(ctx, view.code, pages[2:], actor, document=2)
    move(ctx, view.code, Status.PROCESSING, actor, None)
    move(ctx, view.code, Status.SUPPLEMENT, actor, "Thiếu Giấy chứng sinh bản chính",
         data={"items": ["Giấy chứng sinh (bản chính)"]})  # fmt: skip
    move(ctx, view.code, Status.PROCESSING, actor, "Công dân đã bổ sung")
    return get_dossier(ctx, view.code)


def _intake_shots(camera: Camera, ctx: AppContext, actor: Actor, window: MainWindow) -> None:
    window.show_page("intake")
    intake_view = window.pages["intake"]
    assert isinstance(intake_view, IntakeView)
    intake_view.picker.search.setText("khai sinh")
    camera.grab(window, "02-tiep-nhan-chon-thu-tuc.png")
    intake_view.picker.pick_current()
    intake_view.applicant.id_number.setFocus()
    intake_view.applicant.wedge.feed(SAMPLE_QR)
    intake_view.applicant.finish_wedge()
    intake_view.applicant.phone.setText("0905123456")
    reason = intake_view.guidance.reason
    reason.setCurrentIndex(reason.findData("no_vneid"))
    camera.grab(window, "03-tiep-nhan-quet-qr.png")
    sheet = intake_view.guidance.print_sheet()
    assert sheet is not None
    camera.fit(sheet, 900, 760)
    camera.grab(sheet, "19-to-huong-dan.png")
    sheet.close()


def _fee_shots(camera: Camera, ctx: AppContext, actor: Actor, window: QWidget) -> None:
    """The fee step with its VietQR code and slip, and a leader's permission for paper."""
    from counter_app.kernel.users import SYSTEM_ACTOR
    from counter_app.payments.service import set_bank_account
    from ui.intake_dialogs import LeaderOverrideDialog, PaymentDialog, PaymentSlipPreview

    set_bank_account(ctx, SYSTEM_ACTOR, "970436", "0011001800879", "UBND XA DEMO")
    person = Person(name="Trần Thị Bích", id_number="056190001234")
    fee_due = intake(ctx, IntakeRequest("2.000635", person, paper_reason="elderly"), actor)
    payment = PaymentDialog(ctx, actor, fee_due.code, window)
    camera.shoot(payment, "13-thu-phi-vietqr.png")
    slip = PaymentSlipPreview(ctx, actor, fee_due.code, window)
    camera.fit(slip, 900, 760)
    camera.shoot(slip, "18-phieu-nop-phi-vietqr.png")
    override = LeaderOverrideDialog(ctx, "Đăng ký khai sinh", window, login="lanhdao")
    override.reason.setPlainText("Cụ già 90 tuổi, không dùng điện thoại thông minh")
    camera.shoot(override, "14-lanh-dao-cho-phep.png")


def _desk_shots(
    camera: Camera, ctx: AppContext, actor: Actor, window: MainWindow, story: DossierView
) -> DossierDeskPage:
    from counter_app.documents.templates import FormKind
    from ui.actions import ACTIONS_BY_KEY
    from ui.print_preview import PrintPreviewDialog
    from ui.scan_view import ScanView

    window.show_page("dossiers")
    desk_page = window.pages["dossiers"]
    assert isinstance(desk_page, DossierDeskPage)
    settle()
    desk_page.desk.model.dossier_at(0)  # the first page of rows is fetched on demand
    settle()
    detail = desk_page.detail
    detail.load(story.code)
    camera.grab(window, "04-ho-so.png")

    today = ctx.clock().date()
    supplement = ActionDialog(ACTIONS_BY_KEY["supplement"], today, window)
    supplement.items.setPlainText("Bản sao Giấy chứng sinh\nTờ khai có chữ ký của người đi khai")
    supplement.reason.setPlainText("Thiếu giấy tờ theo quy định")
    camera.shoot(supplement, "05-yeu-cau-bo-sung.png")

    detail.start_action(ACTIONS_BY_KEY["supplement"])  # a second request: the warning first
    box = detail.confirm_box
    assert box is not None
    camera.grab(window, "22-bo-sung-lan-2.png", dialog=box)
    box.close()

    apology = ActionDialog(ACTIONS_BY_KEY["apology"], today, window)
    apology.reason.setPlainText("Chờ xác minh nơi cư trú của người mẹ tại xã khác")
    apology.approver.setText("lanhdao")
    camera.shoot(apology, "21-gia-han-xin-loi.png")

    scan_dialog = QDialog(window)
    scan = ScanView(ctx, actor, story.code, registry_factory=_showcase_registry)
    QVBoxLayout(scan_dialog).addWidget(scan)
    camera.fit(scan_dialog, 1100, 750)
    scan_dialog.show()
    settle()
    scan.pages.setCurrentRow(0)
    camera.grab(scan_dialog, "16-quet-trang.png")
    scan_dialog.close()

    preview = PrintPreviewDialog(ctx, actor, FormKind.RECEIPT, story.code, parent=window)
    camera.fit(preview, 1000, 760)
    camera.shoot(preview, "17-xem-truoc-phieu-tiep-nhan.png")
    return desk_page


def _receipt_check_shot(camera: Camera, ctx: AppContext, window: MainWindow, code: str) -> None:
    """The receipt check reading the QR of a receipt PDF, as if opened from a scan."""
    from counter_app.documents.forms import render_form
    from counter_app.documents.templates import FormKind
    from ui.receipt_verify import ReceiptVerifyView

    receipt = ctx.data_dir.parent / "giay-tiep-nhan.pdf"
    receipt.write_bytes(render_form(ctx, FormKind.RECEIPT, code).pdf)
    window.show_page("receipt_verify")
    page = window.pages["receipt_verify"]
    assert isinstance(page, ReceiptVerifyView)
    page.check_file(receipt)
    camera.grab(window, "20-kiem-tra-giay-tiep-nhan.png")


def _holiday_shot(camera: Camera, ctx: AppContext) -> None:
    """The holiday table as an administrator sees it (clerks have no edit buttons)."""
    from ui.settings_view import HolidaySection

    admin = authenticate(ctx, "quantri", DEMO_PASSWORD)
    section = HolidaySection(ctx, admin)
    camera.fit(section, 1100, 640)
    camera.shoot(section, "23-ngay-nghi-le.png")
    # Deleted through Qt: left to Python's collector, this parentless widget made the process
    # abort at exit ("shared QObject was deleted directly").
    section.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _setup_shots(camera: Camera, root: Path) -> None:
    """The first-start setup of a new data directory, one shot a step."""
    from ui.setup_wizard import DEVICES_PAGE, SetupWizard

    ctx = open_context(root / "moi", create=True)
    wizard = SetupWizard(
        ctx,
        registry_factory=_showcase_registry,
        printers=lambda: ["Máy in phiếu A5", "Máy in nhiệt 80 mm"],
    )
    camera.fit(wizard, 860, 620)
    wizard.show()
    office = wizard.office_page
    office.search.setText("bac nha")
    office.electronic_id.setText("000.00.15.H34")  # an example: the province gives the real one
    camera.grab(wizard, "24-cai-dat-lan-dau-don-vi.png")
    wizard.next()
    admin = wizard.admin_page
    admin.login.setText("quantri")
    admin.name.setText("Trần Quốc Bảo")
    for box in (admin.password, admin.again):
        box.setText(DEMO_PASSWORD)
    camera.grab(wizard, "25-cai-dat-lan-dau-quan-tri.png")
    wizard.next()  # the account is made on the database thread, then the next step
    while wizard.currentId() != DEVICES_PAGE:
        settle(100)
    camera.grab(wizard, "26-cai-dat-lan-dau-may-in.png")
    wizard.next()
    form = wizard.province_page.form
    form.address.setText("https://tinh.example")
    form.code.setText("7K2M-9QXD")
    camera.grab(wizard, "27-cai-dat-lan-dau-dang-ky-tinh.png")
    wizard.close()
    wizard.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    ctx.close()


def _backed_up(ctx: AppContext, folder: Path) -> None:
    """Shoot a counter as set up: a backup folder and passphrase, last backed up now, so
    the screens show no reminder and start no backup."""
    admin = authenticate(ctx, "quantri", DEMO_PASSWORD)
    folder.mkdir(exist_ok=True)
    set_backup_folder(ctx, admin, folder)
    save_passphrase(ctx, admin, "sao-luu-anh-chup-2026")
    write_state(ctx.data_dir, BackupState(last_good_at=ctx.clock()))


def make_demo(data_dir: Path, days: int) -> None:
    subprocess.run(
        [sys.executable, "-m", "counter_app.cli", "demo", "--days", str(days), "--data-dir",
         str(data_dir)],
        check=True,
        capture_output=True,
    )  # fmt: skip


def main(
    out_dir: Path,
    *,
    days: int = 30,
    screen: QSize = DEFAULT_SCREEN,
    text_size: int = DEFAULT_TEXT_SIZE,
    theme: str = LIGHT,
) -> list[Path]:
    """Take every shot of `SHOT_NAMES` into `out_dir` as on a `screen` with the text at
    `text_size` points in `theme`; the paths written."""
    app = application()
    out_dir.mkdir(parents=True, exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="shots-")) / "demo-data"
    make_demo(data_dir, days)
    settings = UiSettings(data_dir)
    settings.set(TEXT_SIZE, text_size)  # as if set in Cài đặt, so that screen shows it too
    settings.set(THEME, theme)
    # The style sheet and palette are put back after (a test runs this in its process).
    with applied_style(app, text_size, theme, keep_font=True):
        apply_appearance(app, settings)
        return _shoot_all(out_dir, data_dir, screen)


def _shoot_all(out_dir: Path, data_dir: Path, screen: QSize) -> list[Path]:
    camera = Camera(out_dir, screen=QSize(screen))
    ctx = open_context(data_dir)
    actor = authenticate(ctx, "tiepnhan1", DEMO_PASSWORD)
    ctx.refresh_reference()  # the catalog and calendar the screens read
    _backed_up(ctx, data_dir.parent / "sao-luu")

    login = LoginDialog(ctx)
    login.login.setText("tiepnhan1")
    camera.shoot(login, "01-dang-nhap.png")

    window = MainWindow(ctx, actor)
    window.resize(camera.window_size())
    window.show()
    _intake_shots(camera, ctx, actor, window)
    _fee_shots(camera, ctx, actor, window)
    story = _story_dossier(ctx, actor)
    desk_page = _desk_shots(camera, ctx, actor, window, story)

    window.show_page("returns")
    returns = window.pages["returns"]
    assert isinstance(returns, DossierDeskPage)
    settle()
    ready = returns.desk.model.dossier_at(0)
    if ready is not None:
        returns.detail.load(ready.code)
    camera.grab(window, "06-tra-ket-qua.png")
    for key, name in (("reports", "07-bao-cao.png"), ("sync", "08-dong-bo.png"),
                      ("settings", "09-cai-dat.png")):  # fmt: skip
        window.show_page(key)
        camera.grab(window, name)
    _receipt_check_shot(camera, ctx, window, story.code)
    _holiday_shot(camera, ctx)
    _setup_shots(camera, data_dir.parent)

    lock = SessionLock(ctx, window, IdleWatcher(0, window))
    lock.lock()
    assert lock.dialog is not None
    camera.grab(window, "10-khoa-man-hinh.png", dialog=lock.dialog)
    camera.grab(lock.dialog, "11-mo-khoa.png")
    lock.dialog.actor = actor  # as if the password was typed
    lock.dialog.accept()

    from ui.result_dialog import ResultDialog

    shown = desk_page.detail.view
    if shown is not None:
        result = ResultDialog(ctx, actor, shown.code, window, registry_factory=_showcase_registry)
        camera.shoot(result, "15-dinh-kem-ket-qua.png")

    set_language("en")
    try:
        window.rebuild()
        window.show_page("dossiers")
        camera.grab(window, "12-english.png")
    finally:
        set_language("vi")
    window.close()
    window.deleteLater()  # its dialogs and pages go with it, before the context closes
    settle()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    ctx.close()
    QCoreApplication.processEvents()
    if camera.oversized:
        raise ScreenTooSmall(camera.screen, camera.oversized)
    return camera.taken


def screen_size(text: str) -> QSize:
    """`1366x768` (or `1366×768`) as a QSize."""
    try:
        width, height = (int(part) for part in text.lower().replace("×", "x").split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT") from None
    if width < 640 or height < 480:
        raise argparse.ArgumentTypeError(f"{text!r} is smaller than 640x480")
    return QSize(width, height)


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.screenshots", description=__doc__)
    parser.add_argument("out_dir", nargs="?", type=Path, default=Path("docs/screenshots"))
    parser.add_argument(
        "--size", type=screen_size, default=DEFAULT_SCREEN, help="screen WIDTHxHEIGHT"
    )
    low, high = TEXT_SIZE.minimum or 8, TEXT_SIZE.maximum or 24  # what Cài đặt allows
    parser.add_argument(
        "--text-size",
        type=int,
        default=DEFAULT_TEXT_SIZE,
        choices=range(low, high + 1),
        metavar="POINTS",
        help=f"text size in points, {low}–{high} (default {DEFAULT_TEXT_SIZE})",
    )
    parser.add_argument(
        "--theme", choices=tuple(PALETTES), default=LIGHT, help=f"theme (default {LIGHT})"
    )
    parser.add_argument("--days", type=int, default=30, help="days of demo data")
    args = parser.parse_args(argv)
    main(args.out_dir, days=args.days, screen=args.size, text_size=args.text_size, theme=args.theme)
    return 0


if __name__ == "__main__":
    sys.exit(cli())
