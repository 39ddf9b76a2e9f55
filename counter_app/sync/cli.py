"""The counter's sync commands: `enroll` and `sync`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

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


def cmd_portal_push(args: argparse.Namespace) -> int:
    from counter_app.sync.portal_push import push_due

    with context_for(args) as ctx:
        report = push_due(ctx, day=args.date, retry_refused=args.retry_refused)
    if args.json:
        print_json(report.to_json())
    else:
        for code, reason in report.refused:
            print(_("{code}\ttỉnh từ chối: {reason}").format(code=code, reason=reason))
        for code, reason in report.held:
            print(_("{code}\tchưa gửi: {reason}").format(code=code, reason=reason))
        print(
            _(
                "Gửi tỉnh: {accepted} được nhận, {refused} bị từ chối, {retrying} sẽ thử lại, "
                "{held} chưa gửi được, {unchanged} không đổi."
            ).format(
                accepted=len(report.accepted),
                refused=len(report.refused),
                retrying=len(report.retrying) + report.waiting + report.not_attempted,
                held=len(report.held),
                unchanged=report.unchanged,
            )
        )
    if report.retrying:
        code, reason = report.retrying[0]
        sys.stderr.write(
            "counter-app: "
            + _("Không gửi được lên tỉnh, sẽ thử lại sau; {code}: {reason}").format(
                code=code, reason=reason
            )
            + "\n"
        )
    return 0 if report.ok else 1


def cmd_portal_status(args: argparse.Namespace) -> int:
    from counter_app.sync.portal_push import STATES, portal_states

    with context_for(args) as ctx:
        views = portal_states(ctx)
    if args.json:
        print_json([view.to_json() for view in views])
        return 0
    for view in views:
        when = view.next_attempt_at.isoformat(timespec="seconds") if view.next_attempt_at else ""
        print(f"{view.code}\t{view.state}\t{view.attempts}\t{when}\t{view.reason or ''}")
    counts = {state: sum(1 for v in views if v.state == state) for state in STATES}
    print(
        _(
            "{refused} bị từ chối, {retrying} sẽ thử lại, {sent} đang gửi, {accepted} được nhận."
        ).format(**counts)
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

    push = commands.subcommand(
        portal, "push", _("gửi lên hệ thống một cửa của tỉnh các hồ sơ mới hoặc đã đổi")
    )
    push.add_argument("--date", type=parse_date, help=_("chỉ hồ sơ tiếp nhận ngày này YYYY-MM-DD"))
    push.add_argument(
        "--retry-refused",
        action="store_true",
        help=_("gửi lại cả hồ sơ tỉnh đã từ chối dù chưa sửa"),
    )
    json_flag(push)
    push.set_defaults(handler=cmd_portal_push)
    status = commands.subcommand(
        portal, "status", _("tình trạng từng hồ sơ với tỉnh (hồ sơ bị từ chối trước)")
    )
    json_flag(status)
    status.set_defaults(handler=cmd_portal_status)
    register_portal_pull(commands, portal)


def cmd_portal_pull(args: argparse.Namespace) -> int:
    from counter_app.sync.inbound import pull

    with context_for(args) as ctx:
        report = pull(ctx, catalog=not args.no_catalog)
    if args.json:
        print_json(report.to_json())
    else:
        print(
            _("Nhận từ tỉnh: {c} hồ sơ nộp trực tuyến mới, {u} hồ sơ đổi trạng thái.").format(
                c=len(report.created), u=len(report.updated)
            )
        )
        if report.catalog_version:
            print(_("Danh mục có mã mới: phiên bản {v}.").format(v=report.catalog_version))
    for code, reason in report.problems.items():
        sys.stderr.write("counter-app: " + f"{code}: {reason}" + "\n")
    return 0 if report.ok else 1


def register_portal_pull(commands: Commands, portal: Any) -> None:
    """`counter-app portal pull`: what comes in from the province (sync.inbound)."""
    pull = commands.subcommand(
        portal,
        "pull",
        _("nhận từ tỉnh hồ sơ nộp trực tuyến, trạng thái đổi ở tỉnh và mã danh mục"),
    )
    pull.add_argument("--no-catalog", action="store_true", help=_("không nhận mã danh mục lần này"))
    json_flag(pull)
    pull.set_defaults(handler=cmd_portal_pull)


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
