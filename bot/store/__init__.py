"""Storage: the only package that speaks SQL (SQLite by default, PostgreSQL for replicas)."""

from bot.store.sql import (
    Delivery,
    FeedState,
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
    "Delivery",
    "FeedState",
    "IngestResult",
    "NewEntry",
    "Outgoing",
    "Parent",
    "Store",
    "StoredMember",
    "StoryChanges",
    "StoryWrite",
]
