"""Password hashing with Argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.core.errors import ServiceError

MIN_LENGTH = 10
_hasher = PasswordHasher()
# Verified against when the username is unknown, so the answer takes as long as for a real user.
_DUMMY_HASH = _hasher.hash("không-phải-mật-khẩu-thật")


class WeakPassword(ServiceError, ValueError):
    """The password is refused; the message is Vietnamese."""

    status_code = 422


MAX_LENGTH = 256          # Argon2 takes any length; a megabyte "password" only costs us time
MIN_DISTINCT = 5          # "aaaaaaaaaa", "1212121212"
# Guessed first by anyone spraying passwords (NIST SP 800-63B: refuse common and expected ones).
# Only what is 10 characters or longer matters: shorter ones are refused by length anyway.
COMMON_WORDS = frozenset({
    "password", "passw0rd", "p@ssword", "p@ssw0rd", "matkhau", "mat-khau", "matkhaumoi", "admin",
    "administrator", "quantri", "qwerty", "qwertyuiop", "asdfgh", "asdfghjkl", "zxcvbnm", "iloveyou",
    "anhyeuem", "emyeuanh", "yeuem", "vietnam", "hanoi", "saigon", "hochiminh", "welcome", "letmein", "abc",
    "abcd", "abcde", "abcdef", "abcdefgh", "trungtam", "hanhchinh", "motcua", "dichvucong", "chatbot",
    "canbo", "nhanvien", "tongdai", "test", "tester", "guest", "user", "changeme", "doimatkhau"
})
SEQUENCES = ("01234567890123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm",
             "1qaz2wsx3edc4rfv5tgb", "1q2w3e4r5t6y7u8i9o0p")


def check_strength(password: str, username: str = "") -> None:
    """Refuse a password that is short, repetitive, a keyboard run or a common word with digits,
    or that contains the username; the message says which."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"Mật khẩu phải có ít nhất {MIN_LENGTH} ký tự.")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"Mật khẩu dài quá {MAX_LENGTH} ký tự.")
    lowered = password.lower()
    if len(set(lowered)) < MIN_DISTINCT:
        raise WeakPassword(f"Mật khẩu cần ít nhất {MIN_DISTINCT} ký tự khác nhau.")
    if any(lowered in run or lowered in run[::-1] for run in SEQUENCES):
        raise WeakPassword("Mật khẩu là một dãy phím liền nhau, dễ bị đoán.")
    stem = lowered.strip("0123456789!@#$%^&*._- ")
    if stem in COMMON_WORDS or not stem:
        raise WeakPassword("Mật khẩu quá phổ biến (một từ quen thuộc kèm số), dễ bị đoán.")
    if len(username) >= 3 and username.lower() in lowered:
        raise WeakPassword("Mật khẩu không được chứa tên đăng nhập.")


def hash_password(password: str, username: str = "") -> str:
    check_strength(password, username)
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; with ``None`` a dummy hash is checked (constant work)."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
