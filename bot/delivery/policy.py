"""The delivery policy: what a failed send means and what happens next. Pure: time is given.

Everything the outbox decides about Slack lives here: which Slack errors are permanent,
token-wide, "maybe sent" or transient (`classify_slack`), how Retry-After is read and bounded,
the back-off between attempts, how often a refused message is tried before it is parked, how
long a send's claim is held, and the per-channel pacing. The delivery loop (`outbox.Deliverer`)
asks `DeliveryPolicy.decide(failure, attempts, now)` and acts on the typed outcome it gets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.delivery.pacing import Pacer
from bot.errors import Failure, FailureKind

if TYPE_CHECKING:
    from bot.service.config import Config

# Slack errors that retrying will not fix; the alert is parked and the log says what to do.
PERMANENT = {
    "channel_not_found": "the channel does not exist or the bot cannot see it; check the channel id",
    "not_in_channel": "invite the bot to the channel (/invite @newsbot)",
    "is_archived": "the channel is archived; unarchive it or change the config",
    "msg_too_long": "the message is too long for Slack",
    "invalid_blocks": "Slack rejected the message layout",
    "no_text": "the message had no text",
    "restricted_action": "the workspace does not let the bot post there",
    "message_not_found": "the message to edit no longer exists",
    "cant_update_message": "the bot cannot edit that message",
    "edit_window_closed": "the workspace no longer allows editing that message",
}
# Errors of the token itself: every alert would fail the same way, so none is parked. All are
# held and retried every few minutes, with a loud log, until the token is fixed.
AUTH = {
    "invalid_auth": "SLACK_BOT_TOKEN is not valid; create a new bot token",
    "not_authed": "no token was sent; set SLACK_BOT_TOKEN",
    "account_inactive": "the token's app or user was deactivated; reinstall the app",
    "token_revoked": "the token was revoked; reinstall the app and set the new SLACK_BOT_TOKEN",
    "token_expired": "the token expired; set a fresh SLACK_BOT_TOKEN",
}
# Slack's own errors for trouble on its side; the call may have taken effect
SLACK_TROUBLE = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
RETRY_AFTER_DEFAULT = 30.0  # seconds waited after a 429 that did not say how long
RETRY_AFTER_MAX = 600.0  # the longest Retry-After from Slack or a webhook that is honoured


def retry_after_seconds(raw: object, default: float = RETRY_AFTER_DEFAULT) -> float:
    """Seconds from a Retry-After header, at most RETRY_AFTER_MAX (a server may not park a
    channel for longer: after that the message is tried again, and may be told to wait again)."""
    text = str(raw).strip() if raw is not None else ""
    if not text.isdigit():
        return default
    return min(float(text[:10]), RETRY_AFTER_MAX)  # ten digits already exceed the cap


def classify_slack(
    *, status: int, error: str, retry_after: object = None, needed: str = ""
) -> Failure:
    """What a failed Slack Web API answer (HTTP status, Slack's `error`, the Retry-After header,
    the scope Slack says is `needed`) is: the one place that reads Slack's error codes."""
    if status == 429 or error == "ratelimited":
        wait = retry_after_seconds(retry_after)
        return Failure(
            FailureKind.RATE_LIMITED,
            f"rate limited by Slack; retrying after {wait:.0f}s",
            retry_after=wait,
        )
    if error in AUTH:
        return Failure(
            FailureKind.TOKEN,
            f"Slack said {error}: {AUTH[error]}. Every alert is held until this is fixed.",
        )
    if error == "missing_scope":
        scope = f"the {needed} scope" if needed else "a scope this call needs"
        return Failure(
            FailureKind.PERMANENT,
            f"Slack said missing_scope: the app lacks {scope}; add it and reinstall the app",
        )
    if error in PERMANENT:
        return Failure(FailureKind.PERMANENT, f"Slack said {error}: {PERMANENT[error]}")
    if error.startswith("Received a response in a non-JSON format"):
        error = ""  # slack-sdk's words for a body that is not JSON (an HTML error page)
    detail = error or f"HTTP {status}"
    if status >= 500 or error in SLACK_TROUBLE:
        # Slack may have done the work before failing: look before posting again
        return Failure(FailureKind.MAYBE_SENT, f"Slack is having trouble ({detail})")
    # an error newsbot does not know, about this message: it waits, the channel's others do not
    return Failure(FailureKind.REFUSED, f"Slack refused the message: {detail}")


