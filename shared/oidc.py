"""The region's OpenID provider as the services see it: its discovery document, its keys and its access tokens.

A provider's access token is an RS256 JWT signed with a key of the provider's JWKS (`jwks_uri` of the discovery
document, read once per process). `ProviderKeys` keeps the keys (PyJWT's `PyJWKClient` reads them, again after
KEYS_LIFESPAN_S) and fetches them again when a token names a key it does not know (the provider rotated its keys), but
at most once per OIDC_JWKS_REFETCH_COOLDOWN_S, failed fetches included: within the cooldown such a token is refused
without asking the provider, so made-up key ids cost the provider nothing. Issuer, audience, expiry and signature are
checked by PyJWT.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

import httpx
import jwt

from shared.config import Settings
from shared.errors import Unavailable

KEYS_LIFESPAN_S = 300
TIMEOUT_S = 5.0

_lock = threading.Lock()
_key_sets: dict[tuple[str, float], ProviderKeys] = {}


class ProviderKeys:
    """The provider's signing keys by key id, with a cooldown on fetching them again for an unknown one."""

    def __init__(self, jwks_uri: str, refetch_cooldown_s: float) -> None:
        # PyJWT's own cooldown (counted from every successful fetch, a failed one not counted) is off: this one counts
        # every refetch for an unknown key id, failed or not, and nothing else.
        self._client = jwt.PyJWKClient(jwks_uri, cache_jwk_set=True, lifespan=KEYS_LIFESPAN_S,
                                       timeout=TIMEOUT_S, cooldown_duration=0)
        self.refetch_cooldown_s = refetch_cooldown_s
        self._lock = threading.Lock()
        self._last_refetch: float | None = None

    def signing_key(self, token: str) -> jwt.PyJWK:
        """The key the token names (`kid`); `PyJWKClientError` when the provider has none such (or it was asked
        within the cooldown), `PyJWKClientConnectionError` when its keys cannot be read."""
        kid = jwt.get_unverified_header(token).get("kid")
        if not isinstance(kid, str) or not kid:  # the provider's keys all have one (PyJWT keeps no other)
            raise jwt.PyJWKClientError("The token names no key id")
        with self._lock:  # one fetch at a time; the tokens waiting for it then see its keys or the cooldown
            key = self._client.match_kid(self._client.get_signing_keys(), kid)
            if key is not None:
                return key
            now = time.monotonic()
            if self._last_refetch is not None and now - self._last_refetch < self.refetch_cooldown_s:
                raise jwt.PyJWKClientError(f"Unknown key id {kid!r}; the provider's keys were fetched "
                                           f"{now - self._last_refetch:.0f} s ago")
            self._last_refetch = now
            key = self._client.match_kid(self._client.get_signing_keys(refresh=True), kid)
            if key is None:
                raise jwt.PyJWKClientError(f"Unknown key id {kid!r}, also after fetching the provider's keys")
            return key


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


def key_set(settings: Settings) -> ProviderKeys:
    """The provider's keys, made once per process and discovery address (a failed discovery is not kept)."""
    ident = (settings.oidc_discovery_url(), settings.oidc_jwks_refetch_cooldown_s)
    with _lock:
        known = _key_sets.get(ident)
    if known is not None:
        return known
    keys = ProviderKeys(discovery(settings)["jwks_uri"], settings.oidc_jwks_refetch_cooldown_s)
    with _lock:
        return _key_sets.setdefault(ident, keys)


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
        signing_key = key_set(settings).signing_key(token)
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
