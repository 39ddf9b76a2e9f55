"""Which automatic backups to keep: 7 daily, 4 weekly, 12 monthly (grandfather-father-son).

A pure rule over the times the backups were taken, in the office's local time:

- daily: the newest backup of each of the 7 most recent days that have a backup;
- weekly: the newest of each of the 4 most recent ISO weeks (Monday to Sunday) that have one;
- monthly: the newest of each of the 12 most recent calendar months that have one.

A backup chosen by any of the three is kept; the others may go. "Most recent" counts the
days, weeks and months that have backups, not the calendar: a counter switched off for a
month keeps its last backups instead of losing them all on the morning it starts again.
The newest backup is always kept, and keeping is stable: applying the rule to what it
kept keeps all of it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from counter_app.domain.calendar import VN_TZ


@dataclass(frozen=True)
class Retention:
    daily: int = 7
    weekly: int = 4
    monthly: int = 12


DEFAULT_RETENTION = Retention()


def _newest_per_bucket(
    taken: list[datetime], bucket: Callable[[date], Hashable], count: int
) -> set[datetime]:
    newest: dict[Hashable, datetime] = {}
    for moment in taken:  # newest first: the first of each bucket is its newest
        newest.setdefault(bucket(moment.astimezone(VN_TZ).date()), moment)
    return set(list(newest.values())[:count]) if count > 0 else set()


def backups_to_keep(
    taken: Iterable[datetime], retention: Retention = DEFAULT_RETENTION
) -> set[datetime]:
    """The times (of `taken`, all timezone-aware) whose backups are kept."""
    ordered = sorted(set(taken), reverse=True)
    kept = _newest_per_bucket(ordered, lambda day: day, retention.daily)
    kept |= _newest_per_bucket(ordered, lambda day: day.isocalendar()[:2], retention.weekly)
    kept |= _newest_per_bucket(ordered, lambda day: (day.year, day.month), retention.monthly)
    if ordered:
        kept.add(ordered[0])
    return kept
