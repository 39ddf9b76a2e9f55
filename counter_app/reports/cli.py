"""`counter-app report day|monthly|period|book ...`: the periodic report and the tracking book.

`report day` prints one day's counts.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from counter_app.documents.scope import BookScope
from counter_app.domain.periods import MAX_YEAR, MIN_YEAR
from counter_app.domain.text import visible
from counter_app.guidance.cli import guidance_group
from counter_app.i18n import _, format_percent
from counter_app.kernel.commands import (
    Commands,
    context_for,
    day_or_today,
    json_flag,
    parse_date,
    print_json,
    whole_number,
)


def _outputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pdf", type=Path, help=_("ghi báo cáo PDF vào tệp này"))
    parser.add_argument("--xlsx", type=Path, help=_("ghi báo cáo Excel vào tệp này"))
    parser.add_argument(
        "--form", choices=["06", "II.06a"], default="06", help=_("mẫu biểu (mặc định 06)")
    )
    json_flag(parser)


def cmd_report_day(args: argparse.Namespace) -> int:
    from counter_app.reports.service import report_day

    with context_for(args) as ctx:
        counts = report_day(ctx, args.date)
    if args.json:
        print_json(counts)
    else:
        print(_("{date}: {n} hồ sơ tiếp nhận").format(date=counts["date"], n=counts["received"]))
        for channel, n in counts["by_channel"].items():
            print(f"  {channel}: {n}")
    return 0


def cmd_guidance_report(args: argparse.Namespace) -> int:
    from counter_app.guidance.sessions import GuidanceOutcome
    from counter_app.reports.guidance import guidance_figures

    with context_for(args) as ctx:
        day = day_or_today(ctx, args)
        figures = guidance_figures(ctx, args.date_from or day.replace(day=1), args.date_to or day)
    if args.json:
        print_json(figures.to_json())
        return 0
    print(_guided_line(figures))
    for outcome in GuidanceOutcome:
        print(f"  {outcome.label}: {figures.by_outcome[outcome.value]}")
    for code, counts in figures.by_procedure.items():
        print(f"  {code}\t" + "\t".join(f"{o}={n}" for o, n in sorted(counts.items())))
    return 0


def _guided_line(figures: Any) -> str:
    share = figures.received.share
    return _(
        "Từ {start} đến {end}: đã hướng dẫn nộp trực tuyến {guided} lượt; "
        "tiếp nhận {received} hồ sơ, trong đó trực tuyến {online} ({share})."
    ).format(
        start=f"{figures.start:%d/%m/%Y}",
        end=f"{figures.end:%d/%m/%Y}",
        guided=figures.guided,
        received=figures.received.received,
        online=figures.received.online,
        share="—" if share is None else format_percent(share * 100),
    )


def cmd_online(args: argparse.Namespace) -> int:
    from counter_app.reports.guidance import guidance_figures
    from counter_app.reports.online import month_bounds, paper_reasons, target_progress

    with context_for(args) as ctx:
        day = day_or_today(ctx, args)
        progress = target_progress(ctx, day)
        first, _last = month_bounds(day)
        reasons = paper_reasons(ctx, first, day)
        guided = guidance_figures(ctx, first, day)
    document = {
        **progress.to_json(),
        "paper_reasons": reasons.to_json(),
        "guided_month": guided.to_json(),
    }
    if args.json:
        print_json(document)
        return 0

    def percent(value: float | None) -> str:
        return "—" if value is None else format_percent(value * 100)

    target = progress.target
    print(
        _(
            "Tỷ lệ trực tuyến hôm nay {today}, tháng này {month}, năm nay {year} "
            "(chỉ tiêu {target})."
        ).format(
            today=percent(progress.today.share),
            month=percent(progress.month.share),
            year=percent(progress.year.share),
            target=percent(target),
        )
    )
    for code, count in reasons.by_reason.items():
        print(f"  {code}: {count}")
    print(_guided_line(guided))
    return 0


def register(commands: Commands) -> None:
    common = commands.common
    group = commands.group("report", _("báo cáo"))
    day = commands.subcommand(
        group, "day", _("số liệu một ngày: tiếp nhận, giải quyết, trả kết quả")
    )
    day.add_argument("--date", required=True, type=parse_date, help=_("ngày (YYYY-MM-DD)"))
    json_flag(day)
    day.set_defaults(handler=cmd_report_day)

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
        help=_("loại kỳ báo cáo"),
    )
    period.add_argument(
        "--year", required=True, type=whole_number(MIN_YEAR, MAX_YEAR), help=_("năm")
    )
    period.add_argument("--number", type=whole_number(1, 12), default=1, help=_("tháng hoặc quý"))
    _outputs(period)
    period.set_defaults(handler=cmd_report_period)

    book = group.add_parser("book", parents=[common], help=_("sổ theo dõi hồ sơ (Excel)"))
    book.add_argument(
        "--from", dest="date_from", required=True, type=parse_date, help=_("từ ngày (YYYY-MM-DD)")
    )
    book.add_argument(
        "--to", dest="date_to", required=True, type=parse_date, help=_("đến ngày (YYYY-MM-DD)")
    )
    book.add_argument("--xlsx", type=Path, help=_("tệp Excel để ghi"))
    book.add_argument(
        "--book",
        choices=[scope.value for scope in BookScope],
        default=BookScope.ALL.value,
        help=_("sổ nào: tất cả, hồ sơ của đơn vị (own), hồ sơ chuyển nơi khác (routed)"),
    )
    json_flag(book)
    book.set_defaults(handler=cmd_report_book)

    late = group.add_parser(
        "late", parents=[common], help=_("hồ sơ trễ hạn, sắp đến hạn và người đang giữ")
    )
    json_flag(late)
    late.set_defaults(handler=cmd_report_late)

    late_entries = group.add_parser(
        "late-entries",
        parents=[common],
        help=_("hồ sơ nhập muộn (sau mất điện, mất mạng): ai nhập, khi nào, lý do"),
    )
    # Dates parsed by the command, so a bad one is a one-line reason with exit 1.
    late_entries.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
    late_entries.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD")
    json_flag(late_entries)
    late_entries.set_defaults(handler=cmd_report_late_entries)

    unused = group.add_parser(
        "unused", parents=[common], help=_("thủ tục không phát sinh hồ sơ từ 3 năm trở lên")
    )
    json_flag(unused)
    unused.set_defaults(handler=cmd_report_unused)

    for name, handler, help_text in (
        (
            "online",
            cmd_report_online,
            _("tỷ lệ trực tuyến, lý do nộp giấy, số hóa, số lượt hướng dẫn nộp trực tuyến"),
        ),
        ("indicators", cmd_report_indicators, _("xem trước chỉ số Quyết định 766")),
    ):
        command = group.add_parser(name, parents=[common], help=help_text)
        command.add_argument("--month", required=True, help="YYYY-MM")
        json_flag(command)
        command.set_defaults(handler=handler)


def _run_periodic(args: argparse.Namespace, kind: Any, year: int, number: int) -> int:
    from counter_app.reports.forms import ReportForm
    from counter_app.reports.service import export_periodic, period_for, report_periodic

    with context_for(args) as ctx:
        report = report_periodic(ctx, period_for(ctx, kind, year, number))
        export_periodic(ctx, report, pdf=args.pdf, xlsx=args.xlsx, form=ReportForm(args.form))
    if args.json:
        print_json(report.to_json())
    else:
        from counter_app.reports.forms import as_of_text

        totals = report.totals
        line = _(
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
        as_of = as_of_text(report)  # a period still running: its figures as of now
        print(line if as_of is None else f"{line}, {as_of}")
    return 0


def cmd_report_monthly(args: argparse.Namespace) -> int:
    from counter_app.domain.periods import PeriodKind, parse_month

    year, month = parse_month(args.month)
    return _run_periodic(args, PeriodKind.MONTHLY, year, month)


def cmd_report_period(args: argparse.Namespace) -> int:
    from counter_app.domain.periods import PeriodKind

    return _run_periodic(args, PeriodKind(args.kind), args.year, args.number)


def cmd_report_book(args: argparse.Namespace) -> int:
    from counter_app.documents.book import book_xlsx
    from counter_app.reports.service import report_book, write_output

    with context_for(args) as ctx:
        rows = report_book(ctx, args.date_from, args.date_to, BookScope(args.book))
        if args.xlsx is not None:
            office = ctx.config.office
            write_output(
                args.xlsx,
                book_xlsx(rows, office.name if office else "", args.date_from, args.date_to),
            )
    if args.json:
        print_json([row.to_json() for row in rows])
    else:
        print(_("{n} hồ sơ trong sổ theo dõi.").format(n=len(rows)))
    return 0


def cmd_report_late(args: argparse.Namespace) -> int:
    from counter_app.reports.analytics import late_by_person
    from counter_app.reports.service import report_late

    with context_for(args) as ctx:
        late = report_late(ctx)
    if args.json:
        print_json(
            {
                "dossiers": [
                    {
                        "code": d.code,
                        "procedure": d.procedure,
                        "handler": d.handler,
                        "status": d.status,
                        "due_at": d.due_at.isoformat(timespec="seconds"),
                        "working_days_late": d.working_days_late,
                    }
                    for d in late
                ],
                "by_person": late_by_person(late),
            }
        )
    else:
        for d in late:
            state = (
                _("trễ {n} ngày làm việc").format(n=d.working_days_late)
                if d.working_days_late
                else _("sắp đến hạn")
            )
            print(f"{d.code}\t{d.handler}\t{d.due_at:%d/%m/%Y %H:%M}\t{state}")
    return 0


def cmd_report_late_entries(args: argparse.Namespace) -> int:
    from counter_app.domain.periods import parse_day
    from counter_app.reports.service import report_late_entries

    date_from, date_to = parse_day(args.date_from), parse_day(args.date_to)
    with context_for(args) as ctx:
        entries = report_late_entries(ctx, date_from, date_to)
    if args.json:
        print_json(
            {
                "period": {"from": date_from.isoformat(), "to": date_to.isoformat()},
                "count": len(entries),
                "late_entries": [entry.to_json() for entry in entries],
            }
        )
    else:
        for e in entries:
            print(
                f"{e.code}\t{e.received_at:%d/%m/%Y %H:%M}\t{e.entered_at:%d/%m/%Y %H:%M}\t"
                f"{e.delay_hours:g}h\t{e.entered_by}\t{visible(e.reason)}"
            )
        print(_("{n} hồ sơ nhập muộn.").format(n=len(entries)))
    return 0


def cmd_report_unused(args: argparse.Namespace) -> int:
    from counter_app.reports.service import report_unused

    with context_for(args) as ctx:
        unused = report_unused(ctx)
    if args.json:
        print_json(
            [
                {
                    "procedure": u.code,
                    "name": u.name,
                    "field": u.field,
                    "last_received": u.last_received.isoformat() if u.last_received else None,
                }
                for u in unused
            ]
        )
    else:
        for u in unused:
            last = u.last_received.strftime("%d/%m/%Y") if u.last_received else _("chưa có")
            print(f"{u.code}\t{last}\t{u.name}")
    return 0


def _month_period(ctx: Any, text: str) -> Any:
    from counter_app.domain.periods import PeriodKind, parse_month
    from counter_app.reports.service import period_for

    year, month = parse_month(text)
    return period_for(ctx, PeriodKind.MONTHLY, year, month)


def cmd_report_online(args: argparse.Namespace) -> int:
    from counter_app.reports.guidance import guided_summary
    from counter_app.reports.online import format_percent
    from counter_app.reports.service import report_channels

    with context_for(args) as ctx:
        figures = report_channels(ctx, _month_period(ctx, args.month))
    if args.json:
        print_json(figures)
    else:
        print(
            _("Trực tuyến {share} (mục tiêu {target}), số hóa {digitised}").format(
                share=format_percent(figures["online_share"]),
                target=format_percent(figures["online_target"]),
                digitised=format_percent(figures["digitisation_rate"]),
            )
        )
        print(guided_summary(figures["guided"]))
    return 0


def cmd_report_indicators(args: argparse.Namespace) -> int:
    from counter_app.reports.service import report_indicators

    with context_for(args) as ctx:
        preview = report_indicators(ctx, _month_period(ctx, args.month))
    if args.json:
        print_json(preview)
    else:
        for item in preview["indicators"]:
            rate = "—" if item["rate"] is None else f"{item['rate']}%"
            if not item["has_data"]:
                rate = _("chưa có dữ liệu")
            elif item.get("multiplier") is not None:  # 3.3: online share × sync rate
                rate += " " + _("(nhân tỷ lệ đồng bộ {rate}%)").format(rate=item["multiplier"])
            print(f"{item['code']}\t{rate}\t{item['points']}/{item['max_points']}\t{item['name']}")
    return 0


def register_guidance_report(commands: Commands) -> None:
    common = commands.common
    gsub = guidance_group(commands)
    report = gsub.add_parser(
        "report", parents=[common], help=_("số lượt hướng dẫn nộp trực tuyến theo kỳ")
    )
    report.add_argument("--from", dest="date_from", type=parse_date, help=_("từ ngày (YYYY-MM-DD)"))
    report.add_argument("--to", dest="date_to", type=parse_date, help=_("đến ngày (YYYY-MM-DD)"))
    json_flag(report)
    report.set_defaults(handler=cmd_guidance_report)


def register_online(commands: Commands) -> None:
    sub, common = commands.subparsers, commands.common
    online = sub.add_parser(
        "online", parents=[common], help=_("tỷ lệ trực tuyến và lý do nộp giấy")
    )
    online.add_argument("--date", type=parse_date, help=_("ngày (YYYY-MM-DD, mặc định: hôm nay)"))
    json_flag(online)
    online.set_defaults(handler=cmd_online)
