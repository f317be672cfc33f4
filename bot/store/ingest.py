"""Ingest and stories: the ingest session (the story lock, catching up with other replicas, the
reads a plan needs, and recording it), open stories, and the recorded entries.

Story assignment takes one advisory lock for its transaction (PostgreSQL), so replicas assign
stories one batch of feeds at a time, each first catching up with what the others recorded.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, func, select, tuple_

from bot.domain.dedupe import is_title_key
from bot.kinds import MessageKind, OutboxStatus, Severity, is_alert, outbox_key
from bot.models import DigestEntry, Item
from bot.plan.intents import ChannelActivity, NewEntry, StoredMember, StoryChanges
from bot.store import schema as t
from bot.store.engine import Database, Sql, marks
from bot.store.feeds import success_values
from bot.store.migrate import STORY_LOCK
from bot.store.records import (
    ENTRY_COLUMNS,
    ENTRY_TIME_COLUMNS,
    FeedWrite,
    IngestResult,
    StoredEntry,
    digest_entry,
    entry_from_json,
    message_json,
)

# an entry's text (`bot.plan.planner.entry_text`) as the entries table's row, in one C call
_ENTRY_ROW = operator.itemgetter(*ENTRY_COLUMNS)
_ENTRY_TIMES = tuple(ENTRY_COLUMNS.index(c) for c in ENTRY_TIME_COLUMNS)


class IngestStore(Database):
    """Recording polls into stories, and reading stories and entries back."""

    # the last items.id and outbox.id this process has taken into its story index
    _cursor: tuple[int, int] = (0, 0)

    @contextmanager
    def ingest_session(self) -> Iterator[IngestSession]:
        """One transaction for a batch of fetched feeds, holding the story lock: its reads (the
        changes other replicas recorded, known keys, channel activity) and its writes. The
        caller plans between them; the store never calls back. All of the batch or none.

        One commit and one story lock for the lot; each feed's reads see what the feeds before
        it recorded, as if each had its own transaction. `changes` are what other processes
        recorded since this one last looked: its own writes move the cursor past themselves.
        """
        with self._tx() as conn:
            session = IngestSession(conn, self._catch_up(conn))
            yield session
            self._cursor = max_ids(conn)

    def _catch_up(self, conn: Connection) -> StoryChanges:
        """Take the story lock; return story members, first posts and severities recorded
        since this process last looked. Plain SQL: it runs for every ingest session."""
        if self.shared:
            conn.execute(select(func.pg_advisory_xact_lock(STORY_LOCK)))
        sql = Sql(conn)
        item_id, outbox_id = self._cursor
        members = [
            _member(_MemberRow(story, key, title, summary, labels, source, url, sql.moment(when)))
            for story, key, title, summary, labels, source, url, when in sql.run(
                _NEW_MEMBERS, [item_id]
            )
        ]
        channels = [
            (str(k), str(c)) for k, c in sql.run(_NEW_POSTS, [outbox_id, str(MessageKind.POST)])
        ]
        return StoryChanges(members, channels, _severities(conn, {m.story_key for m in members}))

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
                .where(t.outbox.c.kind == MessageKind.POST)
                .where(t.stories.c.first_published >= since)
            ).all()
            self._cursor = max_ids(conn)
            members = [_member(r) for r in rows]
            return StoryChanges(
                members,
                [(r[0], r[1]) for r in posts],
                _severities(conn, {m.story_key for m in members}),
            )

    def seen_keys(self, keys: Sequence[str], titles_since: datetime) -> set[str]:
        """Which of these dedupe keys count as seen (as an ingest would judge them)."""
        with self._tx() as conn:
            return _known(Sql(conn), keys, titles_since)[0]

    def channel_activity(self, since: datetime) -> dict[str, ChannelActivity]:
        """Each channel's story alerts since `since` (storm mode), read outside an ingest."""
        with self._tx() as conn:
            return _activity(conn, since)

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
                .where(t.outbox.c.kind == MessageKind.POST)
                .where(t.outbox.c.key.like("post:%"))
                .where(t.outbox.c.created_at >= since)
                .order_by(t.outbox.c.id)
            ).all()
            return [(str(c), str(s), str(st), str(h or "")) for c, s, st, h in rows]

    def story_counts(self) -> tuple[int, int]:
        """(stories, reports absorbed into them): the reports of a story after its first."""
        with self._tx() as conn:
            stories, members = conn.execute(
                select(func.count(), func.coalesce(func.sum(t.stories.c.members), 0))
            ).one()
            return int(stories), int(members) - int(stories)


