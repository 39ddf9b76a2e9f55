"""The counter's sync commands: `enroll` and `sync`."""

from __future__ import annotations

import argparse
import sys

from counter_app.i18n import _
from counter_app.kernel.commands import (
    Commands,
    context_for,
    json_flag,
    parse_date,
    print_json,
)


def cmd_enroll(args: argparse.Namespace) -> int:
    from counter_app.sync.service import enroll

    with context_for(args) as ctx:
        device = enroll(ctx, args.hub, args.code)
    print(
        _("Đã ghi danh thiết bị {device} với hub; khối số hồ sơ {first}-{last}.").format(
            device=device.device_id, first=device.block_first, last=device.block_last
        )
    )
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from counter_app.sync.service import conflict_line, run_sync

    with context_for(args) as ctx:
        report = run_sync(ctx, hub_url=args.hub, close_day=args.close_day)
    if args.json:
        print_json(report.to_json())
    else:
        print(
            _("Đã đồng bộ {d} hồ sơ, {e} sự kiện, {p} trang.").format(
                d=report.dossiers_synced, e=report.events_sent, p=report.pages_sent
            )
        )
        if report.day_close is not None and report.day_close.match:
            print(_("Chốt ngày {day}: khớp với hub.").format(day=report.day_close.day))
    for problem in report.problems:
        if problem.conflict is not None:
            sys.stderr.write("counter-app: " + conflict_line(problem.conflict) + "\n")
    if report.problems:
        first = report.problems[0]
        sys.stderr.write(
            "counter-app: "
            + _("{n} hồ sơ chưa đồng bộ được; {code}: {reason}").format(
                n=len(report.problems), code=first.code, reason=first.reason
            )
            + "\n"
        )
        return 1
    if report.day_close is not None and not report.day_close.match:
        keys = ", ".join(sorted(report.day_close.difference))
        sys.stderr.write(
            "counter-app: "
            + _("Chốt ngày {day} không khớp với hub: {fields}").format(
                day=report.day_close.day, fields=keys
            )
            + "\n"
        )
        return 1
    return 0


def cmd_portal_records(args: argparse.Namespace) -> int:
    from counter_app.errors import ConfigError
    from counter_app.sync.records import day_records, record_settings

    with context_for(args) as ctx:
        catalog = ctx.catalog
        with ctx.session() as session:
            settings = record_settings(
                session, catalog, ctx.config.portal_subject_kinds, ctx.config.portal, ctx.clock()
            )
            if settings.links is None:
                raise ConfigError(
                    _("Quầy chưa ghi danh với hub: Cổng tải trang quét từ hub, hãy ghi danh trước.")
                )
            records = day_records(session, settings, args.date)
    if args.json:
        print_json([{"record": r.record, "progress": list(r.progress)} for r in records])
    else:
        for item in records:
            record = item.record
            print(
                f"{record['MaHoSo']}\t{record['MaTTHC']}\t{record['TrangThaiHoSo']}\t"
                f"{len(record['TaiLieuNop'])}\t{len(item.progress)}"
            )
        print(
            _("{n} hồ sơ gửi Cổng cho ngày {day}.").format(
                n=len(records), day=args.date.strftime("%d/%m/%Y")
            )
        )
    return 0


def register_portal(commands: Commands) -> None:
    """`counter-app portal …`: what goes out to the province's one-stop system."""
    portal = commands.group("portal", _("hồ sơ gửi Cổng dịch vụ công của tỉnh"))
    records = commands.subcommand(
        portal, "records", _("các bản ghi DongBoHoSoMC và tiến độ gửi đi cho một ngày")
    )
    records.add_argument(
        "--date", type=parse_date, required=True, help=_("ngày tiếp nhận YYYY-MM-DD")
    )
    json_flag(records)
    records.set_defaults(handler=cmd_portal_records)


def register(commands: Commands) -> None:
    sub, common = commands.subparsers, commands.common
    enroll = sub.add_parser("enroll", parents=[common], help=_("ghi danh quầy với hub"))
    enroll.add_argument("--hub", required=True, help=_("địa chỉ hub"))
    enroll.add_argument("--code", required=True, help=_("mã ghi danh dùng một lần"))
    enroll.set_defaults(handler=cmd_enroll)

    sync = sub.add_parser("sync", parents=[common], help=_("đồng bộ với hub"))
    sync.add_argument("--close-day", type=parse_date, help=_("chốt ngày YYYY-MM-DD với hub"))
    sync.add_argument("--hub", help=_("địa chỉ hub cho lần chạy này"))
    json_flag(sync)
    sync.set_defaults(handler=cmd_sync)
