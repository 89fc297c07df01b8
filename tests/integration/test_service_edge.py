"""What every service shows at its edge: health, readiness against real NATS, problem+json, metrics, docs."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select

from services.matching.app import create_app as matching_app
from services.registry.app import create_app as registry_app
from services.reports.app import create_app as reports_app
from shared.db import UnitOfWork, create_tables, make_engine

APPS = {"registry": registry_app, "matching": matching_app, "reports": reports_app}


@pytest.fixture(params=sorted(APPS))
def client(request, database_url, nats_server, settings_factory):
    app = APPS[request.param](settings_factory(request.param, database_url, nats_server.url))
    return app.test_client()


def test_readyz_turns_503_when_nats_stops_and_200_when_it_returns(client, nats_server):
    assert client.get("/readyz").status_code == 200
    nats_server.stop()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.json["checks"] == {"database": True, "nats": False}
    nats_server.start()
    assert client.get("/readyz").status_code == 200
    assert client.get("/healthz").json["status"] == "ok"


def test_unknown_addresses_and_bad_tokens_answer_problem_json_in_russian(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["title"] == "Не найдено"


def test_openapi_is_valid_3_1_with_the_bearer_scheme_and_docs_are_served(client):
    spec = client.get("/openapi.json").json
    assert spec["openapi"].startswith("3.1")
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert client.get("/docs/swagger").status_code == 200


def test_metrics_count_requests(client):
    client.get("/healthz")
    body = client.get("/metrics").data.decode()
    assert "http_requests_total" in body and 'endpoint="/healthz"' in body


def test_responses_carry_a_request_id(client):
    assert client.get("/healthz", headers={"X-Request-ID": "abc"}).headers["X-Request-ID"] == "abc"
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 32


def test_concurrent_sqlite_writers_queue_instead_of_failing(tmp_path):
    metadata = MetaData()
    counter = Table("counter", metadata, Column("id", Integer, primary_key=True), Column("who", String(10)))
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    create_tables(engine, metadata)
    errors: list[Exception] = []

    def writer(name: str) -> None:
        try:
            for _ in range(50):
                with UnitOfWork(engine) as uow:
                    count = uow.session.scalar(select(func.count()).select_from(counter))
                    uow.session.execute(counter.insert().values(id=count + 1, who=name))
                    uow.commit()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with UnitOfWork(engine) as uow:
        assert uow.session.scalar(select(func.count()).select_from(counter)) == 200


SECURED_WRITES = {"registry": ("POST", "/api/v1/organizations"), "matching": ("POST", "/api/v1/runs"),
                  "reports": ("PUT", "/api/v1/targets")}


@pytest.mark.parametrize("service", sorted(APPS))
def test_a_caller_without_a_valid_token_gets_401_before_the_body_is_validated(service, nats_server, settings_factory,
                                                                               tmp_path):
    app = APPS[service](settings_factory(service, f"sqlite:///{tmp_path}/edge.db", nats_server.url))
    method, path = SECURED_WRITES[service]
    client = app.test_client()
    for headers in ({}, {"Authorization": "Bearer not.a.token"}):
        response = client.open(path, method=method, json={"not": "a valid body"}, headers=headers)
        assert response.status_code == 401, response.json
        assert response.mimetype == "application/problem+json"
