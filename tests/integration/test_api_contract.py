"""Every service of the embedded stack keeps its OpenAPI contract under a full schemathesis run.

What an independent check runs, this test runs: the schemathesis 4 CLI (`st run`) against each service's
`/openapi.json` on the running stack (`mentoring up`, gunicorn and all, so a 414 from gunicorn or a 405 without
`Allow` shows as it does in production), with the committed `schemathesis.toml`:
- default phases: examples, coverage, fuzzing and stateful (schemathesis infers the links between operations
  from the documents: a created record's id feeds the operations on `{id}`);
- default checks, none switched off (server errors, status codes, content types, response schemas, negative data
  rejected, positive data accepted, undeclared methods answered 405 with `Allow`, auth, use after free…);
- a fixed seed and no crash cache, so CI repeats the same cases, and 25 examples per operation, so the four
  runs, side by side, take about 55 s (SQLite) to 65 s (PostgreSQL) on two cores, the stack's start included.
The console's JSON endpoints are its health probes; it publishes their contract at its own `/openapi.json`.

Where the configuration widens a check, it says why beside it: a negative request refused before the app sees it
(413, 414) is rejected too; a rule a JSON Schema cannot state (a stored record, one field against another, a role,
a file's layout) may refuse a schema-valid request with a 422. Everything a schema can state (cursor patterns,
weight bounds, enums, lengths) is stated in the documents.

The stack runs on the pass's own database (PostgreSQL on CI's second pass): a constraint surfacing as a 500 is
dialect-specific, so each pass runs this once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from shared.auth import issue_token
from shared.config import load_settings
from tests.servers import REPO_ROOT, Stack

SERVICES = ("registry", "matching", "reports", "console")
CONFIG = REPO_ROOT / "schemathesis.toml"
PHASES = ("Coverage", "Fuzzing")  # always run; stateful too wherever the document has operations to link
ST = str(Path(sys.executable).with_name("st"))
TIMEOUT_S = 600


def contract_runs(stack: Stack, workdir: Path) -> dict[str, tuple[int, str]]:
    """`st run` on every service at once; each service's exit code and output."""
    env = {**os.environ, "MENTORING_TOKEN": issue_token(load_settings(), "admin", subject="schemathesis"),
           "NO_COLOR": "1"}
    runs = {}
    for service in SERVICES:
        log = (workdir / f"{service}.txt").open("wb")
        command = [ST, "--no-color", "--config-file", str(CONFIG), "run", f"{stack.url(service)}/openapi.json"]
        runs[service] = (subprocess.Popen(command, env=env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT),
                         log)
    results = {}
    for service, (process, log) in runs.items():
        try:
            code = process.wait(TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        log.close()
        results[service] = (code, (workdir / f"{service}.txt").read_text(errors="replace"))
    return results


def test_every_service_keeps_its_contract(stack: Stack, tmp_path: Path) -> None:
    results = contract_runs(stack, tmp_path)
    failed = {service: output for service, (code, output) in results.items() if code != 0}
    assert not failed, "\n\n".join(f"=== {service}\n{output[-20_000:]}" for service, output in failed.items())
    for service, (_, output) in results.items():
        summary = output[output.index("Test Phases:"):]
        assert all(f"✅ {phase}" in summary for phase in PHASES), f"{service}: a phase did not run\n{summary}"
        if service != "console":  # the console's two probes have nothing to link
            assert "✅ Stateful" in summary, f"{service}: the stateful phase did not run\n{summary}"
