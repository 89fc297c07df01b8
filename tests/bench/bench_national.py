"""Benchmark: one national run (scope "all") end to end — a parent run, one child run per region, 1 then 2 workers.

python -m tests.bench.bench_national [--mentees 1000000] [--mentors 500000] [--regions 85] [--seed 1]
    [--workers 1,2] [--quick] [--database-url postgresql://…] [--out var/bench/national.json]

The read model of a fresh SQLite file is filled once with `generate_national` (not timed) and copied for each
worker count. Each measurement has its own nats-server, one `relay matching` and N `worker` processes
(`RUN_REGISTRY_WAIT_S=0`: there is no registry here); the clock runs from `request_run(…, "all")` until the
parent run is finished. Peak RSS is each worker's VmHWM; its solver processes' VmHWM and the worker tree's
summed VmRSS are sampled every 0.2 s while they live (a short-lived solver process may be missed).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, select

from services.matching.adapters.tables import Run, metadata, outbox
from services.matching.use_cases.runs import request_run
from shared.auth import Principal, Role
from shared.broker import connect
from shared.config import Settings
from shared.db import UnitOfWork, create_tables, make_engine
from tests.bench.bench_worker import fill_regions
from tests.bench.generate import generate_national
from tests.servers import NatsServer

ADMIN = Principal(subject="bench", role=Role.ADMIN)
TICK = os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (from /proc/<pid>/task/*/children)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
        for child in children:
            found += [child, *_descendants(child)]
    return found


def _status_mib(pid: int, key: str = "VmHWM") -> float:
    """A memory line of /proc/<pid>/status (VmHWM: peak resident set, VmRSS: now), MiB; 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process and of its children it waited for."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(v) for v in fields[11:15]) / TICK


class Watch:
    """Peak memory of each worker, of the solver processes below it, and of the two together, while they live."""

    def __init__(self, workers: list[subprocess.Popen]) -> None:
        self.workers = workers
        self.peaks = {p.pid: 0.0 for p in workers}
        self.tree = {p.pid: 0.0 for p in workers}  # largest sum of VmRSS over the worker and its descendants
        self.below: dict[int, dict[int, float]] = {p.pid: {} for p in workers}

    def sample(self) -> None:
        """Read every worker's and descendant's memory now (VmHWM is monotone; a dead process reads 0)."""
        for p in self.workers:
            self.peaks[p.pid] = max(self.peaks[p.pid], _status_mib(p.pid))
            below = _descendants(p.pid)
            for child in below:
                self.below[p.pid][child] = max(self.below[p.pid].get(child, 0.0), _status_mib(child))
            self.tree[p.pid] = max(self.tree[p.pid], sum(_status_mib(q, "VmRSS") for q in [p.pid, *below]))

    def report(self) -> list[dict[str, Any]]:
        """Per worker: its peak RSS, its solver processes' largest peak, the largest sampled tree, CPU seconds."""
        return [{"pid": p.pid, "peak_rss_mib": round(self.peaks[p.pid], 1), "cpu_s": round(_cpu_s(p.pid), 1),
                 "solver_processes_seen": len(self.below[p.pid]),
                 "solver_peak_rss_mib": round(max(self.below[p.pid].values(), default=0.0), 1),
                 "tree_peak_rss_mib": round(self.tree[p.pid], 1)} for p in self.workers]


