"""Operator tools end to end: `explain`, `replay` and `outbox`, run as the command line runs
them, against the feed server, the Slack stand-in and real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import generate_latest
from sqlalchemy import func, select

from bot.service.app import build_app
from bot.service.cli import main
from bot.service.config import load_config
from bot.service.metrics import Metrics
from bot.store import Store
from bot.store import schema as t
from bot.tools.feedserver import FeedServer
from tests.conftest import LAUNCH, NOISE, ago, rss
from tests.peers import Failure, SlackStandIn

CRUISE = {
    "title": "North Korea fires cruise missiles off its west coast",
    "summary": "North Korea test-fired several strategic cruise missiles over the Yellow Sea "
    "on Sunday, South Korea's military said.",
    "link": "https://wire.test/nk/cruise-7",
    "guid": "wire-cruise-7",
}
# The launch of tests.conftest.LAUNCH as another outlet tells it: the same story, a new source.
OTHER_OUTLET = {
    "title": "North Korea fires ballistic missile into East Sea, Seoul says",
    "summary": LAUNCH["summary"],
    "link": "https://other.test/launch",
    "guid": "other-1",
}
# The desk takes everything; the alerts channel only ballistic launches (by keyword).
CHANNELS = """[[channels]]
channel = "C0ALERTS"
labels = ["missile-test"]
keywords = ["ballistic", "ICBM"]

[[channels]]
channel = "C0DESK"
labels = ["missile-test", "diplomacy"]
"""


@pytest.fixture
def database(database_url: str) -> str:
    """These tests run once on SQLite and once on PostgreSQL."""
    return database_url


def _run_once(config: Path, env: dict[str, str]) -> None:
    assert main(["run", "--once", "--config", str(config)], env) == 0


def _wire(feeds: FeedServer) -> str:
    """A feed with a ballistic launch, a cruise-missile launch and a noise item."""
    items = [
        {**LAUNCH, "published": ago(minutes=5)},
        {**CRUISE, "published": ago(minutes=4)},
        {**NOISE, "published": ago(minutes=3)},
    ]
    return feeds.set("/wire.xml", rss(*items))


def _poll_metrics(config: Path, env: dict[str, str]) -> str:
    """One poll of every feed with a fresh metrics registry; the registry's text."""
    metrics = Metrics()

    async def scenario() -> None:
        app = build_app(load_config(str(config), env), metrics=metrics)
        try:
            await app.pipeline.poll_all()
        finally:
            await app.aclose()

    asyncio.run(scenario())
    return generate_latest(metrics.registry).decode()


def _json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def _row_counts(url: str) -> dict[str, int]:
    store = Store.open(url)
    try:
        with store.engine.connect() as conn:
            return {
                table.name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                for table in (t.items, t.entries, t.outbox, t.stories, t.seen)
            }
    finally:
        store.close()


