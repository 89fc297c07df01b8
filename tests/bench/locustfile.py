"""Load generator of `bench_load`: locust as a library, one process, raw samples written to a file.

python -m tests.bench.locustfile CONFIG.json   (bench_load writes the config and starts this process)

`FastHttpUser`s with a constant-throughput wait time (rps / users per user) ask the matching API for
suggestions and page through the mentors, mentees, pairs and runs lists with a real bearer token. Every
request is recorded as (end time, endpoint, ms, error) so bench_load can cut the run into phases. The
process stops when the stop file appears (or at `max_seconds`) and writes its samples and CPU time.
Also usable in locust's file mode: `BENCH_LOAD_CONFIG=CONFIG.json locust -f tests/bench/locustfile.py`.
"""

from __future__ import annotations

import json
import os
import random
import resource
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import gevent
from locust import FastHttpUser, constant_throughput, task
from locust.env import Environment

CONFIG: dict[str, Any] = {}
if os.environ.get("BENCH_LOAD_CONFIG"):
    CONFIG.update(json.loads(Path(os.environ["BENCH_LOAD_CONFIG"]).read_text()))
LIST_PAGES = 5  # a user reads up to five pages of a list, then starts again from the first


class ApiUser(FastHttpUser):
    """An operator's client: suggestions for random mentees, paged lists of both services."""

    host = CONFIG.get("matching", "http://127.0.0.1")
    wait_time = constant_throughput(CONFIG.get("rps", 200) / CONFIG.get("users", 40))
    network_timeout = 30.0
    connection_timeout = 30.0

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {CONFIG['token']}"}
        self.cursors: dict[str, str | None] = {}
        self.pages: dict[str, int] = {}
        self.rng = random.Random()

    @task(50)
    def suggestions(self) -> None:
        mentee = self.rng.choice(CONFIG["mentee_ids"])
        self.client.get(f"{CONFIG['matching']}/api/v1/mentees/{mentee}/suggestions?limit=5", headers=self.headers,
                        name="suggestions")

    @task(15)
    def mentors(self) -> None:
        self._page("mentors", CONFIG["registry"], "/api/v1/mentors", 50)

    @task(15)
    def mentees(self) -> None:
        self._page("mentees", CONFIG["registry"], "/api/v1/mentees", 50)

    @task(12)
    def pairs(self) -> None:
        self._page("pairs", CONFIG["matching"], "/api/v1/pairs", 50)

    @task(8)
    def runs(self) -> None:
        self._page("runs", CONFIG["matching"], "/api/v1/runs", 20)

    def _page(self, name: str, base: str, path: str, limit: int) -> None:
        """The next page of a list (the first when the last one ended or LIST_PAGES were read)."""
        cursor = self.cursors.get(name)
        url = f"{base}{path}?limit={limit}" + (f"&cursor={quote(cursor)}" if cursor else "")
        with self.client.get(url, headers=self.headers, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {(response.text or '')[:200]}")
                self.cursors[name] = None
                return
            following = response.json().get("next_cursor")
            pages = self.pages.get(name, 0) + 1
            keep = bool(following) and pages < LIST_PAGES
            self.cursors[name], self.pages[name] = (following, pages) if keep else (None, 0)
            response.success()


def main() -> None:
    """Run the users until the stop file appears; write samples, errors and CPU seconds to `out`."""
    CONFIG.update(json.loads(Path(sys.argv[1]).read_text()))
    ApiUser.host = CONFIG["matching"]
    ApiUser.wait_time = constant_throughput(CONFIG["rps"] / CONFIG["users"])
    samples: list[tuple[float, str, float, int]] = []
    errors: dict[str, int] = {}
    env = Environment(user_classes=[ApiUser])

    def record(request_type: str, name: str, response_time: float, response_length: int,
               exception: BaseException | None = None, **kwargs: Any) -> None:
        samples.append((round(time.time(), 4), name, round(response_time, 2), 0 if exception is None else 1))
        if exception is not None:
            key = f"{name}: {exception}"[:300]
            errors[key] = errors.get(key, 0) + 1

    env.events.request.add_listener(record)
    runner = env.create_local_runner()
    started = time.time()
    runner.start(CONFIG["users"], spawn_rate=CONFIG["users"])
    Path(CONFIG["ready_file"]).write_text(str(started))
    stop_file, deadline = Path(CONFIG["stop_file"]), started + CONFIG["max_seconds"]
    while not stop_file.exists() and time.time() < deadline:
        gevent.sleep(0.1)
    stopped = time.time()
    runner.quit()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    Path(CONFIG["out"]).write_text(json.dumps({
        "started": started, "stopped": stopped, "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "samples": samples, "errors": errors}))


if __name__ == "__main__":
    main()
