"""Bearer tokens with the roles and scopes of the design: our own (PyJWT, HS256) and, when a provider is configured,
the region's OpenID provider's (RS256, shared/oidc.py)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from enum import StrEnum

import jwt

from shared import oidc
from shared.config import Settings
from shared.errors import Forbidden, Unauthorized


class Role(StrEnum):
    ADMIN = "admin"
    REGION_OPERATOR = "region_operator"
    MUNICIPAL_OPERATOR = "municipal_operator"
    SCHOOL_CURATOR = "school_curator"
    INTEGRATOR = "integrator"
    MENTOR = "mentor"
    MENTEE = "mentee"
    ANONYMOUS = "anonymous"


SCOPE_KIND_BY_ROLE = {
    Role.REGION_OPERATOR: "region",
    Role.MUNICIPAL_OPERATOR: "municipality",
    Role.SCHOOL_CURATOR: "organization",
    Role.MENTOR: "mentor",
    Role.MENTEE: "mentee",
}
"""A mentor's and a mentee's scope is their own record (`mentor:<id>`, `mentee:<id>`): they see only what is theirs."""


@dataclass(frozen=True)
class Principal:
    """Who is asking, and over which organization, municipality or region they act."""

    subject: str
    role: Role
    scope_kind: str | None = None
    scope_id: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.role is Role.ANONYMOUS

    @property
    def actor(self) -> str:
        return f"{self.role.value}:{self.subject}"

    def covers(self, *, organization_id: str | None = None, municipality_id: str | None = None,
               region_id: str | None = None, mentor_id: str | None = None, mentee_id: str | None = None) -> bool:
        """True when the record with these coordinates lies inside this principal's scope (a mentor or a mentee:
        when the record is theirs, `mentor_id`/`mentee_id` naming them)."""
        if self.role in (Role.ADMIN, Role.INTEGRATOR):
            return True
        if self.role is Role.ANONYMOUS:
            return False
        target = {"organization": organization_id, "municipality": municipality_id, "region": region_id,
                  "mentor": mentor_id, "mentee": mentee_id}
        return target.get(self.scope_kind or "") == self.scope_id

    def require(self, *roles: Role) -> None:
        """Refuse unless the principal has one of `roles` (admin always passes)."""
        if self.is_anonymous:
            raise Unauthorized("Нужен токен доступа (заголовок Authorization: Bearer …)")
        if self.role is not Role.ADMIN and self.role not in roles:
            raise Forbidden(f"Роль «{self.role.value}» не может выполнить это действие")

    def require_scope(self, *, organization_id: str | None = None, municipality_id: str | None = None,
                      region_id: str | None = None) -> None:
        if not self.covers(organization_id=organization_id, municipality_id=municipality_id,
                           region_id=region_id):
            raise Forbidden("Запись вне вашей зоны ответственности")


ANONYMOUS = Principal(subject="anonymous", role=Role.ANONYMOUS)


def issue_token(settings: Settings, role: Role | str, scope: str | None = None, *, subject: str | None = None,
                ttl_s: int | None = None) -> str:
    """Sign a token; `scope` is `region:ID`, `municipality:ID`, `organization:ID`, `mentor:ID` or `mentee:ID` where
    the role needs one."""
    role = Role(role)
    if role is Role.ANONYMOUS:
        raise ValueError("анонимному читателю токен не нужен")
    needed = SCOPE_KIND_BY_ROLE.get(role)
    if needed and (not scope or not scope.startswith(f"{needed}:") or not scope.split(":", 1)[1]):
        raise ValueError(f"роли {role.value} нужна область: --scope {needed}:<id>")
    now = int(time.time())
    claims = {
        "sub": subject or f"{role.value}-{uuid.uuid4().hex[:8]}", "role": role.value, "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience, "iat": now, "nbf": now, "exp": now + (ttl_s or settings.jwt_ttl_s),
    }
    if needed and scope:
        claims["scope"] = scope
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


def principal_from_header(settings: Settings, header: str | None) -> Principal:
    """Decode `Authorization: Bearer …`; no header is the anonymous reader; a bad token is a 401."""
    if not header:
        return ANONYMOUS
    return _verified(settings, header)[0]


def _verified(settings: Settings, header: str) -> tuple[Principal, int, int]:
    """The principal of a bearer header and the moments its token is valid from and until (401 when it is not)."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Ожидается заголовок Authorization: Bearer <токен>")
    token = token.strip()
    try:
        if oidc.is_provider_token(settings, token):
            claims = oidc.provider_claims(settings, token)
            role_value = oidc.claim_text(claims, settings.oidc_role_claim)
            scope_value = oidc.claim_text(claims, settings.oidc_scope_claim)
            if role_value is None:
                raise Unauthorized("В токене поставщика удостоверений нет роли "
                                   f"(утверждение «{settings.oidc_role_claim}»)")
        else:
            claims = jwt.decode(token, settings.jwt_secret, algorithms=["HS256"], audience=settings.jwt_audience,
                                issuer=settings.jwt_issuer, options={"require": ["exp", "sub", "aud", "iss"]})
            role_value, scope_value = claims["role"], claims.get("scope")
        role = Role(role_value)
    except jwt.ExpiredSignatureError:
        raise Unauthorized("Срок действия токена истёк") from None
    except (jwt.PyJWTError, KeyError, ValueError):
        raise Unauthorized("Токен недействителен") from None
    if role is Role.ANONYMOUS:
        raise Unauthorized("Токен недействителен")
    scope_kind, scope_id = None, None
    if role in SCOPE_KIND_BY_ROLE:
        scope_kind, _, scope_id = str(scope_value or "").partition(":")
        if scope_kind != SCOPE_KIND_BY_ROLE[role] or not scope_id:
            raise Unauthorized("В токене нет области действия роли")
    principal = Principal(subject=str(claims["sub"]), role=role, scope_kind=scope_kind, scope_id=scope_id)
    valid_from = max(int(claims.get("nbf", 0)), int(claims.get("iat", 0)))  # read as PyJWT reads them
    return principal, valid_from, int(claims["exp"])


class VerifiedTokens:
    """Bearer headers this process verified, with their principal, until their tokens expire.

    Checking the signature and the claims is the same work for every request of a client; the answer depends only
    on the token and the settings, so it is kept while the token is valid (`nbf`/`iat` to `exp`, as PyJWT checks
    them) and the header is verified again after that (then refused as expired). Refusals are not kept.
    """

    def __init__(self, settings: Settings, size: int = 4096) -> None:
        self.settings = settings
        self.size = size
        self._known: dict[str, tuple[Principal, int, int]] = {}

    def principal(self, header: str | None) -> Principal:
        """As `principal_from_header`."""
        if not header:
            return ANONYMOUS
        now = time.time()
        known = self._known.get(header)
        if known is not None and known[1] <= now < known[2]:
            return known[0]
        verified = _verified(self.settings, header)
        if len(self._known) >= self.size:
            self._known.clear()  # rare: thousands of live tokens; the next requests verify theirs again
        self._known[header] = verified
        return verified[0]