def test_explain_says_which_keyword_dropped_an_item_and_which_channel_takes_it(
    feeds: FeedServer, slack: SlackStandIn, write_config, env, tmp_path: Path, capsys
) -> None:
    url = feeds.set("/wire.xml", rss({**LAUNCH, "published": ago(minutes=5)}))
    config = write_config({"Wire": url}, channels=CHANNELS)
    _run_once(config, env)
    capsys.readouterr()
    lines = [
        {"id": "cruise", **{k: CRUISE[k] for k in ("title", "summary", "link")}},
        {"id": "noise", "title": NOISE["title"], "summary": NOISE["summary"]},
        {"id": "bad", "title": 5},
        {
            "id": "launch-again",
            "title": LAUNCH["title"],
            "summary": LAUNCH["summary"],
            "link": LAUNCH["link"],
            "source": "Wire",
        },
        {
            "id": "other-outlet",
            "title": OTHER_OUTLET["title"],
            "summary": OTHER_OUTLET["summary"],
            "source": "Other Wire",
        },
    ]
    given = tmp_path / "items.jsonl"
    given.write_text("\n".join(json.dumps(x) for x in lines) + "\n{not json\n")
    assert main(["explain", "--config", str(config), "--input", str(given)], env) == 0
    out, err = capsys.readouterr()
    by_id = {o["id"]: o for o in _json_lines(out)}
    assert list(by_id) == ["cruise", "noise", "launch-again", "other-outlet"]

    cruise = by_id["cruise"]
    assert cruise["labels"] == ["missile-test"] and cruise["severity"] == "normal"
    assert set(cruise) == {"id", "labels", "scores", "evidence", "severity", "channels"}
    alerts = cruise["channels"]["C0ALERTS"]  # type: ignore[index]
    assert alerts["route"] is False
    assert "keywords" in alerts["reason"] and '"ballistic", "ICBM"' in alerts["reason"]
    desk = cruise["channels"]["C0DESK"]  # type: ignore[index]
    assert desk["route"] is True and "posted now" in desk["reason"]

    noise = by_id["noise"]["channels"]  # type: ignore[index]
    assert noise["C0DESK"]["route"] is False and "no label" in noise["C0DESK"]["reason"]
    assert "needs" in noise["C0DESK"]["reason"]  # the score and the threshold it missed

    # the launch already alerted: the same code path as `run` finds its story
    again = by_id["launch-again"]["channels"]  # type: ignore[index]
    assert "already posted here" in again["C0ALERTS"]["reason"]
    assert again["C0ALERTS"]["reason"].startswith("already seen")  # its link was recorded
    assert not by_id["cruise"]["channels"]["C0DESK"]["reason"].startswith("already")  # type: ignore[index]

    other = by_id["other-outlet"]["channels"]  # type: ignore[index]
    assert other["C0DESK"]["route"] is True and "goes to its thread" in other["C0DESK"]["reason"]

    errors = _json_lines(err)
    assert [e["line"] for e in errors] == [3, 6]
    assert '"title" must be a string' in str(errors[0]["error"])
    assert len(slack.posts()) == 2  # explain posted nothing


def test_explain_names_min_severity_quiet_hours_digest_and_mute(
    feeds: FeedServer, slack: SlackStandIn, write_config, env, database: str, tmp_path, capsys
) -> None:
    url = feeds.set("/wire.xml", rss({**LAUNCH, "published": ago(minutes=5)}))
    channels = """[[channels]]
channel = "C0HIGH"
labels = ["missile-test"]
min_severity = "critical"

[[channels]]
channel = "C0DIGEST"
labels = ["missile-test"]
digest = "daily 08:00"

[[channels]]
channel = "C0QUIET"
labels = ["missile-test"]
quiet_hours = "00:00-23:59"

[[channels]]
channel = "C0MUTED"
labels = ["missile-test"]
"""
    config = write_config({"Wire": url}, channels=channels)
    _run_once(config, env)
    store = Store.open(database)
    story, _headline = store.story_for_link("https://wire.test/nk/launch-1") or ("", "")
    store.mute("C0MUTED", story, datetime.now(UTC) + timedelta(hours=2), "U1")
    store.close()
    capsys.readouterr()
    later = {
        "id": "follow-up",
        "title": OTHER_OUTLET["title"],
        "summary": OTHER_OUTLET["summary"],
        "source": "Other Wire",
    }
    fresh = {"id": "fresh", **{k: CRUISE[k] for k in ("title", "summary")}}
    given = tmp_path / "in.jsonl"
    given.write_text(json.dumps(later) + "\n" + json.dumps(fresh) + "\n")
    assert main(["explain", "--config", str(config), "--input", str(given)], env) == 0
    first, second = _json_lines(capsys.readouterr().out)
    muted = first["channels"]["C0MUTED"]  # type: ignore[index]
    assert muted["route"] is False and "muted" in muted["reason"]
    channels_out = second["channels"]
    assert "below the channel's min_severity critical" in channels_out["C0HIGH"]["reason"]  # type: ignore[index]
    assert "daily digest" in channels_out["C0DIGEST"]["reason"]  # type: ignore[index]
    assert "quiet hours" in channels_out["C0QUIET"]["reason"]  # type: ignore[index]
    assert channels_out["C0QUIET"]["route"] is True  # held, not dropped  # type: ignore[index]


