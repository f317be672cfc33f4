"""The store's contract, run against SQLite and PostgreSQL alike (fixture `database_url`).

Several `Store` objects on one database stand for several replicas; threads make them race for
real, through the database's own locking.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, text

from bot.errors import StoreError
from bot.kinds import MessageKind, Severity
from bot.models import Message
from bot.store import FeedWrite, IngestResult, NewEntry, Outgoing, Store, StoryChanges, StoryWrite
from bot.store import schema as t

T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
MSG = Message(text="alert", blocks=({"type": "section", "text": {"type": "mrkdwn", "text": "x"}},))


def entry(n: int, story: str | None = None, channel: str = "C1", feed: str = "f") -> NewEntry:
    key = f"i:{feed}:{n}"
    story_key = story or key
    return NewEntry(
        keys=(key,),
        item={
            "key": key,
            "feed_url": f"https://{feed}.test/rss",
            "feed_name": feed,
            "item_id": str(n),
            "url": f"https://{feed}.test/{n}",
            "title": f"North Korea fires missile {n}",
            "summary": "A ballistic missile.",
            "published": T0,
            "labels": json.dumps({"labels": ["missile-test"], "evidence": {}}),
            "first_seen": T0,
        },
        story=StoryWrite(story_key, ("missile-test",), T0, 1, 1),
        outgoing=(Outgoing(MessageKind.POST, channel, MSG),),
    )


def ingest(
    store: Store,
    url: str,
    entries: Sequence[NewEntry],
    seen: list[tuple[set[str], StoryChanges]] | None = None,
) -> int:
    """Record one feed's entries in an ingest session, as the pipeline does (its reads, then
    its writes); `seen` is given what the session read."""
    with store.ingest_session() as tx:
        known = tx.known([k for e in entries for k in e.keys], T0 - timedelta(hours=36))
        if seen is not None:
            seen.append((set(known), tx.changes))
        feed = FeedWrite(url, T0, T0 + timedelta(minutes=2), None, None, "h")
        return tx.record(feed, known, entries).alerts_queued


@pytest.fixture
def stores(database_url: str) -> Callable[[int], list[Store]]:
    opened: list[Store] = []

    def make(n: int) -> list[Store]:
        new = [Store.open(database_url) for _ in range(n)]
        opened.extend(new)
        return new

    yield make  # type: ignore[misc]
    for s in opened:
        s.close()


def race(workers: Sequence[Callable[[], object]]) -> list[object]:
    """Run the callables at the same moment in threads; their results, in order."""
    barrier = threading.Barrier(len(workers))
    results: list[object] = [None] * len(workers)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = workers[i]()
        except BaseException as e:  # re-raised below, in the test's thread
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if errors:
        raise errors[0]
    return results


# -- schema ------------------------------------------------------------------------------


def test_a_new_database_gets_the_current_schema_and_reopening_changes_nothing(stores) -> None:
    first, second = stores(2)
    assert second.migrate() == (t.SCHEMA_VERSION, t.SCHEMA_VERSION)
    names = set(inspect(first.engine).get_table_names())
    assert {"meta", "feeds", "seen", "items", "stories", "outbox", "jobs"} <= names


def test_a_version_1_database_is_upgraded_in_place_keeping_its_rows(stores, database_url) -> None:
    (store,) = stores(1)
    store.queue_message("health:x", "C1", MSG, T0)
    with store.engine.begin() as conn:  # turn it back into what version 1 wrote
        for table in ("jobs", "channel_prefs", "mutes"):  # tables of versions 2 and 3
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(text("ALTER TABLE outbox DROP COLUMN leased_by"))
        conn.execute(text("ALTER TABLE outbox DROP COLUMN lease_until"))
        conn.execute(text("ALTER TABLE stories DROP COLUMN severity"))  # version 5's
        conn.execute(text("DROP TABLE websub"))  # version 5's
        conn.execute(text("ALTER TABLE feeds DROP COLUMN polite_until"))
        conn.execute(text("ALTER TABLE feeds DROP COLUMN ttl"))
        conn.execute(text("UPDATE meta SET value = '1' WHERE key = 'schema'"))
    store.close()
    reopened = Store.open(database_url)
    try:
        # opening upgraded it through every step; this call finds it done
        assert reopened.migrate() == (t.SCHEMA_VERSION, t.SCHEMA_VERSION)
        assert {"jobs", "channel_prefs", "mutes"} <= set(inspect(reopened.engine).get_table_names())
        columns = {c["name"] for c in inspect(reopened.engine).get_columns("outbox")}
        assert {"leased_by", "lease_until"} <= columns
        assert "severity" in {c["name"] for c in inspect(reopened.engine).get_columns("stories")}
        feed_columns = {c["name"] for c in inspect(reopened.engine).get_columns("feeds")}
        assert {"polite_until", "ttl"} <= feed_columns
        assert "websub" in set(inspect(reopened.engine).get_table_names())
        assert [d.key for d in reopened.due_deliveries(T0)] == ["health:x"]
        assert reopened.claim_job("prune", T0, T0 + timedelta(hours=1), "me")
    finally:
        reopened.close()


def test_replicas_starting_together_migrate_once(database_url) -> None:
    opened = race([lambda: Store.open(database_url) for _ in range(4)])
    try:
        store = opened[0]
        assert isinstance(store, Store)
        with store.engine.connect() as conn:
            rows = conn.execute(text("SELECT value FROM meta WHERE key = 'schema'")).all()
        assert rows == [(str(t.SCHEMA_VERSION),)]
    finally:
        for s in opened:
            s.close()  # type: ignore[attr-defined]


def test_a_database_from_a_newer_newsbot_is_refused_with_advice(stores, database_url) -> None:
    (store,) = stores(1)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE meta SET value = '99' WHERE key = 'schema'"))
    with pytest.raises(StoreError, match=r"newer than this newsbot.*upgrade newsbot"):
        Store.open(database_url)


# -- feeds -------------------------------------------------------------------------------


def test_due_feeds_are_claimed_by_exactly_one_replica(stores) -> None:
    replicas = stores(3)
    urls = [f"https://feed{n}.test/rss" for n in range(200)]
    replicas[0].sync_feeds([(u, u) for u in urls], T0)
    lease = T0 + timedelta(minutes=5)
    claims = race(
        [
            lambda s=s, name=f"r{i}": [f.url for f in s.claim_due(urls, T0, lease, name)]
            for i, s in enumerate(replicas)
        ]
    )
    counted = Counter(u for claimed in claims for u in claimed)  # type: ignore[attr-defined]
    assert set(counted) == set(urls)
    assert max(counted.values()) == 1
    # nothing is due again while the leases hold
    assert replicas[1].claim_due(urls, T0 + timedelta(minutes=4), lease, "r1") == []


def test_claims_come_in_batches_most_overdue_first(stores) -> None:
    (store,) = stores(1)
    urls = [f"https://feed{n}.test/rss" for n in range(10)]
    store.sync_feeds([(u, u) for u in urls], T0)
    for n, u in enumerate(urls):  # feed n was due n minutes ago
        store.record_unchanged(u, T0, T0 + timedelta(minutes=10 - n))
    later = T0 + timedelta(minutes=10)
    first = store.claim_due(urls, later, later + timedelta(minutes=5), "r", limit=4)
    assert [f.url for f in first] == urls[::-1][:4]
    rest = store.claim_due(urls, later, later + timedelta(minutes=5), "r", limit=100)
    assert len(rest) == 6


def test_a_dead_replicas_feeds_come_free_when_its_lease_expires(stores) -> None:
    dead, alive = stores(2)
    url = "https://feed.test/rss"
    dead.sync_feeds([(url, "Feed")], T0)
    assert len(dead.claim_due([url], T0, T0 + timedelta(seconds=30), "dead")) == 1
    # a replica starting meanwhile does not steal a live lease ...
    alive.sync_feeds([(url, "Feed")], T0 + timedelta(seconds=10))
    assert alive.claim_due([url], T0 + timedelta(seconds=10), T0, "alive") == []
    # ... but takes the feed once the lease has run out
    after = T0 + timedelta(seconds=31)
    assert [f.url for f in alive.claim_due([url], after, after + timedelta(seconds=30), "alive")]


def test_a_lone_process_takes_back_its_leases_at_start(stores) -> None:
    (store,) = stores(1)
    url = "https://feed.test/rss"
    store.sync_feeds([(url, "Feed")], T0)
    store.claim_due([url], T0, T0 + timedelta(hours=1), "crashed")
    store.sync_feeds([(url, "Feed")], T0, reclaim_all=True)
    assert len(store.claim_due([url], T0, T0 + timedelta(minutes=5), "me")) == 1


# -- ingest, stories, exactly once ----------------------------------------------------------


def test_the_same_entries_ingested_by_racing_replicas_queue_one_post(stores) -> None:
    replicas = stores(4)
    url = "https://feed.test/rss"
    replicas[0].sync_feeds([(url, "Feed")], T0)
    entries = [entry(n) for n in range(5)]
    queued = race([lambda s=s: ingest(s, url, entries) for s in replicas])
    assert sorted(queued) == [0, 0, 0, 5]  # type: ignore[type-var]
    keys = [d.key for d in replicas[0].due_deliveries(T0)]
    assert len(keys) == 5 == len(set(keys))


def test_an_ingest_sees_what_other_replicas_recorded_since_it_last_looked(stores) -> None:
    a, b = stores(2)
    for s in (a, b):
        s.open_stories(T0 - timedelta(hours=36))  # start: the cursor is at the end
    ingest(a, "https://a.test/rss", [entry(1, feed="a")])
    seen: list[tuple[set[str], StoryChanges]] = []
    ingest(b, "https://b.test/rss", [entry(2, feed="b", story="i:a:1")], seen)
    known, changes = seen[0]
    assert [m.item_key for m in changes.members] == ["i:a:1"]
    assert changes.channels == [("i:a:1", "C1")]
    assert known == set()
    # a's own writes are not handed back to it; b's are
    seen.clear()
    ingest(a, "https://a.test/rss", [], seen)
    assert [m.item_key for m in seen[0][1].members] == ["i:b:2"]
    assert seen[0][1].channels == []  # b joined a story: no new first post
    seen.clear()
    ingest(a, "https://a.test/rss", [], seen)
    assert seen[0][1] == StoryChanges([], [])


def test_a_storys_severity_is_stored_kept_by_quiet_reports_and_given_to_other_replicas(
    stores,
) -> None:
    a, b = stores(2)
    for s in (a, b):
        s.open_stories(T0 - timedelta(hours=36))
    first = entry(1, feed="a")
    assert first.story is not None
    high = replace(first, story=replace(first.story, severity=Severity.HIGH))
    ingest(a, "https://a.test/rss", [high])
    seen: list[tuple[set[str], StoryChanges]] = []
    ingest(b, "https://b.test/rss", [], seen)
    assert seen[0][1].severities == [("i:a:1", "high")]
    # a report too old to alert joins without a severity: the stored one stays
    late = entry(2, feed="a", story="i:a:1")
    ingest(a, "https://a.test/rss", [late])
    assert b.open_stories(T0 - timedelta(hours=36)).severities == [("i:a:1", "high")]


def _batch(
    store: Store,
    feeds: Sequence[tuple[str, Sequence[NewEntry]]],
    seen: list[set[str]],
    *,
    fail_at: int | None = None,
    now: datetime = T0,
    window: timedelta = timedelta(hours=36),
) -> list[IngestResult]:
    """Several fetched feeds recorded in one ingest session; planning gives up at `fail_at`."""
    results = []
    with store.ingest_session() as tx:
        for n, (url, entries) in enumerate(feeds):
            known = tx.known([k for e in entries for k in e.keys], now - window)
            seen.append(set(known))
            if n == fail_at:
                raise StoreError("the planner gave up")
            feed = FeedWrite(url, now, now + timedelta(minutes=2), '"e"', None, "h:" + url)
            results.append(tx.record(feed, known, entries))
    return results


def test_feeds_ingested_together_see_each_others_entries_and_are_all_or_nothing(stores) -> None:
    (store,) = stores(1)
    a, b, c = "https://a.test/rss", "https://b.test/rss", "https://c.test/rss"
    store.sync_feeds([(a, "A"), (b, "B"), (c, "C")], T0)
    seen: list[set[str]] = []
    # the same entry reached through two feeds in one batch: the second finds it known
    results = _batch(store, [(a, [entry(1, feed="x")]), (b, [entry(1, feed="x")])], seen)
    assert [(r.new_items, r.alerts_queued) for r in results] == [(1, 1), (0, 0)]
    assert seen == [set(), {"i:x:1"}]
    # a batch whose last feed fails records none of its feeds
    with pytest.raises(StoreError, match="gave up"):
        _batch(store, [(c, [entry(2, feed="y")]), (a, [entry(3)])], seen, fail_at=1)
    states = {s.url: s.body_hash for s in store.feed_states()}
    assert states == {a: "h:" + a, b: "h:" + b, c: None}
    assert len(store.due_deliveries(T0)) == 1


def test_channel_activity_read_along_a_session_matches_a_fresh_read(stores) -> None:
    """The session reads the channels' alerts once and folds in only the rows added since
    (`IngestSession.activity`); whatever the order of its polls' times, it must give what a
    fresh read of the outbox gives at that point: posts, held and stormed stories, storm
    summaries, and a `since` that leaves earlier rows out."""
    from bot.kinds import OutboxStatus, storm_key
    from bot.store.ingest import _activity

    (store,) = stores(1)
    urls = [f"https://s{n}.test/rss" for n in range(8)]
    store.sync_feeds([(u, u) for u in urls], T0)
    storm = storm_key("C1", T0)
    kinds = [
        Outgoing(MessageKind.POST, "C1", MSG),
        Outgoing(MessageKind.POST, "C1", MSG, key=storm),
        Outgoing(MessageKind.POST, "C1", MSG, status=OutboxStatus.STORMED, parent=storm),
        Outgoing(MessageKind.POST, "C2", MSG, status=OutboxStatus.HELD, release_at=T0),
        Outgoing(MessageKind.POST, "C1", MSG, status=OutboxStatus.STORMED, parent=storm),
        Outgoing(MessageKind.POST, "C2", MSG),
        Outgoing(MessageKind.POST, "C1", MSG),
        Outgoing(MessageKind.POST, "C2", MSG),
    ]
    minutes = [5, 3, 7, 1, 9, 2, 8, 6]  # the polls' times, out of order as a batch plans them
    with store.ingest_session() as tx:
        for n, (url, out, minute) in enumerate(zip(urls, kinds, minutes, strict=True)):
            now = T0 + timedelta(minutes=minute)
            for since in (now, now - timedelta(minutes=4), T0):
                got = tx.activity(since)
                assert got == _activity(tx._conn, since), (n, since)
            e = replace(entry(n, feed=f"s{n}"), outgoing=(out,))
            feed = FeedWrite(url, now, now + timedelta(minutes=2), None, None, "h")
            tx.record(feed, frozenset(), [e])
        final = tx.activity(T0)
        assert final == _activity(tx._conn, T0)
    assert final["C1"].storm_key == storm and len(final["C1"].storm_entries) == 2
    assert sum(len(a.alerts) for a in final.values()) == 6  # not the summary nor the held one


def test_story_assignment_is_serialised_between_replicas(stores) -> None:
    """Each plan runs alone: while one replica plans, no other replica's plan is running."""
    replicas = stores(3)
    active = 0
    overlaps = 0
    guard = threading.Lock()

    def slow_ingest(s: Store, n: int) -> int:
        with s.ingest_session() as tx:
            nonlocal active, overlaps
            with guard:
                active += 1
                overlaps += active > 1
            known = tx.known([f"i:r{n}:{n}"], T0)
            threading.Event().wait(0.05)  # planning, between the reads and the writes
            with guard:
                active -= 1
            feed = FeedWrite(f"https://r{n}.test/rss", T0, T0, None, None, "h")
            return tx.record(feed, known, [entry(n, feed=f"r{n}")]).alerts_queued

    results = race([lambda s=s, n=n: slow_ingest(s, n) for n, s in enumerate(replicas)])
    assert results == [1, 1, 1]
    assert overlaps == 0


