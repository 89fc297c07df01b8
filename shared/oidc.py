"""The region's OpenID provider as the services see it: its discovery document, its keys and its access tokens.

A provider's access token is an RS256 JWT signed with a key of the provider's JWKS (`jwks_uri` of the discovery
document, read once per process); PyJWT's `PyJWKClient` keeps the keys and fetches them again when a token names a
key it does not know (the provider rotated its keys). Issuer, audience, expiry and signature are checked by PyJWT.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import httpx
import jwt

from shared.config import Settings
from shared.errors import Unavailable

KEYS_LIFESPAN_S = 300
TIMEOUT_S = 5.0

_lock = threading.Lock()
_key_sets: dict[str, jwt.PyJWKClient] = {}


def discovery(settings: Settings) -> dict[str, Any]:
    """The provider's discovery document (`/.well-known/openid-configuration`)."""
    try:
        answer = httpx.get(settings.oidc_discovery_url(), timeout=TIMEOUT_S)
        answer.raise_for_status()
        document = answer.json()
    except (httpx.HTTPError, ValueError):
        raise Unavailable("Поставщик удостоверений не отвечает: токен нельзя проверить. "
                          "Повторите попытку через минуту.") from None
    if not isinstance(document, dict) or not document.get("jwks_uri"):
        raise Unavailable("Поставщик удостоверений не сообщил адрес своих ключей (jwks_uri)")
    return document


def key_set(settings: Settings) -> jwt.PyJWKClient:
    """The provider's JWKS client, made once per process and discovery address (a failed discovery is not kept)."""
    url = settings.oidc_discovery_url()
    with _lock:
        known = _key_sets.get(url)
    if known is not None:
        return known
    client = jwt.PyJWKClient(discovery(settings)["jwks_uri"], cache_keys=True, lifespan=KEYS_LIFESPAN_S,
                             timeout=int(TIMEOUT_S))
    with _lock:
        return _key_sets.setdefault(url, client)


def is_provider_token(settings: Settings, token: str) -> bool:
    """An RS256 token when a provider is configured (our own tokens are HS256); the header is only a hint: the
    signature is then checked with the provider's keys and no others."""
    if not settings.oidc_issuer:
        return False
    return jwt.get_unverified_header(token).get("alg") == "RS256"


def provider_claims(settings: Settings, token: str) -> dict[str, Any]:
    """The verified claims of the provider's access token; PyJWT's errors for a token to refuse, `Unavailable` when
    the provider's keys cannot be read."""
    try:
        signing_key = key_set(settings).get_signing_key_from_jwt(token)
    except jwt.PyJWKClientConnectionError:
        raise Unavailable("Ключи поставщика удостоверений недоступны: токен нельзя проверить. "
                          "Повторите попытку через минуту.") from None
    return jwt.decode(token, signing_key.key, algorithms=["RS256"], audience=settings.oidc_audience,
                      issuer=settings.oidc_issuer, options={"require": ["exp", "iss", "aud", "sub"]})


def claim_text(claims: Mapping[str, Any], name: str) -> str | None:
    """A claim as one string: a list of one value (Keycloak's multivalued mappers) counts as that value."""
    value = claims.get(name) if name else None
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value.strip() if isinstance(value, str) and value.strip() else None
