"""Report use cases the CLI and GUI call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from counter_app.documents.book import BookRow, BookScope, tracking_book_rows
from counter_app.domain.calendar import VN_TZ
from counter_app.domain.periods import (
    PeriodKind,
    ReportDue,
    ReportPeriod,
    ReportSettings,
    check_range,
    load_report_settings,
    monthly_period_containing,
    report_period,
    report_reminder,
)
from counter_app.files import write_atomically
from counter_app.guidance.data import Target
from counter_app.kernel.context import AppContext
from counter_app.kernel.day import day_counts
from counter_app.kernel.dossier_store import ensure_office
from counter_app.reports.analytics import (
    LateDossier,
    UnusedProcedure,
    channel_figures,
    indicator_rules,
    indicators_766,
    late_dossiers,
    month_starts,
    staff_figures,
    unused_procedures,
)
from counter_app.reports.forms import ReportForm, report_pdf, report_xlsx
from counter_app.reports.guidance import guidance_figures
from counter_app.reports.late_entries import LateEntry, late_entries
from counter_app.reports.online import PaperReasons, office_target, paper_reasons
from counter_app.reports.periodic import PeriodicReport, period_totals, periodic_report


def report_day(ctx: AppContext, day: date) -> dict[str, Any]:
    with ctx.session() as session:
        return day_counts(session, ensure_office(session, ctx), day)


def report_settings(ctx: AppContext) -> ReportSettings:
    return load_report_settings(ctx.config.reports.overrides())


def period_for(ctx: AppContext, kind: PeriodKind, year: int, number: int = 1) -> ReportPeriod:
    """A report period with the office's window (15th-to-14th unless configured)."""
    return report_period(kind, year, number, start_day=report_settings(ctx).window_start_day)


def report_periodic(ctx: AppContext, period: ReportPeriod) -> PeriodicReport:
    """Biểu 06 over `period` for the configured office; a period still running is read as
    of now (the report's `as_of`)."""
    now = ctx.clock().astimezone(VN_TZ)
    with ctx.session() as session:
        return periodic_report(session, ensure_office(session, ctx), period, ctx.calendar, now=now)


def report_book(
    ctx: AppContext, date_from: date, date_to: date, scope: BookScope = BookScope.ALL
) -> list[BookRow]:
    """The tracking book (form 07) for a range of receipt dates."""
    check_range(date_from, date_to)
    with ctx.session() as session:
        return tracking_book_rows(session, ensure_office(session, ctx), date_from, date_to, scope)


def report_late_entries(ctx: AppContext, date_from: date, date_to: date) -> list[LateEntry]:
    """Dossiers received in a range of dates and logged after the fact, with who entered
    each, when, why, and the delay."""
    check_range(date_from, date_to)
    with ctx.session() as session:
        return late_entries(session, ensure_office(session, ctx), date_from, date_to, ctx.calendar)


def pending_report_reminder(ctx: AppContext) -> ReportDue | None:
    """The monthly report due soon (or today), for a reminder on the dashboard."""
    today = ctx.clock().astimezone(VN_TZ).date()
    return report_reminder(ctx.calendar, today, report_settings(ctx))


# The name the report commands use.
write_output = write_atomically


def export_periodic(
    ctx: AppContext,
    report: PeriodicReport,
    *,
    pdf: Path | None = None,
    xlsx: Path | None = None,
    form: ReportForm = ReportForm.BIEU_06,
) -> None:
    """Write the report's PDF and/or XLSX in the official layout."""
    settings = report_settings(ctx)
    today = ctx.clock().astimezone(VN_TZ).date()
    place = ctx.config.office.province_name.removeprefix("Tỉnh ") if ctx.config.office else ""
    if pdf is not None:
        write_atomically(
            pdf,
            report_pdf(
                report, form=form, reporting_body=settings.reporting_body, place=place, day=today
            ),
        )
    if xlsx is not None:
        write_atomically(
            xlsx, report_xlsx(report, form=form, reporting_body=settings.reporting_body)
        )


def report_late(ctx: AppContext) -> list[LateDossier]:
    """Open dossiers late or due within the near-due window, with who holds each."""
    settings = report_settings(ctx)
    now = ctx.clock().astimezone(VN_TZ)
    with ctx.session() as session:
        return late_dossiers(
            session, ensure_office(session, ctx), now, ctx.calendar, settings.near_due_working_days
        )


def report_unused(ctx: AppContext) -> list[UnusedProcedure]:
    """Procedures with no dossier for `unused_procedure_years` years (3 by default)."""
    settings = report_settings(ctx)
    today = ctx.clock().astimezone(VN_TZ).date()
    with ctx.session() as session:
        return unused_procedures(
            session,
            ensure_office(session, ctx),
            ctx.catalog,
            today,
            settings.unused_procedure_years,
        )