def test_dropped_labelled_items_are_counted_by_channel_and_reason_and_logged_at_debug(
    feeds: FeedServer, write_config, env, caplog
) -> None:
    url = _wire(feeds)
    config = write_config({"Wire": url}, channels=CHANNELS)
    with caplog.at_level(logging.DEBUG, logger="newsbot"):
        text = _poll_metrics(config, env)
    assert 'newsbot_items_dropped_total{channel="C0ALERTS",reason="keywords"} 1.0' in text
    assert "C0DESK" not in text.split("newsbot_items_dropped_total", 1)[1].split("# HELP")[0]
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any("not for C0ALERTS (keywords)" in m and "cruise" in m for m in debug), debug


def test_replay_shows_what_a_rule_change_adds_and_removes_without_touching_anything(
    feeds: FeedServer,
    slack: SlackStandIn,
    write_config,
    env,
    database: str,
    capsys,
) -> None:
    url = _wire(feeds)
    config = write_config({"Wire": url}, channels=CHANNELS)
    _run_once(config, env)
    posted = len(slack.posts())
    before = _row_counts(database)
    assert before["entries"] == 3  # the noise item's text is kept too
    changed = write_config(
        {"Wire": url},
        channels=CHANNELS.replace('keywords = ["ballistic", "ICBM"]', 'keywords = ["cruise"]'),
        name="changed.toml",
    )
    capsys.readouterr()
    assert main(["replay", "--since", "1h", "--config", str(changed), "--json"], env) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["entries"] == 3
    alerts = report["channels"]["C0ALERTS"]
    [would] = alerts["would_receive"]
    assert would["headline"] == CRUISE["title"] and would["sent_before"] is False
    assert would["severity"] == "normal" and would["sources"] == 1
    [gone] = alerts["no_longer"]
    assert gone["headline"] == LAUNCH["title"] and gone["status"] == "sent"
    assert "keywords" in gone["reason"] and '"cruise"' in gone["reason"]
    desk = report["channels"]["C0DESK"]
    assert len(desk["would_receive"]) == 2 and desk["no_longer"] == []
    assert all(w["sent_before"] for w in desk["would_receive"])

    assert main(["replay", "--since", "1h", "--config", str(changed)], env) == 0
    text = capsys.readouterr().out
    assert "C0ALERTS: would receive 1 story (1 not sent before), would no longer receive 1" in text
    assert f"+ [normal] {CRUISE['title']}" in text and f"- [was sent] {LAUNCH['title']}" in text

    assert len(slack.posts()) == posted  # nothing posted
    assert _row_counts(database) == before  # nothing written


def test_replay_rejects_a_bad_window(write_config, env, capsys) -> None:
    config = write_config({"Wire": "http://127.0.0.1:9/feed.xml"})
    assert main(["replay", "--since", "yesterday", "--config", str(config)], env) == 2
    assert '"24h"' in capsys.readouterr().err


