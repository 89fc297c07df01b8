"""Пример потребителя событий наставничества для интегратора (см. docs/integrators.md).

Читает поток JetStream MENTORING своими постоянными потребителями (по одному на каждый фильтр тем из документа;
имя потребителя — `<пользователь>-<тема>`, иные брокер не даст создать), разбирает
каждое сообщение официальным SDK CloudEvents, проверяет его схемой сообщения из документа AsyncAPI, записывает
в свою базу SQLite и только потом подтверждает. Повтор (после сбоя между записью и подтверждением) узнаётся по
идентификатору события и не применяется дважды. `--since ДАТА` перечитывает поток с даты: потребители
удаляются и создаются заново с этой даты (свою базу при этом можно оставить: повторы она отбросит).

    NATS_PASSWORD=… python docs/examples/integrator_consumer.py --nats nats://127.0.0.1:4223 \\
        --user integrator --asyncapi http://127.0.0.1:8001/asyncapi.yaml

Зависимости: nats-py, cloudevents, jsonschema, pyyaml, httpx.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sqlite3
import ssl
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import nats
import yaml
from cloudevents.core.formats.json import JSONFormat
from nats.errors import TimeoutError as FetchTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

STREAM = "MENTORING"


def load_document(where: str) -> dict[str, Any]:
    """The AsyncAPI document: from the registry's or matching's `/asyncapi.yaml`, or from a file."""
    text = httpx.get(where, timeout=30).text if where.startswith("http") else Path(where).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def validators(document: dict[str, Any]) -> dict[str, jsonschema.Draft202012Validator]:
    """The message schema of every channel, by its address (the NATS subject, which is also the event type)."""
    found = {}
    for channel in document["channels"].values():
        for message in channel["messages"].values():
            name = message["$ref"].rsplit("/", 1)[1]
            schema = {**document["components"]["messages"][name]["payload"], "components": document["components"]}
            found[channel["address"]] = jsonschema.Draft202012Validator(schema)
    return found


def consumer_name(user: str, subject: str) -> str:
    """`integrator` + `mentoring.pair.>` → `integrator-pair`; `mentoring.run.completed` → `…-run-completed`."""
    return "-".join([user, *(token for token in subject.split(".")[1:] if token not in (">", "*"))])


class Store:
    """The integrator's own database: each event applied once, in the same transaction as its id."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path)
        self.db.execute("CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY, type TEXT, time TEXT, subject TEXT, "
                        "data TEXT)")

    def apply(self, event_id: str, type_: str, time: str, subject: str, data: dict[str, Any]) -> bool:
        """Record the event; False when it was already applied (a redelivery)."""
        with self.db:
            cursor = self.db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?, ?, ?, ?)",
                                     (event_id, type_, time, subject, json.dumps(data, ensure_ascii=False)))
        return cursor.rowcount == 1


async def connect(args: argparse.Namespace) -> nats.NATS:
    # Replies come back under the user's own inbox prefix: the broker lets each user subscribe only there.
    options: dict[str, Any] = {"name": f"integrator-{args.user}", "connect_timeout": 5,
                               "inbox_prefix": f"_INBOX_{args.user}"}
    if args.creds:
        options["user_credentials"] = args.creds
    else:
        options["user"], options["password"] = args.user, args.password or os.environ.get("NATS_PASSWORD", "")
    if args.tls_ca:
        context = ssl.create_default_context(cafile=args.tls_ca)
        if args.tls_cert:
            context.load_cert_chain(args.tls_cert, args.tls_key)
        options["tls"] = context
    return await nats.connect(args.nats.split(","), **options)


async def consume(args: argparse.Namespace) -> int:
    document = load_document(args.asyncapi)
    checks = validators(document)
    store = Store(args.store)
    since = datetime.fromisoformat(args.since).replace(tzinfo=UTC) if args.since else None
    nc = await connect(args)
    js = nc.jetstream()
    applied = duplicates = 0
    try:
        subscriptions = []
        for subject in document["x-nats-filters"]:  # the broker allows a consumer with one of these filters only
            name = consumer_name(args.user, subject)
            if since is not None:
                with contextlib.suppress(NotFoundError):
                    await js.delete_consumer(STREAM, name)
            config = ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, ack_wait=30, max_deliver=-1,
                                    deliver_policy=DeliverPolicy.BY_START_TIME if since else DeliverPolicy.ALL,
                                    opt_start_time=since.isoformat().replace("+00:00", "Z") if since else None)
            subscriptions.append(await js.pull_subscribe(subject, durable=name, stream=STREAM, config=config))
        idle = 0.0
        while args.idle_exit is None or idle < args.idle_exit:
            got = 0
            for subscription in subscriptions:
                try:
                    messages = await subscription.fetch(100, timeout=0.5)
                except (TimeoutError, FetchTimeout):  # nothing new on this subject
                    continue
                for msg in messages:
                    got += 1
                    try:
                        event = JSONFormat().read(None, msg.data)
                        body = json.loads(msg.data)
                        checks[msg.subject].validate(body)
                    except Exception as exc:  # noqa: BLE001 - the SDK and the schema raise several kinds
                        print(f"сообщение {msg.subject} не соответствует документу, отброшено: {exc}", file=sys.stderr)
                        await msg.term()
                        continue
                    if store.apply(event.get_id(), event.get_type(), body["time"], event.get_subject() or "",
                                   body["data"]):
                        applied += 1
                        print(json.dumps({"id": event.get_id(), "type": event.get_type(), "time": body["time"]},
                                         ensure_ascii=False), flush=True)
                    else:
                        duplicates += 1
                    await msg.ack_sync()
            idle = 0.0 if got else idle + 0.5 * len(subscriptions)
    finally:
        await nc.close()
    print(f"применено {applied}, повторов {duplicates}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Потребитель событий наставничества для интегратора")
    parser.add_argument("--nats", default=os.environ.get("NATS_URL", "nats://127.0.0.1:4223"))
    parser.add_argument("--user", default=os.environ.get("NATS_USER"), required="NATS_USER" not in os.environ,
                        help="учётная запись интегратора; с ней же начинаются имена его потребителей")
    parser.add_argument("--password", default=None, help="или переменная окружения NATS_PASSWORD")
    parser.add_argument("--creds", default=os.environ.get("NATS_CREDS"), help="файл .creds вместо имени и пароля")
    parser.add_argument("--tls-ca", default=os.environ.get("NATS_TLS_CA"))
    parser.add_argument("--tls-cert", default=os.environ.get("NATS_TLS_CERT"))
    parser.add_argument("--tls-key", default=os.environ.get("NATS_TLS_KEY"))
    parser.add_argument("--asyncapi", required=True, help="адрес /asyncapi.yaml сервиса или путь к файлу")
    parser.add_argument("--store", default="integrator.db", help="своя база SQLite с обработанными событиями")
    parser.add_argument("--since", help="перечитать поток с даты (ГГГГ-ММ-ДД): потребители создаются заново")
    parser.add_argument("--idle-exit", type=float, help="выйти, если столько секунд нет новых событий")
    return asyncio.run(consume(parser.parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