# they run for every ingest session: plain SQL (Sql.run), in the columns _MemberRow names
_NEW_MEMBERS = (
    "SELECT story_key, key, title, summary, labels, feed_name, url, published FROM items"
    " WHERE id > ? AND story_key IS NOT NULL ORDER BY id"
)
_NEW_POSTS = (
    "SELECT story_key, channel FROM outbox WHERE id > ? AND kind = ? AND story_key IS NOT NULL"
)


class _MemberRow(NamedTuple):
    story_key: str
    key: str
    title: str
    summary: str
    labels: str
    feed_name: str
    url: str
    published: datetime


class IngestSession:
    """The reads and writes of one ingest transaction (`Store.ingest_session`), under the
    story lock. The statements here run for every entry of every new feed, so they are written
    once as plain SQL (the same text for both backends) and handed to the driver: SQLAlchemy's
    per-statement building, compiling and per-row type processing cost several times what
    SQLite spends on them."""

    def __init__(self, conn: Connection, changes: StoryChanges) -> None:
        self.changes = changes  # what other processes recorded since this one last looked
        self._conn = conn
        self._sql = Sql(conn)
        self._rows: set[str] = set()  # keys known to have a seen row
        self._posts: _PostFold | None = None  # the channels' alerts read in this session

    def known(self, keys: Sequence[str], titles_since: datetime) -> frozenset[str]:
        """Which of a feed's dedupe keys count as seen (a title only within `titles_since`)."""
        known, rows = _known(self._sql, keys, titles_since)
        self._rows |= rows
        return frozenset(known)

    def activity(self, since: datetime) -> dict[str, ChannelActivity]:
        """Story alerts queued per channel since `since`, and each channel's latest storm.

        Asked for every poll that may post, so the session reads each alert row once: the
        first call reads the rows since `since`, later ones only the rows added since (the
        story lock keeps other processes from queueing alerts meanwhile, and a row's status
        never moves into or out of what is counted here). The rows are folded as they come;
        a call for a `since` that leaves some of them out folds the ones it counts afresh."""
        posts = self._posts
        if posts is None or since < posts.since:  # read from the earliest time asked for
            posts = self._posts = _PostFold(since)
        for row in _post_rows(self._sql, posts.since, posts.last_id):
            posts.add(*row)
        if posts.first is None or posts.first >= since:
            return posts.activity()
        fold = _PostFold(since)
        for row in posts.rows:
            if row[5] >= since:
                fold.add(*row)
        return fold.activity()

    def record(
        self, feed: FeedWrite, known: frozenset[str], entries: Sequence[NewEntry]
    ) -> IngestResult:
        """Record a fetched feed: its new entries, their stories and messages, and its caching
        state. `known` is what `known` returned for its keys."""
        sql = self._sql
        now = sql.when(feed.now)
        rows = self._rows
        seen = set(known)
        still_listed = list(known)
        for i in range(0, len(still_listed), 500):
            chunk = still_listed[i : i + 500]
            sql.run(f"UPDATE seen SET last_seen = ? WHERE key IN ({marks(chunk)})", [now, *chunk])
        new_items = 0
        queued = 0
        new_seen: list[tuple[str, str, object, object]] = []
        texts: list[list[object]] = []
        stamps: dict[datetime, object] = {feed.now: now}  # every entry's first_seen is feed.now

        def value(v: object) -> object:
            if not isinstance(v, datetime):
                return v
            stamp = stamps.get(v)
            if stamp is None:
                stamp = stamps[v] = sql.when(v)
            return stamp

        for entry in entries:
            if not seen.isdisjoint(entry.keys):
                fresh = [k for k in entry.keys if k not in seen]  # e.g. an edited title
            else:
                fresh = list(entry.keys)
                new_items += 1
                queued += _record_entry(sql, entry, feed.now)
                if entry.text is not None:
                    row = list(_ENTRY_ROW(entry.text))
                    for i in _ENTRY_TIMES:  # the only columns that hold datetimes
                        row[i] = value(row[i])
                    texts.append(row)
            for key in dict.fromkeys(fresh):
                if key in rows:  # a stale title key, seen again
                    sql.run(
                        "UPDATE seen SET feed_url = ?, first_seen = ?, last_seen = ? WHERE key = ?",
                        [feed.url, now, now, key],
                    )
                else:
                    new_seen.append((key, feed.url, now, now))
                seen.add(key)
                rows.add(key)
        if texts:  # the entries' text, for replay
            sql.run_many(
                f"INSERT INTO entries ({', '.join(ENTRY_COLUMNS)})"
                f" VALUES ({marks(ENTRY_COLUMNS)}) ON CONFLICT (key) DO NOTHING",
                texts,
            )
        if new_seen:  # one executemany: a cold feed brings hundreds of keys
            sql.run_many(
                "INSERT INTO seen (key, feed_url, first_seen, last_seen) VALUES (?, ?, ?, ?)",
                new_seen,
            )
        # what every successful poll sets (`success_values`, shared with the 304 path), and the rest
        values = success_values(feed.now, feed.next_check_at)
        values.update(etag=feed.etag, last_modified=feed.last_modified, body_hash=feed.body_hash)
        values.update(polite_until=feed.polite_until, ttl=feed.ttl)
        sql.run(
            f"UPDATE feeds SET {', '.join(f'{column} = ?' for column in values)},"
            " items_seen = items_seen + ?, first_success_at = COALESCE(first_success_at, ?)"
            " WHERE url = ?",
            [*map(sql.value, values.values()), new_items, now, feed.url],
        )
        return IngestResult(new_items=new_items, alerts_queued=queued)


