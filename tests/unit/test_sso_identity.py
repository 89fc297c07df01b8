"""Who the provider's claims make a person in the console (pure: no provider, no database)."""

from __future__ import annotations

import pytest

from services.console.auth.sso_identity import PREFIX, Refusal, from_claims, identity_id
from shared.config import Settings
from shared.oidc import claim_text

SETTINGS = Settings(oidc_issuer="https://sso.example.org/realms/mentoring")
CLAIMS = {"iss": SETTINGS.oidc_issuer, "sub": "f1c2", "email": "ivanova@school.ru", "name": "Иванова Анна"}


def names(scope: str) -> tuple[str, str]:
    return f"Название {scope}", "86"


def test_the_role_and_scope_of_the_claims_make_the_identity_with_the_scopes_name():
    identity = from_claims(SETTINGS, {**CLAIMS, "mentoring_role": "school_curator",
                                      "mentoring_scope": "organization:o1"}, names)
    assert identity is not None
    assert (identity.role, identity.scope, identity.scope_name, identity.region_id) == (
        "school_curator", "organization:o1", "Название organization:o1", "86")
    assert identity.full_name == "Иванова Анна" and identity.email == "ivanova@school.ru"
    assert identity.id == identity_id(SETTINGS.oidc_issuer or "", "f1c2") and identity.id.startswith(PREFIX)
    assert len(identity.id) == 36 and identity.session_nonce


def test_a_keycloak_list_of_one_value_counts_as_the_value_and_no_role_claim_leaves_it_to_the_account():
    assert claim_text({"mentoring_role": ["admin"]}, "mentoring_role") == "admin"
    assert claim_text({"mentoring_role": ["admin", "school_curator"]}, "mentoring_role") is None
    assert claim_text({"mentoring_role": "  "}, "mentoring_role") is None
    assert from_claims(SETTINGS, CLAIMS, names) is None
    assert from_claims(SETTINGS.model_copy(update={"oidc_role_claim": ""}),
                       {**CLAIMS, "mentoring_role": "admin"}, names) is None


@pytest.mark.parametrize(("claims", "message"), [
    ({"mentoring_role": "superuser"}, "роль «superuser», которой в консоли нет"),
    ({"mentoring_role": "municipal_operator"}, "роль «Муниципальный оператор», но не её область"),
    ({"mentoring_role": "school_curator", "mentoring_scope": "region:86"}, "но не её область"),
    ({"mentoring_role": "admin", "mentoring_scope": "region:86"}, "а этой роли область не назначается"),
])
def test_a_role_the_console_does_not_know_or_a_scope_that_does_not_fit_is_refused(claims, message):
    with pytest.raises(Refusal) as refused:
        from_claims(SETTINGS, {**CLAIMS, **claims}, names)
    assert message in refused.value.message and "Попросите администратора" in refused.value.message
