"""The day-close counts: the shape shared by `report day` and the hub's `hub counts`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Channel
from counter_app.store.models import Dossier, Office


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0, 0), VN_TZ)
    return start, start + timedelta(days=1)


def day_counts(session: Session, office: Office, day: date) -> dict[str, Any]:
    """Dossiers received by `office` on `day` (Vietnam time), with their status now."""
    start, end = day_bounds(day)
    rows = session.execute(
        sa.select(Dossier.code, Dossier.channel, Dossier.status, Dossier.procedure_code)
        .where(
            Dossier.office_id == office.id,
            Dossier.received_at >= start,
            Dossier.received_at < end,
        )
        .order_by(Dossier.code)
    ).all()
    return summarise_day(office.unit_code, day, rows)


class DayRow(Protocol):
    code: str
    channel: str
    status: str
    procedure_code: str


def summarise_day(office_unit: str, day: date, rows: Sequence[DayRow]) -> dict[str, Any]:
    """The day-close counts of `rows` (sorted by code); the hub counts with it too."""
    by_channel = {channel.value: 0 for channel in Channel}
    by_channel.update(Counter(row.channel for row in rows))
    return {
        "office": office_unit,
        "date": day.isoformat(),
        "received": len(rows),
        "by_channel": by_channel,
        "by_status": dict(sorted(Counter(row.status for row in rows).items())),
        "by_procedure": dict(sorted(Counter(row.procedure_code for row in rows).items())),
        "dossiers": [row.code for row in rows],
    }
