"""Password hashing with argon2id (argon2-cffi); the hasher is built on first use, never at import."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 200


@cache
def hasher() -> PasswordHasher:
    """argon2id with the library's recommended cost (RFC 9106 low-memory profile)."""
    return PasswordHasher(type=Type.ID)


@cache
def _dummy_hash() -> str:
    return hasher().hash("dummy password never matches")


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; an account without a password costs the same time as a wrong one."""
    try:
        return hasher().verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """The stored hash was made with weaker parameters than the current ones."""
    return hasher().check_needs_rehash(password_hash)


def password_problem(password: str, email: str = "") -> str | None:
    """Why a new password is refused (Russian), or None."""
    if len(password) < MIN_LENGTH:
        return f"Пароль должен быть не короче {MIN_LENGTH} символов"
    if len(password) > MAX_LENGTH:
        return f"Пароль должен быть не длиннее {MAX_LENGTH} символов"
    if email and password.strip().lower() == email.strip().lower():
        return "Пароль не должен совпадать с адресом почты"
    if len(set(password)) < 4:
        return "Пароль слишком простой: используйте разные символы"
    return None