# -- outbox ------------------------------------------------------------------------------


def test_a_message_is_claimed_for_sending_by_one_replica_only(stores) -> None:
    replicas = stores(3)
    ingest(replicas[0], "https://feed.test/rss", [entry(1)])
    due = [s.due_deliveries(T0) for s in replicas]
    assert all(len(d) == 1 for d in due)
    lease = T0 + timedelta(minutes=5)
    won = race(
        [
            lambda s=s, d=d: s.claim_delivery(d[0], T0, lease, "r")
            for s, d in zip(replicas, due, strict=True)
        ]
    )
    assert won.count(True) == 1
    # while it is held, nobody else even sees it as due
    assert replicas[1].due_deliveries(T0 + timedelta(minutes=1)) == []


def test_sent_is_recorded_with_slacks_ts_and_an_expired_claim_can_be_retaken(stores) -> None:
    dead, alive = stores(2)
    ingest(dead, "https://feed.test/rss", [entry(1)])
    (d,) = dead.due_deliveries(T0)
    assert dead.claim_delivery(d, T0, T0 + timedelta(seconds=30), "dead")
    # the replica died mid-send: after its lease, the row is due again, marked as maybe sent
    (again,) = alive.due_deliveries(T0 + timedelta(seconds=31))
    assert again.in_flight and again.attempts == 1
    assert alive.claim_delivery(again, T0 + timedelta(seconds=31), T0 + timedelta(minutes=1), "a")
    assert not dead.claim_delivery(d, T0 + timedelta(seconds=31), T0 + timedelta(minutes=1), "d")
    alive.mark_sent(again.id, T0 + timedelta(seconds=32), "1700000000.000100", "C1ID")
    parent = alive.parent(again.key)
    assert parent is not None
    assert (parent.status, parent.slack_ts, parent.slack_channel) == (
        "sent",
        "1700000000.000100",
        "C1ID",
    )
    assert alive.due_deliveries(T0 + timedelta(hours=1)) == []


