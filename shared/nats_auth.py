"""Who a process is to NATS: the credentials and TLS of its connection, from settings.

Every user has its own inbox prefix (`_INBOX_<user>`) and may subscribe only there: the replies to another
user's requests (fetched messages among them) never reach it. The embedded stack keeps its generated users in
`var/nats/users.json`; a process started without credentials beside it (the CLI tools, tests) connects as admin.
"""

from __future__ import annotations

import json
import ssl
from pathlib import Path
from typing import Any

from shared.config import Settings

ADMIN = "admin"


def users_file(var_dir: Path) -> Path:
    """The embedded stack's NATS users and their passwords (mode 0600)."""
    return var_dir / "nats" / "users.json"


def inbox_prefix(user: str) -> str:
    return f"_INBOX_{user}"


def embedded_passwords(var_dir: Path) -> dict[str, str]:
    """User → password of the embedded stack, or nothing when `mentoring up` never ran in `var_dir`."""
    path = users_file(var_dir)
    if not path.is_file():
        return {}
    return dict(json.loads(path.read_text(encoding="utf-8")))


def credentials(settings: Settings) -> tuple[str | None, str | None]:
    """The user and password to connect with: the settings', else the embedded stack's admin, else none."""
    if settings.nats_user or settings.nats_nkey_seed or settings.nats_creds:
        return settings.nats_user, settings.nats_password
    password = embedded_passwords(settings.var_dir).get(ADMIN)
    return (ADMIN, password) if password else (None, None)


def tls_context(settings: Settings) -> ssl.SSLContext | None:
    """A client TLS context trusting NATS_TLS_CA, presenting NATS_TLS_CERT/KEY when given; None without TLS."""
    if not (settings.nats_tls_ca or settings.nats_tls_cert):
        return None
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH,
                                         cafile=str(settings.nats_tls_ca) if settings.nats_tls_ca else None)
    if settings.nats_tls_cert:
        context.load_cert_chain(str(settings.nats_tls_cert),
                                str(settings.nats_tls_key) if settings.nats_tls_key else None)
    return context


def connect_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `nats.connect` (nats-py 2.16): credentials, TLS and the user's inbox prefix."""
    options: dict[str, Any] = {}
    user, password = credentials(settings)
    if user:
        options.update(user=user, password=password or "", inbox_prefix=inbox_prefix(user))
    if settings.nats_inbox_prefix:
        options["inbox_prefix"] = settings.nats_inbox_prefix
    if settings.nats_nkey_seed:
        options["nkeys_seed"] = str(settings.nats_nkey_seed)
    if settings.nats_creds:
        options["user_credentials"] = str(settings.nats_creds)
    context = tls_context(settings)
    if context is not None:
        options["tls"] = context
    return options
