"""Every NATS permission, allowed and refused, against the real nats-server: on the embedded stack `mentoring up`
starts (its processes working under their own users) and on the three-node cluster with TLS.

A refusal is the server's: a publish it refuses never reaches the stream and the server reports a permissions
violation to the client (`shared.broker.connect` logs it); a JetStream API request it refuses is never answered.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig
from nats.js.errors import NotFoundError

from ops.nats_users import integrator_consumers
from shared.broker import connect
from shared.config import Settings
from shared.nats_auth import embedded_passwords
from tests.integration.helpers import eventually
from tests.integration.test_nats_cluster import SecuredCluster, secured_cluster, stream_ready
from tests.servers import Stack

STREAM = "MENTORING"


@dataclass
class Broker:
    """One broker under test and how each user connects to it."""

    kind: str
    url: str
    passwords: dict[str, str]
    base: Settings
    cluster: SecuredCluster | None = None

    def settings(self, user: str) -> Settings:
        if self.cluster is not None:
            return self.cluster.settings(user, stream_replicas=3)
        return self.base.model_copy(update={"nats_user": user, "nats_password": self.passwords[user]})


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Broker, Stack]]:
    stack = Stack(workdir=tmp_path_factory.mktemp("nats-auth-stack")).start()
    try:
        stack.wait_ready(timeout_s=120)
        var = stack.workdir / "var"
        broker = Broker("embedded", stack.env["NATS_URL"], embedded_passwords(var),
                        Settings(nats_url=stack.env["NATS_URL"], var_dir=var))
        asyncio.run(eventually(lambda: consumers_created(broker), timeout_s=60, every_s=0.3))
        yield broker, stack
    finally:
        stack.stop_in_background()


async def consumers_created(broker: Broker) -> bool:
    """Every process of the stack has created its durable consumer, under its own user."""
    from ops.nats_users import service_durables

    nc = await connect(broker.settings("admin"), name="test-reader", reconnect_forever=False)
    try:
        names = {info.name for info in await nc.jetstream().consumers_info(STREAM)}
    except NotFoundError:
        return False
    finally:
        await nc.close()
    return {durable for durables in service_durables().values() for durable in durables} <= names


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    with secured_cluster(tmp_path_factory.mktemp("nats-auth-cluster")) as running:
        broker = Broker("cluster", running.url, running.passwords, running.settings("admin"), running)
        asyncio.run(stream_ready(broker.settings("admin")))
        yield broker


@pytest.fixture(params=["embedded", "cluster"])
def broker(request: pytest.FixtureRequest) -> Broker:
    if request.param == "embedded":
        return request.getfixturevalue("embedded")[0]
    return request.getfixturevalue("cluster")


class Client:
    """A user's connection; `refused` expects the server's refusal of one action."""

    def __init__(self, broker: Broker, user: str, caplog: pytest.LogCaptureFixture) -> None:
        self.broker, self.user, self.caplog = broker, user, caplog

    async def __aenter__(self) -> Client:
        self.nc = await connect(self.broker.settings(self.user), name=f"test-{self.user}", reconnect_forever=False)
        self.js = self.nc.jetstream(timeout=1.5)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.nc.close()

    def violations(self) -> list[str]:
        return [str(getattr(record, "error", "")).lower() for record in self.caplog.records
                if getattr(record, "connection", None) == f"test-{self.user}"]

    async def refused(self, action: Awaitable[object], subject: str) -> None:
        """The action is never answered, and the server names `subject` in its permissions violation."""
        self.caplog.clear()
        with pytest.raises((NatsTimeoutError, asyncio.TimeoutError)):
            # the violation comes back at once; the refused request itself is never answered, so half a second
            # of silence is as telling as the client's whole timeout
            await asyncio.wait_for(action, 0.5)
        await self.reported(f'permissions violation for publish to "{subject.lower()}"')

    async def reported(self, text: str) -> None:
        """The server's error `text` reaches this client (its -ERR is read while the client waits)."""
        await eventually(lambda: any(text in error for error in self.violations()), timeout_s=5)


@pytest.fixture(autouse=True)
def _log_refusals(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="shared.broker")


async def absent(broker: Broker, subject: str) -> bool:
    """No message on `subject` is in the stream (read as admin)."""
    nc = await connect(broker.settings("admin"), name="test-reader", reconnect_forever=False)
    try:
        await nc.jetstream().get_last_msg(STREAM, subject)
        return False
    except NotFoundError:
        return True
    finally:
        await nc.close()


def unique(prefix: str) -> str:
    return f"{prefix}.probe-{uuid.uuid4().hex[:8]}"


