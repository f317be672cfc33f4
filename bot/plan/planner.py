"""What one poll of one feed comes to. Pure: no I/O, no clock (`poll.now` is the time).

    entries -> dedupe (known keys) -> classify (the new ones) -> story (assign, create, join)
      -> severity -> route (per channel) -> first post | reply + edit | held | stormed | dropped

`plan` is given typed records (`bot.plan.intents`) and returns a `Plan`: the entries to record,
each with its story write and outgoing messages, and the counts the pipeline puts into its
metrics. The store reads the inputs and records the plan in one ingest session; the planner
never reads from it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.delivery.format import format_alert, format_digest, format_reply, format_storm, local_time
from bot.domain.classify import classify
from bot.domain.route import Router
from bot.domain.severity import severity_of
from bot.domain.stories import (
    Fingerprint,
    Joined,
    StoryIndex,
    StoryState,
    fingerprint,
    polled_fingerprint,
)
from bot.kinds import MessageKind, OutboxStatus, Severity, is_alert, storm_key, storm_update_key
from bot.models import (
    NO_LABELS,
    Alert,
    Classification,
    Decision,
    DigestEntry,
    Item,
    Message,
)
from bot.plan.intents import (
    ChannelActivity,
    NewEntry,
    OpenStories,
    Outgoing,
    Plan,
    Poll,
    Reads,
    Settings,
    StoryChanges,
    StoryWrite,
)
from bot.validate import format_duration

if TYPE_CHECKING:
    from bot.service.config import ChannelConfig

POST, REPLY, UPDATE = MessageKind.POST, MessageKind.REPLY, MessageKind.UPDATE


def classify_new(poll: Poll, known: AbstractSet[str], settings: Settings) -> Poll:
    """The poll with every entry classified that `plan` will look at: those not seen before
    (the parse workers classify a whole feed on its first poll; later polls bring few new
    entries, classified here). Repeats get no labels: `plan` passes over them."""
    if poll.classified is not None:
        return poll
    batch: set[str] = set()
    classified: list[Classification] = []
    for item, keys in zip(poll.items, poll.keys, strict=True):
        repeat = any(k in known or k in batch for k in keys)
        batch.update(keys)
        classified.append(
            NO_LABELS
            if repeat
            else classify(settings.packs, item.title, item.summary, explain=False)
        )
    return replace(poll, classified=classified)


def needs_activity(poll: Poll, known: AbstractSet[str]) -> bool:
    """Whether `plan` may post a story (and so needs the channels' recent activity): some entry
    is new and labelled. Most polls bring none, and then the activity is not read."""
    batch: set[str] = set()
    for n, keys in enumerate(poll.keys):
        repeat = any(k in known or k in batch for k in keys)
        batch.update(keys)
        if not repeat and (poll.classified is None or poll.classified[n].labels):
            return True
    return False


def plan(poll: Poll, reads: Reads, stories: OpenStories, settings: Settings) -> Plan:
    """Dedupe, classify, assign to stories, route and format one poll's entries.

    `stories` is updated in place (reports assigned to stories), as the returned entries record
    it; nothing else is changed. `reads.activity` must be given when `needs_activity` says so.
    """
    return _Planner(poll, reads, stories, settings).run()


@dataclass
class _Storm:
    """A channel's activity while a poll is planned (`ChannelActivity`, as it changes)."""

    alerts: list[datetime] = field(default_factory=list)
    storm_key: str | None = None
    storm_started: datetime | None = None
    storm_last: datetime | None = None
    storm_entries: list[DigestEntry] = field(default_factory=list)

    @classmethod
    def of(cls, a: ChannelActivity) -> _Storm:
        return cls(
            list(a.alerts), a.storm_key, a.storm_started, a.storm_last, list(a.storm_entries)
        )

    def frozen(self) -> ChannelActivity:
        return ChannelActivity(
            tuple(self.alerts),
            self.storm_key,
            self.storm_started,
            self.storm_last,
            tuple(self.storm_entries),
        )


class _Planner:
    """One run of `plan`: the inputs, and the counts it gathers on the way."""

    def __init__(self, poll: Poll, reads: Reads, stories: OpenStories, s: Settings) -> None:
        self.poll = poll
        self.reads = reads
        self.index: StoryIndex = stories.index
        self.severities = stories.severity
        self.s = s
        self.now = poll.now
        self.activity: dict[str, _Storm] = {}  # the channels this poll posted to
        self.dropped: list[tuple[Item, Decision]] = []
        self.labelled: Counter[str] = Counter()
        self.created = 0
        self.absorbed: Counter[tuple[str, str]] = Counter()

    def run(self) -> Plan:
        poll, known = self.poll, self.reads.known
        entries: list[NewEntry] = []
        batch: set[str] = set()
        for n, item in enumerate(poll.items):
            keys = poll.keys[n]
            repeat = any(k in known or k in batch for k in keys)
            batch.update(keys)
            if repeat:
                entries.append(NewEntry(keys=keys))
                continue
            c = (
                poll.classified[n]
                if poll.classified is not None
                else classify(self.s.packs, item.title, item.summary, explain=False)
            )
            text = entry_text(item, keys[0], self.now, poll.first_poll)
            if not c.labels:
                entries.append(NewEntry(keys=keys, text=text))
                continue
            made = poll.fingerprints[n] if poll.fingerprints is not None else None
            entries.append(self._labelled(item, keys, c, text, made))
        activity = dict(self.reads.activity or {})
        activity.update((channel, a.frozen()) for channel, a in self.activity.items())
        return Plan(
            entries=tuple(entries),
            activity=activity,
            dropped=tuple(self.dropped),
            labelled=dict(self.labelled),
            stories_created=self.created,
            absorbed=dict(self.absorbed),
        )

    def _may_alert(self, item: Item) -> bool:
        """Not too old: on a feed's first poll, dated within backfill; later, within retention
        (an undated report is taken as new, except on a first poll)."""
        bot, now = self.s.bot, self.now
        if self.poll.first_poll:
            return (
                bot.backfill > timedelta(0) and item.dated and item.published >= now - bot.backfill
            )
        return not item.dated or item.published >= now - bot.retention + timedelta(days=1)

    def _labelled(
        self,
        item: Item,
        keys: tuple[str, ...],
        c: Classification,
        text: dict[str, object],
        fp: Fingerprint | None = None,
    ) -> NewEntry:
        """A new labelled report: its story, severity and every channel's decision. `fp`: its
        fingerprint, when the parse worker made it already (bot/poll/work.py, the same call)."""
        s, now, poll = self.s, self.now, self.poll
        may_alert = self._may_alert(item)
        if fp is None:
            fp = polled_fingerprint(keys[0], item, c.labels, now)
        decided = s.router.decide(item, c)
        decisions: dict[str, Decision] = {d.channel: d for d, _labels in decided}
        # routing is per report: the channels this report's text and labels are for
        wants = {d.channel: labels for d, labels in decided if d.route}
        if not may_alert:
            for channel in wants:
                decisions[channel] = too_old(channel, item, poll.first_poll, s)
        match = self.index.assign(fp)
        outgoing: list[Outgoing] = []
        self.labelled.update(c.labels)
        joined: Joined | None = None
        if match is None:
            story = self.index.create(fp, item, c, now)
            self.created += 1
        else:
            joined = self.index.join(match.story_id, fp, item, now)
            story = joined.story
        # a story's severity only rises: a later, vaguer report does not lower it
        severity = Severity.highest(
            self._severity(story, item), self.severities.get(story.id, Severity.NORMAL)
        )
        # a report too old to alert (or undated, on a feed's first poll) joins its story
        # silently: no reply, no edit, no post, and the story's severity stays as it was
        if may_alert:
            self.severities[story.id] = severity
            if joined is not None:
                for channel in sorted(story.channels):
                    if channel in decisions and decisions[channel].route:
                        decisions[channel] = in_story(
                            decisions[channel],
                            story,
                            joined,
                            threaded=s.threaded(channel),
                            muted=(channel, story.id) in s.mutes,
                        )
                outgoing += self._joined(joined, item, severity, wants)
            outgoing += self._new_channels(
                story, item, severity, wants, decisions, match is not None
            )
        self.dropped += [(item, d) for d in decisions.values() if d.drop is not None]
        return NewEntry(
            keys=keys,
            item=item_row(text, c),
            text=text,
            severity=severity if may_alert else None,
            decisions=tuple(decisions.values()),
            story=story_write(story, severity if may_alert else None),
            outgoing=tuple(outgoing),
        )

    def _new_channels(
        self,
        story: StoryState,
        item: Item,
        severity: Severity,
        wants: Mapping[str, object],
        decisions: dict[str, Decision],
        joined: bool,
    ) -> list[Outgoing]:
        """The story's first message in each channel this report is for that has none yet,
        unless the story is below the channel's min_severity or muted there."""
        s = self.s
        outgoing: list[Outgoing] = []
        for channel in sorted(set(wants) - story.channels):
            wanted = s.channels.get(channel)
            if wanted is not None and severity.rank < Severity(wanted.min_severity).rank:
                decisions[channel] = Decision(
                    channel,
                    False,
                    f"{decisions[channel].reason}, but its severity {severity} is below the "
                    f"channel's min_severity {wanted.min_severity}",
                    "min_severity",
                )
                continue  # below the channel's minimum; a later, graver report may post
            if (channel, story.id) in s.mutes:
                decisions[channel] = _muted(channel, story)
                continue
            story.channels.add(channel)
            if joined:
                # the first report did not reach this channel: this one heads its post
                story.channel_headlines[channel] = item
            first = self._first_post(story, channel, severity)
            outgoing += first
            decisions[channel] = posted(decisions[channel], first, wanted, severity)
        return outgoing

    def _severity(self, story: StoryState, item: Item) -> Severity:
        """The pack's severity rules applied to the story's facts and to the text of its
        headline and of this report."""
        text = f"{story.headline.title}\n{story.headline.summary}\n{item.title}\n{item.summary}"
        return Severity(severity_of(self.s.severity_rules, story.labels, story.facts.classes, text))

    def _joined(
        self, joined: Joined, item: Item, severity: Severity, wants: Mapping[str, object]
    ) -> list[Outgoing]:
        """A report joined a story: a thread reply where its channel takes this report (a
        further report from a source already in the story says "Update from"), and the parent
        edited when the sources or the facts changed. Nothing joins unseen but by a channel's
        choice (threads = false, muted), which the absorbed-reports count says."""
        story = joined.story
        outgoing: list[Outgoing] = []
        shown = False
        for channel in sorted(story.channels):
            if not self.s.threaded(channel):
                continue  # threads = false: later reports are absorbed silently
            if (channel, story.id) in self.s.mutes:
                continue  # muted from Slack: no replies or edits there
            if channel in wants:
                cfg = self.s.channels.get(channel)
                reply = format_reply(
                    item,
                    cfg.timezone if cfg else "UTC",
                    again=not joined.new_source,
                    added=joined.added,
                )
                outgoing.append(Outgoing(REPLY, channel, reply))
                shown = True
            if joined.new_source or joined.adds_facts:
                message = parent_message(story, channel, severity, self.s)
                outgoing.append(Outgoing(UPDATE, channel, message, severity))
        how = "reply" if shown else "silent"
        source = "new" if joined.new_source else "already-in-story"
        self.absorbed[(source, how)] += 1
        return outgoing

    def _channel(self, channel: str) -> _Storm:
        a = self.activity.get(channel)
        if a is None:
            if self.reads.activity is None:
                raise ValueError("plan() needs the channels' activity here (see needs_activity)")
            given = self.reads.activity.get(channel)
            a = self.activity[channel] = _Storm.of(given) if given else _Storm()
        return a

    def _first_post(self, story: StoryState, channel: str, severity: Severity) -> list[Outgoing]:
        """A story's first message in a channel: posted now, held for a digest or the end of
        quiet hours, or listed in the channel's storm summary. Critical alerts are posted now."""
        now = self.now
        message = parent_message(story, channel, severity, self.s)
        cfg = self.s.channels.get(channel)
        if cfg is None or severity == Severity.CRITICAL:
            self._channel(channel).alerts.append(now)
            return [Outgoing(POST, channel, message, severity)]
        release = release_at(cfg, now)
        if release is not None:
            return [Outgoing(POST, channel, message, severity, OutboxStatus.HELD, release)]
        a = self._channel(channel)
        recent = sum(1 for t in a.alerts if t > now - cfg.storm_window)
        a.alerts.append(now)
        if recent < cfg.storm_threshold or cfg.webhook_url is not None:
            return [Outgoing(POST, channel, message, severity)]  # webhooks cannot edit
        head = story.channel_headlines.get(channel, story.headline)
        entry = DigestEntry(
            label=sorted(story.labels)[0] if story.labels else "",
            severity=severity,
            title=head.title,
            url=head.url,
            source=head.feed_name,
            published=head.published,
            sources=len(story.sources),
        )
        new_storm = (
            a.storm_key is None or a.storm_last is None or a.storm_last <= now - cfg.storm_window
        )
        if new_storm:
            a.storm_key = storm_key(channel, now)
            a.storm_started, a.storm_entries = now, []
        assert a.storm_key is not None
        a.storm_entries.append(entry)
        a.storm_last = now
        summary = format_storm(
            a.storm_entries,
            started=a.storm_started or now,
            window=cfg.storm_window,
            timezone=cfg.timezone,
        )
        listed = Outgoing(
            POST, channel, message, severity, OutboxStatus.STORMED, parent=a.storm_key
        )
        if new_storm:
            # the summary first: a storm's listed stories come after it in the outbox
            return [Outgoing(POST, channel, summary, key=a.storm_key), listed]
        edit_key = storm_update_key(a.storm_key, len(a.storm_entries))
        return [listed, Outgoing(UPDATE, channel, summary, key=edit_key, parent=a.storm_key)]


# -- the pieces -----------------------------------------------------------------------------


def absorb(stories: OpenStories, changes: StoryChanges, router: Router | None = None) -> None:
    """Take stored story members, first posts and severities into the open stories (at start,
    and what other replicas recorded since this process last looked).

    With the `router`, a channel whose first post came from a later member (the first report
    did not match its keywords) gets that member's headline back.
    """
    index = stories.index
    items: dict[str, list[tuple[Item, Classification]]] = {}
    for m in changes.members:
        item = Item(m.source, "", m.item_key, m.url, m.title, m.summary, m.published)
        c = Classification(m.labels, {}, {k: tuple(v) for k, v in m.evidence.items()})
        items.setdefault(m.story_key, []).append((item, c))
        fp = fingerprint(m.item_key, m.title, m.summary, m.labels, m.published, m.source)
        if m.story_key in index.stories:
            if all(f.key != m.item_key for f in index.stories[m.story_key].members):
                index.join(m.story_key, fp, item, m.published)
        elif m.item_key == m.story_key:
            index.create(fp, item, c, m.published)
    for story_key, channel in changes.channels:
        story = index.stories.get(story_key)
        if story is None:
            continue
        story.channels.add(channel)
        if router is None or channel in story.channel_headlines:
            continue
        for item, c in items.get(story_key, []):
            if channel in dict(router.route(item, c)):
                if item.item_id != story.headline.item_id:
                    story.channel_headlines[channel] = item
                break
    for story_key, level in changes.severities:
        if story_key in index.stories:
            stories.severity[story_key] = Severity(level)


def story_write(story: StoryState, severity: Severity | None) -> StoryWrite:
    return StoryWrite(
        key=story.id,
        labels=tuple(sorted(story.labels)),
        first_published=story.first_published,
        sources=len(story.sources),
        members=len(story.members),
        severity=severity,
    )


def parent_message(story: StoryState, channel: str, severity: Severity, s: Settings) -> Message:
    """The story's parent message for a channel, as it stands now."""
    cfg = s.channels.get(channel)
    wanted = set(cfg.labels) if cfg else set()
    labels = tuple(lb for lb in s.labels if lb in story.labels and lb in wanted) or tuple(
        sorted(story.labels)
    )
    alert = Alert(
        channel=channel,
        item=story.channel_headlines.get(channel, story.headline),
        labels=labels,
        classification=story.classification,
        story=story.view(),
        severity=severity,
        mention=cfg.mention if cfg else "none",
        timezone=cfg.timezone if cfg else "UTC",
    )
    return format_alert(alert)


def digest_message(
    held: Sequence[tuple[DigestEntry, datetime]], channel: str, s: Settings, until: datetime
) -> Message:
    """The one message that replaces a channel's held stories: (entry, when held) each."""
    cfg = s.channels.get(channel)
    why = "Digest" if cfg is None or cfg.digest.on else "Held during quiet hours"
    return format_digest(
        [entry for entry, _ in held],
        since=min(when for _, when in held),
        until=until,
        timezone=cfg.timezone if cfg else "UTC",
        why=why,
    )


def too_old(channel: str, item: Item, first_poll: bool, s: Settings) -> Decision:
    if first_poll:
        reason = (
            "the feed's first poll: entries are recorded, and only those dated within "
            f"backfill = {format_duration(s.bot.backfill)} may alert"
        )
        return Decision(channel, False, reason, "backfill")
    reason = f"published more than retention = {format_duration(s.bot.retention)} ago"
    return Decision(channel, False, reason, "too_old")


def in_story(
    was: Decision, story: StoryState, joined: Joined, *, threaded: bool, muted: bool
) -> Decision:
    """A report of a story the channel already has: a thread reply and an edit, not an alert."""
    if muted:
        return _muted(was.channel, story)
    head = f'{was.reason}; its story ("{story.headline.title[:100]}") is already posted here'
    if not threaded:
        return Decision(
            was.channel, False, f"{head}, and with threads = false later reports are absorbed"
        )
    if joined.new_source:
        return Decision(was.channel, True, f"{head}: this report goes to its thread and updates it")
    return Decision(
        was.channel,
        True,
        f"{head}: a further report from a source already in it, posted in its thread as an update",
    )


def _muted(channel: str, story: StoryState) -> Decision:
    reason = (
        f'its story ("{story.headline.title[:100]}") is muted in this channel from Slack '
        "(/newsbot mute)"
    )
    return Decision(channel, False, reason, "muted")


def posted(
    was: Decision, first: Sequence[Outgoing], cfg: ChannelConfig | None, severity: Severity
) -> Decision:
    """How a story's first message in a channel goes out: now, held, or in a storm summary."""
    post = next(o for o in first if o.key is None or is_alert(o.key))
    if post.status == OutboxStatus.HELD and cfg is not None and post.release_at is not None:
        when = local_time(post.release_at, cfg.timezone)
        if cfg.digest.on:
            how = f"held for the channel's {cfg.digest.kind} digest, sent {when}"
        else:
            how = f"held for quiet hours, until {when}"
    elif post.status == OutboxStatus.STORMED and cfg is not None:
        how = (
            f"storm mode: more than {cfg.storm_threshold} alerts within "
            f"{format_duration(cfg.storm_window)}, so it is listed in the storm summary"
        )
    elif severity == Severity.CRITICAL:
        how = "posted now (critical: no digest, quiet hours or storm holds it)"
    else:
        how = f"posted now (severity {severity})"
    return Decision(was.channel, True, f"{was.reason}: {how}")


def release_at(channel: ChannelConfig, now: datetime) -> datetime | None:
    """When a below-critical story for `channel` may go out, if not now: its next digest, or
    the end of its quiet hours (a digest due inside quiet hours waits for their end)."""
    release = channel.digest.next_after(now) if channel.digest.on else None
    quiet = channel.quiet_hours
    if quiet is not None and quiet.active(release or now):
        release = quiet.ends_after(release or now)
    return release


def item_row(text: Mapping[str, object], c: Classification) -> dict[str, object]:
    """The items row of a labelled entry: its text (see `entry_text`) and classification."""
    row = {k: v for k, v in text.items() if k not in ("dated", "first_poll")}
    row["labels"] = json.dumps(
        {
            "labels": list(c.labels),
            "scores": dict(c.scores),
            "evidence": {k: list(v) for k, v in c.evidence.items()},
        }
    )
    return row


def entry_text(item: Item, key: str, now: datetime, first_poll: bool) -> dict[str, object]:
    """The entries row: an entry's text, labelled or not, for `newsbot replay`."""
    return {
        "key": key,
        "feed_url": item.feed_url,
        "feed_name": item.feed_name,
        "item_id": item.item_id,
        "url": item.url,
        "title": item.title,
        "summary": item.summary,
        "published": item.published,
        "dated": int(item.dated),
        "first_poll": int(first_poll),
        "first_seen": now,
    }
