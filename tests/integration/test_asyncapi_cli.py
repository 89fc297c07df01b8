"""The AsyncAPI document passes the official AsyncAPI CLI, and the registry and matching services serve it as published.

`make asyncapi` installs `@asyncapi/cli` into .venv/asyncapi; without it these validations skip (CI=true: fail).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.matching.app import create_app as matching_app
from services.registry.app import create_app as registry_app
from shared.asyncapi import DOCUMENT_PATH
from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / ".venv" / "asyncapi" / "node_modules" / ".bin" / "asyncapi"


def validate(document: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`asyncapi validate` with its usage reporting switched off (its own config file, no network call)."""
    if not CLI.exists():
        if IN_CI:
            pytest.fail(f"CI=true but @asyncapi/cli is missing at {CLI} (make asyncapi installs it)")
        pytest.skip("@asyncapi/cli is not installed (make asyncapi)")
    analytics = tmp_path / "asyncapi-analytics.json"
    analytics.write_text(json.dumps({"analyticsEnabled": "false", "infoMessageShown": "true", "userID": "tests"}))
    env = {**os.environ, "ASYNCAPI_METRICS_CONFIG_PATH": str(analytics), "SUPPRESS_NO_CONFIG_WARNING": "1"}
    return subprocess.run([str(CLI), "validate", str(document), "--fail-severity", "warn"], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=120, check=False)


def test_the_published_document_passes_the_asyncapi_cli(tmp_path):
    result = validate(DOCUMENT_PATH, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is valid" in result.stdout


def message_of_another_channel(document: dict[str, Any], first: str, second: str) -> None:
    document["operations"][f"receive_{first}"]["messages"] = [{"$ref": f"#/channels/{second}/messages/{second}"}]


def action_asyncapi_3_has_not(document: dict[str, Any], first: str, _second: str) -> None:
    document["operations"][f"receive_{first}"]["action"] = "subscribe"


@pytest.mark.parametrize(("breakage", "complaint"), [
    (message_of_another_channel, "asyncapi3-operation-messages-from-referred-channel"),
    (action_asyncapi_3_has_not, '"action" property must be equal to one of the allowed values'),
], ids=["message-of-another-channel", "subscribe-action"])
def test_the_asyncapi_cli_refuses_a_document_an_integrator_could_not_rely_on(breakage, complaint, tmp_path):
    """The validation can fail: the same document with one mistake an editor could make is refused."""
    document = yaml.safe_load(DOCUMENT_PATH.read_text(encoding="utf-8"))
    breakage(document, *sorted(document["channels"])[:2])
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    result = validate(broken, tmp_path)
    assert result.returncode != 0, result.stdout
    assert complaint in result.stdout


@pytest.mark.parametrize("factory", [registry_app, matching_app], ids=["registry", "matching"])
def test_the_service_serves_the_published_document(factory, tmp_path, nats_server, settings_factory):
    service = "registry" if factory is registry_app else "matching"
    client = factory(settings_factory(service, f"sqlite:///{tmp_path / 'edge.db'}", nats_server.url,
                                      log_level="CRITICAL")).test_client()
    response = client.get("/asyncapi.yaml")
    assert response.status_code == 200
    assert response.mimetype == "application/yaml"
    assert response.get_data(as_text=True) == DOCUMENT_PATH.read_text(encoding="utf-8")
    assert "/asyncapi.yaml" in client.get("/openapi.json").get_json()["paths"]
