"""Fixtures that start real servers: nats-server from the wheel, SQLite files, PostgreSQL when configured."""

from __future__ import annotations

import copy
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.config import Settings
from tests.servers import (
    DATABASES,
    ExternalNats,
    NatsServer,
    PostgresDatabases,
    Stack,
    postgres_admin_url,
    postgres_reachable,
    reset_stream,
    wait_for_stopped_stacks,
)

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TEST_DATA = Path(__file__).resolve().parent / "data"  # the operators' sample files and truth.json


def _render_each_openapi_schema_once() -> None:
    """Tests build the services' apps hundreds of times (a service runs one build per process); most of a build
    went to flask-openapi3 rendering the same pydantic models' JSON Schemas again. The first rendering of a model
    is kept and a copy handed out, so every app's OpenAPI document and validation stay exactly as built."""
    from flask_openapi3 import openapi, utils

    render = utils.get_model_schema
    rendered: dict[tuple[type, str], dict] = {}

    def get_model_schema(model: type, mode: str = "validation") -> dict:
        if (model, mode) not in rendered:
            rendered[model, mode] = render(model, mode)
        return copy.deepcopy(rendered[model, mode])

    utils.get_model_schema = openapi.get_model_schema = get_model_schema


_render_each_openapi_schema_once()


def pytest_report_header(config: pytest.Config) -> str:
    pg = postgres_admin_url()
    return f"postgres: {pg or 'not configured (SQLite only)'}; CI={IN_CI}"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    wait_for_stopped_stacks()


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer | ExternalNats]:
    """A fresh nats-server with JetStream on a free loopback port and its own file store.

    With TEST_NATS_URL (CI's second pass: the system NATS on 127.0.0.1:4222) the tests use that broker
    instead, with the stream deleted before each test; tests that must stop the broker skip there.
    """
    external = os.environ.get("TEST_NATS_URL")
    if external:
        reset_stream(external)
        yield ExternalNats(external)
        reset_stream(external)
        return
    server = NatsServer(workdir=tmp_path / "nats").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_admin() -> str | None:
    """The PostgreSQL server to create test databases on, or None (CI: required, never skipped)."""
    admin = postgres_admin_url()
    if admin is None:
        if IN_CI:
            pytest.fail("CI=true but TEST_POSTGRES_URL/DATABASE_URL does not point at PostgreSQL")
        return None
    if not postgres_reachable(admin):
        if IN_CI:
            pytest.fail(f"CI=true and PostgreSQL at {admin} is unreachable")
        return None
    return admin


@pytest.fixture(scope="session")
def postgres_databases(postgres_admin: str | None) -> Iterator[PostgresDatabases | None]:
    """Where `postgres_url` takes its databases from: made ahead and dropped behind in a background thread."""
    if postgres_admin is None:
        yield None
        return
    databases = PostgresDatabases(postgres_admin)
    yield databases
    databases.close()


@pytest.fixture
def postgres_url(postgres_databases: PostgresDatabases | None) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    if postgres_databases is None:
        pytest.skip("PostgreSQL not configured (set TEST_POSTGRES_URL)")
    url, drop = postgres_databases.take()
    yield url
    drop()



@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each integration test runs on SQLite, and on PostgreSQL when one is configured (only there when the
    services themselves are pointed at PostgreSQL)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    yield request.getfixturevalue("postgres_url")


def make_settings(tmp_path: Path, service: str, database_url: str, nats_url: str, **extra: object) -> Settings:
    from tests.integration.helpers import SEALING

    extra.setdefault("personal_data_keys", SEALING.personal_data_keys)  # the key the helpers' events are sealed with
    return Settings(service=service, var_dir=tmp_path / "var", database_url=database_url, nats_url=nats_url,
                    log_json=False, relay_poll_interval_s=0.05, consumer_nak_delay_s=0.05, **extra)


