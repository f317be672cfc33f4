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

import fcntl
import functools
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence, Sized
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    CursorResult,
    Engine,
    Insert,
    Table,
    bindparam,
    case,
    create_engine,
    event,
    func,
    insert,
    or_,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from bot.domain.dedupe import is_title_key
from bot.errors import StoreError
from bot.kinds import digest_key, is_alert, outbox_key
from bot.models import Decision, DigestEntry, Item, Message
from bot.store import schema as t
from bot.store.latency import LatencyStore
from bot.store.migrate import STORY_LOCK, migrate
from bot.validate import safe_url


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
    # politeness (bot/poll/polite.py): no poll before `polite_until`; the feed's last <ttl>
    polite_until: datetime | None = None
    ttl: int | None = None


@dataclass(frozen=True)
class Outgoing:
    """A message to queue: a story's first post in a channel, a thread reply, or a parent edit.

    A story's post may instead be `held` until `release_at` (a digest, quiet hours), then sent
    as part of one digest message; or `stormed`: listed in the channel's storm summary (`parent`)
    rather than posted. Either way its key is taken, so the story is never posted there later.
    """

    kind: str  # post | reply | update
    channel: str
    message: Message
    severity: str = "normal"
    status: str = "pending"  # pending | held | stormed
    release_at: datetime | None = None
    key: str | None = None  # explicit key (storm summaries); else derived from the story
    parent: str | None = None  # explicit parent key (storm summaries and their edits)


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
    text: dict[str, Any] | None = None  # the entries row: every new entry's text (replay)
    # not stored: what the planner decided, for `newsbot explain` and `replay`
    severity: str | None = None
    decisions: tuple[Decision, ...] = ()


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
class OutboxRow:
    """An outbox message as `newsbot outbox list` shows it."""

    key: str
    kind: str
    channel: str
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    last_error: str | None
    text: str  # the plain-text fallback: what the message says
    parent_key: str | None = None


@dataclass(frozen=True)
class StoredEntry:
    """An entry's text as recorded (for replay): the item, and how it was recorded."""

    item: Item
    first_poll: bool
    first_seen: datetime
    key: str = ""  # its first dedupe key (the table's key)


ENTRY_COLUMNS = (
    "key",
    "feed_url",
    "feed_name",
    "item_id",
    "url",
    "title",
    "summary",
    "published",
    "dated",
    "first_poll",
    "first_seen",
)
# why a reply or edit is parked when its story's first post was (see Pipeline._parent_ready)
PARENT_FAILED = "the story's first post was not delivered"


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
class StoryChanges:
    """What was recorded about stories since a point: members, and first posts per channel."""

    members: list[StoredMember]
    channels: list[tuple[str, str]]  # (story, channel)


@dataclass
class ChannelActivity:
    """A channel's recent story alerts, for storm mode: when each was queued (posted or listed
    in a storm summary, not held), and the storm summary in progress, if any."""

    alerts: list[datetime] = field(default_factory=list)
    storm_key: str | None = None
    storm_started: datetime | None = None
    storm_last: datetime | None = None
    storm_entries: list[DigestEntry] = field(default_factory=list)


@dataclass
class IngestContext:
    """What the planner is given, inside the ingest transaction, holding the story lock."""

    known: set[str]  # the keys already seen
    changes: StoryChanges  # what other processes recorded since this one last looked
    # by channel, since the given time; each call reads it, so the planner calls it once, and
    # only when it has a story to post (most polls queue none)
    activity: Callable[[], dict[str, ChannelActivity]]


Planner = Callable[[IngestContext], Sequence[NewEntry]]


@dataclass(frozen=True)
class ChannelPrefs:
    """What a channel added from Slack, on top of the config file."""

    labels: tuple[str, ...]
    keywords: tuple[str, ...]
    updated_at: datetime | None = None


@dataclass(frozen=True)
class HeldStory:
    id: int
    channel: str
    entry: DigestEntry
    held_at: datetime


@dataclass(frozen=True)
class IngestRequest:
    """A fetched feed to record (see `Store.ingest`)."""

    url: str
    now: datetime
    next_check_at: datetime
    etag: str | None
    last_modified: str | None
    body_hash: str
    keys: Sequence[str]
    plan: Planner
    titles_since: datetime
    activity_since: datetime | None = None
    # politeness: the earliest next poll the server allows, and the feed's <ttl> (seconds)
    polite_until: datetime | None = None
    ttl: int | None = None


@dataclass(frozen=True)
class IngestResult:
    new_items: int
    alerts_queued: int


def _message_json(
    message: Message, severity: str | None = None, entry: DigestEntry | None = None
) -> str:
    data: dict[str, Any] = {"text": message.text, "blocks": list(message.blocks)}
    if severity is not None:
        data["severity"] = severity
    if entry is not None:
        data["entry"] = {
            "label": entry.label,
            "severity": entry.severity,
            "title": entry.title,
            "url": entry.url,
            "source": entry.source,
            "published": entry.published.isoformat(),
            "sources": entry.sources,
        }
    return json.dumps(data, ensure_ascii=False)


