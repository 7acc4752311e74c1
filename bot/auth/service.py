"""Staff accounts and sessions on the gateway's database: users, login (rate-limited), sessions
with idle timeout, and the audit log."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.auth.models import ROLES, AuditEntry, StaffSession, StaffUser
from bot.auth.passwords import hash_password, needs_rehash, verify_password
from bot.models import utcnow

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=15)
LAST_SEEN_RESOLUTION = dt.timedelta(seconds=30)  # fewer writes: last_seen moves at most this often


class AuthError(ValueError):
    """A refused request; the message is Vietnamese and can be shown as is."""


class LoginFailed(AuthError):
    def __init__(self) -> None:
        super().__init__("Tên đăng nhập hoặc mật khẩu không đúng.")


class LoginRateLimited(AuthError):
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


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite drops the time zone; every stored time is UTC."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def tokens_match(expected: str, given: str | None) -> bool:
    """Constant-time comparison of two tokens (CSRF)."""
    return bool(expected) and hmac.compare_digest(expected.encode(), (given or "").encode())


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
                         password_hash=hash_password(password), active=True, created_at=utcnow())
        with self.sessions() as session:
            session.add(user)
            try:
                session.commit()
            except IntegrityError:
                raise AuthError(f"Tài khoản {username} đã tồn tại.") from None
            return _info(user)

    def list_users(self) -> list[UserInfo]:
        with self.sessions() as session:
            return [_info(u) for u in session.scalars(select(StaffUser).order_by(StaffUser.username))]

    def disable_user(self, username: str) -> None:
        """Disable an account and end its sessions at once."""
        with self.sessions() as session:
            user = session.scalars(select(StaffUser).where(StaffUser.username == username.strip().lower())).first()
            if user is None:
                raise AuthError(f"Không có tài khoản {username}.")
            user.active = False
            session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
            session.commit()

    # ---- login and sessions ----------------------------------------------------------------------
    def login(self, username: str, password: str, ip: str) -> tuple[str, Staff]:
        """Check the password and open a session; returns (cookie token, staff).

        Raises ``LoginRateLimited`` after too many failures for this username from this address
        (without checking the password), ``LoginFailed`` otherwise."""
        username = username.strip().lower()[:64]
        if self._recent_failures(username, ip) >= MAX_FAILURES:
            self.audit(username, "login.blocked", ip=ip)
            raise LoginRateLimited
        with self.sessions() as session:
            user = session.scalars(select(StaffUser).where(StaffUser.username == username)).first()
            ok = verify_password(user.password_hash if user else None, password)
            if not ok or user is None or not user.active:
                session.add(AuditEntry(actor=username, action="login.failed", ip=ip, at=utcnow(),
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
            if (user is None or not user.active or _aware(row.expires_at) <= now
                    or now - _aware(row.last_seen) > self.idle):
                session.delete(row)
                session.commit()
                return None
            if now - _aware(row.last_seen) > LAST_SEEN_RESOLUTION:
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

    def _recent_failures(self, username: str, ip: str) -> int:
        """Failed logins for this username from this address in the window, since the last success."""
        with self.sessions() as session:
            since = utcnow() - FAILURE_WINDOW
            last_ok = session.scalar(select(func.max(AuditEntry.at)).where(
                AuditEntry.actor == username, AuditEntry.ip == ip, AuditEntry.action == "login"))
            if last_ok is not None:
                since = max(since, _aware(last_ok))
            return session.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.actor == username, AuditEntry.ip == ip, AuditEntry.action == "login.failed",
                AuditEntry.at > since)) or 0


def _info(user: StaffUser) -> UserInfo:
    return UserInfo(user.username, user.full_name, user.role, user.active, _aware(user.created_at))