@pytest.fixture
def settings_factory(tmp_path: Path):
    def build(service: str, database_url: str, nats_url: str, **extra: object) -> Settings:
        return make_settings(tmp_path, service, database_url, nats_url, **extra)

    return build


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """The embedded stack (`mentoring up`) on free ports, ready to serve; stopped with Ctrl-C after the test, in
    the background (`Stack.stop_in_background`)."""
    running = Stack(workdir=tmp_path / "stack").start()
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop_in_background()


def service_client(app, settings: Settings):
    """A test client with the app's context (`ctx`), `settings`, an admin header and `auth(role, scope)`."""
    from shared.auth import issue_token

    client = app.test_client()
    client.application, client.ctx, client.settings = app, app.extensions["mentoring"], settings
    client.auth = lambda role="admin", scope=None: {"Authorization": f"Bearer {issue_token(settings, role, scope)}"}
    client.admin = client.auth()
    return client


@pytest.fixture
def registry(database_url, nats_server, settings_factory):
    """The registry app on a real database (region 86)."""
    from services.registry.app import create_app

    settings = settings_factory("registry", database_url, nats_server.url, region_id="86", log_level="CRITICAL")
    return service_client(create_app(settings), settings)


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One running stack with the demo region for a test module (the console's tests build their own app on it)."""
    from tests.integration.console_helpers import seed_demo_region

    running = Stack(workdir=tmp_path_factory.mktemp("demo-stack")).start()
    try:
        running.wait_ready()
        seed_demo_region(running)
        yield running
    finally:
        running.stop_in_background()


@pytest.fixture
def matching(database_url, nats_server, settings_factory):
    """The matching app on a real database, with `apply(*events)` feeding its read model through the handlers."""
    from services.matching.adapters.read_model import read_model_handlers
    from services.matching.adapters.tables import outbox
    from services.matching.app import create_app
    from shared.consumer import dispatch
    from shared.db import UnitOfWork

    settings = settings_factory("matching", database_url, nats_server.url, log_level="CRITICAL")
    client = service_client(create_app(settings), settings)

    def apply(*events):
        for event in events:
            with UnitOfWork(client.ctx.engine, outbox) as uow:
                dispatch(read_model_handlers(settings))(uow, event)
                uow.commit()

    client.apply = apply
    return client


@pytest.fixture
def reports(database_url, nats_server, settings_factory):
    """The reports app on a real database, with `feed(*events)` applying events through the projection."""
    from services.reports.adapters.projection import apply
    from services.reports.app import create_app
    from shared.db import UnitOfWork

    settings = settings_factory("reports", database_url, nats_server.url, log_level="CRITICAL")
    client = service_client(create_app(settings), settings)

    def feed(*events):
        for event in events:
            with UnitOfWork(client.ctx.engine) as uow:
                apply(uow, event)
                uow.commit()

    client.feed = feed
    return client


def started_oidc_provider(workdir: Path, **options: object):
    """A real OpenID provider (tests/oidc_provider.py); without node or `make oidc`: skipped (CI=true: failed)."""
    from tests.oidc_provider import OidcProvider, runtime_missing

    missing = runtime_missing()
    if missing:
        if IN_CI:
            pytest.fail(f"CI=true but {missing}")
        pytest.skip(missing)
    return OidcProvider(workdir, **options).start()


@pytest.fixture(scope="module")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory):
    """The region's OpenID provider: the certified `oidc-provider` from npm on a free port, the tests' clients and
    people (tests/oidc_provider.py), stopped after the module."""
    provider = started_oidc_provider(tmp_path_factory.mktemp("oidc"))
    yield provider
    provider.stop()


@pytest.fixture(scope="module")
def foreign_oidc_provider(tmp_path_factory: pytest.TempPathFactory):
    """Another provider, as another region's or an intruder's: the same clients and people, its own issuer and keys."""
    provider = started_oidc_provider(tmp_path_factory.mktemp("foreign-oidc"))
    yield provider
    provider.stop()


@pytest.fixture
def browser():
    """Debian's Chromium, headless, driven by Playwright (it cannot download a browser of its own here)."""
    if CHROMIUM is None:
        if IN_CI:
            pytest.fail("CI=true but Debian's chromium is not installed (make test installs it)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--lang=ru-RU"])
        yield launched
        launched.close()