def test_a_retry_releases_the_claim_at_its_time(stores) -> None:
    (store,) = stores(1)
    ingest(store, "https://feed.test/rss", [entry(1)])
    (d,) = store.due_deliveries(T0)
    assert store.claim_delivery(d, T0, T0 + timedelta(minutes=5), "r")
    store.mark_retry(d.id, T0 + timedelta(seconds=10), "Slack 503")
    (again,) = store.due_deliveries(T0 + timedelta(seconds=10))
    assert again.attempts == 1 and not again.in_flight


def test_standalone_messages_are_queued_once_per_key_even_when_racing(stores) -> None:
    replicas = stores(4)
    results = race([lambda s=s: s.queue_message("health:k", "C0", MSG, T0) for s in replicas])
    assert results.count(True) == 1
    assert len(replicas[0].due_deliveries(T0)) == 1


# -- cluster-wide jobs -------------------------------------------------------------------


def test_a_periodic_job_runs_once_per_period_across_replicas(stores) -> None:
    replicas = stores(4)
    period = timedelta(minutes=50)
    won = race([lambda s=s: s.claim_job("prune", T0, T0 + period, "r") for s in replicas])
    assert won.count(True) == 1
    assert not replicas[0].claim_job("prune", T0 + timedelta(minutes=49), T0, "r")
    assert replicas[2].claim_job("prune", T0 + period, T0 + 2 * period, "r")


