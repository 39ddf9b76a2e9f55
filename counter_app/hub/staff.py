"""The dashboard's staff accounts and web sessions (no web code here).

* Passwords are kept as argon2id hashes (argon2-cffi's defaults); a login that does not
  exist costs the same hash check as one that does.
* `MAX_FAILURES` refused sign-ins in a row lock the account for `LOCK_MINUTES`; a sign-in
  while locked is refused without checking the password.
* A session is a random token (the browser's cookie); the table keeps only its sha256, so a
  copy of the database opens no session. It ends after `idle` without a request, and in any
  case `absolute` after it began.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.orm import Session

from counter_app.errors import ValidationError
from counter_app.hub.models import HubStaff, HubWebSession
from counter_app.i18n import _

ROLES = ("viewer", "admin")
LOGIN_RE = re.compile(r"^[a-z0-9._-]{2,64}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 256
MAX_FAILURES = 5
LOCK_MINUTES = 15
IDLE_MINUTES = 30
ABSOLUTE_HOURS = 12

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("không có tài khoản này")


@dataclass(frozen=True)
class StaffView:
    id: int
    login: str
    role: str
    active: bool
    locked_until: datetime | None
    failed_count: int
    created_at: datetime
    last_login_at: datetime | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _view(row: HubStaff) -> StaffView:
    return StaffView(
        row.id,
        row.login,
        row.role,
        row.active,
        row.locked_until,
        row.failed_count,
        row.created_at,
        row.last_login_at,
    )


def check_login(login: str) -> str:
    login = login.strip().lower()
    if not LOGIN_RE.match(login):
        raise ValidationError(
            _(
                "Tên đăng nhập gồm 2–64 chữ thường không dấu, số, dấu chấm, gạch ngang hoặc "
                "gạch dưới."
            )
        )
    return login


def check_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise ValidationError(
            _("Mật khẩu phải dài từ {low} đến {high} ký tự.").format(
                low=MIN_PASSWORD, high=MAX_PASSWORD
            )
        )
    return password


def add_staff(session: Session, login: str, password: str, role: str, now: datetime) -> StaffView:
    """A new account; refuses a login that exists, a role not in ROLES, a short password."""
    login = check_login(login)
    if role not in ROLES:
        raise ValidationError(_("Vai trò phải là viewer hoặc admin."))
    check_password(password)
    if session.execute(sa.select(HubStaff.id).where(HubStaff.login == login)).first():
        raise ValidationError(_("Tài khoản {login} đã có.").format(login=login))
    row = HubStaff(
        login=login,
        password_hash=_hasher.hash(password),
        role=role,
        active=True,
        failed_count=0,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return _view(row)


def list_staff(session: Session) -> list[StaffView]:
    return [
        _view(r) for r in session.execute(sa.select(HubStaff).order_by(HubStaff.login)).scalars()
    ]


def set_active(session: Session, login: str, active: bool) -> StaffView:
    """Enable or disable an account; disabling ends its sessions."""
    row = session.execute(
        sa.select(HubStaff).where(HubStaff.login == login.strip().lower())
    ).scalar_one_or_none()
    if row is None:
        raise ValidationError(_("Không có tài khoản {login}.").format(login=login))
    row.active = active
    if active:
        row.failed_count, row.locked_until = 0, None
    else:
        session.execute(sa.delete(HubWebSession).where(HubWebSession.staff_id == row.id))
    return _view(row)


@dataclass(frozen=True)
class SignIn:
    staff: StaffView | None
    """None: refused."""
    locked_until: datetime | None = None
    """Set when the account is (now) locked."""


def authenticate(session: Session, login: str, password: str, now: datetime) -> SignIn:
    """Check a sign-in; counts failures and locks the account after MAX_FAILURES."""
    row = session.execute(
        sa.select(HubStaff).where(HubStaff.login == login.strip().lower())
    ).scalar_one_or_none()
    if row is None or not row.active:
        _verify(_DUMMY_HASH, password)
        return SignIn(None)
    if row.locked_until is not None and row.locked_until > now:
        return SignIn(None, row.locked_until)
    if not _verify(row.password_hash, password):
        row.failed_count += 1
        if row.failed_count >= MAX_FAILURES:
            row.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            row.failed_count = 0
            return SignIn(None, row.locked_until)
        return SignIn(None)
    row.failed_count, row.locked_until, row.last_login_at = 0, None, now
    if _hasher.check_needs_rehash(row.password_hash):
        row.password_hash = _hasher.hash(password)
    return SignIn(_view(row))


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class WebSession:
    staff: StaffView
    csrf_token: str
    token_hash: str


def open_session(
    session: Session, staff: StaffView, now: datetime, idle: timedelta
) -> tuple[str, WebSession]:
    """A new session: the token for the cookie, and the session."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    digest = token_hash(token)
    session.add(
        HubWebSession(
            token_hash=digest,
            staff_id=staff.id,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
            expires_at=now + idle,
        )
    )
    # Sessions that ended long ago go when someone signs in.
    session.execute(sa.delete(HubWebSession).where(HubWebSession.expires_at < now))
    return token, WebSession(staff, csrf, digest)


def resume_session(
    session: Session, token: str, now: datetime, idle: timedelta, absolute: timedelta
) -> WebSession | None:
    """The session of a cookie, its idle expiry pushed on; None when unknown or expired
    (an expired one is deleted)."""
    if not token or len(token) > 200:
        return None
    digest = token_hash(token)
    found = session.execute(
        sa.select(HubWebSession, HubStaff)
        .join(HubStaff, HubStaff.id == HubWebSession.staff_id)
        .where(HubWebSession.token_hash == digest)
    ).first()
    if found is None:
        return None
    row, staff = found
    if not staff.active or now >= row.expires_at or now >= row.created_at + absolute:
        session.delete(row)
        return None
    row.last_seen_at = now
    row.expires_at = min(now + idle, row.created_at + absolute)
    return WebSession(_view(staff), row.csrf_token, digest)


def close_session(session: Session, token: str) -> None:
    session.execute(sa.delete(HubWebSession).where(HubWebSession.token_hash == token_hash(token)))


def same_token(given: str, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())
