"""Sealed names: a round trip, key rotation, a foreign key's token refused, the embedded key file, the catalog."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from shared.config import Settings
from shared.event_catalog import MentorChanged, json_schema
from shared.sealing import KEY_FILE, TOKEN_PATTERN, SealError, seal, seal_optional, unseal

OLD, NEW, FOREIGN = (Fernet.generate_key().decode() for _ in range(3))
NAME = "Ёлкина-Щукина Анна-Мария Эдуардовна"


def keys(*keys: str) -> Settings:
    return Settings(personal_data_keys=",".join(keys))


def test_a_sealed_name_opens_to_itself_and_never_shows_in_the_token():
    token = seal(keys(NEW), NAME)
    assert unseal(keys(NEW), token) == NAME
    assert NAME not in token and "Анна" not in token
    assert re.match(TOKEN_PATTERN, token)
    assert seal(keys(NEW), NAME) != token, "a random IV each time: equal names give different tokens"
    assert seal_optional(keys(NEW), None) is None


def test_after_rotation_the_new_key_seals_and_the_old_tokens_still_open():
    before = seal(keys(OLD), NAME)
    rotated = keys(NEW, OLD)
    after = seal(rotated, NAME)
    assert unseal(rotated, before) == unseal(rotated, after) == NAME
    assert unseal(keys(NEW), after) == NAME, "the first key seals"
    with pytest.raises(SealError):
        unseal(keys(NEW), before)  # the old key dropped: its tokens no longer open


def test_a_token_of_a_foreign_key_or_a_damaged_one_is_refused_in_russian():
    with pytest.raises(SealError, match="не открывается ни одним ключом PERSONAL_DATA_KEYS"):
        unseal(keys(NEW, OLD), seal(keys(FOREIGN), NAME))
    token = seal(keys(NEW), NAME)
    with pytest.raises(SealError):
        unseal(keys(NEW), token[:-6] + "AAAAAA")
    with pytest.raises(SealError):
        unseal(keys(NEW), NAME)


def test_a_malformed_key_setting_says_what_a_key_is():
    with pytest.raises(ValueError, match="32 байта"):
        seal(keys("not-a-key"), NAME)
    with pytest.raises(ValueError, match="32 байта"):
        seal(Settings(personal_data_keys=" , "), NAME)


def test_without_the_setting_one_key_is_generated_once_into_var_readable_by_its_owner_only(tmp_path: Path):
    registry = Settings(service="registry", var_dir=tmp_path / "var")
    matching = Settings(service="matching", var_dir=tmp_path / "var")
    token = seal(registry, NAME)
    path = tmp_path / "var" / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    Fernet(path.read_text().strip())  # a valid key
    assert unseal(matching, token) == NAME, "the processes of one stack share var/ and so the key"
    assert [p.name for p in (tmp_path / "var").iterdir()] == [KEY_FILE], "no draft left behind"
    with pytest.raises(SealError):
        unseal(Settings(var_dir=tmp_path / "other"), token)


def test_the_catalog_takes_only_a_token_where_a_name_travels():
    base = {"mentor_id": "t1", "version": 1, "status": "active", "organization_id": "o1", "municipality_id": "m1",
            "region_id": "86", "registered_at": "2026-11-24T09:30:00Z"}
    assert MentorChanged.model_validate({**base, "full_name_sealed": seal(keys(NEW), NAME)})
    with pytest.raises(ValidationError):
        MentorChanged.model_validate({**base, "full_name_sealed": NAME})
    with pytest.raises(ValidationError):
        MentorChanged.model_validate({**base, "full_name": NAME, "full_name_sealed": seal(keys(NEW), NAME)})
    field = json_schema("mentoring.mentor.registered")["properties"]["full_name_sealed"]
    assert field["contentEncoding"] == "base64url" and field["pattern"] == TOKEN_PATTERN
    assert "Fernet" in field["x-personal-data"] and "API" in field["x-personal-data"]
