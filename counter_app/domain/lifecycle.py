"""The dossier lifecycle: statuses, channels and the moves the rules allow.

Status values mirror the national portal's `TrangThaiHoSo` codes and channel values
its `KenhThucHien` codes (docs/rules.md §3).
"""

from __future__ import annotations

from enum import StrEnum

from counter_app.errors import TransitionError, ValidationError
from counter_app.i18n import N_, _


class Status(StrEnum):
    SUBMITTED = "submitted"
    RECEIVED = "received"
    REFUSED = "refused"
    PROCESSING = "processing"
    SUPPLEMENT = "supplement"
    FEES_DUE = "fees_due"
    WITHDRAWN = "withdrawn"
    STOPPED = "stopped"
    RESOLVED = "resolved"
    RETURNED = "returned"

    @property
    def portal_code(self) -> int:
        """The national portal's `TrangThaiHoSo` number."""
        return _PORTAL_CODES[self]

    @property
    def official_label(self) -> str:
        """The Vietnamese label whatever the interface language: what records sent out carry."""
        return _LABELS[self]

    @property
    def label(self) -> str:
        return _(self.official_label)

    @property
    def is_final(self) -> bool:
        return not ALLOWED_MOVES[self]

    @classmethod
    def parse(cls, text: str) -> Status:
        """A status from its name or its portal number; ValidationError otherwise."""
        cleaned = text.strip().lower()
        for status in cls:
            if cleaned in (status.value, str(status.portal_code)):
                return status
        raise ValidationError(
            _("Trạng thái không hợp lệ: {value}. Dùng một trong: {names}.").format(
                value=text, names=", ".join(s.value for s in cls)
            )
        )


_PORTAL_CODES = {
    Status.SUBMITTED: 1,
    Status.RECEIVED: 2,
    Status.REFUSED: 3,
    Status.PROCESSING: 4,
    Status.SUPPLEMENT: 5,
    Status.FEES_DUE: 6,
    Status.WITHDRAWN: 7,
    Status.STOPPED: 8,
    Status.RESOLVED: 9,
    Status.RETURNED: 10,
}

_LABELS = {
    Status.SUBMITTED: N_("Mới đăng ký"),
    Status.RECEIVED: N_("Đã tiếp nhận"),
    Status.REFUSED: N_("Từ chối tiếp nhận"),
    Status.PROCESSING: N_("Đang xử lý"),
    Status.SUPPLEMENT: N_("Chờ bổ sung"),
    Status.FEES_DUE: N_("Chờ thực hiện nghĩa vụ tài chính"),
    Status.WITHDRAWN: N_("Công dân rút hồ sơ"),
    Status.STOPPED: N_("Dừng xử lý"),
    Status.RESOLVED: N_("Đã có kết quả"),
    Status.RETURNED: N_("Đã trả kết quả"),
}

# Every allowed move. A final status allows none. A supplement request pauses the clock;
# moving out of SUPPLEMENT back to PROCESSING resumes it.
ALLOWED_MOVES: dict[Status, frozenset[Status]] = {
    Status.SUBMITTED: frozenset({Status.RECEIVED, Status.REFUSED, Status.WITHDRAWN}),
    Status.RECEIVED: frozenset(
        {
            Status.PROCESSING,
            Status.SUPPLEMENT,
            Status.FEES_DUE,
            Status.REFUSED,
            Status.WITHDRAWN,
            Status.STOPPED,
            Status.RESOLVED,
        }
    ),
    Status.PROCESSING: frozenset(
        {Status.SUPPLEMENT, Status.FEES_DUE, Status.RESOLVED, Status.STOPPED, Status.WITHDRAWN}
    ),
    Status.SUPPLEMENT: frozenset({Status.PROCESSING, Status.WITHDRAWN, Status.STOPPED}),
    Status.FEES_DUE: frozenset(
        {Status.PROCESSING, Status.RESOLVED, Status.WITHDRAWN, Status.STOPPED}
    ),
    Status.RESOLVED: frozenset({Status.RETURNED}),
    Status.REFUSED: frozenset(),
    Status.WITHDRAWN: frozenset(),
    Status.STOPPED: frozenset(),
    Status.RETURNED: frozenset(),
}

# Moves that must say why: they end or suspend the citizen's dossier.
REASON_REQUIRED = frozenset({Status.REFUSED, Status.SUPPLEMENT, Status.WITHDRAWN, Status.STOPPED})


