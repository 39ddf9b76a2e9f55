"""The checks of `verify` beyond the dossier chain and the tracking book, one function each.

Each takes the verify session and returns its problems, one line each (`VerifyProblem`);
`service.verify` calls them in turn. What they compare, and why, is listed in
docs/reliability.md ("verify: what it checks").
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from counter_app.domain.codes import parse_code
from counter_app.errors import ValidationError
from counter_app.i18n import _
from counter_app.kernel.admin_log import verify_admin_log
from counter_app.kernel.config import AppConfig
from counter_app.kernel.events import VerifyProblem
from counter_app.store.integrity import missing_triggers, unindexed_dossiers
from counter_app.store.models import CodeSequence, Dossier, Event, OutboxItem

# counter_app.sync.models.SyncDossierState, read by name (the sync slice is not below this
# one): where the hub's acknowledgment of a dossier's events is kept.
_SYNC_STATE = sa.table(
    "sync_dossier_state",
    sa.column("dossier_id", sa.Integer()),
    sa.column("synced_head_hash", sa.String()),
)
_LISTED = 5
"""Event ids named in a line; the count says how many more."""


def _listed(ids: list[int] | list[str]) -> str:
    shown = ", ".join(str(i) for i in ids[:_LISTED])
    return shown + ("…" if len(ids) > _LISTED else "")


def check_admin_log(session: Session, config: AppConfig) -> list[VerifyProblem]:
    """Users, roles, passwords, catalog, offices, holidays, enrolment, guarded settings."""
    return verify_admin_log(session, config)


def _acknowledged(session: Session) -> dict[int, int]:
    """Per dossier, the id of the last event the hub acknowledged (its synced head)."""
    rows = session.execute(
        sa.select(_SYNC_STATE.c.dossier_id, Event.id)
        .join(Event, Event.hash == _SYNC_STATE.c.synced_head_hash)
        .where(Event.dossier_id == _SYNC_STATE.c.dossier_id)
    )
    return {int(dossier_id): int(event_id) for dossier_id, event_id in rows}


def check_outbox(session: Session) -> list[VerifyProblem]:
    """Every event is in the outbox for the province, or the hub acknowledged it; an event
    marked sent was acknowledged; a synced head is an event of its dossier."""
    problems: list[VerifyProblem] = []
    where = _("hàng đợi gửi lên tỉnh")
    acknowledged = _acknowledged(session)
    unqueued = session.execute(
        sa.select(Event.id, Event.dossier_id)
        .outerjoin(OutboxItem, OutboxItem.event_id == Event.id)
        .where(OutboxItem.id.is_(None))
        .order_by(Event.id)
    ).all()
    lost = [e for e, d in unqueued if e > acknowledged.get(d, 0)]
    if lost:
        problems.append(
            VerifyProblem(
                _("thiếu {n} sự kiện chưa được tỉnh nhận (sự kiện {ids})").format(
                    n=len(lost), ids=_listed(lost)
                ),
                where,
            )
        )
    sent = session.execute(
        sa.select(Event.id, Event.dossier_id)
        .join(OutboxItem, OutboxItem.event_id == Event.id)
        .where(OutboxItem.sent_at.is_not(None))
        .order_by(Event.id)
    ).all()
    unconfirmed = [e for e, d in sent if e > acknowledged.get(d, 0)]
    if unconfirmed:
        problems.append(
            VerifyProblem(
                _(
                    "{n} sự kiện được ghi là đã gửi mà tỉnh chưa xác nhận (sự kiện {ids}); "
                    "trạng thái đồng bộ bị sửa"
                ).format(n=len(unconfirmed), ids=_listed(unconfirmed)),
                where,
            )
        )
    heads = session.execute(
        sa.select(Dossier.code)
        .join(_SYNC_STATE, _SYNC_STATE.c.dossier_id == Dossier.id)
        .where(_SYNC_STATE.c.synced_head_hash.is_not(None))
        .where(Dossier.id.not_in(list(acknowledged)) if acknowledged else sa.true())
        .order_by(Dossier.code)
    ).scalars()
    problems.extend(
        VerifyProblem(_("trạng thái đồng bộ ghi một lịch sử không có trên quầy"), code)
        for code in heads
    )
    return problems


def check_code_sequences(session: Session) -> list[VerifyProblem]:
    """The next number of each day is past every number issued that day (a lowered or
    deleted counter makes the next intake take a code already given)."""
    issued: dict[tuple[int, date], tuple[int, str]] = {}
    for office_id, code in session.execute(sa.select(Dossier.office_id, Dossier.code)):
        try:
            parsed = parse_code(code)
        except ValidationError:
            continue  # not a code this program issues (an imported one)
        key = (int(office_id), parsed.day)
        if key not in issued or parsed.sequence > issued[key][0]:
            issued[key] = (parsed.sequence, code)
    counters = {
        (int(office_id), day): int(last)
        for office_id, day, last in session.execute(
            sa.select(CodeSequence.office_id, CodeSequence.day, CodeSequence.last_value)
        )
    }
    problems = []
    for (office_id, day), (highest, code) in sorted(issued.items()):
        last = counters.get((office_id, day))
        if last is None or last < highest:
            problems.append(
                VerifyProblem(
                    _("số tiếp theo ({next}) đã được cấp cho hồ sơ {code}").format(
                        next=(last or 0) + 1, code=code
                    ),
                    _("bộ đếm số hồ sơ ngày {day}").format(day=day.strftime("%d/%m/%Y")),
                )
            )
    return problems


def check_search_index(session: Session) -> list[VerifyProblem]:
    """The search index holds every dossier as the dossiers table has it."""
    connection = session.connection()
    missing = unindexed_dossiers(connection)
    if missing == []:
        return []
    where = _("chỉ mục tìm kiếm")
    repair = _(
        "cần dựng lại chỉ mục (Cài đặt → Kiểm tra toàn vẹn dữ liệu → Dựng lại chỉ mục tìm kiếm)"
    )
    if missing is None:
        what = _("không khớp với hồ sơ; {repair}").format(repair=repair)
    else:
        codes = session.execute(
            sa.select(Dossier.code).where(Dossier.id.in_(missing[:_LISTED])).order_by(Dossier.id)
        ).scalars()
        what = _("không tìm được {n} hồ sơ ({codes}); {repair}").format(
            n=len(missing), codes=_listed(list(codes)), repair=repair
        )
    return [VerifyProblem(what, where)]


def check_triggers(session: Session) -> list[VerifyProblem]:
    """Every trigger the migrations create is still in the schema."""
    return [
        VerifyProblem(_("trigger {name} đã bị xóa").format(name=name), _("lược đồ cơ sở dữ liệu"))
        for name in missing_triggers(session.connection())
    ]
