"""The web console (Flask under gunicorn: `services.console.app:create_app()`); nothing is built at import."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from shared.config import Settings, load_settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the console: its database, sessions, CSRF, sign-in limits, pages and error pages."""
    from flask_wtf.csrf import CSRFProtect

    from services.console.adapters.tables import metadata
    from services.console.auth.limits import install_limiter
    from services.console.auth.login import install_login
    from services.console.auth.sso import install_sso
    from services.console.auth.views import build_auth
    from services.console.context import ConsoleContext, secret_key
    from services.console.errors import install_errors
    from services.console.pages import register_pages
    from services.console.templating import install_templating
    from shared.db import create_tables, engine_from_settings
    from shared.logs import configure_logging
    from shared.proxies import behind_proxies

    settings = settings or load_settings("console")
    configure_logging(settings.log_level, json_format=settings.log_json, service="console")
    if settings.is_sqlite:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    engine = engine_from_settings(settings)
    create_tables(engine, metadata)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key(settings),
        SESSION_COOKIE_NAME="console_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.console_secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.console_session_hours),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session it is kept in
        WTF_I18N_ENABLED=False,  # WTForms' own Russian messages (forms set their locale)
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 1024 * 1024,
    )
    app.extensions["console"] = ConsoleContext(settings=settings, engine=engine)
    behind_proxies(app, settings)
    CSRFProtect(app)
    install_login(app)
    limiter = install_limiter(app, settings.ratelimit_storage_uri)
    app.register_blueprint(build_auth(limiter))
    install_sso(app, settings)
    register_pages(app)
    install_templating(app)
    install_errors(app)
    return app
