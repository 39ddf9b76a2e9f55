"""The dashboard (Báo cáo): today, this month's report window, a 12-month trend, per staff
member, the late dossiers with who holds them, and the monthly report's export.

Charts are painted with QPainter (QtCharts is not in PySide6-Essentials). Every bar carries
its number and every series a text legend, so colour is never the only signal.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.lifecycle import Channel
from counter_app.i18n import N_, _
from counter_app.services.context import AppContext
from counter_app.services.reporting import (
    DashboardData,
    dashboard_summary,
    export_periodic,
    report_periodic,
)
from counter_app.services.users import Actor
from ui.bus import Changes, bus
from ui.pages import register_page
from ui.tasks import Op, TaskRunner

# Distinct in colour and in lightness, so they also read in grey.
SERIES_COLOURS = ("#1f5fa8", "#2e9d5b", "#d08a1c", "#b8322a", "#7b4fa0")


class BarChart(QWidget):
    """Grouped bars with their values written on them, category labels and a legend."""

    def __init__(self, series: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series = list(series)
        self.categories: list[str] = []
        self.values: list[list[int]] = []
        self.setMinimumHeight(200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_data(self, categories: Sequence[str], values: Sequence[Sequence[int]]) -> None:
        """`values[i]` holds one number per series for `categories[i]`."""
        self.categories = list(categories)
        self.values = [list(row) for row in values]
        lines = [
            f"{category}: "
            + ", ".join(f"{name} {value}" for name, value in zip(self.series, row, strict=False))
            for category, row in zip(self.categories, self.values, strict=False)
        ]
        self.setAccessibleDescription("; ".join(lines))
        self.setToolTip("\n".join(lines))
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(480, 240)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text_colour = self.palette().color(QPalette.ColorRole.WindowText)
        metrics = painter.fontMetrics()
        line = metrics.height()
        width, height = self.width(), self.height()
        # legend
        x = 4.0
        for index, name in enumerate(self.series):
            painter.fillRect(QRectF(x, 4, line * 0.8, line * 0.8), QColor(self._colour(index)))
            painter.setPen(text_colour)
            painter.drawText(
                QRectF(x + line, 0, width, line + 4), Qt.AlignmentFlag.AlignVCenter, name
            )
            x += line + metrics.horizontalAdvance(name) + line
        top, bottom = line * 2 + 6, height - line - 6
        if not self.categories or bottom <= top:
            painter.drawText(
                QRectF(0, top, width, max(line, bottom - top)),
                Qt.AlignmentFlag.AlignCenter,
                _("Chưa có số liệu"),
            )
            return
        peak = max((max(row) for row in self.values if row), default=0) or 1
        slot = width / len(self.categories)
        bar = max(2.0, slot * 0.8 / max(1, len(self.series)))
        for position, (category, row) in enumerate(zip(self.categories, self.values, strict=False)):
            left = position * slot + slot * 0.1
            for index, value in enumerate(row):
                bar_height = (bottom - top - line) * value / peak
                rect = QRectF(left + index * bar, bottom - bar_height, bar - 1, bar_height)
                painter.fillRect(rect, QColor(self._colour(index)))
                painter.setPen(text_colour)
                painter.drawText(
                    QRectF(rect.left() - 8, rect.top() - line, rect.width() + 16, line),
                    Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                    str(value),
                )
            painter.setPen(text_colour)
            painter.drawText(
                QRectF(position * slot, bottom + 2, slot, line + 4),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                category,
            )
        painter.drawLine(0, int(bottom), width, int(bottom))

    @staticmethod
    def _colour(index: int) -> str:
        return SERIES_COLOURS[index % len(SERIES_COLOURS)]


def _table(headers: Sequence[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.verticalHeader().setVisible(False)
    return table


def _fill(table: QTableWidget, rows: Sequence[Sequence[object]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem(str(value))
            if isinstance(value, int):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)


class DashboardView(QWidget):
    """Loads `dashboard_summary` off the GUI thread; reloads when dossiers change."""

    def __init__(
        self,
        ctx: AppContext,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        runner: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.actor = actor
        self._runner = runner
        self.data: DashboardData | None = None

        self.reminder = QLabel()
        self.reminder.setWordWrap(True)
        self.reminder.setVisible(False)
        self.today_label = QLabel()
        self.month_label = QLabel()
        for label in (self.today_label, self.month_label):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.today_chart = BarChart([_("Hồ sơ tiếp nhận")])
        self.month_chart = BarChart([_("Số hồ sơ")])
        self.trend_chart = BarChart([_("Tiếp nhận"), _("Đã giải quyết"), _("Quá hạn")])
        self.staff_chart = BarChart([_("Tiếp nhận trong kỳ"), _("Đang giữ"), _("Trễ hạn")])
        self.late_table = _table(
            [_("Mã hồ sơ"), _("Người đang giữ"), _("Hạn trả"), _("Tình trạng"), _("Thủ tục")]
        )
        self.late_entries_label = QLabel()
        self.late_entries_label.setWordWrap(True)
        self.late_entries_table = _table(
            [
                _("Mã hồ sơ"),
                _("Người nhập"),
                _("Nhập vào lúc"),
                _("Tiếp nhận lúc"),
                _("Lý do nhập muộn"),
            ]
        )
        self.refresh_button = QPushButton(_("&Làm mới"))
        self.refresh_button.clicked.connect(self.refresh)
        self.export_pdf_button = QPushButton(_("Xuất báo cáo tháng (&PDF)…"))
        self.export_pdf_button.clicked.connect(lambda: self.export("pdf"))
        self.export_xlsx_button = QPushButton(_("Xuất báo cáo tháng (&Excel)…"))
        self.export_xlsx_button.clicked.connect(lambda: self.export("xlsx"))
        self.message = QLabel()

        buttons = QHBoxLayout()
        for button in (self.refresh_button, self.export_pdf_button, self.export_xlsx_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.message)

        grid = QGridLayout()
        grid.addWidget(self._box(_("Hôm nay"), self.today_label, self.today_chart), 0, 0)
        grid.addWidget(
            self._box(_("Kỳ báo cáo tháng này"), self.month_label, self.month_chart), 0, 1
        )
        grid.addWidget(self._box(_("12 tháng gần đây"), None, self.trend_chart), 1, 0, 1, 2)
        grid.addWidget(self._box(_("Theo cán bộ"), None, self.staff_chart), 2, 0)
        grid.addWidget(self._box(_("Hồ sơ trễ hạn và sắp đến hạn"), None, self.late_table), 2, 1)
        grid.addWidget(
            self._box(
                _("Hồ sơ nhập muộn trong kỳ"), self.late_entries_label, self.late_entries_table
            ),
            3,
            0,
            1,
            2,
        )
        content = QWidget()
        inner = QVBoxLayout(content)
        inner.addWidget(self.reminder)
        inner.addLayout(grid)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(scroll, 1)
        bus().changes_applied.connect(self._changes_applied)
        self.refresh()

    @staticmethod
    def _box(title: str, label: QLabel | None, body: QWidget) -> QGroupBox:
        box = QGroupBox(title)
        layout = QVBoxLayout(box)
        if label is not None:
            layout.addWidget(label)
        layout.addWidget(body, 1)
        return box

    def refresh(self) -> None:
        ctx = self.ctx
        self.message.setText(_("Đang tải…"))
        Op(self, lambda: dashboard_summary(ctx), runner=self._runner).on_success(
            self.show_data
        ).start()

    def show_data(self, data: DashboardData) -> None:
        self.data = data
        self.message.setText("")
        today = data.today
        channels = today["by_channel"]
        self.today_label.setText(_("{n} hồ sơ tiếp nhận hôm nay").format(n=today["received"]))
        self.today_chart.set_data(
            [Channel(name).label for name in channels], [[n] for n in channels.values()]
        )
        month = data.month
        totals = month.totals
        self.month_label.setText(
            _(
                "{label} ({start} – {end}): nhận {received} (kỳ trước chuyển sang {carried}), "
                "đã giải quyết {resolved}, đang giải quyết {open}"
            ).format(
                label=month.period.label,
                start=month.period.date_from.strftime("%d/%m/%Y"),
                end=month.period.date_to.strftime("%d/%m/%Y"),
                received=totals["received"],
                carried=totals["carried_over"],
                resolved=totals["resolved"],
                open=totals["in_progress"],
            )
        )
        self.month_chart.set_data(
            [_(text) for text in MONTH_COLUMN_LABELS.values()],
            [[totals[key]] for key in MONTH_COLUMN_LABELS],
        )
        self.trend_chart.set_data(
            [point.label for point in data.trend],
            [
                [
                    point.totals["received"],
                    point.totals["resolved"],
                    point.totals["resolved_late"] + point.totals["in_progress_overdue"],
                ]
                for point in data.trend
            ],
        )
        self.staff_chart.set_data(
            [row["login"] for row in data.staff],
            [[row["received"], row["open"], row["late"]] for row in data.staff],
        )
        _fill(
            self.late_table,
            [
                (
                    d.code,
                    d.handler,
                    d.due_at.strftime("%d/%m/%Y %H:%M"),
                    _("Trễ hạn {n} ngày làm việc").format(n=d.working_days_late)
                    if d.working_days_late
                    else _("Sắp đến hạn"),
                    d.procedure_name,
                )
                for d in data.late
            ],
        )
        entries = month.late_entries
        self.late_entries_label.setText(
            _("Trong kỳ có {n} hồ sơ nhập muộn (xem danh sách)").format(n=len(entries))
            if entries
            else _("Không có hồ sơ nhập muộn trong kỳ.")
        )
        _fill(
            self.late_entries_table,
            [
                (
                    e.code,
                    e.entered_by,
                    e.entered_at.strftime("%d/%m/%Y %H:%M"),
                    e.received_at.strftime("%d/%m/%Y %H:%M"),
                    e.reason,
                )
                for e in entries
            ],
        )
        reminder = data.reminder
        self.reminder.setVisible(reminder is not None)
        if reminder is not None:
            self.reminder.setText(
                _(
                    "Nhắc việc: báo cáo {label} (số liệu đến {end}) phải gửi trước hết ngày "
                    "{due} — còn {n} ngày làm việc."
                ).format(
                    label=reminder.period.label,
                    end=reminder.period.date_to.strftime("%d/%m/%Y"),
                    due=reminder.due.strftime("%d/%m/%Y"),
                    n=reminder.working_days_left,
                )
            )

    def export(self, kind: str, path: Path | None = None) -> None:
        """Export the current month's report; asks for a file unless `path` is given."""
        if self.data is None:
            return
        if path is None:
            pattern = _("PDF (*.pdf)") if kind == "pdf" else _("Excel (*.xlsx)")
            chosen, _filter = QFileDialog.getSaveFileName(
                self,
                _("Lưu báo cáo tháng"),
                f"bao-cao-{self.data.month.period.date_to}.{kind}",
                pattern,
            )
            if not chosen:
                return
            path = Path(chosen)
        ctx, period = self.ctx, self.data.month.period
        target = path

        def work() -> Path:
            report = report_periodic(ctx, period)
            if kind == "pdf":
                export_periodic(ctx, report, pdf=target)
            else:
                export_periodic(ctx, report, xlsx=target)
            return target

        self.message.setText(_("Đang xuất báo cáo…"))
        Op(self, work, runner=self._runner).on_success(
            lambda written: self.message.setText(_("Đã lưu {path}").format(path=written))
        ).start()

    def _changes_applied(self, changes: Changes, initiator: QObject | None) -> None:
        if changes.counts:
            self.refresh()


MONTH_COLUMN_LABELS = {
    "resolved_early": N_("Trước hạn"),
    "resolved_on_time": N_("Đúng hạn"),
    "resolved_late": N_("Quá hạn"),
    "in_progress_in_time": N_("Đang trong hạn"),
    "in_progress_overdue": N_("Đang quá hạn"),
}

register_page("reports", N_("Báo cáo"), lambda ctx, actor: DashboardView(ctx, actor))
