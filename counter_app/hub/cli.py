"""The hub's commands: `hub serve`, `hub enroll-code`, `hub counts`, `hub devices`,
`hub revoke-device`.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from counter_app.i18n import _
from counter_app.kernel.commands import (
    Commands,
    OneLineParser,
    json_flag,
    parse_date,
    positive,
    print_json,
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
    from counter_app.hub.service import Hub, open_hub_database

    database, blobs = _hub_paths(args)
    return Hub(open_hub_database(database), blobs)


def portal_accounts_from_env() -> dict[str, str]:
    accounts = {}
    for pair in os.environ.get(PORTAL_ACCOUNTS_ENV, "").split(","):
        if ":" in pair:
            user, password = pair.split(":", 1)
            accounts[user.strip()] = password
    return accounts


def cmd_hub_serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from counter_app.hub.app import create_app
    except ImportError as exc:
        from counter_app.errors import ConfigError

        raise ConfigError(
            _("Thiếu thành phần hub ({error}): cài counter-app[hub].").format(error=exc)
        ) from exc
    hub = _open_hub(args)
    app = create_app(hub, portal_accounts_from_env())
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def cmd_hub_enroll_code(args: argparse.Namespace) -> int:
    hub = _open_hub(args)
    try:
        code = hub.create_enroll_code(args.office, args.block_size)
    finally:
        hub.engine.dispose()
    print(code)
    return 0


def cmd_hub_counts(args: argparse.Namespace) -> int:
    hub = _open_hub(args)
    try:
        counts = hub.counts(args.office, args.date)
    finally:
        hub.engine.dispose()
    if args.json:
        print_json(counts)
    else:
        print(_("{date}: {n} hồ sơ tiếp nhận").format(date=counts["date"], n=counts["received"]))
    return 0


def cmd_hub_devices(args: argparse.Namespace) -> int:
    hub = _open_hub(args)
    try:
        devices = hub.devices(args.office)
    finally:
        hub.engine.dispose()
    if args.json:
        print_json(
            [
                {
                    "id": d.device.id,
                    "office": d.device.office_unit,
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
    hub = _open_hub(args)
    try:
        device = hub.revoke_device(args.device)
    finally:
        hub.engine.dispose()
    print(_("Đã thu hồi thiết bị {id} ({office}).").format(id=device.id, office=device.office_unit))
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
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=positive, default=DEFAULT_HUB_PORT)
    serve.add_argument("--blobs", type=Path, help=_("thư mục lưu tệp trang"))
    serve.set_defaults(handler=cmd_hub_serve)
    code = hub_sub.add_parser(
        "enroll-code", parents=[common, hub_database], help=_("tạo mã ghi danh dùng một lần")
    )
    code.add_argument("--office", required=True, help=_("mã đơn vị hành chính"))
    code.add_argument("--block-size", type=positive, default=1000)
    code.set_defaults(handler=cmd_hub_enroll_code)
    counts = hub_sub.add_parser(
        "counts", parents=[common, hub_database], help=_("số liệu chốt ngày trên hub")
    )
    counts.add_argument("--office", required=True)
    counts.add_argument("--date", required=True, type=parse_date)
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
