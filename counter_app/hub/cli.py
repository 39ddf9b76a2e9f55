"""The hub's commands: `hub serve`, `hub enroll-code`, `hub set-unit-id`, `hub counts`,
`hub devices`, `hub revoke-device`, `hub conflicts`, `hub resolve-conflict`, and for the
province's dashboard `hub user add|list|disable|enable` and `hub target`.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from counter_app.domain.codes import MAX_SEQUENCE
from counter_app.i18n import _
from counter_app.kernel.commands import (
    Commands,
    OneLineParser,
    json_flag,
    parse_date,
    print_json,
    whole_number,
)

HUB_DATABASE_FILE = "hub.sqlite3"
HUB_BLOBS_DIR = "hub-pages"
DEFAULT_HUB_PORT = 8765
PORTAL_ACCOUNTS_ENV = "COUNTER_APP_HUB_PORTAL_ACCOUNTS"
"""`user:password[,user:password...]`: accounts of the hub's portal-style interface."""


def _hub_paths(args: argparse.Namespace) -> tuple[str, Path]:
    from counter_app.kernel.context import default_data_dir, prepare_data_dir

    data_dir = prepare_data_dir(getattr(args, "data_dir", None) or default_data_dir(), create=True)
    database = args.database or f"sqlite:///{(data_dir / HUB_DATABASE_FILE).as_posix()}"
    blobs = getattr(args, "blobs", None) or data_dir / HUB_BLOBS_DIR
    return database, blobs


