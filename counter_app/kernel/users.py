"""Users, roles and the actor on whose behalf a service acts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from counter_app.domain.lifecycle import Role
from counter_app.domain.text import USER_NAME
from counter_app.errors import NotFoundError, PermissionDeniedError, ValidationError
from counter_app.i18n import _
from counter_app.kernel.admin_log import USERS, record_change
from counter_app.kernel.context import AppContext
from counter_app.store.models import User

if TYPE_CHECKING:
    from argon2 import PasswordHasher

SYSTEM_LOGIN = "system"
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
_LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


@cache
def _hasher() -> PasswordHasher:
    """argon2, loaded at the first password set or checked, not at start."""
    from argon2 import PasswordHasher

    return PasswordHasher()


@dataclass(frozen=True)
class Actor:
    """Who does an action: a stored user, or the built-in `system` admin of the CLI."""

    login: str
    name: str
    role: Role

    def require(self, *roles: Role) -> None:
        if self.role not in roles:
            raise PermissionDeniedError(
                _("Người dùng {login} (vai trò {role}) không được làm việc này.").format(
                    login=self.login, role=self.role.value
                )
            )


SYSTEM_ACTOR = Actor(SYSTEM_LOGIN, "Hệ thống", Role.ADMIN)
PROVINCE_LOGIN = "@tinh"
"""Who records what the province's one-stop system did (a filing online, a status change
made there, `sync.inbound`); "@" keeps it apart from every user's login."""
PROVINCE_ACTOR = Actor(PROVINCE_LOGIN, "Hệ thống một cửa của tỉnh", Role.ADMIN)


def login_label(login: str | None) -> str:
    """Who did something, as a person reads it: the built-in account as "Hệ thống" (not
    its login "system"), anyone else by login."""
    if login == SYSTEM_LOGIN:
        return _("Hệ thống")
    if login == PROVINCE_LOGIN:
        return _("Hệ thống một cửa của tỉnh")
    return login or ""


def parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError as exc:
        raise ValidationError(
            _("Vai trò không hợp lệ: {value}. Dùng clerk, leader hoặc admin.").format(value=text)
        ) from exc


def hash_password(password: str) -> str:
    """The stored form of a password (argon2id, salted): `authenticate` verifies it."""
    return _hasher().hash(password)


def add_user(
    ctx: AppContext,
    login: str,
    password: str,
    role: Role,
    name: str = "",
    *,
    by: Actor | None = None,
    password_hash: str | None = None,
) -> Actor:
    """A new user; `by` (the built-in admin when not named) is written in the admin log.

    `password_hash`: `hash_password(password)` made once for several accounts given the
    same password (the demo's staff), since hashing is slow on purpose."""
    login = login.strip().lower()
    if not _LOGIN_RE.match(login) or login == SYSTEM_LOGIN:
        raise ValidationError(
            _("Tên đăng nhập không hợp lệ: {value} (chữ thường không dấu, số, . _ -).").format(
                value=login
            )
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            _("Mật khẩu phải có ít nhất {n} ký tự.").format(n=MIN_PASSWORD_LENGTH)
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError(_("Mật khẩu dài quá {n} ký tự.").format(n=MAX_PASSWORD_LENGTH))
    display_name = USER_NAME.clean(name) or login
    with ctx.session() as session:
        exists = session.execute(sa.select(User.id).where(User.login == login)).first()
        if exists:
            raise ValidationError(_("Tên đăng nhập {login} đã có.").format(login=login))
        session.add(
            User(
                login=login,
                name=display_name,
                role=role.value,
                password_hash=password_hash or hash_password(password),
                active=True,
                created_at=ctx.clock(),
            )
        )
        _log_user_change(session, "user.add", by or SYSTEM_ACTOR, ctx, login, role)
    return Actor(login, display_name, role)


def _log_user_change(
    session: Session, kind: str, actor: Actor, ctx: AppContext, login: str, role: Role
) -> None:
    record_change(
        session,
        kind=kind,
        actor=actor.login,
        actor_role=actor.role.value,
        at=ctx.clock(),
        groups={USERS},
        data={"login": login, "role": role.value},
    )


def set_role(ctx: AppContext, login: str, role: Role, actor: Actor) -> Actor:
    """Give a user another role (an admin's act, written in the admin log)."""
    actor.require(Role.ADMIN)
    with ctx.session() as session:
        user = session.execute(
            sa.select(User).where(User.login == login.strip().lower()).with_for_update()
        ).scalar()
        if user is None:
            raise NotFoundError(_("Không có người dùng {login}.").format(login=login))
        user.role = role.value
        _log_user_change(session, "user.role", actor, ctx, user.login, role)
        return _actor(user)


def _actor(user: User) -> Actor:
    return Actor(user.login, user.name, Role(user.role))


def find_actor(session: Session, login: str | None) -> Actor:
    """The actor for `--user LOGIN`, or the built-in system actor when none is named."""
    if login is None or login == SYSTEM_LOGIN:
        return SYSTEM_ACTOR
    user = session.execute(sa.select(User).where(User.login == login.strip().lower())).scalar()
    if user is None or not user.active:
        raise NotFoundError(_("Không có người dùng {login}.").format(login=login))
    return _actor(user)


def resolve_actor(ctx: AppContext, login: str | None) -> Actor:
    with ctx.session() as session:
        return find_actor(session, login)


def authenticate(ctx: AppContext, login: str, password: str) -> Actor:
    """The actor whose password this is; one message for every failure (no hints)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    failure = PermissionDeniedError(_("Sai tên đăng nhập hoặc mật khẩu."))
    with ctx.session() as session:
        user = session.execute(sa.select(User).where(User.login == login.strip().lower())).scalar()
        if user is None or not user.active:
            raise failure
        try:
            _hasher().verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            raise failure from None
        if _hasher().check_needs_rehash(user.password_hash):
            user.password_hash = _hasher().hash(password)
            _log_user_change(session, "user.rehash", _actor(user), ctx, user.login, Role(user.role))
        return _actor(user)


def list_users(ctx: AppContext) -> list[Actor]:
    with ctx.session() as session:
        users = session.execute(sa.select(User).order_by(User.login)).scalars().all()
        return [_actor(user) for user in users]