def check_move(current: Status, target: Status, reason: str | None) -> None:
    """Raise TransitionError unless `current -> target` is allowed with this reason."""
    if target not in ALLOWED_MOVES[current]:
        raise TransitionError(
            _("Không thể chuyển hồ sơ từ “{current}” sang “{target}”.").format(
                current=current.label, target=target.label
            )
        )
    if target in REASON_REQUIRED and not (reason and reason.strip()):
        raise TransitionError(
            _("Cần ghi lý do khi chuyển hồ sơ sang “{target}”.").format(target=target.label)
        )


class Channel(StrEnum):
    """How a dossier came in. ASSISTED is an online filing made with the clerk's help."""

    DIRECT = "direct"
    ONLINE = "online"
    POSTAL = "postal"
    ASSISTED = "assisted"

    @property
    def portal_code(self) -> int:
        """`KenhThucHien`: assisted filings are online filings for the portal."""
        return {Channel.DIRECT: 1, Channel.ONLINE: 2, Channel.ASSISTED: 2, Channel.POSTAL: 3}[self]

    @property
    def is_online(self) -> bool:
        return self in (Channel.ONLINE, Channel.ASSISTED)

    @property
    def label(self) -> str:
        return _(_CHANNEL_LABELS[self])

    @classmethod
    def parse(cls, text: str) -> Channel:
        cleaned = text.strip().lower()
        for channel in cls:
            if cleaned == channel.value:
                return channel
        raise ValidationError(
            _("Kênh nộp không hợp lệ: {value}. Dùng một trong: {names}.").format(
                value=text, names=", ".join(c.value for c in cls)
            )
        )


_CHANNEL_LABELS = {
    Channel.DIRECT: N_("Trực tiếp"),
    Channel.ONLINE: N_("Trực tuyến"),
    Channel.POSTAL: N_("Bưu chính công ích"),
    Channel.ASSISTED: N_("Hỗ trợ nộp trực tuyến"),
}


class Delivery(StrEnum):
    """How the citizen takes the result, chosen at intake (the portal's `HinhThuc`)."""

    COUNTER = "counter"
    POST = "post"
    ONLINE = "online"

    @property
    def portal_code(self) -> str:
        """`HinhThuc`: "1" when the result goes by public postal service, else "0"."""
        return "1" if self is Delivery.POST else "0"

    @property
    def label(self) -> str:
        return _(_DELIVERY_LABELS[self])

    @classmethod
    def parse(cls, text: str) -> Delivery:
        cleaned = text.strip().lower()
        for delivery in cls:
            if cleaned == delivery.value:
                return delivery
        raise ValidationError(
            _("Cách nhận kết quả không hợp lệ: {value}. Dùng một trong: {names}.").format(
                value=text, names=", ".join(d.value for d in cls)
            )
        )


_DELIVERY_LABELS = {
    Delivery.COUNTER: N_("Nhận tại Bộ phận Một cửa"),
    Delivery.POST: N_("Nhận qua bưu chính công ích"),
    Delivery.ONLINE: N_("Nhận trực tuyến"),
}


class Role(StrEnum):
    CLERK = "clerk"
    LEADER = "leader"
    ADMIN = "admin"


class EventKind(StrEnum):
    """What an entry of a dossier's history records."""

    RECEIVED = "received"
    MOVED = "moved"
    PRINTED = "printed"
    PAGES_ATTACHED = "pages_attached"
    HANDED_OVER = "handed_over"
    NOTE = "note"
    EXTENDED = "extended"
    """The due date moved, with the apology letter (form 04): reason, approver, both dates."""
    APOLOGY = "apology"
    """An apology letter that sets no new date."""

    @property
    def official_label(self) -> str:
        """The Vietnamese label whatever the interface language: what records sent out carry."""
        return _EVENT_LABELS[self]

    @property
    def label(self) -> str:
        return _(self.official_label)


_EVENT_LABELS = {
    EventKind.RECEIVED: N_("Tiếp nhận hồ sơ"),
    EventKind.MOVED: N_("Chuyển trạng thái"),
    EventKind.PRINTED: N_("In phiếu"),
    EventKind.PAGES_ATTACHED: N_("Đính kèm trang quét"),
    EventKind.HANDED_OVER: N_("Bàn giao hồ sơ"),
    EventKind.NOTE: N_("Ghi chú"),
    EventKind.EXTENDED: N_("Gia hạn, xin lỗi"),
    EventKind.APOLOGY: N_("Thư xin lỗi"),
}
