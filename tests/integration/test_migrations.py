"""Alembic migrations of each service: upgrade, downgrade one step and all the way, upgrade again, and agree with
the models."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from ops import migrations
from shared.db import make_engine


@pytest.mark.parametrize("service", migrations.SERVICES)
def test_upgrade_downgrade_upgrade_leaves_the_schema_equal_to_the_models(database_url, settings_factory, service):
    settings = settings_factory(service, database_url, "nats://127.0.0.1:1")
    migrations.upgrade(settings)
    assert migrations.differences(settings) == []
    migrations.downgrade(settings, "-1")  # the newest revision alone, then all of them
    migrations.upgrade(settings)
    assert migrations.differences(settings) == []
    migrations.downgrade(settings, "base")
    engine = make_engine(settings.resolved_database_url())
    assert not set(inspect(engine).get_table_names()) & {t for t in migrations_tables(service)}
    engine.dispose()
    migrations.upgrade(settings)
    assert migrations.differences(settings) == []


def test_three_services_share_one_database_without_touching_each_other(database_url, settings_factory):
    for service in migrations.SERVICES:
        migrations.upgrade(settings_factory(service, database_url, "nats://127.0.0.1:1"))
    for service in migrations.SERVICES:
        assert migrations.differences(settings_factory(service, database_url, "nats://127.0.0.1:1")) == []


def test_a_database_created_without_alembic_is_stamped_and_then_upgraded(database_url, settings_factory):
    from services.registry.adapters import tables
    from shared.db import create_tables

    settings = settings_factory("registry", database_url, "nats://127.0.0.1:1")
    engine = make_engine(settings.resolved_database_url())
    create_tables(engine, tables.metadata)
    engine.dispose()
    migrations.upgrade(settings)
    assert migrations.differences(settings) == []


def migrations_tables(service: str) -> set[str]:
    import importlib

    return set(importlib.import_module(f"services.{service}.adapters.tables").metadata.tables)