def _entry(data: dict[str, Any]) -> DigestEntry:
    return DigestEntry(
        label=str(data.get("label", "")),
        severity=str(data.get("severity", "normal")),
        title=str(data.get("title", "")),
        url=str(data.get("url", "")),
        source=str(data.get("source", "")),
        published=datetime.fromisoformat(str(data.get("published", "1970-01-01T00:00:00+00:00"))),
        sources=int(data.get("sources", 1)),
    )


def _digest_entry(entry: NewEntry, out: Outgoing) -> DigestEntry | None:
    """How a held or stormed story is listed later (in its digest or storm summary)."""
    if out.kind != "post" or entry.item is None or out.status == "pending":
        return None
    labels = entry.story.labels if entry.story else ()
    return DigestEntry(
        label=labels[0] if labels else "",
        severity=out.severity,
        title=str(entry.item["title"]),
        url=str(entry.item["url"]),
        source=str(entry.item["feed_name"]),
        published=entry.item["published"],
        sources=entry.story.sources if entry.story else 1,
    )


def _message_from_json(text: str) -> Message:
    data = json.loads(text)
    return Message(text=data["text"], blocks=tuple(data["blocks"]))


class Store(LatencyStore):
    """Feeds, seen entries, labelled items and the outbox."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.RLock()  # SQLite allows one writer; serialise our own threads
        # PostgreSQL may be shared by several replicas; a SQLite file belongs to one process
        self.shared = engine.dialect.name != "sqlite"
        # the last items.id and outbox.id this process has taken into its story index
        self._cursor = (0, 0)
        self._runner_lock: int | None = None  # the lock file's descriptor, while held

    @classmethod
    def open(cls, url: str, *, busy_timeout: float = 30.0) -> Store:
        """Open (creating the directory and schema) the database at a SQLAlchemy URL."""
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
        store = cls(engine)
        store.migrate()
        return store

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self._lock:
            try:
                with self.engine.begin() as conn:
                    yield conn
            except (SQLAlchemyError, sqlite3.Error) as e:  # sqlite3's own: from BEGIN, below
                detail = str(getattr(e, "orig", None) or e)
                raise StoreError(f"database error: {detail}{_advice(detail)}") from e

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
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise StoreError(f"cannot create the lock file {lock_path}: {e.strerror}") from e
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise StoreError(
                f"another newsbot (pid {holder}) is already running on {path}; stop it first. "
                "Two processes on one SQLite file would send alerts twice; to run several "
                "replicas, use PostgreSQL (see README, 'Scaling out')"
            ) from e
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._runner_lock = fd

    def ping(self) -> None:
        with self._tx() as conn:
            conn.execute(select(1))

    # -- feeds -----------------------------------------------------------------------------

    def sync_feeds(
        self, feeds: Sequence[tuple[str, str]], now: datetime, *, reclaim_all: bool = False
    ) -> None:
        """Make sure every configured (url, name) has a row; new feeds are due now.

        Expired leases are released; `reclaim_all` releases every lease on feeds (a process alone
        on its database, at start). Leases on messages are left to run out.
        """
        with self._tx() as conn:
            existing = {
                row.url: row.name for row in conn.execute(select(t.feeds.c.url, t.feeds.c.name))
            }
            for url, name in feeds:
                if url not in existing:  # a replica starting at the same moment may add it too
                    conn.execute(
                        _insert_new(conn, t.feeds, "url").values(
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
            # Messages keep their leases: a send cut short may still be reaching Slack (a slow
            # Slack finishes a request its client has gone from), so it is looked for in the
            # channel only when its hold runs out, never at once.

    def feed_states(self, urls: Sequence[str] | None = None) -> list[FeedState]:
        with self._tx() as conn:
            query = select(t.feeds).order_by(t.feeds.c.name)
            if urls is not None:
                query = query.where(t.feeds.c.url.in_(list(urls)))
            return [_feed_state(row._mapping) for row in conn.execute(query)]

    def claim_due(
        self,
        urls: Sequence[str],
        now: datetime,
        lease_until: datetime,
        owner: str,
        limit: int | None = None,
    ) -> list[FeedState]:
        """Feeds due now (among `urls`), most overdue first, at most `limit`; each is leased until
        `lease_until` so nobody else polls it. Rows another replica is claiming are skipped."""
        if not urls:
            return []
        with self._tx() as conn:
            query = (
                select(t.feeds)
                .where(t.feeds.c.url.in_(list(urls)))
                .where(t.feeds.c.next_check_at <= now)
                .order_by(t.feeds.c.next_check_at)
                .with_for_update(skip_locked=True)
            )
            if limit is not None:
                query = query.limit(limit)
            rows = conn.execute(query).all()
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
            conn.execute(  # one executemany
                update(t.feeds)
                .where(t.feeds.c.url == bindparam("feed_url"))
                .values(
                    **_success(bindparam("polled_at"), bindparam("next_at"))  # type: ignore[arg-type]
                ),
                [{"feed_url": u, "polled_at": p, "next_at": n} for u, p, n in rows],
            )

    def record_unchanged(self, url: str, now: datetime, next_check_at: datetime) -> None:
        """A 304, or a body identical to the last one."""
        with self._tx() as conn:
            conn.execute(
                update(t.feeds).where(t.feeds.c.url == url).values(**_success(now, next_check_at))
            )

    @staticmethod
    def _known(sql: _Sql, keys: Sequence[str], titles_since: datetime) -> tuple[set[str], set[str]]:
        """(keys that count as seen, every key that has a row)."""
        unique = list(dict.fromkeys(keys))
        known: set[str] = set()
        rows: set[str] = set()
        since = sql.when(titles_since)
        for i in range(0, len(unique), 500):
            chunk = unique[i : i + 500]
            found = sql.run(
                f"SELECT key, last_seen >= ? FROM seen WHERE key IN ({_marks(chunk)})",
                [since, *chunk],
            )
            for key, recent in map(tuple, found):
                rows.add(key)
                if recent or not is_title_key(key):
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
        keys: Sequence[str],
        plan: Planner,
        titles_since: datetime,
        activity_since: datetime | None = None,
    ) -> IngestResult:
        """Record a fetched feed: new entries, their stories and messages, its caching state.

        `keys` are the dedupe keys of every entry in the feed; `plan` turns what is known into the
        entries to record. Both run under the story lock, in the transaction that writes.
        """
        request = IngestRequest(
            url,
            now,
            next_check_at,
            etag=etag,
            last_modified=last_modified,
            body_hash=body_hash,
            keys=keys,
            plan=plan,
            titles_since=titles_since,
            activity_since=activity_since,
        )
        return self.ingest_many([request])[0]

    def ingest_many(self, requests: Sequence[IngestRequest]) -> list[IngestResult]:
        """Record several fetched feeds in one transaction, in order: all of them or none.

        One commit and one story lock for the lot. Each feed's planner sees what the feeds
        before it recorded, as if each had its own transaction; only the first is given the
        changes other processes made (it takes them into the story index for all).
        """
        with self._tx() as conn:
            changes = self._catch_up(conn)
            results = []
            for n, request in enumerate(requests):
                results.append(
                    self._ingest_one(conn, request, changes if n == 0 else StoryChanges([], []))
                )
            self._cursor = _max_ids(conn)
            return results

    def _ingest_one(
        self, conn: Connection, r: IngestRequest, changes: StoryChanges
    ) -> IngestResult:
        """One feed of `ingest_many`. The statements here run for every entry of every new feed,
        so they are written once as plain SQL (the same text for both backends) and handed to
        the driver: SQLAlchemy's per-statement building, compiling and per-row type processing
        cost several times what SQLite spends on them."""
        sql = _Sql(conn)
        now = sql.when(r.now)
        known, rows = self._known(sql, r.keys, r.titles_since)
        since = r.activity_since or r.now
        entries = r.plan(IngestContext(set(known), changes, lambda: self._activity(conn, since)))
        still_listed = list(known)
        for i in range(0, len(still_listed), 500):
            chunk = still_listed[i : i + 500]
            sql.run(f"UPDATE seen SET last_seen = ? WHERE key IN ({_marks(chunk)})", [now, *chunk])
        new_items = 0
        queued = 0
        new_seen: list[tuple[str, str, object, object]] = []
        texts: list[list[object]] = []
        for entry in entries:
            if any(k in known for k in entry.keys):
                fresh = [k for k in entry.keys if k not in known]  # e.g. an edited title
            else:
                fresh = list(entry.keys)
                new_items += 1
                queued += self._record_entry(sql, entry, r.now)
                if entry.text is not None:
                    texts.append([sql.value(entry.text[c]) for c in ENTRY_COLUMNS])
            for key in dict.fromkeys(fresh):
                if key in rows:  # a stale title key, seen again
                    sql.run(
                        "UPDATE seen SET feed_url = ?, first_seen = ?, last_seen = ? WHERE key = ?",
                        [r.url, now, now, key],
                    )
                else:
                    new_seen.append((key, r.url, now, now))
                known.add(key)
                rows.add(key)
        if texts:  # the entries' text, for replay
            sql.run_many(
                f"INSERT INTO entries ({', '.join(ENTRY_COLUMNS)})"
                f" VALUES ({_marks(ENTRY_COLUMNS)}) ON CONFLICT (key) DO NOTHING",
                texts,
            )
        if new_seen:  # one executemany: a cold feed brings hundreds of keys
            sql.run_many(
                "INSERT INTO seen (key, feed_url, first_seen, last_seen) VALUES (?, ?, ?, ?)",
                new_seen,
            )
        # what every successful poll sets (`_success`, shared with the 304 path), and the rest
        values = _success(r.now, r.next_check_at)
        values.update(etag=r.etag, last_modified=r.last_modified, body_hash=r.body_hash)
        values.update(polite_until=r.polite_until, ttl=r.ttl)
        sql.run(
            f"UPDATE feeds SET {', '.join(f'{column} = ?' for column in values)},"
            " items_seen = items_seen + ?, first_success_at = COALESCE(first_success_at, ?)"
            " WHERE url = ?",
            [*map(sql.value, values.values()), new_items, now, r.url],
        )
        return IngestResult(new_items=new_items, alerts_queued=queued)

    @staticmethod
    def _activity(conn: Connection, since: datetime) -> dict[str, ChannelActivity]:
        """Story alerts queued per channel since `since`, and each channel's latest storm."""
        out: dict[str, ChannelActivity] = {}
        rows = conn.execute(
            select(
                t.outbox.c.channel,
                t.outbox.c.key,
                t.outbox.c.status,
                t.outbox.c.parent_key,
                t.outbox.c.created_at,
                t.outbox.c.payload,
            )
            .where(t.outbox.c.kind == "post")
            .where(t.outbox.c.created_at >= since)
            .where(t.outbox.c.status != "held")
            .where(t.outbox.c.status != "digested")
            .order_by(t.outbox.c.id)
        ).all()
        for channel, key, status, parent, created, payload in rows:
            a = out.setdefault(channel, ChannelActivity())
            if key.startswith("storm:"):
                a.storm_key, a.storm_started, a.storm_last = key, created, created
                a.storm_entries = []
            elif is_alert(key):
                a.alerts.append(created)
                if status == "stormed" and parent == a.storm_key:
                    a.storm_last = created
                    entry = json.loads(payload).get("entry")
                    if entry:
                        a.storm_entries.append(_entry(entry))
        return out

    def _catch_up(self, conn: Connection) -> StoryChanges:
        """Take the story lock; return story members and first posts recorded since this process
        last looked (by other replicas: its own writes move the cursor past themselves)."""
        if self.shared:
            conn.execute(select(func.pg_advisory_xact_lock(STORY_LOCK)))
        item_id, outbox_id = self._cursor
        members = [
            _member(r)
            for r in conn.execute(
                select(t.items)
                .where(t.items.c.id > item_id)
                .where(t.items.c.story_key.is_not(None))
                .order_by(t.items.c.id)
            )
        ]
        channels = [
            (r.story_key, r.channel)
            for r in conn.execute(
                select(t.outbox.c.story_key, t.outbox.c.channel)
                .where(t.outbox.c.id > outbox_id)
                .where(t.outbox.c.kind == "post")
                .where(t.outbox.c.story_key.is_not(None))
            )
        ]
        return StoryChanges(members, channels)

    def _record_entry(self, sql: _Sql, entry: NewEntry, now: datetime) -> int:
        item_key = entry.keys[0]
        story = entry.story
        if entry.item is not None:
            row = dict(entry.item, story_key=story.key if story else None)
            sql.run(
                f"INSERT INTO items ({', '.join(row)}) VALUES ({_marks(row)})",
                [sql.value(v) for v in row.values()],
            )
        if story is not None:
            sql.run(
                "INSERT INTO stories (key, labels, first_published, last_updated, sources, members)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
                " labels = excluded.labels, first_published = excluded.first_published,"
                " last_updated = excluded.last_updated, sources = excluded.sources,"
                " members = excluded.members",
                [
                    story.key,
                    json.dumps(list(story.labels)),
                    sql.when(story.first_published),
                    sql.when(now),
                    story.sources,
                    story.members,
                ],
            )
        queued = 0
        for out in entry.outgoing:
            story_key = story.key if story else item_key
            key = out.key or outbox_key(
                out.kind,
                out.channel,
                story=story_key,
                item=item_key,
                members=story.members if story else 0,
            )
            parent = out.parent or (
                None
                if out.kind == "post"
                else outbox_key("post", out.channel, story=story_key, item=item_key)
            )
            inserted = sql.run(
                "INSERT INTO outbox (key, kind, channel, item_key, story_key, parent_key, payload,"
                " status, attempts, in_flight, next_attempt_at, created_at, published)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?)"
                " ON CONFLICT (key) DO NOTHING RETURNING id",
                [
                    key,
                    out.kind,
                    out.channel,
                    item_key,
                    None if key.startswith("storm:") else story_key,
                    parent,
                    _message_json(out.message, out.severity, _digest_entry(entry, out)),
                    out.status,
                    sql.when(out.release_at or now),
                    sql.when(now),
                    sql.value(entry.item["published"]) if entry.item else None,
                ],
            ).first()
            if inserted is None:
                continue  # exactly once per key, whatever asked twice
            if out.kind == "update":  # the latest edit replaces those not sent yet
                sql.run(
                    "UPDATE outbox SET status = 'superseded' WHERE parent_key = ?"
                    " AND kind = 'update' AND status = 'pending' AND key <> ?",
                    [parent, key],
                )
            queued += out.kind == "post" and out.status == "pending"
        return queued

    def release_held(
        self,
        now: datetime,
        compose: Callable[[str, list[HeldStory]], Message],
    ) -> int:
        """Send held stories whose time has come: per channel, one digest message (made by
        `compose`) replaces them, in one transaction. Returns the number of digests queued."""
        with self._tx() as conn:
            rows = conn.execute(
                select(
                    t.outbox.c.id,
                    t.outbox.c.channel,
                    t.outbox.c.payload,
                    t.outbox.c.created_at,
                )
                .where(t.outbox.c.status == "held")
                .where(t.outbox.c.next_attempt_at <= now)
                .order_by(t.outbox.c.id)
                .with_for_update(skip_locked=True)
            ).all()
            by_channel: dict[str, list[HeldStory]] = {}
            for row in rows:
                data = json.loads(row.payload).get("entry") or {}
                by_channel.setdefault(row.channel, []).append(
                    HeldStory(row.id, row.channel, _entry(data), row.created_at)
                )
            for channel, held in by_channel.items():
                message = compose(channel, held)
                key = digest_key(channel, now, held[0].id)
                conn.execute(
                    _insert_new(conn, t.outbox, "key").values(
                        **_standalone(key, channel, message, now)
                    )
                )
                conn.execute(
                    update(t.outbox)
                    .where(t.outbox.c.id.in_([h.id for h in held]))
                    .values(status="digested", sent_at=now)
                )
            return len(by_channel)

    def held_counts(self) -> dict[str, int]:
        """Stories waiting for a digest or the end of quiet hours, by channel."""
        with self._tx() as conn:
            rows = conn.execute(
                select(t.outbox.c.channel, func.count())
                .where(t.outbox.c.status == "held")
                .group_by(t.outbox.c.channel)
            ).all()
            return {str(c): int(n) for c, n in rows}

    # -- settings made from Slack ---------------------------------------------------------

    def channel_prefs(self) -> dict[str, ChannelPrefs]:
        with self._tx() as conn:
            return {
                r.channel: ChannelPrefs(
                    tuple(json.loads(r.labels)), tuple(json.loads(r.keywords)), r.updated_at
                )
                for r in conn.execute(select(t.channel_prefs))
            }

    def set_channel_prefs(
        self, channel: str, labels: Sequence[str], keywords: Sequence[str], now: datetime, user: str
    ) -> None:
        with self._tx() as conn:
            values = {
                "labels": json.dumps(list(labels)),
                "keywords": json.dumps(list(keywords)),
                "updated_at": now,
                "updated_by": user[:100],
            }
            done = conn.execute(
                update(t.channel_prefs).where(t.channel_prefs.c.channel == channel).values(**values)
            ).rowcount
            if not done:
                conn.execute(
                    _insert_new(conn, t.channel_prefs, "channel").values(channel=channel, **values)
                )

    def mute(self, channel: str, story_key: str, until: datetime, user: str) -> None:
        with self._tx() as conn:
            conn.execute(
                t.mutes.delete()
                .where(t.mutes.c.channel == channel)
                .where(t.mutes.c.story_key == story_key)
            )
            conn.execute(
                insert(t.mutes).values(
                    channel=channel, story_key=story_key, until=until, muted_by=user[:100]
                )
            )

    def mutes(self, now: datetime) -> dict[tuple[str, str], datetime]:
        """(channel, story) -> until, for mutes still in force."""
        with self._tx() as conn:
            return {
                (r.channel, r.story_key): r.until
                for r in conn.execute(select(t.mutes).where(t.mutes.c.until > now))
            }

    def story_for_link(self, url: str) -> tuple[str, str] | None:
        """(story key, headline) of the story an item with this link belongs to."""
        with self._tx() as conn:
            row = conn.execute(
                select(t.items.c.story_key, t.items.c.title)
                .where(t.items.c.url == url)
                .where(t.items.c.story_key.is_not(None))
                .order_by(t.items.c.id.desc())
                .limit(1)
            ).first()
            if row is None:
                return None
            head = conn.execute(
                select(t.items.c.title).where(t.items.c.key == row.story_key)
            ).scalar()
            return str(row.story_key), str(head or row.title)

    def channel_summary(self, channel: str) -> dict[str, Any]:
        """For /newsbot status: the channel's last alert and its queue."""
        with self._tx() as conn:
            last = conn.execute(
                select(func.max(t.outbox.c.sent_at))
                .where(t.outbox.c.channel == channel)
                .where(t.outbox.c.kind == "post")
                .where(t.outbox.c.status == "sent")
            ).scalar()
            counts: dict[str, int] = dict(
                conn.execute(
                    select(t.outbox.c.status, func.count())
                    .where(t.outbox.c.channel == channel)
                    .group_by(t.outbox.c.status)
                ).all()
            )
            return {
                "last_alert": last,
                "pending": counts.get("pending", 0),
                "held": counts.get("held", 0),
            }

    def mark_skipped(self, delivery_id: int, reason: str) -> None:
        """Not sent, and not a failure: e.g. a reply to a story that went into a digest."""
        with self._tx() as conn:
            conn.execute(
                update(t.outbox)
                .where(t.outbox.c.id == delivery_id)
                .values(
                    status="superseded", last_error=reason[:2000], leased_by=None, lease_until=None
                )
            )

    def queue_message(self, key: str, channel: str, message: Message, now: datetime) -> bool:
        """Queue a standalone message (feed health) once per key; False if it was queued before."""
        with self._tx() as conn:
            inserted = conn.execute(
                _insert_new(conn, t.outbox, "key")
                .returning(t.outbox.c.id)
                .values(**_standalone(key, channel, message, now))
            ).first()
            return inserted is not None

    def set_health_alerted(self, url: str, alerted: bool) -> None:
        with self._tx() as conn:
            conn.execute(
                update(t.feeds).where(t.feeds.c.url == url).values(health_alerted=int(alerted))
            )

    def open_stories(self, since: datetime) -> StoryChanges:
        """Members (oldest first) and first posts of the stories first reported since `since`.

        Read under the story lock, and the catch-up cursor set to match, so later ingests bring
        exactly what other replicas record after this.
        """
        with self._tx() as conn:
            if self.shared:
                conn.execute(select(func.pg_advisory_xact_lock(STORY_LOCK)))
            rows = conn.execute(
                select(t.items)
                .join(t.stories, t.stories.c.key == t.items.c.story_key)
                .where(t.stories.c.first_published >= since)
                .order_by(t.items.c.id)
            ).all()
            posts = conn.execute(
                select(t.outbox.c.story_key, t.outbox.c.channel)
                .join(t.stories, t.stories.c.key == t.outbox.c.story_key)
                .where(t.outbox.c.kind == "post")
                .where(t.stories.c.first_published >= since)
            ).all()
            self._cursor = _max_ids(conn)
            return StoryChanges([_member(r) for r in rows], [(r[0], r[1]) for r in posts])

    def claim_job(self, name: str, now: datetime, next_run_at: datetime, owner: str) -> bool:
        """Claim a cluster-wide periodic job: True for exactly one caller per period."""
        with self._tx() as conn:
            conn.execute(
                _insert_new(conn, t.jobs, "name").values(name=name, next_run_at=now, owner=None)
            )
            claimed = conn.execute(
                update(t.jobs)
                .where(t.jobs.c.name == name)
                .where(t.jobs.c.next_run_at <= now)
                .values(next_run_at=next_run_at, owner=owner, last_run_at=now)
            )
            return bool(claimed.rowcount)

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
            entries_n = conn.execute(
                t.entries.delete().where(t.entries.c.first_seen < cutoff)
            ).rowcount
            outbox_n = conn.execute(
                t.outbox.delete()
                .where(
                    t.outbox.c.status.in_(["sent", "superseded", "digested", "stormed", "dropped"])
                )
                .where(t.outbox.c.created_at < cutoff)
            ).rowcount
            return {
                "seen": seen_n,
                "items": items_n,
                "stories": stories_n,
                "entries": entries_n,
                "outbox": outbox_n,
            }

    # -- outbox ----------------------------------------------------------------------------

    def due_deliveries(
        self, now: datetime, limit: int = 100, *, skip_channels: Sequence[str] = ()
    ) -> list[Delivery]:
        """Pending messages due now that no replica holds; oldest first. Not yet claimed.
        `skip_channels`: channels that are waiting (rate limited), so their backlog does not
        fill the batch and hide the other channels' messages."""
        with self._tx() as conn:
            query = (
                select(t.outbox)
                .where(t.outbox.c.status == "pending")
                .where(t.outbox.c.next_attempt_at <= now)
                .where(or_(t.outbox.c.lease_until.is_(None), t.outbox.c.lease_until <= now))
            )
            if skip_channels:
                query = query.where(t.outbox.c.channel.not_in(list(skip_channels)))
            rows = conn.execute(query.order_by(t.outbox.c.id).limit(limit)).all()
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
            row = (
                _Sql(conn)
                .run("SELECT status, slack_ts, slack_channel FROM outbox WHERE key = ?", [key])
                .first()
            )
            if row is None:
                return None
            status, ts, channel = tuple(row)
            return Parent(status, ts, channel)

    def next_delivery_at(self) -> datetime | None:
        with self._tx() as conn:
            value: datetime | None = conn.execute(
                select(func.min(t.outbox.c.next_attempt_at)).where(t.outbox.c.status == "pending")
            ).scalar()
            return value

    def next_delivery_by_channel(self) -> dict[str, datetime]:
        """Each channel's earliest pending message: when it is due, or its lease ends if later."""
        ready = case(
            (t.outbox.c.lease_until > t.outbox.c.next_attempt_at, t.outbox.c.lease_until),
            else_=t.outbox.c.next_attempt_at,
        )
        with self._tx() as conn:
            rows = conn.execute(
                select(t.outbox.c.channel, func.min(ready, type_=t.UTCDateTime()))
                .where(t.outbox.c.status == "pending")
                .group_by(t.outbox.c.channel)
            ).all()
            return {str(channel): when for channel, when in rows}

    def pending_by_channel(self) -> list[tuple[str, int, list[str]]]:
        """(channel, pending messages, the distinct errors their last tries met) per channel."""
        with self._tx() as conn:
            rows = conn.execute(
                select(t.outbox.c.channel, t.outbox.c.last_error, func.count())
                .where(t.outbox.c.status == "pending")
                .group_by(t.outbox.c.channel, t.outbox.c.last_error)
                .order_by(t.outbox.c.channel)
            ).all()
        out: dict[str, tuple[int, list[str]]] = {}
        for channel, error, n in rows:
            count, errors = out.get(str(channel), (0, []))
            out[str(channel)] = (count + int(n), errors + ([str(error)] if error else []))
        return [(channel, n, errors) for channel, (n, errors) in out.items()]

    def claim_delivery(self, d: Delivery, now: datetime, lease_until: datetime, owner: str) -> bool:
        """Claim a message for sending and count the attempt before it is made, so a crash
        mid-send is visible afterwards. False if anyone touched the row since it was read
        (another replica claimed or sent it): the caller must not send it."""
        # one of the statements run for every message sent: plain SQL (see `_ingest_one`)
        with self._tx() as conn:
            sql = _Sql(conn)
            claimed = sql.run(
                "UPDATE outbox SET attempts = attempts + 1, in_flight = 1, leased_by = ?,"
                " lease_until = ? WHERE id = ? AND status = 'pending' AND attempts = ?"
                " AND (lease_until IS NULL OR lease_until <= ?)",
                [owner, sql.when(lease_until), d.id, d.attempts, sql.when(now)],
            )
            return bool(claimed.rowcount)

    def mark_sent(
        self,
        delivery_id: int,
        now: datetime,
        slack_ts: str | None,
        slack_channel: str | None = None,
    ) -> None:
        with self._tx() as conn:
            sql = _Sql(conn)
            sql.run(
                "UPDATE outbox SET status = 'sent', sent_at = ?, slack_ts = ?, slack_channel = ?,"
                " last_error = NULL, in_flight = 0, leased_by = NULL, lease_until = NULL"
                " WHERE id = ?",
                [sql.when(now), slack_ts, slack_channel, delivery_id],
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
                    leased_by=None,
                    lease_until=None,
                )
            )

    def mark_failed(self, delivery_id: int, error: str) -> None:
        with self._tx() as conn:
            conn.execute(
                update(t.outbox)
                .where(t.outbox.c.id == delivery_id)
                .values(
                    status="failed",
                    last_error=error[:2000],
                    in_flight=0,
                    leased_by=None,
                    lease_until=None,
                )
            )

    # -- operator tools (newsbot outbox, explain, replay) -----------------------------------

    def seen_keys(self, keys: Sequence[str], titles_since: datetime) -> set[str]:
        """Which of these dedupe keys count as seen (as an ingest would judge them)."""
        with self._tx() as conn:
            return self._known(_Sql(conn), keys, titles_since)[0]

    def channel_activity(self, since: datetime) -> dict[str, ChannelActivity]:
        """Each channel's story alerts since `since` (storm mode), read outside an ingest."""
        with self._tx() as conn:
            return self._activity(conn, since)

    def outbox_rows(self, statuses: Sequence[str]) -> list[OutboxRow]:
        """Messages in the given states (failed = parked, pending, held), oldest first."""
        with self._tx() as conn:
            rows = conn.execute(
                select(t.outbox)
                .where(t.outbox.c.status.in_(list(statuses)))
                .order_by(t.outbox.c.id)
            ).all()
            return [
                OutboxRow(
                    key=r.key,
                    kind=r.kind,
                    channel=r.channel,
                    status=r.status,
                    attempts=r.attempts,
                    created_at=r.created_at,
                    next_attempt_at=r.next_attempt_at,
                    last_error=r.last_error,
                    text=str(json.loads(r.payload).get("text", "")),
                    parent_key=r.parent_key,
                )
                for r in rows
            ]

    def requeue(self, keys: Sequence[str] | None, now: datetime) -> list[str]:
        """Parked messages with these keys (None: all) back to pending, due now, with the
        replies and edits parked because their first post was; returns the keys requeued."""
        with self._tx() as conn:
            query = select(t.outbox.c.key).where(t.outbox.c.status == "failed")
            if keys is not None:
                query = query.where(t.outbox.c.key.in_(list(keys)))
            chosen = [str(k) for k in conn.execute(query).scalars()]
            if chosen:
                children = conn.execute(
                    select(t.outbox.c.key)
                    .where(t.outbox.c.status == "failed")
                    .where(t.outbox.c.parent_key.in_(chosen))
                    .where(t.outbox.c.last_error == PARENT_FAILED)
                ).scalars()
                chosen += [str(k) for k in children if k not in chosen]
                conn.execute(
                    update(t.outbox)
                    .where(t.outbox.c.key.in_(chosen))
                    .values(status="pending", next_attempt_at=now, leased_by=None, lease_until=None)
                )
            return chosen

    def drop(self, keys: Sequence[str], now: datetime) -> list[str]:
        """Give up on messages not sent (parked, pending, held): they are never sent, and their
        key stays taken, so the story is not posted there later either. Returns the keys."""
        with self._tx() as conn:
            chosen = [
                str(k)
                for k in conn.execute(
                    select(t.outbox.c.key)
                    .where(t.outbox.c.key.in_(list(keys)))
                    .where(t.outbox.c.status.in_(["failed", "pending", "held"]))
                    .where(or_(t.outbox.c.lease_until.is_(None), t.outbox.c.lease_until <= now))
                ).scalars()
            ]
            if chosen:
                conn.execute(
                    update(t.outbox)
                    .where(t.outbox.c.key.in_(chosen))
                    .values(status="dropped", last_error="dropped by the operator", sent_at=now)
                )
            return chosen

    def entries_since(
        self,
        since: datetime,
        *,
        after: tuple[datetime, str, str] | None = None,
        limit: int = 2000,
    ) -> list[StoredEntry]:
        """Up to `limit` entries recorded since `since`, in the order they were recorded: by
        (first_seen, feed_url, key), from just past `after` (the last one a page gave), so a
        long window is read a page at a time, each in a short transaction."""
        c = t.entries.c
        query = select(t.entries).where(c.first_seen >= since)
        if after is not None:
            query = query.where(c.first_seen >= after[0]).where(
                tuple_(c.first_seen, c.feed_url, c.key) > tuple_(*after)
            )
        with self._tx() as conn:
            rows = conn.execute(query.order_by(c.first_seen, c.feed_url, c.key).limit(limit)).all()
            return [
                StoredEntry(
                    item=Item(
                        feed_name=r.feed_name,
                        feed_url=r.feed_url,
                        item_id=r.item_id,
                        url=r.url,
                        title=r.title,
                        summary=r.summary,
                        published=r.published,
                        dated=bool(r.dated),
                    ),
                    first_poll=bool(r.first_poll),
                    first_seen=r.first_seen,
                    key=r.key,
                )
                for r in rows
            ]

    def posts_since(self, since: datetime) -> list[tuple[str, str, str, str]]:
        """Story alerts queued since `since`: (channel, story, status, headline)."""
        with self._tx() as conn:
            rows = conn.execute(
                select(t.outbox.c.channel, t.outbox.c.story_key, t.outbox.c.status, t.items.c.title)
                .join(t.items, t.items.c.key == t.outbox.c.story_key, isouter=True)
                .where(t.outbox.c.kind == "post")
                .where(t.outbox.c.key.like("post:%"))
                .where(t.outbox.c.created_at >= since)
                .order_by(t.outbox.c.id)
            ).all()
            return [(str(c), str(s), str(st), str(h or "")) for c, s, st, h in rows]

    def outbox_counts(self) -> dict[str, int]:
        with self._tx() as conn:
            rows = conn.execute(
                select(t.outbox.c.status, func.count()).group_by(t.outbox.c.status)
            ).all()
            return {str(status): int(n) for status, n in rows}

    def story_counts(self) -> tuple[int, int]:
        """(stories, reports absorbed into them): the reports of a story after its first."""
        with self._tx() as conn:
            stories, members = conn.execute(
                select(func.count(), func.coalesce(func.sum(t.stories.c.members), 0))
            ).one()
            return int(stories), int(members) - int(stories)


