"""What every command of the command line shares: the one-line parser, the common options,
`--json` output, argument types, the context and the actor of a command, and `Commands`,
through which each slice adds its commands.

Every subcommand takes `--data-dir`, exits 0 on success and non-zero with one line on
stderr on any error. `--json` prints one JSON document on stdout and nothing else.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from counter_app.domain.calendar import VN_TZ
from counter_app.domain.periods import check_year
from counter_app.errors import ValidationError
from counter_app.i18n import N_, _, ngettext

if TYPE_CHECKING:  # the services load lazily: `--version` and `--help` stay fast
    from counter_app.kernel.context import AppContext
    from counter_app.kernel.users import Actor

MAX_APPLICANT_FILE_BYTES = 64 * 1024

Handler = Callable[[argparse.Namespace], int]


# argparse's own texts (English msgids of its gettext calls) and ours for them, so usage
# errors and help headings follow the user's language; a text not listed stays as it is.
ARGPARSE_TEXTS = {
    "usage: ": N_("cách dùng: "),
    "positional arguments": N_("tham số vị trí"),
    "options": N_("tùy chọn"),
    "show this help message and exit": N_("in trợ giúp này rồi thoát"),
    "show program's version number and exit": N_("in số phiên bản rồi thoát"),
    "argument %(argument_name)s: %(message)s": N_("tham số %(argument_name)s: %(message)s"),
    "the following arguments are required: %s": N_("thiếu tham số bắt buộc: %s"),
    "unrecognized arguments: %s": N_("tham số không nhận ra: %s"),
    "invalid choice: %(value)r (choose from %(choices)s)": N_(
        "lựa chọn không hợp lệ: %(value)r (chọn một trong %(choices)s)"
    ),
    "invalid %(type)s value: %(value)r": N_("giá trị %(type)s không hợp lệ: %(value)r"),
    "expected one argument": N_("cần một giá trị"),
    "expected at most one argument": N_("cần nhiều nhất một giá trị"),
    "expected at least one argument": N_("cần ít nhất một giá trị"),
    "not allowed with argument %s": N_("không dùng được cùng tham số %s"),
    "one of the arguments %s is required": N_("cần một trong các tham số %s"),
    "ambiguous option: %(option)s could match %(matches)s": N_(
        "tùy chọn không rõ: %(option)s có thể là %(matches)s"
    ),
    "ignored explicit argument %r": N_("bỏ qua giá trị không dùng được %r"),
    "unexpected option string: %s": N_("tùy chọn không mong đợi: %s"),
    "can't open '%(filename)s': %(error)s": N_("không mở được “%(filename)s”: %(error)s"),
}
ARGPARSE_PLURALS = {
    ("expected %s argument", "expected %s arguments"): N_("cần %s giá trị"),
}


def _argparse_gettext(message: str) -> str:
    ours = ARGPARSE_TEXTS.get(message)
    return _(ours) if ours else message


def _argparse_ngettext(singular: str, plural: str, count: int) -> str:
    ours = ARGPARSE_PLURALS.get((singular, plural))
    return ngettext(ours, ours, count) if ours else (singular if count == 1 else plural)


# argparse looks these names up on each call (`from gettext import gettext as _`).
setattr(argparse, "_", _argparse_gettext)  # noqa: B010 (not in the typeshed stub)
setattr(argparse, "ngettext", _argparse_ngettext)  # noqa: B010


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line, exit 2, in the user's language."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}\n")

    def add_subparsers(self, **kwargs: Any) -> Any:
        """Subcommands named for the user, wherever a group is added (here or in a module).

        argparse names a group by its `dest` ("dossier_command") in its messages, so a
        group gets a readable metavar, and a required one is checked here instead: a missing
        subcommand reads "thiếu lệnh con (show, list, …)".
        """
        kwargs.setdefault("metavar", _("LỆNH"))
        required = kwargs.pop("required", False)
        group = super().add_subparsers(**kwargs)
        if required:  # the chosen subcommand's own handler replaces this one
            self.set_defaults(handler=lambda _args: self._missing_subcommand(group))
        return group

    def _missing_subcommand(self, group: Any) -> NoReturn:
        choices = ", ".join(group.choices)
        self.error(_("thiếu lệnh con ({choices})").format(choices=choices))


def common_options() -> OneLineParser:
    common = OneLineParser(add_help=False)
    common.add_argument(
        "--data-dir",
        type=Path,
        default=argparse.SUPPRESS,
        help=_("thư mục dữ liệu (mặc định: $COUNTER_APP_DATA_DIR hoặc thư mục người dùng)"),
    )
    common.add_argument(
        "--user",
        default=argparse.SUPPRESS,
        help=_("người thực hiện (mặc định: tài khoản hệ thống)"),
    )
    return common


def json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help=_("in một tài liệu JSON"))


def print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def _in_years(day: date, field: str) -> None:
    try:
        check_year(day, field)
    except ValidationError as error:
        raise argparse.ArgumentTypeError(error.message) from None


def parse_date(text: str) -> date:
    """A day of the office's work, YYYY-MM-DD, in the years `periods.check_year` allows."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("ngày không hợp lệ: {value} (dạng YYYY-MM-DD)").format(value=text)
        ) from None
    _in_years(day, _("ngày"))
    return day


