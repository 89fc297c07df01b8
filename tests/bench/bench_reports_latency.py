"""Benchmark: from a registry write (event into the outbox) to the indicator that shows it, on the embedded stack.

python -m tests.bench.bench_reports_latency [--changes 100] [--out var/bench/reports_latency.json]

Each change raises an organization's teachers headcount by one; the time is measured until the coverage
denominator of that organization's indicators includes it (relay → JetStream → reports consumer → API).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from shared.auth import issue_token
from shared.config import Settings
from tests.servers import Stack


def denominator(reports: httpx.Client, org_id: str) -> int | None:
    body = reports.get("/api/v1/indicators", params={"scope": f"organization:{org_id}"})
    if body.status_code != 200:
        return None
    return next(i["denominator"] for i in body.json()["indicators"] if i["code"] == "coverage")


def run(changes: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(workdir=Path(tmp)).start()
        try:
            stack.wait_ready()
            headers = {"Authorization": f"Bearer {issue_token(Settings(), 'admin')}"}
            registry = httpx.Client(base_url=stack.url("registry"), headers=headers, timeout=30)
            reports = httpx.Client(base_url=stack.url("reports"), headers=headers, timeout=30)
            org = registry.post("/api/v1/organizations", json={"name": "МБОУ СОШ № 1", "municipality": "Район",
                                                               "teachers": 10, "students": 100}).json()
            while denominator(reports, org["id"]) != 110:
                time.sleep(0.05)
            latencies = []
            for k in range(changes):
                expected = 110 + k + 1
                started = time.perf_counter()
                registry.patch(f"/api/v1/organizations/{org['id']}", json={"teachers": 10 + k + 1}).raise_for_status()
                while denominator(reports, org["id"]) != expected:
                    time.sleep(0.01)
                latencies.append((time.perf_counter() - started) * 1000)
        finally:
            stack.stop()
    ordered = sorted(latencies)
    return {"changes": changes, "p50_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1), "max_ms": round(ordered[-1], 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--out", default="var/bench/reports_latency.json")
    args = parser.parse_args()
    result = {"benchmark": "event publish to indicator update", "date": datetime.now(UTC).isoformat(timespec="seconds"),
              "machine": f"{platform.node()} {platform.machine()}, 2 cores",
              "command": f"python -m tests.bench.bench_reports_latency --changes {args.changes}",
              "result": run(args.changes)}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
