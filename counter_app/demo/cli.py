"""`counter-app demo`: a believable data directory to try the program on."""

from __future__ import annotations

import argparse

from counter_app.i18n import _
from counter_app.kernel.commands import (
    Commands,
    context_for,
    json_flag,
    print_json,
    whole_number,
)

MAX_DEMO_DAYS = 730
"""Two years of made-up days is plenty to try every screen and report."""


def cmd_demo(args: argparse.Namespace) -> int:
    from counter_app.demo.generator import DemoOptions, generate_demo

    with context_for(args, create=True) as ctx:
        summary = generate_demo(
            ctx, DemoOptions(days=args.days, seed=args.seed), if_empty=args.if_empty
        )
    if args.json:
        print_json(summary)
    else:
        print(summary["message"])
    return 0


def register(commands: Commands) -> None:
    sub, common = commands.subparsers, commands.common
    demo = sub.add_parser("demo", parents=[common], help=_("tạo dữ liệu mẫu"))
    demo.add_argument(
        "--days",
        type=whole_number(1, MAX_DEMO_DAYS),
        default=60,
        help=_("số ngày có dữ liệu mẫu, tính lùi từ hôm nay (mặc định: 60)"),
    )
    demo.add_argument(
        "--seed",
        type=int,
        default=2026,
        help=_("số khởi tạo ngẫu nhiên: cùng số cho cùng dữ liệu (mặc định: 2026)"),
    )
    demo.add_argument(
        "--if-empty", action="store_true", help=_("không làm gì nếu thư mục đã có hồ sơ")
    )
    json_flag(demo)
    demo.set_defaults(handler=cmd_demo)