def report_channels(ctx: AppContext, period: ReportPeriod) -> dict[str, Any]:
    """Online share against the target, assisted filings, reasons for paper, digitisation,
    and the citizens guided to file online ("guided", by outcome)."""
    rules = indicator_rules(period.date_to)
    with ctx.session() as session:
        figures = channel_figures(
            session, ensure_office(session, ctx), period, list(rules["online_payment_methods"])
        )
    target = office_target(ctx)
    figures["online_target"] = None if target is None else round(target.share * 100, 2)
    figures["online_target_confirmed"] = target is not None and target.confirmed
    # Citizens guided to file online, counted apart from the dossiers received.
    guided = guidance_figures(ctx, period.date_from, period.date_to)
    figures["guided"] = guided.counts_json()
    return figures


def _indicator_preview(
    period: ReportPeriod, report: PeriodicReport, channels: dict[str, Any]
) -> dict[str, Any]:
    rules = indicator_rules(period.date_to)
    return {
        "period": period.to_json(),
        "rules": {
            "valid_from": rules["valid_from"],
            "source": rules.get("source", ""),
            "confirmed": bool(rules.get("confirmed", False)),
        },
        "indicators": [
            indicator.to_json() for indicator in indicators_766(report, channels, rules)
        ],
    }


def report_indicators(ctx: AppContext, period: ReportPeriod) -> dict[str, Any]:
    """The Decision 766 preview for `period`, with the configuration version used."""
    return _indicator_preview(period, report_periodic(ctx, period), report_channels(ctx, period))


@dataclass(frozen=True)
class OnlinePanel:
    """The dashboard's online and 766 panels for one report period."""

    period: ReportPeriod
    channels: dict[str, Any]
    """`report_channels`: shares, digitisation, the target in per cent."""
    reasons: PaperReasons
    target: Target | None
    indicators: dict[str, Any]
    """`report_indicators`."""

    @property
    def below_target(self) -> bool:
        share, target = self.channels["online_share"], self.channels["online_target"]
        return share is not None and target is not None and share < target


def online_panel(
    ctx: AppContext, period: ReportPeriod, report: PeriodicReport | None = None
) -> OnlinePanel:
    """Online share against the target, reasons for paper, digitisation and the 766 preview
    for `period` (`report`: the period's Biểu 06 when the caller already has it)."""
    channels = report_channels(ctx, period)
    return OnlinePanel(
        period=period,
        channels=channels,
        reasons=paper_reasons(ctx, period.date_from, period.date_to),
        target=office_target(ctx),
        indicators=_indicator_preview(
            period, report if report is not None else report_periodic(ctx, period), channels
        ),
    )


@dataclass(frozen=True)
class TrendPoint:
    label: str
    period: ReportPeriod
    totals: dict[str, int]


@dataclass(frozen=True)
class DashboardData:
    """Everything the dashboard shows, computed off the GUI thread in one call."""

    today: dict[str, Any]
    month: PeriodicReport
    trend: tuple[TrendPoint, ...]
    staff: tuple[dict[str, Any], ...]
    late: tuple[LateDossier, ...]
    reminder: ReportDue | None
    online: OnlinePanel
    """This month's report window."""


def dashboard_summary(ctx: AppContext, months: int = 12) -> DashboardData:
    """Today, this month (its report window), the last `months` months, per staff member."""
    settings = report_settings(ctx)
    now = ctx.clock().astimezone(VN_TZ)
    current = monthly_period_containing(now.date(), settings.window_start_day)
    periods = [
        report_period(PeriodKind.MONTHLY, year, month, start_day=settings.window_start_day)
        for year, month in month_starts(date(current.year, current.number, 1), months)
    ]
    with ctx.session() as session:
        office = ensure_office(session, ctx)
        today = day_counts(session, office, now.date())
        month = periodic_report(session, office, current, ctx.calendar, now=now)
        # One query grouped by period, not a report per month.
        totals = period_totals(session, office, periods, now=now)
        staff = staff_figures(session, office, current, now)
        late = late_dossiers(session, office, now, ctx.calendar, settings.near_due_working_days)
    return DashboardData(
        today=today,
        month=month,
        trend=tuple(
            TrendPoint(f"{period.number:02d}/{period.year % 100:02d}", period, figures)
            for period, figures in zip(periods, totals, strict=True)
        ),
        staff=tuple(staff),
        late=tuple(late),
        reminder=report_reminder(ctx.calendar, now.date(), settings),
        online=online_panel(ctx, current, month),
    )
