"""Report use cases the CLI and GUI call."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

from counter_app.domain.calendar import VN_TZ
from counter_app.errors import StorageError, ValidationError
from counter_app.i18n import _
from counter_app.reports.book import BookRow, tracking_book_rows
from counter_app.reports.day import day_counts
from counter_app.reports.forms import ReportForm, report_pdf, report_xlsx
from counter_app.reports.periodic import PeriodicReport, periodic_report
from counter_app.reports.periods import (
    PeriodKind,
    ReportDue,
    ReportPeriod,
    ReportSettings,
    load_report_settings,
    report_period,
    report_reminder,
)
from counter_app.services.context import AppContext
from counter_app.services.dossiers import ensure_office


def report_day(ctx: AppContext, day: date) -> dict[str, Any]:
    with ctx.session() as session:
        return day_counts(session, ensure_office(session, ctx), day)


def report_settings(ctx: AppContext) -> ReportSettings:
    overrides = ctx.config.extra.get("reports")
    return load_report_settings(overrides if isinstance(overrides, dict) else None)


def period_for(ctx: AppContext, kind: PeriodKind, year: int, number: int = 1) -> ReportPeriod:
    """A report period with the office's window (15th-to-14th unless configured)."""
    return report_period(kind, year, number, start_day=report_settings(ctx).window_start_day)


def report_periodic(ctx: AppContext, period: ReportPeriod) -> PeriodicReport:
    """Biểu 06 over `period` for the configured office."""
    with ctx.session() as session:
        return periodic_report(session, ensure_office(session, ctx), period)


def report_book(ctx: AppContext, date_from: date, date_to: date) -> list[BookRow]:
    """The tracking book (form 07) for a range of receipt dates."""
    if date_to < date_from:
        raise ValidationError(_("Ngày kết thúc phải sau ngày bắt đầu."))
    with ctx.session() as session:
        return tracking_book_rows(session, ensure_office(session, ctx), date_from, date_to)


def pending_report_reminder(ctx: AppContext) -> ReportDue | None:
    """The monthly report due soon (or today), for a reminder on the dashboard."""
    today = ctx.clock().astimezone(VN_TZ).date()
    return report_reminder(ctx.calendar, today, report_settings(ctx))


def write_output(path: Path, data: bytes) -> Path:
    """Write an exported file whole: a temporary file renamed over the target."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise StorageError(
            _("Không ghi được tệp {path}: {error}").format(path=path, error=exc.strerror)
        ) from exc
    return path


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
        write_output(
            pdf,
            report_pdf(
                report, form=form, reporting_body=settings.reporting_body, place=place, day=today
            ),
        )
    if xlsx is not None:
        write_output(xlsx, report_xlsx(report, form=form, reporting_body=settings.reporting_body))
