"""`counter-app print FORM CODE --pdf FILE` (FORM `slip`: the 80 mm thermal slip), `print book`,
and `receipt verify|public-key`.

Registered by `register(commands)`. A final (non-draft) PDF of a
dossier's form is recorded on its history as a print, like a print from the GUI.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

from counter_app.documents.scope import BookScope
from counter_app.errors import StorageError, ValidationError
from counter_app.files import write_atomically
from counter_app.i18n import _
from counter_app.kernel.commands import (
    Commands,
    actor_for,
    context_for,
    json_flag,
    parse_date,
    parse_moment,
    print_json,
)


def cmd_print(args: argparse.Namespace) -> int:
    from counter_app.documents.forms import FormOptions, record_print, render_book, render_form
    from counter_app.documents.templates import FormKind

    kind = FormKind.parse(args.form)
    options = FormOptions(
        reason=args.reason,
        items=tuple(args.item or ()),
        new_due_at=args.new_due,
        signer=args.signer or "",
        paper=args.paper,
        draft=args.draft,
    )
    check_output(args.pdf)  # before anything is taken (a final print may take a book entry)
    with context_for(args) as ctx:
        if kind is FormKind.BOOK:
            if args.code or args.date_from is None or args.date_to is None:
                raise ValidationError(_("In sổ theo dõi cần --from và --to, không cần mã hồ sơ."))
            rendered = render_book(ctx, args.date_from, args.date_to, options, BookScope(args.book))
        else:
            if not args.code:
                raise ValidationError(_("Cần mã hồ sơ để in mẫu “{form}”.").format(form=kind.value))
            actor = actor_for(ctx, args)
            rendered = render_form(ctx, kind, args.code, options)
        write_atomically(args.pdf, rendered.pdf)
        if kind is not FormKind.BOOK and not args.draft:
            record_print(ctx, rendered, actor, copies=1, printer=str(args.pdf.name), medium="pdf")
    if args.json:
        print_json(
            {
                "form": rendered.kind.value,
                "code": rendered.code,
                "template": rendered.template_id,
                "paper": rendered.paper,
                "pdf": str(args.pdf),
                "bytes": len(rendered.pdf),
                "qr": rendered.qr_payload,
            }
        )
    else:
        print(args.pdf)
    return 0


def check_output(path: Path) -> None:
    """Refuse a PDF path that cannot be written (no such folder, a folder, read-only),
    by creating and removing a scratch file beside it, before the command writes anything."""
    if path.is_dir():
        raise ValidationError(_("{path} là một thư mục, không phải tệp PDF.").format(path=path))
    try:
        descriptor, scratch = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise StorageError(
            _("Không ghi được tệp {path}: {error}").format(path=path, error=exc.strerror)
        ) from exc
    os.close(descriptor)
    Path(scratch).unlink(missing_ok=True)


def _public_key(args: argparse.Namespace) -> Any:
    from counter_app.documents.receipt_qr import load_public_key, office_public_key

    if args.public_key is not None:
        from counter_app.files import read_input_file

        pem = read_input_file(args.public_key, max_bytes=64 * 1024, what=_("khóa công khai"))
        return load_public_key(pem)
    with context_for(args) as ctx:
        return office_public_key(ctx.data_dir)  # checking a receipt never makes a key


def cmd_receipt_verify(args: argparse.Namespace) -> int:
    from counter_app.documents.receipt_qr import qr_texts_in_file, verify_texts
    from counter_app.kernel.views import iso

    texts = qr_texts_in_file(args.image)  # a bad file is refused before any key is read
    claim = verify_texts(texts, _public_key(args))
    document = {
        "valid": True,
        "code": claim.code,
        "office": claim.office_id,
        "received_at": iso(claim.received_at),
        "due_at": iso(claim.due_at),
        "lookup_url": claim.lookup_url or None,
    }
    if args.json:
        print_json(document)
    else:
        print(
            _("Hợp lệ: hồ sơ {code}, tiếp nhận {received}, hẹn trả {due}.").format(
                code=claim.code,
                received=f"{claim.received_at:%H:%M %d/%m/%Y}",
                due=f"{claim.due_at:%H:%M %d/%m/%Y}" if claim.due_at else "-",
            )
        )
    return 0


def cmd_receipt_public_key(args: argparse.Namespace) -> int:
    from counter_app.documents.receipt_qr import load_or_create_key, public_key_pem

    with context_for(args) as ctx:
        pem = public_key_pem(load_or_create_key(ctx.data_dir))
    if args.out:
        write_atomically(args.out, pem)
        print(args.out)
    else:
        print(pem.decode("ascii"), end="")
    return 0


def register(commands: Commands) -> None:
    subparsers, common = commands.subparsers, commands.common
    printing = subparsers.add_parser(
        "print", parents=[common], help=_("in mẫu biểu một cửa hoặc sổ theo dõi ra PDF")
    )
    printing.add_argument(
        "form", help="receipt, supplement, refusal, apology, stop, control, book, slip (80 mm)"
    )
    printing.add_argument("code", nargs="?", help=_("mã hồ sơ (không dùng cho book)"))
    printing.add_argument("--pdf", required=True, type=Path, help=_("tệp PDF để ghi"))
    printing.add_argument(
        "--from", dest="date_from", type=parse_date, help=_("từ ngày (YYYY-MM-DD, cho book)")
    )
    printing.add_argument(
        "--book",
        choices=[scope.value for scope in BookScope],
        default=BookScope.ALL.value,
        help=_("sổ nào: tất cả, hồ sơ của đơn vị (own), hồ sơ chuyển nơi khác (routed)"),
    )
    printing.add_argument(
        "--to", dest="date_to", type=parse_date, help=_("đến ngày (YYYY-MM-DD, cho book)")
    )
    printing.add_argument("--reason", help=_("lý do (từ chối, bổ sung, dừng, xin lỗi)"))
    printing.add_argument(
        "--item", action="append", help=_("nội dung cần bổ sung (lặp lại cho nhiều dòng)")
    )
    printing.add_argument("--new-due", type=parse_moment, help=_("ngày hẹn mới (xin lỗi)"))
    printing.add_argument("--signer", help=_("người ký (thủ trưởng cơ quan)"))
    printing.add_argument("--paper", help="A5, A4, A4-landscape, 80mm")
    printing.add_argument("--draft", action="store_true", help=_("bản nháp, không ghi nhận in"))
    json_flag(printing)
    printing.set_defaults(handler=cmd_print)

    receipt = subparsers.add_parser(
        "receipt", parents=[common], help=_("kiểm tra giấy tiếp nhận hồ sơ")
    )
    receipt_sub = receipt.add_subparsers(
        dest="receipt_command", required=True, parser_class=type(receipt)
    )
    verify = receipt_sub.add_parser(
        "verify", parents=[common], help=_("đọc mã QR trên ảnh chụp/quét và kiểm tra chữ ký")
    )
    verify.add_argument(
        "image", type=Path, help=_("ảnh chụp hoặc bản quét giấy tiếp nhận (ảnh hoặc PDF)")
    )
    verify.add_argument(
        "--public-key",
        type=Path,
        help=_("khóa công khai của đơn vị (PEM); mặc định: khóa của thư mục dữ liệu"),
    )
    json_flag(verify)
    verify.set_defaults(handler=cmd_receipt_verify)
    public_key = receipt_sub.add_parser(
        "public-key", parents=[common], help=_("in khóa công khai để bên thứ ba kiểm tra")
    )
    public_key.add_argument(
        "--out", type=Path, help=_("tệp để ghi khóa (mặc định: in ra màn hình)")
    )
    public_key.set_defaults(handler=cmd_receipt_public_key)
