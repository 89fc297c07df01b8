"""The unsubscribe link of a reminder e-mail: the account id signed with the console's secret (itsdangerous).

No sign-in is needed to follow it, so the signature is what proves the link came from us; it does not expire
(an old e-mail's link must still work) and it can do only one thing: turn that account's reminders off."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

from services.console.context import secret_key
from shared.config import Settings

SALT = "console-reminders-off"


def _serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key(settings), salt=SALT)


def unsubscribe_token(settings: Settings, account_id: str) -> str:
    return _serializer(settings).dumps(account_id)


def unsubscribe_url(settings: Settings, account_id: str) -> str:
    return f"{settings.console_url.rstrip('/')}/reminders/off/{unsubscribe_token(settings, account_id)}"


def account_of(settings: Settings, token: str) -> str | None:
    """The account id a token was signed for, or None for a forged or damaged one."""
    try:
        value = _serializer(settings).loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None
