"""A run requested the moment an import answered covers every mentee of that import (the real stack: the
registry, its relay and checkpoint consumer, NATS, the matching read model and worker)."""

from __future__ import annotations

import time

from ops.demo import demo_files
from tests.integration.console_helpers import admin_client


def test_a_run_started_right_after_an_import_covers_every_imported_mentee(stack):
    region = stack.env.get("REGION_ID", "default")
    created = {}
    with admin_client(stack, "registry") as registry, admin_client(stack, "matching") as matching:
        for kind, content in demo_files().items():
            answer = registry.post("/api/v1/imports", params={"kind": kind, "on_error": "skip"},
                                   files={"file": (f"{kind}.xlsx", content)})
            assert answer.status_code == 200, answer.text
            created[kind] = answer.json()["created"]
        requested = matching.post("/api/v1/runs", json={"scope": f"region:{region}", "dry_run": True})
        assert requested.status_code == 202, requested.text
        deadline, run = time.monotonic() + 120, {}
        phases = set()
        while time.monotonic() < deadline:
            run = matching.get(f"/api/v1/runs/{requested.json()['id']}").json()
            phases.add(run["phase"])
            if run["status"] in ("succeeded", "failed"):
                break
            time.sleep(0.1)
    assert run["status"] == "succeeded", run
    assert created["mentees"] > 0 and run["counts"]["mentees_in_scope"] == created["mentees"]
    assert run["registry_position"] is not None and run["registry_position"] > created["mentees"]
