"""Kiểm tra toàn vẹn dữ liệu: `verify` run from the settings screen, in the background.

The check runs as a job of the database thread (ui/tasks.py) with a progress bar; "Dừng"
asks it to stop at its next step (a flag it reads on its own thread), and the answer, or
the fact that it stopped, is shown in words.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.errors import CounterError
from counter_app.i18n import _, ngettext
from counter_app.kernel.context import AppContext
from counter_app.maintenance.service import VerifyReport, repair_search_index, verify
from ui.errors import show_error
from ui.tasks import Op, TaskRunner

SHOWN_PROBLEMS = 5
"""Problems listed on the screen; `counter-app verify` lists them all."""


def number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def report_text(report: VerifyReport) -> str:
    """The result in words: what was checked, then the problems or that there are none."""
    checked = _("Đã kiểm tra {dossiers} hồ sơ, {events} sự kiện, {pages} trang đã quét.").format(
        dossiers=number(report.dossiers), events=number(report.events), pages=number(report.pages)
    )
    lines = [checked]
    if report.ok:
        lines.insert(0, _("Dữ liệu toàn vẹn: không phát hiện sai lệch."))
    else:
        found = len(report.problems)
        lines.insert(
            0,
            ngettext(
                "Phát hiện {n} vấn đề về toàn vẹn dữ liệu:",
                "Phát hiện {n} vấn đề về toàn vẹn dữ liệu:",
                found,
            ).format(n=number(found)),
        )
        lines.extend(f"• {problem}" for problem in report.problems[:SHOWN_PROBLEMS])
        if found > SHOWN_PROBLEMS:
            lines.append(_("… và {n} vấn đề khác.").format(n=number(found - SHOWN_PROBLEMS)))
    lines.extend(f"⚠ {warning}" for warning in report.warnings)
    return "\n".join(lines)


def _checked(
    ctx: AppContext,
    progress: Callable[[int, int], None],
    stop: threading.Event,
    *,
    repair_first: bool,
) -> VerifyReport:
    if repair_first:
        repair_search_index(ctx)
    return verify(ctx, progress=progress, cancelled=stop.is_set)


class VerifySection(QGroupBox):
    """Signals are those of the job (`op`), kept while it runs."""

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, runner: TaskRunner | None = None
    ) -> None:
        super().__init__(_("Kiểm tra toàn vẹn dữ liệu"), parent)
        self._ctx = ctx
        self._runner = runner
        self._stop = threading.Event()
        self.op: Op[VerifyReport] | None = None
        self.start_button = QPushButton(_("&Kiểm tra ngay"))
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton(_("&Dừng"))
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop)
        self.repair_button = QPushButton(_("Dựng lại chỉ mục tìm kiếm"))
        self.repair_button.setToolTip(
            _("Dựng lại chỉ mục từ hồ sơ khi có hồ sơ không tìm thấy, rồi kiểm tra lại.")
        )
        self.repair_button.clicked.connect(self.repair)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.result = QLabel(
            _(
                "Kiểm tra chuỗi sự kiện, sổ theo dõi và các trang đã quét. Màn hình vẫn dùng "
                "được; việc cần cơ sở dữ liệu chờ đến khi kiểm tra xong hoặc dừng."
            )
        )
        self.result.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)  # beside the backups: narrow, one button a row at most two
        layout.addLayout(buttons)
        layout.addWidget(self.repair_button)
        layout.addWidget(self.progress)
        layout.addWidget(self.result)

    @property
    def running(self) -> bool:
        return self.op is not None

    def start(self) -> None:
        self._run(repair_first=False)

    def repair(self) -> None:
        """Rebuild the search index from the dossiers, then check everything again."""
        self._run(repair_first=True)

    def _run(self, *, repair_first: bool) -> None:
        if self.running:
            return
        self._stop = threading.Event()
        stop, ctx = self._stop, self._ctx
        self.start_button.setEnabled(False)
        self.repair_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.progress.setRange(0, 0)  # busy until the first count arrives
        self.progress.setVisible(True)
        self.result.setText(_("Đang kiểm tra…"))
        self.op = (
            Op(
                self,
                lambda progress: _checked(ctx, progress, stop, repair_first=repair_first),
                runner=self._runner,
            )
            .with_progress(self._progressed)
            .on_success(self._done)
            .on_error(self._failed)
        )
        self.op.finished.connect(self._ended)
        self.op.start()

    def stop(self) -> None:
        """Ask the check to stop at its next step."""
        if self.running:
            self._stop.set()
            self.stop_button.setEnabled(False)
            self.result.setText(_("Đang dừng…"))

    def _progressed(self, done: int, total: int) -> None:
        if self._stop.is_set():
            return
        # A bar counts in 32 bits; a percentage never overflows it.
        self.progress.setRange(0, 1000)
        self.progress.setValue(1000 * done // total if total else 1000)
        self.result.setText(
            _("Đang kiểm tra… {done}/{total}").format(done=number(done), total=number(total))
        )

    def _done(self, report: VerifyReport) -> None:
        self.result.setText(report_text(report))

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, CounterError):  # VerifyStopped among them: said as it is
            self.result.setText(exc.message)
        else:
            self.result.setText(_("Không kiểm tra được; xem thông báo lỗi."))
            show_error(self, exc)

    def _ended(self) -> None:
        self.op = None
        self.start_button.setEnabled(True)
        self.repair_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        self.progress.setVisible(False)
