"""A real three-node JetStream cluster with users and TLS (clients and routes), as deploy/nats/ configures it: one
node killed mid-stream loses no acknowledged event, then catches up."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nkeys
import pytest
from sqlalchemy import select

from ops.nats_certs import CertificateFiles, write_certificates
from ops.nats_users import all_users, new_password, render_accounts, write_private
from ops.natsserver import ServerTls
from shared.broker import connect, ensure_stream
from shared.config import Settings
from shared.db import UnitOfWork, create_tables, make_engine
from shared.outbox import OutboxRelay
from tests.integration.helpers import eventually, stream_events
from tests.integration.test_outbox_relay import metadata, outbox, unsent, write
from tests.servers import NatsServer, free_port

INTEGRATORS = ("integrator", "portal")


@dataclass
class SecuredCluster:
    """Three nodes; every user's password in the servers' environment (`$NATS_PASSWORD_<USER>`, as compose and
    Kubernetes pass them), the second integrator (`portal`) with an NKey; clients and routes over TLS with
    certificates from `ops.nats_certs`."""

    nodes: list[NatsServer]
    passwords: dict[str, str]
    certs: CertificateFiles
    nkey_seeds: dict[str, Path]  # users that sign in with an NKey instead of a password

    @property
    def url(self) -> str:
        return ",".join(node.url for node in self.nodes)

    def settings(self, user: str, *, url: str | None = None, **extra: object) -> Settings:
        """A client of `user` over TLS with the client certificate."""
        tls = {"nats_tls_ca": self.certs.ca, "nats_tls_cert": self.certs.client_cert,
               "nats_tls_key": self.certs.client_key}
        if user in self.nkey_seeds:
            return Settings(nats_url=url or self.url, nats_nkey_seed=self.nkey_seeds[user],
                            nats_inbox_prefix=f"_INBOX_{user}", **tls, **extra)
        return Settings(nats_url=url or self.url, nats_user=user, nats_password=self.passwords[user], **tls, **extra)


@contextmanager
def secured_cluster(workdir: Path) -> Iterator[SecuredCluster]:
    users = all_users(INTEGRATORS)
    passwords = {user.name: new_password() for user in users}
    seed = nkeys.encode_seed(secrets.token_bytes(32), nkeys.PREFIX_BYTE_USER)
    nkey_seeds = {"portal": workdir / "portal.nk"}
    write_private(nkey_seeds["portal"], seed.decode())
    public_keys = {"portal": nkeys.from_seed(bytearray(seed)).public_key.decode()}
    certs = write_certificates(workdir / "certs", hosts=("localhost", "127.0.0.1"))
    tls = ServerTls(cert=certs.server_cert, key=certs.server_key, ca=certs.ca)
    ports = [free_port() for _ in range(3)]
    nodes = [NatsServer(workdir=workdir / f"n{k}", name=f"n{k}", cluster_name="mentoring", cluster_port=port,
                        route_ports=[p for p in ports if p != port], accounts=render_accounts(users, nkeys=public_keys),
                        tls=tls)
             for k, port in enumerate(ports)]
    with pytest.MonkeyPatch.context() as patch:
        for user in users:
            patch.setenv(user.env_var, passwords[user.name])
        for node in nodes:
            node.start(wait=True)
        try:
            yield SecuredCluster(nodes, passwords, certs, nkey_seeds)
        finally:
            for node in nodes:
                node.stop()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[SecuredCluster]:
    with secured_cluster(tmp_path) as running:
        yield running


async def stream_ready(settings: Settings) -> None:
    async def attempt() -> bool:
        try:
            nc = await connect(settings, name="setup", reconnect_forever=False)
            await ensure_stream(nc.jetstream(timeout=5), settings)
            await nc.close()
            return True
        except Exception:  # noqa: BLE001 - the cluster is still electing its meta leader
            return False

    await eventually(attempt, timeout_s=60, every_s=0.5)


async def replicas_current(settings: Settings) -> bool:
    nc = await connect(settings, name="probe", reconnect_forever=False)
    try:
        info = await nc.jetstream().stream_info(settings.stream_name)
        replicas = info.cluster.replicas or []
        return len(replicas) == 2 and all(r.current for r in replicas) and info.state.messages > 0
    finally:
        await nc.close()


async def test_killing_one_node_mid_stream_loses_no_acknowledged_event_and_it_catches_up(cluster, tmp_path):
    settings = cluster.settings("registry-relay", service="registry", var_dir=tmp_path / "var",
                                database_url=f"sqlite:///{tmp_path / 'c.db'}", stream_replicas=3,
                                relay_publish_timeout_s=2.0)
    engine = make_engine(settings.resolved_database_url())
    create_tables(engine, metadata)
    await stream_ready(settings)
    relay = OutboxRelay(engine, outbox, settings)
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    ids: list[str] = []
    for batch in range(30):
        ids += write(engine, 10, start=batch * 10)
        if batch == 10:
            cluster.nodes[0].kill()
        await asyncio.sleep(0.05)
    await eventually(lambda: unsent(engine) == 0, timeout_s=90)
    stop.set()
    await task
    with UnitOfWork(engine) as uow:
        sent = set(uow.session.execute(select(outbox.table.c.event_id)).scalars())
    survivors = cluster.settings("admin", url=",".join(n.url for n in cluster.nodes[1:]))
    in_stream = [e["id"] for e in await stream_events(survivors)]
    assert sorted(in_stream) == sorted(ids) == sorted(sent)
    assert len(in_stream) == len(set(in_stream)) == 300
    with pytest.MonkeyPatch.context() as patch:
        for user in all_users(INTEGRATORS):
            patch.setenv(user.env_var, cluster.passwords[user.name])
        cluster.nodes[0].start()
    await eventually(lambda: replicas_current(survivors), timeout_s=60, every_s=0.5)


def test_the_cluster_refuses_a_client_without_credentials_or_without_its_certificate(cluster, tmp_path, caplog):
    """Nobody connects anonymously, with a wrong password, or without a client certificate."""
    import nats.errors

    anonymous = Settings(nats_url=cluster.url, var_dir=tmp_path, nats_tls_ca=cluster.certs.ca,
                         nats_tls_cert=cluster.certs.client_cert, nats_tls_key=cluster.certs.client_key)
    wrong = cluster.settings("integrator").model_copy(update={"nats_password": "notThePassword"})
    no_certificate = cluster.settings("admin").model_copy(update={"nats_tls_cert": None, "nats_tls_key": None})

    caplog.set_level(logging.DEBUG, logger="shared.broker")

    async def refused(settings: Settings) -> list[str]:
        caplog.clear()
        with pytest.raises((nats.errors.Error, OSError, asyncio.TimeoutError)):
            nc = await connect(settings, name="intruder", timeout_s=1.0, reconnect_forever=False)
            await nc.close()
        return [str(getattr(record, "error", "")).lower() for record in caplog.records]

    for settings in (anonymous, wrong):
        assert any("authorization violation" in error for error in asyncio.run(refused(settings)))
    assert any("certificate required" in error for error in asyncio.run(refused(no_certificate)))
