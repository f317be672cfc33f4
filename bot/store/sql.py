"""The only code that speaks SQL. SQLAlchemy Core, so the same code later serves PostgreSQL.

Every method is one transaction. A feed's new state (ETag, body hash, next check) is written in
the same transaction as the entries it produced and the alerts they queued, so a crash either
keeps all of it or none of it: nothing is lost and nothing is queued twice.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    event,
    func,
    insert,
    select,
    true,
    update,
)
from sqlalchemy.exc import SQLAlchemyError

from bot.errors import StoreError
from bot.models import Message
from bot.store import schema as t


@dataclass(frozen=True)
class FeedState:
    url: str
    name: str
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    next_check_at: datetime
    last_success_at: datetime | None
    first_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    failures: int
    items_seen: int


@dataclass(frozen=True)
class NewEntry:
    """An entry to record: its dedupe keys, and (if it alerts) its item row and outbox rows."""

    keys: tuple[str, ...]
    item: dict[str, Any] | None  # the items row, for labelled entries
    alerts: tuple[tuple[str, str, Message], ...]  # (alert key, channel, message)


@dataclass(frozen=True)
class Delivery:
    id: int
    key: str
    channel: str
    message: Message
    attempts: int
    created_at: datetime


@dataclass(frozen=True)
class IngestResult:
    new_items: int
    alerts_queued: int


def _message_json(message: Message) -> str:
    return json.dumps({"text": message.text, "blocks": list(message.blocks)}, ensure_ascii=False)


def _message_from_json(text: str) -> Message:
    data = json.loads(text)
    return Message(text=data["text"], blocks=tuple(data["blocks"]))


class Store:
    """Feeds, seen entries, labelled items and the outbox."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.RLock()  # SQLite allows one writer; serialise our own threads

    @classmethod
    def open(cls, url: str) -> Store:
        """Open (creating the directory and schema) the database at a SQLAlchemy URL."""
        if url.startswith("sqlite:///"):
            path = url.removeprefix("sqlite:///")
            if path and path != ":memory:":
                try:
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                except OSError as e:
                    raise StoreError(
                        f"cannot create the database directory for {path}: {e.strerror}"
                    ) from e
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True)
        store = cls(engine)
        store.migrate()
        return store

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self._lock:
            try:
                with self.engine.begin() as conn:
                    yield conn
            except SQLAlchemyError as e:
                detail = getattr(e, "orig", None) or e
                raise StoreError(f"database error: {type(e).__name__}: {detail}") from e

    def migrate(self) -> None:
        with self._tx() as conn:
            t.metadata.create_all(conn)
            version = conn.execute(select(t.meta.c.value).where(t.meta.c.key == "schema")).scalar()
            if version is None:
                conn.execute(insert(t.meta).values(key="schema", value=str(t.SCHEMA_VERSION)))
            elif int(version) > t.SCHEMA_VERSION:
                raise StoreError(
                    f"the database has schema version {version}, newer than this newsbot "
                    f"({t.SCHEMA_VERSION}); upgrade newsbot or point it at another database"
                )

    def close(self) -> None:
        self.engine.dispose()

    def ping(self) -> None:
        with self._tx() as conn:
            conn.execute(select(1))

    # -- feeds -----------------------------------------------------------------------------

    def sync_feeds(
        self, feeds: Sequence[tuple[str, str]], now: datetime, *, reclaim_all: bool = False
    ) -> None:
        """Make sure every configured (url, name) has a row; new feeds are due now.

        Expired leases are released; `reclaim_all` releases every lease (one process, at start).
        """
        with self._tx() as conn:
            existing = {
                row.url: row.name for row in conn.execute(select(t.feeds.c.url, t.feeds.c.name))
            }
            for url, name in feeds:
                if url not in existing:
                    conn.execute(
                        insert(t.feeds).values(
                            url=url, name=name, next_check_at=now, failures=0, items_seen=0
                        )
                    )
                elif existing[url] != name:
                    conn.execute(update(t.feeds).where(t.feeds.c.url == url).values(name=name))
            # A poll that was cut short (crash, kill) left its lease: such feeds are due again.
            conn.execute(
                update(t.feeds)
                .where(t.feeds.c.leased_by.is_not(None))
                .where(true() if reclaim_all else t.feeds.c.lease_until <= now)
                .values(next_check_at=now, leased_by=None, lease_until=None)
            )

    def feed_states(self, urls: Sequence[str] | None = None) -> list[FeedState]:
        with self._tx() as conn:
            query = select(t.feeds).order_by(t.feeds.c.name)
            if urls is not None:
                query = query.where(t.feeds.c.url.in_(list(urls)))
            return [_feed_state(row._mapping) for row in conn.execute(query)]

    def claim_due(
        self, urls: Sequence[str], now: datetime, lease_until: datetime, owner: str
    ) -> list[FeedState]:
        """Feeds due now (among `urls`); each is leased until `lease_until` so nobody else polls it."""
        if not urls:
            return []
        with self._tx() as conn:
            rows = conn.execute(
                select(t.feeds)
                .where(t.feeds.c.url.in_(list(urls)))
                .where(t.feeds.c.next_check_at <= now)
                .order_by(t.feeds.c.next_check_at)
            ).all()
            claimed = [_feed_state(row._mapping) for row in rows]
            if claimed:
                conn.execute(
                    update(t.feeds)
                    .where(t.feeds.c.url.in_([f.url for f in claimed]))
                    .values(next_check_at=lease_until, leased_by=owner, lease_until=lease_until)
                )
            return claimed

    def record_failure(self, url: str, now: datetime, error: str, next_check_at: datetime) -> None:
        with self._tx() as conn:
            conn.execute(
                update(t.feeds)
                .where(t.feeds.c.url == url)
                .values(
                    last_polled_at=now,
                    last_error=error[:2000],
                    last_error_at=now,
                    failures=t.feeds.c.failures + 1,
                    next_check_at=next_check_at,
                    leased_by=None,
                    lease_until=None,
                )
            )

    def record_unchanged(self, url: str, now: datetime, next_check_at: datetime) -> None:
        """A 304, or a body identical to the last one."""
        with self._tx() as conn:
            conn.execute(
                update(t.feeds).where(t.feeds.c.url == url).values(**_success(now, next_check_at))
            )

    def ingest(
        self,
        url: str,
        now: datetime,
        next_check_at: datetime,
        *,
        etag: str | None,
        last_modified: str | None,
        body_hash: str,
        entries: Sequence[NewEntry],
    ) -> IngestResult:
        """Record a fetched feed: new entries, their alerts, and the feed's caching state."""
        with self._tx() as conn:
            all_keys = list({k for e in entries for k in e.keys})
            known: set[str] = set()
            for i in range(0, len(all_keys), 500):
                chunk = all_keys[i : i + 500]
                known.update(
                    conn.execute(select(t.seen.c.key).where(t.seen.c.key.in_(chunk))).scalars()
                )
            new_items = 0
            queued = 0
            for entry in entries:
                if any(k in known for k in entry.keys):
                    # a repeat: remember any new key it brought (e.g. an edited title)
                    fresh = [k for k in entry.keys if k not in known]
                else:
                    fresh = list(entry.keys)
                    new_items += 1
                    if entry.item is not None:
                        conn.execute(insert(t.items).values(**entry.item))
                    for key, channel, message in entry.alerts:
                        conn.execute(
                            insert(t.outbox).values(
                                key=key,
                                channel=channel,
                                item_key=entry.keys[0],
                                payload=_message_json(message),
                                status="pending",
                                attempts=0,
                                next_attempt_at=now,
                                created_at=now,
                            )
                        )
                        queued += 1
                for key in dict.fromkeys(fresh):
                    conn.execute(insert(t.seen).values(key=key, feed_url=url, first_seen=now))
                    known.add(key)
            values = _success(now, next_check_at)
            values.update(etag=etag, last_modified=last_modified, body_hash=body_hash)
            values["items_seen"] = t.feeds.c.items_seen + new_items
            values["first_success_at"] = func.coalesce(t.feeds.c.first_success_at, now)
            conn.execute(update(t.feeds).where(t.feeds.c.url == url).values(**values))
            return IngestResult(new_items=new_items, alerts_queued=queued)

    # -- outbox ----------------------------------------------------------------------------

    def due_deliveries(self, now: datetime, limit: int = 100) -> list[Delivery]:
        with self._tx() as conn:
            rows = conn.execute(
                select(t.outbox)
                .where(t.outbox.c.status == "pending")
                .where(t.outbox.c.next_attempt_at <= now)
                .order_by(t.outbox.c.id)
                .limit(limit)
            ).all()
            return [
                Delivery(
                    id=r.id,
                    key=r.key,
                    channel=r.channel,
                    message=_message_from_json(r.payload),
                    attempts=r.attempts,
                    created_at=r.created_at,
                )
                for r in rows
            ]

    def next_delivery_at(self) -> datetime | None:
        with self._tx() as conn:
            value: datetime | None = conn.execute(
                select(func.min(t.outbox.c.next_attempt_at)).where(t.outbox.c.status == "pending")
            ).scalar()
            return value

    def mark_attempt(self, delivery_id: int) -> None:
        """Count an attempt before it is made, so a crash mid-send is visible afterwards."""
        with self._tx() as conn:
            conn.execute(
                update(t.outbox)
                .where(t.outbox.c.id == delivery_id)
                .values(attempts=t.outbox.c.attempts + 1)
            )

    def mark_sent(self, delivery_id: int, now: datetime, slack_ts: str | None) -> None:
        with self._tx() as conn:
            conn.execute(
                update(t.outbox)
                .where(t.outbox.c.id == delivery_id)
                .values(status="sent", sent_at=now, slack_ts=slack_ts, last_error=None)
            )

    def mark_retry(self, delivery_id: int, next_attempt_at: datetime, error: str) -> None:
        with self._tx() as conn:
            conn.execute(
                update(t.outbox)
                .where(t.outbox.c.id == delivery_id)
                .values(next_attempt_at=next_attempt_at, last_error=error[:2000])
            )

    def mark_failed(self, delivery_id: int, error: str) -> None:
        with self._tx() as conn:
            conn.execute(
                update(t.outbox)
                .where(t.outbox.c.id == delivery_id)
                .values(status="failed", last_error=error[:2000])
            )

    def outbox_counts(self) -> dict[str, int]:
        with self._tx() as conn:
            rows = conn.execute(
                select(t.outbox.c.status, func.count()).group_by(t.outbox.c.status)
            ).all()
            return {str(status): int(n) for status, n in rows}

    def sent(self) -> list[tuple[str, str, str | None]]:
        """(channel, alert key, slack ts) of every sent alert, oldest first."""
        with self._tx() as conn:
            rows = conn.execute(
                select(t.outbox.c.channel, t.outbox.c.key, t.outbox.c.slack_ts)
                .where(t.outbox.c.status == "sent")
                .order_by(t.outbox.c.id)
            ).all()
            return [(r.channel, r.key, r.slack_ts) for r in rows]


def _success(now: datetime, next_check_at: datetime) -> dict[str, Any]:
    return {
        "last_polled_at": now,
        "last_success_at": now,
        "failures": 0,
        "last_error": None,
        "next_check_at": next_check_at,
        "leased_by": None,
        "lease_until": None,
    }


def _feed_state(row: Any) -> FeedState:
    return FeedState(
        url=row["url"],
        name=row["name"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        body_hash=row["body_hash"],
        next_check_at=row["next_check_at"],
        last_success_at=row["last_success_at"],
        first_success_at=row["first_success_at"],
        last_error=row["last_error"],
        last_error_at=row["last_error_at"],
        failures=row["failures"],
        items_seen=row["items_seen"],
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
