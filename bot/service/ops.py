"""Operator tools: why an item did (not) alert (`explain`), what a config change would alert on
(`replay`), and the outbox's parked and waiting messages (`outbox list|retry|drop`).

`explain` and `replay` run the pipeline's own planner (`bot.plan.planner.plan`: classify, cluster,
route, severity, digests, quiet hours, storms) over the items given, against a throwaway story
index; nothing is posted and nothing is written to the database.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import groupby
from typing import Any, TextIO

from bot.delivery.format import local_time
from bot.delivery.policy import PERMANENT
from bot.domain.classify import classify
from bot.domain.classify.pack import story_labels
from bot.domain.dedupe import item_keys
from bot.domain.stories import StoryIndex, Tuning
from bot.kinds import MessageKind, OutboxStatus, Severity
from bot.models import Classification, Item
from bot.plan.intents import OpenStories, Poll, Reads, Settings
from bot.plan.planner import absorb, plan
from bot.poll.parse import canonical_url
from bot.service.commands import effective_channels
from bot.service.config import Config
from bot.store import (
    PARENT_FAILED,
    ChannelActivity,
    NewEntry,
    OpsStore,
    OutboxRow,
    Store,
    StoredEntry,
)
from bot.validate import format_duration, parse_duration


class BadLine(ValueError):
    """A JSON line `explain` cannot read; the message says what is wrong."""


def plan_settings(config: Config, store: OpsStore, now: datetime) -> Settings:
    """The planner's settings: the config, with the channel settings and mutes made from Slack."""
    channels = effective_channels(config.channels, store.channel_prefs())
    return Settings.of(config, channels, frozenset(store.mutes(now)))


def item_from_json(line: str, number: int, now: datetime) -> tuple[object, Item]:
    """(id, Item) from one line {"id", "title", "summary"[, "link", "source", "published"]}."""
    try:
        data = json.loads(line)
    except ValueError as e:
        raise BadLine(f"not JSON: {e}") from e
    if not isinstance(data, dict):
        raise BadLine("expected a JSON object")
    ident = data.get("id", number)
    fields = {k: data.get(k, "") for k in ("title", "summary", "link", "source", "published")}
    for name, value in fields.items():
        if not isinstance(value, str):
            raise BadLine(f'"{name}" must be a string')
    published, dated = now, False
    if fields["published"]:
        try:
            published = datetime.fromisoformat(fields["published"].replace("Z", "+00:00"))
        except ValueError as e:
            raise BadLine(f'"published" is not an ISO 8601 time: {fields["published"]!r}') from e
        if published.tzinfo is None:
            published = published.replace(tzinfo=UTC)
        published, dated = published.astimezone(UTC), True
    source = fields["source"] or "explain"
    item = Item(
        feed_name=source,
        feed_url=f"explain:{source}",
        item_id=str(ident),
        url=canonical_url(fields["link"]) if fields["link"] else "",
        title=fields["title"],
        summary=fields["summary"],
        published=published,
        dated=dated,
    )
    return ident, item


def _unlabelled_reason(config: Config, c: Classification) -> str:
    parts = []
    for pack in config.packs:
        for topic in pack.topics:
            name = pack.label_name(topic.label)
            parts.append(f"{name} scored {c.scores.get(name, 0.0):g} (needs {topic.threshold:g})")
    return "no label: " + "; ".join(parts) if parts else "no label: no rule pack is loaded"


class Explainer:
    """Explains items one at a time, each as if it were the only new entry of a poll now."""

    def __init__(self, config: Config, store: OpsStore, now: datetime) -> None:
        self.config = config
        self.store = store
        self.now = now
        self.settings = plan_settings(config, store, now)
        # a report of an open story joins it, as in `run`
        self._stories = OpenStories(
            StoryIndex(Tuning(window=config.bot.story_window, labels=story_labels(config.packs)))
        )
        changes = store.open_stories(now - config.bot.story_window)
        absorb(self._stories, changes, self.settings.router)

    def explain(self, ident: object, item: Item) -> dict[str, Any]:
        c = classify(self.config.packs, item.title, item.summary)
        stories = copy.deepcopy(self._stories)  # each item on its own
        since = self.now - self.settings.storm_lookback
        keys = item_keys(item)
        seen = self.store.seen_keys(keys, self.now - self.config.bot.title_window)
        activity = self.store.channel_activity(since) if c.labels else {}
        planned = plan(
            Poll([item], [keys], self.now, first_poll=False, classified=[c]),
            Reads(frozenset(), activity),
            stories,
            self.settings,
        )
        [entry] = planned.entries
        channels: dict[str, dict[str, object]] = {}
        if not c.labels:
            reason = _unlabelled_reason(self.config, c)
            channels = {ch: {"route": False, "reason": reason} for ch in self.settings.channels}
        for d in entry.decisions:
            channels[d.channel] = {"route": d.route, "reason": d.reason}
        if seen:  # `run` passes over a repeat before it is classified: say so first
            for verdict in channels.values():
                verdict["reason"] = (
                    "already seen (its link, or its id or title in the same feed, was recorded "
                    f"before), so `run` does not alert on it again; as a new item: "
                    f"{verdict['reason']}"
                )
        return {
            "id": ident,
            "labels": list(c.labels),
            "scores": dict(c.scores),
            "evidence": {k: list(v) for k, v in c.evidence.items()},
            "severity": entry.severity,
            "channels": channels,
        }


