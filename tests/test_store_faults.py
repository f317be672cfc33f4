"""Database faults: locked, full, read-only. A clear error, no corruption, recovery after."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import event

from bot.service.app import build_app
from bot.service.cli import main
from bot.service.config import load_config
from bot.store import Store
from bot.tools.feedserver import FeedServer
from tests.conftest import DISTINCT_LAUNCHES, ago, rss
from tests.peers import SlackStandIn


def _poll_and_deliver(config: Path, env: dict[str, str], store: Store):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        app = build_app(load_config(str(config), env), store=store)
        outcomes = await app.pipeline.poll_all()
        stats = await app.deliverer.drain(__import__("datetime").timedelta(seconds=5))
        await app.http.aclose()
        return outcomes, stats

    return asyncio.run(go())


def _integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def test_locked_database_is_a_clear_error_and_the_next_tick_recovers(
    feeds: FeedServer, slack: SlackStandIn, write_config, env, tmp_path: Path
) -> None:
    """The scheduler's guarded tick logs the StoreError and runs again; here we call it twice."""
    from bot.errors import StoreError

    url = feeds.set("/wire.xml", rss({**DISTINCT_LAUNCHES[0], "published": ago(minutes=2)}))
    config = write_config({"Wire": url})
    db = tmp_path / "newsbot.db"
    store = Store.open(f"sqlite:///{db}", busy_timeout=0.3)

    async def go() -> int:
        app = build_app(load_config(str(config), env), store=store)
        app.pipeline.sync_feeds()
        holder = sqlite3.connect(db, timeout=0)
        holder.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
        with pytest.raises(StoreError, match="another process holds the database"):
            await app.pipeline.tick()
        holder.rollback()
        holder.close()
        outcomes = await app.pipeline.tick()
        stats = await app.deliverer.drain(__import__("datetime").timedelta(seconds=5))
        await app.http.aclose()
        assert [o.status for o in outcomes] == ["new"]
        return stats.sent

    assert asyncio.run(go()) == 1 and len(slack.posts()) == 1
    store.close()
    assert _integrity(db) == "ok"


def test_full_disk_is_a_clear_error_and_nothing_half_written(
    feeds: FeedServer,
    slack: SlackStandIn,
    write_config,
    env,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    items = [
        {"title": f"Filler {i} " + "y" * 400, "summary": "z" * 3000, "guid": f"f{i}"}
        for i in range(300)
    ]
    url = feeds.set("/wire.xml", rss({**DISTINCT_LAUNCHES[0], "published": ago(minutes=2)}, *items))
    config = write_config({"Wire": url})
    db = tmp_path / "newsbot.db"
    store = Store.open(f"sqlite:///{db}")
    pages = sqlite3.connect(db).execute("PRAGMA page_count").fetchone()[0]

    def tiny_disk(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 3}")

    event.listen(store.engine, "connect", tiny_disk)
    store.engine.dispose()
    outcomes, _ = _poll_and_deliver(config, env, store)
    assert outcomes[0].status == "error"
    assert "disk holding the database is full" in caplog.text
    assert store.outbox_counts() == {}  # the failed transaction left nothing behind
    event.remove(store.engine, "connect", tiny_disk)
    store.engine.dispose()  # space is back
    store.sync_feeds(
        [(url, "Wire")],
        __import__("datetime").datetime.now(__import__("datetime").UTC),
        reclaim_all=True,
    )
    outcomes, stats = _poll_and_deliver(config, env, store)
    assert outcomes[0].status == "new" and stats.sent == 1
    store.close()
    assert _integrity(db) == "ok"


def test_read_only_database_stops_the_bot_with_a_clear_message(
    write_config, feeds: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config({"Wire": feeds.url("/wire.xml")})
    Store.open(f"sqlite:///{tmp_path}/ro.db").close()
    env = {
        "NEWSBOT_DATABASE_URL": f"sqlite:///file:{tmp_path}/ro.db?mode=ro&uri=true",
        "NEWSBOT_HTTP_PORT": "0",
    }
    code = main(["run", "--once", "--config", str(config)], env)
    err = capsys.readouterr().err
    assert code == 1
    assert "read-only" in err and "database" in err
