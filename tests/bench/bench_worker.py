"""Benchmark: one bulk run end to end in the matching worker (read model → solve → proposals + events).

python -m tests.bench.bench_worker [--sizes 10000,100000] [--database-url URL] [--out var/bench/worker.json]

Each size runs in a fresh subprocess (so peak RSS is per size) on a fresh SQLite file unless a database
URL is given. The read model is filled from the synthetic region of tests/bench/generate.py.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, insert

from services.matching.adapters.tables import MenteeView, MentorView, OrganizationView, Pair, Run, metadata
from services.matching.domain.problem import MatchingProblem
from services.matching.domain.vocabulary import CATEGORIES, FORMATS, STAGES
from services.matching.use_cases.run_claim import claim
from services.matching.use_cases.run_execution import execute
from shared.config import Settings
from shared.db import create_tables, make_engine
from shared.dictionary_data import DICTIONARIES
from shared.events import utcnow
from tests.bench.generate import GeneratedRegion, generate

SUBJECT_IDS = [e[0] for e in DICTIONARIES["subjects"]]
DIRECTION_IDS = [e[0] for e in DICTIONARIES["directions"]]


def _decode(masks: np.ndarray, names: list[str]) -> list[list[str]]:
    """The code lists of bitmasks, each distinct mask decoded once (rows share the lists)."""
    distinct, inverse = np.unique(masks, return_inverse=True)
    lists = [[name for bit, name in enumerate(names) if int(mask) >> bit & 1] for mask in distinct.tolist()]
    return [lists[k] for k in inverse.ravel().tolist()]


def _rows(columns: dict[str, Any], count: int, constants: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    """Insert parameters 20k rows at a time, from per-row column lists plus constants (bounded memory)."""
    for start in range(0, count, 20_000):
        stop = min(count, start + 20_000)
        chunk = {key: values[start:stop] for key, values in columns.items()}
        yield [{**constants, **dict(zip(chunk, values, strict=True))} for values in zip(*chunk.values(), strict=True)]


def fill_read_model(engine: Engine, problem: MatchingProblem, region: str = "region-bench",
                    region_name: str = "Регион") -> str:
    """Rows of the matching read model for one generated region (bulk core inserts); returns the region id.

    Schools and municipalities are named after the problem's codes (`org-<code>`, `mun-<code>`), so regions of
    `generate_national` (codes unique across regions) share one read model; mentor and mentee ids are UUIDs."""
    p = problem
    now = utcnow()
    subjects = [SUBJECT_IDS[k] for k in range(len(p.subjects.names))]
    directions = [DIRECTION_IDS[k] for k in range(len(p.directions.names))]
    org_code = np.concatenate([p.mentor_org, p.mentee_org])
    orgs, first = np.unique(org_code, return_index=True)
    muni_of = np.concatenate([p.mentor_municipality, p.mentee_municipality])[first]
    org_rows = [{"id": f"org-{o}", "version": 1, "name": f"Школа {o}", "kind": "school",
                 "municipality_id": f"mun-{m}", "municipality_name": f"{region_name}, район {m}",
                 "region_id": region, "status": "active"} for o, m in zip(orgs.tolist(), muni_of.tolist(), strict=True)]
    mentor_ids = [str(uuid.uuid4()) for _ in range(p.n_mentors)]
    mentee_ids = [str(uuid.uuid4()) for _ in range(p.n_mentees)]
    place = {"version": 1, "status": "active", "region_id": region}
    mentors = {
        "id": mentor_ids, "municipality_id": [f"mun-{m}" for m in p.mentor_municipality.tolist()],
        "organization_id": [f"org-{o}" for o in p.mentor_org.tolist()],
        "full_name": [f"Наставник {j}" for j in p.mentor_id.tolist()], "subjects": _decode(p.mentor_subjects, subjects),
        "stages": _decode(p.mentor_stages, list(STAGES.names)), "directions": _decode(p.mentor_directions, directions),
        "qualification_category": [CATEGORIES.names[c] for c in p.mentor_category.tolist()],
        "experience_years": p.mentor_experience.tolist(), "trained": p.mentor_trained.tolist(),
        "formats": _decode(p.mentor_formats, list(FORMATS.names)), "capacity": p.mentor_free.tolist()}
    prefs: list[list[str]] = [[] for _ in range(p.n_mentees)]
    for i, j in zip(p.preference_mentee.tolist(), p.preference_mentor.tolist(), strict=True):
        if len(prefs[i]) < 3:
            prefs[i].append(mentor_ids[j])
    mentees = {
        "id": mentee_ids, "municipality_id": [f"mun-{m}" for m in p.mentee_municipality.tolist()],
        "organization_id": [f"org-{o}" for o in p.mentee_org.tolist()],
        "full_name": [f"Наставляемый {i}" for i in p.mentee_id.tolist()],
        "subject": [subjects[k] if k >= 0 else None for k in p.mentee_subject.tolist()],
        "stage": [STAGES.names[k] for k in p.mentee_stage.tolist()],
        "category": np.where(p.mentee_young, "young_specialist", "new_employee").tolist(),
        "directions": _decode(p.mentee_directions, directions),
        "formats": _decode(p.mentee_formats, list(FORMATS.names)), "preferred_mentor_ids": prefs}
    declined = {"id": [str(uuid.uuid4()) for _ in p.declined_mentee.tolist()],
                "mentor_id": [mentor_ids[j] for j in p.declined_mentor.tolist()],
                "mentee_id": [mentee_ids[i] for i in p.declined_mentee.tolist()]}
    declined_constants = {"version": 2, "state": "declined", "form": "traditional", "role_model": "teacher_teacher",
                          "cost": 0, "region_id": region, "municipality_id": "m", "organization_id": "o",
                          "mentor_organization_id": "o", "mentee_category": "young_specialist", "proposed_at": now,
                          "updated_at": now}
    with engine.begin() as connection:
        connection.execute(insert(OrganizationView.__table__), org_rows)
        for table, columns, count, constants in (
                (MentorView, mentors, p.n_mentors, {**place, "seq": 0, "mentee_categories": []}),
                (MenteeView, mentees, p.n_mentees, {**place, "experience_years": 1, "is_student": False,
                                                    "registered_at": now}),
                (Pair, declined, len(declined["id"]), declined_constants)):
            for rows in _rows(columns, count, constants):
                connection.execute(insert(table.__table__), rows)
    return region


def fill_regions(engine: Engine, regions: Iterable[GeneratedRegion]) -> list[str]:
    """The read model of many generated regions (`generate_national`), each under its own id and name."""
    return [fill_read_model(engine, region.problem, region.id, region.name) for region in regions]


def run_size(n_mentees: int, database_url: str | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(service="matching", var_dir=Path(tmp), database_url=database_url, log_level="WARNING")
        engine = make_engine(settings.resolved_database_url())
        metadata.drop_all(engine) if database_url else None
        create_tables(engine, metadata)
        problem = generate(n_mentees, seed=1)
        region = fill_read_model(engine, problem)
        with engine.begin() as connection:
            run_id = str(uuid.uuid4())
            connection.execute(insert(Run.__table__), [{
                "id": run_id, "scope": f"region:{region}", "scope_kind": "region", "scope_id": region,
                "dry_run": False, "options": "{}", "status": "queued", "progress": 0.0, "attempts": 0,
                "requested_by": "bench", "requested_at": utcnow()}])
        started = time.perf_counter()
        run = claim(engine, run_id)
        result = execute(engine, settings, run)
        seconds = time.perf_counter() - started
        engine.dispose()
    return {"mentees": n_mentees, "mentors": problem.n_mentors, "end_to_end_s": round(seconds, 3),
            **result["timings"], **result["graph"], "matched": result["counts"]["matched"],
            "unmatched": result["counts"]["unmatched"], "total_cost": result["total_cost"],
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--database-url")
    parser.add_argument("--out", default="var/bench/worker.json")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_size(args.one, args.database_url)))
        return
    results = []
    for size in [int(s) for s in args.sizes.split(",")]:
        command = [sys.executable, "-m", "tests.bench.bench_worker", "--one", str(size)]
        if args.database_url:
            command += ["--database-url", args.database_url]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
        results.append(json.loads(output))
        print(json.dumps(results[-1], ensure_ascii=False))
    document = {"benchmark": "matching worker end to end", "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": f"{platform.node()} {platform.machine()}, 2 cores",
                "command": f"python -m tests.bench.bench_worker --sizes {args.sizes}"
                           + (f" --database-url {args.database_url}" if args.database_url else ""),
                "results": results}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(document, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
