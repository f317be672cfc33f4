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
from datetime import datetime, timedelta
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

from bot.dedupe import is_title_key
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
    last_polled_at: datetime | None = None
    failing_since: datetime | None = None
    health_alerted: bool = False


@dataclass(frozen=True)
class Outgoing:
    """A message to queue: a story's first post in a channel, a thread reply, or a parent edit."""

    kind: str  # post | reply | update
    channel: str
    message: Message


@dataclass(frozen=True)
class StoryWrite:
    """The state of the story an entry created or joined, after the entry."""

    key: str
    labels: tuple[str, ...]
    first_published: datetime
    sources: int
    members: int


@dataclass(frozen=True)
class NewEntry:
    """An entry to record: its dedupe keys, and (if labelled) its item, story and messages."""

    keys: tuple[str, ...]
    item: dict[str, Any] | None = None  # the items row, for labelled entries
    story: StoryWrite | None = None
    outgoing: tuple[Outgoing, ...] = ()


@dataclass(frozen=True)
class Delivery:
    id: int
    key: str
    kind: str
    channel: str
    message: Message
    attempts: int
    created_at: datetime
    parent_key: str | None
    published: datetime | None = None
    in_flight: bool = False


@dataclass(frozen=True)
class Parent:
    status: str
    slack_ts: str | None
    slack_channel: str | None


@dataclass(frozen=True)
class StoredMember:
    """A story member as the store keeps it, for rebuilding the in-memory index."""

    story_key: str
    item_key: str
    title: str
    summary: str
    labels: tuple[str, ...]
    published: datetime
    source: str
    url: str
    evidence: dict[str, list[str]]


@dataclass(frozen=True)
class IngestResult:
    new_items: int
    alerts_queued: int


