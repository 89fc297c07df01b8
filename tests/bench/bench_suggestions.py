"""Benchmark: suggestion latency with a large read model (default 200k mentors), through the HTTP app.

python -m tests.bench.bench_suggestions [--mentors 200000] [--requests 300] [--out var/bench/suggestions.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from services.matching.adapters.tables import MenteeView
from services.matching.app import create_app
from shared.auth import issue_token
from shared.config import Settings
from tests.bench.bench_worker import fill_read_model
from tests.bench.generate import generate


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(mentors: int, requests: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(service="matching", var_dir=Path(tmp), log_level="CRITICAL")
        app = create_app(settings)
        engine = app.extensions["mentoring"].engine
        fill_read_model(engine, generate(mentors * 2, seed=3, mentors_per_mentee=0.5))
        from sqlmodel import Session, select

        with Session(engine) as session:
            mentee_ids = list(session.exec(select(MenteeView.id).limit(5000)).all())
        client = app.test_client()
        headers = {"Authorization": f"Bearer {issue_token(settings, 'admin')}"}
        rng = random.Random(5)
        started = time.perf_counter()
        first = client.get(f"/api/v1/mentees/{mentee_ids[0]}/suggestions?limit=5", headers=headers)
        warm_s = time.perf_counter() - started
        assert first.status_code == 200, first.json
        latencies = []
        for _ in range(requests):
            mentee = rng.choice(mentee_ids)
            t = time.perf_counter()
            response = client.get(f"/api/v1/mentees/{mentee}/suggestions?limit=5", headers=headers)
            latencies.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200
    return {"mentors": mentors, "requests": requests, "cache_build_s": round(warm_s, 2),
            "p50_ms": round(statistics.median(latencies), 1), "p95_ms": round(percentile(latencies, 0.95), 1),
            "p99_ms": round(percentile(latencies, 0.99), 1), "max_ms": round(max(latencies), 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mentors", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--out", default="var/bench/suggestions.json")
    args = parser.parse_args()
    result = {"benchmark": "suggestions latency", "date": datetime.now(UTC).isoformat(timespec="seconds"),
              "machine": f"{platform.node()} {platform.machine()}, 2 cores",
              "command": f"python -m tests.bench.bench_suggestions --mentors {args.mentors} --requests {args.requests}",
              "result": run(args.mentors, args.requests)}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
