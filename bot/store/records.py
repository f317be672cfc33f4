"""The records the store hands out and takes in, and the outbox payload's JSON. No SQL."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.kinds import MessageKind, OutboxStatus, Severity
from bot.models import DigestEntry, Item, Message
from bot.plan.intents import NewEntry, Outgoing


@dataclass(frozen=True)
class FeedState:
    url: str
    name: str
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    next_check_at: datetime
    last_success_at: datetime | None
    first_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    failures: int
    items_seen: int
    failing_since: datetime | None = None
    health_alerted: bool = False
    # politeness (bot/poll/polite.py): no poll before `polite_until`; the feed's last <ttl>
    polite_until: datetime | None = None
    ttl: int | None = None


@dataclass(frozen=True)
class Delivery:
    id: int
    key: str
    kind: str
    channel: str
    message: Message
    attempts: int
    created_at: datetime
    parent_key: str | None
    published: datetime | None = None
    in_flight: bool = False


@dataclass(frozen=True)
class OutboxRow:
    """An outbox message as `newsbot outbox list` shows it."""

    key: str
    kind: str
    channel: str
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    last_error: str | None
    text: str  # the plain-text fallback: what the message says
    parent_key: str | None = None


@dataclass(frozen=True)
class StoredEntry:
    """An entry's text as recorded (for replay): the item, and how it was recorded."""

    item: Item
    first_poll: bool
    first_seen: datetime
    key: str = ""  # its first dedupe key (the table's key)


ENTRY_COLUMNS = (
    "key",
    "feed_url",
    "feed_name",
    "item_id",
    "url",
    "title",
    "summary",
    "published",
    "dated",
    "first_poll",
    "first_seen",
)
ENTRY_TIME_COLUMNS = ("published", "first_seen")  # the entries columns that hold datetimes

# why a reply or edit is parked when its story's first post was (see Pipeline._parent_ready)
PARENT_FAILED = "the story's first post was not delivered"


@dataclass(frozen=True)
class Parent:
    status: str
    slack_ts: str | None
    slack_channel: str | None


@dataclass(frozen=True)
class ChannelPrefs:
    """What a channel added from Slack, on top of the config file."""

    labels: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class HeldStory:
    id: int
    entry: DigestEntry
    held_at: datetime


@dataclass(frozen=True)
class FeedWrite:
    """A fetched feed's new state, recorded with its entries (see `IngestSession.record`)."""

    url: str
    now: datetime
    next_check_at: datetime
    etag: str | None
    last_modified: str | None
    body_hash: str
    # politeness: the earliest next poll the server allows, and the feed's <ttl> (seconds)
    polite_until: datetime | None = None
    ttl: int | None = None


@dataclass(frozen=True)
class IngestResult:
    new_items: int
    alerts_queued: int
    entries: Sequence[NewEntry] = ()  # what was recorded (the pipeline's hot mode reads it)


def message_json(
    message: Message, severity: str | None = None, entry: DigestEntry | None = None
) -> str:
    data: dict[str, Any] = {"text": message.text, "blocks": list(message.blocks)}
    if severity is not None:
        data["severity"] = severity
    if entry is not None:
        data["entry"] = {
            "label": entry.label,
            "severity": entry.severity,
            "title": entry.title,
            "url": entry.url,
            "source": entry.source,
            "published": entry.published.isoformat(),
            "sources": entry.sources,
        }
    return json.dumps(data, ensure_ascii=False)


def entry_from_json(data: dict[str, Any]) -> DigestEntry:
    return DigestEntry(
        label=str(data.get("label", "")),
        severity=str(data.get("severity", Severity.NORMAL)),
        title=str(data.get("title", "")),
        url=str(data.get("url", "")),
        source=str(data.get("source", "")),
        published=datetime.fromisoformat(str(data.get("published", "1970-01-01T00:00:00+00:00"))),
        sources=int(data.get("sources", 1)),
    )


def digest_entry(entry: NewEntry, out: Outgoing) -> DigestEntry | None:
    """How a held or stormed story is listed later (in its digest or storm summary)."""
    if out.kind != MessageKind.POST or entry.item is None or out.status == OutboxStatus.PENDING:
        return None
    labels = entry.story.labels if entry.story else ()
    return DigestEntry(
        label=labels[0] if labels else "",
        severity=out.severity,
        title=str(entry.item["title"]),
        url=str(entry.item["url"]),
        source=str(entry.item["feed_name"]),
        published=entry.item["published"],
        sources=entry.story.sources if entry.story else 1,
    )


def message_from_json(text: str) -> Message:
    data = json.loads(text)
    return Message(text=data["text"], blocks=tuple(data["blocks"]))


def standalone_row(key: str, channel: str, message: Message, now: datetime) -> dict[str, Any]:
    """An outbox row for a message of no story (feed health, digests), due now."""
    return {
        "key": key,
        "kind": MessageKind.POST,
        "channel": channel,
        "item_key": "-",
        "payload": message_json(message),
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