def _open_hub(args: argparse.Namespace) -> Any:
    """The hub on its database; a database that cannot be reached, a URL that does not
    parse or a driver that is missing is one line (StorageError), not a traceback."""
    import sqlalchemy as sa

    from counter_app.errors import StorageError
    from counter_app.hub.service import Hub, open_hub_database

    database, blobs = _hub_paths(args)
    try:
        engine = open_hub_database(database)
    except (sa.exc.SQLAlchemyError, ImportError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise StorageError(
            _("Không mở được cơ sở dữ liệu hub: {error}").format(
                error=reason[0] if reason else type(exc).__name__
            )
        ) from exc
    return Hub(engine, blobs)


@contextmanager
def _opened_hub(args: argparse.Namespace) -> Iterator[Any]:
    """The hub for one command; its connections are closed when the command is done."""
    hub = _open_hub(args)
    try:
        yield hub
    finally:
        hub.engine.dispose()


def portal_accounts_from_env() -> dict[str, str]:
    accounts = {}
    for pair in os.environ.get(PORTAL_ACCOUNTS_ENV, "").split(","):
        if ":" in pair:
            user, password = pair.split(":", 1)
            accounts[user.strip()] = password
    return accounts


def cmd_hub_serve(args: argparse.Namespace) -> int:
    try:
        from counter_app.hub.app import create_app
        from counter_app.hub.server import ServerLimits, serve
    except ImportError as exc:
        from counter_app.errors import ConfigError

        raise ConfigError(
            _("Thiếu thành phần hub ({error}): cài counter-app[hub].").format(error=exc)
        ) from exc
    from counter_app.hub.web import WebSettings

    hub = _open_hub(args)
    app = create_app(
        hub, portal_accounts_from_env(), WebSettings(secure_cookies=args.secure_cookies)
    )
    limits = ServerLimits(
        max_connections=args.max_connections,
        max_client_connections=args.max_client_connections,
        idle_timeout=args.idle_timeout,
        head_timeout=args.head_timeout,
    )
    serve(app, args.host, args.port, limits)
    return 0


def cmd_hub_enroll_code(args: argparse.Namespace) -> int:
    with _opened_hub(args) as hub:
        code = hub.create_enroll_code(args.office, args.block_size, args.unit_id)
    print(code)
    return 0


def cmd_hub_set_unit_id(args: argparse.Namespace) -> int:
    with _opened_hub(args) as hub:
        unit_id = hub.set_unit_id(args.office, args.unit_id)
    print(
        _("Đơn vị {office} có mã định danh điện tử {eid} trên hub.").format(
            office=args.office, eid=unit_id
        )
    )
    return 0


def cmd_hub_conflicts(args: argparse.Namespace) -> int:
    with _opened_hub(args) as hub:
        conflicts = hub.conflicts(args.office, include_resolved=args.all)
    if args.json:
        print_json(
            [
                {
                    **c.info,
                    "device": c.device_id,
                    "office": c.office_unit,
                    "first_seen_at": c.first_seen_at.isoformat(timespec="seconds"),
                    "last_seen_at": c.last_seen_at.isoformat(timespec="seconds"),
                    "times": c.times,
                    "resolved_at": c.resolved_at.isoformat(timespec="seconds")
                    if c.resolved_at
                    else None,
                    "resolution": c.resolution,
                }
                for c in conflicts
            ]
        )
    else:
        for c in conflicts:
            state = _("đã giải quyết") if c.resolved_at else _("chưa giải quyết")
            print(
                f"{c.info['id']}\t{c.office_unit}\t{c.device_id}\t{c.info['code']}\t"
                f"{c.info['reason']}\t{c.info['seq']}\t{c.times}\t{state}"
            )
    return 0


def cmd_hub_resolve_conflict(args: argparse.Namespace) -> int:
    with _opened_hub(args) as hub:
        info = hub.resolve_conflict(args.conflict, args.note)
    print(_("Đã đóng xung đột số {id} (hồ sơ {code}).").format(id=info["id"], code=info["code"]))
    return 0


def cmd_hub_counts(args: argparse.Namespace) -> int:
    with _opened_hub(args) as hub:
        counts = hub.counts(args.office, args.date)
    if args.json:
        print_json(counts)
    else:
        print(_("{date}: {n} hồ sơ tiếp nhận").format(date=counts["date"], n=counts["received"]))
    return 0


def cmd_hub_devices(args: argparse.Namespace) -> int:
    with _opened_hub(args) as hub:
        devices = hub.devices(args.office)
    if args.json:
        print_json(
            [
                {
                    "id": d.device.id,
                    "office": d.device.office_unit,
                    "unit_id": d.device.electronic_id,
                    "label": d.device.label,
                    "block": [d.device.block_first, d.device.block_last],
                    "revoked": d.revoked,
                    "enrolled_at": d.enrolled_at.isoformat(timespec="seconds"),
                    "last_seen_at": d.last_seen_at.isoformat(timespec="seconds")
                    if d.last_seen_at
                    else None,
                }
                for d in devices
            ]
        )
    else:
        for d in devices:
            state = _("đã thu hồi") if d.revoked else _("hoạt động")
            print(
                f"{d.device.id}\t{d.device.office_unit}\t{d.device.label}\t"
                f"{d.device.block_first}-{d.device.block_last}\t{state}"
            )
    return 0


def cmd_hub_revoke(args: argparse.Namespace) -> int:
    with _opened_hub(args) as hub:
        device = hub.revoke_device(args.device)
    print(_("Đã thu hồi thiết bị {id} ({office}).").format(id=device.id, office=device.office_unit))
    return 0


def cmd_hub_demo(args: argparse.Namespace) -> int:
    import time

    from counter_app.hub.demo import HubDemoOptions, generate_hub_demo

    started = time.perf_counter()
    with _opened_hub(args) as hub:
        summary = generate_hub_demo(
            hub, HubDemoOptions(communes=args.communes, days=args.days, seed=args.seed)
        )
    print(
        _(
            "Đã tạo dữ liệu mẫu trên hub: {communes} xã, {days} ngày, {dossiers} hồ sơ, "
            "{events} sự kiện, {closes} lần chốt ngày ({matched} khớp), trong {seconds} giây."
        ).format(
            communes=summary.communes,
            days=summary.days,
            dossiers=summary.dossiers,
            events=summary.events,
            closes=summary.day_closes,
            matched=summary.day_closes_matched,
            seconds=round(time.perf_counter() - started),
        )
    )
    return 0


def _read_password() -> str:
    """One line of standard input: the password (never an argument: it would show in the
    process list and the shell's history)."""
    import sys

    line = sys.stdin.readline()
    return line[:-1] if line.endswith("\n") else line


def cmd_hub_user_add(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from counter_app.hub.staff import add_staff, check_login, check_password

    login = check_login(args.login)  # refused before anything is read or opened
    password = check_password(_read_password())
    with _opened_hub(args) as hub, hub.session() as session:
        user = add_staff(session, login, password, args.role, datetime.now(UTC))
    print(_("Đã tạo tài khoản {login} ({role}).").format(login=user.login, role=user.role))
    return 0


def cmd_hub_user_list(args: argparse.Namespace) -> int:
    from counter_app.hub.staff import list_staff

    with _opened_hub(args) as hub, hub.session() as session:
        users = list_staff(session)
    if args.json:
        print_json(
            [
                {
                    "login": u.login,
                    "role": u.role,
                    "active": u.active,
                    "locked_until": u.locked_until.isoformat(timespec="seconds")
                    if u.locked_until
                    else None,
                    "last_login_at": u.last_login_at.isoformat(timespec="seconds")
                    if u.last_login_at
                    else None,
                }
                for u in users
            ]
        )
    else:
        for u in users:
            state = _("hoạt động") if u.active else _("đã khóa")
            print(f"{u.login}\t{u.role}\t{state}")
    return 0


def cmd_hub_user_active(args: argparse.Namespace) -> int:
    from counter_app.hub.staff import set_active

    active = args.user_command == "enable"
    with _opened_hub(args) as hub, hub.session() as session:
        user = set_active(session, args.login, active)
    if active:
        print(_("Đã mở lại tài khoản {login}.").format(login=user.login))
    else:
        print(
            _("Đã khóa tài khoản {login}; các phiên đăng nhập đã kết thúc.").format(
                login=user.login
            )
        )
    return 0


def cmd_hub_target(args: argparse.Namespace) -> int:
    from counter_app.hub.dashboard import set_online_target

    with _opened_hub(args) as hub, hub.session() as session:
        target = set_online_target(session, args.percent / 100, args.source)
    print(
        _("Chỉ tiêu trực tuyến cấp xã trên hub: {percent} % ({source}).").format(
            percent=f"{target.share * 100:g}", source=target.source
        )
    )
    return 0


def register(commands: Commands) -> None:
    sub, common = commands.subparsers, commands.common
    hub_database = argparse.ArgumentParser(add_help=False)
    hub_database.add_argument(
        "--database",
        help=_("URL cơ sở dữ liệu của hub (mặc định: tệp SQLite trong thư mục dữ liệu)"),
    )
    hub = sub.add_parser("hub", parents=[common], help=_("hub tiếp nhận của tỉnh"))
    hub_sub = hub.add_subparsers(dest="hub_command", required=True, parser_class=OneLineParser)
    serve = hub_sub.add_parser("serve", parents=[common, hub_database], help=_("chạy hub"))
    serve.add_argument(
        "--host", default="127.0.0.1", help=_("địa chỉ nhận kết nối (mặc định: 127.0.0.1)")
    )
    serve.add_argument(
        "--port", type=whole_number(1, 65535), default=DEFAULT_HUB_PORT, help=_("cổng nhận kết nối")
    )
    serve.add_argument("--blobs", type=Path, help=_("thư mục lưu tệp trang"))
    serve.add_argument(
        "--max-connections",
        type=whole_number(16, 1_000_000),
        default=2048,
        help=_("số kết nối mở tối đa (giữ dưới giới hạn tệp mở của tiến trình)"),
    )
    serve.add_argument(
        "--max-client-connections",
        type=whole_number(0, 1_000_000),
        default=32,
        help=_("số kết nối tối đa từ một địa chỉ; 0 khi chạy sau reverse proxy"),
    )
    serve.add_argument(
        "--idle-timeout",
        type=whole_number(1, 3600),
        default=5,
        help=_("số giây giữ kết nối chờ yêu cầu tiếp theo"),
    )
    serve.add_argument(
        "--head-timeout",
        type=whole_number(1, 3600),
        default=10,
        help=_("số giây để máy khách gửi xong phần đầu yêu cầu"),
    )
    serve.add_argument(
        "--secure-cookies",
        action="store_true",
        help=_(
            "luôn đặt cookie đăng nhập Secure (hub chỉ được truy cập qua https, sau một "
            "reverse proxy); mặc định: Secure khi yêu cầu đến qua https"
        ),
    )
    serve.set_defaults(handler=cmd_hub_serve)
    code = hub_sub.add_parser(
        "enroll-code", parents=[common, hub_database], help=_("tạo mã ghi danh dùng một lần")
    )
    code.add_argument("--office", required=True, help=_("mã đơn vị hành chính"))
    code.add_argument(
        "--block-size",
        type=whole_number(1, MAX_SEQUENCE),
        default=1000,
        help=_("số mã hồ sơ trong mỗi khối cấp cho một quầy (mặc định: 1000)"),
    )
    code.add_argument(
        "--unit-id",
        help=_("mã định danh điện tử của đơn vị (tiền tố mã hồ sơ); ghi một lần cho đơn vị"),
    )
    code.set_defaults(handler=cmd_hub_enroll_code)
    counts = hub_sub.add_parser(
        "counts", parents=[common, hub_database], help=_("số liệu chốt ngày trên hub")
    )
    counts.add_argument("--office", required=True, help=_("mã đơn vị hành chính"))
    counts.add_argument("--date", required=True, type=parse_date, help=_("ngày (YYYY-MM-DD)"))
    json_flag(counts)
    counts.set_defaults(handler=cmd_hub_counts)
    devices = hub_sub.add_parser(
        "devices", parents=[common, hub_database], help=_("các quầy đã ghi danh")
    )
    devices.add_argument("--office", help=_("mã đơn vị hành chính"))
    json_flag(devices)
    devices.set_defaults(handler=cmd_hub_devices)
    revoke = hub_sub.add_parser(
        "revoke-device",
        parents=[common, hub_database],
        help=_("thu hồi một quầy (mất máy, thay máy)"),
    )
    revoke.add_argument("device", help=_("mã thiết bị"))
    revoke.set_defaults(handler=cmd_hub_revoke)
    unit = hub_sub.add_parser(
        "set-unit-id",
        parents=[common, hub_database],
        help=_("ghi mã định danh điện tử của một đơn vị"),
    )
    unit.add_argument("--office", required=True, help=_("mã đơn vị hành chính"))
    unit.add_argument("--unit-id", required=True, help=_("mã định danh điện tử của đơn vị"))
    unit.set_defaults(handler=cmd_hub_set_unit_id)
    conflicts = hub_sub.add_parser(
        "conflicts",
        parents=[common, hub_database],
        help=_("các lô hồ sơ mâu thuẫn với lịch sử hub đã nhận"),
    )
    conflicts.add_argument("--office", help=_("mã đơn vị hành chính"))
    conflicts.add_argument("--all", action="store_true", help=_("kể cả xung đột đã giải quyết"))
    json_flag(conflicts)
    conflicts.set_defaults(handler=cmd_hub_conflicts)
    resolve = hub_sub.add_parser(
        "resolve-conflict",
        parents=[common, hub_database],
        help=_("đóng một xung đột sau khi đã kiểm tra"),
    )
    resolve.add_argument("conflict", type=whole_number(1, 2**31 - 1), help=_("số xung đột"))
    resolve.add_argument("--note", required=True, help=_("kết quả kiểm tra"))
    resolve.set_defaults(handler=cmd_hub_resolve_conflict)
    demo = hub_sub.add_parser(
        "demo",
        parents=[common, hub_database],
        help=_("tạo dữ liệu mẫu của các xã qua đúng đường nhận của hub"),
    )
    demo.add_argument(
        "--communes", type=whole_number(1, 65), default=65, help=_("số xã (mặc định: 65)")
    )
    demo.add_argument(
        "--days", type=whole_number(1, 3660), default=30, help=_("số ngày (mặc định: 30)")
    )
    demo.add_argument("--seed", type=int, default=2026, help=_("hạt giống ngẫu nhiên"))
    demo.set_defaults(handler=cmd_hub_demo)
    user = hub_sub.add_parser(
        "user", parents=[common], help=_("tài khoản cán bộ tỉnh trên bảng theo dõi")
    )
    user_sub = user.add_subparsers(dest="user_command", required=True, parser_class=OneLineParser)
    user_add = user_sub.add_parser(
        "add",
        parents=[common, hub_database],
        help=_("tạo tài khoản; mật khẩu đọc từ đầu vào chuẩn (một dòng)"),
    )
    user_add.add_argument("login", help=_("tên đăng nhập"))
    user_add.add_argument(
        "--role", required=True, choices=["viewer", "admin"], help=_("vai trò: viewer hoặc admin")
    )
    user_add.set_defaults(handler=cmd_hub_user_add)
    user_list = user_sub.add_parser("list", parents=[common, hub_database], help=_("các tài khoản"))
    json_flag(user_list)
    user_list.set_defaults(handler=cmd_hub_user_list)
    for name, words in (
        ("disable", _("khóa một tài khoản và kết thúc các phiên của nó")),
        ("enable", _("mở lại một tài khoản đã khóa")),
    ):
        toggle = user_sub.add_parser(name, parents=[common, hub_database], help=words)
        toggle.add_argument("login", help=_("tên đăng nhập"))
        toggle.set_defaults(handler=cmd_hub_user_active)
    target = hub_sub.add_parser(
        "target",
        parents=[common, hub_database],
        help=_("chỉ tiêu tỷ lệ hồ sơ trực tuyến cấp xã trên bảng theo dõi"),
    )
    target.add_argument("percent", type=whole_number(0, 100), help=_("phần trăm (0–100)"))
    target.add_argument("--source", required=True, help=_("văn bản quy định chỉ tiêu"))
    target.set_defaults(handler=cmd_hub_target)