def explain_command(config: Config, input_path: str | None, out: TextIO, err: TextIO) -> int:
    """`newsbot explain`: one JSON line out per JSON line in; bad lines are reported on `err`."""
    now = datetime.now(UTC)
    store = Store.open(config.bot.database)
    stream: TextIO
    try:
        stream = open(input_path, encoding="utf-8") if input_path else sys.stdin  # noqa: SIM115
    except OSError as e:
        store.close()
        err.write(f"newsbot: cannot read {input_path}: {e.strerror}\n")
        return 1
    try:
        explainer = Explainer(config, store, now)
        for number, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                ident, item = item_from_json(line, number, now)
            except BadLine as e:
                err.write(json.dumps({"line": number, "error": str(e)}) + "\n")
                continue
            out.write(json.dumps(explainer.explain(ident, item), ensure_ascii=False) + "\n")
            out.flush()
    finally:
        if input_path:
            stream.close()
        store.close()
    return 0


# -- replay ---------------------------------------------------------------------------------

DELIVERED = (OutboxStatus.SENT, OutboxStatus.DIGESTED, OutboxStatus.STORMED)
PAGE = 2000  # entries read per transaction (the store's default page)  # a story post that reached the channel somehow


@dataclass(frozen=True)
class Would:
    """A story a channel would receive under the replayed config."""

    story: str
    headline: str
    severity: str
    sources: int
    how: str  # posted | held | stormed
    sent_before: bool


@dataclass(frozen=True)
class NoLonger:
    """A story the channel was sent that the replayed config would not send it."""

    story: str
    headline: str
    status: str  # what happened to it then: sent, digested, stormed
    reason: str  # why not now, as `explain` says it


@dataclass
class ReplayReport:
    since: datetime
    entries: int
    channels: dict[str, tuple[list[Would], list[NoLonger]]] = field(default_factory=dict)


def replay(config: Config, store: OpsStore, since: datetime, now: datetime) -> ReplayReport:
    """Plan the window's entries again, poll by poll as they were recorded, under `config`."""
    settings = plan_settings(config, store, now)
    stories = OpenStories(
        StoryIndex(Tuning(window=config.bot.story_window, labels=story_labels(config.packs)))
    )
    stored = _recorded(store, since)
    count = 0
    activity: Mapping[str, ChannelActivity] = {}
    known: set[str] = set()
    posts: dict[tuple[str, str], str] = {}  # (channel, story) -> how
    severity: dict[str, str] = {}
    reasons: dict[tuple[str, str], str] = {}  # (channel, item key) -> why
    stories_of: dict[str, str] = {}  # item key -> story key
    items: dict[str, Item] = {}  # item key -> item, for the reasons of those no longer sent
    for (_feed, seen_at, first_poll), group in groupby(
        stored, key=lambda e: (e.item.feed_url, e.first_seen, e.first_poll)
    ):
        polled = [e.item for e in group]
        count += len(polled)
        keys = [item_keys(item) for item in polled]
        planned = plan(
            Poll(polled, keys, seen_at, first_poll), Reads(known, activity), stories, settings
        )
        activity = planned.activity
        known.update(k for ks in keys for k in ks)
        items.update((ks[0], item) for ks, item in zip(keys, polled, strict=True))
        for entry in planned.entries:
            _take(entry, posts, severity, reasons, stories_of)
    report = ReplayReport(since=since, entries=count)
    actual = [p for p in store.posts_since(since) if p[2] in DELIVERED]
    was_sent = {(channel, story) for channel, story, _status, _title in actual}
    for (channel, story), how in posts.items():
        state = stories.index.stories.get(story)
        would = Would(
            story=story,
            headline=state.headline.title if state else "",
            severity=severity.get(story, Severity.NORMAL),
            sources=len(state.sources) if state else 1,
            how=how,
            sent_before=(channel, story) in was_sent,
        )
        report.channels.setdefault(channel, ([], []))[0].append(would)
    for channel, story, status, title in actual:
        if (channel, story) in posts:
            continue
        reason = reasons.get((channel, story)) or _why_not(config, story, items, stories_of)
        gone = NoLonger(story=story, headline=title, status=status, reason=reason)
        report.channels.setdefault(channel, ([], []))[1].append(gone)
    return report


