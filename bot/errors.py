"""One error root for everything newsbot raises on purpose.

Foreign exceptions (httpx, feedparser, slack_sdk, SQLAlchemy) are wrapped once, at the edge that
met them, with ``raise ... from e``. "Not modified" and "nothing new" are return values.
"""

from __future__ import annotations


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


class DeliveryError(NewsbotError):
    """Slack (or the console) refused or failed a delivery.

    `permanent` errors (unknown channel, message too long) are parked, not retried; the rest
    are retried with backoff, or after `retry_after` seconds when Slack said so. `hold_channel`
    says whether the channel's other messages wait too (rate limits, Slack down, a bad token) or
    only this one (an error about this message). `token_error`: the token itself was refused.
    `maybe_sent`: Slack may have posted it (a timeout, a 5xx, a reset), so it is looked for in
    the channel before it is sent again.
    """

    def __init__(
        self,
        channel: str,
        reason: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        rate_limited: bool = False,
        maybe_sent: bool = False,
        hold_channel: bool = True,
        token_error: bool = False,
    ) -> None:
        self.channel = channel
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after
        self.rate_limited = rate_limited
        self.maybe_sent = maybe_sent  # e.g. a timeout: Slack may have posted it
        self.hold_channel = hold_channel
        self.token_error = token_error
        super().__init__(f"channel {channel}: {reason}")


class StoreError(NewsbotError):
    """The database could not be opened, migrated or written."""
