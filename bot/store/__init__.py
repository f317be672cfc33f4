"""Storage: the only package that speaks SQL (SQLite by default, PostgreSQL for replicas)."""

from bot.plan.intents import (
    ChannelActivity,
    NewEntry,
    Outgoing,
    StoredMember,
    StoryChanges,
    StoryWrite,
)
from bot.poll.websub import Subscription
from bot.store.ingest import IngestSession
from bot.store.outbox import HeldRelease
from bot.store.protocols import DeliveryStore, OpsStore, PollingStore, SlashStore, WebSubStore
from bot.store.records import (
    PARENT_FAILED,
    ChannelPrefs,
    Delivery,
    FeedState,
    FeedWrite,
    HeldStory,
    IngestResult,
    OutboxRow,
    Parent,
    StoredEntry,
)
from bot.store.sql import Store

__all__ = [
    "PARENT_FAILED",
    "ChannelActivity",
    "ChannelPrefs",
    "Delivery",
    "DeliveryStore",
    "FeedState",
    "FeedWrite",
    "HeldRelease",
    "HeldStory",
    "IngestResult",
    "IngestSession",
    "NewEntry",
    "OpsStore",
    "OutboxRow",
    "Outgoing",
    "Parent",
    "PollingStore",
    "SlashStore",
    "Store",
    "StoredEntry",
    "StoredMember",
    "StoryChanges",
    "StoryWrite",
    "Subscription",
    "WebSubStore",
]
