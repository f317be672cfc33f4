"""Replay labelled reports through the real pipeline, a poll at a time, and score the stories.

Each distinct feed of the data set becomes a feed on a local feed server (loopback). The reports
are revealed slot by slot (a day by default): before each poll cycle every feed shows the
reports published in that slot, with all dates shifted by whole weeks so that the last slot ends
in the week before now (whole weeks keep every report's weekday, which rules read: "on Thursday").
Within a slot the feeds are polled one at a time, in the order of their first report in it, so
the reports meet the stories in the same order in every run (polled together, the feeds answered
in whichever order the machine's timing gave, and the figures varied from run to run). The
pipeline (fetch, parse, classify, dedupe, stories, route, outbox) runs on a throwaway SQLite
database with a console notifier and a clock set to each slot's end; afterwards the
stories are read back from the database. A report the classifier does not label, or that
dedupe drops, gets no story and is left out of the scores (the summary says how many).
"""

from __future__ import annotations

import asyncio
import io
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from sqlalchemy import select

from bot.service.config import parse_config
from bot.store import Store
from bot.store import schema as t
from bot.tools.evaluate import StoryExample, StoryReport, score_stories
from bot.tools.feedserver import FeedServer


@dataclass(frozen=True)
class ReplayResult:
    report: StoryReport
    polls: int
    unassigned: list[StoryExample]  # not labelled by the classifier, or dropped as duplicates
    assigned: dict[str, str] = field(default_factory=dict)  # report id -> story key


def _rss(name: str, reports: Sequence[StoryExample], shift: timedelta) -> str:
    items = "".join(
        f"<item><title>{escape(r.title)}</title>"
        f"<link>https://replay.test/{escape(r.id)}</link>"
        f'<guid isPermaLink="false">{escape(r.id)}</guid>'
        f"<pubDate>{format_datetime(r.published + shift)}</pubDate>"
        f"<description>{escape(r.summary)}</description></item>"
        for r in reports
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(name)}</title><link>https://replay.test/</link>"
        f"<description>replay</description>{items}</channel></rss>"
    )


def replay_shift(end_of_last: datetime, now: datetime) -> timedelta:
    """How far the replay moves every date: whole weeks (weekdays kept), the most that leaves
    the last slot's end at or before `now`; nothing when it ends after `now` already."""
    return timedelta(weeks=max(0, (now - end_of_last).days // 7))


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-") or "feed"


async def _replay(
    reports: Sequence[StoryExample],
    *,
    rules: str,
    slot: timedelta,
    now: datetime,
    story_window: timedelta | None,
) -> tuple[dict[str, str], int]:
    from bot.service.app import build_app

    ordered = sorted(reports, key=lambda r: (r.published, r.id))
    first = ordered[0].published.replace(hour=0, minute=0, second=0, microsecond=0)
    slots = int((ordered[-1].published - first) / slot) + 1
    end_of_last = first + slot * slots
    shift = replay_shift(end_of_last, now)
    feeds = sorted({r.source for r in reports})
    with FeedServer() as server, tempfile.TemporaryDirectory(prefix="newsbot-replay-") as tmp:
        urls = {name: server.set(f"/{_slug(name)}.xml", _rss(name, [], shift)) for name in feeds}
        window = f'story_window = "{int(story_window.total_seconds())}s"\n' if story_window else ""
        text = (
            f'[bot]\ndatabase = "sqlite:///{tmp}/replay.db"\nbackfill = "3650d"\n'
            'retention = "4000d"\nallow_private_networks = true\nparse_processes = 0\n'
            f"{window}rules = [{json.dumps(rules)}]\n"
            '[slack]\npace = "0s"\n'
            + "".join(
                f"[[feeds]]\nname = {json.dumps(n)}\nurl = {json.dumps(urls[n])}\n" for n in feeds
            )
            + '[[channels]]\nchannel = "#replay"\nlabels = ["missile-test", "diplomacy"]\n'
        )
        config = parse_config(text, str(Path(tmp) / "replay.toml"), {})
        clock_now = [first + shift]
        app = build_app(config, clock=lambda: clock_now[0], stdout=io.StringIO())
        try:
            await app.pipeline.poll_all()  # first poll: empty feeds, nothing to say
            for n in range(slots):
                start, end = first + slot * n, first + slot * (n + 1)
                due = [r for r in ordered if start <= r.published < end]
                if not due:
                    continue
                clock_now[0] = end + shift
                for name in dict.fromkeys(r.source for r in due):  # first report's order
                    mine = [r for r in due if r.source == name]
                    server.set(f"/{_slug(name)}.xml", _rss(name, mine, shift))
                    await app.pipeline.poll_all()
                    server.set(f"/{_slug(name)}.xml", _rss(name, [], shift))  # shown once
        finally:
            await app.aclose()
        store = Store.open(config.bot.database)
        try:
            with store.engine.connect() as conn:
                rows = conn.execute(select(t.items.c.item_id, t.items.c.story_key)).all()
        finally:
            store.close()
    return {item_id: story for item_id, story in rows if story is not None}, slots


def replay_stories(
    reports: Sequence[StoryExample],
    *,
    rules: str,
    slot: timedelta = timedelta(days=1),
    now: datetime | None = None,
    story_window: timedelta | None = None,
) -> ReplayResult:
    """Replay `reports` through the pipeline (see the module docstring) and score the stories.
    `rules` is what `bot.rules` would hold: a bundled pack's name or a pack file."""
    if not reports:
        return ReplayResult(score_stories([], {}), 0, [], {})
    assigned, polls = asyncio.run(
        _replay(
            reports,
            rules=rules,
            slot=slot,
            now=now or datetime.now(UTC),
            story_window=story_window,
        )
    )
    kept = [r for r in reports if r.id in assigned]
    missing = [r for r in reports if r.id not in assigned]
    return ReplayResult(score_stories(kept, assigned), polls, missing, assigned)
