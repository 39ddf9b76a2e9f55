"""Sending to the province in the clerk's words: what waits is counted in dossiers and pages,
the province's server is "máy chủ của tỉnh", enrolment is "đăng ký máy với tỉnh", and a
problem says what to do next. The status bar and the "Gửi lên tỉnh" page both speak here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from counter_app.domain.calendar import VN_TZ
from counter_app.errors import ConfigError, CounterError, ValidationError
from counter_app.i18n import N_, _
from counter_app.sync.client import HubRefusedError, HubUnavailableError
from counter_app.sync.service import SyncOverview

PAGE_TITLE = N_("Gửi lên tỉnh")
"""The page's name in the navigation, and the action of its button."""
SEND_SHORTCUT = "Ctrl+Shift+S"


@dataclass(frozen=True)
class SyncWords:
    """One state said twice: `line` for the status bar, `lines` for the page."""

    line: str
    detail: str
    advice: str
    warning: bool


def waiting_text(dossiers: int, pages: int) -> str:
    if not dossiers and not pages:
        return _("không còn gì chờ gửi")
    return _("chờ gửi {dossiers} hồ sơ, {pages} trang").format(dossiers=dossiers, pages=pages)


def when_text(value: datetime | None) -> str:
    if not isinstance(value, datetime):
        return _("chưa lần nào")
    return value.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y")


def sync_words(overview: SyncOverview, *, demo: bool) -> SyncWords:
    """Where this counter stands with the province, and what to do about it."""
    waiting = waiting_text(overview.pending_dossiers, overview.pending_pages)
    if demo:
        return SyncWords(
            _("Dữ liệu mẫu: không gửi lên tỉnh"),
            _("Đây là dữ liệu mẫu để tập dùng; không có gì được gửi lên tỉnh."),
            _("Khi dùng thật, cài đặt chương trình vào một thư mục dữ liệu mới."),
            False,
        )
    if not overview.enrolled:
        line = _("Máy chưa đăng ký với tỉnh · {waiting}").format(waiting=waiting)
        advice = _("Quản trị viên đăng ký máy với tỉnh ở trang “Gửi lên tỉnh”.")
        warning = bool(overview.pending_dossiers or overview.pending_pages)
        detail = _("Hồ sơ chỉ lưu trên máy này cho đến khi máy được đăng ký với tỉnh.")
        return SyncWords(f"⚠ {line}" if warning else line, detail, advice, warning)
    last = when_text(overview.last_success_at)
    detail = _("Gửi lên tỉnh thành công gần nhất: {when} · {waiting}").format(
        when=last, waiting=waiting
    )
    if overview.overdue_days is not None:
        line = _("Đã {days} ngày chưa gửi được lên tỉnh · {waiting}").format(
            days=overview.overdue_days, waiting=waiting
        )
        advice = _(
            "Kiểm tra kết nối mạng rồi bấm “Gửi lên tỉnh”; nếu vẫn không được, báo cán bộ "
            "phụ trách máy tính."
        )
        return SyncWords(f"⚠ {line}", detail, advice, True)
    if overview.last_error:
        line = _("Lần gửi lên tỉnh vừa rồi không được · {waiting}").format(waiting=waiting)
        advice = _(
            "Máy sẽ tự thử lại. Nếu lỗi kéo dài, kiểm tra kết nối mạng hoặc báo cán bộ phụ "
            "trách máy tính."
        )
        return SyncWords(f"⚠ {line}", detail, advice, True)
    line = _("Đã gửi lên tỉnh {when} · {waiting}").format(when=last, waiting=waiting)
    return SyncWords(line, detail, "", False)


def enrol_problem(exc: BaseException) -> str | None:
    """Why enrolment failed and what to do, in words; None for a bug (shown as one)."""
    cause = exc.__cause__ if isinstance(exc.__cause__, HubRefusedError) else exc
    reason = cause.reason if isinstance(cause, HubRefusedError) else None
    if isinstance(exc, HubUnavailableError):
        return _(
            "Không kết nối được máy chủ của tỉnh. Kiểm tra địa chỉ và kết nối mạng rồi thử "
            "lại, hoặc để sau."
        )
    if reason == "enroll_code_unknown":
        return _("Mã đăng ký không đúng. Xem lại mã tỉnh cấp rồi nhập lại.")
    if reason == "enroll_code_used":
        return _("Mã đăng ký này đã được dùng. Xin tỉnh cấp mã mới.")
    if reason == "enroll_code_expired":
        return _("Mã đăng ký đã hết hạn. Xin tỉnh cấp mã mới.")
    if isinstance(exc, ConfigError):
        return _(
            "Mã đăng ký này không dành cho đơn vị của máy này. Kiểm tra đơn vị và mã định "
            "danh điện tử đã chọn, hoặc xin tỉnh mã đúng."
        )
    if isinstance(exc, ValidationError) and reason is None:
        return _("Máy này đã đăng ký với tỉnh rồi.")
    if isinstance(exc, HubRefusedError | CounterError):
        return _("Máy chủ của tỉnh không nhận đăng ký: {reason}").format(reason=exc)
    return None


def address_problem(address: str, code: str) -> str | None:
    """What is wrong with the typed address and code before anything is sent."""
    if not address.strip():
        return _("Nhập địa chỉ máy chủ của tỉnh.")
    if not address.strip().startswith(("http://", "https://")):
        return _("Địa chỉ máy chủ của tỉnh bắt đầu bằng http:// hoặc https://.")
    if not code.strip():
        return _("Nhập mã đăng ký tỉnh cấp.")
    return None
