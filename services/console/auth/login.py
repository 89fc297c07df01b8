"""Flask-Login: who is signed in, reloaded from the accounts table on every request.

A session stores `<account id>:<nonce>`; the nonce changes at every sign-in, sign-out, password change and
disabling, so a copied or older session cookie, or the session of a disabled account, stops working at its
next request. Flask's session is a signed cookie with no server-side id: the nonce is what rotates.
"""

from __future__ import annotations

import hmac

from flask import Flask
from flask_login import LoginManager, UserMixin

from services.console.adapters.tables import Account
from services.console.auth import sso_identity
from services.console.auth.sso_identity import ProviderIdentity
from services.console.context import console
from services.console.roles import ADMIN, OPERATORS, REGION, ROLE_LABELS, USER_MANAGERS


class SignedIn(UserMixin):
    """The signed-in person as the views see them (a detached copy of the account row, or the identity the
    provider's claims gave at single sign-on)."""

    def __init__(self, account: Account | ProviderIdentity) -> None:
        self.id = account.id
        self.email = account.email
        self.full_name = account.full_name
        self.role = account.role
        self.scope = account.scope
        self.scope_name = account.scope_name
        self.region_id = account.region_id
        self.nonce = account.session_nonce or ""

    def get_id(self) -> str:
        return f"{self.id}:{self.nonce}"

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def is_operator(self) -> bool:
        return self.role in OPERATORS

    @property
    def manages_users(self) -> bool:
        return self.role in USER_MANAGERS

    @property
    def is_region_operator(self) -> bool:
        return self.role == REGION


def load_user(user_id: str) -> SignedIn | None:
    """The session's account if it is still active and the session's nonce is still the account's; a single
    sign-on identity of the claims if the session still carries it."""
    if user_id.startswith(sso_identity.PREFIX):
        identity = sso_identity.recall(user_id)
        return SignedIn(identity) if identity is not None else None
    ident, _, nonce = user_id.partition(":")
    if not ident or not nonce:
        return None
    with console().read() as session:
        account = session.get(Account, ident)
    if account is None or not account.active or not account.session_nonce:
        return None
    if not hmac.compare_digest(account.session_nonce.encode(), nonce.encode()):
        return None
    return SignedIn(account)


def install_login(app: Flask) -> LoginManager:
    manager = LoginManager()
    manager.login_view = "auth.sign_in"
    manager.login_message = "Войдите, чтобы продолжить работу."
    manager.login_message_category = "info"
    manager.session_protection = "basic"
    manager.user_loader(load_user)
    manager.init_app(app)
    return manager
