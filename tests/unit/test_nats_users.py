"""The NATS users generated from the event catalog: who may publish what, and the configuration they render into."""

from __future__ import annotations

import json
import ssl
import stat
import subprocess
from pathlib import Path

import pytest

from ops.nats_users import (
    INTEGRATORS,
    all_users,
    embedded_accounts,
    ensure_passwords,
    integrator_consumers,
    new_password,
    process_env,
    process_user,
    render_accounts,
    service_durables,
)
from ops.natsserver import nats_server_binary, render_config
from shared.config import Settings
from shared.event_catalog import CATALOG, INTERNAL_TYPES, PUBLIC_SUBJECTS, PUBLISHERS, subject_matches
from shared.nats_auth import connect_options, users_file

USERS = {user.name: user for user in all_users(("integrator", "portal"))}


def allowed(patterns: tuple[str, ...], subject: str) -> bool:
    return any(subject_matches(pattern, subject) for pattern in patterns)


def test_there_is_a_relay_and_a_consumer_user_per_service_integrators_and_an_admin():
    assert set(USERS) == {"registry-relay", "matching-relay", "reports-relay", "registry", "matching", "reports",
                          "integrator", "portal", "admin"}
    assert USERS["admin"].unrestricted and not any(u.unrestricted for n, u in USERS.items() if n != "admin")


@pytest.mark.parametrize("type_", sorted(CATALOG))
def test_only_the_relay_of_the_owning_service_may_publish_an_event_type(type_: str):
    publishers = {name for name, user in USERS.items() if not user.unrestricted and allowed(user.publish, type_)}
    owners = {f"{service}-relay" for service, subjects in PUBLISHERS.items() if allowed(subjects, type_)}
    assert publishers == owners and len(owners) == 1


def test_no_user_but_the_admin_may_publish_outside_its_own_subjects_into_the_stream():
    for name, user in USERS.items():
        if user.unrestricted:
            continue
        into_stream = [p for p in user.publish if p.startswith("mentoring.") or p in (">", "*")]
        assert into_stream == list(PUBLISHERS.get(name.removesuffix("-relay"), ())) if name.endswith("-relay") \
            else into_stream == [], name


@pytest.mark.parametrize("name", ["integrator", "portal"])
def test_an_integrator_creates_consumers_only_on_public_subjects_under_its_own_names(name: str):
    user = USERS[name]
    api = "$JS.API.CONSUMER.CREATE.MENTORING"
    for consumer, subject in integrator_consumers(name).items():
        assert consumer.startswith(f"{name}-") and subject in PUBLIC_SUBJECTS
        assert allowed(user.publish, f"{api}.{consumer}.{subject}")
        assert not allowed(user.publish, f"{api}.{consumer}")  # several filters: not pinned in the subject
        assert not allowed(user.publish, f"{api}.{consumer}.mentoring.>")
        for internal in INTERNAL_TYPES:
            assert not allowed(user.publish, f"{api}.{consumer}.{internal}")
    for durables in service_durables().values():
        for durable in durables:
            assert not any(allowed(user.publish, f"$JS.API.CONSUMER.{verb}.MENTORING.{durable}")
                           for verb in ("INFO", "MSG.NEXT", "DELETE"))
    for refused in ("$JS.API.STREAM.DELETE.MENTORING", "$JS.API.STREAM.PURGE.MENTORING",
                    "$JS.API.STREAM.UPDATE.MENTORING", "$JS.API.STREAM.MSG.GET.MENTORING",
                    "$JS.API.DIRECT.GET.MENTORING", "$JS.API.STREAM.SNAPSHOT.MENTORING"):
        assert not allowed(user.publish, refused)
    assert user.subscribe == (f"_INBOX_{name}.>",)


def test_every_user_subscribes_only_under_its_own_inbox_prefix():
    for name, user in USERS.items():
        if not user.unrestricted:
            assert user.subscribe == (f"_INBOX_{name}.>",)


def test_a_consumer_user_pulls_only_from_its_services_durables():
    durables = service_durables()
    assert durables["matching"] == ("matching-read-model", "matching-worker")
    for service in durables:
        for other_service, theirs in durables.items():
            for durable in theirs:
                can = allowed(USERS[service].publish, f"$JS.API.CONSUMER.MSG.NEXT.MENTORING.{durable}")
                assert can == (service == other_service), (service, durable)
        assert not allowed(USERS[service].publish, "$JS.API.STREAM.CREATE.MENTORING")


