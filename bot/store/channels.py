"""Channel settings made from Slack (/newsbot subscribe, keywords, mute) and a channel's status."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update

from bot.kinds import MessageKind, OutboxStatus
from bot.store import schema as t
from bot.store.engine import Database, insert_new
from bot.store.records import ChannelPrefs


class ChannelStore(Database):
    """What channels set from Slack, on top of the config file."""

    def channel_prefs(self) -> dict[str, ChannelPrefs]:
        with self._tx() as conn:
            return {
                r.channel: ChannelPrefs(tuple(json.loads(r.labels)), tuple(json.loads(r.keywords)))
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
                    insert_new(conn, t.channel_prefs, "channel").values(channel=channel, **values)
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

    def channel_summary(self, channel: str) -> dict[str, Any]:
        """For /newsbot status: the channel's last alert and its queue."""
        with self._tx() as conn:
            last = conn.execute(
                select(func.max(t.outbox.c.sent_at))
                .where(t.outbox.c.channel == channel)
                .where(t.outbox.c.kind == MessageKind.POST)
                .where(t.outbox.c.status == OutboxStatus.SENT)
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
                "pending": counts.get(OutboxStatus.PENDING, 0),
                "held": counts.get(OutboxStatus.HELD, 0),
            }
