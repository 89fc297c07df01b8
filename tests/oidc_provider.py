"""The tests' real OpenID provider: `tests/oidc/provider.mjs` on the certified `oidc-provider` from the npm registry.

`make oidc` installs the package into .venv/oidc; node comes from the machine. `walk` is the person's browser at the
provider: it follows the redirects, fills in the login form and accepts the consent form, and stops at the address
the provider sends the browser back to. `provider_token` is a client of the provider getting a person's access
token (authorization code with PKCE, Authlib's requests client), for calls to the services.
"""

from __future__ import annotations

import html
import json
import re
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"
MODULE = ROOT / ".venv" / "oidc" / "node_modules" / "oidc-provider" / "lib" / "index.js"
CONSOLE_URL = "http://console.sso.test"
CONSOLE_CLIENT = "mentoring-console"
API_CLIENT, SHORT_LIVED_CLIENT = "api-tests", "api-tests-short"
API_REDIRECT = "http://api-tests.sso.test/callback"
MENTORING_RESOURCE, OTHER_RESOURCE = "urn:mentoring:api", "urn:other:api"
PASSWORD = "пароль-у-поставщика-2026"
ROLE_CLAIM, SCOPE_CLAIM = "mentoring_role", "mentoring_scope"
# login → (e-mail, verified, the role and scope claims)
USERS: dict[str, tuple[str, bool, dict[str, str]]] = {
    "region": ("region@sso.test", True, {ROLE_CLAIM: "region_operator", SCOPE_CLAIM: "region:default"}),
    "teacher": ("admin@sso.test", True, {}),
    "unverified": ("admin@sso.test", False, {}),
    "stranger": ("stranger@sso.test", True, {}),
    "superuser": ("root@sso.test", True, {ROLE_CLAIM: "superuser"}),
    "scopeless": ("scopeless@sso.test", True, {ROLE_CLAIM: "municipal_operator"}),
}
FORM = re.compile(r'<form method="post" action="([^"]+)"')


def runtime_missing() -> str | None:
    """Why the provider cannot start here (no node, or `make oidc` not run), or None."""
    if shutil.which("node") is None:
        return "node is not installed: the single sign-on tests need it for the real OpenID provider"
    if not MODULE.exists():
        return f"oidc-provider is not installed at {MODULE} (make oidc installs it from the npm registry)"
    return None


@dataclass
class OidcProvider:
    """One provider process on a free loopback port, with its own fresh signing key."""

    workdir: Path
    console_url: str = CONSOLE_URL  # the console whose callback the provider's client accepts
    port: int = field(default_factory=free_port)
    client_secrets: dict[str, str] = field(default_factory=lambda: {client: secrets.token_urlsafe(24) for client in
                                                                    (CONSOLE_CLIENT, API_CLIENT, SHORT_LIVED_CLIENT)})
    process: subprocess.Popen | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def configuration(self) -> dict[str, Any]:
        def client(client_id: str, redirect: str, **more: Any) -> dict[str, Any]:
            return {"client_id": client_id, "client_secret": self.client_secrets[client_id],
                    "redirect_uris": [redirect], "grant_types": ["authorization_code"], "response_types": ["code"],
                    **more}

        users = [{"id": f"user-{login}", "login": login, "password": PASSWORD, "email": email,
                  "email_verified": verified, "name": f"Пользователь {login}", "claims": claims}
                 for login, (email, verified, claims) in USERS.items()]
        return {"issuer": self.issuer, "port": self.port, "users": users,
                "clients": [client(CONSOLE_CLIENT, f"{self.console_url}/sign-in/sso/callback",
                                   post_logout_redirect_uris=[f"{self.console_url}/sign-in"]),
                            client(API_CLIENT, API_REDIRECT), client(SHORT_LIVED_CLIENT, API_REDIRECT)],
                "resources": {MENTORING_RESOURCE: "mentoring-api", OTHER_RESOURCE: "other-api"},
                "claim_names": [ROLE_CLAIM, SCOPE_CLAIM], "short_lived": [SHORT_LIVED_CLIENT]}

    def start(self, timeout_s: float = 30.0) -> OidcProvider:
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "provider.json"
        config.write_text(json.dumps(self.configuration(), ensure_ascii=False))
        log = (self.workdir / "provider.log").open("ab")
        self.process = subprocess.Popen([shutil.which("node") or "node", str(SCRIPT), str(MODULE), str(config)],
                                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the OpenID provider exited: {self.log()[-3000:]}")
            try:
                if httpx.get(self.discovery_url, timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise TimeoutError(f"the OpenID provider did not answer: {self.log()[-3000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def log(self) -> str:
        path = self.workdir / "provider.log"
        return path.read_text(errors="replace") if path.exists() else ""

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def metadata(self) -> dict[str, Any]:
        return httpx.get(self.discovery_url, timeout=10).raise_for_status().json()

    def settings(self) -> dict[str, Any]:
        """The console's OIDC_* settings for this provider (`env()`: the same as environment variables)."""
        return {"oidc_issuer": self.issuer, "oidc_client_id": CONSOLE_CLIENT,
                "oidc_client_secret": self.client_secrets[CONSOLE_CLIENT], "console_url": self.console_url,
                "oidc_provider_name": "тестового поставщика"}

    def env(self) -> dict[str, str]:
        return {key.upper(): str(value) for key, value in self.settings().items()}


def walk(start: str, login: str, until: str, password: str = PASSWORD, browser: httpx.Client | None = None) -> str:
    """A browser at the provider from `start` (its authorization URL) until it is sent to `until`: that address.
    A new browser each time, or `browser` (its cookies: the person's session at the provider)."""
    if browser is None:
        with httpx.Client(timeout=30) as fresh:
            return walk(start, login, until, password, fresh)
    answer = browser.get(start)
    for _ in range(12):
        if answer.is_redirect:
            location = str(answer.url.join(answer.headers["location"]))
            if location.startswith(until):
                return location
            answer = browser.get(location)
            continue
        found = FORM.search(answer.text)
        assert answer.status_code == 200 and found, (answer.status_code, answer.text[:2000])
        fields = {"login": login, "password": password} if 'name="login"' in answer.text else {}
        answer = browser.post(str(answer.url.join(html.unescape(found.group(1)))), data=fields)
    raise AssertionError(f"the provider did not send the browser back to {until}")


def provider_token(provider: OidcProvider, login: str, *, client_id: str = API_CLIENT,
                   resource: str | None = None) -> str:
    """A person's access token from the provider: authorization code with PKCE (S256), as a client of the region's
    would get it."""
    from authlib.common.security import generate_token
    from authlib.integrations.requests_client import OAuth2Session

    metadata = provider.metadata()
    extra = {"resource": resource} if resource else {}
    verifier = generate_token(48)
    with OAuth2Session(client_id, provider.client_secrets[client_id], scope="openid email profile",
                       redirect_uri=API_REDIRECT, code_challenge_method="S256") as client:
        url, _state = client.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier,
                                                      nonce=generate_token(20), **extra)
        back = walk(url, login, API_REDIRECT)
        token = client.fetch_token(metadata["token_endpoint"], authorization_response=back, code_verifier=verifier)
    return token["access_token"]
