"""Single sign-on: «Войти через …» with the region's OpenID provider, through Authlib's Flask client.

Authorization code with PKCE (S256). Authlib reads the provider's discovery document, keeps the state, the nonce and
the code verifier in the session between the redirect and the callback, and on the callback checks the state,
exchanges the code (with the verifier and the client's secret) and verifies the ID token: the provider's signature
(its JWKS), issuer, audience, expiry and the nonce. The routes answer 404 when no provider is configured.
Signing out of the console signs out at the provider too (RP-initiated logout with the ID token kept in the
session), which sends the person back to the console's sign-in page.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import httpx
import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, abort, current_app, redirect, render_template, request, session, url_for
from flask_login import login_user
from joserfc.errors import JoseError

from services.console.auth import accounts, sso_identity
from services.console.auth.login import SignedIn
from services.console.auth.provision import scope_name_from_registry
from services.console.auth.sso_identity import ProviderIdentity, Refusal
from services.console.auth.targets import safe_next
from services.console.context import console
from shared.config import Settings

log = logging.getLogger(__name__)
PROVIDER = "provider"
NEXT_KEY = "sso_next"
ID_TOKEN = "sso_id_token"
"""The provider's ID token of the signed-in person, kept in the session for the sign-out at the provider."""
FAILED = "Вход через поставщика удостоверений не выполнен: он не подтвердил вход. Попробуйте ещё раз."
UNREACHABLE = ("Поставщик удостоверений сейчас не отвечает. Повторите попытку через несколько минут или войдите "
               "по адресу почты и паролю.")


def install_sso(app: Flask, settings: Settings) -> None:
    """The routes always; the provider's client and the sign-in page's offer only when one is configured."""
    app.register_blueprint(build_sso())
    if not settings.oidc_enabled:
        return
    oauth = OAuth(app)
    oauth.register(PROVIDER, client_id=settings.oidc_client_id, client_secret=settings.oidc_client_secret,
                   server_metadata_url=settings.oidc_discovery_url(),
                   client_kwargs={"scope": settings.oidc_scopes, "code_challenge_method": "S256",
                                  "default_timeout": 10})
    app.extensions["console_sso"] = oauth

    @app.context_processor
    def offer_sso() -> dict[str, str]:
        return {"sso_name": settings.oidc_provider_name}


def provider_client():
    oauth = current_app.extensions.get("console_sso")
    if oauth is None:
        abort(404)
    return oauth.create_client(PROVIDER)


def scope_names(settings: Settings, scope: str) -> tuple[str | None, str | None]:
    """The name and region of a scope the claims gave (a region by the settings, the rest from the registry)."""
    kind, _, ident = scope.partition(":")
    if kind == "region":
        return settings.region_title(ident), ident
    try:
        return scope_name_from_registry(settings, scope)
    except (httpx.HTTPError, LookupError, KeyError) as exc:
        log.warning("sso: the name of %s was not read from the registry (%s)", scope, exc)
        return None, None


def refused(message: str, status: int):
    return render_template("auth/sso_refused.html", message=message), status


def build_sso() -> Blueprint:
    bp = Blueprint("sso", __name__)

    @bp.get("/sign-in/sso")
    def start():
        client = provider_client()
        session[NEXT_KEY] = safe_next(request.args.get("next"))
        callback = console().settings.console_url.rstrip("/") + url_for("sso.callback")
        try:
            return client.authorize_redirect(callback)
        except (requests.RequestException, ValueError) as exc:  # no discovery document, or not JSON
            log.warning("sso: the provider's discovery document was not read (%s: %s)", type(exc).__name__, exc)
            return refused(UNREACHABLE, 503)

    @bp.get("/sign-in/sso/callback")
    def callback():
        client = provider_client()
        settings = console().settings
        try:
            token = client.authorize_access_token()
        except (OAuthError, JoseError, requests.RequestException) as exc:
            log.warning("sso: the provider's answer was refused (%s: %s)", type(exc).__name__, exc)
            return refused(FAILED, 400)
        claims = dict(token.get("userinfo") or {})
        if claims.get("iss") != settings.oidc_issuer:
            log.warning("sso: an ID token of issuer %r, expected %r", claims.get("iss"), settings.oidc_issuer)
            return refused(FAILED, 400)
        target = session.pop(NEXT_KEY, None)
        try:
            user, identity = signed_in_user(settings, claims)
        except Refusal as exc:
            log.info("sso: %s refused (%s)", claims.get("sub"), exc.message)
            return refused(exc.message, 403)
        session.clear()  # a new session: nothing of the anonymous one is carried over
        if identity is not None:
            sso_identity.remember(identity)
        login_user(user)
        session.permanent = True
        session[ID_TOKEN] = token.get("id_token")
        return redirect(safe_next(target))

    return bp


def provider_sign_out(id_token: str | None) -> str | None:
    """The provider's end-session address for the person signing out (OpenID Connect RP-initiated logout: their
    ID token, and the console's sign-in page to come back to), or None: not signed in through the provider, or the
    provider has no such endpoint or cannot be read (the console's own sign-out still happened)."""
    oauth = current_app.extensions.get("console_sso")
    if not id_token or oauth is None:
        return None
    client = oauth.create_client(PROVIDER)
    try:
        endpoint = client.load_server_metadata().get("end_session_endpoint")
    except (requests.RequestException, ValueError) as exc:
        log.warning("sso: no sign-out at the provider (%s: %s)", type(exc).__name__, exc)
        return None
    if not endpoint:
        return None
    settings = console().settings
    back = settings.console_url.rstrip("/") + url_for("auth.sign_in")
    query = urlencode({"id_token_hint": id_token, "post_logout_redirect_uri": back,
                       "client_id": settings.oidc_client_id})
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


def signed_in_user(settings: Settings, claims: dict) -> tuple[SignedIn, ProviderIdentity | None]:
    """The claims' identity (kept in the session), or the local account of the verified e-mail with a new session
    nonce (every older session of the account ends, as at a sign-in with the password)."""
    identity = sso_identity.from_claims(settings, claims, lambda scope: scope_names(settings, scope))
    if identity is not None:
        return SignedIn(identity), identity
    with console().uow() as uow:
        account = sso_identity.local_account(uow.session, claims)
        accounts.start_session(account)
        uow.commit()
        return SignedIn(account), None
