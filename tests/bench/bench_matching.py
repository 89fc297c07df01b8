"""Matching benchmark: the exact solve with OR-Tools only against the default ("auto": LEMON's network simplex on
the parts it is faster on, OR-Tools on the rest, large parts in parallel processes), greedy and the plain
bipartite flow, on generated regions, all in the same run.

Run: python -m tests.bench.bench_matching [--sizes 10000,100000,1000000] [--out var/bench/matching.json]
[--expectations]
With `--expectations` the regions also carry the mentee kinds mentors take and the experience and category they
expect (`generate(..., expectations=True)`); the report then goes to var/bench/matching-expectations.json unless
`--out` says otherwise, and records `"expectations": true` at the top and in every run.
Each (size, method) runs in its own subprocess so that peak RSS is per run; the summed RSS of that subprocess's
tree (its solver processes included) is sampled from outside every 0.1 s. OR-Tools and auto alternate
`--repeat` times below 1M mentees (once from 1M) and the fastest of each counts, so a shared machine's load
hits both alike. Per size the JSON gets `ortools_s`, `auto_s`, `ratio` (auto / OR-Tools, whole `solve()`
seconds) and `identical` (matched, young matched and cost of every run); the run fails when they differ or the
exact solve is below greedy.
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
from functools import partial
from pathlib import Path
from typing import Any

import ortools

from services.matching.domain.weights import Weights
from services.matching.solver.baselines import solve_bipartite, solve_greedy
from services.matching.solver.candidates import candidate_bound
from services.matching.solver.flow import solve
from tests.bench.generate import generate

METHODS = ("ortools", "auto", "greedy", "bipartite")
REPEAT_BELOW = 1_000_000  # sizes below this repeat OR-Tools and auto
PAGE = os.sysconf("SC_PAGE_SIZE")


def tree_rss_bytes(root: int) -> int:
    """Summed RSS of root and its descendants, read from /proc (0 where /proc is missing)."""
    parent, rss = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        pid = int(stat.parent.name)
        parent[pid], rss[pid] = int(fields[1]), int(fields[21]) * PAGE
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(child for child, of in parent.items() if of == pid)
    return total


def run_measured(command: list[str], size: int, method: str) -> dict[str, Any]:
    """Run one (size, method) subprocess, sampling the summed RSS of its process tree (solver processes
    included) every 0.1 s from here, so the sampling costs the measured process nothing."""
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as child:
        peak = 0
        while child.poll() is None:
            peak = max(peak, tree_rss_bytes(child.pid))
            time.sleep(0.1)
        stdout, stderr = child.communicate()
    if child.returncode != 0:
        return {"size": size, "method": method, "error": stderr.strip()[-500:]}
    result: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    return {**result, "peak_tree_rss_mib": peak // 2**20} if "total_s" in result else result


def solver_of(method: str, processes: int) -> Any:
    """The solve function a method name stands for."""
    return {"ortools": partial(solve, backend="ortools", processes=1),
            "auto": partial(solve, backend="auto", processes=processes),
            "greedy": solve_greedy, "bipartite": solve_bipartite}[method]


def run_one(size: int, method: str, seed: int, max_plain_arcs: int, processes: int,
            expectations: bool = False) -> dict[str, Any]:
    """Generate one region (with kinds and expectations when asked), solve it with one method, return the
    figures."""
    problem = generate(size, seed=seed, expectations=expectations)
    figures: dict[str, Any] = {"size": size, "method": method, "expectations": expectations,
                               "mentees": problem.n_mentees, "mentors": problem.n_mentors,
                               "load_before": os.getloadavg()[0]}
    if method == "bipartite":
        bound = candidate_bound(problem)
        figures["candidate_arcs_upper_bound"] = bound
        if bound > max_plain_arcs:
            return {**figures, "skipped": f"more than {max_plain_arcs} candidate arcs (upper bound {bound})"}
    started, cpu_started = time.perf_counter(), time.process_time()
    solution = solver_of(method, processes)(problem, Weights())
    total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {**figures, "solver": solution.method, "nodes": solution.nodes, "arcs": solution.arcs,
            "build_s": round(solution.build_seconds, 3), "solve_s": round(solution.solve_seconds, 3),
            "total_s": round(total, 3), "cpu_s": round(cpu, 3),
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            "load_after": os.getloadavg()[0],
            "matched": solution.matched, "young_matched": solution.young_matched, "cost": solution.total_cost}


def compare(size: int, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """OR-Tools only against auto (same run, the fastest of each): seconds, ratio, identical optimum in every
    run, never below greedy."""
    done = [run for run in runs if run["size"] == size and "total_s" in run]
    key = ("matched", "young_matched", "cost")
    by = {method: [run for run in done if run["method"] == method] for method in METHODS}
    if not by["ortools"] or not by["auto"]:
        return {"size": size, "error": "OR-Tools or auto run missing", "identical": False}
    exact, auto = (min(by[method], key=lambda run: run["total_s"]) for method in ("ortools", "auto"))
    summary: dict[str, Any] = {
        "size": size, "ortools_s": exact["total_s"], "auto_s": auto["total_s"],
        "ratio": round(auto["total_s"] / exact["total_s"], 3),
        "solve_ratio": round(auto["solve_s"] / exact["solve_s"], 3) if exact["solve_s"] else None,
        # CPU seconds of the solving process alone: steadier than wall time on a loaded machine, but without
        # the parts solved in other processes
        "cpu_ratio": round(min(r["cpu_s"] for r in by["auto"]) / min(r["cpu_s"] for r in by["ortools"]), 3),
        "ortools_runs_s": [run["total_s"] for run in by["ortools"]],
        "auto_runs_s": [run["total_s"] for run in by["auto"]],
        "identical": len({tuple(run[k] for k in key) for run in by["ortools"] + by["auto"]}) == 1,
        "auto_solver": auto["solver"], "ortools_peak_rss_mib": max(run["peak_rss_mib"] for run in by["ortools"]),
        "auto_peak_rss_mib": max(run["peak_rss_mib"] for run in by["auto"]),
        "auto_peak_tree_rss_mib": max(run["peak_tree_rss_mib"] for run in by["auto"]), **{k: auto[k] for k in key}}
    if by["greedy"]:
        greedy = by["greedy"][0]
        summary["greedy_matched"], summary["greedy_cost"] = greedy["matched"], greedy["cost"]
        summary["never_below_greedy"] = (auto["matched"], auto["young_matched"], -auto["cost"]) >= (
            greedy["matched"], greedy["young_matched"], -greedy["cost"])
    return summary


def machine() -> dict[str, Any]:
    """Where the figures were measured."""
    free = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.strip()
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    return {"nproc": os.cpu_count(), "free_h": free, "uptime": uptime, "python": platform.python_version(),
            "ortools": ortools.__version__, "date": time.strftime("%Y-%m-%d %H:%M")}


def main(argv: list[str] | None = None) -> None:
    """Run every size and method in a subprocess, write the JSON report, then check the acceptance."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--out", help="the JSON report (default var/bench/matching.json, "
                                      "var/bench/matching-expectations.json with --expectations)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--processes", type=int, default=2, help="solver processes of the auto run")
    parser.add_argument("--repeat", type=int, default=3, help="OR-Tools and auto runs per size below 1M")
    parser.add_argument("--max-plain-arcs", type=int, default=50_000_000)
    parser.add_argument("--expectations", action="store_true",
                        help="mentors list the mentee kinds they take and expect an experience and a category")
    parser.add_argument("--one", nargs=2, metavar=("SIZE", "METHOD"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(int(args.one[0]), args.one[1], args.seed, args.max_plain_arcs, args.processes,
                                 args.expectations)))
        return
    started = machine()
    runs, sizes = [], [int(s) for s in args.sizes.split(",")]
    for size in sizes:
        methods = args.methods.split(",")
        paired = [m for m in methods if m in ("ortools", "auto")] * (args.repeat if size < REPEAT_BELOW else 1)
        for method in paired + [m for m in methods if m not in ("ortools", "auto")]:
            command = [sys.executable, "-m", "tests.bench.bench_matching", "--one", str(size), method,
                       "--seed", str(args.seed), "--max-plain-arcs", str(args.max_plain_arcs),
                       "--processes", str(args.processes)] + (["--expectations"] if args.expectations else [])
            result = run_measured(command, size, method)
            print(json.dumps(result), flush=True)
            runs.append(result)
    summaries = [compare(size, runs) for size in sizes]
    for summary in summaries:
        print(json.dumps(summary), flush=True)
    out = Path(args.out or ("var/bench/matching-expectations.json" if args.expectations
                            else "var/bench/matching.json"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": started, "machine_after": machine(), "weights": Weights().as_dict(),
                               "expectations": args.expectations, "sizes": summaries, "runs": runs}, indent=2))
    for summary in summaries:
        assert summary["identical"], f"OR-Tools and auto differ at {summary['size']}: {summary}"
        assert summary.get("never_below_greedy", True), f"below greedy at {summary['size']}: {summary}"


if __name__ == "__main__":
    main()
