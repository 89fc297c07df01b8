"""CPU per request of each endpoint of the `bench_load` mix, measured in-process (less noisy than latency under load).

python -m tests.bench.profile_api [--requests 300] [--data var/bench/profile-data] [--profile DIR]

The data is `bench_load`'s: the matching read model of one generated region (`--mentees` mentees, half as many
mentors), the registry with `--registry-mentors` mentors and `--registry-mentees` mentees imported through its
API, and three earlier dry runs. It is built once into `--data` (SQLite files) and reused by later calls, so a
before/after comparison reads the same rows. Each endpoint is asked `--requests` times through the Flask test
client with a region operator's token (suggestions for random mentees, lists paged by cursor up to five pages
as the load generator does), after a warm-up; the process CPU time of each request is recorded. `--profile DIR`
also writes a cProfile of each endpoint (`DIR/<endpoint>.prof` and the top functions as text).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import select

from services.matching.adapters.tables import MenteeView
from shared.auth import issue_token
from shared.config import Settings
from shared.db import make_engine
from tests.bench.bench_load import REGION, people_file
from tests.bench.bench_worker import fill_read_model
from tests.bench.generate import generate

LISTS = {"mentors": ("registry", "/api/v1/mentors", 50), "mentees": ("registry", "/api/v1/mentees", 50),
         "pairs": ("matching", "/api/v1/pairs", 50), "runs": ("matching", "/api/v1/runs", 20)}
ENDPOINTS = ("suggestions", *LISTS)
MIX = {"suggestions": 50, "mentors": 15, "mentees": 15, "pairs": 12, "runs": 8}
LIST_PAGES = 5
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def settings_for(service: str, data: Path) -> Settings:
    return Settings(service=service, var_dir=data, region_id=REGION, log_level="WARNING", log_json=False)


def apps(data: Path) -> dict[str, Any]:
    """Test clients of the registry and matching apps over the SQLite files in `data`."""
    from services.matching.app import create_app as matching_app
    from services.registry.app import create_app as registry_app

    return {"registry": registry_app(settings_for("registry", data)).test_client(),
            "matching": matching_app(settings_for("matching", data)).test_client()}


def build_data(data: Path, mentees: int, registry_mentors: int, registry_mentees: int) -> None:
    """Fill `data` as bench_load's setup does (read model, registry imports, three earlier dry runs)."""
    from services.matching.use_cases.run_claim import claim
    from services.matching.use_cases.run_execution import execute

    data.mkdir(parents=True, exist_ok=True)
    clients = apps(data)
    matching_settings = settings_for("matching", data)
    engine = make_engine(matching_settings.resolved_database_url())
    fill_read_model(engine, generate(mentees, seed=1))
    admin = {"Authorization": f"Bearer {issue_token(settings_for('registry', data), 'admin', subject='bench')}"}
    for kind, rows, seed in (("mentors", registry_mentors, 1), ("mentees", registry_mentees, 2)):
        content = people_file(kind, rows, seed=seed)
        response = clients["registry"].post(f"/api/v1/imports?kind={kind}", headers=admin,
                                            data={"file": (io.BytesIO(content), f"{kind}.xlsx", XLSX)})
        assert response.status_code == 200, response.get_json()
    operator = operator_header(data)
    for k in range(3):
        response = clients["matching"].post("/api/v1/runs", headers=operator,
                                            json={"scope": f"municipality:mun-{k}", "dry_run": True})
        assert response.status_code == 202, response.get_json()
        execute(engine, matching_settings, claim(engine, response.get_json()["id"]))
    engine.dispose()
    (data / "ready").write_text("ok")


def operator_header(data: Path) -> dict[str, str]:
    token = issue_token(settings_for("matching", data), "region_operator", f"region:{REGION}",
                        subject="bench-load-operator", ttl_s=7200)
    return {"Authorization": f"Bearer {token}"}


