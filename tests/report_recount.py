"""The Biểu 06 rules written again as a plain loop over dossier JSON, for the report tests.

Kept apart from `counter_app.reports` on purpose: a figure is right when this independent
recount and the SQL of the report agree.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from counter_app.domain.calendar import VN_TZ

Rows = dict[tuple[str, str], Counter[str]]


def local(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).astimezone(VN_TZ)


def finished_from_events(d: dict[str, Any]) -> datetime | None:
    """When a dossier left the counter's hands: resolved, or closed by its first move there."""
    if d["status"] in ("resolved", "returned"):
        return local(d["resolved_at"])
    if d["status"] in ("refused", "withdrawn", "stopped"):
        return min(local(e["at"]) for e in d["events"] if e["to_status"] == d["status"])
    return None


def as_it_stood(d: dict[str, Any], end: datetime) -> tuple[int, bool, datetime | None]:
    """(supplement requests, waiting for one, due date) of a dossier at `end`, replayed from
    its history: the due date is today's, taken back through every pause that ended since
    (each resumption records the due date it replaced)."""
    if d["supplement_count"] == 0:
        return 0, False, local(d["due_at"])
    history = sorted(enumerate(d["events"]), key=lambda item: (local(item[1]["at"]), item[0]))
    events = [event for _index, event in history]
    before = [e for e in events if e["to_status"] and local(e["at"]) < end]
    requests = sum(1 for e in before if e["to_status"] == "supplement")
    waiting = bool(before) and before[-1]["to_status"] == "supplement"
    due = local(d["due_at"])
    for event in reversed(events):
        moment = local(event["at"])
        assert moment is not None
        if moment >= end and event["from_status"] == "supplement":
            replaced = event["data"].get("previous_due_at")
            due = local(replaced) if replaced else local(d["due_at"])
    return requests, waiting, due


def recount(
    dossiers: list[dict[str, Any]],
    first: date,
    last: date,
    finished_of: Callable[[dict[str, Any]], datetime | None] = finished_from_events,
    now: datetime | None = None,
) -> Rows:
    """The rows of the period `first`..`last`; when `now` falls inside it (the period is
    still running), open dossiers are read as of `now`, against today's date."""
    rows: Rows = defaultdict(Counter)
    end = datetime.combine(last + timedelta(days=1), time(0), VN_TZ)
    start = datetime.combine(first, time(0), VN_TZ)
    in_time_from = last  # an open dossier due on or after this day is in time
    if now is not None and start <= now < end:
        in_time_from = now.astimezone(VN_TZ).date()
    for d in dossiers:
        received = local(d["received_at"])
        assert received is not None
        finished = finished_of(d)
        if d["status"] == "submitted" or received.date() > last:
            continue
        if finished is not None and finished.date() < first:
            continue
        row = rows[(d["field"], d["procedure"])]
        row["received"] += 1
        if received.date() < first:
            row["carried_over"] += 1
        elif d["channel"] in ("online", "assisted"):
            row["received_online"] += 1
        else:
            row["received_direct_postal"] += 1
        due = local(d["due_at"])
        twice = d["supplement_count"] >= 2
        if finished is not None and finished.date() <= last:
            row["resolved"] += 1
            if d["status"] in ("refused", "withdrawn", "stopped"):
                kind = "on_time"
            elif twice:
                kind = "late"
            elif due is None or finished.date() == due.date():
                kind = "on_time"
            else:
                kind = "early" if finished.date() < due.date() else "late"
            row["resolved_" + kind] += 1
        else:
            row["in_progress"] += 1
            requests, waiting, due = as_it_stood(d, end)
            if requests >= 2:
                kind = "overdue"
            elif waiting or due is None or due.date() >= in_time_from:
                kind = "in_time"
            else:
                kind = "overdue"
            row["in_progress_" + kind] += 1
    return rows
