"""A real three-node JetStream cluster: one node killed mid-stream loses no acknowledged event, then catches up."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from shared.broker import connect, ensure_stream
from shared.db import UnitOfWork, create_tables, make_engine
from shared.outbox import OutboxRelay
from tests.integration.helpers import eventually, stream_events
from tests.integration.test_outbox_relay import metadata, outbox, unsent, write
from tests.servers import NatsServer, free_port


@pytest.fixture
def cluster(tmp_path: Path):
    ports = [free_port() for _ in range(3)]
    nodes = [NatsServer(workdir=tmp_path / f"n{k}", name=f"n{k}", cluster_name="mentoring", cluster_port=port,
                        route_ports=[p for p in ports if p != port]) for k, port in enumerate(ports)]
    for node in nodes:
        node.start(wait=True)
    yield nodes
    for node in nodes:
        node.stop()


async def stream_ready(settings) -> None:
    async def attempt() -> bool:
        try:
            nc = await connect(settings.nats_url, name="setup", reconnect_forever=False)
            await ensure_stream(nc.jetstream(timeout=5), settings)
            await nc.close()
            return True
        except Exception:  # noqa: BLE001 - the cluster is still electing its meta leader
            return False

    await eventually(attempt, timeout_s=60, every_s=0.5)


async def replicas_current(url: str, name: str) -> bool:
    nc = await connect(url, name="probe", reconnect_forever=False)
    try:
        info = await nc.jetstream().stream_info(name)
        replicas = info.cluster.replicas or []
        return len(replicas) == 2 and all(r.current for r in replicas) and info.state.messages > 0
    finally:
        await nc.close()


async def test_killing_one_node_mid_stream_loses_no_acknowledged_event_and_it_catches_up(cluster, settings_factory,
                                                                                         tmp_path):
    url = ",".join(node.url for node in cluster)
    settings = settings_factory("registry", f"sqlite:///{tmp_path / 'c.db'}", url, stream_replicas=3,
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
            cluster[0].kill()
        await asyncio.sleep(0.05)
    await eventually(lambda: unsent(engine) == 0, timeout_s=90)
    stop.set()
    await task
    with UnitOfWork(engine) as uow:
        sent = set(uow.session.execute(select(outbox.table.c.event_id)).scalars())
    survivors = settings.model_copy(update={"nats_url": ",".join(n.url for n in cluster[1:])})
    in_stream = [e["id"] for e in await stream_events(survivors)]
    assert sorted(in_stream) == sorted(ids) == sorted(sent)
    assert len(in_stream) == len(set(in_stream)) == 300
    cluster[0].start()
    await eventually(lambda: replicas_current(survivors.nats_url, settings.stream_name), timeout_s=60, every_s=0.5)
