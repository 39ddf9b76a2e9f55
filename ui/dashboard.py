"""The dashboard (Báo cáo): today, this month's report window, the online share against the
office's target with the reasons for paper, the digitisation rate and the citizens guided
to file online (by outcome, apart from the dossiers received), the Decision 766
preview, a 12-month trend, per staff member, the late dossiers with who holds them, and the
monthly report's export.

Charts are painted with QPainter (QtCharts is not in PySide6-Essentials). Every bar carries
its number and every series a text legend, so colour is never the only signal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from PySide6.QtCore import QObject, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
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
from counter_app.domain.periods import ReportPeriod
from counter_app.guidance.policy import paper_reason_label
from counter_app.guidance.sessions import GuidanceOutcome
from counter_app.i18n import N_, _, format_decimal
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import Actor, login_label
from counter_app.reports.forms import as_of_text
from counter_app.reports.guidance import guided_summary
from counter_app.reports.online import UNSPECIFIED, format_percent
from counter_app.reports.service import (
    DashboardData,
    OnlinePanel,
    dashboard_summary,
    export_periodic,
    online_panel,
    report_periodic,
)
from ui.bus import Changes, bus
from ui.fit import FullTextDelegate
from ui.icons import icon, mark_primary
from ui.pages import register_page
from ui.style import chart_colour, colour, set_tone
from ui.tasks import Op, TaskRunner

# The series' colours are the theme's (ui/style.py `Palette.chart`): distinct in colour and
# in lightness, so they also read in grey; each bar has its value written on it.
TOP_PAPER_REASONS = 5


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
            painter.fillRect(QRectF(x, 4, line * 0.8, line * 0.8), chart_colour(index))
            painter.setPen(text_colour)
            painter.drawText(
                QRectF(x + line, 0, width, line + 4), Qt.AlignmentFlag.AlignVCenter, name
            )
            x += line + metrics.horizontalAdvance(name) + line
        slot = width / max(1, len(self.categories))
        labels = self._label_height(metrics, slot)
        top, bottom = line * 2 + 6, height - labels - 6
        if not self.categories or bottom <= top:
            painter.drawText(
                QRectF(0, top, width, max(line, bottom - top)),
                Qt.AlignmentFlag.AlignCenter,
                _("Chưa có số liệu"),
            )
            return
        peak = max((max(row) for row in self.values if row), default=0) or 1
        bar = max(2.0, slot * 0.8 / max(1, len(self.series)))
        for position, (category, row) in enumerate(zip(self.categories, self.values, strict=False)):
            left = position * slot + slot * 0.1
            for index, value in enumerate(row):
                bar_height = (bottom - top - line) * value / peak
                rect = QRectF(left + index * bar, bottom - bar_height, bar - 1, bar_height)
                painter.fillRect(rect, chart_colour(index))
                painter.setPen(text_colour)
                painter.drawText(
                    QRectF(rect.left() - 8, rect.top() - line, rect.width() + 16, line),
                    Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                    str(value),
                )
            painter.setPen(text_colour)
            painter.drawText(
                QRectF(position * slot + 2, bottom + 2, slot - 4, labels + 4),
                Qt.AlignmentFlag.AlignHCenter
                | Qt.AlignmentFlag.AlignTop
                | Qt.TextFlag.TextWordWrap,
                category,
            )
        painter.drawLine(0, int(bottom), width, int(bottom))

    def _label_height(self, metrics: QFontMetrics, slot: float) -> int:
        """Room under the bars for the longest category name, wrapped to the bar's slot
        (they overlapped on one line when the chart was narrow), at most three lines."""
        flags = int(Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap)
        box = QRect(0, 0, max(1, int(slot) - 4), metrics.height() * 3)
        needed = max(
            (metrics.boundingRect(box, flags, name).height() for name in self.categories),
            default=metrics.height(),
        )
        return min(max(needed, metrics.height()), metrics.height() * 3)


class TargetBar(QWidget):
    """One share on a 0-100 % scale with the target drawn as a line; both numbers are written
    on the chart, and the words say whether the share is below the target."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.share: float | None = None
        self.target: float | None = None
        self.setMinimumHeight(72)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_data(self, share: float | None, target: float | None) -> None:
        """`share` and `target` in per cent; None for no data or no target."""
        self.share, self.target = share, target
        text = _("Trực tuyến {share} / mục tiêu {target}").format(
            share=format_percent(share), target=format_percent(target)
        )
        self.setAccessibleDescription(text)
        self.setToolTip(text)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(420, 80)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text_colour = self.palette().color(QPalette.ColorRole.WindowText)
        metrics = painter.fontMetrics()
        line = metrics.height()
        margin = 4.0
        width = self.width() - 2 * margin
        top = line + 4.0  # the target's label sits above the bar
        bar_height = max(line + 8.0, self.height() - 2 * line - 12.0)
        track = QRectF(margin, top, width, bar_height)
        painter.fillRect(track, self.palette().color(QPalette.ColorRole.AlternateBase))
        painter.setPen(text_colour)
        painter.drawRect(track)
        below = self.share is not None and self.target is not None and self.share < self.target
        if self.share is not None:
            filled = QRectF(margin, top, width * min(self.share, 100.0) / 100.0, bar_height)
            painter.fillRect(filled, colour("late") if below else chart_colour(0))
            value = format_percent(self.share)
            inside = filled.width() > metrics.horizontalAdvance(value) + 8
            painter.setPen(colour("on_primary") if inside else text_colour)
            label_box = (
                QRectF(margin, top, filled.width() - 4, bar_height)
                if inside
                else QRectF(filled.right() + 4, top, width, bar_height)
            )
            painter.drawText(
                label_box,
                Qt.AlignmentFlag.AlignVCenter
                | (Qt.AlignmentFlag.AlignRight if inside else Qt.AlignmentFlag.AlignLeft),
                value,
            )
        else:
            painter.drawText(track, Qt.AlignmentFlag.AlignCenter, _("Chưa có số liệu"))
        # 0 % and 100 % under the bar
        painter.setPen(text_colour)
        scale = QRectF(margin, top + bar_height + 2, width, line + 2)
        painter.drawText(scale, Qt.AlignmentFlag.AlignLeft, format_percent(0))
        painter.drawText(scale, Qt.AlignmentFlag.AlignRight, format_percent(100))
        if self.target is not None:
            x = margin + width * min(self.target, 100.0) / 100.0
            pen = painter.pen()
            pen.setWidth(3)
            pen.setColor(text_colour)
            painter.setPen(pen)
            painter.drawLine(int(x), int(top - 2), int(x), int(top + bar_height + 2))
            label = _("mục tiêu {target}").format(target=format_percent(self.target))
            advance = metrics.horizontalAdvance(label)
            left = min(max(margin, x - advance / 2), margin + width - advance)
            painter.drawText(
                QRectF(left, 0, advance + 2, line + 2), Qt.AlignmentFlag.AlignLeft, label
            )