def parse_moment(text: str) -> datetime:
    """A moment (ISO 8601; Vietnam time when no offset is given) in the allowed years."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("thời điểm không hợp lệ: {value} (dạng ISO 8601)").format(value=text)
        ) from None
    _in_years(moment.date(), _("thời điểm"))
    return moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argument type: a whole number from `low` to `high`, what the device or rule allows."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                _("cần một số nguyên: {value}").format(value=text)
            ) from None
        if value < low and low == 1:
            raise argparse.ArgumentTypeError(_("cần một số lớn hơn 0: {value}").format(value=text))
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                _("cần một số từ {low} đến {high}: {value}").format(low=low, high=high, value=text)
            )
        return value

    return parse


MAX_COUNT = 1_000_000
"""The largest count any option takes unless its own rule says less (a page number, ...)."""

positive = whole_number(1, MAX_COUNT)
"""A count or a number in a list: 1 and up, bounded so no database integer overflows."""


# --- handlers ---------------------------------------------------------------------------


def context_for(args: argparse.Namespace, *, create: bool = False) -> AppContext:
    """The data directory's context; use it in a `with` block so it is closed."""
    from counter_app.kernel.context import open_context

    return open_context(getattr(args, "data_dir", None), create=create)


def actor_for(ctx: AppContext, args: argparse.Namespace) -> Actor:
    from counter_app.kernel.users import resolve_actor

    return resolve_actor(ctx, getattr(args, "user", None))


def day_or_today(ctx: AppContext, args: argparse.Namespace) -> date:
    """The command's `--date`, else today in Vietnam by the context's clock."""
    given: date | None = getattr(args, "date", None)
    return given or ctx.clock().astimezone(VN_TZ).date()


class Commands:
    """The command line being built: each slice's `register(commands)` adds its own here.

    A group that several slices fill (for example `report`) is made by the first `group`
    call for its name and handed back to the later ones.
    """

    def __init__(self, subparsers: Any, common: argparse.ArgumentParser) -> None:
        self.subparsers = subparsers
        self.common = common
        self._groups: dict[str, Any] = {}

    def command(self, name: str, help_text: str) -> OneLineParser:
        """A top-level command (`counter-app NAME`) taking the common options."""
        parser: OneLineParser = self.subparsers.add_parser(
            name, parents=[self.common], help=help_text
        )
        return parser

    def group(self, name: str, help_text: str) -> Any:
        """The subcommands of `counter-app NAME`, made once and shared by every slice."""
        if name not in self._groups:
            parser = self.command(name, help_text)
            self._groups[name] = parser.add_subparsers(
                dest=f"{name}_command", required=True, parser_class=OneLineParser
            )
        return self._groups[name]

    def subcommand(self, group: Any, name: str, help_text: str) -> OneLineParser:
        parser: OneLineParser = group.add_parser(name, parents=[self.common], help=help_text)
        return parser
