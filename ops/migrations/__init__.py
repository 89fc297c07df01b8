"""Alembic migrations per service: `mentoring migrate` (upgrade), downgrade, and a model-vs-migration check."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext

from shared.config import Settings

HERE = Path(__file__).parent
SERVICES = ("registry", "matching", "reports", "console")


def alembic_config(service: str, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("version_locations", str(HERE / "versions" / service))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.set_main_option("version_table", f"alembic_version_{service}")
    config.attributes["service"] = service
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    """Migrate; a database whose tables an older embedded version created without Alembic is stamped first."""
    import importlib

    from sqlalchemy import inspect

    from shared.db import make_engine

    config = alembic_config(settings.service, settings.resolved_database_url())
    engine = make_engine(settings.resolved_database_url())
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    metadata = importlib.import_module(f"services.{settings.service}.adapters.tables").metadata
    if f"alembic_version_{settings.service}" not in tables and set(metadata.tables) <= tables:
        command.stamp(config, "head")
    command.upgrade(config, revision)


def downgrade(settings: Settings, revision: str = "-1") -> None:
    command.downgrade(alembic_config(settings.service, settings.resolved_database_url()), revision)


def revision(settings: Settings, message: str) -> None:
    """Autogenerate a new revision (generate against PostgreSQL: SQLite misses some changes)."""
    command.revision(alembic_config(settings.service, settings.resolved_database_url()), message=message,
                     autogenerate=True)


def differences(settings: Settings) -> list[object]:
    """What the models have that the migrated database lacks (empty when they agree)."""
    import importlib

    from shared.db import make_engine

    metadata = importlib.import_module(f"services.{settings.service}.adapters.tables").metadata
    engine = make_engine(settings.resolved_database_url())
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": lambda obj, name, type_, *_: type_ != "table"
            or name in metadata.tables})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    return [d for d in diff if not (isinstance(d, tuple) and d[0] == "remove_table"
                                    and d[1].name.startswith("alembic_version"))]
