"""Staff accounts and sessions on the gateway's database: users, login (rate-limited), sessions
with idle timeout, and the audit log."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.auth.models import ROLES, AuditEntry, StaffSession, StaffUser
from bot.auth.passwords import check_strength, hash_password, needs_rehash, verify_password
from bot.core.errors import ServiceError
from bot.core.vntime import aware, utcnow

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
# Failed logins in FAILURE_WINDOW before more tries are refused (OWASP's "device cookie" scheme):
MAX_FAILURES = 5                 # one account from one address (or one known device)
MAX_ACCOUNT_FAILURES = 10        # one account from unknown devices, any address: rotating addresses
MAX_ADDRESS_FAILURES = 20        # one address, any account: password spraying
FAILURE_WINDOW = dt.timedelta(minutes=15)
LAST_SEEN_RESOLUTION = dt.timedelta(seconds=30)  # fewer writes: last_seen moves at most this often


class AuthError(ServiceError, ValueError):
    """A refused request; the message is Vietnamese and can be shown as is."""

    status_code = 400


class UnknownUser(AuthError):
    """No account by that username."""

    status_code = 404


class AccountConflict(AuthError):
    """The change clashes with the other accounts: a taken username, or it would lock the admins out
    """

    status_code = 409


class LoginFailed(AuthError):
    status_code = 401

    def __init__(self) -> None:
        super().__init__("Tên đăng nhập hoặc mật khẩu không đúng.")


class LoginRateLimited(AuthError):
    status_code = 429

    def __init__(self) -> None:
        minutes = int(FAILURE_WINDOW.total_seconds() // 60)
        super().__init__(f"Đăng nhập sai quá {MAX_FAILURES} lần. Vui lòng thử lại sau {minutes} phút "
                         "hoặc liên hệ quản trị viên.")


@dataclass(frozen=True)
class Staff:
    """The logged-in staff member of a request."""

    id: int
    username: str
    full_name: str
    role: str
    csrf_token: str

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


@dataclass(frozen=True)
class UserInfo:
    username: str
    full_name: str
    role: str
    active: bool
    created_at: dt.datetime
    last_login: dt.datetime | None = None  # from the audit log; None when never or since pruned


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class StaffAuth:
    """Everything about staff identity; methods are blocking (run them in a thread from async code)."""

    def __init__(self, sessions: sessionmaker, idle: dt.timedelta = dt.timedelta(minutes=30),
                 lifetime: dt.timedelta = dt.timedelta(hours=12)) -> None:
        self.sessions = sessions
        self.idle = idle
        self.lifetime = lifetime

    # ---- users -----------------------------------------------------------------------------------
    def create_user(self, username: str, role: str, password: str, full_name: str = "") -> UserInfo:
        username = username.strip().lower()
        if not USERNAME.fullmatch(username):
            raise AuthError("Tên đăng nhập chỉ gồm chữ thường không dấu, số, dấu . _ - (3–64 ký tự).")
        if role not in ROLES:
            raise AuthError(f"Vai trò không hợp lệ: {role!r} (chọn một trong: {', '.join(ROLES)}).")
        user = StaffUser(username=username, full_name=full_name.strip(), role=role,
                         password_hash=hash_password(password, username), active=True, created_at=utcnow())
        with self.sessions() as session:
            session.add(user)
            try:
                session.commit()
            except IntegrityError:
                raise AccountConflict(f"Tên đăng nhập «{username}» đã được dùng cho một tài khoản khác.") from None
            return _info(user)

    def list_users(self) -> list[UserInfo]:
        with self.sessions() as session:
            logins = select(AuditEntry.actor, func.max(AuditEntry.at)).where(AuditEntry.action == "login")
            last = {actor: at for actor, at in session.execute(logins.group_by(AuditEntry.actor))}
            return [_info(u, last.get(u.username))
                    for u in session.scalars(select(StaffUser).order_by(StaffUser.username))]

    def get_user(self, username: str) -> UserInfo | None:
        with self.sessions() as session:
            user = session.scalars(select(StaffUser).where(StaffUser.username == username.strip().lower())).first()
            return _info(user) if user else None

    def disable_user(self, username: str, actor: str | None = None) -> bool:
        """Disable an account and end its sessions at once; False when it already was disabled.

        Refused (``AccountConflict``) for the ``actor``'s own account and for the last active admin."""
        with self.sessions() as session:
            admins = _lock_active_admins(session)
            user = _find(session, username)
            if actor is not None and user.username == actor:
                raise AccountConflict("Anh/Chị không thể tự khoá tài khoản của mình.")
            if admins == [user.id]:
                raise AccountConflict(f"Không thể khoá {user.username}: đây là quản trị viên cuối cùng đang hoạt động.")
            changed = user.active
            user.active = False
            session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
            session.commit()
            return changed

    def enable_user(self, username: str) -> bool:
        """Re-enable an account (it logs in again with its password); False when it already was active."""
        with self.sessions() as session:
            user = _find(session, username)
            changed = not user.active
            user.active = True
            session.commit()
            return changed

    def set_role(self, username: str, role: str, actor: str | None = None) -> str:
        """Change an account's role; returns the previous one. Takes effect on the next request, since
        sessions read the role from the account. An admin cannot drop their own admin role, and the
        last active admin cannot be demoted (``AccountConflict``)."""
        if role not in ROLES:
            raise AuthError(f"Vai trò không hợp lệ: {role!r} (chọn một trong: {', '.join(ROLES)}).")
        with self.sessions() as session:
            admins = _lock_active_admins(session)
            user = _find(session, username)
            previous = user.role
            if previous == "admin" and role != "admin":
                if actor is not None and user.username == actor:
                    raise AccountConflict("Anh/Chị không thể tự bỏ vai trò quản trị viên của mình.")
                if admins == [user.id]:
                    raise AccountConflict(f"Không thể đổi vai trò của {user.username}: đây là quản trị viên "
                                          "cuối cùng đang hoạt động.")
            user.role = role
            session.commit()
            return previous

    def set_password(self, username: str, password: str, keep_token: str | None = None) -> None:
        """Set a new password and end the account's sessions, except the one of ``keep_token`` (an admin
        resetting their own password stays logged in). Raises ``WeakPassword`` like ``create_user``."""
        check_strength(password, username)
        with self.sessions() as session:
            user = _find(session, username)
            user.password_hash = hash_password(password, username)
            ending = delete(StaffSession).where(StaffSession.user_id == user.id)
            if keep_token:
                ending = ending.where(StaffSession.token_hash != _digest(keep_token))
            session.execute(ending)
            session.commit()

    # ---- login and sessions ----------------------------------------------------------------------
    def login(self, username: str, password: str, ip: str, device: str = "") -> tuple[str, Staff]:
        """Check the password and open a session; returns (cookie token, staff).

        ``device`` names a browser this account logged in from before (a signed cookie): its own
        failures count, strangers' do not, so guessing elsewhere never locks the owner out there.
        Raises ``LoginRateLimited`` when too many failures came from this device, or else from this
        address or for this account (without checking the password), ``LoginFailed`` otherwise."""
        username = username.strip().lower()[:64]
        device_tag = f"device:{device}"[:128] if device else ""
        if self._throttled(username, ip, device_tag):
            self.audit(username, "login.blocked", ip=ip, target=device_tag)
            raise LoginRateLimited
        with self.sessions() as session:
            user = session.scalars(select(StaffUser).where(StaffUser.username == username)).first()
            ok = verify_password(user.password_hash if user else None, password)
            if not ok or user is None or not user.active:
                session.add(AuditEntry(actor=username, action="login.failed", ip=ip, at=utcnow(), target=device_tag,
                                       detail="" if user is None or user.active else "tài khoản đã khoá"))
                session.commit()
                raise LoginFailed
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            now = utcnow()
            session.add(StaffSession(token_hash=_digest(token), user_id=user.id, csrf_token=csrf,
                                     created_at=now, last_seen=now, expires_at=now + self.lifetime))
            session.add(AuditEntry(actor=username, action="login", ip=ip, at=now))
            session.commit()
            return token, Staff(user.id, user.username, user.full_name, user.role, csrf)

    def session_staff(self, token: str | None) -> Staff | None:
        """The staff member of a cookie token, or None when missing, expired, idle too long or disabled."""
        if not token:
            return None
        now = utcnow()
        with self.sessions() as session:
            row = session.get(StaffSession, _digest(token))
            if row is None:
                return None
            user = session.get(StaffUser, row.user_id)
            if (user is None or not user.active or aware(row.expires_at) <= now
                    or now - aware(row.last_seen) > self.idle):
                session.delete(row)
                session.commit()
                return None
            if now - aware(row.last_seen) > LAST_SEEN_RESOLUTION:
                row.last_seen = now
                session.commit()
            return Staff(user.id, user.username, user.full_name, user.role, row.csrf_token)

    def logout(self, token: str | None, staff: Staff, ip: str) -> None:
        with self.sessions() as session:
            if token:
                session.execute(delete(StaffSession).where(StaffSession.token_hash == _digest(token)))
            session.add(AuditEntry(actor=staff.username, action="logout", ip=ip, at=utcnow()))
            session.commit()

    # ---- audit -----------------------------------------------------------------------------------
    def audit(self, actor: str, action: str, target: str = "", ip: str = "", detail: str = "") -> None:
        with self.sessions() as session:
            session.add(AuditEntry(actor=actor[:64], action=action, target=target[:128], ip=ip[:64],
                                   detail=detail, at=utcnow()))
            session.commit()

    def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        with self.sessions() as session:
            return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))

    def _throttled(self, username: str, ip: str, device_tag: str) -> bool:
        """Too many failures in the window: from this known device, or else for this account from
        this address or from anywhere unknown, or from this address for any account."""
        with self.sessions() as session:
            since = utcnow() - FAILURE_WINDOW
            last_ok = session.scalar(select(func.max(AuditEntry.at)).where(
                AuditEntry.actor == username, AuditEntry.action == "login"))
            account_since = max(since, aware(last_ok)) if last_ok is not None else since

            def failures(*where: Any, after: dt.datetime = account_since) -> int:
                return session.scalar(select(func.count()).select_from(AuditEntry).where(
                    AuditEntry.action == "login.failed", AuditEntry.at > after, *where)) or 0

            if device_tag:
                return failures(AuditEntry.actor == username, AuditEntry.target == device_tag) >= MAX_FAILURES
            unknown = (AuditEntry.actor == username, AuditEntry.target == "")
            return (failures(*unknown, AuditEntry.ip == ip) >= MAX_FAILURES
                    or failures(*unknown) >= MAX_ACCOUNT_FAILURES
                    or failures(AuditEntry.ip == ip, after=since) >= MAX_ADDRESS_FAILURES)


def _info(user: StaffUser, last_login: dt.datetime | None = None) -> UserInfo:
    return UserInfo(user.username, user.full_name, user.role, user.active, aware(user.created_at),
                    aware(last_login) if last_login else None)


def _find(session: Session, username: str) -> StaffUser:
    user = session.scalars(select(StaffUser).where(StaffUser.username == username.strip().lower())
                           .with_for_update()).first()
    if user is None:
        raise UnknownUser(f"Không có tài khoản {username}.")
    return user


def _lock_active_admins(session: Session) -> list[int]:
    """Ids of the active admins, row-locked (PostgreSQL) so that two admins demoting each other at
    the same moment cannot both pass the last-admin check. Locked first, in id order, to avoid
    deadlocks with ``_find``."""
    return list(session.scalars(select(StaffUser.id).where(StaffUser.role == "admin", StaffUser.active.is_(True))
                                .order_by(StaffUser.id).with_for_update()))