def outbox_key(kind: str, channel: str, *, story: str, item: str, members: int = 0) -> str:
    if kind == "post":
        return f"post:{story}:{channel}"
    if kind == "reply":
        return f"reply:{item}:{channel}"
    return f"update:{story}:{channel}:{members}"


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
    def open(cls, url: str, *, busy_timeout: float = 30.0) -> Store:
        """Open (creating the directory and schema) the database at a SQLAlchemy URL."""
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
                detail = str(getattr(e, "orig", None) or e)
                raise StoreError(f"database error: {detail}{_advice(detail)}") from e

    def migrate(self) -> None:
        """Create or check the schema. Two processes starting at once may race: retry once."""
        try:
            self._migrate()
        except StoreError:
            self._migrate()

    def _migrate(self) -> None:
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
                            url=url,
                            name=name,
                            next_check_at=now,
                            failures=0,
                            items_seen=0,
                            health_alerted=0,
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
                    failing_since=func.coalesce(t.feeds.c.failing_since, now),
                    next_check_at=next_check_at,
                    leased_by=None,
                    lease_until=None,
                )
            )

    def record_unchanged_many(self, rows: Sequence[tuple[str, datetime, datetime]]) -> None:
        """Many 304s in one transaction: (url, when polled, next check)."""
        if not rows:
            return
        with self._tx() as conn:
            for url, now, next_check_at in rows:
                conn.execute(
                    update(t.feeds)
                    .where(t.feeds.c.url == url)
                    .values(**_success(now, next_check_at))
                )

    def record_unchanged(self, url: str, now: datetime, next_check_at: datetime) -> None:
        """A 304, or a body identical to the last one."""
        with self._tx() as conn:
            conn.execute(
                update(t.feeds).where(t.feeds.c.url == url).values(**_success(now, next_check_at))
            )

    def known_keys(self, keys: Sequence[str], titles_since: datetime) -> set[str]:
        """Which of these dedupe keys were seen before (title keys: seen since `titles_since`)."""
        with self._tx() as conn:
            return self._known(conn, keys, titles_since)[0]

    @staticmethod
    def _known(
        conn: Connection, keys: Sequence[str], titles_since: datetime
    ) -> tuple[set[str], set[str]]:
        """(keys that count as seen, every key that has a row)."""
        unique = list(dict.fromkeys(keys))
        known: set[str] = set()
        rows: set[str] = set()
        for i in range(0, len(unique), 500):
            chunk = unique[i : i + 500]
            for key, last_seen in conn.execute(
                select(t.seen.c.key, t.seen.c.last_seen).where(t.seen.c.key.in_(chunk))
            ):
                rows.add(key)
                if not is_title_key(key) or last_seen >= titles_since:
                    known.add(key)
        return known, rows

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
        titles_since: datetime,
    ) -> IngestResult:
        """Record a fetched feed: new entries, their stories and messages, its caching state."""
        with self._tx() as conn:
            all_keys = [k for e in entries for k in e.keys]
            known, rows = self._known(conn, all_keys, titles_since)
            if known:
                still_listed = list(known)
                for i in range(0, len(still_listed), 500):
                    conn.execute(
                        update(t.seen)
                        .where(t.seen.c.key.in_(still_listed[i : i + 500]))
                        .values(last_seen=now)
                    )
            new_items = 0
            queued = 0
            new_seen: list[dict[str, Any]] = []
            for entry in entries:
                if any(k in known for k in entry.keys):
                    fresh = [k for k in entry.keys if k not in known]  # e.g. an edited title
                else:
                    fresh = list(entry.keys)
                    new_items += 1
                    queued += self._record_entry(conn, entry, now)
                for key in dict.fromkeys(fresh):
                    if key in rows:  # a stale title key, seen again
                        conn.execute(
                            update(t.seen)
                            .where(t.seen.c.key == key)
                            .values(feed_url=url, first_seen=now, last_seen=now)
                        )
                    else:
                        new_seen.append(
                            {"key": key, "feed_url": url, "first_seen": now, "last_seen": now}
                        )
                    known.add(key)
                    rows.add(key)
            if new_seen:  # one executemany: a cold feed brings hundreds of keys
                conn.execute(insert(t.seen), new_seen)
            values = _success(now, next_check_at)
            values.update(etag=etag, last_modified=last_modified, body_hash=body_hash)
            values["items_seen"] = t.feeds.c.items_seen + new_items
            values["first_success_at"] = func.coalesce(t.feeds.c.first_success_at, now)
            conn.execute(update(t.feeds).where(t.feeds.c.url == url).values(**values))
            return IngestResult(new_items=new_items, alerts_queued=queued)

    def _record_entry(self, conn: Connection, entry: NewEntry, now: datetime) -> int:
        item_key = entry.keys[0]
        story = entry.story
        if entry.item is not None:
            conn.execute(
                insert(t.items).values(**entry.item, story_key=story.key if story else None)
            )
        if story is not None:
            row = {
                "labels": json.dumps(list(story.labels)),
                "first_published": story.first_published,
                "last_updated": now,
                "sources": story.sources,
                "members": story.members,
            }
            exists = conn.execute(
                select(t.stories.c.key).where(t.stories.c.key == story.key)
            ).first()
            if exists:
                conn.execute(update(t.stories).where(t.stories.c.key == story.key).values(**row))
            else:
                conn.execute(insert(t.stories).values(key=story.key, **row))
        queued = 0
        for out in entry.outgoing:
            story_key = story.key if story else item_key
            key = outbox_key(
                out.kind,
                out.channel,
                story=story_key,
                item=item_key,
                members=story.members if story else 0,
            )
            parent = (
                None
                if out.kind == "post"
                else outbox_key("post", out.channel, story=story_key, item=item_key)
            )
            if conn.execute(select(t.outbox.c.id).where(t.outbox.c.key == key)).first():
                continue  # exactly once per key, whatever asked twice
            if out.kind == "update":
                conn.execute(
                    update(t.outbox)
                    .where(t.outbox.c.parent_key == parent)
                    .where(t.outbox.c.kind == "update")
                    .where(t.outbox.c.status == "pending")
                    .values(status="superseded")
                )
            conn.execute(
                insert(t.outbox).values(
                    key=key,
                    kind=out.kind,
                    channel=out.channel,
                    item_key=item_key,
                    story_key=story_key,
                    parent_key=parent,
                    payload=_message_json(out.message),
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                    published=entry.item["published"] if entry.item else None,
                )
            )
            queued += out.kind == "post"
        return queued

    def queue_message(self, key: str, channel: str, message: Message, now: datetime) -> bool:
        """Queue a standalone message (feed health) once per key; False if it was queued before."""
        with self._tx() as conn:
            if conn.execute(select(t.outbox.c.id).where(t.outbox.c.key == key)).first():
                return False
            conn.execute(
                insert(t.outbox).values(
                    key=key,
                    kind="post",
                    channel=channel,
                    item_key="-",
                    payload=_message_json(message),
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
            return True

    def set_health_alerted(self, url: str, alerted: bool) -> None:
        with self._tx() as conn:
            conn.execute(
                update(t.feeds).where(t.feeds.c.url == url).values(health_alerted=int(alerted))
            )

    def open_story_members(self, since: datetime) -> list[StoredMember]:
        """Members of stories first reported at or after `since`, oldest first."""
        with self._tx() as conn:
            rows = conn.execute(
                select(t.items, t.stories.c.first_published)
                .join(t.stories, t.stories.c.key == t.items.c.story_key)
                .where(t.stories.c.first_published >= since)
                .order_by(t.items.c.id)
            ).all()
            return [_member(r) for r in rows]

    def story_channels(self, since: datetime) -> list[tuple[str, str]]:
        """(story, channel) pairs that have a first post queued or sent, for open stories."""
        with self._tx() as conn:
            rows = conn.execute(
                select(t.outbox.c.story_key, t.outbox.c.channel)
                .join(t.stories, t.stories.c.key == t.outbox.c.story_key)
                .where(t.outbox.c.kind == "post")
                .where(t.stories.c.first_published >= since)
            ).all()
            return [(r.story_key, r.channel) for r in rows]

    def prune(self, now: datetime, retention: timedelta) -> dict[str, int]:
        """Delete what is older than `retention`: entries no feed lists any more, old stories, old sent messages."""
        cutoff = now - retention
        with self._tx() as conn:
            seen_n = conn.execute(t.seen.delete().where(t.seen.c.last_seen < cutoff)).rowcount
            old_stories = select(t.stories.c.key).where(t.stories.c.first_published < cutoff)
            items_n = conn.execute(
                t.items.delete().where(
                    (t.items.c.first_seen < cutoff)
                    & ((t.items.c.story_key.is_(None)) | t.items.c.story_key.in_(old_stories))
                )
            ).rowcount
            stories_n = conn.execute(
                t.stories.delete().where(t.stories.c.first_published < cutoff)
            ).rowcount
            outbox_n = conn.execute(
                t.outbox.delete()
                .where(t.outbox.c.status.in_(["sent", "superseded"]))
                .where(t.outbox.c.created_at < cutoff)
            ).rowcount
            return {"seen": seen_n, "items": items_n, "stories": stories_n, "outbox": outbox_n}

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
                    kind=r.kind,
                    channel=r.channel,
                    message=_message_from_json(r.payload),
                    attempts=r.attempts,
                    created_at=r.created_at,
                    parent_key=r.parent_key,
                    published=r.published,
                    in_flight=bool(r.in_flight),
                )
                for r in rows
            ]

    def parent(self, key: str) -> Parent | None:
        with self._tx() as conn:
            row = conn.execute(
                select(t.outbox.c.status, t.outbox.c.slack_ts, t.outbox.c.slack_channel).where(
                    t.outbox.c.key == key
                )
            ).first()
            return None if row is None else Parent(row.status, row.slack_ts, row.slack_channel)

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
                .values(attempts=t.outbox.c.attempts + 1, in_flight=1)
            )

    def mark_sent(
        self,
        delivery_id: int,
        now: datetime,
        slack_ts: str | None,
        slack_channel: str | None = None,
    ) -> None:
        with self._tx() as conn:
            conn.execute(
                update(t.outbox)
                .where(t.outbox.c.id == delivery_id)
                .values(
                    status="sent",
                    sent_at=now,
                    slack_ts=slack_ts,
                    slack_channel=slack_channel,
                    last_error=None,
                    in_flight=0,
                )
            )

    def postpone(self, delivery_id: int, next_attempt_at: datetime) -> None:
        """Not an attempt: the message waits for something (its parent post)."""
        with self._tx() as conn:
            conn.execute(
                update(t.outbox)
                .where(t.outbox.c.id == delivery_id)
                .values(next_attempt_at=next_attempt_at)
            )

    def mark_retry(
        self, delivery_id: int, next_attempt_at: datetime, error: str, *, maybe_sent: bool = False
    ) -> None:
        with self._tx() as conn:
            conn.execute(
                update(t.outbox)
                .where(t.outbox.c.id == delivery_id)
                .values(
                    next_attempt_at=next_attempt_at,
                    last_error=error[:2000],
                    in_flight=int(maybe_sent),
                )
            )

    def mark_failed(self, delivery_id: int, error: str) -> None:
        with self._tx() as conn:
            conn.execute(
                update(t.outbox)
                .where(t.outbox.c.id == delivery_id)
                .values(status="failed", last_error=error[:2000], in_flight=0)
            )

    def outbox_counts(self) -> dict[str, int]:
        with self._tx() as conn:
            rows = conn.execute(
                select(t.outbox.c.status, func.count()).group_by(t.outbox.c.status)
            ).all()
            return {str(status): int(n) for status, n in rows}


def _advice(detail: str) -> str:
    """What to do about the database errors an operator can fix."""
    text = detail.lower()
    if "locked" in text or "busy" in text:
        return " (another process holds the database; is a second newsbot using the same file?)"
    if "full" in text:
        return " (the disk holding the database is full: free space; nothing was written)"
    if "readonly" in text or "read-only" in text:
        return " (the database file or its directory is read-only: fix the permissions or mount)"
    if "unable to open" in text:
        return " (check that the database path exists and is writable)"
    return ""


def _member(r: Any) -> StoredMember:
    data = json.loads(r.labels)
    return StoredMember(
        story_key=r.story_key,
        item_key=r.key,
        title=r.title,
        summary=r.summary,
        labels=tuple(data["labels"]),
        published=r.published,
        source=r.feed_name,
        url=r.url,
        evidence=data.get("evidence", {}),
    )


def _success(now: datetime, next_check_at: datetime) -> dict[str, Any]:
    return {
        "last_polled_at": now,
        "last_success_at": now,
        "failures": 0,
        "failing_since": None,
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
        last_polled_at=row["last_polled_at"],
        failing_since=row["failing_since"],
        health_alerted=bool(row["health_alerted"]),
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
