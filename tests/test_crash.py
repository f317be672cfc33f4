"""Crash safety: SIGKILL at random moments during delivery never loses or repeats an alert."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.crashloop import run


@pytest.fixture
def database(database_url: str) -> str:
    """These tests run once on SQLite and once on PostgreSQL."""
    return database_url


def test_random_sigkills_during_delivery_deliver_each_alert_exactly_once(tmp_path: Path) -> None:
    result = run(kills=5, workdir=tmp_path, seed=7)
    assert result["returncode"] == 0, result["stderr"]
    assert result["distinct_posted"] == result["alerts"]
    assert result["duplicates"] == {}


def _interrupted_after_slack_accepted(feeds, slack, write_config, env, *, history_error=None):  # type: ignore[no-untyped-def]
    """Deliver one alert, then put its row back as a crash would leave it: pending, in flight."""
    import asyncio

    from bot.service.app import build_app
    from bot.service.config import load_config
    from tests.conftest import LAUNCH, ago, rss

    url = feeds.set("/wire.xml", rss({**LAUNCH, "published": ago(minutes=2)}))
    config = write_config({"Wire": url})
    slack.history_error = history_error

    async def go() -> int:
        app = build_app(load_config(str(config), env))
        try:
            await app.pipeline.poll_all()
            await app.deliverer.drain(__import__("datetime").timedelta(seconds=5))
            with app.store.engine.begin() as conn:
                conn.exec_driver_sql(
                    "UPDATE outbox SET status = 'pending', in_flight = 1, slack_ts = NULL"
                )
            stats = await app.deliverer.drain(__import__("datetime").timedelta(seconds=5))
            return stats.sent
        finally:
            await app.aclose()

    return asyncio.run(go())


def test_interrupted_send_is_found_in_the_channel_not_reposted(
    feeds, slack, write_config, env
) -> None:  # type: ignore[no-untyped-def]
    assert _interrupted_after_slack_accepted(feeds, slack, write_config, env) == 1
    assert len(slack.posts()) == 1
    assert len(slack.attempts("conversations.history")) == 1
    assert list(slack.posts_by_key().values()) == [1]


def test_without_history_scope_it_reposts_and_says_why(
    feeds, slack, write_config, env, caplog
) -> None:  # type: ignore[no-untyped-def]
    assert (
        _interrupted_after_slack_accepted(
            feeds, slack, write_config, env, history_error="missing_scope"
        )
        == 1
    )
    assert len(slack.posts()) == 2  # at-least-once, and the log says how to get exactly-once
    assert "channels:history" in caplog.text
