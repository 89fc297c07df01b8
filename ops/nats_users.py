"""NATS users and their permissions, generated from the event catalog; rendered as nats-server `accounts {…}`.

One account (`MENTORING`, JetStream on) holds every user:

- `<service>-relay` publishes only the subjects its service owns (`PUBLISHERS`) and may create or update the
  stream (`ensure_stream`);
- `<service>` runs the service's durable consumers (and the matching worker): create and read its own consumers,
  fetch, ack/nak/term; it publishes nothing into `mentoring.>`;
- an integrator creates its own durable pull consumers, one per public subject, named `<user>-<topic>` and
  filtered on that subject (`PUBLIC_SUBJECTS`), fetches and acks; nothing else;
- `admin` may do everything (backup and restore, `reports rebuild`, tests).

The subjects are those nats-py 2.16 uses against nats-server 2.15: a consumer with one filter subject is created
on `$JS.API.CONSUMER.CREATE.<stream>.<name>.<filter>` and the server checks that the filter in the request is the
one in the subject, so the permission pins both the name and the filter. Every user subscribes only under its
own inbox prefix (`shared.nats_auth.inbox_prefix`).
"""

from __future__ import annotations

import importlib
import json
import os
import secrets
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from shared.event_catalog import PUBLIC_SUBJECTS, PUBLISHERS
from shared.nats_auth import ADMIN, embedded_passwords, inbox_prefix, users_file

ACCOUNT = "MENTORING"
STREAM = "MENTORING"
SERVICES = ("registry", "matching", "reports")
INTEGRATORS = ("integrator",)


@dataclass(frozen=True)
class NatsUser:
    name: str
    publish: tuple[str, ...] = ()
    subscribe: tuple[str, ...] = ()
    unrestricted: bool = False

    @property
    def env_var(self) -> str:
        """The environment variable holding its password in compose and Kubernetes."""
        return "NATS_PASSWORD_" + self.name.upper().replace("-", "_")


def topic(subject: str) -> str:
    """`mentoring.pair.>` → `pair`, `mentoring.run.completed` → `run-completed`: a consumer-name part."""
    return "-".join(token for token in subject.split(".")[1:] if token not in (">", "*"))


def _consuming(stream: str, consumer: str, filter_subject: str | None = None) -> tuple[str, ...]:
    """What pulling from one durable consumer needs: create (pinned to `filter_subject` when given), info,
    next, and the acknowledgements (ack, nak, term share `$JS.ACK.<stream>.<consumer>.…`)."""
    creates = ((f"$JS.API.CONSUMER.CREATE.{stream}.{consumer}.{filter_subject}",) if filter_subject else
               (f"$JS.API.CONSUMER.CREATE.{stream}.{consumer}", f"$JS.API.CONSUMER.CREATE.{stream}.{consumer}.>"))
    return (*creates, f"$JS.API.CONSUMER.INFO.{stream}.{consumer}", f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}",
            f"$JS.ACK.{stream}.{consumer}.>")


def relay_user(service: str, stream: str = STREAM) -> NatsUser:
    return NatsUser(f"{service}-relay", publish=(
        *PUBLISHERS[service], "$JS.API.INFO", f"$JS.API.STREAM.INFO.{stream}", f"$JS.API.STREAM.CREATE.{stream}",
        f"$JS.API.STREAM.UPDATE.{stream}"), subscribe=(f"{inbox_prefix(f'{service}-relay')}.>",))


def consumer_user(service: str, durables: Iterable[str], stream: str = STREAM) -> NatsUser:
    publish = ["$JS.API.INFO", f"$JS.API.STREAM.INFO.{stream}"]
    for durable in durables:
        publish.extend(_consuming(stream, durable))
    return NatsUser(service, publish=tuple(publish), subscribe=(f"{inbox_prefix(service)}.>",))


def integrator_consumers(name: str) -> dict[str, str]:
    """Consumer name → the public subject it may filter on, for one integrator."""
    return {f"{name}-{topic(subject)}": subject for subject in PUBLIC_SUBJECTS}


def integrator_user(name: str, stream: str = STREAM) -> NatsUser:
    publish = ["$JS.API.INFO", "$JS.API.STREAM.NAMES"]
    for consumer, subject in integrator_consumers(name).items():
        publish.extend(_consuming(stream, consumer, subject))
        publish.append(f"$JS.API.CONSUMER.DELETE.{stream}.{consumer}")  # to replay from a date: delete, create anew
    return NatsUser(name, publish=tuple(publish), subscribe=(f"{inbox_prefix(name)}.>",))


