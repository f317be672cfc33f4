"""Cluster-wide periodic jobs and housekeeping: one replica per period, pruning old rows."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from bot.kinds import OutboxStatus
from bot.store import schema as t
from bot.store.engine import Database, insert_new


class JobStore(Database):
    """Periodic jobs claimed across replicas, and pruning."""

    def ping(self) -> None:
        with self._tx() as conn:
            conn.execute(select(1))

    def claim_job(self, name: str, now: datetime, next_run_at: datetime, owner: str) -> bool:
        """Claim a cluster-wide periodic job: True for exactly one caller per period."""
        with self._tx() as conn:
            conn.execute(
                insert_new(conn, t.jobs, "name").values(name=name, next_run_at=now, owner=None)
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
                    t.outbox.c.status.in_(
                        [
                            OutboxStatus.SENT,
                            OutboxStatus.SUPERSEDED,
                            OutboxStatus.DIGESTED,
                            OutboxStatus.STORMED,
                            OutboxStatus.DROPPED,
                        ]
                    )
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
