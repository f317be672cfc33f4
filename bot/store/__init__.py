"""Storage: the only package that speaks SQL (SQLite by default, PostgreSQL for replicas)."""

from bot.store.sql import (
    ChannelActivity,
    ChannelPrefs,
    Delivery,
    FeedState,
    HeldStory,
    IngestContext,
    IngestRequest,
    IngestResult,
    NewEntry,
    Outgoing,
    Parent,
    Store,
    StoredMember,
    StoryChanges,
    StoryWrite,
)

__all__ = [
    "ChannelActivity",
    "ChannelPrefs",
    "Delivery",
    "FeedState",
    "HeldStory",
    "IngestContext",
    "IngestRequest",
    "IngestResult",
    "NewEntry",
    "Outgoing",
    "Parent",
    "Store",
    "StoredMember",
    "StoryChanges",
    "StoryWrite",
]
