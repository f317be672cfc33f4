"""The project's closed vocabularies, in one place: outbox statuses, message kinds, severities,
and the outbox keys built from them. Pure.

Every value is a `StrEnum`, so it is stored, logged and compared as the plain string it always
was (`OutboxStatus.PENDING == "pending"`): databases written before these types existed read
back unchanged.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum


class OutboxStatus(StrEnum):
    """Where one outgoing message is in its life (the outbox row's `status`)."""

    PENDING = "pending"  # due to be sent at next_attempt_at
    HELD = "held"  # waiting for the channel's digest or the end of quiet hours
    SENT = "sent"  # Slack answered ok; slack_ts is set
    FAILED = "failed"  # parked after a permanent error or too many attempts; an operator decides
    SUPERSEDED = "superseded"  # replaced before it was sent (a newer edit of the same post)
    DIGESTED = "digested"  # held, then folded into a digest message
    STORMED = "stormed"  # folded into a storm post's running list instead of its own message
    DROPPED = "dropped"  # dropped by the operator (`newsbot outbox drop`)

    @property
    def finished(self) -> bool:
        """Nothing more will be sent for this row."""
        return self not in (OutboxStatus.PENDING, OutboxStatus.HELD, OutboxStatus.FAILED)


class MessageKind(StrEnum):
    """What an outbox row does in Slack."""

    POST = "post"  # a story's alert: a new top-level message
    REPLY = "reply"  # a later report of the story, in the alert's thread
    UPDATE = "update"  # an edit of the alert (chat.update)


class Severity(StrEnum):
    """How loudly an alert is posted, from the rule pack's [[severity]] rules."""

    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def highest(cls, *levels: str) -> Severity:
        """The loudest of the given levels (normal when none is given)."""
        return max((cls(x) for x in levels), key=lambda s: s.rank, default=cls.NORMAL)


_RANK = {Severity.NORMAL: 0, Severity.HIGH: 1, Severity.CRITICAL: 2}

KEY_LIMIT = 160  # the outbox key column's width


def post_key(story: str, channel: str) -> str:
    """One alert per story and channel, ever."""
    return f"{MessageKind.POST}:{story}:{channel}"


def reply_key(item: str, channel: str) -> str:
    return f"{MessageKind.REPLY}:{item}:{channel}"


def update_key(story: str, channel: str, members: int) -> str:
    """An edit of a story's alert when it has `members` reports."""
    return f"{MessageKind.UPDATE}:{story}:{channel}:{members}"


def storm_update_key(storm: str, entries: int) -> str:
    """An edit of a storm post when its list has `entries` lines."""
    return f"{MessageKind.UPDATE}:{storm}:{entries}"


def storm_key(channel: str, now: datetime) -> str:
    """A storm post: the summary that lists a channel's stories while it is in storm mode."""
    return f"storm:{channel}:{now:%Y%m%dT%H%M%S.%f}"


def health_key(feed_url: str, *, down: bool, since: datetime) -> str:
    """The ops channel's note that a feed is down (since it began failing) or back up (now)."""
    return f"health:{'down' if down else 'up'}:{feed_url[:80]}:{since:%Y%m%d%H%M}"[:KEY_LIMIT]


def digest_key(channel: str, now: datetime, first_held: int) -> str:
    return f"digest:{channel}:{now:%Y%m%dT%H%M%S}:{first_held}"[:KEY_LIMIT]


def outbox_key(kind: str, channel: str, *, story: str, item: str, members: int = 0) -> str:
    if kind == MessageKind.POST:
        return post_key(story, channel)
    if kind == MessageKind.REPLY:
        return reply_key(item, channel)
    return update_key(story, channel, members)


def is_alert(key: str) -> bool:
    """A story's alert (its top-level post), not an edit, a reply or a digest."""
    return key.startswith(f"{MessageKind.POST}:")