async def test_a_relay_publishes_its_own_subjects_and_is_refused_another_services(broker: Broker, caplog):
    async with Client(broker, "registry-relay", caplog) as relay:
        own = unique("mentoring.registry")
        ack = await relay.js.publish(own, b"{}")
        assert ack.stream == STREAM and not await absent(broker, own)
        foreign = unique("mentoring.pair")
        await relay.refused(relay.js.publish(foreign, b"{}"), foreign)
        await relay.refused(relay.js.delete_stream(STREAM), f"$JS.API.STREAM.DELETE.{STREAM}")
    async with Client(broker, "matching-relay", caplog) as relay:
        forged = unique("mentoring.mentor")
        await relay.refused(relay.js.publish(forged, b"{}"), forged)
    assert await absent(broker, foreign) and await absent(broker, forged)


async def test_a_services_consumer_user_reads_its_own_consumers_and_publishes_nothing(broker: Broker, caplog):
    async with Client(broker, "matching", caplog) as matching:
        durable = "matching-read-model"
        config = ConsumerConfig(name=durable, durable_name=durable, ack_policy=AckPolicy.EXPLICIT,
                                filter_subjects=["mentoring.organization.>", "mentoring.mentor.>",
                                                 "mentoring.mentee.>", "mentoring.registry.>"])
        if broker.kind == "cluster":  # on the stack its process created it: same config, created again or not
            assert (await matching.js.add_consumer(STREAM, config=config)).name == durable
        assert (await matching.js.consumer_info(STREAM, durable)).name == durable
        forged = unique("mentoring.run")
        await matching.refused(matching.js.publish(forged, b"{}"), forged)
        await matching.refused(matching.js.publish("mentoring.run.requested", b"{}"), "mentoring.run.requested")
        await matching.refused(matching.js.consumer_info(STREAM, "registry-checkpoints"),
                               f"$JS.API.CONSUMER.INFO.{STREAM}.registry-checkpoints")
        spy = ConsumerConfig(name="matching-spy", durable_name="matching-spy", filter_subjects=["mentoring.>"])
        await matching.refused(matching.js.add_consumer(STREAM, config=spy),
                               f"$JS.API.CONSUMER.CREATE.{STREAM}.matching-spy")
        await matching.refused(matching.js.purge_stream(STREAM), f"$JS.API.STREAM.PURGE.{STREAM}")
        if broker.kind == "cluster":
            async with Client(broker, "registry-relay", caplog) as relay:
                await relay.js.publish(unique("mentoring.registry"), b"{}")
            sub = await matching.js.pull_subscribe_bind(durable=durable, stream=STREAM)
            messages = await sub.fetch(1, timeout=5)
            await messages[0].ack_sync(timeout=5)
    assert await absent(broker, forged)


async def test_an_integrator_reads_public_subjects_with_its_own_durable_consumer_and_nothing_else(
        broker: Broker, caplog):
    names = {subject: name for name, subject in integrator_consumers("integrator").items()}
    async with Client(broker, "registry-relay", caplog) as relay:
        await relay.js.publish(unique("mentoring.mentor"), b"{}")
    async with Client(broker, "integrator", caplog) as integrator:
        sub = await integrator.js.pull_subscribe("mentoring.mentor.>", durable=names["mentoring.mentor.>"])
        messages = await sub.fetch(1, timeout=5)
        assert messages[0].subject.startswith("mentoring.mentor.")
        await messages[0].ack_sync(timeout=5)

        forged = unique("mentoring.pair")
        await integrator.refused(integrator.js.publish(forged, b"{}"), forged)
        await integrator.refused(integrator.js.delete_stream(STREAM), f"$JS.API.STREAM.DELETE.{STREAM}")
        await integrator.refused(integrator.js.purge_stream(STREAM), f"$JS.API.STREAM.PURGE.{STREAM}")
        own = names["mentoring.pair.>"]
        for internal in ("mentoring.run.requested", "mentoring.>"):
            await integrator.refused(integrator.js.pull_subscribe(internal, durable=own, stream=STREAM),
                                     f"$JS.API.CONSUMER.CREATE.{STREAM}.{own}.{internal}")
        several = ConsumerConfig(name=own, durable_name=own, filter_subjects=["mentoring.pair.>", "mentoring.>"])
        await integrator.refused(integrator.js.add_consumer(STREAM, config=several),
                                 f"$JS.API.CONSUMER.CREATE.{STREAM}.{own}")
        await integrator.refused(integrator.js.pull_subscribe("mentoring.pair.>", durable="matching-worker",
                                                              stream=STREAM),
                                 f"$JS.API.CONSUMER.INFO.{STREAM}.matching-worker")
        await integrator.refused(integrator.js.get_msg(STREAM, 1), f"$JS.API.STREAM.MSG.GET.{STREAM}")

        # the filter in the request must be the one the permission pinned in the subject: the server checks it
        request = {"stream_name": STREAM, "config": {"name": own, "durable_name": own, "ack_policy": "explicit",
                                                     "filter_subject": "mentoring.run.requested"}}
        answer = await integrator.nc.request(f"$JS.API.CONSUMER.CREATE.{STREAM}.{own}.mentoring.pair.>",
                                             json.dumps(request).encode(), timeout=5)
        assert "error" in json.loads(answer.data), answer.data

        integrator.caplog.clear()
        await integrator.nc.subscribe("mentoring.>")
        await integrator.nc.subscribe("_INBOX.>")
        await integrator.reported('permissions violation for subscription to "mentoring.>"')
        await integrator.reported('permissions violation for subscription to "_inbox.>"')
    assert await absent(broker, forged)