def _recorded(store: OpsStore, since: datetime) -> Iterator[StoredEntry]:
    """The window's entries in recorded order, read a page at a time."""
    after: tuple[datetime, str, str] | None = None
    while True:
        page = store.entries_since(since, after=after, limit=PAGE)
        yield from page
        if len(page) < PAGE:
            return
        last = page[-1]
        after = (last.first_seen, last.item.feed_url, last.key)


def _why_not(config: Config, story: str, items: dict[str, Item], stories_of: dict[str, str]) -> str:
    """Why a story sent then is not sent now, when no channel decision says it."""
    item = items.get(story)
    if item is None:
        return "its first report is not among the entries recorded in this window"
    joined = stories_of.get(story)
    if joined is not None and joined != story:
        return f"its first report now joins another story ({joined}), which goes out instead"
    c = classify(config.packs, item.title, item.summary)
    if not c.labels:
        return _unlabelled_reason(config, c)
    return "no channel subscribes to " + ", ".join(c.labels)


def _take(
    entry: NewEntry,
    posts: dict[tuple[str, str], str],
    severity: dict[str, str],
    reasons: dict[tuple[str, str], str],
    stories_of: dict[str, str],
) -> None:
    item_key = entry.keys[0]
    if entry.story is not None:
        stories_of[item_key] = entry.story.key
        severity[entry.story.key] = entry.severity or Severity.NORMAL
    for d in entry.decisions:
        reasons.setdefault((d.channel, item_key), d.reason)
    for out in entry.outgoing:
        if out.kind == MessageKind.POST and out.key is None and entry.story is not None:
            how = "posted" if out.status == OutboxStatus.PENDING else out.status
            posts.setdefault((out.channel, entry.story.key), how)


def replay_command(config: Config, since_text: str, out: TextIO, *, as_json: bool) -> int:
    window = parse_duration(since_text)
    if window is None or window <= timedelta(0):
        print(
            f'newsbot: --since {since_text!r} is not a duration; write it like "24h", "90m" or "7d"',
            file=sys.stderr,
        )
        return 2
    now = datetime.now(UTC)
    store = Store.open(config.bot.database)
    try:
        report = replay(config, store, now - window, now)
    finally:
        store.close()
    if window > config.bot.retention:
        print(
            f"newsbot: entries are kept for retention = {format_duration(config.bot.retention)}; "
            "older ones are not in the replay",
            file=sys.stderr,
        )
    if as_json:
        data = {
            "since": report.since.isoformat(timespec="seconds"),
            "entries": report.entries,
            "channels": {
                channel: {
                    "would_receive": [asdict(w) for w in would],
                    "no_longer": [asdict(g) for g in gone],
                }
                for channel, (would, gone) in sorted(report.channels.items())
            },
        }
        out.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return 0
    out.write(
        f"Replay of {report.entries} entries recorded since {local_time(report.since)} "
        f"({since_text}) under {config.path}; nothing was posted or stored.\n"
    )
    if not report.channels:
        out.write("No channel would receive anything, and nothing was sent in that window.\n")
    for channel, (would, gone) in sorted(report.channels.items()):
        fresh = sum(not w.sent_before for w in would)
        out.write(
            f"\n{channel}: would receive {len(would)} "
            f"{'story' if len(would) == 1 else 'stories'} ({fresh} not sent before), "
            f"would no longer receive {len(gone)}\n"
        )
        for w in would:
            mark = " " if w.sent_before else "+"
            more = f", {w.sources} sources" if w.sources > 1 else ""
            how = "" if w.how == "posted" else f", {w.how}"
            out.write(f"  {mark} [{w.severity}{more}{how}] {w.headline}\n")
        for g in gone:
            out.write(f"  - [was {g.status}] {g.headline}\n      now: {g.reason}\n")
    return 0


# -- outbox ---------------------------------------------------------------------------------

STATUS_NAMES: dict[str, str] = {
    OutboxStatus.FAILED: "parked",
    OutboxStatus.PENDING: "pending",
    OutboxStatus.HELD: "held",
}
_SLACK_ERROR = re.compile(r"Slack said ([a-z_]+)")


