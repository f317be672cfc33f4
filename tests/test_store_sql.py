"""The store's plain-SQL helper (`bot.store.engine.Sql`) stays inside the session's transaction:
on SQLite it writes through the driver's own connection, and what it wrote goes with the
transaction, whether committed or rolled back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.errors import StoreError
from bot.store import Store
from bot.store.engine import Sql

INSERT_SEEN = "INSERT INTO seen (key, feed_url, first_seen, last_seen) VALUES (?, ?, ?, ?)"


def _seen(store: Store, key: str) -> list[tuple[str, str]]:
    with store._tx() as conn:
        return [
            tuple(r) for r in Sql(conn).run("SELECT key, feed_url FROM seen WHERE key = ?", [key])
        ]


def test_plain_sql_commits_and_rolls_back_with_the_session(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/newsbot.db")
    with store.ingest_session() as tx:
        sql = tx._sql
        now = sql.when(datetime(2026, 1, 1, tzinfo=UTC))
        sql.run_many(INSERT_SEEN, [("kept", "https://a.test/feed", now, now)])
    assert _seen(store, "kept") == [("kept", "https://a.test/feed")]
    with pytest.raises(RuntimeError), store.ingest_session() as tx:
        tx._sql.run(INSERT_SEEN, ["dropped", "https://a.test/feed", now, now])
        assert tx._sql.first("SELECT feed_url FROM seen WHERE key = ?", ["dropped"]) == (
            "https://a.test/feed",
        )
        raise RuntimeError("the batch failed after its writes")
    assert _seen(store, "dropped") == []
    # a driver error inside a session is the store's error, and leaves nothing behind
    with pytest.raises(StoreError, match="UNIQUE"), store.ingest_session() as tx:
        row = ["again", "https://a.test/feed", now, now]
        tx._sql.run(INSERT_SEEN, row)
        tx._sql.run(INSERT_SEEN, row)
    assert _seen(store, "again") == []
    store.close()


def test_an_entry_text_is_the_entries_row_with_datetimes_only_where_the_store_converts() -> None:
    """`IngestSession.record` writes an entry's text by column order and converts only the
    ENTRY_TIME_COLUMNS: `entry_text` must give exactly those columns, in that order, with
    datetimes in those columns alone."""
    from bot.models import Item
    from bot.plan.planner import entry_text
    from bot.store.records import ENTRY_COLUMNS, ENTRY_TIME_COLUMNS

    when = datetime(2023, 7, 12, 1, 0, tzinfo=UTC)
    item = Item("Yonhap", "https://feed.example/rss", "id-1", "https://x.example/1", "T", "S", when)
    text = entry_text(item, "k1", when, first_poll=True)
    assert tuple(text) == ENTRY_COLUMNS
    assert {c for c, v in text.items() if isinstance(v, datetime)} == set(ENTRY_TIME_COLUMNS)