def online_summary_text(panel: OnlinePanel) -> str:
    """The panel's sentence: the share with its counts, the target and whether it is met."""
    channels = panel.channels
    by_channel = channels["by_channel"]
    target = panel.target
    if target is None:
        goal = _("chưa đặt mục tiêu")
    else:
        goal = _("mục tiêu {target}").format(target=format_percent(target.share * 100))
        if not target.confirmed:
            goal += " " + _("(mặc định, chưa xác nhận)")
    if channels["online_share"] is None:
        verdict = ""
    elif panel.below_target:
        verdict = " — " + _("▼ dưới mục tiêu")
    elif target is not None:
        verdict = " — " + _("✓ đạt mục tiêu")
    else:
        verdict = ""
    return _(
        "{label}: trực tuyến {share} ({online}/{received} hồ sơ, trong đó {assisted} nộp "
        "trực tuyến tại quầy); {goal}{verdict}"
    ).format(
        label=panel.period.label,
        share=format_percent(channels["online_share"]),
        online=by_channel["online"] + by_channel["assisted"],
        received=channels["received"],
        assisted=by_channel["assisted"],
        goal=goal,
        verdict=verdict,
    )


def top_paper_reasons(panel: OnlinePanel) -> list[tuple[str, int]]:
    """The most frequent reasons for paper (label, count), most frequent first."""
    counted = [(code, n) for code, n in panel.reasons.by_reason.items() if n]
    counted.sort(key=lambda item: -item[1])
    return [
        (_("Chưa ghi lý do") if code == UNSPECIFIED else paper_reason_label(code), n)
        for code, n in counted[:TOP_PAPER_REASONS]
    ]


