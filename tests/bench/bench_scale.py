"""Benchmark: horizontal scale — matching workers draining a queue of runs, API workers serving suggestions.

python -m tests.bench.bench_scale [--runs 8] [--mentees-per-region 5000] [--requests 600]
    [--database-url postgresql://postgres@127.0.0.1:5432/test] [--out var/bench/scale.json]

Workers are real `mentoring worker` processes on a shared database and a local nats-server; the API is
gunicorn with 1 or 3 workers, loaded by 8 client threads on loopback.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import select, text

from services.matching.adapters.tables import MenteeView, metadata
from shared.auth import issue_token
from shared.config import Settings
from shared.db import create_tables, make_engine
from tests.bench.bench_worker import fill_read_model
from tests.bench.generate import generate
from tests.servers import NatsServer, create_postgres_database, free_port


def prepare(database_url: str, regions: int, mentees: int) -> list[str]:
    """Several generated regions in one read model (ids of each region's places made distinct)."""
    engine = make_engine(database_url)
    create_tables(engine, metadata)
    names = []
    for k in range(regions):
        generated = fill_read_model(engine, generate(mentees, seed=10 + k))
        with engine.begin() as connection:
            for table in ("matching_organization", "matching_mentor", "matching_mentee", "matching_pair"):
                column = "id" if table == "matching_organization" else "organization_id"
                connection.execute(text(f"UPDATE {table} SET region_id = :new, {column} = :prefix || {column}, "
                                        f"municipality_id = :prefix || municipality_id WHERE region_id = :old"),
                                   {"new": f"region-{k}", "prefix": f"r{k}-", "old": generated})
        names.append(f"region-{k}")
    engine.dispose()
    return names


def serve(env: dict[str, str], workers: int, port: int) -> subprocess.Popen:
    bindir = Path(sys.executable).parent
    conf = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"
    process = subprocess.Popen([str(bindir / "gunicorn"), "-c", str(conf), "-b", f"127.0.0.1:{port}",
                                "services.matching.app:create_app()"], env={**env, "WEB_CONCURRENCY": str(workers)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    raise TimeoutError("api did not start")


def drain(env: dict[str, str], api: str, regions: list[str], workers: int) -> float:
    """Seconds from queueing one run per region to all of them succeeded, with `workers` worker processes."""
    procs = [subprocess.Popen([sys.executable, "-m", "ops.cli", "worker"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(workers)]
    try:
        time.sleep(2.0)
        headers = {"Authorization": f"Bearer {issue_token(Settings(), 'admin')}"}
        client = httpx.Client(base_url=api, headers=headers, timeout=30)
        started = time.perf_counter()
        ids = [client.post("/api/v1/runs", json={"scope": f"region:{r}", "dry_run": True}).json()["id"]
               for r in regions]
        while True:
            states = [client.get(f"/api/v1/runs/{i}").json()["status"] for i in ids]
            if all(s in ("succeeded", "failed") for s in states):
                assert all(s == "succeeded" for s in states), states
                return time.perf_counter() - started
            time.sleep(0.2)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(20)


def load(api: str, mentee_ids: list[str], requests: int, threads: int = 8) -> dict:
    headers = {"Authorization": f"Bearer {issue_token(Settings(), 'admin')}"}
    rng = random.Random(3)
    picks = [rng.choice(mentee_ids) for _ in range(requests)]
    for mentee in picks[:threads * 4]:  # warm every worker's cache
        httpx.get(f"{api}/api/v1/mentees/{mentee}/suggestions", headers=headers, timeout=60)
    latencies: list[float] = []
    local = threading.local()

    def one(mentee: str) -> None:
        client = getattr(local, "client", None) or httpx.Client(base_url=api, headers=headers, timeout=60)
        local.client = client
        t = time.perf_counter()
        response = client.get(f"/api/v1/mentees/{mentee}/suggestions?limit=5")
        latencies.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, picks))
    seconds = time.perf_counter() - started
    ordered = sorted(latencies)
    return {"requests": requests, "seconds": round(seconds, 2), "rps": round(requests / seconds, 1),
            "p50_ms": round(ordered[len(ordered) // 2], 1), "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--mentees-per-region", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--database-url", default=os.environ.get("TEST_POSTGRES_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--out", default="var/bench/scale.json")
    args = parser.parse_args()
    url, drop = create_postgres_database(args.database_url)
    with tempfile.TemporaryDirectory() as tmp:
        nats = NatsServer(workdir=Path(tmp) / "nats").start()
        try:
            regions = prepare(url, args.runs, args.mentees_per_region)
            env = {**os.environ, "DATABASE_URL": url, "NATS_URL": nats.url, "LOG_LEVEL": "WARNING",
                   "VAR_DIR": str(Path(tmp) / "var"), "RUN_REGISTRY_WAIT_S": "0"}  # no registry to answer
            port = free_port()
            api = serve(env, 1, port)
            relay = subprocess.Popen([sys.executable, "-m", "ops.cli", "relay", "matching"], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            base = f"http://127.0.0.1:{port}"
            one_worker = drain(env, base, regions, 1)
            two_workers = drain(env, base, regions, 2)
            relay.terminate()
            engine = make_engine(url)
            with engine.connect() as connection:
                mentee_ids = list(connection.execute(select(MenteeView.id).limit(5000)).scalars())
            engine.dispose()
            single = load(base, mentee_ids, args.requests)
            api.terminate()
            api.wait(20)
            port3 = free_port()
            api3 = serve(env, 3, port3)
            triple = load(f"http://127.0.0.1:{port3}", mentee_ids, args.requests)
            api3.terminate()
            api3.wait(20)
        finally:
            nats.stop()
    drop()
    result = {"benchmark": "horizontal scale", "date": datetime.now(UTC).isoformat(timespec="seconds"),
              "machine": f"{platform.node()} {platform.machine()}, 2 cores", "command": " ".join(sys.argv),
              "runs": {"queued": args.runs, "mentees_per_region": args.mentees_per_region,
                       "one_worker_s": round(one_worker, 2), "two_workers_s": round(two_workers, 2),
                       "speed_up": round(one_worker / two_workers, 2)},
              "suggestions": {"one_api_worker": single, "three_api_workers": triple,
                              "throughput_gain": round(triple["rps"] / single["rps"], 2)}}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
