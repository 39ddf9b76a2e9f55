"""`counter-app report monthly|period|book ...`: the periodic report and the tracking book.

Registered through `EXTENSION_MODULES`; the subcommands join the `report` group that
`counter_app.cli` creates (next to `report day`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from counter_app.cli import _context, _json_flag, _parse_date, _print_json
from counter_app.i18n import _


def _report_group(subparsers: Any) -> Any:
    """The sub-command group of `report`, created by counter_app.cli."""
    report = subparsers.choices["report"]
    for action in report._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise RuntimeError("the report command has no sub-commands")


def _outputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pdf", type=Path, help=_("ghi báo cáo PDF vào tệp này"))
    parser.add_argument("--xlsx", type=Path, help=_("ghi báo cáo Excel vào tệp này"))
    parser.add_argument(
        "--form", choices=["06", "II.06a"], default="06", help=_("mẫu biểu (mặc định 06)")
    )
    _json_flag(parser)


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    group = _report_group(subparsers)
    monthly = group.add_parser(
        "monthly", parents=[common], help=_("báo cáo tháng (Biểu 06, từ ngày 15 đến ngày 14)")
    )
    monthly.add_argument("--month", required=True, help="YYYY-MM")
    _outputs(monthly)
    monthly.set_defaults(handler=cmd_report_monthly)

    period = group.add_parser(
        "period", parents=[common], help=_("báo cáo quý, 6 tháng, 9 tháng, năm (Biểu 06)")
    )
    period.add_argument(
        "--kind",
        required=True,
        choices=["monthly", "quarterly", "half_year", "nine_months", "yearly"],
    )
    period.add_argument("--year", required=True, type=int)
    period.add_argument("--number", type=int, default=1, help=_("tháng hoặc quý"))
    _outputs(period)
    period.set_defaults(handler=cmd_report_period)

    book = group.add_parser("book", parents=[common], help=_("sổ theo dõi hồ sơ (Excel)"))
    book.add_argument("--from", dest="date_from", required=True, type=_parse_date)
    book.add_argument("--to", dest="date_to", required=True, type=_parse_date)
    book.add_argument("--xlsx", type=Path)
    _json_flag(book)
    book.set_defaults(handler=cmd_report_book)


def _run_periodic(args: argparse.Namespace, kind: Any, year: int, number: int) -> int:
    from counter_app.reports.forms import ReportForm
    from counter_app.services.reporting import export_periodic, period_for, report_periodic

    ctx = _context(args)
    try:
        report = report_periodic(ctx, period_for(ctx, kind, year, number))
        export_periodic(ctx, report, pdf=args.pdf, xlsx=args.xlsx, form=ReportForm(args.form))
    finally:
        ctx.close()
    if args.json:
        _print_json(report.to_json())
    else:
        totals = report.totals
        print(
            _(
                "{label} ({start} – {end}): nhận {received}, đã giải quyết {resolved} "
                "(quá hạn {late}), đang giải quyết {open} (quá hạn {overdue})"
            ).format(
                label=report.period.label,
                start=report.period.date_from.strftime("%d/%m/%Y"),
                end=report.period.date_to.strftime("%d/%m/%Y"),
                received=totals["received"],
                resolved=totals["resolved"],
                late=totals["resolved_late"],
                open=totals["in_progress"],
                overdue=totals["in_progress_overdue"],
            )
        )
    return 0


def cmd_report_monthly(args: argparse.Namespace) -> int:
    from counter_app.reports.periods import PeriodKind, parse_month

    year, month = parse_month(args.month)
    return _run_periodic(args, PeriodKind.MONTHLY, year, month)


def cmd_report_period(args: argparse.Namespace) -> int:
    from counter_app.reports.periods import PeriodKind

    return _run_periodic(args, PeriodKind(args.kind), args.year, args.number)


def cmd_report_book(args: argparse.Namespace) -> int:
    from counter_app.reports.book import book_xlsx
    from counter_app.services.reporting import report_book, write_output

    ctx = _context(args)
    try:
        rows = report_book(ctx, args.date_from, args.date_to)
        if args.xlsx is not None:
            office = ctx.config.office
            write_output(
                args.xlsx,
                book_xlsx(rows, office.name if office else "", args.date_from, args.date_to),
            )
    finally:
        ctx.close()
    if args.json:
        _print_json([row.to_json() for row in rows])
    else:
        print(_("{n} hồ sơ trong sổ theo dõi.").format(n=len(rows)))
    return 0
