"""The data that flows down the pipe: frozen dataclasses, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Item:
    """One feed entry, normalised to plain text and UTC."""

    feed_name: str
    feed_url: str
    item_id: str  # stable: guid, else canonical link, else hash of title + link
    url: str  # canonical: tracking parameters removed
    title: str
    summary: str  # plain text: no HTML, entities decoded, whitespace folded
    published: datetime  # UTC; the fetch time when the feed gave none
    dated: bool = True  # False when `published` is the fetch time, not the feed's date


@dataclass(frozen=True)
class Classification:
    """Labels an item earned, with every label's score and the evidence behind it."""

    labels: tuple[str, ...]
    scores: Mapping[str, float] = field(hash=False)
    evidence: Mapping[str, tuple[str, ...]] = field(hash=False)
    language: str = ""  # "ko", "ja", "zh", "en", "und"; "" where not detected (stored rows)


# what an entry that earned no label is given where its scores are not kept: a repeat, or an
# item a parse worker classified (one shared object, so a worker's results pickle it once)
NO_LABELS = Classification((), {}, {})


@dataclass(frozen=True)
class StoryView:
    """What a story's parent message shows about the story as a whole."""

    sources: tuple[str, ...]  # distinct sources, first reporter first
    first_seen: datetime
    last_updated: datetime
    facts: tuple[str, ...] = ()
    summary: Item | None = None  # a later report whose lead adds facts, shown instead
    update_note: str | None = None  # which report changed the facts, and how


@dataclass(frozen=True)
class Alert:
    """One item to post to one channel, optionally as the parent of a story thread."""

    channel: str
    item: Item
    labels: tuple[str, ...]
    classification: Classification
    story: StoryView | None = None
    severity: str = "normal"  # normal | high | critical
    mention: str = "none"  # none | here | channel: only ever added to critical alerts
    timezone: str = "UTC"  # the channel's, for the times shown


@dataclass(frozen=True)
class DigestEntry:
    """One story in a digest or a storm summary."""

    label: str
    severity: str
    title: str
    url: str
    source: str
    published: datetime
    sources: int = 1


@dataclass(frozen=True)
class Message:
    """A Slack message ready to send: Block Kit blocks plus the plain-text fallback."""

    text: str
    blocks: tuple[Mapping[str, object], ...] = field(hash=False)


@dataclass(frozen=True)
class Decision:
    """Whether one channel gets one labelled item, and the one sentence that says why.

    `drop` names what dropped it, for the `newsbot_items_dropped_total` metric (keywords,
    exclude, min_severity, muted, backfill, too_old); None when the channel gets the item in
    some form, or never wanted it (it subscribes to none of the item's labels).
    """

    channel: str
    route: bool
    reason: str
    drop: str | None = None
