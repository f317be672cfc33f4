"""The only code that speaks SQL. SQLAlchemy Core: one code path for SQLite and PostgreSQL.

Every method is one transaction. A feed's new state (ETag, body hash, next check) is written in
the same transaction as the entries it produced and the alerts they queued, so a crash either
keeps all of it or none of it: nothing is lost and nothing is queued twice.

Several processes may share one PostgreSQL database (replicas). They coordinate only through it:
- feeds and outbox rows are claimed with a lease (`leased_by`, `lease_until`) by conditional
  updates or `FOR UPDATE SKIP LOCKED`, so a row is worked on by one replica at a time, and a dead
  replica's rows come free when its leases expire;
- story assignment and ingest take one advisory lock for their transaction, so replicas assign
  stories one batch of feeds at a time, each first catching up with what the others recorded;
- unique keys (`seen.key`, `outbox.key`) make a second copy of an entry or a post impossible,
  whatever the leases say.
"""

from __future__ import annotations

import os
import time

from sqlalchemy import Engine

from bot import runlock
from bot.errors import StoreError
from bot.store.channels import ChannelStore
from bot.store.engine import connect
from bot.store.feeds import FeedStore
from bot.store.ingest import IngestStore
from bot.store.jobs import JobStore
from bot.store.latency import LatencyStore
from bot.store.migrate import migrate
from bot.store.outbox import OutboxStore


class Store(FeedStore, IngestStore, OutboxStore, ChannelStore, JobStore, LatencyStore):
    """The whole store: each concern in its own module (feeds, ingest and stories, outbox and
    delivery, channel settings, jobs), one engine under them all. A consumer that needs one
    part is typed with its Protocol (bot/store/protocols.py)."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self._runner_lock: int | None = None  # the lock file's descriptor, while held

    @classmethod
    def open(cls, url: str, *, busy_timeout: float = 30.0) -> Store:
        """Open (creating the directory and schema) the database at a SQLAlchemy URL."""
        store = cls(connect(url, busy_timeout=busy_timeout))
        store.migrate()
        return store

    def migrate(self) -> tuple[int, int]:
        """Create, check or upgrade the schema: (version found, version now).

        PostgreSQL serialises replicas with an advisory lock; processes opening a new SQLite
        file at once may race, so a failure is retried a few times.
        """
        for attempt in range(5):
            try:
                with self._tx() as conn:
                    return migrate(conn)
            except StoreError as e:
                if "newer than this newsbot" in str(e) or attempt == 4:
                    raise
                time.sleep(0.05 * (attempt + 1))  # another process is creating the same file
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._runner_lock is not None:
            os.close(self._runner_lock)  # closing the descriptor releases the lock
            self._runner_lock = None
        self.engine.dispose()

    def hold_sole_runner(self) -> None:
        """Refuse to run beside another newsbot on the same SQLite file (both would send the
        same alerts): an exclusive lock on `<database>.lock`, held until close(). PostgreSQL
        needs none: replicas there coordinate through leases."""
        path = self.engine.url.database
        if self.shared or not path or path == ":memory:" or self._runner_lock is not None:
            return
        lock_path = f"{path.removeprefix('file:')}.lock"
        try:
            fd = runlock.acquire(lock_path)
        except OSError as e:
            raise StoreError(f"cannot create the lock file {lock_path}: {e.strerror}") from e
        if fd is None:
            raise StoreError(
                f"another newsbot (pid {runlock.holder(lock_path)}) is already running on {path};"
                " stop it first. Two processes on one SQLite file would send alerts twice; to run"
                " several replicas, use PostgreSQL (see README, 'Scaling out')"
            )
        self._runner_lock = fd
