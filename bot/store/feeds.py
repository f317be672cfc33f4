"""Feeds and polling: which feed is due, who polls it (leases), and what its last poll found."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, true, update

from bot.store import schema as t
from bot.store.engine import Database, insert_new
from bot.store.records import FeedState


class FeedStore(Database):
    """The feeds table: registration, claims with a lease, and each poll's outcome."""

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
                        insert_new(conn, t.feeds, "url").values(
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
            return [feed_state(row._mapping) for row in conn.execute(query)]

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
            claimed = [feed_state(row._mapping) for row in rows]
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
                    **success_values(bindparam("polled_at"), bindparam("next_at"))  # type: ignore[arg-type]
                ),
                [{"feed_url": u, "polled_at": p, "next_at": n} for u, p, n in rows],
            )

    def record_unchanged(self, url: str, now: datetime, next_check_at: datetime) -> None:
        """A 304, or a body identical to the last one."""
        self.record_unchanged_many([(url, now, next_check_at)])

    def record_slow_feeds(self, took: Mapping[str, float]) -> None:
        """Replace the slow feeds' durations (seconds): `run --once` sends their requests first
        next time (bot/service/early.py), so a slow feed overlaps the others instead of ending
        the run late. A hint for ordering only, kept in `meta`."""
        value = json.dumps({url: round(s, 3) for url, s in took.items()}, sort_keys=True)
        with self._tx() as conn:
            done = conn.execute(
                update(t.meta).where(t.meta.c.key == SLOW_FEEDS).values(value=value)
            )
            if not done.rowcount:
                conn.execute(insert(t.meta).values(key=SLOW_FEEDS, value=value))

    def set_health_alerted(self, url: str, alerted: bool) -> None:
        with self._tx() as conn:
            conn.execute(
                update(t.feeds).where(t.feeds.c.url == url).values(health_alerted=int(alerted))
            )


SLOW_FEEDS = "slow_feeds"  # the meta row of record_slow_feeds (read by bot/service/early.py)


def success_values(now: datetime, next_check_at: datetime) -> dict[str, Any]:
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


def feed_state(row: Any) -> FeedState:
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
        failing_since=row["failing_since"],
        health_alerted=bool(row["health_alerted"]),
        polite_until=row["polite_until"],
        ttl=row["ttl"],
    )
