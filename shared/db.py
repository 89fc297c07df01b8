"""Database engine and the unit of work: the only transaction boundary of a use case."""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, LargeBinary, MetaData, Table, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

if TYPE_CHECKING:
    from shared.config import Settings
    from shared.events import CloudEvent
    from shared.outbox import Outbox


def make_engine(url: str, *, pool_size: int = 5, max_overflow: int = 10, statement_timeout_ms: int = 30_000,
                busy_timeout_ms: int = 30_000) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and `BEGIN IMMEDIATE` transactions.

    Statement parameters are kept out of error messages: they hold names and contacts, and errors are logged.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
                               hide_parameters=True)
        _configure_sqlite(engine, busy_timeout_ms)
        return engine
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=True,
        hide_parameters=True,
        connect_args={"options": f"-c statement_timeout={statement_timeout_ms}", "connect_timeout": 5},
    )


def engine_from_settings(settings: Settings) -> Engine:
    """The engine a service's settings describe."""
    return make_engine(settings.resolved_database_url(), pool_size=settings.db_pool_size,
                       max_overflow=settings.db_max_overflow, statement_timeout_ms=settings.db_statement_timeout_ms,
                       busy_timeout_ms=settings.sqlite_busy_timeout_ms)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """Writers take the lock at BEGIN, so two writers queue instead of failing with 'database is locked'."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: bulk writes with random UUID keys stay in memory
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get("read_only", False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def create_tables(engine: Engine, *metadatas: MetaData) -> None:
    """Create missing tables (the embedded default; PostgreSQL deployments run migrations)."""
    for metadata in metadatas:
        metadata.create_all(engine, checkfirst=True)


def bulk_insert(session: Session, table: Table, rows: Iterable[Any], chunk: int = 5_000, *,
                columns: Sequence[str] | None = None) -> None:
    """Insert many rows through the driver's executemany, applying only the column types that need it.

    SQLAlchemy's generic per-row parameter handling dominated large writes (95k proposals); this keeps
    its type conversions (dates on SQLite, for instance) and skips the rest. Rows are dicts, or with
    `columns` tuples of values in that order; then `rows` may be any iterable (a generator is consumed
    chunk by chunk, so a million rows never exist at once). Values needing a conversion are converted
    once per distinct value and chunk; bytes go to the driver as they are (every driver takes them).
    """
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return
    iterator = itertools.chain((first,), iterator)
    names = list(columns) if columns is not None else list(first)
    connection = session.connection()
    dialect = connection.dialect
    processors = [(k, p) for k, name in enumerate(names) if not isinstance(table.c[name].type, LargeBinary)
                  and (p := table.c[name].type._cached_bind_processor(dialect)) is not None]
    marks = ", ".join("?" if dialect.paramstyle == "qmark" else "%s" for _ in names)
    quote = dialect.identifier_preparer.quote
    sql = f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) VALUES ({marks})"
    if columns is None:
        pick = operator.itemgetter(*names)
        iterator = (pick(row) for row in iterator) if len(names) > 1 else ((pick(row),) for row in iterator)
    while batch := list(itertools.islice(iterator, chunk)):
        if processors:
            values = list(zip(*batch, strict=True))
            for k, process in processors:
                seen: dict[Any, Any] = {}
                values[k] = [seen[v] if v in seen else seen.setdefault(v, process(v)) for v in values[k]]
            batch = list(zip(*values, strict=True))
        connection.exec_driver_sql(sql, batch)


def ping(engine: Engine) -> bool:
    """True when the database answers a trivial query."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except OperationalError:
        return False
    except Exception:  # noqa: BLE001 - readiness must report any driver failure as "not ready"
        return False


def versioned_upsert(session: Session, model: Any, entity_id: str, version: int, values: dict[str, Any]) -> Any | None:
    """Insert or update a projected row unless the stored version is the same or newer (redelivery,
    reordering); the row written, or None when the event was stale."""
    row = session.get(model, entity_id)
    if row is not None and row.version >= version:
        return None
    if row is None:
        row = model(id=entity_id, version=version, **values)
        session.add(row)
        return row
    for name, value in values.items():
        setattr(row, name, value)
    row.version = version
    return row


def read_session(engine: Engine) -> Session:
    """A session for long reads: on SQLite it does not take the write lock (writers are not blocked)."""
    return Session(engine.execution_options(read_only=True), expire_on_commit=False)


class UnitOfWork:
    """One use case, one transaction: rolls back unless `commit()` was called; events go to the outbox."""

    def __init__(self, engine: Engine, outbox: Outbox | None = None) -> None:
        self.engine = engine
        self.outbox = outbox
        self.session: Session
        self._committed = False

    def __enter__(self) -> UnitOfWork:
        self.session = Session(self.engine, expire_on_commit=False)
        self._committed = False
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if not self._committed:
            self.session.rollback()
        self.session.close()

    def publish(self, *events: CloudEvent) -> None:
        """Write events into the outbox inside this transaction."""
        if self.outbox is None:
            raise RuntimeError("this unit of work has no outbox")
        self.outbox.add(self.session, *events)

    def commit(self) -> None:
        self.session.commit()
        self._committed = True

    def rollback(self) -> None:
        self.session.rollback()


UnitOfWorkFactory = Callable[[], UnitOfWork]
