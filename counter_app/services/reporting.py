"""Report use cases the CLI and GUI call."""

from __future__ import annotations

from datetime import date
from typing import Any

from counter_app.reports.day import day_counts
from counter_app.services.context import AppContext
from counter_app.services.dossiers import ensure_office


def report_day(ctx: AppContext, day: date) -> dict[str, Any]:
    with ctx.session() as session:
        return day_counts(session, ensure_office(session, ctx), day)
