"""Benchmark: the console's pages with 20,000 mentors in the bank, on the embedded stack (SQLite).

python -m tests.bench.bench_console [--mentors 20000] [--requests 100] [--out var/bench/console.json]

A region operator signs in through the sign-in form (CSRF and all) and each page is fetched in turn, as a
browser would, over HTTP; the figures are whole requests to the console, which calls the services' APIs.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from shared.auth import issue_token
from shared.config import Settings
from tests.bench.bench_import import mentor_file
from tests.servers import Stack

PASSWORD = "Замер-консоли-2026"
TARGETS_MS = {"list": 150.0, "home": 300.0}


def sign_in(console: httpx.Client, email: str) -> None:
    form = console.get("/sign-in").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
    assert token, "no CSRF token on the sign-in form"
    answer = console.post("/sign-in", data={"csrf_token": token.group(1), "email": email, "password": PASSWORD})
    assert answer.status_code in (302, 303), answer.status_code


def caught_up(stack: Stack, headers: dict[str, str], region: str, mentors: int, timeout_s: float = 600) -> float:
    """Wait until the matching read model and the reports projection hold every mentor (the events of the
    import applied): pages are measured in the steady state, not while 20k events are being projected."""
    started = time.perf_counter()
    matching = httpx.Client(base_url=stack.url("matching"), headers=headers, timeout=60)
    reports = httpx.Client(base_url=stack.url("reports"), headers=headers, timeout=60)
    while time.perf_counter() - started < timeout_s:
        in_matching = matching.get("/api/v1/status").json().get("mentors", 0)
        body = reports.get("/api/v1/indicators", params={"scope": f"region:{region}"}).json()
        load = next((i for i in body.get("indicators", []) if i["code"] == "mentor_load"), {})
        if in_matching >= mentors and (load.get("denominator") or 0) >= mentors:
            return round(time.perf_counter() - started, 1)
        time.sleep(1)
    raise TimeoutError("the read model and the projection did not catch up with the import")


def timed(console: httpx.Client, path: str, requests: int) -> dict[str, float]:
    console.get(path).raise_for_status()  # warm-up: caches and connections, as a user's second visit
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        console.get(path).raise_for_status()
        samples.append((time.perf_counter() - started) * 1000)
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered), 1), "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
            "max_ms": round(ordered[-1], 1)}


def run(mentors: int, requests: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(workdir=Path(tmp)).start()
        try:
            stack.wait_ready()
            admin = {"Authorization": f"Bearer {issue_token(Settings(), 'admin')}"}
            registry = httpx.Client(base_url=stack.url("registry"), headers=admin, timeout=600)
            registry.post("/api/v1/imports", params={"kind": "mentors", "on_error": "skip"},
                          files={"file": ("bank.xlsx", mentor_file(mentors))}).raise_for_status()
            region = registry.get("/api/v1/organizations", params={"limit": 1}).json()["items"][0]["region_id"]
            active = registry.get("/api/v1/summary", params={"scope": f"region:{region}"}).json()["mentors"]
            catch_up_s = caught_up(stack, admin, region, active)
            subprocess.run([sys.executable, "-m", "ops.cli", "user", "add", "--email", "operator@bench.test",
                            "--role", "region_operator", "--scope", f"region:{region}", "--name", "Замер Операторов",
                            "--password", PASSWORD], env=stack.env, check=True, capture_output=True, timeout=120)
            console = httpx.Client(base_url=stack.url("console"), timeout=60, follow_redirects=False)
            sign_in(console, "operator@bench.test")
            second = re.search(r'href="(\?[^"]*cursor=[^"]+)"', console.get("/bank/").text)
            pages = {"/bank/": "list", "/bank/?q=Наставник1": "list", "/mentees/": "list", "/users/": "list",
                     "/": "home"}
            if second:
                pages["/bank/" + second.group(1).replace("&amp;", "&")] = "list"
            figures = {path: {"kind": kind, **timed(console, path, requests)} for path, kind in pages.items()}
        finally:
            stack.stop()
    for figure in figures.values():
        figure["target_ms"] = TARGETS_MS[figure["kind"]]
        figure["met"] = figure["p95_ms"] < figure["target_ms"]
    return {"mentors": mentors, "events_caught_up_s": catch_up_s, "requests_per_page": requests, "pages": figures}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mentors", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--out", default="var/bench/console.json")
    args = parser.parse_args()
    result = {"benchmark": "console pages (p95 per page, one signed-in region operator)",
              "date": datetime.now(UTC).isoformat(timespec="seconds"),
              "machine": f"{platform.node()} {platform.machine()}, 2 cores",
              "command": f"python -m tests.bench.bench_console --mentors {args.mentors} --requests {args.requests}",
              "result": run(args.mentors, args.requests)}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