def test_prune_keeps_open_stories_and_unsent_messages(stores) -> None:
    (store,) = stores(1)
    ingest(store, "https://feed.test/rss", [entry(1)])
    pruned = store.prune(T0 + timedelta(days=40), timedelta(days=30))
    assert pruned["items"] == 1 and pruned["stories"] == 1
    assert pruned["outbox"] == 0  # still pending: never pruned unsent
    assert len(store.due_deliveries(T0 + timedelta(days=40))) == 1


@pytest.mark.parametrize(
    ("wrong", "advice"),
    [
        ("database", "create the database first"),
        ("user", "user and password"),
        ("port", "is PostgreSQL running"),
    ],
)
def test_postgresql_connection_problems_say_what_to_do(wrong: str, advice: str) -> None:
    from tests.conftest import postgres_server

    server = postgres_server()  # postgresql://user@host:port/db
    host_port = server.split("@", 1)[1].rsplit("/", 1)[0]
    url = {
        "database": server.rsplit("/", 1)[0] + "/no_such_db",
        "user": f"postgresql://nobody_here@{host_port}/postgres",
        "port": "postgresql://postgres@127.0.0.1:1/postgres",
    }[wrong]
    with pytest.raises(StoreError, match=advice):
        Store.open(url)


def test_a_title_key_counts_as_seen_only_within_the_title_window(stores) -> None:
    """Ids and links are remembered while listed; a headline only for the title window, so the
    same headline much later (a new launch, the same wording) is news again."""
    (store,) = stores(1)
    url = "https://t.test/rss"
    store.sync_feeds([(url, "T")], T0)

    def known_at(when: datetime, keys: Sequence[str], window: timedelta) -> set[str]:
        seen: list[set[str]] = []
        _batch(store, [(url, [NewEntry(keys=tuple(keys))])], seen, now=when, window=window)
        return seen[0]

    assert known_at(T0, ["i:old", "t:old"], timedelta(hours=36)) == set()
    later = T0 + timedelta(hours=35, minutes=59)
    assert known_at(later, ["i:old", "t:old"], timedelta(hours=36)) == {"i:old", "t:old"}
    # last seen at `later`: 36 h and 1 s after that, the headline is news again, the id is not
    much_later = later + timedelta(hours=36, seconds=1)
    assert known_at(much_later, ["i:old", "t:old"], timedelta(hours=36)) == {"i:old"}
