"""The outbox and its delivery: claiming due messages with a lease, recording what Slack said,
held stories released as digests, and the operator's view (`newsbot outbox`).

Outbox rows are claimed with a lease (`leased_by`, `lease_until`) by conditional updates or
`FOR UPDATE SKIP LOCKED`, so a row is worked on by one replica at a time; the unique key makes a
second copy of a post impossible, whatever the leases say.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Connection, case, func, or_, select, update

from bot.kinds import OutboxStatus, digest_key
from bot.models import Message
from bot.store import schema as t
from bot.store.engine import Database, Sql, insert_new
from bot.store.records import (
    PARENT_FAILED,
    Delivery,
    HeldStory,
    OutboxRow,
    Parent,
    entry_from_json,
    message_from_json,
    standalone_row,
)


class OutboxStore(Database):
    """Messages to send, in order, each exactly once."""

    @contextmanager
    def releasing(self, now: datetime) -> Iterator[HeldRelease]:
        """Held stories whose time has come, by channel, in one transaction: the caller
        composes each channel's digest and gives it to `HeldRelease.digest`, which queues it
        and marks the stories it lists as digested."""
        with self._tx() as conn:
            rows = conn.execute(
                select(
                    t.outbox.c.id,
                    t.outbox.c.channel,
                    t.outbox.c.payload,
                    t.outbox.c.created_at,
                )
                .where(t.outbox.c.status == OutboxStatus.HELD)
                .where(t.outbox.c.next_attempt_at <= now)
                .order_by(t.outbox.c.id)
                .with_for_update(skip_locked=True)
            ).all()
            by_channel: dict[str, list[HeldStory]] = {}
            for row in rows:
                data = json.loads(row.payload).get("entry") or {}
                by_channel.setdefault(row.channel, []).append(
                    HeldStory(row.id, entry_from_json(data), row.created_at)
                )
            yield HeldRelease(conn, now, by_channel)

    def due_deliveries(
        self, now: datetime, limit: int = 100, *, skip_channels: Sequence[str] = ()
    ) -> list[Delivery]:
        """Pending messages due now that no replica holds; oldest first. Not yet claimed.
        `skip_channels`: channels that are waiting (rate limited), so their backlog does not
        fill the batch and hide the other channels' messages."""
        with self._tx() as conn:
            query = (
                select(t.outbox)
                .where(t.outbox.c.status == OutboxStatus.PENDING)
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
                    message=message_from_json(r.payload),
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
            row = Sql(conn).first(
                "SELECT status, slack_ts, slack_channel FROM outbox WHERE key = ?", [key]
            )
            if row is None:
                return None
            status, ts, channel = tuple(row)
            return Parent(status, ts, channel)

    def next_delivery_by_channel(self) -> dict[str, datetime]:
        """Each channel's earliest pending message: when it is due, or its lease ends if later."""
        ready = case(
            (t.outbox.c.lease_until > t.outbox.c.next_attempt_at, t.outbox.c.lease_until),
            else_=t.outbox.c.next_attempt_at,
        )
        with self._tx() as conn:
            rows = conn.execute(
                select(t.outbox.c.channel, func.min(ready, type_=t.UTCDateTime()))
                .where(t.outbox.c.status == OutboxStatus.PENDING)
                .group_by(t.outbox.c.channel)
            ).all()
            return {str(channel): when for channel, when in rows}

    def pending_by_channel(self) -> list[tuple[str, int, list[str]]]:
        """(channel, pending messages, the distinct errors their last tries met) per channel."""
        with self._tx() as conn:
            rows = conn.execute(
                select(t.outbox.c.channel, t.outbox.c.last_error, func.count())
                .where(t.outbox.c.status == OutboxStatus.PENDING)
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
        # one of the statements run for every message sent: plain SQL (see `IngestSession`)
        with self._tx() as conn:
            sql = Sql(conn)
            claimed = sql.run(
                "UPDATE outbox SET attempts = attempts + 1, in_flight = 1, leased_by = ?,"
                f" lease_until = ? WHERE id = ? AND status = '{OutboxStatus.PENDING}' AND attempts = ?"
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
            sql = Sql(conn)
            sql.run(
                f"UPDATE outbox SET status = '{OutboxStatus.SENT}', sent_at = ?, slack_ts = ?,"
                " slack_channel = ?,"
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
        self._settle(
            delivery_id,
            next_attempt_at=next_attempt_at,
            last_error=error,
            in_flight=int(maybe_sent),
        )

    def mark_failed(self, delivery_id: int, error: str) -> None:
        self._settle(delivery_id, status=OutboxStatus.FAILED, last_error=error, in_flight=0)

    def mark_skipped(self, delivery_id: int, reason: str) -> None:
        """Not sent, and not a failure: e.g. a reply to a story that went into a digest."""
        self._settle(delivery_id, status=OutboxStatus.SUPERSEDED, last_error=reason)

    def _settle(self, delivery_id: int, *, last_error: str, **values: object) -> None:
        """The end of an attempt that did not send: its outcome, and the claim released."""
        with self._tx() as conn:
            conn.execute(
                update(t.outbox)
                .where(t.outbox.c.id == delivery_id)
                .values(last_error=last_error[:2000], leased_by=None, lease_until=None, **values)
            )

    def queue_message(self, key: str, channel: str, message: Message, now: datetime) -> bool:
        """Queue a standalone message (feed health) once per key; False if it was queued before."""
        with self._tx() as conn:
            inserted = conn.execute(
                insert_new(conn, t.outbox, "key")
                .returning(t.outbox.c.id)
                .values(**standalone_row(key, channel, message, now))
            ).first()
            return inserted is not None

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
            query = select(t.outbox.c.key).where(t.outbox.c.status == OutboxStatus.FAILED)
            if keys is not None:
                query = query.where(t.outbox.c.key.in_(list(keys)))
            chosen = [str(k) for k in conn.execute(query).scalars()]
            if chosen:
                children = conn.execute(
                    select(t.outbox.c.key)
                    .where(t.outbox.c.status == OutboxStatus.FAILED)
                    .where(t.outbox.c.parent_key.in_(chosen))
                    .where(t.outbox.c.last_error == PARENT_FAILED)
                ).scalars()
                chosen += [str(k) for k in children if k not in chosen]
                conn.execute(
                    update(t.outbox)
                    .where(t.outbox.c.key.in_(chosen))
                    .values(
                        status=OutboxStatus.PENDING,
                        next_attempt_at=now,
                        leased_by=None,
                        lease_until=None,
                    )
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
                    .where(
                        t.outbox.c.status.in_(
                            [OutboxStatus.FAILED, OutboxStatus.PENDING, OutboxStatus.HELD]
                        )
                    )
                    .where(or_(t.outbox.c.lease_until.is_(None), t.outbox.c.lease_until <= now))
                ).scalars()
            ]
            if chosen:
                conn.execute(
                    update(t.outbox)
                    .where(t.outbox.c.key.in_(chosen))
                    .values(
                        status=OutboxStatus.DROPPED,
                        last_error="dropped by the operator",
                        sent_at=now,
                    )
                )
            return chosen

    def outbox_counts(self) -> dict[str, int]:
        with self._tx() as conn:
            rows = conn.execute(
                select(t.outbox.c.status, func.count()).group_by(t.outbox.c.status)
            ).all()
            return {str(status): int(n) for status, n in rows}


class HeldRelease:
    """The held stories due now (`Store.releasing`), and the digests that replace them."""

    def __init__(self, conn: Connection, now: datetime, held: dict[str, list[HeldStory]]) -> None:
        self.held = held  # by channel, oldest first
        self._conn = conn
        self._now = now
        self.queued = 0

    def digest(self, channel: str, message: Message) -> None:
        """Queue `message` as the digest of `channel`'s held stories, which it replaces."""
        held, conn, now = self.held[channel], self._conn, self._now
        key = digest_key(channel, now, held[0].id)
        conn.execute(
            insert_new(conn, t.outbox, "key").values(**standalone_row(key, channel, message, now))
        )
        conn.execute(
            update(t.outbox)
            .where(t.outbox.c.id.in_([h.id for h in held]))
            .values(status=OutboxStatus.DIGESTED, sent_at=now)
        )
        self.queued += 1