def advice(row: OutboxRow) -> tuple[str | None, str]:
    """(the Slack error code, if any; what to do about the message)."""
    error = row.last_error or ""
    code_match = _SLACK_ERROR.search(error)
    code = code_match.group(1) if code_match else None
    if row.status == OutboxStatus.HELD:
        return None, f"held for a digest or quiet hours; goes out {local_time(row.next_attempt_at)}"
    if row.status == OutboxStatus.PENDING:
        if not error:
            return None, "waiting to be sent; a running newsbot sends it within seconds"
        return code, (
            f"retried automatically at {local_time(row.next_attempt_at)} "
            f"(attempt {row.attempts + 1}); nothing to do unless the error persists"
        )
    if error == PARENT_FAILED:
        return None, (
            f"its story's first post ({row.parent_key}) was parked: fix that one and "
            f"`newsbot outbox retry {row.parent_key}` requeues this with it"
        )
    fix = PERMANENT.get(code or "", "") if code else ""
    if not fix:
        fix = "see the error above"
    return code, f"{fix}; then `newsbot outbox retry {row.key}` (or `drop` it)"


def outbox_list(config: Config, status: str | None, out: TextIO, *, as_json: bool) -> int:
    every: list[str] = [OutboxStatus.FAILED, OutboxStatus.PENDING, OutboxStatus.HELD]
    wanted = {
        "parked": [OutboxStatus.FAILED],
        "pending": [OutboxStatus.PENDING],
        "held": [OutboxStatus.HELD],
    }.get(status or "", every)
    store = Store.open(config.bot.database)
    try:
        rows = store.outbox_rows(wanted)
    finally:
        store.close()
    listed = []
    for r in rows:
        code, what = advice(r)
        listed.append(
            {
                "key": r.key,
                "kind": r.kind,
                "channel": r.channel,
                "status": STATUS_NAMES.get(r.status, r.status),
                "attempts": r.attempts,
                "created_at": r.created_at.isoformat(timespec="seconds"),
                "next_attempt_at": r.next_attempt_at.isoformat(timespec="seconds"),
                "message": r.text,
                "error": r.last_error,
                "slack_error": code,
                "advice": what,
            }
        )
    if as_json:
        out.write(json.dumps(listed, indent=2, ensure_ascii=False) + "\n")
        return 0
    if not listed:
        out.write(f"outbox: no {status or 'parked, pending or held'} messages\n")
        return 0
    for m in listed:
        out.write(
            f"{m['status']:<8} {m['key']}\n"
            f"         {m['kind']} to {m['channel']}, queued {m['created_at']}, "
            f"{m['attempts']} attempts\n"
            f"         {_clip(str(m['message']), 100)}\n"
        )
        if m["error"]:
            out.write(f"         error: {m['error']}\n")
        out.write(f"         advice: {m['advice']}\n")
    counts = Counter(str(m["status"]) for m in listed)
    out.write(", ".join(f"{n} {s}" for s, n in sorted(counts.items())) + "\n")
    return 0


def _clip(text: str, limit: int) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def outbox_retry(config: Config, keys: Sequence[str] | None, out: TextIO) -> int:
    done, missing = _act(config, keys, lambda store, now: store.requeue(keys, now))
    for key in done:
        out.write(f"requeued {key}\n")
    for key in missing:
        print(
            f"newsbot: {key}: no parked message has that key (see `newsbot outbox list`)",
            file=sys.stderr,
        )
    out.write(
        f"{len(done)} requeued; a running newsbot sends them on its next delivery round "
        "(or run `newsbot run --once`)\n"
        if done
        else "nothing requeued\n"
    )
    return 1 if missing else 0


def outbox_drop(config: Config, keys: Sequence[str], out: TextIO) -> int:
    done, missing = _act(config, keys, lambda store, now: store.drop(keys, now))
    for key in done:
        out.write(f"dropped {key}: it will not be sent\n")
    for key in missing:
        print(
            f"newsbot: {key}: no unsent message has that key, or it is being sent right now "
            "(see `newsbot outbox list`)",
            file=sys.stderr,
        )
    return 1 if missing else 0


def _act(
    config: Config,
    keys: Sequence[str] | None,
    action: Callable[[Store, datetime], list[str]],
) -> tuple[list[str], list[str]]:
    """Run one outbox action on the database: (the keys it acted on, the keys given it did not)."""
    store = Store.open(config.bot.database)
    try:
        done = action(store, datetime.now(UTC))
    finally:
        store.close()
    return done, [k for k in keys or () if k not in done]
