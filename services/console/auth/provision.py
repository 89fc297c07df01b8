"""Accounts made outside the console: `mentoring user add` (the first admin) and the demo admin of `make run`."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass

from services.console.auth import accounts
from shared.config import Settings


@dataclass(frozen=True)
class Created:
    email: str
    password: str | None
    link: str | None


def engine_for(settings: Settings):
    from services.console.adapters.tables import metadata
    from shared.db import create_tables, engine_from_settings

    if settings.is_sqlite:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    engine = engine_from_settings(settings)
    create_tables(engine, metadata)
    return engine


def scope_name_from_registry(settings: Settings, scope: str) -> tuple[str, str]:
    """The display name and region of `kind:id`, read from the running registry (as an admin)."""
    import httpx

    from shared.auth import Role, issue_token

    kind, _, ident = scope.partition(":")
    token = issue_token(settings, Role.ADMIN, subject="console-cli")
    with httpx.Client(base_url=settings.registry_url, headers={"Authorization": f"Bearer {token}"},
                      timeout=30) as client:
        if kind == "organization":
            org = client.get(f"/api/v1/organizations/{ident}").raise_for_status().json()
            return f"{org['name']} ({org['municipality_name']})", org["region_id"]
        if kind in ("mentor", "mentee"):
            person = client.get(f"/api/v1/{kind}s/{ident}").raise_for_status().json()
            return person_scope_name(person), person["region_id"]
        if kind == "municipality":
            districts = client.get("/api/v1/municipalities").raise_for_status().json()["items"]
            found = next((d for d in districts if d["id"] == ident), None)
            if found is None:
                raise LookupError(f"район {ident} неизвестен реестру")
            return found["name"], found["region_id"]
    name = settings.region_name if ident == settings.region_id else ident
    return name, ident


def person_scope_name(person: dict[str, object]) -> str:
    """How a mentor's or a mentee's account names its scope: the person and their school."""
    return f"{person['full_name']} ({person['organization_name']})"


def resolve_scope(settings: Settings, scope: str | None, scope_name: str | None) -> tuple[str | None, str | None]:
    """The name and region of a scope given on the command line; the name is read from the registry unless given."""
    if not scope:
        return None, None
    if scope_name:
        return scope_name, scope.split(":", 1)[1] if scope.startswith("region:") else None
    try:
        return scope_name_from_registry(settings, scope)
    except Exception as exc:  # noqa: BLE001 - any failure to reach the registry is reported the same way
        raise LookupError(f"название области не получено из реестра {settings.registry_url} ({exc}); "
                          "укажите его в --scope-name") from None


def add_user(settings: Settings, new: accounts.NewAccount, password: str | None, *, created_by: str) -> Created:
    """Create the account; without a password, a one-time link to set it is returned instead."""
    from shared.db import UnitOfWork

    engine = engine_for(settings)
    try:
        with UnitOfWork(engine) as uow:
            account = accounts.create_account(uow.session, new, created_by=created_by, password=password)
            link = None
            if password is None:
                token = accounts.issue_link(uow.session, account, ttl_hours=settings.console_link_ttl_h,
                                            created_by=created_by)
                link = f"{settings.console_url.rstrip('/')}/password/{token}"
            uow.commit()
    finally:
        engine.dispose()
    return Created(account.email, password, link)


DEMO_EMAIL = "admin@demo.local"


def demo_admin(settings: Settings) -> tuple[str, str]:
    """The demo admin's e-mail and password: created once, the password kept in var/console-admin.json (0600)."""
    path = settings.var_dir / "console-admin.json"
    if path.exists():
        saved = json.loads(path.read_text())
        return saved["email"], saved["password"]
    password = secrets.token_urlsafe(12)
    try:
        add_user(settings, accounts.NewAccount(DEMO_EMAIL, "Администратор (демо)", "admin"), password,
                 created_by="make run")
    except accounts.AccountError:
        pass  # made by an earlier run whose file was removed: the password is not known any more
    else:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump({"email": DEMO_EMAIL, "password": password}, handle)
        return DEMO_EMAIL, password
    return DEMO_EMAIL, "(неизвестен: задайте его командой mentoring user add или ссылкой администратора)"
