"""What the dossier desk shows, without widgets: columns, due state, filter building.

No Qt here, so the rules are tested with plain views.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum

from counter_app.domain.calendar import VN_TZ, WorkCalendar
from counter_app.domain.lifecycle import Channel, Status
from counter_app.dossiers.service import DossierFilter, count_dossiers
from counter_app.i18n import N_, _
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import login_label
from counter_app.kernel.views import DossierView

COLUMNS = (
    N_("Mã hồ sơ"),
    N_("Người nộp"),
    N_("Thủ tục"),
    N_("Kênh"),
    N_("Trạng thái"),
    N_("Ngày nhận"),
    N_("Hẹn trả"),
    N_("Người xử lý"),
)
DATE_TIME_FORMAT = "%d/%m/%Y %H:%M"


class DueState(Enum):
    NONE = "none"
    ON_TIME = "on_time"
    NEAR = "near"
    LATE = "late"


def is_open(status: Status) -> bool:
    """Still running against its due date (not resolved, not ended)."""
    return not status.is_final and status is not Status.RESOLVED


def due_state(view: DossierView, now: datetime) -> DueState:
    """Late past the due date; near when due before the end of the next day."""
    if view.due_at is None or not is_open(Status(view.status)):
        return DueState.NONE
    if view.due_at < now:
        return DueState.LATE
    local = now.astimezone(VN_TZ)
    end_of_tomorrow = datetime.combine(local.date() + timedelta(days=2), time(0), VN_TZ)
    if view.due_at < end_of_tomorrow:
        return DueState.NEAR
    return DueState.ON_TIME


def due_text(view: DossierView, now: datetime) -> str:
    if view.due_at is None:
        return ""
    text = view.due_at.strftime(DATE_TIME_FORMAT)
    state = due_state(view, now)
    if state is DueState.LATE:
        return f"{text} · {_('Trễ hạn')}"
    if state is DueState.NEAR:
        return f"{text} · {_('Sắp đến hạn')}"
    return text


def received_text(view: DossierView) -> str:
    """The receipt time, marked in words when the dossier was logged after the fact."""
    text = view.received_at.strftime(DATE_TIME_FORMAT)
    return f"{text} · {_('Nhập muộn')}" if view.late_entry else text


def late_entry_text(view: DossierView) -> str | None:
    """ "Nhập muộn lúc … bởi … — lý do …" for a late entry, else None."""
    if not view.late_entry:
        return None
    return _("Nhập muộn lúc {entered} bởi {who} — lý do {reason}").format(
        entered=view.entered_at.strftime(DATE_TIME_FORMAT),
        who=login_label(view.received_by),
        reason=view.late_entry_reason or "",
    )


def cell_text(view: DossierView, column: int, now: datetime) -> str:
    if column == 0:
        return view.code
    if column == 1:
        return view.applicant_name
    if column == 2:
        return view.procedure_name
    if column == 3:
        return Channel(view.channel).label
    if column == 4:
        return Status(view.status).label
    if column == 5:
        return received_text(view)
    if column == 6:
        return due_text(view, now)
    if column == 7:
        return view.handler or ""
    return ""


class DueFilter(Enum):
    ANY = N_("Mọi hạn")
    TODAY = N_("Đến hạn hôm nay")
    TOMORROW = N_("Đến hạn ngày mai")
    LATE = N_("Trễ hạn")


@dataclass(frozen=True)
class DeskQuery:
    """The desk's filter bar, as typed by the clerk."""

    search: str = ""
    status: Status | None = None
    channel: Channel | None = None
    due: DueFilter = DueFilter.ANY
    received_from: date | None = None
    received_to: date | None = None
    handler: str = ""


def open_statuses() -> tuple[Status, ...]:
    return tuple(s for s in Status if is_open(s))


def to_filter(query: DeskQuery, now: datetime, calendar: WorkCalendar) -> DossierFilter:
    """The service filter for a desk query; due filters keep open dossiers only."""
    local = now.astimezone(VN_TZ)
    status: tuple[Status, ...] = (query.status,) if query.status else ()
    due_before = None
    due_from = None
    if query.due is DueFilter.LATE:
        due_before = now
    elif query.due is DueFilter.TODAY:
        due_from = local
        due_before = datetime.combine(local.date() + timedelta(days=1), time(0), VN_TZ)
    elif query.due is DueFilter.TOMORROW:
        tomorrow = calendar.next_working_day(local.date())  # Friday: Monday
        due_from = datetime.combine(tomorrow, time(0), VN_TZ)
        due_before = due_from + timedelta(days=1)
    return DossierFilter(
        status=status,
        channel=(query.channel,) if query.channel else (),
        search=query.search.strip(),
        received_from=query.received_from,
        received_to=query.received_to,
        due_before=due_before,
        due_from=due_from,
        handler=query.handler.strip() or None,
    )


@dataclass(frozen=True)
class TodayCounts:
    received: int
    online: int
    due_today: int
    late: int

    @property
    def online_share(self) -> int:
        """Per cent of today's dossiers that came in online."""
        return round(100 * self.online / self.received) if self.received else 0


def today_counts(ctx: AppContext) -> TodayCounts:
    """The status bar's figures; runs on the database worker."""
    now = ctx.clock()
    today = now.astimezone(VN_TZ).date()
    received = DossierFilter(received_from=today, received_to=today)
    online = DossierFilter(
        received_from=today,
        received_to=today,
        channel=tuple(c for c in Channel if c.is_online),
    )
    due_today = to_filter(DeskQuery(due=DueFilter.TODAY), now, ctx.calendar)
    late = to_filter(DeskQuery(due=DueFilter.LATE), now, ctx.calendar)
    return TodayCounts(
        count_dossiers(ctx, received),
        count_dossiers(ctx, online),
        count_dossiers(ctx, due_today),
        count_dossiers(ctx, late),
    )
