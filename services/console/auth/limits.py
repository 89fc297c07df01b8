"""Sign-in lockout with Flask-Limiter: 5 failed attempts per account and per address, then 15 minutes' wait.

Only failures count (`deduct_when` on the 401 answer of a refused sign-in); while a limit is spent, even the
right password is refused (429). Storage: RATELIMIT_STORAGE_URI (memory:// in one process by default).
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

FAILURES = "5 per 15 minutes"
LOCKOUT_MINUTES = 15


def failed(response: Response) -> bool:
    """A refused sign-in answers 401; only those are counted."""
    return response.status_code == 401


def account_key() -> str:
    email = (request.form.get("email") or "").strip().lower()
    return f"account:{email or '-'}"


def address_key() -> str:
    return f"address:{get_remote_address()}"


def install_limiter(app: Flask, storage_uri: str) -> Limiter:
    limiter = Limiter(key_func=get_remote_address, storage_uri=storage_uri, strategy="moving-window",
                      headers_enabled=False, default_limits=[])
    limiter.init_app(app)
    return limiter


def sign_in_limits(limiter: Limiter):
    """Decorate the sign-in view with both limits."""
    by_account = limiter.limit(FAILURES, key_func=account_key, deduct_when=failed, methods=["POST"],
                               scope="sign-in-account")
    by_address = limiter.limit(FAILURES, key_func=address_key, deduct_when=failed, methods=["POST"],
                               scope="sign-in-address")

    def decorate(view):
        return by_address(by_account(view))

    return decorate