def indicator_rows(panel: OnlinePanel) -> list[tuple[str, ...]]:
    """The 766 preview's rows as the table shows them; no data is said, not shown as 0."""
    rows: list[tuple[str, ...]] = []
    for item in panel.indicators["indicators"]:
        if item["has_data"]:
            rate = format_percent(item["rate"])
            fraction = f"{item['numerator']}/{item['denominator']}"
            if item.get("multiplier") is not None:  # 3.3: the online share × the sync rate
                fraction += f" × {format_percent(item['multiplier'])}"
            score = f"{format_decimal(item['points'], 2)} / {format_decimal(item['max_points'], 2)}"
        else:
            rate, fraction = _("chưa có dữ liệu"), "—"
            score = f"— / {format_decimal(item['max_points'], 2)}"
        rows.append(
            (item["code"], item["name"], rate, fraction, format_percent(item["full_at"]), score)
        )
    return rows


def _day_text(iso_day: str) -> str:
    """A day the report data holds as YYYY-MM-DD, as a person reads it: dd/mm/yyyy."""
    try:
        return date.fromisoformat(iso_day).strftime("%d/%m/%Y")
    except (TypeError, ValueError):
        return str(iso_day)


def _table(headers: Sequence[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.verticalHeader().setVisible(False)
    table.setItemDelegate(FullTextDelegate(table))  # a cut cell's whole text in its tooltip
    return table


def _stretch_column(table: QTableWidget, column: int) -> None:
    """`column` takes the spare width (and wraps); the others fit their contents."""
    header = table.horizontalHeader()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)


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
        self.online_period = QComboBox()
        self.online_period.setAccessibleName(_("Kỳ của số liệu trực tuyến"))
        self.online_period.activated.connect(self._online_period_chosen)
        self.online_label = QLabel()
        self.online_label.setWordWrap(True)
        self.online_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.online_bar = TargetBar()
        self.digitisation_label = QLabel()
        self.digitisation_label.setWordWrap(True)
        self.guided_label = QLabel()
        self.guided_label.setWordWrap(True)
        self.guided_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.guided_chart = BarChart([_("Lượt hướng dẫn nộp trực tuyến")])
        self.guided_chart.setMinimumHeight(150)
        self.reasons_table = _table([_("Lý do nộp hồ sơ giấy"), _("Số hồ sơ")])
        self.reasons_table.setMinimumHeight(120)
        self.online: OnlinePanel | None = None
        self._periods: list[ReportPeriod] = []
        self.indicators_note = QLabel()
        self.indicators_note.setWordWrap(True)
        self.indicators_table = _table(
            [
                _("Mã"),
                _("Chỉ số"),
                _("Tỷ lệ"),
                _("Tử số/mẫu số"),
                _("Ngưỡng tối đa"),
                _("Điểm"),
            ]
        )
        self.indicators_table.setMinimumHeight(260)
        self.indicators_table.setWordWrap(True)
        _stretch_column(self.indicators_table, 1)
        _stretch_column(self.reasons_table, 0)
        self.refresh_button = QPushButton(_("&Làm mới"))
        self.refresh_button.clicked.connect(self.refresh)
        self.refresh_button.setIcon(icon("refresh-cw"))
        self.export_pdf_button = QPushButton(_("Xuất báo cáo tháng (&PDF)…"))
        mark_primary(self.export_pdf_button, "file-down")  # the monthly report is the goal
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
        grid.addWidget(self._online_box(), 1, 0)
        grid.addWidget(self._box(_("Theo cán bộ"), None, self.staff_chart), 1, 1)
        # The tables with long names take the whole width: half of a 1366-pixel screen
        # left the 766 indicator names a few letters wide.
        grid.addWidget(
            self._box(_("Chỉ số 766 (xem trước)"), self.indicators_note, self.indicators_table),
            2,
            0,
            1,
            2,
        )
        grid.addWidget(self._box(_("12 tháng gần đây"), None, self.trend_chart), 3, 0, 1, 2)
        grid.addWidget(
            self._box(_("Hồ sơ trễ hạn và sắp đến hạn"), None, self.late_table), 4, 0, 1, 2
        )
        grid.addWidget(
            self._box(
                _("Hồ sơ nhập muộn trong kỳ"), self.late_entries_label, self.late_entries_table
            ),
            5,
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

    def _online_box(self) -> QGroupBox:
        box = QGroupBox(_("Trực tuyến"))
        layout = QVBoxLayout(box)
        period_row = QHBoxLayout()
        period_label = QLabel(_("&Kỳ:"))
        period_label.setBuddy(self.online_period)
        period_row.addWidget(period_label)
        period_row.addWidget(self.online_period, 1)
        layout.addLayout(period_row)
        layout.addWidget(self.online_label)
        layout.addWidget(self.online_bar)
        layout.addWidget(self.digitisation_label)
        layout.addWidget(self.guided_label)
        layout.addWidget(self.guided_chart)
        layout.addWidget(self.reasons_table, 1)
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
        figures = _(
            "{label} ({start} – {end}): nhận {received} (kỳ trước chuyển sang {carried}), "
            "đã giải quyết {resolved}, đang giải quyết {open} (quá hạn {overdue})"
        ).format(
            label=month.period.label,
            start=month.period.date_from.strftime("%d/%m/%Y"),
            end=month.period.date_to.strftime("%d/%m/%Y"),
            received=totals["received"],
            carried=totals["carried_over"],
            resolved=totals["resolved"],
            open=totals["in_progress"],
            overdue=totals["in_progress_overdue"],
        )
        # The month still runs: its open dossiers are read as of now, and it says so.
        as_of = as_of_text(month)
        self.month_label.setText(figures if as_of is None else f"{figures}, {as_of}")
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
        self._fill_periods([point.period for point in data.trend], data.online)
        self.staff_chart.set_data(
            [login_label(row["login"]) for row in data.staff],
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
                    login_label(e.entered_by),
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

    def _fill_periods(self, periods: Sequence[ReportPeriod], current: OnlinePanel) -> None:
        """The report months to choose from, newest first; keeps a month chosen earlier."""
        index = self.online_period.currentIndex()
        chosen = self._periods[index] if 0 <= index < len(self._periods) else None
        self._periods = list(reversed(periods))
        self.online_period.clear()
        for period in self._periods:
            self.online_period.addItem(
                _("{label} ({start} – {end})").format(
                    label=period.label,
                    start=period.date_from.strftime("%d/%m/%Y"),
                    end=period.date_to.strftime("%d/%m/%Y"),
                )
            )
        keep = chosen is not None and chosen != current.period and chosen in self._periods
        shown = chosen if keep and chosen is not None else current.period
        if shown in self._periods:
            self.online_period.setCurrentIndex(self._periods.index(shown))
        if keep and chosen is not None:
            self.load_online(chosen)
        else:
            self.show_online(current)

    def _online_period_chosen(self, index: int) -> None:
        if 0 <= index < len(self._periods):
            self.load_online(self._periods[index])

    def load_online(self, period: ReportPeriod) -> None:
        """Compute the online and 766 panels of another month off the GUI thread."""
        ctx = self.ctx
        self.message.setText(_("Đang tải…"))
        Op(self, lambda: online_panel(ctx, period), runner=self._runner).on_success(
            self.show_online
        ).start()

    def show_online(self, panel: OnlinePanel) -> None:
        self.online = panel
        self.message.setText("")
        channels = panel.channels
        self.online_label.setText(online_summary_text(panel))
        set_tone(self.online_label, "error" if panel.below_target else None)
        self.online_bar.set_data(channels["online_share"], channels["online_target"])
        self.digitisation_label.setText(
            _("Tỷ lệ số hóa: {rate} ({digitised}/{received} hồ sơ)").format(
                rate=format_percent(channels["digitisation_rate"]),
                digitised=channels["digitised"],
                received=channels["received"],
            )
        )
        guided = channels["guided"]
        self.guided_label.setText(guided_summary(guided))
        self.guided_chart.set_data(
            [outcome.label for outcome in GuidanceOutcome],
            [[guided["by_outcome"][outcome.value]] for outcome in GuidanceOutcome],
        )
        _fill(self.reasons_table, top_paper_reasons(panel))
        rules = panel.indicators["rules"]
        note = _("Xem trước theo số liệu của quầy, kỳ {label}.").format(label=panel.period.label)
        if not rules["confirmed"]:
            note += " " + _(
                "Điểm là tạm tính: điểm tối đa từng chỉ số chưa được xác nhận "
                "(cấu hình từ {valid_from}; nguồn: {source})."
            ).format(valid_from=_day_text(rules["valid_from"]), source=rules["source"])
        self.indicators_note.setText(note)
        header = self.indicators_table.horizontalHeaderItem(5)
        if header is not None:
            header.setText(_("Điểm (tạm tính)") if not rules["confirmed"] else _("Điểm"))
        _fill(self.indicators_table, indicator_rows(panel))
        for row in range(self.indicators_table.rowCount()):
            name = self.indicators_table.item(row, 1)
            if name is not None:
                name.setToolTip(name.text())  # the column may be too narrow for the name
        self.indicators_table.resizeRowsToContents()

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
