"""One error root for everything newsbot raises on purpose.

Foreign exceptions (httpx, feedparser, slack_sdk, SQLAlchemy) are wrapped once, at the edge that
met them, with ``raise ... from e``. "Not modified" and "nothing new" are return values.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class NewsbotError(Exception):
    """Root of every error newsbot raises deliberately."""


class ConfigError(NewsbotError):
    """The configuration (or a rule pack) is invalid. Carries every problem found, not just one."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"invalid configuration in {path}:\n{lines}")


class FeedFetchError(NewsbotError):
    """A feed could not be fetched. `retry_after` (seconds) is set when the server asked for it."""

    def __init__(
        self, url: str, reason: str, *, retry_after: float | None = None, blocked: bool = False
    ) -> None:
        self.url = url
        self.reason = reason
        self.retry_after = retry_after
        self.blocked = blocked  # refused by the private-network guard
        super().__init__(f"{url}: {reason}")


class FeedParseError(NewsbotError):
    """A feed's body could not be turned into entries at all."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")

    def __reduce__(self) -> tuple[type[FeedParseError], tuple[str, str]]:
        # parse errors cross from the parsing worker processes; keep them picklable
        return (type(self), (self.url, self.reason))


class FailureKind(StrEnum):
    """What the delivery edge saw when a send failed; `bot.delivery.policy` decides what follows."""

    RATE_LIMITED = "rate_limited"  # Slack or the webhook said 429: wait as long as it asked
    TOKEN = "token"  # the token itself was refused: every message would fail the same way
    PERMANENT = "permanent"  # retrying will not help (unknown channel, message too long)
    MAYBE_SENT = "maybe_sent"  # the request left and no good answer came (timeout, 5xx, reset)
    UNREACHABLE = "unreachable"  # the request never reached Slack (refused, DNS) or failed there
    REFUSED = "refused"  # an error newsbot does not know, about this one message


@dataclass(frozen=True)
class Failure:
    """One failed delivery as observed at the edge: its kind, the words for the operator, and
    the seconds the server asked to wait (already bounded by the policy's parser), if any."""

    kind: FailureKind
    reason: str
    retry_after: float | None = None


class DeliveryError(NewsbotError):
    """Slack (or the console) refused or failed a delivery; `failure` says how (see FailureKind).

    The error only carries what the edge observed; whether to retry, when, whether the channel's
    other messages wait, and when to give up is `DeliveryPolicy.decide`'s answer.
    """

    def __init__(self, channel: str, failure: Failure) -> None:
        self.channel = channel
        self.failure = failure
        super().__init__(f"channel {channel}: {failure.reason}")

    @property
    def reason(self) -> str:
        return self.failure.reason

    @property
    def kind(self) -> FailureKind:
        return self.failure.kind


class StoreError(NewsbotError):
    """The database could not be opened, migrated or written."""
