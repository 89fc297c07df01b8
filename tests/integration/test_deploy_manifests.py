"""The scale-out manifests under deploy/ hold together: parsed and checked by schema, without Docker or a cluster."""

from __future__ import annotations

import inspect
import json
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from ops.natsserver import nats_server_binary
from services.console.roles import ADMIN, CURATOR, MUNICIPAL, REGION, ROLE_LABELS
from shared.config import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
NATS_NODES = ("nats-1", "nats-2", "nats-3")
THIRD_PARTY_IMAGES = ("nats", "natsio/nats-box", "postgres", "quay.io/keycloak/keycloak")
# Read by gunicorn (deploy/gunicorn.conf.py) and prometheus_client rather than by shared/config.py.
NON_SETTINGS_ENV = {"WEB_CONCURRENCY", "WEB_THREADS", "WEB_TIMEOUT", "PROMETHEUS_MULTIPROC_DIR"}
API_SERVICES = ("registry", "matching", "reports")

Doc = dict[str, Any]

# --- small JSON schemas of the Kubernetes kinds the manifests use (kubeconform is not available) ---

NAME = {"type": "string", "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "maxLength": 63}
STRINGS = {"type": "array", "items": {"type": "string"}}
STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
METADATA = {"type": "object", "required": ["name"],
            "properties": {"name": NAME, "namespace": NAME, "labels": STRING_MAP, "annotations": STRING_MAP}}
QUANTITIES = {"type": "object", "minProperties": 1, "additionalProperties": False,
              "properties": {"cpu": {"type": ["string", "integer"]}, "memory": {"type": "string"}}}
PROBE = {"type": "object", "required": ["httpGet"],
         "properties": {"httpGet": {"type": "object", "required": ["path", "port"],
                                    "properties": {"path": {"type": "string", "pattern": "^/"},
                                                   "port": {"type": ["string", "integer"]}}}}}
CONTAINER = {
    "type": "object", "required": ["name", "image", "resources"],
    "properties": {
        "name": NAME, "image": {"type": "string", "minLength": 1}, "command": STRINGS, "args": STRINGS,
        "env": {"type": "array", "items": {"type": "object", "required": ["name"]}},
        "ports": {"type": "array", "items": {"type": "object", "required": ["containerPort"], "properties": {
            "containerPort": {"type": "integer"}, "name": {"type": "string", "maxLength": 15}}}},
        "resources": {"type": "object", "required": ["requests"],
                      "properties": {"requests": QUANTITIES, "limits": QUANTITIES}},
        "livenessProbe": PROBE, "readinessProbe": PROBE, "startupProbe": PROBE,
    },
}
POD_TEMPLATE = {
    "type": "object", "required": ["metadata", "spec"],
    "properties": {"metadata": {"type": "object", "required": ["labels"], "properties": {"labels": STRING_MAP}},
                   "spec": {"type": "object", "required": ["containers"],
                            "properties": {"containers": {"type": "array", "minItems": 1, "items": CONTAINER},
                                           "restartPolicy": {"enum": ["Always", "OnFailure", "Never"]}}}},
}
SELECTOR = {"type": "object", "required": ["matchLabels"], "properties": {"matchLabels": STRING_MAP}}


def _kind(api_version: str, spec: Doc | None = None, **properties: Any) -> Doc:
    props = {"apiVersion": {"const": api_version}, "metadata": METADATA, **properties}
    if spec is not None:
        props["spec"] = spec
    return {"type": "object", "required": ["apiVersion", "kind", "metadata", *(["spec"] if spec else [])],
            "properties": props}


SCHEMAS: dict[str, Doc] = {
    "Namespace": _kind("v1"),
    "ConfigMap": _kind("v1", data=STRING_MAP),  # every value a string: `STREAM_REPLICAS: 3` would be refused
    "Secret": _kind("v1", stringData=STRING_MAP, data=STRING_MAP),
    "Service": _kind("v1", {"type": "object", "required": ["ports"], "properties": {
        "selector": STRING_MAP, "ports": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["name", "port"],
            "properties": {"port": {"type": "integer"}, "targetPort": {"type": ["string", "integer"]}}}}}}),
    "Deployment": _kind("apps/v1", {"type": "object", "required": ["replicas", "selector", "template"], "properties": {
        "replicas": {"type": "integer", "minimum": 1}, "selector": SELECTOR, "template": POD_TEMPLATE}}),
    "StatefulSet": _kind("apps/v1", {
        "type": "object", "required": ["replicas", "serviceName", "selector", "template", "volumeClaimTemplates"],
        "properties": {"replicas": {"type": "integer"}, "serviceName": NAME, "selector": SELECTOR,
                       "template": POD_TEMPLATE, "volumeClaimTemplates": {"type": "array", "minItems": 1}}}),
    "Job": _kind("batch/v1", {"type": "object", "required": ["template"], "properties": {"template": POD_TEMPLATE}}),
    "CronJob": _kind("batch/v1", {"type": "object", "required": ["schedule", "jobTemplate"], "properties": {
        "schedule": {"type": "string", "pattern": r"^\S+( \S+){4}$"},
        "jobTemplate": {"type": "object", "required": ["spec"], "properties": {"spec": {
            "type": "object", "required": ["template"], "properties": {"template": POD_TEMPLATE}}}}}}),
    "PersistentVolumeClaim": _kind("v1", {"type": "object", "required": ["accessModes", "resources"], "properties": {
        "accessModes": {"type": "array", "minItems": 1, "items": {
            "enum": ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"]}},
        "resources": {"type": "object", "required": ["requests"], "properties": {
            "requests": {"type": "object", "required": ["storage"], "properties": {"storage": {"type": "string"}}}}}}}),
    "PodDisruptionBudget": _kind("policy/v1", {"type": "object", "required": ["selector"],
                                               "properties": {"selector": SELECTOR}}),
    "Kustomization": _kind("kustomize.config.k8s.io/v1beta1", resources=STRINGS),
    "ScaledObject": _kind("keda.sh/v1alpha1", {
        "type": "object", "required": ["scaleTargetRef", "triggers"], "properties": {
            "scaleTargetRef": {"type": "object", "required": ["name"]},
            "minReplicaCount": {"type": "integer", "minimum": 0}, "maxReplicaCount": {"type": "integer", "minimum": 1},
            "triggers": {"type": "array", "minItems": 1, "items": {
                "type": "object", "required": ["type", "metadata"],
                "properties": {"metadata": STRING_MAP}}}}}),
}


# --- readers ---


def compose() -> Doc:
    return yaml.safe_load((DEPLOY / "compose.yml").read_text())


def k8s_documents() -> Iterator[tuple[str, Doc]]:
    """Every YAML document under deploy/k8s/, with a label naming its file."""
    for path in sorted([*K8S.rglob("*.yaml"), *K8S.rglob("*.yml")]):
        for index, doc in enumerate(yaml.safe_load_all(path.read_text())):
            if doc is not None:
                yield f"{path.relative_to(DEPLOY)}#{index}", doc


def k8s_kind(kind: str) -> dict[str, Doc]:
    return {doc["metadata"]["name"]: doc for _, doc in k8s_documents() if doc.get("kind") == kind}


def procfile() -> dict[str, list[str]]:
    """Process name → argv, from deploy/Procfile."""
    processes: dict[str, list[str]] = {}
    for line in (DEPLOY / "Procfile").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, command = line.split(":", 1)
            processes[name.strip()] = shlex.split(command)
    return processes


def normalised(argv: list[str]) -> list[str]:
    """Container paths and listen addresses aside, a container's argv equals the Procfile's."""
    return [re.sub(r"^0\.0\.0\.0:", "127.0.0.1:", arg.removeprefix("/app/")) for arg in argv]


def compose_argv(service: Doc) -> list[str]:
    return [*(service.get("entrypoint") or ["mentoring"]), *service.get("command", [])]


def k8s_containers() -> Iterator[tuple[str, Doc]]:
    for label, doc in k8s_documents():
        if doc["kind"] in ("Deployment", "StatefulSet", "Job", "CronJob"):
            spec = doc["spec"]["jobTemplate"]["spec"] if doc["kind"] == "CronJob" else doc["spec"]
            for container in spec["template"]["spec"]["containers"]:
                yield f"{label} {doc['metadata']['name']}", container


def with_defaults(text: str) -> str:
    """Compose interpolation with every variable unset: `${VAR:-default}` → `default`."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", text)


def repository(image: str) -> str:
    """`registry/name:tag@digest` → `registry/name` (compose's `${VAR:-default}` taken as its default)."""
    image = with_defaults(image).split("@")[0]
    head, _, tail = image.rpartition(":")
    return head if head and "/" not in tail else image


# --- Kubernetes ---


def test_every_kubernetes_document_has_an_api_version_a_kind_and_a_name() -> None:
    documents = list(k8s_documents())
    assert len(documents) >= 15
    for label, doc in documents:
        assert doc.get("apiVersion") and doc.get("kind") and doc.get("metadata", {}).get("name"), label


def test_every_kubernetes_document_matches_the_schema_of_its_kind() -> None:
    for label, doc in k8s_documents():
        assert doc["kind"] in SCHEMAS, f"{label}: no schema for kind {doc['kind']}"
        jsonschema.validate(doc, SCHEMAS[doc["kind"]])
        if doc["kind"] in ("Deployment", "StatefulSet"):
            selector = doc["spec"]["selector"]["matchLabels"]
            labels = doc["spec"]["template"]["metadata"]["labels"]
            assert selector.items() <= labels.items(), f"{label}: the selector does not select its own pods"


def test_every_deployment_requests_resources_and_each_api_is_probed_on_healthz_and_readyz() -> None:
    deployments = k8s_kind("Deployment")
    for name, deployment in deployments.items():
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            assert {"cpu", "memory"} <= container["resources"]["requests"].keys(), name
            assert "memory" in container["resources"]["limits"], name
    for service in API_SERVICES:
        container = deployments[f"{service}-api"]["spec"]["template"]["spec"]["containers"][0]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert deployments[f"{service}-api"]["spec"]["replicas"] >= 2
        service_doc = k8s_kind("Service")[service]
        assert service_doc["spec"]["selector"].items() <= \
            deployments[f"{service}-api"]["spec"]["template"]["metadata"]["labels"].items()


def test_kubernetes_runs_every_process_of_the_procfile_with_the_same_command() -> None:
    deployments = k8s_kind("Deployment")
    for name, argv in procfile().items():
        if name == "nats":
            assert k8s_kind("StatefulSet")["nats"]["spec"]["replicas"] == 3
            continue
        if name == "reminders":  # a daily loop in the embedded stack and compose; a CronJob in Kubernetes
            assert argv == ["mentoring", "remind", "--daily"]
            continue
        deployment = deployments[f"{name}-api" if name in API_SERVICES else name]
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert normalised([*container.get("command", ["mentoring"]), *container["args"]]) == argv, name
    assert deployments["matching-worker"]["spec"]["replicas"] >= 2
    job = k8s_kind("Job")["mentoring-migrate"]["spec"]["template"]["spec"]
    assert job["containers"][0]["args"] == ["migrate"] and job["restartPolicy"] == "Never"
    retention = k8s_kind("CronJob")["mentoring-retention"]["spec"]
    assert retention["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"] == ["retention"]
    assert retention["concurrencyPolicy"] == "Forbid"
    reminders = k8s_kind("CronJob")["mentoring-reminders"]["spec"]
    assert reminders["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"] == ["remind"]
    assert reminders["concurrencyPolicy"] == "Forbid"


def test_kubernetes_settings_are_ones_the_processes_read_and_replicate_the_stream_three_times() -> None:
    config = k8s_kind("ConfigMap")["mentoring-config"]["data"]
    secret = k8s_kind("Secret")["mentoring-secrets"]["stringData"]
    env = {item["name"] for _, container in k8s_containers() if repository(container["image"]) == "mentoring"
           for item in container.get("env", [])}
    passed = config.keys() | secret.keys() | env
    assert {key.lower() for key in passed - NON_SETTINGS_ENV} <= Settings.model_fields.keys()
    assert config["STREAM_REPLICAS"] == "3"
    assert config["NATS_URL"].split(",") == [f"nats://nats-{i}.nats-headless:4222" for i in range(3)]
    assert {"DATABASE_URL", "JWT_SECRET", "PERSONAL_DATA_KEYS"} <= secret.keys()


def test_the_kubernetes_nats_cluster_fsyncs_every_write_and_routes_to_all_three_pods() -> None:
    conf = k8s_kind("ConfigMap")["nats-config"]["data"]["nats.conf"]
    assert re.search(r"jetstream\s*{[^}]*sync_interval:\s*always", conf)
    assert set(re.findall(r"nats-route://([\w.-]+):6222", conf)) == {f"nats-{i}.nats-headless" for i in range(3)}
    headless = k8s_kind("Service")["nats-headless"]["spec"]
    assert headless["clusterIP"] == "None" and headless["publishNotReadyAddresses"] is True
    assert k8s_kind("StatefulSet")["nats"]["spec"]["serviceName"] == "nats-headless"


def test_keda_scales_the_matching_workers_on_their_own_jetstream_consumer() -> None:
    from services.matching.worker import worker_spec

    (scaler,) = k8s_kind("ScaledObject").values()
    assert scaler["spec"]["scaleTargetRef"]["name"] in k8s_kind("Deployment")
    assert scaler["spec"]["scaleTargetRef"]["name"] == "matching-worker"
    (trigger,) = scaler["spec"]["triggers"]
    assert trigger["type"] == "nats-jetstream"
    meta = trigger["metadata"]
    assert meta["consumer"] == worker_spec().durable and meta["stream"] == Settings().stream_name
    host, port = meta["natsServerMonitoringEndpoint"].split(":")
    service = k8s_kind("Service")[host.split(".")[0]]["spec"]
    assert int(port) in {p["port"] for p in service["ports"]} and "http: 0.0.0.0:8222" in k8s_kind(
        "ConfigMap")["nats-config"]["data"]["nats.conf"]
    assert 1 <= scaler["spec"]["minReplicaCount"] < scaler["spec"]["maxReplicaCount"]


# --- compose ---


def test_compose_runs_every_process_of_the_procfile_with_the_same_command() -> None:
    services = compose()["services"]
    for name, argv in procfile().items():
        if name == "nats":
            assert all(node in services for node in NATS_NODES)
            continue
        assert normalised(compose_argv(services[name])) == argv, name
    assert services["matching-worker"]["deploy"]["replicas"] == 2
    assert services["migrate"]["command"] == ["migrate"]


def test_compose_starts_services_after_healthy_dependencies_and_probes_each_api_on_readyz() -> None:
    services = compose()["services"]
    assert services["postgres"]["image"].startswith("postgres:15")
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in services["postgres"]["volumes"])
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name, service in services.items():
        if repository(service["image"]) == "mentoring" and name != "migrate":
            assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
            assert all(service["depends_on"][node]["condition"] == "service_healthy" for node in NATS_NODES), name
    for port, name in enumerate(API_SERVICES, start=8001):
        assert f"127.0.0.1:{port}/readyz" in services[name]["healthcheck"]["test"][-1], name
        assert "WEB_CONCURRENCY" in services[name]["environment"]


def test_compose_settings_are_ones_the_processes_read_and_replicate_the_stream_three_times() -> None:
    for name, service in compose()["services"].items():
        if repository(service["image"]) != "mentoring":
            continue
        env: dict[str, str] = service["environment"]
        assert {key.lower() for key in env.keys() - NON_SETTINGS_ENV} <= Settings.model_fields.keys(), name
        assert env["STREAM_REPLICAS"] == "3", name
        assert env["NATS_URL"] == ",".join(f"nats://{node}:4222" for node in NATS_NODES), name
        assert env["DATABASE_URL"].startswith("postgresql://mentoring:") and "@postgres:5432/mentoring" in \
            env["DATABASE_URL"], name
        assert env["JWT_SECRET"].startswith("${JWT_SECRET:?"), f"{name}: JWT_SECRET must come from deploy/.env"
        sealing = name in ("registry", "matching-read-model")  # the names in events: sealed, opened; nobody else
        assert env.get("PERSONAL_DATA_KEYS", "").startswith("${PERSONAL_DATA_KEYS:?") == sealing, name
        assert sealing or "PERSONAL_DATA_KEYS" not in env, name


@pytest.mark.parametrize("node", NATS_NODES)
def test_each_compose_nats_node_fsyncs_every_write_and_routes_to_the_other_two(node: str, tmp_path: Path) -> None:
    path = DEPLOY / "nats" / f"{node}.conf"
    conf = path.read_text()
    assert re.search(rf"^server_name:\s*{node}$", conf, re.MULTILINE)
    assert re.search(r'jetstream\s*{[^}]*store_dir:\s*"/data/jetstream"[^}]*sync_interval:\s*always', conf)
    assert set(re.findall(r"nats-route://([\w-]+):6222", conf)) == set(NATS_NODES) - {node}
    service = compose()["services"][node]
    assert f"./nats/{node}.conf:/etc/nats/nats.conf:ro" in service["volumes"]
    assert f"{node}-data:/data" in service["volumes"]
    checked = subprocess.run([nats_server_binary(), "-t", "-c", str(nats_conf_with_certificates(path, tmp_path))],
                             capture_output=True, text=True, timeout=30, env=nats_passwords())
    assert checked.returncode == 0, checked.stderr


def nats_passwords() -> dict[str, str]:
    """Every NATS user's password variable, as deploy/.env gives them to the nats containers."""
    from ops.nats_users import all_users, new_password

    return {user.env_var: new_password() for user in all_users()}


def nats_conf_with_certificates(path: Path, folder: Path) -> Path:
    """A copy of a node's configuration beside its accounts.conf, its certificates made by `nats-certs` in `folder`
    (the paths of the container, /etc/nats/certs, point there)."""
    from ops.nats_certs import write_certificates

    write_certificates(folder / "certs")
    shutil.copy(DEPLOY / "nats" / "accounts.conf", folder / "accounts.conf")
    copy = folder / "nats.conf"
    copy.write_text(path.read_text().replace("/etc/nats/certs", str(folder / "certs")))
    return copy


# --- NATS users, passwords and TLS ---


def test_the_committed_nats_accounts_are_the_ones_generated_from_the_event_catalog() -> None:
    from ops.nats_users import deploy_accounts

    fix = "regenerate: python -m ops.nats_users > deploy/nats/accounts.conf, and the same in k8s/nats.yaml"
    assert (DEPLOY / "nats" / "accounts.conf").read_text() == deploy_accounts(), fix
    config = k8s_kind("ConfigMap")["nats-config"]["data"]
    assert config["accounts.conf"] == deploy_accounts(), fix
    assert re.search(r"^include \./accounts\.conf$", config["nats.conf"], re.MULTILINE)
    for node in NATS_NODES:
        assert re.search(r"^include \./accounts\.conf$", (DEPLOY / "nats" / f"{node}.conf").read_text(), re.MULTILINE)


def test_every_compose_process_that_talks_to_nats_signs_in_as_its_own_user_over_tls() -> None:
    from ops.nats_users import all_users, process_user

    services = compose()["services"]
    users = {user.name: user for user in all_users()}
    connecting = [name for name in services if repository(services[name]["image"]) == "mentoring"
                  and process_user(name) is not None]
    assert set(procfile()) - {"nats", "console", "reminders"} <= set(connecting)  # those two speak HTTP only
    for name in connecting:
        env = services[name]["environment"]
        user = users[process_user(name)]
        assert env["NATS_USER"] == user.name, name
        assert env["NATS_PASSWORD"] == f"${{{user.env_var}:?see deploy/env.example}}", name
        assert env["NATS_TLS_CA"] == "/etc/mentoring/nats/ca.pem", name
        assert "./nats/certs/ca.pem:/etc/mentoring/nats/ca.pem:ro" in services[name]["volumes"], name
    for node in NATS_NODES:
        env = services[node]["environment"]
        assert env == {user.env_var: f"${{{user.env_var}:?see deploy/env.example}}" for user in users.values()}
        assert {"./nats/accounts.conf:/etc/nats/accounts.conf:ro", "./nats/certs:/etc/nats/certs:ro"} <= \
            set(services[node]["volumes"])
        conf = (DEPLOY / "nats" / f"{node}.conf").read_text()
        assert re.search(r'^tls \{[^}]*cert_file: "/etc/nats/certs/server.pem"', conf, re.MULTILINE)
        assert re.search(r"cluster \{.*tls \{[^}]*verify: true", conf, re.DOTALL), "routes: mutual TLS"
    example = (DEPLOY / "env.example").read_text()
    assert all(re.search(rf"^{user.env_var}=[A-Za-z][A-Za-z0-9]*$", example, re.MULTILINE) for user in users.values())


def test_every_kubernetes_process_that_talks_to_nats_takes_its_own_password_from_the_secret() -> None:
    from ops.nats_users import all_users, process_user

    users = {user.name: user for user in all_users()}
    deployments = k8s_kind("Deployment")
    connecting = [name for name in deployments if process_user(name) is not None]
    assert len(connecting) >= 10
    for name in connecting:
        container = deployments[name]["spec"]["template"]["spec"]["containers"][0]
        env = {item["name"]: item for item in container["env"]}
        user = users[process_user(name)]
        assert env["NATS_USER"]["value"] == user.name, name
        assert env["NATS_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "mentoring-nats-users",
                                                                     "key": user.env_var}, name
    nats = k8s_kind("StatefulSet")["nats"]["spec"]["template"]["spec"]["containers"][0]
    assert {"secretRef": {"name": "mentoring-nats-users"}} in nats["envFrom"]
    example = k8s_kind("Secret")["mentoring-nats-users"]["stringData"]
    assert set(example) == {user.env_var for user in users.values()}


def test_no_nats_password_is_written_into_a_committed_manifest() -> None:
    """Passwords are references (`$NATS_PASSWORD_…`, `${…:?}`, a Secret's key); the examples are placeholders."""
    texts = {path: path.read_text() for path in [*(DEPLOY / "nats").glob("*.conf"), DEPLOY / "compose.yml",
                                                 *K8S.rglob("*.yaml")]}
    found = 0
    for path, text in texts.items():
        for value in re.findall(r"\bpassword:\s*([^,}\s]+)", text, re.IGNORECASE):
            assert value.startswith(("$NATS_PASSWORD_", "${NATS_PASSWORD_", "${POSTGRES_PASSWORD")), (path, value)
            found += 1
    assert found >= 2 * 8  # deploy/nats/accounts.conf and its copy in k8s/nats.yaml
    for _, container in k8s_containers():
        assert not any(item["name"].startswith("NATS_PASSWORD") and "value" in item for item in
                       container.get("env", [])), container["name"]
    for name, value in k8s_kind("Secret")["mentoring-nats-users"]["stringData"].items():
        assert value.startswith("changeMe"), name
    checked = subprocess.run([nats_server_binary(), "-t", "-c", str(DEPLOY / "nats" / "accounts.conf")],
                             capture_output=True, text=True, timeout=30, env={})
    assert checked.returncode != 0 and "NATS_PASSWORD_" in checked.stderr, "without the passwords it must not start"


def keycloak_realm() -> Doc:
    return json.loads((DEPLOY / "keycloak" / "mentoring-realm.json").read_text(encoding="utf-8"))


def sso_callback_path() -> str:
    """The console's own callback route (services/console/auth/sso.py)."""
    from flask import Flask, url_for

    from services.console.auth.sso import build_sso

    app = Flask("routes")
    app.register_blueprint(build_sso())
    with app.test_request_context():
        return url_for("sso.callback")


def test_compose_keycloak_imports_the_realm_whose_client_the_console_signs_in_with() -> None:
    """Client id, secret, redirect URI, PKCE, the audience of the APIs and the role and scope claims: the realm the
    `keycloak` service imports says what the console and the services are configured to expect."""
    services, defaults = compose()["services"], Settings()
    keycloak, console, registry = services["keycloak"], services["console"]["environment"], services["registry"]
    assert "--import-realm" in keycloak["command"] and keycloak["profiles"] == ["sso"]
    assert "./keycloak:/opt/keycloak/data/import:ro" in keycloak["volumes"]
    realm = keycloak_realm()
    issuer_path = f"/realms/{realm['realm']}"
    discovery = with_defaults(registry["environment"]["OIDC_METADATA_URL"])
    assert discovery == f"http://keycloak:8080{issuer_path}/.well-known/openid-configuration"
    assert with_defaults(console["OIDC_METADATA_URL"]) == discovery and console["OIDC_ISSUER"] == "${OIDC_ISSUER:-}"
    [client] = [c for c in realm["clients"] if c["clientId"] == with_defaults(console["OIDC_CLIENT_ID"])]
    assert client["publicClient"] is False and client["standardFlowEnabled"] is True
    assert client["implicitFlowEnabled"] is False and client["directAccessGrantsEnabled"] is False
    assert client["attributes"]["pkce.code.challenge.method"] == "S256"
    assert client["secret"] == "${OIDC_CLIENT_SECRET}"  # the realm file's placeholder, filled from deploy/.env
    assert keycloak["environment"]["OIDC_CLIENT_SECRET"] == console["OIDC_CLIENT_SECRET"]
    assert keycloak["environment"]["CONSOLE_URL"] == console["CONSOLE_URL"]
    assert client["redirectUris"] == ["${CONSOLE_URL}" + sso_callback_path()]
    mappers = {m["protocolMapper"]: m["config"] for m in client["protocolMappers"]} | {
        m["config"].get("claim.name"): m["config"] for m in client["protocolMappers"]}
    for claim in (defaults.oidc_role_claim, defaults.oidc_scope_claim):
        assert mappers[claim]["user.attribute"] == claim
        assert mappers[claim]["id.token.claim"] == mappers[claim]["access.token.claim"] == "true", claim
    audience = mappers["oidc-audience-mapper"]
    assert audience["included.custom.audience"] == defaults.oidc_audience and audience["access.token.claim"] == "true"
    profile = json.loads(realm["components"]["org.keycloak.userprofile.UserProfileProvider"][0]["config"][
        "kc.user.profile.config"][0])
    attributes = {a["name"]: a for a in profile["attributes"]}
    assert {ADMIN, REGION, MUNICIPAL, CURATOR} <= set(attributes["mentoring_role"]["validations"]["options"][
        "options"]) <= set(ROLE_LABELS)
    assert attributes["mentoring_role"]["permissions"]["edit"] == ["admin"]  # people cannot give themselves a role
    assert attributes["mentoring_scope"]["permissions"]["edit"] == ["admin"]


def oidc_settings_read(*modules: Any) -> set[str]:
    """The OIDC_* settings these modules read (`settings.oidc_…`), a property or method of Settings counted as the
    fields it reads itself."""
    found = {name for module in modules for name in re.findall(r"\bsettings\.(oidc_\w+)", inspect.getsource(module))}
    fields: set[str] = set()
    while found:
        name = found.pop()
        if name in Settings.model_fields:
            fields.add(name)
            continue
        member = inspect.getattr_static(Settings, name)
        found |= set(re.findall(r"\bself\.(oidc_\w+)", inspect.getsource(getattr(member, "fget", member))))
    return fields


def k8s_env_names(deployment: str) -> set[str]:
    """Every variable a Deployment's first container gets: its ConfigMap and Secrets (from the templates) and its own
    `env`."""
    container = k8s_kind("Deployment")[deployment]["spec"]["template"]["spec"]["containers"][0]
    config, secrets = k8s_kind("ConfigMap"), k8s_kind("Secret")
    names = {item["name"] for item in container.get("env", [])}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            names |= config[source["configMapRef"]["name"]]["data"].keys()
        else:
            names |= secrets[source["secretRef"]["name"]]["stringData"].keys()
    return names


def test_kubernetes_gives_the_console_and_the_apis_every_single_sign_on_setting_they_read() -> None:
    """What services/console/auth and shared/oidc.py read is in the manifests (a setting added there and forgotten
    here fails); empty OIDC_ISSUER keeps single sign-on off, the rest are the defaults; the client secret reaches the
    console alone, from an optional Secret."""
    from services.console.auth import sso, sso_identity
    from shared import auth, oidc

    console_reads = oidc_settings_read(sso, sso_identity, oidc)
    api_reads = oidc_settings_read(auth, oidc)
    assert {"oidc_issuer", "oidc_client_id", "oidc_client_secret", "oidc_role_claim", "oidc_scope_claim",
            "oidc_audience", "oidc_metadata_url"} <= console_reads | api_reads
    assert {name.lower() for name in k8s_env_names("console")} >= console_reads
    compose_console = compose()["services"]["console"]["environment"]
    assert {name for name in compose_console if name.startswith("OIDC_")} <= k8s_env_names("console")
    for service in API_SERVICES:
        assert {name.lower() for name in k8s_env_names(f"{service}-api")} >= api_reads, service

    config = k8s_kind("ConfigMap")["mentoring-config"]["data"]
    oidc_config = {key.lower(): value for key, value in config.items() if key.startswith("OIDC_")}
    assert oidc_config["oidc_issuer"] == "" and "oidc_client_secret" not in oidc_config
    parsed = Settings(**oidc_config)
    for name in oidc_config.keys() - {"oidc_client_id"}:  # the client's name as compose and the Keycloak realm call it
        assert getattr(parsed, name) == (Settings.model_fields[name].default or ""), f"{name}: not the default"
    secret_example = k8s_kind("Secret")["mentoring-oidc"]["stringData"]["OIDC_CLIENT_SECRET"]
    assert not Settings(**oidc_config, oidc_client_secret=secret_example).oidc_enabled  # the default: off
    enabled = Settings(**{**oidc_config, "oidc_issuer": "https://sso.example.org/realms/mentoring"},
                       oidc_client_secret=secret_example)
    assert enabled.oidc_enabled
    assert enabled.oidc_discovery_url() == "https://sso.example.org/realms/mentoring/.well-known/openid-configuration"
    assert oidc_config["oidc_client_id"] == compose_console["OIDC_CLIENT_ID"].split(":-")[1].rstrip("}")

    console_env = {item["name"]: item for item in
                   k8s_kind("Deployment")["console"]["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert console_env["OIDC_CLIENT_SECRET"]["valueFrom"]["secretKeyRef"] == {
        "name": "mentoring-oidc", "key": "OIDC_CLIENT_SECRET", "optional": True}
    for name in k8s_kind("Deployment"):
        if name != "console":
            assert "OIDC_CLIENT_SECRET" not in k8s_env_names(name), name



def pod_spec(doc: Doc) -> Doc:
    return (doc["spec"]["jobTemplate"]["spec"] if doc["kind"] == "CronJob" else doc["spec"])["template"]["spec"]


def test_the_reminders_and_the_console_share_the_mail_volume_at_mail_dir() -> None:
    """Without SMTP_HOST the reminders keep the digests in MAIL_DIR and the console shows them under «Почта»: in
    compose and in Kubernetes both mount the same volume there (not a container's /tmp, lost and unseen)."""
    services = compose()["services"]
    mounts: dict[str, tuple[str, str]] = {}
    for name in ("console", "reminders"):
        mail_dir = services[name]["environment"]["MAIL_DIR"]
        assert mail_dir.startswith("/") and not mail_dir.startswith("/tmp"), name
        [volume] = [entry.split(":")[0] for entry in services[name]["volumes"] if entry.split(":")[1] == mail_dir]
        mounts[name] = (volume, mail_dir)
    assert mounts["console"] == mounts["reminders"] and mounts["console"][0] in compose()["volumes"]
    assert f"mkdir -p {mounts['console'][1]}" in (DEPLOY / "Dockerfile").read_text()  # owned by the image's user

    mail_dir = k8s_kind("ConfigMap")["mentoring-config"]["data"]["MAIL_DIR"]
    assert mail_dir == mounts["console"][1]
    claims = set()
    for doc in (k8s_kind("Deployment")["console"], k8s_kind("CronJob")["mentoring-reminders"]):
        spec = pod_spec(doc)
        [container] = spec["containers"]
        assert {"configMapRef": {"name": "mentoring-config"}} in container["envFrom"]
        assert "MAIL_DIR" not in {item["name"] for item in container.get("env", [])}  # the ConfigMap's, not another
        [mount] = [m for m in container["volumeMounts"] if m["mountPath"] == mail_dir]
        assert not mount.get("readOnly") and not mount.get("subPath")
        [volume] = [v for v in spec["volumes"] if v["name"] == mount["name"]]
        claims.add(volume["persistentVolumeClaim"]["claimName"])
        assert spec["securityContext"]["fsGroup"] == spec["securityContext"]["runAsUser"]
    [claim] = claims
    access = k8s_kind("PersistentVolumeClaim")[claim]["spec"]["accessModes"]
    if "ReadWriteMany" not in access:  # one node at a time: the job goes where the console runs, which recreates
        reminders = pod_spec(k8s_kind("CronJob")["mentoring-reminders"])
        [term] = reminders["affinity"]["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
        assert term["topologyKey"] == "kubernetes.io/hostname"
        assert term["labelSelector"]["matchLabels"].items() <= k8s_kind("Deployment")["console"]["spec"]["template"][
            "metadata"]["labels"].items()
        assert k8s_kind("Deployment")["console"]["spec"]["strategy"]["type"] == "Recreate"


# --- both ---


def test_every_application_container_runs_the_one_project_image() -> None:
    compose_images = {with_defaults(service["image"]) for service in compose()["services"].values()}
    k8s_images = {container["image"] for _, container in k8s_containers()}
    third_party = {image for image in compose_images | k8s_images if repository(image).startswith(THIRD_PARTY_IMAGES)}
    project = (compose_images | k8s_images) - third_party
    assert len(project) == 1 and repository(project.pop()).rsplit("/", 1)[-1] == "mentoring", project
    built = [name for name, service in compose()["services"].items() if "build" in service]
    assert built == ["migrate"] and compose()["services"]["migrate"]["build"]["dockerfile"] == "deploy/Dockerfile"
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile and "pip install -c constraints.txt ." in dockerfile
    assert re.search(r"^USER (?!root|0\b)", dockerfile, re.MULTILINE)
    assert 'ENTRYPOINT ["mentoring"]' in dockerfile


@pytest.mark.skipif(shutil.which("docker") is None, reason="the docker client is not installed")
def test_docker_compose_accepts_the_compose_file() -> None:
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode != 0:
        pytest.skip("the docker client has no compose plugin")
    env = {key: value for key, value in os.environ.items() if key not in ("POSTGRES_PASSWORD", "JWT_SECRET")}
    result = subprocess.run(["docker", "compose", "--env-file", str(DEPLOY / "env.example"), "-f",
                             str(DEPLOY / "compose.yml"), "config", "-q"], capture_output=True, text=True, env=env,
                            timeout=60)
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
@pytest.mark.parametrize(("directory", "kinds"), [(K8S, {"Deployment", "StatefulSet", "Service", "ConfigMap",
                                                         "CronJob", "PersistentVolumeClaim"}),
                                                  (K8S / "migrate", {"Job"}), (K8S / "keda", {"ScaledObject"})],
                         ids=["installation", "migration", "keda"])
def test_kustomize_builds_every_resource_into_the_namespace(directory: Path, kinds: set[str]) -> None:
    result = subprocess.run(["kubectl", "kustomize", str(directory)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    built = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    assert kinds <= {doc["kind"] for doc in built}
    assert all(doc["metadata"].get("namespace") == "mentoring" for doc in built if doc["kind"] != "Namespace")