def service_durables() -> dict[str, tuple[str, ...]]:
    """Each service's durable consumers, read from its consumer specs (and the matching worker's)."""
    from shared.config import load_settings

    durables: dict[str, tuple[str, ...]] = {}
    for service in SERVICES:
        module = importlib.import_module(f"services.{service}.consumer")
        durables[service] = tuple(spec.durable for spec in module.consumer_specs(load_settings(service)).values())
    from services.matching.worker import worker_spec

    durables["matching"] += (worker_spec().durable,)
    return durables


def all_users(integrators: Iterable[str] = INTEGRATORS, stream: str = STREAM) -> list[NatsUser]:
    durables = service_durables()
    return [*(relay_user(service, stream) for service in PUBLISHERS),
            *(consumer_user(service, durables[service], stream) for service in SERVICES),
            *(integrator_user(name, stream) for name in integrators),
            NatsUser(ADMIN, unrestricted=True)]


def process_user(process: str) -> str | None:
    """The user a process of the embedded stack connects as: `registry-relay` its own, `matching-worker` and
    `matching-read-model` (and the service's web process) `matching`; the broker and the console none."""
    if process.endswith("-relay"):
        return process
    service = process.split("-", 1)[0]
    return service if service in SERVICES else None


def _strings(values: Iterable[str]) -> str:
    return "[" + ", ".join(json.dumps(value) for value in values) + "]"


def render_accounts(users: Iterable[NatsUser], passwords: Mapping[str, str] | None = None,
                    nkeys: Mapping[str, str] | None = None) -> str:
    """The `accounts {…}` block: passwords literal from `passwords`, or `$NATS_PASSWORD_<USER>` references the
    server resolves from its environment (compose, Kubernetes); a user in `nkeys` signs in with the NKey of that
    public key instead (its client sets NATS_NKEY_SEED and NATS_INBOX_PREFIX=_INBOX_<user>)."""
    lines = ["accounts {", f"  {ACCOUNT} {{", "    jetstream: enabled", "    users: ["]
    for user in users:
        if nkeys and user.name in nkeys:
            entry = f"      {{nkey: {json.dumps(nkeys[user.name])}"
        else:
            password = json.dumps(passwords[user.name]) if passwords is not None else f"${user.env_var}"
            entry = f"      {{user: {json.dumps(user.name)}, password: {password}"
        if not user.unrestricted:
            entry += (f", permissions: {{publish: {{allow: {_strings(user.publish)}}}, "
                      f"subscribe: {{allow: {_strings(user.subscribe)}}}}}")
        lines.append(entry + "}")
    lines += ["    ]", "  }", "}"]
    return "\n".join(lines) + "\n"


def new_password(length: int = 32) -> str:
    """Letters and digits, a letter first: nats-server parses a `$VAR` value as a configuration token, and one
    that starts with a digit or a dash is read as a number."""
    letters = string.ascii_letters
    return secrets.choice(letters) + "".join(secrets.choice(letters + string.digits) for _ in range(length - 1))


def ensure_passwords(var_dir: Path, users: Iterable[NatsUser]) -> dict[str, str]:
    """The embedded stack's passwords, generated once into `var/nats/users.json` (mode 0600); users added
    later get theirs, the others keep theirs."""
    known = embedded_passwords(var_dir)
    passwords = {user.name: known.get(user.name) or new_password() for user in users}
    if passwords != known:
        write_private(users_file(var_dir), json.dumps(passwords, indent=2) + "\n")
    return passwords


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read, never readable by others even for a moment."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def embedded_accounts(var_dir: Path) -> str:
    """The embedded server's `accounts {…}` with the stack's own passwords (generated on first use)."""
    users = all_users()
    return render_accounts(users, ensure_passwords(var_dir, users))


NATS_ENV = ("NATS_USER", "NATS_PASSWORD", "NATS_NKEY_SEED", "NATS_CREDS")


def process_env(process: str, env: dict[str, str], passwords: Mapping[str, str]) -> dict[str, str]:
    """`env` with the process's own NATS user (`process_user`) in place of any credentials it inherited."""
    env = {key: value for key, value in env.items() if key not in NATS_ENV}
    user = process_user(process)
    if user is not None:
        env.update(NATS_USER=user, NATS_PASSWORD=passwords[user])
    return env


DEPLOY_ACCOUNTS_HEADER = """# Generated from shared/event_catalog.py by `python -m ops.nats_users`; do not edit by hand.
# Included by deploy/nats/nats-*.conf and by the nats.conf of deploy/k8s/nats.yaml. The server reads each
# password from its environment (NATS_PASSWORD_<USER>: deploy/.env in compose, the Secret
# mentoring-nats-users in Kubernetes); letters and digits only, a letter first.
"""


def deploy_accounts() -> str:
    """deploy/nats/accounts.conf as committed."""
    return DEPLOY_ACCOUNTS_HEADER + render_accounts(all_users())


if __name__ == "__main__":
    print(deploy_accounts(), end="")
