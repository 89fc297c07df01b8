"""Alembic environment shared by the three services; the service is chosen by `config.attributes`."""

from __future__ import annotations

import importlib

from alembic import context

from shared.db import make_engine
from shared.types import CodeList, UtcDateTime

config = context.config
service = config.attributes["service"]
target_metadata = importlib.import_module(f"services.{service}.adapters.tables").metadata
VERSION_TABLE = f"alembic_version_{service}"


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Write our own column types as the plain types they are stored as."""
    if type_ == "type" and isinstance(obj, CodeList):
        return "sa.String(length=1000)"
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Only this service's tables (several services may share one PostgreSQL database)."""
    if type_ == "table":
        return name in target_metadata.tables
    return True


def run_migrations() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


def _run(connection: object) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, version_table=VERSION_TABLE,
                      render_item=render_item, include_object=include_object, render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
