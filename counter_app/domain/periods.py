"""Report periods and their data windows (docs/rules.md §12), and the report due date.

Windows run from the `start_day` (15 by default) of the month before the period's first
month to the day before `start_day` of its last month: monthly 15/02-14/03, quarterly
15/12-14/03, 6-month 15/12-14/06, 9-month 15/12-14/09, yearly 15/12-14/12. A
`start_day` of 1 gives calendar periods. The values come from `resources/reports/
settings.json`, overridable per office (`"reports"` in config.json), because the rule
is provincial and unverified for the merged province.
"""

from __future__ import annotations

import calendar as month_calendar
import re
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from counter_app.domain.calendar import WorkCalendar
from counter_app.errors import ConfigError, ValidationError
from counter_app.i18n import _
from counter_app.resources import read_json, resource_path


class PeriodKind(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEAR = "half_year"
    NINE_MONTHS = "nine_months"
    YEARLY = "yearly"


LAST_WINDOW_START_DAY = 28  # every month has the day before it


@dataclass(frozen=True)
class ReportSettings:
    window_start_day: int = 15
    due_working_days_after_cutoff: int = 2
    reminder_working_days_before_due: int = 3
    unused_procedure_years: int = 3
    near_due_working_days: int = 2
    reporting_body: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if not 1 <= self.window_start_day <= LAST_WINDOW_START_DAY:
            raise ConfigError(_("Ngày bắt đầu kỳ báo cáo phải từ 1 đến 28."))
        if self.due_working_days_after_cutoff < 0 or self.reminder_working_days_before_due < 0:
            raise ConfigError(_("Số ngày làm việc của hạn báo cáo không được âm."))


def load_report_settings(overrides: dict[str, Any] | None = None) -> ReportSettings:
    """The shipped settings with an office's overrides (config.json "reports") on top."""
    raw = read_json(
        resource_path("reports", "settings.json"),
        lambda reason: ConfigError(
            _("Không đọc được cấu hình báo cáo: {reason}").format(reason=reason)
        ),
    )
    if not isinstance(raw, dict):
        raise ConfigError(_("Không đọc được cấu hình báo cáo: {reason}").format(reason="format"))
    merged = {**raw, **(overrides or {})}
    known = {f.name for f in fields(ReportSettings)} - {"extra"}
    try:
        settings = ReportSettings(**{k: v for k, v in merged.items() if k in known})
    except TypeError as exc:
        raise ConfigError(
            _("Không đọc được cấu hình báo cáo: {reason}").format(reason=exc)
        ) from None
    return replace(settings, extra={k: v for k, v in merged.items() if k not in known})


@dataclass(frozen=True)
class ReportPeriod:
    kind: PeriodKind
    year: int
    number: int
    """Month 1-12, quarter 1-4, or 1 for the 6-month, 9-month and yearly reports."""
    date_from: date
    date_to: date

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.MONTHLY:
            return _("Tháng {m}/{y}").format(m=self.number, y=self.year)
        if self.kind is PeriodKind.QUARTERLY:
            return _("Quý {q}/{y}").format(q=self.number, y=self.year)
        if self.kind is PeriodKind.HALF_YEAR:
            return _("6 tháng đầu năm {y}").format(y=self.year)
        if self.kind is PeriodKind.NINE_MONTHS:
            return _("9 tháng năm {y}").format(y=self.year)
        return _("Năm {y}").format(y=self.year)

    def to_json(self) -> dict[str, str]:
        return {"from": self.date_from.isoformat(), "to": self.date_to.isoformat()}


def _month_shift(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


_MONTH_SPANS = {
    PeriodKind.HALF_YEAR: (1, 6),
    PeriodKind.NINE_MONTHS: (1, 9),
    PeriodKind.YEARLY: (1, 12),
}


def report_period(
    kind: PeriodKind, year: int, number: int = 1, *, start_day: int = 15
) -> ReportPeriod:
    """The period `number` of `year` (month or quarter), with its data window."""
    if kind is PeriodKind.MONTHLY:
        if not 1 <= number <= 12:
            raise ValidationError(_("Tháng không hợp lệ: {n}").format(n=number))
        first, last = number, number
    elif kind is PeriodKind.QUARTERLY:
        if not 1 <= number <= 4:
            raise ValidationError(_("Quý không hợp lệ: {n}").format(n=number))
        first, last = 3 * number - 2, 3 * number
    else:
        first, last = _MONTH_SPANS[kind]
        number = 1
    if not 1900 < year < 3000:
        raise ValidationError(_("Năm không hợp lệ: {n}").format(n=year))
    if start_day == 1:
        date_from = date(year, first, 1)
        date_to = date(year, last, month_calendar.monthrange(year, last)[1])
    else:
        before_year, before_month = _month_shift(year, first, -1)
        date_from = date(before_year, before_month, start_day)
        date_to = date(year, last, start_day) - timedelta(days=1)
    return ReportPeriod(kind, year, number, date_from, date_to)


_MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


def check_range(date_from: date, date_to: date) -> None:
    """Refuse a date range that ends before it starts (a one-day range is fine)."""
    if date_to < date_from:
        raise ValidationError(_("Ngày kết thúc phải sau ngày bắt đầu."))


MIN_YEAR, MAX_YEAR = 2000, 2099
"""The years a day of the office's work falls in: a receipt, a deadline, a report's range.
Outside them a date is a typing slip (0001, 9999), and date arithmetic would overflow."""


def check_year(day: date, field: str) -> None:
    """Refuse a day outside MIN_YEAR-MAX_YEAR; `field` (translated) names it for the user."""
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValidationError(
            _("{field} phải trong các năm {low}–{high} (nhận được {value}).").format(
                field=field[:1].upper() + field[1:],
                low=MIN_YEAR,
                high=MAX_YEAR,
                value=day.isoformat(),
            )
        )


def parse_month(text: str) -> tuple[int, int]:
    """`YYYY-MM` as (year, month); ValidationError otherwise."""
    match = _MONTH_PATTERN.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValidationError(_("Tháng không hợp lệ: {value} (dạng YYYY-MM)").format(value=text))
    return int(match.group(1)), int(match.group(2))


def parse_day(text: str) -> date:
    """`YYYY-MM-DD` as a date; ValidationError (a one-line reason, exit 1) otherwise."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            _("ngày không hợp lệ: {value} (dạng YYYY-MM-DD)").format(value=text)
        ) from None
    check_year(day, _("ngày"))
    return day


def monthly_period_containing(day: date, start_day: int = 15) -> ReportPeriod:
    """The monthly period whose data window contains `day`."""
    year, month = (day.year, day.month)
    if start_day > 1 and day.day >= start_day:
        year, month = _month_shift(year, month, 1)
    return report_period(PeriodKind.MONTHLY, year, month, start_day=start_day)


@dataclass(frozen=True)
class ReportDue:
    period: ReportPeriod
    due: date
    working_days_left: int
    """Working days from today to the due date; 0 on the due date, < 0 when overdue."""


def report_due_date(calendar: WorkCalendar, period: ReportPeriod, settings: ReportSettings) -> date:
    return calendar.add_working_days(period.date_to, settings.due_working_days_after_cutoff)


def report_reminder(
    calendar: WorkCalendar, today: date, settings: ReportSettings
) -> ReportDue | None:
    """The monthly report to remind about today, or None when none is near its due date.

    The previous period is reminded of until its due date has passed; the current one once
    its due date is `reminder_working_days_before_due` working days away or closer.
    """
    current = monthly_period_containing(today, settings.window_start_day)
    previous_end = current.date_from - timedelta(days=1)
    previous = monthly_period_containing(previous_end, settings.window_start_day)
    for period in (previous, current):
        due = report_due_date(calendar, period, settings)
        left = calendar.working_days_between(today, due)
        if today > period.date_to and today <= due:
            return ReportDue(period, due, left)
        if period is current and left <= settings.reminder_working_days_before_due:
            return ReportDue(period, due, left)
    return None
