"""Bearer tokens: roles, scopes and refusals."""

from __future__ import annotations

import time

import jwt
import pytest

from shared.auth import ANONYMOUS, Role, issue_token, principal_from_header
from shared.config import Settings
from shared.errors import Forbidden, Unauthorized

SETTINGS = Settings(jwt_secret="s" * 40)


def bearer(token: str) -> str:
    return f"Bearer {token}"


def test_a_curator_token_carries_its_organization_scope():
    principal = principal_from_header(SETTINGS, bearer(issue_token(SETTINGS, "school_curator", "organization:o1")))
    assert principal.role is Role.SCHOOL_CURATOR
    assert principal.covers(organization_id="o1", municipality_id="m1")
    assert not principal.covers(organization_id="o2", municipality_id="m1")


def test_a_municipal_operator_covers_every_organization_of_the_municipality_only():
    principal = principal_from_header(SETTINGS, bearer(issue_token(SETTINGS, "municipal_operator", "municipality:m1")))
    assert principal.covers(organization_id="o9", municipality_id="m1")
    assert not principal.covers(organization_id="o9", municipality_id="m2")


def test_a_mentor_and_a_mentee_cover_only_records_naming_them():
    mentor = principal_from_header(SETTINGS, bearer(issue_token(SETTINGS, "mentor", "mentor:p1")))
    assert mentor.role is Role.MENTOR and (mentor.scope_kind, mentor.scope_id) == ("mentor", "p1")
    assert mentor.covers(organization_id="o1", mentor_id="p1", mentee_id="e1")
    assert not mentor.covers(organization_id="o1", mentor_id="p2", mentee_id="p1")
    assert not mentor.covers(organization_id="o1", municipality_id="m1", region_id="86")
    mentee = principal_from_header(SETTINGS, bearer(issue_token(SETTINGS, "mentee", "mentee:e1")))
    assert mentee.covers(mentor_id="p1", mentee_id="e1") and not mentee.covers(mentor_id="e1", mentee_id="e2")
    with pytest.raises(Forbidden):
        mentor.require(Role.SCHOOL_CURATOR)


@pytest.mark.parametrize("role,scope", [("mentor", None), ("mentor", "mentee:e1"), ("mentee", "organization:o1"),
                                        ("mentee", "mentee:")])
def test_a_person_token_needs_their_own_record_as_scope(role, scope):
    with pytest.raises(ValueError):
        issue_token(SETTINGS, role, scope)


def test_a_person_token_whose_scope_is_not_a_record_of_theirs_is_refused():
    claims = {"sub": "a", "role": "mentor", "scope": "organization:o1", "aud": SETTINGS.jwt_audience,
              "iss": SETTINGS.jwt_issuer, "exp": int(time.time()) + 60}
    with pytest.raises(Unauthorized):
        principal_from_header(SETTINGS, bearer(jwt.encode(claims, SETTINGS.jwt_secret, algorithm="HS256")))


def test_no_header_is_the_anonymous_reader():
    assert principal_from_header(SETTINGS, None) is ANONYMOUS


@pytest.mark.parametrize("role,scope", [("school_curator", None), ("municipal_operator", "organization:o1"),
                                        ("region_operator", "region:")])
def test_a_scoped_role_without_its_scope_cannot_be_issued(role, scope):
    with pytest.raises(ValueError):
        issue_token(SETTINGS, role, scope)


def test_expired_forged_and_wrong_audience_tokens_are_refused():
    expired = issue_token(SETTINGS, "admin", ttl_s=-10)
    forged = issue_token(Settings(jwt_secret="x" * 40), "admin")
    wrong_audience = jwt.encode({"sub": "a", "role": "admin", "aud": "other", "iss": SETTINGS.jwt_issuer,
                                 "exp": int(time.time()) + 60}, SETTINGS.jwt_secret, algorithm="HS256")
    none_alg = jwt.encode({"sub": "a", "role": "admin", "aud": SETTINGS.jwt_audience, "iss": SETTINGS.jwt_issuer,
                           "exp": int(time.time()) + 60}, None, algorithm="none")
    for token in (expired, forged, wrong_audience, none_alg, "garbage"):
        with pytest.raises(Unauthorized):
            principal_from_header(SETTINGS, bearer(token))
    with pytest.raises(Unauthorized):
        principal_from_header(SETTINGS, "Basic abc")


def test_an_integrator_may_read_but_a_write_role_check_refuses_it():
    integrator = principal_from_header(SETTINGS, bearer(issue_token(SETTINGS, "integrator")))
    assert integrator.covers(organization_id="o1")
    with pytest.raises(Forbidden):
        integrator.require(Role.SCHOOL_CURATOR, Role.MUNICIPAL_OPERATOR)


def test_anonymous_callers_are_asked_for_a_token():
    with pytest.raises(Unauthorized):
        ANONYMOUS.require(Role.SCHOOL_CURATOR)
