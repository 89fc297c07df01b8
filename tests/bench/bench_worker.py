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
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import insert

from services.matching.adapters.tables import MenteeView, MentorView, OrganizationView, Pair, Run, metadata
from services.matching.domain.problem import MatchingProblem
from services.matching.domain.vocabulary import CATEGORIES, FORMATS, STAGES
from services.matching.use_cases.run_claim import claim
from services.matching.use_cases.run_execution import execute
from shared.config import Settings
from shared.db import create_tables, make_engine
from shared.dictionary_data import DICTIONARIES
from shared.events import utcnow
from tests.bench.generate import generate

SUBJECT_IDS = [e[0] for e in DICTIONARIES["subjects"]]
DIRECTION_IDS = [e[0] for e in DICTIONARIES["directions"]]


def _decode(masks: np.ndarray, names: list[str]) -> list[list[str]]:
    out: list[list[str]] = [[] for _ in range(len(masks))]
    for bit, name in enumerate(names):
        for i in np.flatnonzero(masks & (np.uint64(1) << np.uint64(bit))).tolist():
            out[i].append(name)
    return out


def fill_read_model(engine, problem: MatchingProblem) -> str:
    """Rows of the matching read model for a generated region; returns the region id."""
    region = "region-bench"
    p = problem
    now = utcnow()
    subjects = [SUBJECT_IDS[k] for k in range(len(p.subjects.names))]
    directions = [DIRECTION_IDS[k] for k in range(len(p.directions.names))]
    orgs = np.unique(np.concatenate([p.mentor_org, p.mentee_org]))
    muni_of = dict(zip(p.mentor_org.tolist() + p.mentee_org.tolist(),
                       p.mentor_municipality.tolist() + p.mentee_municipality.tolist(), strict=True))
    org_rows = [{"id": f"org-{o}", "version": 1, "name": f"Школа {o}", "kind": "school",
                 "municipality_id": f"mun-{muni_of[o]}", "municipality_name": f"Район {muni_of[o]}",
                 "region_id": region, "status": "active"} for o in orgs.tolist()]
    m_subjects, m_stages = _decode(p.mentor_subjects, subjects), _decode(p.mentor_stages, list(STAGES.names))
    m_dirs, m_formats = _decode(p.mentor_directions, directions), _decode(p.mentor_formats, list(FORMATS.names))
    mentor_ids = [str(uuid.uuid4()) for _ in range(p.n_mentors)]

    def mentor_row(j: int) -> dict:
        return {
            "id": mentor_ids[j], "version": 1, "seq": 0, "status": "active", "region_id": region,
            "municipality_id": f"mun-{p.mentor_municipality[j]}", "organization_id": f"org-{p.mentor_org[j]}",
            "full_name": f"Наставник {j}", "subjects": m_subjects[j], "stages": m_stages[j], "directions": m_dirs[j],
            "mentee_categories": [], "qualification_category": CATEGORIES.names[int(p.mentor_category[j])],
            "experience_years": int(p.mentor_experience[j]), "trained": bool(p.mentor_trained[j]),
            "formats": m_formats[j], "capacity": int(p.mentor_free[j]),
        }

    e_dirs, e_formats = _decode(p.mentee_directions, directions), _decode(p.mentee_formats, list(FORMATS.names))
    prefs: dict[int, list[str]] = {}
    for i, j in zip(p.preference_mentee.tolist(), p.preference_mentor.tolist(), strict=True):
        prefs.setdefault(i, []).append(mentor_ids[j])
    mentee_ids = [str(uuid.uuid4()) for _ in range(p.n_mentees)]

    def mentee_row(i: int) -> dict:
        return {
            "id": mentee_ids[i], "version": 1, "status": "active", "region_id": region,
            "municipality_id": f"mun-{p.mentee_municipality[i]}", "organization_id": f"org-{p.mentee_org[i]}",
            "full_name": f"Наставляемый {i}", "subject": subjects[int(p.mentee_subject[i])] if p.mentee_subject[i] >= 0
            else None, "stage": STAGES.names[int(p.mentee_stage[i])], "experience_years": 1,
            "category": "young_specialist" if p.mentee_young[i] else "new_employee", "is_student": False,
            "directions": e_dirs[i], "formats": e_formats[i], "preferred_mentor_ids": prefs.get(i, [])[:3],
            "registered_at": now,
        }

    declined = [{"id": str(uuid.uuid4()), "version": 2, "state": "declined", "mentor_id": mentor_ids[j],
                 "mentee_id": mentee_ids[i], "form": "traditional", "role_model": "teacher_teacher", "cost": 0,
                 "region_id": region, "municipality_id": "m", "organization_id": "o", "mentor_organization_id": "o",
                 "mentee_category": "young_specialist", "proposed_at": now, "updated_at": now}
                for i, j in zip(p.declined_mentee.tolist(), p.declined_mentor.tolist(), strict=True)]
    with engine.begin() as connection:  # rows are made 20k at a time: the fill's memory stays below the worker's
        for table, count, row in ((OrganizationView, len(org_rows), org_rows.__getitem__),
                                  (MentorView, p.n_mentors, mentor_row), (MenteeView, p.n_mentees, mentee_row),
                                  (Pair, len(declined), declined.__getitem__)):
            for start in range(0, count, 20_000):
                connection.execute(insert(table.__table__), [row(k) for k in range(start, min(count, start + 20_000))])
    return region


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
