"""The client's own address behind reverse proxies (an ingress, a load balancer), for the limits counted by it."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from shared.config import Settings


def behind_proxies(app: Flask, settings: Settings) -> None:
    """With TRUSTED_PROXIES, the client's address and scheme as the last trusted proxies saw them (werkzeug's
    ProxyFix); without, the connection's own."""
    if settings.trusted_proxies:
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