def test_outbox_list_retry_and_drop_a_parked_alert(
    feeds: FeedServer, slack: SlackStandIn, write_config, env, database: str, capsys
) -> None:
    url = feeds.set(
        "/wire.xml",
        rss({**LAUNCH, "published": ago(minutes=5)}, {**CRUISE, "published": ago(minutes=4)}),
    )
    config = write_config(
        {"Wire": url},
        channels='[[channels]]\nchannel = "C0ALERTS"\nlabels = ["missile-test"]\n',
    )
    slack.fail_next(Failure(error="not_in_channel"), Failure(error="not_in_channel"))
    _run_once(config, env)
    assert slack.posts() == []
    capsys.readouterr()

    assert (
        main(["outbox", "list", "--status", "parked", "--json", "--config", str(config)], env) == 0
    )
    parked = json.loads(capsys.readouterr().out)
    assert [p["status"] for p in parked] == ["parked", "parked"]
    assert all(p["slack_error"] == "not_in_channel" for p in parked)
    assert all("/invite @newsbot" in p["advice"] for p in parked)
    assert all(f"newsbot outbox retry {p['key']}" in p["advice"] for p in parked)
    launch, cruise = (p["key"] for p in parked)
    assert main(["status", "--config", str(config)], env) == 0
    assert "2 failed (parked)" in (status := capsys.readouterr().out) and "outbox list" in status

    assert main(["outbox", "list", "--config", str(config)], env) == 0
    text = capsys.readouterr().out
    assert f"parked   {launch}" in text and "advice: invite the bot" in text and "2 parked" in text

    assert main(["outbox", "retry", launch, "--config", str(config)], env) == 0
    assert f"requeued {launch}" in capsys.readouterr().out
    assert main(["outbox", "drop", cruise, "--config", str(config)], env) == 0
    assert "will not be sent" in capsys.readouterr().out
    assert main(["outbox", "retry", "post:nothing:C0", "--config", str(config)], env) == 1
    assert "no parked message has that key" in capsys.readouterr().err
    assert main(["outbox", "retry", "--config", str(config)], env) == 2  # neither --all nor keys

    _run_once(config, env)
    assert [p.args["text"] for p in slack.posts()] == [
        next(p["message"] for p in parked if p["key"] == launch)
    ]
    store = Store.open(database)
    assert store.outbox_counts() == {"sent": 1, "dropped": 1}
    store.close()
    assert main(["outbox", "list", "--config", str(config)], env) == 0
    assert "no parked, pending or held messages" in capsys.readouterr().out


def test_retrying_a_first_post_requeues_the_replies_parked_with_it(
    feeds: FeedServer, slack: SlackStandIn, write_config, env, database: str, capsys
) -> None:
    url = feeds.set("/a.xml", rss({**LAUNCH, "published": ago(minutes=5)}))
    other = feeds.set("/b.xml", rss({**OTHER_OUTLET, "published": ago(minutes=4)}))
    config = write_config({"Wire": url, "Other": other})
    slack.fail_next(Failure(error="not_in_channel"))
    _run_once(config, env)
    store = Store.open(database)
    parked = {r.kind: r.key for r in store.outbox_rows(["failed"])}
    store.close()
    assert set(parked) == {"post", "reply", "update"}  # they waited for the post, and were parked
    capsys.readouterr()
    assert main(["outbox", "retry", parked["post"], "--config", str(config)], env) == 0
    out = capsys.readouterr().out
    assert f"requeued {parked['reply']}" in out and f"requeued {parked['update']}" in out
    assert "3 requeued" in out  # the post, its thread reply and its edit
    _run_once(config, env)
    assert {p.args.get("thread_ts") is None for p in slack.posts()} == {True, False}
    store = Store.open(database)
    assert store.outbox_rows(["failed", "pending"]) == []
    store.close()


def _entry(conn: Any, key: str, feed: str, seen_at: datetime, *, item_id: str = "") -> None:
    """An entries row, as an ingest records it."""
    conn.execute(
        t.entries.insert().values(
            key=key,
            feed_url=feed,
            feed_name="Wire",
            item_id=item_id or key,
            url="",
            title="t",
            summary="s",
            published=seen_at,
            dated=1,
            first_poll=0,
            first_seen=seen_at,
        )
    )


