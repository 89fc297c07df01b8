"""Benchmark: the registry and matching APIs under a steady load, then the same load during an import and a run.

python -m tests.bench.bench_load [--seconds 60] [--rps 200] [--users 40] [--mentees 100000]
    [--registry-mentors 20000] [--registry-mentees 20000] [--import-rows 10000]
    [--database-url postgresql://postgres@127.0.0.1:5432/test] [--out var/bench/load.json]

Loopback only. A local nats-server on a free port (never the system NATS), the registry and matching APIs
under gunicorn with `--api-workers` (3) workers each, both outbox relays and one `mentoring worker` process;
SQLite files in a temporary directory (the embedded default) or a fresh PostgreSQL database. The matching
read model holds one generated region (`tests/bench/generate.py`: `--mentees` mentees, half as many mentors);
the registry holds `--registry-mentors` mentors and `--registry-mentees` mentees imported through its API.

Phase 1 ("steady"): `tests/bench/locustfile.py` (locust as a library, FastHttpUser, constant throughput)
sends `--rps` requests/s from `--users` users for `--seconds`: suggestions (50 %), mentors and mentees lists
(15 % each), pairs (12 %) and runs (8 %) lists, paged by cursor, with a region operator's token.
Phase 2 ("import + run"): the same load continues while a `--import-rows` mentor file is posted to
`/api/v1/imports` and a bulk run over the whole region is requested (`POST /api/v1/runs`, drained by the
worker process); the phase ends when both are done. Every process is stopped by process group at the end.
The load generator shares the machine's cores with the servers: its CPU use is reported per phase.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import platform
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil
from openpyxl import Workbook
from sqlalchemy import Engine, func, select

from services.matching.adapters.tables import MenteeView
from services.matching.adapters.tables import metadata as matching_metadata
from services.registry.adapters.tables import metadata as registry_metadata
from services.registry.adapters.tables import outbox as registry_outbox
from shared.auth import issue_token
from shared.config import Settings
from shared.db import create_tables, make_engine
from tests.bench.bench_import import HEADER as MENTOR_HEADER
from tests.bench.bench_import import SUBJECTS
from tests.bench.bench_worker import fill_read_model
from tests.bench.generate import generate
from tests.servers import NatsServer, create_postgres_database, free_port

REGION = "region-bench"  # the region id fill_read_model writes; REGION_ID of both services
MENTEE_HEADER = ["Район", "ОО", "ФИО наставляемого", "Предмет", "Уровень образования", "Стаж (лет)",
                 "Категория наставляемого", "Запрос (направления, дефициты)", "Формат", "Желаемый наставник"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROOT = Path(__file__).resolve().parents[2]
ENDPOINTS = ("suggestions", "mentors", "mentees", "pairs", "runs")


def people_file(kind: str, rows: int, offset: int = 0, seed: int = 1) -> bytes:
    """A bank of mentors (bench_import's layout) or a base of mentees; people numbered from `offset`."""
    rng = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Лист1")
    sheet.append(MENTOR_HEADER if kind == "mentors" else MENTEE_HEADER)
    for n in range(offset, offset + rows):
        district = f"Район {n % 20 + 1}"
        school = f"МБОУ СОШ № {n % 400 + 1} ({district})"
        stage = rng.choice(["Основное общее", "Среднее общее", "1-4"])
        if kind == "mentors":
            sheet.append([district, school, f"Наставник{n} Анна Петровна", "Молодой специалист",
                          rng.choice(SUBJECTS), "Методическая деятельность, Обучение", "0-3",
                          rng.choice(["Первая", "Высшая категория", "СЗД"]), f"mentor{n}@example.ru", stage,
                          rng.randint(1, 3), rng.choice(["очно", "очно/дистанционно"]), rng.choice(["да", "нет"])])
        else:
            sheet.append([district, school, f"Наставляемый{n} Иван Сергеевич", rng.choice(SUBJECTS), stage,
                          rng.randint(0, 3), "Молодой специалист", "Методическая деятельность",
                          rng.choice(["очно", "дистанционно"]), ""])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class Processes:
    """The processes the benchmark started, each leading its own process group; stopped in reverse order."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.items: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with (self.log_dir / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.items.append((name, process))
        return process

    def stop(self) -> None:
        """SIGTERM to every group, then SIGKILL to what is left after 20 s."""
        for _, process in reversed(self.items):
            _signal_group(process, signal.SIGTERM)
        for _, process in reversed(self.items):
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(10)
            _signal_group(process, signal.SIGKILL)  # stragglers of the group (gunicorn workers), if any
        self.items.clear()

    def pid(self, name: str) -> int:
        return next(process.pid for label, process in self.items if label == name)

    def log_tail(self, name: str, chars: int = 3000) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def cpu_seconds(pids: dict[str, list[int]]) -> dict[str, float]:
    """User + system CPU seconds of each group of processes (with their children), of this process alone
    (`bench_main`: setup and the phase-2 client threads) and of the whole machine."""
    own = psutil.Process().cpu_times()
    out: dict[str, float] = {"bench_main": own.user + own.system}
    for group, roots in pids.items():
        total = 0.0
        for pid in roots:
            try:
                root = psutil.Process(pid)
                for proc in [root, *root.children(recursive=True)]:
                    times = proc.cpu_times()
                    total += times.user + times.system
            except psutil.Error:
                continue
        out[group] = total
    machine = psutil.cpu_times()
    out["machine_busy"] = machine.user + machine.nice + machine.system + machine.irq + machine.softirq
    out["machine_steal"] = getattr(machine, "steal", 0.0)
    return out


def cores_used(before: dict[str, float], after: dict[str, float], seconds: float) -> dict[str, float]:
    """CPU use per group in cores (1.0 = one core busy) between two snapshots."""
    used = {k: round((after[k] - before[k]) / seconds, 2) for k in before}
    ours = sum(v for k, v in used.items() if not k.startswith("machine"))
    used["others"] = round(max(0.0, used["machine_busy"] - ours), 2)
    return used


def start_api(procs: Processes, service: str, env: dict[str, str], port: int, workers: int) -> str:
    """gunicorn with the deploy config, as `mentoring up` starts it; returns the base URL once /readyz is 200."""
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    env = {**env, "SERVICE": service, "WEB_CONCURRENCY": str(workers),
           "PROMETHEUS_MULTIPROC_DIR": str(Path(env["VAR_DIR"]) / "prometheus" / service)}
    process = procs.start(service, [gunicorn, "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "-b",
                                    f"127.0.0.1:{port}", f"services.{service}.app:create_app()"], env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{service} exited: {procs.log_tail(service)}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return base
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{service} not ready: {procs.log_tail(service)}")


def post_import(registry: str, token: str, kind: str, content: bytes) -> dict[str, Any]:
    """POST one file to /api/v1/imports, as `mentoring import` does; seconds and the report's counts."""
    started = time.perf_counter()
    response = httpx.post(f"{registry}/api/v1/imports", params={"kind": kind},
                          files={"file": (f"{kind}.xlsx", content, XLSX)},
                          headers={"Authorization": f"Bearer {token}"}, timeout=900)
    seconds = time.perf_counter() - started
    body = response.json()
    return {"kind": kind, "status": response.status_code, "seconds": round(seconds, 2),
            **{k: body.get(k) for k in ("rows", "valid", "created", "updated", "unchanged")},
            **({"detail": str(body)[:500]} if response.status_code != 200 else {})}


def run_and_wait(matching: str, token: str, scope: str, dry_run: bool, timeout_s: float = 900) -> dict[str, Any]:
    """POST /api/v1/runs, then poll the run every 0.5 s until the worker process finished it."""
    with httpx.Client(base_url=matching, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        started = time.perf_counter()
        response = client.post("/api/v1/runs", json={"scope": scope, "dry_run": dry_run})
        if response.status_code != 202:
            return {"scope": scope, "status": f"HTTP {response.status_code}", "detail": response.text[:500]}
        run_id = response.json()["id"]
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            run = client.get(f"/api/v1/runs/{run_id}").json()
            if run["status"] in ("succeeded", "failed"):
                seconds = time.perf_counter() - started
                return {"scope": scope, "dry_run": dry_run, "status": run["status"], "seconds": round(seconds, 2),
                        "error": run.get("error"), "counts": run.get("counts"), "timings": run.get("timings"),
                        "started_at": run.get("started_at"), "finished_at": run.get("finished_at")}
            time.sleep(0.5)
    return {"scope": scope, "status": "timeout", "seconds": timeout_s}


class LockProbe:
    """How much of the time a service's SQLite write lock is taken: `BEGIN IMMEDIATE` without waiting, every 20 ms.

    Every unit of work of the services (reads included) begins with `BEGIN IMMEDIATE` on SQLite, so this is
    the share of time one request (or the worker, or an import) holds the database for itself.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.samples: list[tuple[float, int]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        while not self.stop.is_set():
            now = time.time()
            try:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("ROLLBACK")
                self.samples.append((now, 0))
            except sqlite3.OperationalError:
                self.samples.append((now, 1))
            self.stop.wait(0.02)
        connection.close()

    def held(self, start: float, end: float) -> float | None:
        """Share of the samples in [start, end) that found the write lock taken."""
        window = [busy for t, busy in self.samples if start <= t < end]
        return round(sum(window) / len(window), 3) if window else None


def wait_outbox_sent(engine: Engine, timeout_s: float = 600) -> float:
    """Seconds until the registry relay has published every outbox row (the setup's events)."""
    started = time.perf_counter()
    table = registry_outbox.table
    while time.perf_counter() - started < timeout_s:
        with engine.connect() as connection:
            if not connection.scalar(select(func.count()).select_from(table).where(table.c.sent_at.is_(None))):
                return time.perf_counter() - started
        time.sleep(1.0)
    raise TimeoutError("registry outbox not drained")


def warm_up(registry: str, matching: str, token: str, mentee_ids: list[str], workers: int) -> float:
    """Enough concurrent requests that every API worker has built its suggestion cache and opened its pools."""
    headers = {"Authorization": f"Bearer {token}"}
    urls = [f"{matching}/api/v1/mentees/{m}/suggestions?limit=5" for m in mentee_ids[: workers * 12]]
    urls += [f"{registry}/api/v1/{p}?limit=50" for p in ("mentors", "mentees")] * workers * 2
    urls += [f"{matching}/api/v1/{p}?limit=50" for p in ("pairs", "runs")] * workers * 2
    started = time.perf_counter()

    def fetch(chunk: list[str]) -> None:
        with httpx.Client(headers=headers, timeout=120) as client:
            for url in chunk:
                client.get(url).raise_for_status()

    threads = [threading.Thread(target=fetch, args=(urls[k::workers * 2],)) for k in range(workers * 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    return ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))]


def summarize(samples: list[list[Any]], start: float, end: float) -> dict[str, Any]:
    """Throughput, p50/p95/p99/max and errors per endpoint and overall, for samples ending in [start, end)."""
    window = [s for s in samples if start <= s[0] < end]
    seconds = max(end - start, 1e-9)
    out: dict[str, Any] = {"seconds": round(seconds, 1)}
    for name in (*ENDPOINTS, "all"):
        rows = window if name == "all" else [s for s in window if s[1] == name]
        if not rows:
            continue
        ordered = sorted(s[2] for s in rows)
        out[name] = {"requests": len(rows), "rps": round(len(rows) / seconds, 1),
                     "p50_ms": round(percentile(ordered, 0.50), 1), "p95_ms": round(percentile(ordered, 0.95), 1),
                     "p99_ms": round(percentile(ordered, 0.99), 1), "max_ms": round(ordered[-1], 1),
                     "errors": sum(s[3] for s in rows)}
    return out


def markdown(result: dict[str, Any]) -> str:
    """Latency per phase and endpoint, CPU use per phase, and the phase-2 jobs, as tables for docs/benchmarks.md."""
    lines = ["| phase | endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for phase, figures in result["phases"].items():
        for name in (*ENDPOINTS, "all"):
            if name in figures:
                f = figures[name]
                label = f"**{name}**" if name == "all" else name
                lines.append(f"| {phase} ({figures['seconds']} s) | {label} | {f['requests']:,} | {f['rps']} | "
                             f"{f['p50_ms']} | {f['p95_ms']} | {f['p99_ms']} | {f['max_ms']} | {f['errors']} |")
    groups = ("registry_api", "matching_api", "worker", "relays", "nats", "load_generator", "bench_main", "others",
              "machine_busy", "machine_steal")
    lines += ["", "| phase | " + " | ".join(groups) + " |", "| --- |" + " ---: |" * len(groups)]
    for phase, used in result["cpu_cores_used"].items():
        lines.append(f"| {phase} | " + " | ".join(str(used.get(g, "")) for g in groups) + " |")
    imported, ran = result["import"], result["run"]
    timings, counts = ran.get("timings") or {}, ran.get("counts") or {}
    lines += ["", f"import: HTTP {imported.get('status')}, {imported.get('rows')} rows, created "
                  f"{imported.get('created')}, {imported.get('seconds')} s; run: {ran.get('status')}, "
                  f"{ran.get('seconds')} s from POST to succeeded (worker total {timings.get('total_s')} s), "
                  f"matched {counts.get('matched')} of {counts.get('mentees_in_scope')}"]
    for service, held in result.get("sqlite_write_lock_held", {}).items():
        lines.append(f"{service}.db write lock held (share of 20 ms probes): "
                     + ", ".join(f"{phase} {share:.0%}" for phase, share in held.items() if share is not None))
    return "\n".join(lines)


def in_thread(target: Callable[[], dict[str, Any]]) -> tuple[threading.Thread, dict[str, Any]]:
    """Start `target` in a thread; its answer lands in the returned dict (`error` if it raised)."""
    box: dict[str, Any] = {}

    def body() -> None:
        try:
            box.update(target())
        except Exception as exc:  # noqa: BLE001 - reported in the result, the benchmark then fails
            box["error"] = repr(exc)
        box["ended"] = time.time()

    thread = threading.Thread(target=body, daemon=True)
    box["began"] = time.time()
    thread.start()
    return thread, box


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Set up, measure both phases, stop everything; the result document."""
    load_before = os.getloadavg()
    setup: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp_name:
        tmp = Path(tmp_name)
        url, drop = create_postgres_database(args.database_url) if args.database_url else (None, None)
        procs = Processes(tmp / "logs")
        nats = NatsServer(workdir=tmp / "nats")
        try:
            nats.start()
            env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "WEB_CONCURRENCY")}
            ports = {"registry": free_port(), "matching": free_port()}
            env.update({"VAR_DIR": str(tmp / "var"), "NATS_URL": nats.url, "LOG_LEVEL": "WARNING",
                        "REGION_ID": REGION, "REGISTRY_URL": f"http://127.0.0.1:{ports['registry']}",
                        "MATCHING_URL": f"http://127.0.0.1:{ports['matching']}", "PYTHONPATH": str(ROOT),
                        # the read model is filled directly, not from the registry's events (no read-model or
                        # checkpoints consumer runs here): runs start without waiting for the registry's checkpoint
                        "RUN_REGISTRY_WAIT_S": "0"})
            if url:
                env["DATABASE_URL"] = url
            settings = Settings(var_dir=tmp / "var", database_url=url, region_id=REGION)
            (tmp / "var").mkdir()
            engines = {s: make_engine(settings.model_copy(update={"service": s}).resolved_database_url())
                       for s in ("registry", "matching")}
            create_tables(engines["registry"], registry_metadata)
            create_tables(engines["matching"], matching_metadata)

            t = time.perf_counter()
            fill_read_model(engines["matching"], generate(args.mentees, seed=1))
            with engines["matching"].connect() as connection:
                all_mentees = list(connection.execute(select(MenteeView.id)).scalars())
            mentee_ids = random.Random(7).sample(all_mentees, min(5000, len(all_mentees)))
            setup["fill_matching_read_model_s"] = round(time.perf_counter() - t, 1)
            t = time.perf_counter()
            files = {"mentors": people_file("mentors", args.registry_mentors),
                     "mentees": people_file("mentees", args.registry_mentees, seed=2),
                     "import": people_file("mentors", args.import_rows, offset=args.registry_mentors, seed=3)}
            setup["generate_files_s"] = round(time.perf_counter() - t, 1)

            t = time.perf_counter()
            bases = {s: start_api(procs, s, env, ports[s], args.api_workers) for s in ("registry", "matching")}
            python = [sys.executable, "-m", "ops.cli"]
            for service in ("registry", "matching"):
                procs.start(f"{service}-relay", [*python, "relay", service], {**env, "SERVICE": service})
            procs.start("worker", [*python, "worker"], {**env, "SERVICE": "matching"})
            setup["start_processes_s"] = round(time.perf_counter() - t, 1)

            admin = issue_token(settings, "admin", subject="bench-load")
            operator = issue_token(settings, "region_operator", f"region:{REGION}", subject="bench-load-operator",
                                   ttl_s=7200)
            fills = [post_import(bases["registry"], admin, kind, files[kind]) for kind in ("mentors", "mentees")]
            assert all(f["status"] == 200 for f in fills), fills
            setup["registry_imports_s"] = round(sum(f["seconds"] for f in fills), 1)
            earlier = [run_and_wait(bases["matching"], operator, f"municipality:mun-{k}", True) for k in range(3)]
            assert all(r["status"] == "succeeded" for r in earlier), earlier
            setup["earlier_dry_runs_s"] = round(sum(r["seconds"] for r in earlier), 1)
            setup["registry_outbox_drain_s"] = round(wait_outbox_sent(engines["registry"]), 1)
            setup["warm_up_s"] = round(warm_up(bases["registry"], bases["matching"], operator, mentee_ids,
                                               args.api_workers), 1)

            config = {"registry": bases["registry"], "matching": bases["matching"], "token": operator,
                      "mentee_ids": mentee_ids, "rps": args.rps, "users": args.users,
                      "max_seconds": args.seconds + args.phase2_timeout + 60, "ready_file": str(tmp / "ready"),
                      "stop_file": str(tmp / "stop"), "out": str(tmp / "samples.json")}
            (tmp / "load.json").write_text(json.dumps(config))
            probes = {} if url else {s: LockProbe(tmp / "var" / f"{s}.db") for s in ("registry", "matching")}
            for probe in probes.values():
                probe.thread.start()
            generator = procs.start("locust", [sys.executable, "-m", "tests.bench.locustfile", str(tmp / "load.json")],
                                    env)
            groups = {"registry_api": [procs.pid("registry")], "matching_api": [procs.pid("matching")],
                      "relays": [procs.pid("registry-relay"), procs.pid("matching-relay")],
                      "worker": [procs.pid("worker")], "nats": [nats.process.pid], "load_generator": [generator.pid]}
            deadline = time.monotonic() + 60
            while not (tmp / "ready").exists():
                if generator.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"load generator did not start: {procs.log_tail('locust')}")
                time.sleep(0.05)
            t0 = float((tmp / "ready").read_text())
            cpu0 = cpu_seconds(groups)
            time.sleep(max(0.0, t0 + args.seconds - time.time()))
            t1, cpu1 = time.time(), cpu_seconds(groups)

            importing, imported = in_thread(lambda: post_import(bases["registry"], admin, "mentors", files["import"]))
            matching_run, ran = in_thread(lambda: run_and_wait(bases["matching"], operator, f"region:{REGION}", False,
                                                               args.phase2_timeout))
            importing.join(args.phase2_timeout)
            matching_run.join(max(1.0, args.phase2_timeout - (time.time() - t1)))
            t2, cpu2 = time.time(), cpu_seconds(groups)
            (tmp / "stop").write_text("stop")
            generator.wait(60)
            for probe in probes.values():
                probe.stop.set()
                probe.thread.join(5)
            recorded = json.loads((tmp / "samples.json").read_text())
            with engines["matching"].connect() as connection:
                mentors_in_read_model = connection.scalar(select(func.count()).select_from(
                    matching_metadata.tables["matching_mentor"]))
            for engine in engines.values():
                engine.dispose()
        finally:
            procs.stop()
            nats.stop()
            if drop:
                drop()
    samples = recorded["samples"]
    phases = {"steady": summarize(samples, t0, t1), "import + run": summarize(samples, t1, t2)}
    if "ended" in imported:
        phases["during import"] = summarize(samples, imported["began"], imported["ended"])
    lock_held = {name: {phase: probe.held(start, end) for phase, (start, end) in
                        (("steady", (t0, t1)), ("import + run", (t1, t2)))} for name, probe in probes.items()}
    steady = phases["steady"]["all"]
    loaded = phases["import + run"].get("all", {})
    targets = {
        "steady_p95_under_50ms": steady["p95_ms"] < 50,
        "steady_rps_at_target": steady["rps"] >= 0.95 * args.rps,
        "no_errors": steady["errors"] == 0 and loaded.get("errors", 1) == 0,
        "import_ok": imported.get("status") == 200 and imported.get("created") == args.import_rows,
        "run_ok": ran.get("status") == "succeeded",
        "phase2_p95_under_50ms": loaded.get("p95_ms", math.inf) < 50,
    }
    return {
        "benchmark": "API under load", "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
                   f"Python {platform.python_version()}",
        "command": "python -m tests.bench.bench_load " + " ".join(sys.argv[1:]),
        "database": "postgresql" if args.database_url else "sqlite (embedded default)",
        "config": {"rps_target": args.rps, "users": args.users, "seconds": args.seconds,
                   "api_workers_per_service": args.api_workers, "mix": {"suggestions": 50, "mentors": 15,
                                                                       "mentees": 15, "pairs": 12, "runs": 8}},
        "data": {"matching_read_model": {"region": REGION, "mentees": args.mentees,
                                         "mentors": mentors_in_read_model},
                 "registry": {"mentors": args.registry_mentors, "mentees": args.registry_mentees,
                              "mentors_after_import": args.registry_mentors + (imported.get("created") or 0)}},
        "setup": setup, "phases": phases, "targets": targets,
        "import": {k: v for k, v in imported.items() if k not in ("began", "ended")},
        "run": {k: v for k, v in ran.items() if k not in ("began", "ended")},
        "cpu_cores_used": {"steady": cores_used(cpu0, cpu1, t1 - t0), "import + run": cores_used(cpu1, cpu2, t2 - t1)},
        "sqlite_write_lock_held": lock_held, "load_generator_cpu_s": recorded["cpu_s"], "errors": recorded["errors"],
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the steady phase")
    parser.add_argument("--rps", type=float, default=200.0, help="target requests per second")
    parser.add_argument("--users", type=int, default=40, help="locust users (each at rps/users requests/s)")
    parser.add_argument("--api-workers", type=int, default=3, help="gunicorn workers per service")
    parser.add_argument("--mentees", type=int, default=100_000, help="mentees of the generated region")
    parser.add_argument("--registry-mentors", type=int, default=20_000)
    parser.add_argument("--registry-mentees", type=int, default=20_000)
    parser.add_argument("--import-rows", type=int, default=10_000, help="rows of the file imported in phase 2")
    parser.add_argument("--phase2-timeout", type=float, default=600.0, help="upper bound of phase 2, seconds")
    parser.add_argument("--database-url", help="PostgreSQL server URL (a fresh database is created and dropped)")
    parser.add_argument("--out", default="var/bench/load.json")
    args = parser.parse_args()
    result = run(args)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(json.dumps({k: v for k, v in result.items() if k != "phases"}, ensure_ascii=False, indent=2))
    print(markdown(result))


if __name__ == "__main__":
    main()
