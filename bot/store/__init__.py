"""Storage: the only package that speaks SQL (SQLite by default, PostgreSQL for replicas)."""

from bot.plan.intents import (
    ChannelActivity,
    NewEntry,
    Outgoing,
    StoredMember,
    StoryChanges,
    StoryWrite,
)
from bot.store.sql import (
    PARENT_FAILED,
    ChannelPrefs,
    Delivery,
    FeedState,
    FeedWrite,
    HeldRelease,
    HeldStory,
    IngestResult,
    IngestSession,
    OutboxRow,
    Parent,
    Store,
    StoredEntry,
)

__all__ = [
    "PARENT_FAILED",
    "ChannelActivity",
    "ChannelPrefs",
    "Delivery",
    "FeedState",
    "FeedWrite",
    "HeldRelease",
    "HeldStory",
    "IngestResult",
    "IngestSession",
    "NewEntry",
    "OutboxRow",
    "Outgoing",
    "Parent",
    "Store",
    "StoredEntry",
    "StoredMember",
    "StoryChanges",
    "StoryWrite",
]