def test_entries_text_is_pruned_with_retention(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/bot.db")
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        for n, seen_at in enumerate([now - timedelta(days=40), now - timedelta(hours=1)]):
            _entry(conn, f"i:{n}", "https://wire.test/feed", seen_at, item_id=str(n))
    assert store.prune(now, timedelta(days=30))["entries"] == 1
    assert [e.item.item_id for e in store.entries_since(now - timedelta(days=60))] == ["1"]
    store.close()


def test_a_version_3_database_gains_the_entries_table(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    store = Store.open(url)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE entries")
        conn.exec_driver_sql("DROP TABLE websub")  # and what later versions added
        conn.exec_driver_sql("ALTER TABLE feeds DROP COLUMN polite_until")
        conn.exec_driver_sql("ALTER TABLE feeds DROP COLUMN ttl")
        conn.execute(t.meta.update().where(t.meta.c.key == "schema").values(value="3"))
    store.close()
    store = Store.open(url)
    assert store.migrate() == (t.SCHEMA_VERSION, t.SCHEMA_VERSION)
    assert store.entries_since(datetime.now(UTC) - timedelta(days=1)) == []
    store.close()


# -- output a person reads -------------------------------------------------------------------


def test_the_why_line_quotes_the_items_own_words_not_stems_or_rule_names() -> None:
    from bot.delivery.format import format_alert
    from bot.models import Alert, Classification, Item

    item = Item(
        "Wire",
        "https://wire.test/feed",
        "1",
        "https://wire.test/1",
        "North Korea test-fired cruise missiles",
        "The missiles flew over the Yellow Sea.",
        datetime(2026, 11, 20, 3, 0, tzinfo=UTC),
    )
    evidence = ("about North Korea: north korea", "cruise missile", "launch verb near weapon")
    c = Classification(("missile-test",), {"missile-test": 9.0}, {"missile-test": evidence})
    message = format_alert(Alert("C0", item, ("missile-test",), c))
    why = next(
        e["text"]
        for b in message.blocks
        if b["type"] == "context"
        for e in b["elements"]  # type: ignore[attr-defined]
        if e["text"].startswith("Why:")
    )
    assert why == "Why: about North Korea; “cruise missiles”"


def test_digest_names_both_dates_and_replies_use_the_channels_timezone() -> None:
    from bot.delivery.format import format_digest, format_reply
    from bot.models import DigestEntry, Item

    until = datetime(2026, 11, 21, 22, 47, tzinfo=UTC)
    entry = DigestEntry("missile-test", "normal", "A launch", "https://x.test/1", "Wire", until)
    digest = format_digest(
        [entry], since=until - timedelta(hours=24), until=until, timezone="Asia/Seoul"
    )
    assert "From 2026-11-21 07:47 KST to 2026-11-22 07:47 KST" in json.dumps(digest.blocks)
    reply = Item("Wire", "u", "1", "https://x.test/2", "Also a launch", "", until)
    assert "2026-11-22 07:47 KST" in str(format_reply(reply, "Asia/Seoul").blocks)


def test_durations_print_as_written(write_config, env, capsys) -> None:
    from bot.validate import format_duration, parse_duration

    for text in ("2m", "45s", "1m30s", "1h30m", "1d", "0s", "2d3h4m5s"):
        parsed = parse_duration(text)
        assert parsed is not None and format_duration(parsed) == text
    config = write_config({"Wire": "http://127.0.0.1:9/feed.xml"})
    assert main(["check-config", "--config", str(config)], env) == 0
    out = capsys.readouterr().out
    assert "every 2m" in out and "storm >5/10m" in out and "0:0" not in out


def test_verbose_works_after_the_subcommand(write_config, env, capsys) -> None:
    config = write_config({"Wire": "http://127.0.0.1:9/feed.xml"})
    assert main(["status", "--config", str(config), "-v"], env) == 0
    assert logging.getLogger().level == logging.DEBUG
    assert main(["outbox", "list", "-v", "--config", str(config)], env) == 0
    assert main(["status", "--config", str(config)], env) == 0
    assert logging.getLogger().level == logging.INFO  # not verbose unless asked


def test_piping_into_head_ends_quietly(write_config, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    config = write_config({"Wire": "http://127.0.0.1:9/feed.xml"})
    given = tmp_path / "many.jsonl"
    line = json.dumps({"title": "North Korea fires a missile", "summary": "It flew 500 km."})
    given.write_text((line + "\n") * 5000)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NEWSBOT_"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "explain", "--config", str(config), "--input", str(given)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()  # what `head -1` does: read a line, then close the pipe
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert json.loads(first)["labels"] == ["missile-test"]
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err


def test_metrics_count_alerts_not_edits_and_show_build_and_last_success(
    feeds: FeedServer, slack: SlackStandIn, write_config, env
) -> None:
    from bot import __version__

    url = feeds.set("/a.xml", rss({**LAUNCH, "published": ago(minutes=5)}))
    other = feeds.set("/b.xml", rss({**OTHER_OUTLET, "published": ago(minutes=4)}))
    config = write_config(
        {"Wire": url, "Other": other},
        channels='[[channels]]\nchannel = "C0ALERTS"\nlabels = ["missile-test"]\n'
        'timezone = "Asia/Seoul"\n',
    )
    metrics = Metrics()

    async def scenario() -> None:
        app = build_app(load_config(str(config), env), metrics=metrics)
        try:
            await app.pipeline.poll_all()
            await app.deliverer.drain(timedelta(seconds=10))
        finally:
            await app.aclose()

    asyncio.run(scenario())
    text = generate_latest(metrics.registry).decode()
    kinds = sorted(str(p.args.get("thread_ts") is not None) for p in slack.posts())
    assert kinds == ["False", "True"]  # one alert, one thread reply (and an edit)
    assert 'newsbot_alerts_total{event="sent"} 1.0' in text
    assert 'newsbot_messages_total{event="sent",kind="update"} 1.0' in text
    assert f'newsbot_build_info{{version="{__version__}"}} 1.0' in text
    assert 'newsbot_feed_last_success_timestamp_seconds{feed="Wire"}' in text
    assert not re.search(r"^\w+_created[{ ]", text, re.MULTILINE)  # no second, birth-time series
    reply = next(p for p in slack.posts() if p.args.get("thread_ts"))
    assert "KST" in json.dumps(reply.args["blocks"])  # the channel's timezone, like the parent


def test_when_no_feed_can_be_reached_the_urls_are_not_blamed(
    feeds: FeedServer, write_config, env, caplog
) -> None:
    dead = {"A": "http://127.0.0.1:9/a.xml", "B": "http://127.0.0.1:9/b.xml"}

    def poll(config: Path) -> list[str]:
        async def scenario() -> None:
            app = build_app(load_config(str(config), env))
            try:
                await app.pipeline.poll_all()
            finally:
                await app.aclose()

        caplog.clear()
        asyncio.run(scenario())
        return [r.getMessage() for r in caplog.records]

    lines = poll(write_config(dead))
    assert any("none of the 2 feeds could be reached" in m for m in lines), lines
    assert sum("feed 'A' failed" in m or "feed 'B' failed" in m for m in lines) == 2
    assert not any("Check the URL" in m for m in lines)

    missing = feeds.set("/gone.xml", "gone", status=404, etag=False)
    good = feeds.set("/ok.xml", rss({**NOISE, "published": ago(minutes=1)}))
    lines = poll(write_config({"Gone": missing, "Ok": good, "A": dead["A"]}, name="b.toml"))
    assert any("feed 'Gone' failed" in m and "Check the URL" in m for m in lines), lines
    assert not any("could be reached" in m for m in lines)


def test_the_slack_app_manifest_asks_for_every_scope_used_and_the_readme_uses_it() -> None:
    import yaml

    from tests.conftest import ROOT

    manifest = yaml.safe_load((ROOT / "deploy" / "slack-app-manifest.yaml").read_text())
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert scopes == {"chat:write", "channels:history", "groups:history", "commands"}
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/newsbot"]
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Connecting to Slack", 1)[1].split("\n## ", 1)[0]
    assert "deploy/slack-app-manifest.yaml" in section


def test_replay_of_a_rule_change_says_which_stories_lose_their_label(
    feeds: FeedServer, slack: SlackStandIn, write_config, env, tmp_path: Path, capsys
) -> None:
    from tests.conftest import RULES

    items = [{**LAUNCH, "published": ago(minutes=5)}, {**CRUISE, "published": ago(minutes=4)}]
    url = feeds.set("/wire.xml", rss(*items))
    config = write_config({"Wire": url})
    _run_once(config, env)
    pack = RULES.read_text()
    at = pack.index("threshold = 4.0")  # the first topic: missile-test
    strict = tmp_path / "strict.toml"
    strict.write_text(pack[:at] + "threshold = 19.0" + pack[at + len("threshold = 4.0") :])
    changed = tmp_path / "strict-config.toml"
    changed.write_text(config.read_text().replace(str(RULES), str(strict)))
    capsys.readouterr()
    assert main(["replay", "--since", "2h", "--config", str(changed), "--json"], env) == 0
    report = json.loads(capsys.readouterr().out)["channels"]["C0ALERTS"]
    assert [w["headline"] for w in report["would_receive"]] == [LAUNCH["title"]]
    [gone] = report["no_longer"]
    assert gone["headline"] == CRUISE["title"]
    assert (
        gone["reason"].startswith("no label: missile-test scored") and "needs 19" in gone["reason"]
    )


def test_a_reader_that_closes_early_gets_no_traceback_at_exit(write_config, tmp_path) -> None:
    """`newsbot check-config | head -0`: the output waits in a buffer until exit, where a
    closed pipe would print "Exception ignored … BrokenPipeError"."""
    import os
    import subprocess
    import sys

    config = write_config({"Wire": "http://127.0.0.1:9/feed.xml"})
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "NEWSBOT_")) and k != "PYTHONUNBUFFERED"  # as users run it
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "check-config", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the program has written anything
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "BrokenPipe" not in err and "Exception ignored" not in err, err


def test_replay_reads_a_long_window_a_page_at_a_time_in_recorded_order(database: str) -> None:
    store = Store.open(database)
    now = datetime.now(UTC).replace(microsecond=0)
    rows = [
        (now - timedelta(minutes=m), feed, f"i:{m}{feed}{n}")
        for m in (3, 2, 1)
        for feed in ("https://b.test/feed", "https://a.test/feed")
        for n in range(2)
    ]
    with store.engine.begin() as conn:
        for seen_at, feed, key in rows:
            _entry(conn, key, feed, seen_at)
    since = now - timedelta(hours=1)
    whole = [e.key for e in store.entries_since(since)]
    assert whole == [key for _s, _f, key in sorted(rows)]
    paged: list[str] = []
    after = None
    while page := store.entries_since(since, after=after, limit=5):
        paged += [e.key for e in page]
        after = (page[-1].first_seen, page[-1].item.feed_url, page[-1].key)
    assert paged == whole
    store.close()


def test_reports_too_old_to_alert_are_counted_as_backfill_drops(
    feeds: FeedServer, write_config, env
) -> None:
    """On a feed's first poll an entry older than backfill is recorded, not posted: that is a
    drop too, and the metric says so (it used to skip the count)."""
    url = feeds.set("/old.xml", rss({**LAUNCH, "published": ago(hours=30)}))
    config = write_config({"Old": url}, channels=CHANNELS)
    text = _poll_metrics(config, env)
    assert 'newsbot_items_dropped_total{channel="C0DESK",reason="backfill"} 1.0' in text


def test_status_table_stays_aligned_with_korean_and_japanese_feed_names(
    write_config, env, feeds: FeedServer, capsys
) -> None:
    import unicodedata

    names = ["연합뉴스 속보", "NHK ニュース 北朝鮮", "Wire", "合同参謀本部 発表 " * 4]
    urls = {name: feeds.set(f"/f{i}.xml", rss(NOISE)) for i, name in enumerate(names)}
    config = write_config(urls)
    _run_once(config, env)
    capsys.readouterr()
    assert main(["status", "--config", str(config)], env) == 0
    lines = capsys.readouterr().out.splitlines()

    def columns(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    header, rows = lines[0], lines[1 : 1 + len(names)]
    assert sorted(r.split(maxsplit=1)[0] for r in rows) == sorted(n.split()[0] for n in names)
    start = columns(header[: header.index("last success")])
    for row in rows:
        # the "last success" cell starts at the same terminal column on every row, the
        # over-long name cut at a character boundary rather than spilling into it
        cut = next(i for i in range(len(row)) if columns(row[:i]) >= start)
        assert columns(row[:cut]) == start and row[cut - 1] == " " and row[cut] != " ", row