def _known(sql: Sql, keys: Sequence[str], titles_since: datetime) -> tuple[set[str], set[str]]:
    """(keys that count as seen, every key that has a row)."""
    unique = list(dict.fromkeys(keys))
    known: set[str] = set()
    rows: set[str] = set()
    since = sql.when(titles_since)
    for i in range(0, len(unique), 500):
        chunk = unique[i : i + 500]
        found = sql.run(
            f"SELECT key, last_seen >= ? FROM seen WHERE key IN ({marks(chunk)})",
            [since, *chunk],
        )
        for key, recent in map(tuple, found):
            rows.add(key)
            if recent or not is_title_key(key):
                known.add(key)
    return known, rows


def _activity(conn: Connection, since: datetime) -> dict[str, ChannelActivity]:
    """Story alerts queued per channel since `since`, and each channel's latest storm."""
    fold = _PostFold(since)
    for row in _post_rows(Sql(conn), since, 0):
        fold.add(*row)
    return fold.activity()


def _post_rows(
    sql: Sql, since: datetime, after_id: int
) -> Iterator[tuple[int, str, str, str, str | None, datetime, str | None]]:
    """The posts queued since `since` that storm mode counts (not held, not digested), past
    the row `after_id`, in the order they were queued: (id, channel, key, status, parent,
    created_at, payload); the payload only for a row listed in a storm summary. Plain SQL: it
    runs for every poll that may post."""
    params = [
        str(OutboxStatus.STORMED),
        str(MessageKind.POST),
        sql.when(since),
        str(OutboxStatus.HELD),
        str(OutboxStatus.DIGESTED),
        after_id,
    ]
    for row_id, channel, key, status, parent, created, payload in sql.run(_POST_ROWS, params):
        yield row_id, channel, key, status, parent, sql.moment(created), payload


_POST_ROWS = (
    "SELECT id, channel, key, status, parent_key, created_at,"
    " CASE WHEN status = ? THEN payload ELSE NULL END FROM outbox"
    " WHERE kind = ? AND created_at >= ? AND status != ? AND status != ? AND id > ?"
    " ORDER BY id"
)