def _advice(detail: str) -> str:
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


def _standalone(key: str, channel: str, message: Message, now: datetime) -> dict[str, Any]:
    """An outbox row for a message of no story (feed health, digests), due now."""
    return {
        "key": key,
        "kind": "post",
        "channel": channel,
        "item_key": "-",
        "payload": _message_json(message),
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def _max_ids(conn: Connection) -> tuple[int, int]:
    items_max = conn.execute(select(func.max(t.items.c.id))).scalar() or 0
    outbox_max = conn.execute(select(func.max(t.outbox.c.id))).scalar() or 0
    return int(items_max), int(outbox_max)


def _insert_new(conn: Connection, table: Table, key: str) -> Insert:
    """INSERT that does nothing when a row with the same `key` exists (no race, no error)."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=[key])
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=[key])


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
        polite_until=row["polite_until"],
        ttl=row["ttl"],
    )


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
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    """BEGIN IMMEDIATE: a transaction takes the write lock when it starts, so two processes on one
    file (a `run` and a `run --once`, say) queue for it instead of both reading, then one failing
    with "database is locked" when it tries to write what it read."""
    # straight to the driver: every transaction starts here, and SQLAlchemy's statement
    # machinery cost more than the BEGIN itself (a lock timeout raises sqlite3's own error)
    conn.connection.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]


class _Sql:
    """Plain SQL straight to the driver, for the statements that run for every new entry.

    The text is written once with `?` for parameters (SQLite's style; turned into psycopg's
    `%s` for PostgreSQL), and times are given as each backend keeps them, as `UTCDateTime`
    does: naive UTC, which SQLite holds as text in SQLAlchemy's fixed-width format.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"

    def when(self, moment: datetime) -> object:
        if moment.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        utc = moment.astimezone(UTC).replace(tzinfo=None)
        return utc.isoformat(" ", "microseconds") if self.sqlite else utc

    def value(self, v: object) -> object:
        return self.when(v) if isinstance(v, datetime) else v

    def _text(self, statement: str) -> str:
        return statement if self.sqlite else _pyformat(statement)

    def run(self, statement: str, params: Sequence[object]) -> CursorResult[Any]:
        return self.conn.exec_driver_sql(self._text(statement), tuple(params))

    def run_many(self, statement: str, rows: Sequence[Sequence[object]]) -> None:
        self.conn.exec_driver_sql(self._text(statement), [tuple(r) for r in rows])


@functools.lru_cache(maxsize=512)
def _pyformat(statement: str) -> str:
    return statement.replace("?", "%s")


def _marks(values: Sized) -> str:
    return ", ".join("?" * len(values))
