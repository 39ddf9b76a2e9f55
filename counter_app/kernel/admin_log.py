"""The admin log: every change of the office's reference data, chained by hash.

The dossier chain (`events.py`) protects dossiers; what decides how a dossier is taken in
lives beside them: the users and their roles and passwords, the stored catalog versions,
the offices, the holiday table and its history, the enrolment at the hub (address, secret,
block) and the settings of `config.json` that the program itself writes (this counter's
block of the daily code sequence, the VietQR account). Each change made through the
program appends an `admin_events` row: who, when, what (never a password or a secret),
and the digest of every item after the change, hashed with the previous row's hash by the
dossier chain's rule (`events.canonical_digest`). Its end is `ledger_head` row 2.

`verify` recomputes every item from the data and names each one that differs from the
last row's digest: an edit made behind the program's back. Only the groups a change is
about are recomputed when it is recorded, so a change never re-seals an earlier edit of
another item.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from counter_app.i18n import _
from counter_app.kernel.config import AppConfig
from counter_app.kernel.events import GENESIS_HASH, VerifyProblem, canonical_digest
from counter_app.store.holidays import CalendarDay, CalendarDayChange
from counter_app.store.models import (
    ADMIN_HEAD_ID,
    AdminEvent,
    CatalogVersion,
    LedgerHead,
    Office,
    User,
)

USERS, CATALOG, OFFICES, HOLIDAYS, ENROLMENT, SETTINGS = (
    "users",
    "catalog",
    "offices",
    "holidays",
    "enrolment",
    "settings",
)
GROUPS = frozenset({USERS, CATALOG, OFFICES, HOLIDAYS, ENROLMENT, SETTINGS})

# The hub enrolment (counter_app.sync.models.SyncDevice), read here by name: the kernel
# sits below the sync slice. Its sync times and errors change at every sync and are left out.
_SYNC_DEVICE = sa.table(
    "sync_device",
    sa.column("id", sa.Integer()),
    sa.column("device_id", sa.String()),
    sa.column("secret", sa.String()),
    sa.column("hub_url", sa.String()),
    sa.column("office_unit", sa.String()),
    sa.column("block_first", sa.Integer()),
    sa.column("block_last", sa.Integer()),
    sa.column("enrolled_at", sa.DateTime()),
)


def _time(value: datetime | None) -> str | None:
    """In UTC: the database gives back UTC whatever zone went in."""
    if value is not None and value.tzinfo is not None:
        value = value.astimezone(UTC)
    return None if value is None else value.isoformat(timespec="microseconds")


def _user_items(session: Session) -> dict[str, Any]:
    items: dict[str, Any] = {}
    for user in session.execute(sa.select(User.__table__)):
        items[f"user:{user.login}"] = {
            "name": user.name,
            "role": user.role,
            "active": bool(user.active),
            "created_at": _time(user.created_at),
        }
        items[f"password:{user.login}"] = user.password_hash
    return items


def _catalog_items(session: Session) -> dict[str, Any]:
    return {
        f"catalog:{row.version}": {
            "published": row.published.isoformat(),
            "imported_at": _time(row.imported_at),
            "document": row.document,
        }
        for row in session.execute(sa.select(CatalogVersion.__table__))
    }


def _office_items(session: Session) -> dict[str, Any]:
    return {
        f"office:{row.unit_code}": {
            "id": row.id,
            "electronic_id": row.electronic_id,
            "name": row.name,
            "parent_body": row.parent_body,
            "province_name": row.province_name,
        }
        for row in session.execute(sa.select(Office.__table__))
    }


def _holiday_items(session: Session) -> dict[str, Any]:
    days = session.execute(sa.select(CalendarDay.__table__).order_by(CalendarDay.day))
    changes = session.execute(sa.select(CalendarDayChange.__table__).order_by(CalendarDayChange.id))
    return {
        "holidays": [
            (
                r.day.isoformat(),
                r.kind,
                r.name,
                r.status,
                r.source,
                r.changed_by,
                _time(r.changed_at),
            )
            for r in days
        ],
        "holiday_history": [
            (
                r.id,
                r.day.isoformat(),
                r.action,
                r.kind,
                r.name,
                r.status,
                r.actor,
                r.actor_role,
                _time(r.at),
                bool(r.forced),
            )
            for r in changes
        ],
    }


def _enrolment_items(session: Session) -> dict[str, Any]:
    row = session.execute(sa.select(_SYNC_DEVICE)).first()
    if row is None:
        return {}
    return {
        "enrolment:device": {
            "device_id": row.device_id,
            "office_unit": row.office_unit,
            "block_first": row.block_first,
            "block_last": row.block_last,
            "enrolled_at": _time(row.enrolled_at),
        },
        "enrolment:address": row.hub_url,
        "enrolment:secret": row.secret,
    }


def _settings_prefix(config: AppConfig) -> str:
    return f"settings:{config.counter_id}:"


def _settings_items(config: AppConfig) -> dict[str, Any]:
    prefix = _settings_prefix(config)
    bank = config.vietqr
    return {
        f"{prefix}block": [config.sequence_first, config.sequence_last],
        f"{prefix}vietqr": None
        if bank is None
        else [bank.bank_bin, bank.account, bank.account_name],
    }


def current_items(
    session: Session, config: AppConfig | None, groups: Iterable[str] = GROUPS
) -> dict[str, str]:
    """The digest of every item of `groups` as the data holds it now (settings: this
    counter's, from `config`; none without a config)."""
    wanted = set(groups)
    items: dict[str, Any] = {}
    readers = {
        USERS: _user_items,
        CATALOG: _catalog_items,
        OFFICES: _office_items,
        HOLIDAYS: _holiday_items,
        ENROLMENT: _enrolment_items,
    }
    for group, read in readers.items():
        if group in wanted:
            items.update(read(session))
    if SETTINGS in wanted and config is not None:
        items.update(_settings_items(config))
    return {key: canonical_digest(value) for key, value in items.items()}


def _prefixes(groups: Iterable[str], config: AppConfig | None) -> tuple[str, ...]:
    prefixes = {
        USERS: ("user:", "password:"),
        CATALOG: ("catalog:",),
        OFFICES: ("office:",),
        HOLIDAYS: ("holidays", "holiday_history"),
        ENROLMENT: ("enrolment:",),
        SETTINGS: (_settings_prefix(config),) if config is not None else (),
    }
    return tuple(p for group in groups for p in prefixes[group])


def admin_event_hash(event: AdminEvent) -> str:
    return canonical_digest(
        {
            "uuid": event.uuid,
            "kind": event.kind,
            "actor": event.actor,
            "actor_role": event.actor_role,
            "at": _time(event.at),
            "data": event.data,
            "digests": event.digests,
            "prev_hash": event.prev_hash,
        }
    )


def _head(session: Session, *, lock: bool) -> LedgerHead:
    statement = sa.select(LedgerHead).where(LedgerHead.id == ADMIN_HEAD_ID)
    return session.execute(statement.with_for_update() if lock else statement).scalar_one()


def _last_event(session: Session) -> AdminEvent | None:
    return session.execute(sa.select(AdminEvent).order_by(AdminEvent.id.desc()).limit(1)).scalar()


def record_change(
    session: Session,
    *,
    kind: str,
    actor: str,
    actor_role: str,
    at: datetime,
    groups: Iterable[str],
    config: AppConfig | None = None,
    data: dict[str, Any] | None = None,
) -> AdminEvent:
    """Append the change `kind` (`data` says what: names, never passwords or secrets) with
    the items of `groups` recomputed and every other item carried over from the last row.

    Call it in the unit of work of the change, after the change (settings: after
    config.json was written, with the config written).
    """
    groups = set(groups)
    head = _head(session, lock=True)
    session.flush()
    last = _last_event(session)
    prefixes = _prefixes(groups, config)
    digests = {
        key: value
        for key, value in (last.digests if last is not None else {}).items()
        if not key.startswith(prefixes)
    }
    digests.update(current_items(session, config, groups))
    event = AdminEvent(
        uuid=str(uuid.uuid4()),
        kind=kind,
        actor=actor,
        actor_role=actor_role,
        at=at,
        data=data or {},
        digests=dict(sorted(digests.items())),
        prev_hash=head.last_hash,
        hash="",
    )
    event.hash = admin_event_hash(event)
    session.add(event)
    session.flush()
    head.last_event_id, head.last_hash = event.id, event.hash
    return event


def record_baseline(session: Session, config: AppConfig | None, at: datetime) -> None:
    """On a database with an empty admin log (new, or made before the log), record its
    reference data as found. Counters opening it at once record it once."""
    head = _head(session, lock=True)
    if head.last_event_id is None and _last_event(session) is None:
        record_change(
            session,
            kind="baseline",
            actor="system",
            actor_role="admin",
            at=at,
            groups=GROUPS,
            config=config,
        )


# --- verify -----------------------------------------------------------------------------


def _owner(key: str) -> str:
    """Items that come and go together: a user and its password, the enrolment, a
    counter's settings."""
    kind, _sep, rest = key.partition(":")
    if kind in ("user", "password"):
        return f"user:{rest}"
    if kind == "settings":
        return "settings:" + rest.rsplit(":", 1)[0]
    if kind == "enrolment":
        return "enrolment"
    return key


def _where(owner: str) -> str:
    kind, _sep, name = owner.partition(":")
    places = {
        "user": _("người dùng {name}"),
        "catalog": _("danh mục thủ tục phiên bản {name}"),
        "office": _("đơn vị tiếp nhận {name}"),
        "holidays": _("bảng ngày nghỉ lễ"),
        "holiday_history": _("lịch sử sửa bảng ngày nghỉ lễ"),
        "enrolment": _("ghi danh với hub"),
        "settings": _("config.json của quầy {name}"),
    }
    return places[kind].format(name=name)


def _changed(key: str) -> str:
    kind, _sep, rest = key.partition(":")
    if kind == "settings":
        kind = "settings:" + rest.rsplit(":", 1)[-1]
    elif kind == "enrolment":
        kind = key
    labels = {
        "user": _("vai trò, họ tên hoặc trạng thái bị sửa ngoài ứng dụng"),
        "password": _("mật khẩu bị thay ngoài ứng dụng"),
        "catalog": _("nội dung bị sửa ngoài ứng dụng"),
        "office": _("mã định danh, tên hoặc cơ quan bị sửa ngoài ứng dụng"),
        "holidays": _("bị sửa ngoài ứng dụng"),
        "holiday_history": _("bị sửa hoặc xóa ngoài ứng dụng"),
        "enrolment:device": _("mã thiết bị, đơn vị hoặc khối số bị sửa ngoài ứng dụng"),
        "enrolment:address": _("địa chỉ hub bị sửa ngoài ứng dụng"),
        "enrolment:secret": _("khóa bí mật của thiết bị bị thay ngoài ứng dụng"),
        "settings:block": _(
            "khối số hồ sơ của quầy (sequence_first, sequence_last) bị sửa ngoài ứng dụng"
        ),
        "settings:vietqr": _("tài khoản nhận phí VietQR bị sửa ngoài ứng dụng"),
    }
    return labels[kind]


def verify_admin_log(session: Session, config: AppConfig | None) -> list[VerifyProblem]:
    """The admin log's chain, and every item of the data against its last row."""
    problems: list[VerifyProblem] = []
    where_log = _("nhật ký quản trị")
    last_hash = GENESIS_HASH
    last: AdminEvent | None = None
    for event in session.execute(sa.select(AdminEvent).order_by(AdminEvent.id)).scalars():
        entry = _("nhật ký quản trị, mục {id}").format(id=event.id)
        if event.prev_hash != last_hash:
            problems.append(VerifyProblem(_("chuỗi bị đứt: thiếu hoặc sửa mục trước"), entry))
        if admin_event_hash(event) != event.hash:
            problems.append(VerifyProblem(_("nội dung mục đã bị sửa"), entry))
        last_hash, last = event.hash, event
    if _head(session, lock=False).last_hash != last_hash:
        problems.append(VerifyProblem(_("mục cuối cùng đã bị xóa"), where_log))
    if last is None:
        return problems
    recorded: dict[str, str] = dict(last.digests)
    now = current_items(session, config)
    mine = () if config is None else (_settings_prefix(config),)
    # Another counter's settings (a shared PostgreSQL) are that counter's to check.
    keys = set(now) | {k for k in recorded if not k.startswith("settings:") or k.startswith(mine)}
    by_owner: dict[str, list[str]] = {}
    for key in sorted(keys):
        if recorded.get(key) != now.get(key):
            by_owner.setdefault(_owner(key), []).append(key)
    for owner, changed in by_owner.items():
        everything = [k for k in keys if _owner(k) == owner]
        where = _where(owner)
        if all(k not in recorded for k in everything):
            problems.append(VerifyProblem(_("được thêm ngoài ứng dụng"), where))
        elif all(k not in now for k in everything):
            problems.append(VerifyProblem(_("bị xóa ngoài ứng dụng"), where))
        else:
            problems.extend(VerifyProblem(_changed(key), where) for key in changed)
    return problems
