"""`counter-app scanners`, `scan` and `attach`: the scanning commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from counter_app.i18n import _, ngettext
from counter_app.kernel.commands import (
    Commands,
    actor_for,
    context_for,
    json_flag,
    positive,
    print_json,
    whole_number,
)
from counter_app.scanning.options import MAX_DPI, MAX_SCAN_PAGES, MIN_DPI, ColourMode


def _set_folder(args: argparse.Namespace) -> int:
    from counter_app.scanning.folder import set_scan_folder

    with context_for(args) as ctx:
        folder = set_scan_folder(
            ctx, actor_for(ctx, args), Path(args.set_folder) if args.set_folder else None
        )
    if folder is None:
        print(_("Đã bỏ thư mục quét."))
    else:
        print(_("Thư mục quét: {path}").format(path=folder))
    return 0


DEFAULT_FOLDER_WAIT = 60.0


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("cần một số giây: {value}").format(value=text)) from None
    if not 0 <= value <= 24 * 3600:
        raise argparse.ArgumentTypeError(_("cần một số giây: {value}").format(value=text))
    return value


def cmd_scanners(args: argparse.Namespace) -> int:
    from counter_app.kernel.config import load_config
    from counter_app.kernel.context import default_data_dir
    from counter_app.scanning.devices import default_registry
    from counter_app.scanning.folder import DEVICE_PREFIX, configured_folder, folder_device

    if args.set_folder is not None:
        return _set_folder(args)
    registry = default_registry(tuple(args.escl or ()))
    devices = registry.devices()
    backends = [backend.name for backend in registry.available()]
    data_dir = getattr(args, "data_dir", None) or default_data_dir()
    folder = configured_folder(load_config(data_dir)) if data_dir.is_dir() else None
    if folder is not None:
        devices.append(folder_device(folder))
        backends.append(DEVICE_PREFIX)
    if args.json:
        print_json({"backends": backends, "devices": [device.to_json() for device in devices]})
        return 0
    if not devices:
        print(_("Không tìm thấy máy quét nào."))
    for device in devices:
        parts = [device.name, f"{device.vendor} {device.model}".strip()]
        parts.append(", ".join(source.value for source in device.sources))
        print("\t".join(parts))
    return 0


def _views_json(views: list[Any]) -> list[dict[str, Any]]:
    return [view.to_json() for view in views]


def _report(args: argparse.Namespace, code: str, views: list[Any]) -> None:
    if args.json:
        print_json({"dossier": code, "pages": _views_json(views)})
        return
    print(
        ngettext(
            "Đã đính kèm {count} trang vào hồ sơ {code}.",
            "Đã đính kèm {count} trang vào hồ sơ {code}.",
            len(views),
        ).format(count=len(views), code=code)
    )
    blank = sum(1 for view in views if view.blank)
    if blank:
        print(
            ngettext(
                "Có {count} trang trắng (đã đánh dấu).",
                "Có {count} trang trắng (đã đánh dấu).",
                blank,
            ).format(count=blank)
        )


def _scan_folder(args: argparse.Namespace, ctx: Any, folder: Path) -> int:
    from counter_app.scanning.folder import take_from_folder

    def progress(done: int, expected: int | None) -> None:
        if not args.json:
            total = f"/{expected}" if expected else ""
            sys.stderr.write(_("Đã lấy trang {done}{total}").format(done=done, total=total) + "\n")

    def rejected(name: str, reason: str) -> None:
        sys.stderr.write(_("Tệp {name} bị từ chối: {reason}").format(name=name, reason=reason))
        sys.stderr.write("\n")

    intake = take_from_folder(
        ctx,
        folder,
        args.dossier,
        actor_for(ctx, args),
        document=args.document,
        pages=args.pages,
        wait=args.wait,
        progress=progress,
        on_reject=rejected,
    )
    _report(args, args.dossier, list(intake.pages))
    return 0


def cmd_scan(args: argparse.Namespace) -> int:
    from counter_app.scanning.devices import ScanRequest, Source, default_registry
    from counter_app.scanning.folder import folder_from_device
    from counter_app.scanning.pages import scan_to_dossier

    request = ScanRequest(
        dpi=args.dpi, mode=ColourMode(args.mode), source=Source(args.source), pages=args.pages
    )
    with context_for(args) as ctx:
        folder = folder_from_device(ctx, args.device)
        if folder is not None:
            return _scan_folder(args, ctx, folder)
        actor = actor_for(ctx, args)
        scanner = default_registry().open(args.device)
        try:

            def progress(done: int, expected: int | None) -> None:
                if not args.json:
                    total = f"/{expected}" if expected else ""
                    sys.stderr.write(
                        _("Đã quét trang {done}{total}").format(done=done, total=total) + "\n"
                    )

            views = scan_to_dossier(
                ctx,
                scanner,
                args.dossier,
                request,
                actor,
                document=args.document,
                progress=progress,
            )
        finally:
            scanner.close()
    _report(args, args.dossier, views)
    return 0


def cmd_attach(args: argparse.Namespace) -> int:
    from counter_app.scanning.pages import import_files

    with context_for(args) as ctx:
        views = import_files(
            ctx,
            args.code,
            args.files,
            actor_for(ctx, args),
            document=args.document,
            mode=ColourMode(args.mode) if args.mode else None,
            is_result=args.result,
        )
    _report(args, args.code, views)
    return 0


def cmd_export_pages(args: argparse.Namespace) -> int:
    from counter_app.scanning.pages import export_pdf

    with context_for(args) as ctx:
        count = export_pdf(
            ctx, args.code, args.pdf, skip_blank=args.skip_blank, results=not args.no_results
        )
    if args.json:
        print_json({"dossier": args.code, "pdf": str(args.pdf), "pages": count})
    else:
        print(
            ngettext(
                "Đã xuất {count} trang của hồ sơ {code} vào {path}.",
                "Đã xuất {count} trang của hồ sơ {code} vào {path}.",
                count,
            ).format(count=count, code=args.code, path=args.pdf)
        )
    return 0


def register(commands: Commands) -> None:
    sub, common = commands.subparsers, commands.common
    modes = [mode.value for mode in ColourMode]
    scanners = sub.add_parser("scanners", parents=[common], help=_("liệt kê máy quét"))
    scanners.add_argument(
        "--escl", action="append", metavar="URL", help=_("máy quét mạng eSCL (AirScan) cần hỏi")
    )
    scanners.add_argument(
        "--set-folder",
        type=str,
        metavar="DIR",
        help=_("đặt thư mục máy quét lưu tệp vào (chuỗi rỗng: bỏ)"),
    )
    json_flag(scanners)
    scanners.set_defaults(handler=cmd_scanners)

    scan = sub.add_parser("scan", parents=[common], help=_("quét trang vào hồ sơ"))
    scan.add_argument(
        "--device", required=True, help=_("tên máy quét (xem “scanners”), hoặc folder[:THƯ_MỤC]")
    )
    scan.add_argument("--dossier", required=True, help=_("mã hồ sơ"))
    scan.add_argument("--document", type=positive, help=_("số thứ tự thành phần hồ sơ"))
    scan.add_argument("--pages", type=whole_number(1, MAX_SCAN_PAGES), help=_("số trang cần quét"))
    scan.add_argument(
        "--dpi",
        type=whole_number(MIN_DPI, MAX_DPI),
        default=300,
        help=_("độ phân giải ({low}–{high})").format(low=MIN_DPI, high=MAX_DPI),
    )
    scan.add_argument("--mode", choices=modes, default=ColourMode.BW.value, help=_("chế độ màu"))
    scan.add_argument(
        "--source",
        choices=["flatbed", "feeder", "duplex"],
        default="flatbed",
        help=_("khay giấy: flatbed (mặt kính), feeder (khay nạp), duplex (hai mặt)"),
    )
    scan.add_argument(
        "--wait",
        type=_seconds,
        default=DEFAULT_FOLDER_WAIT,
        metavar="SECONDS",
        help=_("với thư mục quét: chờ tệp mới tối đa bấy nhiêu giây"),
    )
    json_flag(scan)
    scan.set_defaults(handler=cmd_scan)

    attach = sub.add_parser("attach", parents=[common], help=_("đính kèm tệp ảnh hoặc PDF"))
    attach.add_argument("code", help=_("mã hồ sơ"))
    attach.add_argument("files", nargs="+", type=Path, help=_("tệp ảnh hoặc PDF"))
    attach.add_argument("--document", type=positive, help=_("số thứ tự thành phần hồ sơ"))
    attach.add_argument("--mode", choices=modes, help=_("mặc định: giữ như tệp gốc"))
    attach.add_argument(
        "--result", action="store_true", help=_("đính kèm kết quả giải quyết (bản điện tử)")
    )
    json_flag(attach)
    attach.set_defaults(handler=cmd_attach)

    export = sub.add_parser(
        "export-pages", parents=[common], help=_("xuất các trang của hồ sơ thành một tệp PDF")
    )
    export.add_argument("code", help=_("mã hồ sơ"))
    export.add_argument("--pdf", required=True, type=Path, help=_("tệp PDF để ghi"))
    export.add_argument("--skip-blank", action="store_true", help=_("bỏ các trang trắng"))
    export.add_argument(
        "--no-results", action="store_true", help=_("không kèm kết quả giải quyết (bản điện tử)")
    )
    json_flag(export)
    export.set_defaults(handler=cmd_export_pages)
