"""Storage: the only package that speaks SQL (SQLite by default)."""

from bot.store.sql import Delivery, FeedState, IngestResult, NewEntry, Store

__all__ = ["Delivery", "FeedState", "IngestResult", "NewEntry", "Store"]