class _PostFold:
    """Channel activity rebuilt from the outbox's posts, one row at a time in id order: a
    storm summary's key starts with "storm:", the stories it lists are rows `stormed` under
    it, with their digest entry in the payload."""

    def __init__(self, since: datetime) -> None:
        self.since = since  # rows are read from here
        self.first: datetime | None = None  # the earliest created_at folded in
        self.last_id = 0
        self.rows: list[Any] = []  # every row folded in, in id order
        self.alerts: dict[str, list[datetime]] = {}
        self.storms: dict[str, tuple[str, datetime, datetime, list[DigestEntry]]] = {}

    def add(
        self,
        row_id: int,
        channel: str,
        key: str,
        status: str,
        parent: str | None,
        created: datetime,
        payload: str | None,
    ) -> None:
        self.last_id = row_id
        self.rows.append((row_id, channel, key, status, parent, created, payload))
        self.first = created if self.first is None else min(self.first, created)
        alerts, storms = self.alerts, self.storms
        alerts.setdefault(channel, [])
        if key.startswith("storm:"):
            storms[channel] = (key, created, created, [])
        elif is_alert(key):
            alerts[channel].append(created)
            storm = storms.get(channel)
            if status == OutboxStatus.STORMED and storm is not None and parent == storm[0]:
                entry = json.loads(payload or "{}").get("entry")
                storms[channel] = (storm[0], storm[1], created, storm[3])
                if entry:
                    storm[3].append(entry_from_json(entry))

    def activity(self) -> dict[str, ChannelActivity]:
        out: dict[str, ChannelActivity] = {}
        for channel, times in self.alerts.items():
            storm = self.storms.get(channel)
            if storm is None:
                out[channel] = ChannelActivity(tuple(times))
            else:
                key, started, last, entries = storm
                out[channel] = ChannelActivity(tuple(times), key, started, last, tuple(entries))
        return out


def _severities(conn: Connection, story_keys: set[str]) -> list[tuple[str, str]]:
    """(story, its highest severity so far) for these stories."""
    found: list[tuple[str, str]] = []
    keys = sorted(story_keys)
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        found += [
            (str(k), str(v))
            for k, v in conn.execute(
                select(t.stories.c.key, t.stories.c.severity).where(t.stories.c.key.in_(chunk))
            )
        ]
    return found


_STORY_UPSERT = (
    "INSERT INTO stories (key, labels, first_published, last_updated, sources, members, severity)"
    " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
    " labels = excluded.labels, first_published = excluded.first_published,"
    " last_updated = excluded.last_updated, sources = excluded.sources,"
    " members = excluded.members"
)


def _record_entry(sql: Sql, entry: NewEntry, now: datetime) -> int:
    item_key = entry.keys[0]
    story = entry.story
    if entry.item is not None:
        row = dict(entry.item, story_key=story.key if story else None)
        sql.run(
            f"INSERT INTO items ({', '.join(row)}) VALUES ({marks(row)})",
            [sql.value(v) for v in row.values()],
        )
    if story is not None:
        # a report that may not alert leaves the story's severity as it was
        sql.run(
            _STORY_UPSERT
            if story.severity is None
            else f"{_STORY_UPSERT}, severity = excluded.severity",
            [
                story.key,
                json.dumps(list(story.labels)),
                sql.when(story.first_published),
                sql.when(now),
                story.sources,
                story.members,
                story.severity or Severity.NORMAL,
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
            if out.kind == MessageKind.POST
            else outbox_key(MessageKind.POST, out.channel, story=story_key, item=item_key)
        )
        inserted = sql.first(
            "INSERT INTO outbox (key, kind, channel, item_key, story_key, parent_key, payload,"
            " status, attempts, in_flight, next_attempt_at, created_at, published)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?)"
            " ON CONFLICT (key) DO NOTHING RETURNING id",
            [
                key,
                str(out.kind),
                out.channel,
                item_key,
                None if key.startswith("storm:") else story_key,
                parent,
                message_json(out.message, out.severity, digest_entry(entry, out)),
                str(out.status),
                sql.when(out.release_at or now),
                sql.when(now),
                sql.value(entry.item["published"]) if entry.item else None,
            ],
        )
        if inserted is None:
            continue  # exactly once per key, whatever asked twice
        if out.kind == MessageKind.UPDATE:  # the latest edit replaces those not sent yet
            sql.run(
                f"UPDATE outbox SET status = '{OutboxStatus.SUPERSEDED}' WHERE parent_key = ?"
                f" AND kind = '{MessageKind.UPDATE}' AND status = '{OutboxStatus.PENDING}'"
                " AND key <> ?",
                [parent, key],
            )
        queued += out.kind == MessageKind.POST and out.status == OutboxStatus.PENDING
    return queued


def max_ids(conn: Connection) -> tuple[int, int]:
    items_max, outbox_max = Sql(conn).first(
        "SELECT (SELECT MAX(id) FROM items), (SELECT MAX(id) FROM outbox)", []
    )
    return int(items_max or 0), int(outbox_max or 0)


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
