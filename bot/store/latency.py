"""Storage for latency and politeness: feeds' server floors, hot-mode hurries, WebSub
subscriptions. One of the parts `Store` (bot/store/sql.py) is composed of."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, case, insert, select, update

from bot.poll.websub import Subscription
from bot.store import schema as t
from bot.store.engine import Database


def _subscription(row: object) -> Subscription:
    m = row._mapping  # type: ignore[attr-defined]
    return Subscription(**{c.name: m[c.name] for c in t.websub.columns})


class LatencyStore(Database):
    """Feeds' politeness floors, hot mode's early polls and WebSub subscriptions."""

    # -- politeness and hot mode -----------------------------------------------------------

    def record_polite_many(self, rows: Sequence[tuple[str, datetime | None]]) -> None:
        """(url, polite_until) of feeds polled without a new body (304s and unchanged bodies):
        their floor moves with each poll."""
        if not rows:
            return
        with self._tx() as conn:
            conn.execute(
                update(t.feeds)
                .where(t.feeds.c.url == bindparam("feed_url"))
                .values(polite_until=bindparam("until")),
                [{"feed_url": u, "until": p} for u, p in rows],
            )

    def hurry_feeds(self, urls: Sequence[str], until: datetime) -> int:
        """Hot mode: feeds among `urls` due later than `until` are due at `until` instead, or at
        their `polite_until` if that is later (the server's floor wins). Feeds being polled
        (leased) are left alone: their poll sets the next check. Returns how many moved."""
        if not urls:
            return 0
        f = t.feeds.c
        target = case((f.polite_until > until, f.polite_until), else_=until)
        with self._tx() as conn:
            result = conn.execute(
                update(t.feeds)
                .where(f.url.in_(list(urls)))
                .where(f.leased_by.is_(None))
                .where(f.next_check_at > until)
                .where(f.polite_until.is_(None) | (f.polite_until < f.next_check_at))
                .values(next_check_at=target)
            )
            return int(result.rowcount or 0)

    # -- WebSub ----------------------------------------------------------------------------

    def subscriptions(self) -> list[Subscription]:
        with self._tx() as conn:
            rows = conn.execute(select(t.websub).order_by(t.websub.c.feed_url)).all()
            return [_subscription(r) for r in rows]

    def subscription(self, token: str) -> Subscription | None:
        """The subscription whose callback is /websub/<token>."""
        with self._tx() as conn:
            row = conn.execute(select(t.websub).where(t.websub.c.token == token)).first()
            return None if row is None else _subscription(row)

    def subscription_of(self, feed_url: str) -> Subscription | None:
        with self._tx() as conn:
            row = conn.execute(select(t.websub).where(t.websub.c.feed_url == feed_url)).first()
            return None if row is None else _subscription(row)

    def request_subscription(
        self, feed_url: str, hub: str, topic: str, *, token: str, secret: str, now: datetime
    ) -> Subscription:
        """Record that a subscription is being asked of `hub` (state "requested"). A feed that
        has one keeps its token and secret (a renewal), so pushes signed meanwhile verify."""
        w = t.websub.c
        with self._tx() as conn:
            row = conn.execute(select(t.websub).where(w.feed_url == feed_url)).first()
            if row is None:
                conn.execute(
                    insert(t.websub).values(
                        feed_url=feed_url,
                        token=token,
                        hub=hub,
                        topic=topic,
                        secret=secret,
                        state="requested",
                        requested_at=now,
                    )
                )
            else:
                conn.execute(
                    update(t.websub)
                    .where(w.feed_url == feed_url)
                    .values(hub=hub, topic=topic, state="requested", requested_at=now)
                )
            stored = conn.execute(select(t.websub).where(w.feed_url == feed_url)).one()
            return _subscription(stored)

    def subscription_verified(self, feed_url: str, lease_until: datetime) -> None:
        self._set_subscription(feed_url, state="active", lease_until=lease_until, last_error=None)

    def subscription_failed(self, feed_url: str, state: str, error: str) -> None:
        """The hub refused (state "failed") or denied (state "denied") the subscription."""
        self._set_subscription(feed_url, state=state, last_error=error[:2000])

    def subscription_pushed(self, feed_url: str, now: datetime) -> None:
        self._set_subscription(feed_url, last_push_at=now)

    def _set_subscription(self, feed_url: str, **values: object) -> None:
        with self._tx() as conn:
            conn.execute(update(t.websub).where(t.websub.c.feed_url == feed_url).values(**values))
