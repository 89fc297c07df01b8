"""Password hashing (argon2id), the password rules, one-time link tokens and session nonces."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.console.auth import passwords, tokens


def test_a_password_is_stored_as_an_argon2id_hash_that_verifies_only_the_same_password():
    stored = passwords.hash_password("Надёжный-пароль-1")
    assert stored.startswith("$argon2id$")
    assert "Надёжный" not in stored
    assert passwords.verify_password(stored, "Надёжный-пароль-1")
    assert not passwords.verify_password(stored, "надёжный-пароль-1")
    assert passwords.hash_password("Надёжный-пароль-1") != stored  # salted
    assert not passwords.needs_rehash(stored)


def test_an_account_without_a_password_or_with_a_broken_hash_never_verifies():
    assert not passwords.verify_password(None, "что угодно")
    assert not passwords.verify_password("not a hash", "что угодно")


def test_a_new_password_must_be_long_varied_and_not_the_email():
    assert passwords.password_problem("короткий") is not None
    assert passwords.password_problem("aaaaaaaaaaaa") is not None
    assert passwords.password_problem("ivanova@school.ru", "Ivanova@School.ru") is not None
    assert passwords.password_problem("x" * 201) is not None
    assert passwords.password_problem("Хороший-пароль-2026", "ivanova@school.ru") is None


def test_link_tokens_are_random_and_stored_only_as_their_digest():
    first, second = tokens.new_token(), tokens.new_token()
    assert first != second and len(first) >= 40
    digest = tokens.token_digest(first)
    assert len(digest) == 64 and first not in digest
    assert tokens.token_digest(first) == digest


def test_a_link_is_valid_until_it_expires_or_is_used():
    now = datetime(2026, 3, 5, 12, tzinfo=UTC)
    expires = tokens.expiry(now, 72)
    assert expires == now + timedelta(hours=72)
    assert tokens.link_state(expires, None, now) == "valid"
    assert tokens.link_state(expires, None, expires) == "expired"
    assert tokens.link_state(expires, now, now) == "used"
    assert tokens.link_state(expires, now, expires + timedelta(days=1)) == "used"


def test_session_nonces_differ_every_time():
    assert len({tokens.new_nonce() for _ in range(100)}) == 100