class Caller:
    """Requests of one endpoint as the load generator makes them (lists paged by cursor, up to five pages)."""

    def __init__(self, clients: dict[str, Any], headers: dict[str, str], mentee_ids: list[str]) -> None:
        self.clients, self.headers, self.mentee_ids = clients, headers, mentee_ids
        self.rng = random.Random(11)
        self.cursors: dict[str, str | None] = {}
        self.pages: dict[str, int] = {}

    def __call__(self, name: str) -> Any:
        """One request of the endpoint; its response (`after` reads the next cursor from it)."""
        if name == "suggestions":
            mentee = self.rng.choice(self.mentee_ids)
            return self.clients["matching"].get(f"/api/v1/mentees/{mentee}/suggestions?limit=5", headers=self.headers)
        service, path, limit = LISTS[name]
        cursor = self.cursors.get(name)
        url = f"{path}?limit={limit}" + (f"&cursor={quote(cursor)}" if cursor else "")
        return self.clients[service].get(url, headers=self.headers)

    def after(self, name: str, response: Any) -> None:
        """Check the answer and keep the list's next cursor (outside the measured time: the client's work)."""
        assert response.status_code == 200, response.get_json()
        if name in LISTS:
            following = response.get_json().get("next_cursor")
            pages = self.pages.get(name, 0) + 1
            keep = bool(following) and pages < LIST_PAGES
            self.cursors[name], self.pages[name] = (following, pages) if keep else (None, 0)


def measure(call: Caller, name: str, requests: int, profile_dir: Path | None) -> dict[str, float]:
    """CPU and wall milliseconds per request of one endpoint (median, mean, p95)."""
    for _ in range(20):
        call.after(name, call(name))
    cpu: list[float] = []
    wall: list[float] = []
    profiler = cProfile.Profile() if profile_dir else None
    for _ in range(requests):
        c0, w0 = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        response = call(name)
        if profiler:
            profiler.disable()
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
        call.after(name, response)
    if profiler and profile_dir:
        profile_dir.mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(profile_dir / f"{name}.prof")
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(60)
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(40)
        (profile_dir / f"{name}.txt").write_text(text.getvalue())
    cpu.sort()
    return {"cpu_ms_median": round(statistics.median(cpu), 2), "cpu_ms_mean": round(statistics.fmean(cpu), 2),
            "cpu_ms_p95": round(cpu[int(0.95 * (len(cpu) - 1))], 2),
            "wall_ms_median": round(statistics.median(wall), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="measured requests per endpoint")
    parser.add_argument("--data", default="var/bench/profile-data", help="where the SQLite files are kept")
    parser.add_argument("--mentees", type=int, default=100_000)
    parser.add_argument("--registry-mentors", type=int, default=20_000)
    parser.add_argument("--registry-mentees", type=int, default=20_000)
    parser.add_argument("--endpoints", default=",".join(ENDPOINTS))
    parser.add_argument("--profile", help="directory for a cProfile of each endpoint")
    args = parser.parse_args()
    data = Path(args.data).resolve()
    if not (data / "ready").exists():
        started = time.perf_counter()
        build_data(data, args.mentees, args.registry_mentors, args.registry_mentees)
        print(f"data built in {time.perf_counter() - started:.1f} s")
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    clients = apps(data)
    engine = make_engine(settings_for("matching", data).resolved_database_url())
    with engine.connect() as connection:
        all_mentees = list(connection.execute(select(MenteeView.id)).scalars())
    engine.dispose()
    mentee_ids = random.Random(7).sample(all_mentees, min(5000, len(all_mentees)))
    call = Caller(clients, operator_header(data), mentee_ids)
    results = {name: measure(call, name, args.requests, Path(args.profile) if args.profile else None)
               for name in args.endpoints.split(",")}
    if set(results) == set(ENDPOINTS):
        mixed = sum(MIX[n] * results[n]["cpu_ms_mean"] for n in ENDPOINTS) / 100
        results["mix (weighted mean)"] = {"cpu_ms_mean": round(mixed, 2)}
    print(json.dumps(results, indent=1))
    print("| endpoint | CPU ms median | CPU ms mean | CPU ms p95 |\n| --- | ---: | ---: | ---: |")
    for name, r in results.items():
        print(f"| {name} | {r.get('cpu_ms_median', '')} | {r['cpu_ms_mean']} | {r.get('cpu_ms_p95', '')} |")


if __name__ == "__main__":
    main()
