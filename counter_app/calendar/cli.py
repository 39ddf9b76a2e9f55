"""`counter-app calendar list|add|confirm|remove`: the office's holiday table (admin).

Registered by `register(commands)`. The actor is `--user` (default: the system admin),
as for `user add` and `catalog import`.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from counter_app.domain.periods import MAX_YEAR, MIN_YEAR
from counter_app.domain.text import visible
from counter_app.errors import ValidationError
from counter_app.i18n import _
from counter_app.kernel.commands import (
    Commands,
    OneLineParser,
    actor_for,
    context_for,
    json_flag,
    print_json,
    whole_number,
)

if TYPE_CHECKING:  # the holiday table loads the database: only when a command runs
    from counter_app.calendar.holidays import HolidayEntry, PastDateError


def register(commands: Commands) -> None:
    subparsers, common = commands.subparsers, commands.common
    calendar = subparsers.add_parser(
        "calendar", parents=[common], help=_("bảng ngày nghỉ lễ và ngày làm bù")
    )
    group = calendar.add_subparsers(
        dest="calendar_command", required=True, parser_class=OneLineParser
    )
    listing = group.add_parser("list", parents=[common], help=_("các ngày trong bảng"))
    listing.add_argument("--year", type=whole_number(MIN_YEAR, MAX_YEAR), help=_("chỉ năm này"))
    listing.add_argument("--all", action="store_true", help=_("kể cả các mục đã xoá"))
    json_flag(listing)
    listing.set_defaults(handler=cmd_calendar_list)

    force_help = _("vẫn sửa một ngày đã bắt đầu hoặc đã qua")
    add = group.add_parser("add", parents=[common], help=_("thêm một ngày (quản trị)"))
    add.add_argument("date", help="YYYY-MM-DD")
    add.add_argument("--kind", required=True, help="day_off | working_day")
    add.add_argument("--name", required=True, help=_("tên ngày, ví dụ: Tết Nguyên đán"))
    add.add_argument(
        "--proposed", action="store_true", help=_("chỉ đề xuất: chưa áp dụng đến khi xác nhận")
    )
    add.add_argument("--force", action="store_true", help=force_help)
    json_flag(add)
    add.set_defaults(handler=cmd_calendar_add)

    for name, handler, text in (
        ("confirm", cmd_calendar_confirm, _("xác nhận một ngày đề xuất (quản trị)")),
        ("remove", cmd_calendar_remove, _("xoá một ngày khỏi bảng (quản trị)")),
    ):
        command = group.add_parser(name, parents=[common], help=text)
        command.add_argument("date", help="YYYY-MM-DD")
        command.add_argument("--force", action="store_true", help=force_help)
        json_flag(command)
        command.set_defaults(handler=handler)


def _line(entry: HolidayEntry) -> str:
    from counter_app.calendar import holidays

    return "\t".join(
        (
            entry.day.isoformat(),
            holidays.kind_label(entry.kind),
            holidays.status_label(entry.status),
            visible(entry.name),
        )
    )


def _done(args: argparse.Namespace, entry: HolidayEntry, message: str) -> int:
    if args.json:
        print_json(entry.to_json())
    else:
        print(message.format(day=f"{entry.day:%d/%m/%Y}", name=entry.name))
    return 0


def _force_hint(exc: PastDateError) -> ValidationError:
    return ValidationError(exc.message + " " + _("Thêm --force để vẫn thay đổi."))


def cmd_calendar_list(args: argparse.Namespace) -> int:
    from counter_app.calendar import holidays

    with context_for(args) as ctx:
        entries = holidays.list_holidays(ctx, args.year, include_removed=args.all)
    if args.json:
        print_json([entry.to_json() for entry in entries])
    else:
        for entry in entries:
            print(_line(entry))
    return 0


def cmd_calendar_add(args: argparse.Namespace) -> int:
    from counter_app.calendar import holidays
    from counter_app.calendar.holidays import PastDateError

    day, kind = holidays.parse_day(args.date), holidays.parse_kind(args.kind)
    with context_for(args) as ctx:
        actor = actor_for(ctx, args)
        try:
            entry = holidays.add_holiday(
                ctx, day, kind, args.name, actor, proposed=args.proposed, force=args.force
            )
        except PastDateError as exc:
            raise _force_hint(exc) from None
    return _done(args, entry, _("Đã thêm ngày {day}: {name}."))


def cmd_calendar_confirm(args: argparse.Namespace) -> int:
    from counter_app.calendar import holidays
    from counter_app.calendar.holidays import PastDateError

    day = holidays.parse_day(args.date)
    with context_for(args) as ctx:
        actor = actor_for(ctx, args)
        try:
            entry = holidays.confirm_holiday(ctx, day, actor, force=args.force)
        except PastDateError as exc:
            raise _force_hint(exc) from None
    return _done(args, entry, _("Đã xác nhận ngày {day}: {name}."))


def cmd_calendar_remove(args: argparse.Namespace) -> int:
    from counter_app.calendar import holidays
    from counter_app.calendar.holidays import PastDateError

    day = holidays.parse_day(args.date)
    with context_for(args) as ctx:
        actor = actor_for(ctx, args)
        try:
            entry = holidays.remove_holiday(ctx, day, actor, force=args.force)
        except PastDateError as exc:
            raise _force_hint(exc) from None
    return _done(args, entry, _("Đã xoá ngày {day}: {name}."))
