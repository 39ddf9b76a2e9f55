"""The online share and the reasons for paper, for the status bar, dashboard and reports.

Online means channel online or assisted (an assisted filing is an online filing made at
the counter, docs/rules.md §3); the share is online ÷ received in the period.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Channel
from counter_app.guidance.data import Target, load_guidance
from counter_app.guidance.policy import PAPER_REASONS, split_paper_reason
from counter_app.i18n import format_percent as i18n_percent
from counter_app.kernel.context import AppContext
from counter_app.store.models import Dossier

UNSPECIFIED = "unspecified"
"""A paper dossier of an online-capable procedure whose reason was not recorded."""


@dataclass(frozen=True)
class OnlineShare:
    start: date
    end: date
    received: int
    by_channel: dict[str, int]

    @property
    def online(self) -> int:
        return sum(n for channel, n in self.by_channel.items() if Channel(channel).is_online)

    @property
    def share(self) -> float | None:
        """None when nothing was received (766: a zero denominator shows N/A)."""
        return self.online / self.received if self.received else None

    def to_json(self) -> dict[str, object]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "received": self.received,
            "online": self.online,
            "share": None if self.share is None else round(self.share, 4),
            "by_channel": self.by_channel,
        }


def format_percent(percent: float | None) -> str:
    """A percentage as the screens write it: at most one decimal, in the language's form
    ("27,2 %" in Vietnamese), "—" for no data."""
    if percent is None:
        return "—"
    return i18n_percent(percent)


def _window(start: date, end: date) -> sa.ColumnElement[bool]:
    return sa.and_(
        Dossier.received_at >= datetime.combine(start, time(0), VN_TZ),
        Dossier.received_at < datetime.combine(end + timedelta(days=1), time(0), VN_TZ),
    )


def online_share(ctx: AppContext, start: date, end: date) -> OnlineShare:
    """Dossiers received from `start` to `end` (inclusive, Vietnam dates) by channel."""
    with ctx.session() as session:
        rows = session.execute(
            sa.select(Dossier.channel, sa.func.count(Dossier.id))
            .where(_window(start, end))
            .group_by(Dossier.channel)
        ).all()
    by_channel = {channel.value: 0 for channel in Channel}
    for channel, count in rows:
        by_channel[str(channel)] = int(count)
    return OnlineShare(start, end, sum(by_channel.values()), by_channel)


def month_bounds(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


@dataclass(frozen=True)
class PaperReasons:
    """Why paper dossiers of online-capable procedures were filed on paper."""

    by_reason: dict[str, int]
    """Every code of PAPER_REASONS, plus UNSPECIFIED."""
    other_texts: dict[str, int]
    """The citizens' own words of the "other" reasons."""

    @property
    def total(self) -> int:
        return sum(self.by_reason.values())

    def to_json(self) -> dict[str, object]:
        return {"total": self.total, "by_reason": self.by_reason, "other": self.other_texts}


def paper_reasons(ctx: AppContext, start: date, end: date) -> PaperReasons:
    """Counts of reasons for paper dossiers received from `start` to `end`."""
    book = load_guidance(ctx.data_dir)
    paper = [c.value for c in Channel if not c.is_online]
    with ctx.session() as session:
        rows = session.execute(
            sa.select(Dossier.procedure_code, Dossier.paper_reason, sa.func.count(Dossier.id))
            .where(_window(start, end), Dossier.channel.in_(paper))
            .group_by(Dossier.procedure_code, Dossier.paper_reason)
        ).all()
    by_reason = dict.fromkeys([*PAPER_REASONS, UNSPECIFIED], 0)
    others: Counter[str] = Counter()
    for procedure_code, stored, count in rows:
        if stored is None:
            guidance = book.procedures.get(str(procedure_code))
            if guidance is None or not guidance.can_file_online:
                continue  # nothing to explain: the procedure cannot be filed online
            by_reason[UNSPECIFIED] += int(count)
            continue
        code, text = split_paper_reason(str(stored))
        by_reason[code] += int(count)
        if text:
            others[text] += int(count)
    return PaperReasons(by_reason, dict(others.most_common()))


def office_target(ctx: AppContext) -> Target | None:
    """The office's yearly online-share target: the guidance data's target of its level.

    The one source of the target for the status bar, the dashboard and the reports; an admin
    sets it with `counter-app guidance target LEVEL PERCENT --source ...`. The shipped
    defaults come from the seed and are marked unconfirmed.
    """
    book = load_guidance(ctx.data_dir)
    return book.targets.get(book.office_level)


@dataclass(frozen=True)
class TargetProgress:
    level: str
    """The office's own level (its target is `targets[level]`)."""
    targets: dict[str, float]
    today: OnlineShare
    month: OnlineShare
    year: OnlineShare

    target_confirmed: bool = False

    @property
    def target(self) -> float | None:
        return self.targets.get(self.level)

    @property
    def below_target(self) -> bool:
        """Today's share is under the target (False when nothing was received or no target)."""
        share, target = self.today.share, self.target
        return share is not None and target is not None and share < target

    def to_json(self) -> dict[str, object]:
        return {
            "level": self.level,
            "target": self.target,
            "target_confirmed": self.target_confirmed,
            "targets": self.targets,
            "today": self.today.to_json(),
            "month": self.month.to_json(),
            "year": self.year.to_json(),
        }


def target_progress(ctx: AppContext, day: date | None = None) -> TargetProgress:
    """The online share today, this month and this year against the yearly targets."""
    day = day or ctx.clock().astimezone(VN_TZ).date()
    book = load_guidance(ctx.data_dir)
    first, last = month_bounds(day)
    own = book.targets.get(book.office_level)
    return TargetProgress(
        level=book.office_level,
        targets={level: t.share for level, t in book.targets.items()},
        target_confirmed=own is not None and own.confirmed,
        today=online_share(ctx, day, day),
        month=online_share(ctx, first, min(last, day)),
        year=online_share(ctx, day.replace(month=1, day=1), day),
    )
