"""Matching benchmark: aggregated flow vs greedy vs plain bipartite flow on generated regions.

Run: python -m tests.bench.bench_matching [--sizes 10000,100000,1000000] [--out var/bench/matching.json]
Each (size, method) runs in its own subprocess so that peak RSS is per run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import ortools

from services.matching.domain.weights import Weights
from services.matching.solver.baselines import solve_bipartite, solve_greedy
from services.matching.solver.candidates import candidate_bound
from services.matching.solver.flow import solve
from tests.bench.generate import generate

METHODS = {"flow": solve, "greedy": solve_greedy, "bipartite": solve_bipartite}


def run_one(size: int, method: str, seed: int, max_plain_arcs: int) -> dict:
    """Generate one region, solve it with one method, return the figures."""
    problem = generate(size, seed=seed)
    figures = {"size": size, "method": method, "mentees": problem.n_mentees, "mentors": problem.n_mentors}
    if method == "bipartite":
        bound = candidate_bound(problem)
        figures["candidate_arcs_upper_bound"] = bound
        if bound > max_plain_arcs:
            return {**figures, "skipped": f"more than {max_plain_arcs} candidate arcs (upper bound {bound})"}
    started = time.perf_counter()
    solution = METHODS[method](problem, Weights())
    total = time.perf_counter() - started
    return {**figures, "nodes": solution.nodes, "arcs": solution.arcs,
            "build_s": round(solution.build_seconds, 3), "solve_s": round(solution.solve_seconds, 3),
            "total_s": round(total, 3), "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            "matched": solution.matched, "young_matched": solution.young_matched, "cost": solution.total_cost}


def machine() -> dict:
    """Where the figures were measured."""
    free = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.strip()
    return {"nproc": os.cpu_count(), "free_h": free, "python": platform.python_version(),
            "ortools": ortools.__version__, "date": time.strftime("%Y-%m-%d")}


def main(argv: list[str] | None = None) -> None:
    """Run every size and method in a subprocess and write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--methods", default="flow,greedy,bipartite")
    parser.add_argument("--out", default="var/bench/matching.json")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-plain-arcs", type=int, default=50_000_000)
    parser.add_argument("--one", nargs=2, metavar=("SIZE", "METHOD"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(int(args.one[0]), args.one[1], args.seed, args.max_plain_arcs)))
        return
    runs = []
    for size in (int(s) for s in args.sizes.split(",")):
        for method in args.methods.split(","):
            command = [sys.executable, "-m", "tests.bench.bench_matching", "--one", str(size), method,
                       "--seed", str(args.seed), "--max-plain-arcs", str(args.max_plain_arcs)]
            done = subprocess.run(command, capture_output=True, text=True)
            result = (json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0
                      else {"size": size, "method": method, "error": done.stderr.strip()[-500:]})
            print(json.dumps(result), flush=True)
            runs.append(result)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": machine(), "weights": Weights().as_dict(), "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
