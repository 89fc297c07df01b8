"""Benchmark: downloading the bank of mentors (`GET /api/v1/exports/mentors.xlsx`) of 20,000 and 100,000 mentors
through the registry's Flask app (SQLite, embedded default), with the time and the memory of the request.

python -m tests.bench.bench_exports [--sizes 20000,100000] [--tracemalloc] [--out var/bench/exports.json]

Targets (issue #15): 20k under 5 s, 100k under 30 s, memory flat (the request's peak does not grow with the rows).
Each size runs in a fresh database. `seconds` is the request's wall time; `cpu_seconds` its CPU time in this process
(on a shared machine the wall time also counts other processes: see `load_average`). `peak_rss_mb` is the process's
resident peak during the timed request (the kernel's high-water mark, reset before it where Linux allows); with
`--tracemalloc`, `tracemalloc_peak_mb` is the Python heap's peak during a second, traced request (several times
slower, so not by default).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from services.registry.adapters.tables import Mentor, Municipality, Organization
from services.registry.app import create_app
from shared.auth import issue_token
from shared.config import Settings
from shared.events import utcnow

SUBJECTS = ["math", "russian", "primary_classes", "english", "history", "physics", "chemistry", "biology"]
DIRECTIONS = ["methodical", "training", "extracurricular", "project", "class_management", "leadership"]
CHUNK = 10_000


def fill(settings: Settings, app: object, mentors: int, seed: int = 1) -> None:
    """Insert 20 districts, 400 organizations and `mentors` mentors in bulk, straight into the tables."""
    rng = random.Random(seed)
    now = utcnow()
    context = app.extensions["mentoring"]  # type: ignore[attr-defined]
    with context.uow() as uow:
        places = [{"id": f"mu{i}", "region_id": settings.region_id, "name": f"Район {i}",
                   "normalized_name": f"район {i}"} for i in range(20)]
        orgs = [{"id": f"org{i}", "region_id": settings.region_id, "municipality_id": f"mu{i % 20}",
                 "name": f"МБОУ СОШ № {i}", "normalized_name": f"мбоу сош №{i}", "kind": "school", "teachers": 50,
                 "young_specialists": 5, "students": 500, "has_curator": True, "curator_trained": False,
                 "status": "active", "version": 1, "created_at": now, "updated_at": now, "updated_by": "bench"}
                for i in range(400)]
        uow.session.execute(insert(Municipality.__table__), places)
        uow.session.execute(insert(Organization.__table__), orgs)
        for start in range(0, mentors, CHUNK):
            uow.session.execute(insert(Mentor.__table__), [_mentor(i, settings.region_id, rng, now)
                                                            for i in range(start, min(start + CHUNK, mentors))])
        uow.commit()


def _mentor(i: int, region: str, rng: random.Random, now: datetime) -> dict[str, object]:
    org = i % 400
    return {"id": f"m{i:07d}", "region_id": region, "municipality_id": f"mu{org % 20}", "organization_id": f"org{org}",
            "full_name": f"Наставникова{i} Анна Петровна", "normalized_name": f"наставникова{i} анна петровна",
            "subjects": [rng.choice(SUBJECTS)], "stages": ["basic", "secondary"],
            "directions": rng.sample(DIRECTIONS, 2), "mentee_categories": ["young_specialist", "low_experience"],
            "mentee_experience_min": 0, "mentee_experience_max": 3, "mentee_qualification": None,
            "qualification_category": rng.choice(["none", "first", "highest"]), "experience_years": rng.randint(3, 40),
            "honours": "Почётный работник общего образования" if i % 7 == 0 else None, "formats": ["in_person"],
            "capacity": rng.randint(1, 3), "trained": i % 3 == 0, "trained_on": None,
            "email": f"mentor{i}@example.ru", "page_url": None, "consent_processing": True,
            "consent_publication": i % 2 == 0, "status": "active", "version": 1, "created_at": now,
            "updated_at": now, "created_by": "bench", "updated_by": "bench"}


def _reset_peak() -> bool:
    """Reset the kernel's resident high-water mark of this process (Linux `clear_refs` 5); False where refused."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run(mentors: int, trace: bool) -> dict[str, object]:
    """Fill a fresh database, then time the export once (and trace its memory once more)."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(service="registry", var_dir=Path(tmp), region_id="86", log_level="CRITICAL")
        app = create_app(settings)
        started = time.perf_counter()
        fill(settings, app, mentors)
        fill_seconds = time.perf_counter() - started
        client = app.test_client()
        headers = {"Authorization": f"Bearer {issue_token(settings, 'admin')}"}
        rss_before = _peak_rss_mb()
        reset = _reset_peak()
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get("/api/v1/exports/mentors.xlsx", headers=headers)
        body = response.get_data()
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        assert response.status_code == 200, response.status_code
        peak_rss = _peak_rss_mb()
        figures: dict[str, object] = {
            "mentors": mentors, "fill_seconds": round(fill_seconds, 2), "seconds": round(seconds, 2),
            "cpu_seconds": round(cpu_seconds, 2), "load_average": round(os.getloadavg()[0], 1),
            "file_mb": round(len(body) / 2**20, 2), "rss_before_mb": rss_before, "peak_rss_mb": peak_rss,
            "peak_rss_reset": reset}
        print(json.dumps(figures), file=sys.stderr, flush=True)
        if trace:
            tracemalloc.start()
            client.get("/api/v1/exports/mentors.xlsx", headers=headers).get_data()
            figures["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
            tracemalloc.stop()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="20000,100000")
    parser.add_argument("--tracemalloc", action="store_true", help="trace the Python heap in a second request")
    parser.add_argument("--out", default="var/bench/exports.json")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    result = {"benchmark": "registry bank export (XLSX)", "date": datetime.now(UTC).isoformat(timespec="seconds"),
              "machine": f"{platform.node()} {platform.machine()}", "python": platform.python_version(),
              "command": f"python -m tests.bench.bench_exports --sizes {args.sizes}"
                         + (" --tracemalloc" if args.tracemalloc else ""),
              "targets_s": {"20000": 5, "100000": 30}, "runs": [run(size, args.tracemalloc) for size in sizes]}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
