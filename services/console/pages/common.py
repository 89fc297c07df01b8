"""What every page uses: the signed-in person's API client, role checks, cached dictionaries and organizations."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

from services.console.client import ServiceClient
from services.console.context import console

T = TypeVar("T")
DICTIONARY_TTL_S = 600
ORGANIZATION_TTL_S = 60


def api() -> ServiceClient:
    """The services' APIs as the signed-in person (role, scope, account id in each short-lived token)."""
    ctx = console()
    return ServiceClient(ctx.settings, ctx.http, role=current_user.role, scope=current_user.scope,
                         subject=current_user.id)


def roles(*allowed: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Sign-in required, and one of `allowed` roles (403 otherwise)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return login_required(guarded)

    return decorate


def cached(key: str, ttl_s: float, load: Callable[[], T]) -> T:
    store = console().cache
    hit = store.get(key)
    if hit is not None and time.monotonic() - hit[0] < ttl_s:
        return hit[1]
    value = load()
    store[key] = (time.monotonic(), value)
    return value


def dictionaries() -> dict[str, list[dict[str, Any]]]:
    return cached("dictionaries", DICTIONARY_TTL_S, lambda: api().dictionaries())


def labels(name: str) -> dict[str, str]:
    return {entry["id"]: entry["label"] for entry in dictionaries().get(name, [])}


def choices(name: str, blank: str | None = None) -> list[tuple[str, str]]:
    """A dictionary as (code, label) options; with `blank`, an empty first option."""
    options = [(entry["id"], entry["label"]) for entry in dictionaries().get(name, [])]
    return ([("", blank)] if blank is not None else []) + options


def organizations() -> list[dict[str, Any]]:
    """The organizations the signed-in person may see, by district then name."""
    key = f"organizations:{current_user.role}:{current_user.scope}"
    rows = cached(key, ORGANIZATION_TTL_S, lambda: api().organizations())
    return sorted(rows, key=lambda o: (o["municipality_name"], o["name"]))


def organization_choices(blank: str | None = None) -> list[tuple[str, str]]:
    options = [(o["id"], f"{o['name']} ({o['municipality_name']})") for o in organizations()]
    return ([("", blank)] if blank is not None else []) + options


def municipality_rows() -> list[dict[str, Any]]:
    """The districts the signed-in person may see, by name: id, name, region_id, organizations (the registry's)."""
    key = f"municipalities:{current_user.role}:{current_user.scope}"
    return cached(key, ORGANIZATION_TTL_S, lambda: api().municipalities())


def municipalities() -> list[tuple[str, str]]:
    """(id, name) of the districts the signed-in person may see, by name."""
    return [(m["id"], m["name"]) for m in municipality_rows()]


def forget_organizations() -> None:
    """After an import of organizations, the lists of organizations and districts are read again."""
    for key in [k for k in console().cache if k.startswith(("organizations:", "municipalities:"))]:
        console().cache.pop(key, None)
