"""Who signs in through the region's OpenID provider: the role and scope its claims name, or else the console's
own account with the e-mail the provider verified.

Nothing is created: a person for whom the claims name no role and whose e-mail no active account has is refused
with a page saying why. A person whose role comes from the claims has no row among the console's accounts: their
identity is kept in the signed session cookie with a per-sign-in nonce, and ends with it (sign-out, or after
CONSOLE_SESSION_HOURS); the provider decides again at the next sign-in.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from flask import session
from sqlmodel import Session

from services.console.adapters.tables import Account
from services.console.auth import accounts, tokens
from services.console.roles import KIND_LABELS, ROLE_LABELS, SCOPE_KIND, scope_problem
from shared.config import Settings
from shared.oidc import claim_text

PREFIX = "sso-"  # never the start of an account's id (a UUID)
SESSION_KEY = "sso_identity"
ASK_ADMIN = ("Попросите администратора консоли пригласить вас по этому адресу или назначить вам роль у поставщика "
             "удостоверений.")


class Refusal(Exception):
    """Why the provider's person may not enter the console (Russian, shown on the refusal page)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ProviderIdentity:
    """A person signed in with the role and scope of the provider's claims (the attributes `SignedIn` reads)."""

    id: str
    email: str
    full_name: str
    role: str
    scope: str | None
    scope_name: str | None
    region_id: str | None
    session_nonce: str


ScopeNames = Callable[[str], tuple[str | None, str | None]]


def from_claims(settings: Settings, claims: Mapping[str, Any], names: ScopeNames) -> ProviderIdentity | None:
    """The identity the claims name a role for; None when they name none (the local account decides then)."""
    role = claim_text(claims, settings.oidc_role_claim)
    if role is None:
        return None
    if role not in ROLE_LABELS:
        raise Refusal(f"Поставщик удостоверений назначил вам роль «{role}», которой в консоли нет. {ASK_ADMIN}")
    scope = claim_text(claims, settings.oidc_scope_claim)
    if scope_problem(role, scope):
        raise Refusal(f"{scope_refusal(settings, role)} {ASK_ADMIN}")
    scope_name, region_id = names(scope) if scope else (None, None)
    email = claim_text(claims, "email") or ""
    return ProviderIdentity(id=identity_id(str(claims["iss"]), str(claims["sub"])), email=email,
                            full_name=claim_text(claims, "name") or email or "Пользователь единого входа",
                            role=role, scope=scope, scope_name=scope_name, region_id=region_id,
                            session_nonce=tokens.new_nonce())


def scope_refusal(settings: Settings, role: str) -> str:
    label = ROLE_LABELS[role]
    if role not in SCOPE_KIND:
        return f"Поставщик удостоверений передал для роли «{label}» область, а этой роли область не назначается."
    kind = SCOPE_KIND[role]
    return (f"Поставщик удостоверений назначил вам роль «{label}», но не её область: нужно утверждение "
            f"«{settings.oidc_scope_claim}» вида «{kind}:<id>» ({KIND_LABELS[kind].lower()}).")


def identity_id(issuer: str, subject: str) -> str:
    """The same id for the same person of the same provider at every sign-in (36 characters, safe in file names, as
    the run review keeps a person's marks)."""
    return PREFIX + hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:32]


def local_account(db: Session, claims: Mapping[str, Any]) -> Account:
    """The active account with the provider's verified e-mail (Refusal when there is none)."""
    email = claim_text(claims, "email")
    if email is None:
        raise Refusal(f"Поставщик удостоверений не сообщил ни вашу роль в консоли, ни адрес почты. {ASK_ADMIN}")
    if claims.get("email_verified") is not True:
        raise Refusal(f"Адрес {email} не подтверждён у поставщика удостоверений, поэтому по нему нельзя найти вашу "
                      "учётную запись. Подтвердите адрес у поставщика или попросите администратора назначить вам роль.")
    account = accounts.find_by_email(db, email)
    if account is None or not account.active:
        raise Refusal(f"В консоли нет действующей учётной записи с адресом {email}. {ASK_ADMIN}")
    return account


def remember(identity: ProviderIdentity) -> None:
    """Keep the identity in the (signed) session cookie."""
    session[SESSION_KEY] = asdict(identity)


def recall(user_id: str) -> ProviderIdentity | None:
    """The session's identity when it is the one Flask-Login names (`sso-…:<nonce>`)."""
    kept = session.get(SESSION_KEY)
    if not isinstance(kept, dict):
        return None
    try:
        identity = ProviderIdentity(**kept)
    except TypeError:
        return None
    expected = f"{identity.id}:{identity.session_nonce}"
    return identity if hmac.compare_digest(expected.encode(), user_id.encode()) else None
