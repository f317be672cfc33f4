"""The connection helpers every part of the store shares: the engine (SQLite or PostgreSQL),
one transaction per call with the errors translated, and plain SQL for the hot statements."""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Iterator, Sequence, Sized
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Insert, Table, create_engine, event
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from bot.errors import StoreError
from bot.validate import safe_url


class Database:
    """An engine and its transactions: the base of every part of the store."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.RLock()  # SQLite allows one writer; serialise our own threads
        # PostgreSQL may be shared by several replicas; a SQLite file belongs to one process
        self.shared = engine.dialect.name != "sqlite"

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self._lock:
            try:
                with self.engine.begin() as conn:
                    yield conn
            except (SQLAlchemyError, sqlite3.Error) as e:  # sqlite3's own: from BEGIN, below
                detail = str(getattr(e, "orig", None) or e)
                raise StoreError(f"database error: {detail}{advice(detail)}") from e


def connect(url: str, *, busy_timeout: float = 30.0) -> Engine:
    """An engine for a SQLAlchemy URL (creating a SQLite file's directory)."""
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///").split("?", 1)[0].removeprefix("file:")
        if path and path != ":memory:":
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(
                    f"cannot create the database directory for {path}: {e.strerror}"
                ) from e
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": busy_timeout}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        try:
            engine = create_engine(
                url, pool_pre_ping=True, pool_size=4, connect_args={"connect_timeout": 10}
            )
        except (NoSuchModuleError, ModuleNotFoundError) as e:
            raise StoreError(
                "PostgreSQL needs its driver: pip install 'newsbot[postgres]' "
                f"(the container image has it) [{e}]"
            ) from e
        except ArgumentError as e:
            raise StoreError(f"bad database URL {safe_url(url)}: {e}") from e
    return engine


def advice(detail: str) -> str:
    """What to do about the database errors an operator can fix."""
    text = detail.lower()
    if "locked" in text or "busy" in text:
        return " (another process holds the database; is a second newsbot using the same file?)"
    if "full" in text:
        return " (the disk holding the database is full: free space; nothing was written)"
    if "readonly" in text or "read-only" in text:
        return " (the database file or its directory is read-only: fix the permissions or mount)"
    if "password authentication failed" in text or ("role" in text and "does not exist" in text):
        return " (check the user and password in the database URL)"
    if "database" in text and "does not exist" in text:
        return " (create the database first: createdb, or CREATE DATABASE in psql)"
    if "connection refused" in text or "could not connect" in text or "connection failed" in text:
        return " (is PostgreSQL running and reachable at the host and port in the database URL?)"
    if "unable to open" in text:
        return " (check that the database path exists and is writable)"
    return ""


def insert_new(conn: Connection, table: Table, key: str) -> Insert:
    """INSERT that does nothing when a row with the same `key` exists (no race, no error)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql  # ~40 ms of import a SQLite bot never needs

        return postgresql.insert(table).on_conflict_do_nothing(index_elements=[key])
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=[key])


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Transactions are begun by _sqlite_begin, not by the driver's implicit (deferred) BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Checkpoint the WAL every ~40 MB instead of every 4 MB: a new feed's dedupe keys land on
    # random index pages, and each checkpoint (with its fsync) cost more than the writes it
    # followed. 1,000 transactions of 150 random keys: commits took 3.2 s, now 1.8 s.
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.execute("PRAGMA journal_size_limit=67108864")  # and truncate the WAL back to 64 MB
    # A 16 MB page cache instead of 2 MB: a batch of new feeds dirties more pages than 2 MB
    # holds (their dedupe keys land on random index pages), and SQLite then spills pages to
    # the WAL in mid-transaction and reads them back. 1,000 feeds' writes in batches of 8
    # (150 keys and 50 entries each): 3.3 -> 2.6 CPU-s.
    cursor.execute("PRAGMA cache_size=-16384")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    """BEGIN IMMEDIATE: a transaction takes the write lock when it starts, so two processes on one
    file (a `run` and a `run --once`, say) queue for it instead of both reading, then one failing
    with "database is locked" when it tries to write what it read."""
    # straight to the driver: every transaction starts here, and SQLAlchemy's statement
    # machinery cost more than the BEGIN itself (a lock timeout raises sqlite3's own error)
    conn.connection.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]


class Sql:
    """Plain SQL straight to the driver, for the statements that run for every new entry.

    The text is written once with `?` for parameters (SQLite's style; turned into psycopg's
    `%s` for PostgreSQL), and times are given as each backend keeps them, as `UTCDateTime`
    does: naive UTC, which SQLite holds as text in SQLAlchemy's fixed-width format.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"
        # SQLite: the driver's connection itself, inside the transaction SQLAlchemy began on it
        # (BEGIN IMMEDIATE, `_sqlite_begin`). exec_driver_sql's cursor and result wrapping cost
        # more than SQLite's own work for these one-row statements; sqlite3's errors are
        # translated by `Database._tx` as before.
        self._driver: sqlite3.Connection | None = (
            conn.connection.driver_connection if self.sqlite else None
        )

    def when(self, moment: datetime) -> object:
        if moment.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        utc = moment.astimezone(UTC).replace(tzinfo=None)
        return utc.isoformat(" ", "microseconds") if self.sqlite else utc

    def value(self, v: object) -> object:
        return self.when(v) if isinstance(v, datetime) else v

    @staticmethod
    def moment(v: object) -> datetime:
        """A time read back as `when` wrote it (SQLite's text, PostgreSQL's naive UTC
        datetime), as the aware UTC datetime `UTCDateTime` gives."""
        moment = datetime.fromisoformat(v) if isinstance(v, str) else v
        if not isinstance(moment, datetime):
            raise TypeError(f"not a time from the store: {v!r}")
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

    def run(self, statement: str, params: Sequence[object]) -> Any:
        """The statement's cursor: iterate it for rows (tuples), or read its `rowcount`."""
        if self._driver is not None:
            return self._driver.execute(statement, tuple(params))
        return self.conn.exec_driver_sql(_pyformat(statement), tuple(params))

    def first(self, statement: str, params: Sequence[object]) -> Any:
        """The statement's first row, or None."""
        if self._driver is not None:
            return self._driver.execute(statement, tuple(params)).fetchone()
        return self.conn.exec_driver_sql(_pyformat(statement), tuple(params)).first()

    def run_many(self, statement: str, rows: Sequence[Sequence[object]]) -> None:
        if self._driver is not None:
            self._driver.executemany(statement, rows)
            return
        self.conn.exec_driver_sql(_pyformat(statement), [tuple(r) for r in rows])


@functools.lru_cache(maxsize=512)
def _pyformat(statement: str) -> str:
    return statement.replace("?", "%s")


def marks(values: Sized) -> str:
    return ", ".join("?" * len(values))