def test_each_process_of_the_stack_has_its_own_user():
    assert process_user("registry-relay") == "registry-relay"
    assert process_user("matching-worker") == process_user("matching-read-model") == "matching"
    assert process_user("reports-projection") == process_user("reports") == "reports"
    assert process_user("nats") is None and process_user("console") is None
    env = process_env("matching-worker", {"NATS_USER": "admin", "NATS_CREDS": "/x", "PATH": "/bin"},
                      {"matching": "secret"})
    assert env == {"NATS_USER": "matching", "NATS_PASSWORD": "secret", "PATH": "/bin"}
    assert "NATS_USER" not in process_env("console", {"NATS_USER": "admin"}, {})


def test_passwords_are_generated_once_and_private(tmp_path: Path):
    first = ensure_passwords(tmp_path, all_users())
    assert set(first) == {user.name for user in all_users()}
    assert stat.S_IMODE(users_file(tmp_path).stat().st_mode) == 0o600
    assert ensure_passwords(tmp_path, all_users()) == first
    more = ensure_passwords(tmp_path, all_users([*INTEGRATORS, "portal"]))
    assert {k: more[k] for k in first} == first and "portal" in more
    assert all(p[0].isalpha() and p.isalnum() and len(p) == 32 for p in (new_password() for _ in range(50)))


def test_the_rendered_accounts_hold_literal_passwords_or_environment_references(tmp_path: Path):
    passwords = ensure_passwords(tmp_path, all_users())
    literal = embedded_accounts(tmp_path)
    assert all(json.dumps(password) in literal for password in passwords.values())
    by_env = render_accounts(all_users())
    assert not any(password in by_env for password in passwords.values())
    assert "password: $NATS_PASSWORD_REGISTRY_RELAY" in by_env and "jetstream: enabled" in by_env


@pytest.mark.parametrize("form", ["literal", "environment"])
def test_nats_server_accepts_the_rendered_configuration(tmp_path: Path, form: str):
    users = all_users()
    passwords = ensure_passwords(tmp_path, users)
    accounts = render_accounts(users, passwords if form == "literal" else None)
    config = tmp_path / "nats.conf"
    config.write_text(render_config(port=4999, store_dir=tmp_path / "store", accounts=accounts))
    env = {user.env_var: passwords[user.name] for user in users}
    checked = subprocess.run([nats_server_binary(), "-t", "-c", str(config)], capture_output=True, text=True,
                             timeout=30, env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_connect_options_follow_the_settings_then_the_embedded_admin_then_nothing(tmp_path: Path):
    assert connect_options(Settings(var_dir=tmp_path)) == {}
    passwords = ensure_passwords(tmp_path, all_users())
    embedded = connect_options(Settings(var_dir=tmp_path))
    assert (embedded["user"], embedded["password"], embedded["inbox_prefix"]) == ("admin", passwords["admin"],
                                                                                  "_INBOX_admin")
    own = connect_options(Settings(var_dir=tmp_path, nats_user="integrator", nats_password="p"))
    assert (own["user"], own["password"], own["inbox_prefix"]) == ("integrator", "p", "_INBOX_integrator")
    creds = connect_options(Settings(var_dir=tmp_path, nats_creds=tmp_path / "x.creds"))
    assert creds == {"user_credentials": str(tmp_path / "x.creds")}


def test_tls_settings_give_a_verifying_context_with_the_client_certificate(tmp_path: Path):
    from ops.nats_certs import write_certificates

    certs = write_certificates(tmp_path, hosts=("localhost", "127.0.0.1"))
    assert stat.S_IMODE(certs.server_key.stat().st_mode) == stat.S_IMODE(certs.client_key.stat().st_mode) == 0o600
    options = connect_options(Settings(var_dir=tmp_path, nats_tls_ca=certs.ca, nats_tls_cert=certs.client_cert,
                                       nats_tls_key=certs.client_key))
    context = options["tls"]
    assert isinstance(context, ssl.SSLContext) and context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname


def test_an_nkey_user_is_rendered_by_its_public_key_and_names_its_inbox_prefix(tmp_path: Path):
    users = all_users(("integrator", "portal"))
    rendered = render_accounts(users, nkeys={"portal": "UPORTALPUBLICKEY"})
    assert '{nkey: "UPORTALPUBLICKEY", permissions:' in rendered and "NATS_PASSWORD_PORTAL" not in rendered
    seed = tmp_path / "portal.nk"
    options = connect_options(Settings(var_dir=tmp_path, nats_nkey_seed=seed, nats_inbox_prefix="_INBOX_portal"))
    assert options == {"nkeys_seed": str(seed), "inbox_prefix": "_INBOX_portal"}
