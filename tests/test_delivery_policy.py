"""The delivery policy over typed inputs: Slack's answers -> failures -> outcomes. No HTTP, no SQL.

`classify_slack` reads what Slack answered (status, error code, Retry-After); `decide` turns one
failure and the attempt count into what the outbox does next. Time is a parameter throughout.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.delivery.policy import (
    RETRY_AFTER_DEFAULT,
    RETRY_AFTER_MAX,
    DeliveryPolicy,
    LookBeforeResend,
    Park,
    PauseAll,
    RateLimited,
    RetryAt,
    classify_slack,
    delivery_backoff,
    retry_after_seconds,
)
from bot.errors import Failure, FailureKind
from bot.service.config import BotConfig, Config, SlackConfig

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
POLICY = DeliveryPolicy()


def after(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


# -- what Slack's answers are -----------------------------------------------------------------


def test_a_429_with_retry_after_waits_as_long_as_slack_asked() -> None:
    failure = classify_slack(status=429, error="ratelimited", retry_after="12")
    assert failure == Failure(
        FailureKind.RATE_LIMITED, "rate limited by Slack; retrying after 12s", 12.0
    )
    assert POLICY.decide(failure, 1, NOW) == RateLimited(after(12), failure.reason)


@pytest.mark.parametrize("header", [None, "", "soon", "-5", "1.5"])
def test_a_429_without_a_usable_retry_after_waits_the_default(header: str | None) -> None:
    failure = classify_slack(status=429, error="", retry_after=header)
    assert failure.kind is FailureKind.RATE_LIMITED
    assert failure.retry_after == RETRY_AFTER_DEFAULT == 30.0
    assert POLICY.decide(failure, 1, NOW) == RateLimited(after(30), failure.reason)


def test_slack_saying_ratelimited_in_a_200_is_a_rate_limit_too() -> None:
    assert classify_slack(status=200, error="ratelimited").kind is FailureKind.RATE_LIMITED


@pytest.mark.parametrize("header", ["601", "86400", "9" * 40])
def test_a_huge_retry_after_is_clamped(header: str) -> None:
    failure = classify_slack(status=429, error="ratelimited", retry_after=header)
    assert failure.retry_after == RETRY_AFTER_MAX == 600.0
    assert POLICY.decide(failure, 1, NOW) == RateLimited(after(600), failure.reason)
    # a failure from another edge that asked for more is clamped by the policy itself
    asked = Failure(FailureKind.RATE_LIMITED, "webhook rate limited", 10_000.0)
    assert POLICY.decide(asked, 1, NOW) == RateLimited(after(600), "webhook rate limited")


def test_retry_after_header_parsing() -> None:
    assert retry_after_seconds(" 7 ") == 7.0
    assert retry_after_seconds(None, default=3.0) == 3.0
    assert retry_after_seconds("600") == 600.0


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked", "not_authed", "token_expired"])
def test_a_refused_token_pauses_every_channel_and_parks_nothing(error: str) -> None:
    failure = classify_slack(status=200, error=error)
    assert failure.kind is FailureKind.TOKEN
    assert f"Slack said {error}" in failure.reason and "Every alert is held" in failure.reason
    for attempts in (1, 8, 500):  # never parked, however often it fails
        assert POLICY.decide(failure, attempts, NOW) == PauseAll(after(300), failure.reason)


@pytest.mark.parametrize(
    ("error", "advice"),
    [
        ("channel_not_found", "check the channel id"),
        ("msg_too_long", "too long"),
        ("not_in_channel", "/invite @newsbot"),
    ],
)
def test_permanent_slack_errors_park_at_once(error: str, advice: str) -> None:
    failure = classify_slack(status=200, error=error)
    assert failure.kind is FailureKind.PERMANENT and advice in failure.reason
    outcome = POLICY.decide(failure, 1, NOW)
    assert outcome == Park(failure.reason)
    assert POLICY.may_fall_back(failure)  # a history look-up refused so falls back to posting


def test_missing_scope_names_the_scope_and_parks() -> None:
    failure = classify_slack(status=200, error="missing_scope", needed="channels:history")
    assert failure.kind is FailureKind.PERMANENT
    assert "the channels:history scope" in failure.reason
    assert isinstance(POLICY.decide(failure, 1, NOW), Park)


@pytest.mark.parametrize(
    ("status", "error", "detail"),
    [
        (500, "", "HTTP 500"),
        (503, "", "HTTP 503"),
        (502, "Received a response in a non-JSON format: <html>", "HTTP 502"),
        (200, "internal_error", "internal_error"),
        (200, "request_timeout", "request_timeout"),
    ],
)
def test_slack_trouble_may_have_posted_so_it_is_looked_for_first(
    status: int, error: str, detail: str
) -> None:
    failure = classify_slack(status=status, error=error)
    assert failure == Failure(FailureKind.MAYBE_SENT, f"Slack is having trouble ({detail})")
    assert POLICY.decide(failure, 1, NOW) == LookBeforeResend(after(5), failure.reason)
    assert POLICY.decide(failure, 3, NOW) == LookBeforeResend(after(20), failure.reason)
    assert not POLICY.may_fall_back(failure)


def test_timeouts_and_resets_after_the_request_left_are_maybe_sent() -> None:
    # what bot.delivery.slack reports for a timeout or a reset: the policy reads only the kind
    for reason in ("Slack did not answer in time", "cannot reach Slack: ConnectionResetError: x"):
        outcome = POLICY.decide(Failure(FailureKind.MAYBE_SENT, reason), 2, NOW)
        assert outcome == LookBeforeResend(after(10), reason)


def test_a_request_that_never_left_is_retried_holding_the_channel() -> None:
    failure = Failure(FailureKind.UNREACHABLE, "cannot reach Slack: ConnectionRefusedError")
    assert POLICY.decide(failure, 1, NOW) == RetryAt(after(5), failure.reason, hold_channel=True)
    assert POLICY.decide(failure, 500, NOW) == RetryAt(
        after(600), failure.reason, hold_channel=True
    )  # never parked: Slack will be back


def test_an_unknown_error_waits_alone_then_is_parked_when_attempts_run_out() -> None:
    failure = classify_slack(status=200, error="invalid_arguments")
    assert failure == Failure(FailureKind.REFUSED, "Slack refused the message: invalid_arguments")
    assert POLICY.decide(failure, 1, NOW) == RetryAt(after(5), failure.reason, hold_channel=False)
    assert POLICY.decide(failure, 7, NOW) == RetryAt(after(320), failure.reason, hold_channel=False)
    parked = POLICY.decide(failure, 8, NOW)
    assert parked == Park(f"{failure.reason}; Slack refused it 8 times, so it is parked")
    stricter = DeliveryPolicy(max_refused_attempts=2)
    assert isinstance(stricter.decide(failure, 2, NOW), Park)


def test_an_unknown_http_status_without_an_error_code_is_refused() -> None:
    failure = classify_slack(status=404, error="")
    assert failure == Failure(FailureKind.REFUSED, "Slack refused the message: HTTP 404")


# -- back-off and pacing ----------------------------------------------------------------------


def test_backoff_doubles_from_five_seconds_up_to_its_cap() -> None:
    grown = [POLICY.backoff(n).total_seconds() for n in range(1, 10)]
    assert grown == [5, 10, 20, 40, 80, 160, 320, 600, 600]
    assert POLICY.backoff(0) == timedelta(seconds=5)  # no negative exponent
    assert POLICY.backoff(10_000) == timedelta(minutes=10)  # no overflow either
    assert delivery_backoff(4) == timedelta(seconds=40)
    quick = DeliveryPolicy(backoff_base=timedelta(seconds=1), backoff_cap=timedelta(seconds=3))
    assert [quick.backoff(n).total_seconds() for n in (1, 2, 3, 9)] == [1, 2, 3, 3]


def test_pacing_lets_a_burst_through_then_one_per_pace() -> None:
    pacer = DeliveryPolicy(pace=timedelta(seconds=2), burst=2).pacer()
    waits = []
    for _ in range(3):
        waits.append(pacer.wait("C1", NOW))
        pacer.spend("C1", NOW)
    assert waits == [0.0, 0.0, 2.0]  # two at once, the third after one pace ...
    assert pacer.wait("C2", NOW) == 0.0  # ... per channel
    assert pacer.wait("C1", after(1)) == pytest.approx(3.0)  # one token owed, half refilled
    assert pacer.wait("C1", after(4)) == 0.0


def test_from_config_takes_pace_burst_and_the_claim_hold_from_the_slack_settings() -> None:
    slack = SlackConfig(pace=timedelta(seconds=3), burst=5, timeout=timedelta(seconds=10))
    config = Config("newsbot.toml", BotConfig(), slack, (), (), ())
    policy = DeliveryPolicy.from_config(config)
    assert (policy.pace, policy.burst) == (timedelta(seconds=3), 5)
    assert policy.claim_hold == timedelta(seconds=35)  # a history look-up, a send, and margin
    assert DeliveryPolicy.from_config(Config("t", BotConfig(), SlackConfig(), (), (), ())) == (
        POLICY
    )
