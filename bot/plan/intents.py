"""The planner's typed inputs and outputs. Pure data, no I/O.

    Poll (a feed's entries) + Reads (known keys, channel activity) + OpenStories + Settings
      -> plan() -> Plan (entries to record, each with its story write and outgoing messages;
                         counts for the metrics)

The store reads the inputs inside an ingest session (`bot.store.ingest`) and records a plan's
entries in it; it never calls back into the planner.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.domain.route import Router
from bot.kinds import MessageKind, OutboxStatus, Severity
from bot.models import Classification, Decision, DigestEntry, Item, Message

if TYPE_CHECKING:
    from bot.domain.classify import RulePack
    from bot.domain.severity import SeverityRule
    from bot.domain.stories import Fingerprint, StoryIndex  # imported by the planner when needed
    from bot.service.config import BotConfig, ChannelConfig, Config

# -- inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Poll:
    """One successful poll of one feed: its entries, each entry's dedupe keys (computed once by
    the caller), and their classifications when the parse worker made them already, with the
    labelled entries' story fingerprints (None for the others)."""

    items: Sequence[Item]
    keys: Sequence[tuple[str, ...]]
    now: datetime
    first_poll: bool
    classified: Sequence[Classification] | None = None
    fingerprints: Sequence[Fingerprint | None] | None = None


@dataclass(frozen=True)
class ChannelActivity:
    """A channel's recent story alerts, for storm mode: when each was queued (posted or listed
    in a storm summary, not held), and the storm summary in progress, if any."""

    alerts: tuple[datetime, ...] = ()
    storm_key: str | None = None
    storm_started: datetime | None = None
    storm_last: datetime | None = None
    storm_entries: tuple[DigestEntry, ...] = ()


@dataclass(frozen=True)
class StoredMember:
    """A story member as the store keeps it, for rebuilding the open stories."""

    story_key: str
    item_key: str
    title: str
    summary: str
    labels: tuple[str, ...]
    published: datetime
    source: str
    url: str
    evidence: dict[str, list[str]]


@dataclass(frozen=True)
class StoryChanges:
    """What was recorded about stories since a point: members, first posts per channel, and
    the stories' severities (the highest so far, as stored)."""

    members: list[StoredMember]
    channels: list[tuple[str, str]]  # (story, channel)
    severities: list[tuple[str, str]] = field(default_factory=list)  # (story, severity)


@dataclass(frozen=True)
class Reads:
    """What the store knows that the plan depends on, read in the ingest session.

    `activity` is None when it was not read: `needs_activity` tells whether a poll needs it
    (most polls queue no story post, and reading it costs a query)."""

    known: AbstractSet[str] = frozenset()  # the dedupe keys already seen
    activity: Mapping[str, ChannelActivity] | None = None


@dataclass
class OpenStories:
    """The stories still open, as the planner sees them: the in-memory index (members, facts,
    channels posted to) and each story's highest severity so far, which is stored on the story.

    The one input `plan` changes: it assigns the poll's reports to stories here, exactly as
    the entries it returns record them."""

    index: StoryIndex
    severity: dict[str, Severity] = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    """What the planner reads from the config and from the settings made in Slack."""

    bot: BotConfig
    packs: tuple[RulePack, ...]
    labels: tuple[str, ...]  # every pack's labels, in the packs' order
    router: Router
    channels: Mapping[str, ChannelConfig]  # the config's channels, with Slack's additions
    severity_rules: tuple[SeverityRule, ...]
    mutes: frozenset[tuple[str, str]] = frozenset()  # (channel, story) muted from Slack

    @classmethod
    def of(
        cls,
        config: Config,
        channels: Sequence[ChannelConfig],
        mutes: frozenset[tuple[str, str]] = frozenset(),
    ) -> Settings:
        return cls(
            bot=config.bot,
            packs=config.packs,
            labels=config.labels,
            router=Router(channels),
            channels={c.channel: c for c in channels},
            severity_rules=tuple(r for p in config.packs for r in p.severity),
            mutes=mutes,
        )

    def threaded(self, channel: str) -> bool:
        cfg = self.channels.get(channel)
        return cfg.threaded if cfg is not None else True

    @property
    def storm_lookback(self) -> timedelta:
        """How far back channels' recent alerts are read for storm mode."""
        return max((c.storm_window for c in self.channels.values()), default=timedelta(minutes=10))


# -- outputs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """A message to queue: a story's first post in a channel, a thread reply, or a parent edit.

    A story's post may instead be `held` until `release_at` (a digest, quiet hours), then sent
    as part of one digest message; or `stormed`: listed in the channel's storm summary (`parent`)
    rather than posted. Either way its key is taken, so the story is never posted there later.
    """

    kind: MessageKind
    channel: str
    message: Message
    severity: Severity = Severity.NORMAL
    status: OutboxStatus = OutboxStatus.PENDING  # pending | held | stormed
    release_at: datetime | None = None
    key: str | None = None  # explicit key (storm summaries); else derived from the story
    parent: str | None = None  # explicit parent key (storm summaries and their edits)


@dataclass(frozen=True)
class StoryWrite:
    """The state of the story an entry created or joined, after the entry."""

    key: str
    labels: tuple[str, ...]
    first_published: datetime
    sources: int
    members: int
    severity: Severity | None = None  # its highest so far; None: leave the stored one


@dataclass(frozen=True)
class NewEntry:
    """An entry to record: its dedupe keys, and (if labelled) its item, story and messages."""

    keys: tuple[str, ...]
    item: dict[str, Any] | None = None  # the items row, for labelled entries
    story: StoryWrite | None = None
    outgoing: tuple[Outgoing, ...] = ()
    text: dict[str, Any] | None = None  # the entries row: every new entry's text (replay)
    # not stored: what the planner decided, for `newsbot explain` and `replay`
    severity: Severity | None = None
    decisions: tuple[Decision, ...] = ()


@dataclass(frozen=True)
class Plan:
    """What one poll comes to: the entries to record, and what happened, for the metrics."""

    entries: tuple[NewEntry, ...]
    activity: Mapping[str, ChannelActivity]  # the channels' activity after this poll
    dropped: tuple[tuple[Item, Decision], ...] = ()  # every channel that dropped a labelled item
    labelled: Mapping[str, int] = field(default_factory=dict)  # label -> items classified
    stories_created: int = 0
    absorbed: Mapping[tuple[str, str], int] = field(default_factory=dict)  # (source, how) -> n
