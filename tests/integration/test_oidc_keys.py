"""The provider's keys as the services fetch them: a token naming a key the service does not know makes it fetch the
provider's JWKS again at most once per OIDC_JWKS_REFETCH_COOLDOWN_S (an attacker's made-up `kid`s cost the provider
nothing more), and a key the provider rotated in is still fetched once the cooldown has passed.

The provider here is a real HTTP server on a loopback port (discovery document and JWKS) that counts what it serves;
the tokens are signed with RSA keys made for the test.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.auth import principal_from_header
from shared.config import Settings
from shared.errors import Unauthorized, Unavailable

AUDIENCE = "mentoring-api"


@dataclass
class Provider:
    """A discovery document and a JWKS on a loopback port; `keys` is what the JWKS serves now."""

    server: ThreadingHTTPServer
    keys: dict[str, rsa.RSAPrivateKey] = field(default_factory=dict)
    fetches: list[str] = field(default_factory=list)
    failing: bool = False

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def jwks(self) -> dict[str, Any]:
        return {"keys": [{**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key())), "kid": kid,
                          "use": "sig", "alg": "RS256"} for kid, key in self.keys.items()]}

    def jwks_fetches(self) -> int:
        return self.fetches.count("/jwks")

    def rotate_in(self) -> str:
        kid = f"key-{len(self.keys) + 1}"
        self.keys[kid] = new_key()
        return kid

    def settings(self, cooldown_s: float) -> Settings:
        return Settings(oidc_issuer=self.issuer, oidc_audience=AUDIENCE, oidc_jwks_refetch_cooldown_s=cooldown_s)

    def token(self, kid: str, key: rsa.RSAPrivateKey | None = None) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": AUDIENCE, "sub": "u1", "iat": now, "exp": now + 300,
                  "mentoring_role": "admin"}
        return jwt.encode(claims, key or self.keys[kid], algorithm="RS256", headers={"kid": kid})


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def provider() -> Iterator[Provider]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.fetches.append(self.path)
            if self.path == "/.well-known/openid-configuration":
                body: dict[str, Any] = {"issuer": state.issuer, "jwks_uri": f"{state.issuer}/jwks"}
            elif self.path == "/jwks" and not state.failing:
                body = state.jwks()
            else:
                self.send_error(404 if self.path != "/jwks" else 503)
                return
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state = Provider(server)
    state.keys["key-1"] = new_key()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def caller(settings: Settings, token: str) -> str:
    """What the services make of the bearer token: the role, or the refusal's kind."""
    try:
        return principal_from_header(settings, f"Bearer {token}").role.value
    except Unauthorized:
        return "401"
    except Unavailable:
        return "503"


def test_unknown_key_ids_cost_the_provider_one_fetch_per_cooldown(provider: Provider) -> None:
    settings = provider.settings(cooldown_s=60)
    assert [caller(settings, provider.token("key-1")) for _ in range(20)] == ["admin"] * 20
    assert provider.fetches == ["/.well-known/openid-configuration", "/jwks"]  # read once, then kept

    attacker = new_key()
    answers = [caller(settings, provider.token(f"made-up-{uuid.uuid4()}", attacker)) for _ in range(200)]
    assert answers == ["401"] * 200
    assert provider.jwks_fetches() == 2  # the first made-up kid refetched the JWKS; the other 199 were refused
    assert caller(settings, provider.token("key-1")) == "admin"  # the known key still works
    no_kid = jwt.encode({"iss": provider.issuer, "aud": AUDIENCE, "sub": "u1", "exp": int(time.time()) + 300},
                        attacker, algorithm="RS256")
    assert caller(settings, no_kid) == "401"  # no key id at all: refused, nothing fetched
    assert provider.jwks_fetches() == 2


def test_concurrent_unknown_key_ids_share_one_fetch(provider: Provider) -> None:
    settings = provider.settings(cooldown_s=60)
    assert caller(settings, provider.token("key-1")) == "admin"
    attacker, answers = new_key(), []

    def attack() -> None:
        for _ in range(25):
            answers.append(caller(settings, provider.token(f"made-up-{uuid.uuid4()}", attacker)))

    threads = [threading.Thread(target=attack) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == ["401"] * 200 and provider.jwks_fetches() == 2


def test_a_key_rotated_in_is_fetched_once_the_cooldown_has_passed(provider: Provider) -> None:
    cooldown = 1.5
    settings = provider.settings(cooldown_s=cooldown)
    assert caller(settings, provider.token("key-1")) == "admin"
    new_kid = provider.rotate_in()  # the provider starts signing with a new key
    refetched_at = time.monotonic()
    # The first token with the new key is the first unknown kid since the process started: fetched at once (PyJWT's
    # own cooldown, counted from the first fetch, refused it for 30 s).
    assert caller(settings, provider.token(new_kid)) == "admin" and provider.jwks_fetches() == 2  # starts the cooldown

    newer_kid = provider.rotate_in()
    assert caller(settings, provider.token("made-up", new_key())) == "401"
    assert caller(settings, provider.token(newer_kid)) == "401"  # within the cooldown: refused without a fetch
    assert provider.jwks_fetches() == 2 and time.monotonic() - refetched_at < cooldown
    time.sleep(cooldown + 0.1)
    assert caller(settings, provider.token(newer_kid)) == "admin"  # after it: fetched, accepted
    assert provider.jwks_fetches() == 3
    assert caller(settings, provider.token(newer_kid)) == "admin" and provider.jwks_fetches() == 3


def test_a_failed_refetch_also_starts_the_cooldown(provider: Provider) -> None:
    settings = provider.settings(cooldown_s=60)
    assert caller(settings, provider.token("key-1")) == "admin"
    provider.failing = True  # the provider's JWKS answers 503
    attacker = new_key()
    assert caller(settings, provider.token("made-up-1", attacker)) == "503"  # one attempt, told as unavailable
    assert [caller(settings, provider.token(f"made-up-{n}", attacker)) for n in range(2, 52)] == ["401"] * 50
    assert provider.jwks_fetches() == 2
    assert caller(settings, provider.token("key-1")) == "admin"  # the keys it had are kept


def test_the_cooldown_is_a_setting_with_a_default_of_a_minute() -> None:
    assert Settings.model_fields["oidc_jwks_refetch_cooldown_s"].default == 60
    with pytest.raises(ValueError):
        Settings(oidc_jwks_refetch_cooldown_s=-1)
