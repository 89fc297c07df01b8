"""Sealed personal fields: names travel in events encrypted with the services' own key.

The matching service shows people's names to operators, and its read model is fed only by events; integrators
and the broker must not read them. So the registry seals a name (`seal`) before it goes into an event and matching
opens it (`unseal`) before storing it. A token is Fernet (AES-128-CBC with HMAC-SHA256, a random IV each time,
so equal names give different tokens).

The keys are the setting PERSONAL_DATA_KEYS: Fernet keys separated by commas, the first seals, every one opens
(rotation: put the new key first, keep the old ones until no event sealed with them is left in the stream).
Without the setting (the embedded stack) one key is generated once into var/personal-data-key (mode 0600); the
registry and matching processes of that stack share var/, and the backup keeps the file beside the stream.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import Field

from shared.config import Settings

KEY_FILE = "personal-data-key"
TOKEN_PATTERN = r"^gAAAAA[A-Za-z0-9_-]+={0,2}$"
"""A Fernet token as text: URL-safe base64 of version 0x80 and a 64-bit time (its high bytes zero until 4147)."""
SEALED_NOTE = ("Запечатано ключом сервисов (PERSONAL_DATA_KEYS; Fernet: AES-128-CBC + HMAC-SHA256): открыть может "
               "только сервис, владеющий ключом. Интегратор получает ФИО через API по своей роли.")
TOKEN_DESCRIPTION = "Токен Fernet (непрозрачный): ФИО, запечатанное ключом сервисов"


class SealError(ValueError):
    """A sealed field that no configured key opens: sealed with a foreign key, or damaged."""


def seal(settings: Settings, text: str) -> str:
    """The token of `text`, sealed with the first key."""
    return _keys(*_key_source(settings)).encrypt(text.encode()).decode("ascii")


def unseal(settings: Settings, token: str) -> str:
    """The text of a token sealed with any of the keys; `SealError` when none opens it."""
    try:
        return _keys(*_key_source(settings)).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as exc:
        raise SealError("Запечатанное поле не открывается ни одним ключом PERSONAL_DATA_KEYS: событие запечатано "
                        "чужим ключом или повреждено") from exc


def check_keys(settings: Settings) -> None:
    """Parse a configured PERSONAL_DATA_KEYS now, so a malformed one stops a process at its start rather than at its
    first event. No side effect otherwise: the embedded key file is made at its first use."""
    if settings.personal_data_keys:
        _keys(settings.personal_data_keys, None)


def seal_optional(settings: Settings, text: str | None) -> str | None:
    return None if text is None else seal(settings, text)


def sealed_field(annotation: dict[str, Any], *, required: bool = False) -> Any:
    """A sealed name in the event catalog: a Fernet token (anything else is refused); its personal-data annotation
    (`event_catalog.personal`: why the event needs it) gets what the seal is and where integrators read names."""
    noted = {key: f"{why}. {SEALED_NOTE}" for key, why in annotation.items()}
    return Field(... if required else None, pattern=TOKEN_PATTERN, description=TOKEN_DESCRIPTION,
                 json_schema_extra={**noted, "contentEncoding": "base64url", "contentMediaType": "application/fernet"})


def _key_source(settings: Settings) -> tuple[str | None, Path | None]:
    """What the keys are built from: the setting, else the var dir holding the key file (no file system call here:
    sealing runs once per name of every event)."""
    if settings.personal_data_keys:
        return settings.personal_data_keys, None
    return None, settings.var_dir


@lru_cache(maxsize=16)
def _keys(configured: str | None, var_dir: Path | None) -> MultiFernet:
    """The keys of one configuration, built once per process (a key file is read or written once)."""
    if configured is not None:
        keys = [key.strip() for key in configured.split(",") if key.strip()]
    else:
        assert var_dir is not None
        keys = [_generated_key(var_dir / KEY_FILE)]
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ValueError("PERSONAL_DATA_KEYS: каждый ключ — 32 байта в URL-безопасном base64 "
                         "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
                         ) from exc


def _generated_key(path: Path) -> str:
    """The embedded default: a key written once (mode 0600); the first process to write it wins, the rest read it."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{KEY_FILE}.{os.getpid()}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(Fernet.generate_key().decode("ascii"))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()