class Postgres:
    """`--database-url postgresql://…`: the read model filled once into a template database, each measurement on
    a fresh copy of it (`CREATE DATABASE … TEMPLATE …`)."""

    TEMPLATE, RUN = "bench_national_template", "bench_national_run"

    def __init__(self, admin_url: str) -> None:
        self.admin = make_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
        self.base = admin_url.rsplit("/", 1)[0]

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"

    def create(self, name: str, template: str | None = None) -> str:
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            connection.exec_driver_sql(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
        return self.url(name)


def prepare(path: Path, mentees: int, mentors: int, regions: int, seed: int,
            postgres: Postgres | None = None) -> dict[str, Any]:
    """Fill a fresh read model (SQLite at `path`, or PostgreSQL's template database) with the national instance;
    its figures (not part of the timed run)."""
    started = time.perf_counter()
    country = generate_national(mentees, mentors, regions, seed)
    engine = make_engine(postgres.create(Postgres.TEMPLATE) if postgres else f"sqlite:///{path}")
    create_tables(engine, metadata)
    fill_regions(engine, country)
    engine.dispose()
    if postgres is None:
        with contextlib.closing(sqlite3.connect(path)) as connection:  # everything in the main file, to copy it
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    sizes = np.array([r.problem.n_mentees for r in country])
    largest = country[int(sizes.argmax())]
    return {"mentees": int(sizes.sum()), "mentors": sum(r.problem.n_mentors for r in country), "regions": regions,
            "seed": seed, "largest_region": {"id": largest.id, "mentees": largest.problem.n_mentees,
                                             "mentors": largest.problem.n_mentors},
            "median_region_mentees": int(np.median(sizes)), "smallest_region_mentees": int(sizes.min()),
            "names": {r.id: r.name for r in country}, "fill_s": round(time.perf_counter() - started, 1),
            "database": "postgresql" if postgres else "sqlite",
            "database_mib": None if postgres else round(path.stat().st_size / 2**20, 1)}


async def _waiting_pulls(url: str, stream: str) -> int:
    nc = await connect(Settings(nats_url=url), name="bench-national", reconnect_forever=False)
    try:
        return (await nc.jetstream().consumer_info(stream, "matching-worker")).num_waiting or 0
    except Exception:  # noqa: BLE001 - no consumer yet
        return 0
    finally:
        await nc.close()


def wait_ready(url: str, workers: int, timeout_s: float = 120) -> None:
    """Until every worker has a pull request waiting on the work queue (imports done, consumer bound)."""
    deadline = time.monotonic() + timeout_s
    while asyncio.run(_waiting_pulls(url, Settings().stream_name)) < workers:
        if time.monotonic() > deadline:
            raise TimeoutError("workers did not start")
        time.sleep(0.5)


def _children(engine: Engine, parent_id: str) -> list[Run]:
    with engine.connect() as connection:
        rows = connection.execute(select(Run.__table__).where(Run.__table__.c.parent_id == parent_id)).mappings()
        return [Run(**row) for row in rows]


def _seconds(later: datetime | None, earlier: datetime | None) -> float | None:
    return round((later - earlier).total_seconds(), 3) if later and earlier else None


def summarise(parent: Run, children: list[Run], names: dict[str, str]) -> dict[str, Any]:
    """Per child: counts, timings, queue wait and wall time; sums of the phases; the largest child."""
    rows = []
    for child in sorted(children, key=lambda c: c.started_at or c.requested_at):
        result = json.loads(child.result or "{}")
        counts, timings = result.get("counts", {}), result.get("timings", {})
        rows.append({"region": child.scope_id, "name": names.get(child.scope_id), "status": child.status,
                     "attempts": child.attempts, "mentees": counts.get("mentees_in_scope"),
                     "matched": counts.get("matched"), **{k: timings.get(k) for k in
                                                          ("load_s", "build_s", "solve_s", "reasons_s",
                                                          "write_s", "total_s")},
                     "queued_at_s": _seconds(child.requested_at, parent.requested_at),
                     "wait_s": _seconds(child.started_at, child.requested_at),
                     "wall_s": _seconds(child.finished_at, child.started_at),
                     "finished_at_s": _seconds(child.finished_at, parent.requested_at)})
    phases = {k: round(sum(r[k] or 0 for r in rows), 2) for k in ("load_s", "build_s", "solve_s", "reasons_s",
                                                                  "write_s", "total_s", "wall_s")}
    largest = max(rows, key=lambda r: r["mentees"] or 0, default={})
    return {"children": rows, "phases_sum": phases, "largest_child": largest,
            "parent": {"status": parent.status, "result": {k: v for k, v in json.loads(parent.result or "{}").items()
                                                           if k not in ("unmet_demand", "unmatched", "region_runs")},
                       "children_queued_after_s": min((r["queued_at_s"] for r in rows if r["queued_at_s"] is not None),
                                                      default=None),
                       "finished_after_last_child_s": _seconds(parent.finished_at, max(
                           (c.finished_at for c in children if c.finished_at), default=None))}}


def national_run(template: Path, workdir: Path, workers: int, names: dict[str, str], timeout_s: float,
                 postgres: Postgres | None = None) -> dict:
    """One measured national run with `workers` worker processes on a copy of the filled read model."""
    workdir.mkdir(parents=True)
    database = workdir / "matching.db"
    if postgres:
        url = postgres.create(Postgres.RUN, template=Postgres.TEMPLATE)
    else:
        shutil.copyfile(template, database)
        url = f"sqlite:///{database}"
    nats = NatsServer(workdir=workdir / "nats").start()
    env = {**os.environ, "DATABASE_URL": url, "NATS_URL": nats.url, "LOG_LEVEL": "WARNING",
           "VAR_DIR": str(workdir / "var"), "RUN_REGISTRY_WAIT_S": "0"}
    logs = (workdir / "processes.log").open("ab")
    command = [sys.executable, "-m", "ops.cli"]
    relay = subprocess.Popen([*command, "relay", "matching"], env=env, stdout=logs, stderr=logs)
    procs = [subprocess.Popen([*command, "worker"], env=env, stdout=logs, stderr=logs) for _ in range(workers)]
    watch = Watch(procs)
    engine = make_engine(url)
    reader = engine.execution_options(read_only=True)  # a plain BEGIN: polling never takes the write lock
    try:
        wait_ready(nats.url, workers)
        time.sleep(1.0)  # the relay has connected by then too
        load_before = os.getloadavg()
        started = time.perf_counter()
        with UnitOfWork(engine, outbox) as uow:
            parent_id = request_run(uow, ADMIN, "all", options={}, dry_run=False).id
        status = "queued"
        while status not in ("succeeded", "failed"):
            if time.perf_counter() - started > timeout_s:
                raise TimeoutError(f"parent run still {status} after {timeout_s} s; see {workdir / 'processes.log'}")
            time.sleep(0.2)
            watch.sample()
            with reader.connect() as connection:
                status = connection.execute(select(Run.status).where(Run.id == parent_id)).scalar_one()
        seconds = time.perf_counter() - started
        watch.sample()
        processes = {"worker_processes": watch.report(), "relay_cpu_s": round(_cpu_s(relay.pid), 1),
                     "nats_cpu_s": round(_cpu_s(nats.process.pid), 1) if nats.process else None}
        with reader.connect() as connection:
            parent = Run(**connection.execute(select(Run.__table__).where(Run.id == parent_id)).mappings().one())
            unsent = connection.execute(select(func.count()).select_from(outbox.table)
                                        .where(outbox.table.c.sent_at.is_(None))).scalar_one()
        summary = summarise(parent, _children(reader, parent_id), names)
    finally:
        engine.dispose()
        for proc in [*procs, relay]:
            proc.terminate()
        for proc in [*procs, relay]:
            proc.wait(30)
        nats.stop()
    idle = workers * seconds - summary["phases_sum"]["wall_s"]  # worker-seconds outside any region's run
    return {"workers": workers, "end_to_end_s": round(seconds, 2), "status": status,
            "worker_seconds_outside_children": round(idle, 2),
            "load_avg_before": [round(x, 2) for x in load_before],
            "matched": summary["parent"]["result"].get("counts", summary["parent"]["result"]).get("matched"),
            "outbox_unsent_at_finish": unsent, **processes, **summary}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mentees", type=int)
    parser.add_argument("--mentors", type=int)
    parser.add_argument("--regions", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--quick", action="store_true", help="20k mentees over 10 regions: a smoke run")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--out", default="var/bench/national.json")
    parser.add_argument("--database-url", help="postgresql://… (an admin URL): run on PostgreSQL instead of SQLite")
    args = parser.parse_args()
    postgres = Postgres(args.database_url) if args.database_url else None
    small = (20_000, 10_000, 10) if args.quick else (1_000_000, 500_000, 85)
    mentees, mentors, regions = (given or default for given, default in
                                 zip((args.mentees, args.mentors, args.regions), small, strict=True))
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="bench-national-") as tmp:
        template = Path(tmp) / "template.db"
        instance = prepare(template, mentees, mentors, regions, args.seed, postgres)
        names = instance.pop("names")
        print(json.dumps({"instance": instance}, ensure_ascii=False), flush=True)
        runs = []
        for count in [int(w) for w in args.workers.split(",")]:
            runs.append(national_run(template, Path(tmp) / f"workers-{count}", count, names, args.timeout, postgres))
            brief = {k: v for k, v in runs[-1].items() if k not in ("children", "parent")}
            print(json.dumps(brief, ensure_ascii=False), flush=True)
    by_workers = {r["workers"]: r for r in runs}
    two = by_workers.get(2)
    document = {
        "benchmark": "national run end to end", "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores", "uptime_before": uptime,
        "command": " ".join(["python -m tests.bench.bench_national", *sys.argv[1:]]), "instance": instance,
        "database": instance["database"],
        "one_over_two_workers": round(by_workers[1]["end_to_end_s"] / two["end_to_end_s"], 2)
        if two and 1 in by_workers else None,
        "targets": None if not two else {
            "two_workers_under_60_s": two["end_to_end_s"] < 60,
            "peak_rss_per_worker_under_2_gib": all(max(w["peak_rss_mib"], w["tree_peak_rss_mib"]) < 2048 for r in runs
                                                   for w in r["worker_processes"]),
            "largest_child_under_5_s": (two["largest_child"].get("total_s") or 1e9) < 5},
        "runs": runs}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(document, ensure_ascii=False, indent=2))
    print(json.dumps({k: v for k, v in document.items() if k != "runs"}, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
