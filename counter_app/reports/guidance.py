"""How many citizens the counter guided to file online, next to what it received.

"Guided" counts guidance sessions (`guidance_sessions`), "received" counts dossiers
(reports.online); the two are separate figures (docs/rules.md §10), and a guided
citizen who filed at the counter is in both (outcome "assisted", channel "assisted").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from counter_app.domain.calendar import VN_TZ
from counter_app.domain.periods import check_range
from counter_app.guidance.models import GuidanceSession
from counter_app.guidance.policy import PAPER_REASONS, split_paper_reason
from counter_app.guidance.sessions import GuidanceOutcome
from counter_app.i18n import _
from counter_app.kernel.context import AppContext
from counter_app.reports.online import OnlineShare, online_share


@dataclass(frozen=True)
class GuidanceFigures:
    start: date
    end: date
    by_outcome: dict[str, int]
    """Every outcome, zero included."""
    by_procedure: dict[str, dict[str, int]]
    """Procedure code → outcome → count (procedures with at least one session)."""
    could_not_reasons: dict[str, int]
    """Every reason code of PAPER_REASONS."""
    linked_dossiers: int
    """Assisted sessions tied to the dossier they produced."""
    received: OnlineShare

    @property
    def guided(self) -> int:
        return sum(self.by_outcome.values())

    def counts_json(self) -> dict[str, Any]:
        """The guided counts alone (no dossiers): what `report online` adds to "received"."""
        return {
            "total": self.guided,
            "by_outcome": dict(self.by_outcome),
            "linked_dossiers": self.linked_dossiers,
            "could_not_reasons": dict(self.could_not_reasons),
        }

    def to_json(self) -> dict[str, object]:
        share = self.received.share
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "guided": self.guided,
            "by_outcome": self.by_outcome,
            "by_procedure": self.by_procedure,
            "could_not_reasons": self.could_not_reasons,
            "linked_dossiers": self.linked_dossiers,
            "received": self.received.received,
            "received_online": self.received.online,
            "online_share": None if share is None else round(share, 4),
        }


def guidance_figures(ctx: AppContext, start: date, end: date) -> GuidanceFigures:
    """Guidance sessions from `start` to `end` (inclusive, Vietnam dates), with the
    dossiers received in the same days."""
    check_range(start, end)
    window = sa.and_(
        GuidanceSession.at >= datetime.combine(start, time(0), VN_TZ),
        GuidanceSession.at < datetime.combine(end + timedelta(days=1), time(0), VN_TZ),
    )
    with ctx.session() as session:
        rows = session.execute(
            sa.select(
                GuidanceSession.procedure_code,
                GuidanceSession.outcome,
                GuidanceSession.reason,
                sa.func.count(GuidanceSession.id),
                sa.func.count(GuidanceSession.dossier_id),
            )
            .where(window)
            .group_by(
                GuidanceSession.procedure_code, GuidanceSession.outcome, GuidanceSession.reason
            )
        ).all()
    by_outcome = dict.fromkeys([o.value for o in GuidanceOutcome], 0)
    by_procedure: dict[str, Counter[str]] = {}
    reasons = dict.fromkeys(PAPER_REASONS, 0)
    linked = 0
    for procedure_code, outcome, reason, count, with_dossier in rows:
        by_outcome[str(outcome)] = by_outcome.get(str(outcome), 0) + int(count)
        by_procedure.setdefault(str(procedure_code), Counter())[str(outcome)] += int(count)
        if reason is not None:
            reasons[split_paper_reason(str(reason))[0]] += int(count)
        linked += int(with_dossier)
    return GuidanceFigures(
        start=start,
        end=end,
        by_outcome=by_outcome,
        by_procedure={code: dict(counts) for code, counts in sorted(by_procedure.items())},
        could_not_reasons=reasons,
        linked_dossiers=linked,
        received=online_share(ctx, start, end),
    )


def guided_summary(counts: dict[str, Any]) -> str:
    """One line for screens and the CLI from `GuidanceFigures.counts_json()`: guided in total
    and by outcome."""
    by_outcome = counts["by_outcome"]
    return _(
        "Đã hướng dẫn nộp trực tuyến {total} lượt: nộp tại quầy {assisted} "
        "(gắn hồ sơ {linked}), tự nộp tại nhà {at_home}, không nộp được {could_not}."
    ).format(
        total=counts["total"],
        assisted=by_outcome[GuidanceOutcome.ASSISTED.value],
        linked=counts["linked_dossiers"],
        at_home=by_outcome[GuidanceOutcome.AT_HOME.value],
        could_not=by_outcome[GuidanceOutcome.COULD_NOT.value],
    )