async def test_a_second_integrator_cannot_use_the_firsts_consumers(broker: Broker, caplog):
    """`portal` signs in with an NKey (NATS_NKEY_SEED) and has consumers of its own."""
    if broker.kind != "cluster":
        pytest.skip("the embedded stack has one integrator")
    taken = integrator_consumers("integrator")
    name = next(n for n, s in taken.items() if s == "mentoring.pair.>")
    async with Client(broker, "portal", caplog) as portal:
        await portal.refused(portal.js.pull_subscribe("mentoring.pair.>", durable=name, stream=STREAM),
                             f"$JS.API.CONSUMER.INFO.{STREAM}.{name}")
        own = next(n for n, s in integrator_consumers("portal").items() if s == "mentoring.pair.>")
        await portal.js.pull_subscribe("mentoring.pair.>", durable=own, stream=STREAM)


async def test_admin_may_do_everything(broker: Broker, caplog):
    async with Client(broker, "admin", caplog) as admin:
        subject = unique("mentoring.test")
        await admin.js.publish(subject, b"{}")
        config = ConsumerConfig(name="admin-probe", durable_name="admin-probe", filter_subjects=["mentoring.>"])
        assert (await admin.js.add_consumer(STREAM, config=config)).name == "admin-probe"
        assert await admin.js.delete_consumer(STREAM, "admin-probe")
        await admin.js.purge_stream(STREAM, subject=subject)
        assert await absent(broker, subject)
        assert not admin.violations()


def test_the_stacks_processes_work_under_their_own_users(embedded: tuple[Broker, Stack]):
    """A file imported through the registry's API reaches the matching service's read model: the registry's
    relay published it, matching's consumer read it, both as themselves (and nobody as admin)."""
    import subprocess
    import sys

    from shared.auth import Role, issue_token
    from tests.conftest import TEST_DATA

    _, stack = embedded
    imported = subprocess.run([sys.executable, "-m", "ops.cli", "import", str(TEST_DATA / "mentors.xlsx"),
                               "--kind", "mentors", "--on-error", "skip"], env=stack.env, capture_output=True,
                              text=True, timeout=120)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    token = issue_token(Settings(), Role.ADMIN, subject="nats-auth-test")

    def mentors() -> int:
        answer = httpx.get(f"{stack.url('matching')}/api/v1/status", headers={"Authorization": f"Bearer {token}"},
                           timeout=5)
        return answer.json()["mentors"]

    import time

    deadline = time.monotonic() + 60
    while mentors() < 57 and time.monotonic() < deadline:
        time.sleep(0.3)
    assert mentors() == 57
    users = process_users(stack)
    assert users == {"registry-relay": "registry-relay", "matching-relay": "matching-relay",
                     "reports-relay": "reports-relay", "registry-checkpoints": "registry",
                     "matching-read-model": "matching", "matching-worker": "matching",
                     "reports-projection": "reports", "reminders": ""}, users  # reminders: HTTP only, no NATS
    assert oct((stack.workdir / "var" / "nats" / "users.json").stat().st_mode & 0o777) == "0o600"


def process_users(stack: Stack) -> dict[str, str]:
    """The NATS user each relay, consumer and worker process of the stack runs as (its NATS_USER): with one set,
    a process never falls back to the admin of var/nats/users.json."""
    import os

    from ops.supervisor import process_table

    by_command = {command.split(" ops.cli ", 1)[1]: name for name, command in process_table(Settings()).items()
                  if " ops.cli " in command}
    users = {}
    for pid in (int(entry) for entry in os.listdir("/proc") if entry.isdigit()):
        try:
            if not descends_from(pid, stack.process.pid):
                continue
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            environ = dict(item.split(b"=", 1) for item in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
                           if b"=" in item)
        except (OSError, ProcessLookupError):
            continue
        words = [word.decode() for word in argv if word]
        name = by_command.get(" ".join(words[words.index("ops.cli") + 1:])) if "ops.cli" in words else None
        if name is None or name == "nats":
            continue
        users[name] = environ.get(b"NATS_USER", b"").decode()
    return users


def descends_from(pid: int, ancestor: int) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    return False
