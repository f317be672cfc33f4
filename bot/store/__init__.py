"""Storage: the only package that speaks SQL (SQLite by default)."""

from bot.store.sql import (
    Delivery,
    FeedState,
    IngestResult,
    NewEntry,
    Outgoing,
    Parent,
    Store,
    StoredMember,
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
    "StoryWrite",
]
