"""Tables. Times are stored as UTC and always come back timezone-aware."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)

SCHEMA_VERSION = 6  # bump with a step in bot/store/migrate.py


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, whatever the backend keeps."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

feeds = Table(
    "feeds",
    metadata,
    Column("url", String(2000), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("body_hash", String(64)),
    Column("next_check_at", UTCDateTime, nullable=False),
    Column("last_polled_at", UTCDateTime),
    Column("last_success_at", UTCDateTime),
    Column("first_success_at", UTCDateTime),
    Column("last_error", Text),
    Column("last_error_at", UTCDateTime),
    Column("failures", Integer, nullable=False, default=0),
    Column("failing_since", UTCDateTime),  # first failure of the current streak
    Column("health_alerted", Integer, nullable=False, default=0),  # ops channel told it is down
    Column("items_seen", Integer, nullable=False, default=0),
    Column("leased_by", String(100)),
    Column("lease_until", UTCDateTime),
    # politeness (version 6): the earliest next poll the server allows (Cache-Control, Expires,
    # <ttl>; bot/poll/polite.py), and the feed's last <ttl> in seconds (a 304 does not repeat it)
    Column("polite_until", UTCDateTime),
    Column("ttl", Integer),
)

seen = Table(
    "seen",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("feed_url", String(2000), nullable=False),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),  # refreshed while the feed still lists it
)
Index("seen_last", seen.c.last_seen)

items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(40), nullable=False, unique=True),
    Column("feed_url", String(2000), nullable=False),
    Column("feed_name", String(200), nullable=False),
    Column("item_id", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("published", UTCDateTime, nullable=False),
    Column("labels", Text, nullable=False),  # JSON: labels, scores, evidence
    Column("first_seen", UTCDateTime, nullable=False),
    Column("story_key", String(40)),
)
Index("items_story", items.c.story_key)
Index("items_published", items.c.published)

stories = Table(
    "stories",
    metadata,
    Column("key", String(40), primary_key=True),  # the item key of its first report
    Column("labels", Text, nullable=False),  # JSON list
    Column("first_published", UTCDateTime, nullable=False),
    Column("last_updated", UTCDateTime, nullable=False),
    Column("sources", Integer, nullable=False),
    Column("members", Integer, nullable=False),
    # the highest severity its reports reached so far (bot.kinds.Severity); it only rises
    Column("severity", String(10), nullable=False, server_default="normal"),
)
Index("stories_first", stories.c.first_published)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # post:<story>:<channel> (one per story and channel, ever), reply:<item>:<channel>,
    # update:<story>:<channel>:<members>
    Column("key", String(160), nullable=False, unique=True),
    Column("kind", String(8), nullable=False),  # post | reply | update
    Column("channel", String(200), nullable=False),
    Column("item_key", String(40), nullable=False),
    Column("story_key", String(40)),
    Column("parent_key", String(160)),  # the post a reply or update belongs to
    Column("payload", Text, nullable=False),  # JSON: text + blocks
    Column("status", String(16), nullable=False),  # pending | sent | failed | superseded
    Column("attempts", Integer, nullable=False, default=0),
    # set while a send may have reached Slack without our knowing (crash, timeout); the next
    # attempt first looks in the channel for the message before posting it again
    Column("in_flight", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Column("slack_ts", String(64)),
    Column("slack_channel", String(64)),  # the channel id Slack answered with
    Column("published", UTCDateTime),  # the item's published time, for the delay metric
    Column("last_error", Text),
    # a replica's claim on the row while it sends it (version 2)
    Column("leased_by", String(100)),
    Column("lease_until", UTCDateTime),
)
Index("outbox_story", outbox.c.story_key, outbox.c.channel)
Index("outbox_due", outbox.c.status, outbox.c.next_attempt_at)

# Set from Slack with /newsbot (version 3): labels and keywords a channel added on top of the
# config file, and stories muted in a channel.
channel_prefs = Table(
    "channel_prefs",
    metadata,
    Column("channel", String(200), primary_key=True),
    Column("labels", Text, nullable=False),  # JSON list
    Column("keywords", Text, nullable=False),  # JSON list
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(100)),
)

mutes = Table(
    "mutes",
    metadata,
    Column("channel", String(200), primary_key=True),
    Column("story_key", String(40), primary_key=True),
    Column("until", UTCDateTime, nullable=False),
    Column("muted_by", String(100)),
)

# Cluster-wide periodic work (pruning, feed-health checks): whoever claims a due row runs it.
jobs = Table(
    "jobs",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("next_run_at", UTCDateTime, nullable=False),
    Column("owner", String(100)),
    Column("last_run_at", UTCDateTime),
)

# Every new entry's text, labelled or not (version 4), kept for `retention`: `newsbot replay`
# runs a changed config over the entries of a past window.
entries = Table(
    "entries",
    metadata,
    Column("key", String(40), primary_key=True),  # the entry's first dedupe key (its id key)
    Column("feed_url", String(2000), nullable=False),
    Column("feed_name", String(200), nullable=False),
    Column("item_id", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("published", UTCDateTime, nullable=False),
    Column("dated", Integer, nullable=False),  # 0: `published` is the fetch time
    Column("first_poll", Integer, nullable=False),  # recorded on its feed's first poll
    Column("first_seen", UTCDateTime, nullable=False),
)
Index("entries_first_seen", entries.c.first_seen)

# WebSub subscriptions (version 6): one per feed whose document names a hub, where
# bot.public_url is set. `token` names the callback (/websub/<token>); `secret` signs pushes.
websub = Table(
    "websub",
    metadata,
    Column("feed_url", String(2000), primary_key=True),
    Column("token", String(40), nullable=False, unique=True),
    Column("hub", Text, nullable=False),
    Column("topic", Text, nullable=False),
    Column("secret", String(80), nullable=False),
    Column("state", String(16), nullable=False),  # requested | active | denied | failed
    Column("requested_at", UTCDateTime, nullable=False),
    Column("lease_until", UTCDateTime),  # set when the hub verified the subscription
    Column("last_push_at", UTCDateTime),
    Column("last_error", Text),
)