# -- outcomes: what the delivery loop does after a failed send ---------------------------------


@dataclass(frozen=True)
class Park:
    """Stop trying: the message is parked (`failed`) for an operator to retry or drop."""

    reason: str


@dataclass(frozen=True)
class RetryAt:
    """Try again at `when`; with `hold_channel` the channel's other messages wait until then."""

    when: datetime
    reason: str
    hold_channel: bool


@dataclass(frozen=True)
class RateLimited:
    """Slack asked the channel to wait: it is held until `until`, then the message goes again."""

    until: datetime
    reason: str


@dataclass(frozen=True)
class LookBeforeResend:
    """The message may have reached Slack: hold the channel until `when`, then look for it in
    the channel (by its key) before posting it again."""

    when: datetime
    reason: str


@dataclass(frozen=True)
class PauseAll:
    """The token was refused: every channel waits until `until`; nothing is parked."""

    until: datetime
    reason: str


Outcome = Park | RetryAt | RateLimited | LookBeforeResend | PauseAll


def delivery_backoff(
    attempts: int, base: timedelta = timedelta(seconds=5), cap: timedelta = timedelta(minutes=10)
) -> timedelta:
    """Wait before retrying a failed delivery: 5 s, 10 s, 20 s ... capped at 10 minutes."""
    delay: timedelta = base * (2 ** min(max(attempts - 1, 0), 10))
    return min(delay, cap)


@dataclass(frozen=True)
class DeliveryPolicy:
    """Every number and rule of delivery; built once from config (`from_config`)."""

    pace: timedelta = timedelta(seconds=1)  # a channel's token bucket refills one per pace
    burst: int = 3  # messages a channel may get at once before pacing applies
    backoff_base: timedelta = timedelta(seconds=5)
    backoff_cap: timedelta = timedelta(minutes=10)
    retry_after_default: float = RETRY_AFTER_DEFAULT
    retry_after_max: float = RETRY_AFTER_MAX
    token_retry: timedelta = timedelta(seconds=300)  # a refused token is tried again this often
    # a message Slack refuses with an error newsbot does not know is tried this often, then
    # parked (5 s, 10 s ... apart: about ten minutes in all); its channel's others go on meanwhile
    max_refused_attempts: int = 8
    # a send's claim: at most a history look-up and a send; if the process dies, another
    # replica takes the message over when the claim runs out
    claim_hold: timedelta = 2 * timedelta(seconds=30) + timedelta(seconds=15)
    parent_wait: timedelta = timedelta(seconds=2)  # a reply waits this long for its first post

    @classmethod
    def from_config(cls, config: Config) -> DeliveryPolicy:
        slack = config.slack
        return cls(
            pace=slack.pace,
            burst=slack.burst,
            claim_hold=2 * slack.timeout + timedelta(seconds=15),
        )

    def pacer(self) -> Pacer:
        """A fresh per-channel pacer with this policy's pace and burst."""
        return Pacer(self.pace, self.burst)

    def backoff(self, attempts: int) -> timedelta:
        return delivery_backoff(attempts, self.backoff_base, self.backoff_cap)

    def decide(self, failure: Failure, attempts: int, now: datetime) -> Outcome:
        """What follows the `attempts`-th failed try of a message, failing with `failure`."""
        kind = failure.kind
        if kind is FailureKind.PERMANENT:
            return Park(failure.reason)
        if kind is FailureKind.TOKEN:
            return PauseAll(now + self.token_retry, failure.reason)
        if kind is FailureKind.RATE_LIMITED:
            asked = failure.retry_after
            wait = self.retry_after_default if asked is None else asked
            wait = min(max(wait, 0.0), self.retry_after_max)
            return RateLimited(now + timedelta(seconds=wait), failure.reason)
        when = now + self.backoff(attempts)
        if kind is FailureKind.MAYBE_SENT:
            return LookBeforeResend(when, failure.reason)
        if kind is FailureKind.REFUSED:
            if attempts >= self.max_refused_attempts:
                return Park(f"{failure.reason}; Slack refused it {attempts} times, so it is parked")
            return RetryAt(when, failure.reason, hold_channel=False)
        return RetryAt(when, failure.reason, hold_channel=True)

    def may_fall_back(self, failure: Failure) -> bool:
        """Whether a failed look in the channel history (no scope, say) may be answered by posting
        again, instead of retrying the look."""
        return failure.kind is FailureKind.PERMANENT
