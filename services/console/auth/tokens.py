"""One-time link tokens: random, shown once, stored only as a SHA-256 digest, single use, with an expiry."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

TOKEN_BYTES = 32


def new_token() -> str:
    """A URL-safe random token (256 bits)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    """What the database keeps instead of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def expiry(now: datetime, ttl_hours: int) -> datetime:
    return now + timedelta(hours=ttl_hours)


def link_state(expires_at: datetime, used_at: datetime | None, now: datetime) -> str:
    """`valid`, `used` or `expired` (used wins: a used link stays used)."""
    if used_at is not None:
        return "used"
    if now >= expires_at:
        return "expired"
    return "valid"


def new_nonce() -> str:
    """The per-sign-in value a session must carry to stay valid."""
    return secrets.token_urlsafe(24)
