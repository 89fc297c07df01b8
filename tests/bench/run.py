"""`make bench`: every benchmark, JSON under var/bench/, a summary table on stdout for docs/benchmarks.md.

python -m tests.bench.run [--quick]   (--quick: small sizes only, a smoke run of the harness)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

OUT = Path("var/bench")


def step(module: str, *args: str) -> None:
    command = [sys.executable, "-m", f"tests.bench.{module}", *args]
    print("$", " ".join(command[1:]), flush=True)
    subprocess.run(command, check=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    quick = args.quick
    step("bench_import", "--rows", "1000" if quick else "10000", "--out", str(OUT / "import.json"))
    step("bench_exports", "--sizes", "5000" if quick else "20000,100000", "--out", str(OUT / "exports.json"))
    step("bench_matching", "--sizes", "10000" if quick else "10000,100000,1000000", "--out",
         str(OUT / "matching.json"))
    step("bench_worker", "--sizes", "10000" if quick else "10000,100000,1000000", "--out", str(OUT / "worker.json"))
    step("bench_suggestions", "--mentors", "20000" if quick else "200000", "--out", str(OUT / "suggestions.json"))
    step("bench_reports_latency", "--changes", "20" if quick else "100", "--out", str(OUT / "reports_latency.json"))
    step("bench_scale", "--runs", "2" if quick else "6", "--mentees-per-region", "5000" if quick else "20000",
         "--out", str(OUT / "scale.json"))
    step("bench_console", "--mentors", "2000" if quick else "20000", "--requests", "20" if quick else "100",
         "--out", str(OUT / "console.json"))
    step("bench_national", *(["--quick"] if quick else ["--mentees", "1000000", "--mentors", "500000", "--regions",
                                                         "85"]), "--out", str(OUT / "national.json"))
    step("bench_backup", "--run", *([] if quick else ["--mentors", "10000"]), "--out", str(OUT / "backup.json"))
    small = ["--seconds", "15", "--mentees", "10000", "--registry-mentors", "2000", "--registry-mentees", "2000",
             "--import-rows", "1000"]
    step("bench_load", *(small if quick else ["--seconds", "60"]), "--out", str(OUT / "load.json"))
    for name in ("import", "exports", "worker", "suggestions", "reports_latency", "scale", "national", "console",
                 "load", "backup"):
        document = json.loads((OUT / f"{name}.json").read_text())
        for run in document.get("runs", []) if name == "national" else []:
            run.pop("children")  # 85 regions per run: var/bench/national.json keeps them
        print(json.dumps(document, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
