"""Politeness: never poll a feed sooner than its server asked, within a cap. Pure.

A server says how long its answer stays fresh with `Cache-Control: max-age` (less the `Age` a
cache in between has held it) or, failing that, `Expires` (against the response's `Date`); an
RSS feed says it with `<ttl>` (minutes). The longest of these is the feed's floor: the next poll
is never sooner than the last one plus the floor. newsbot is a private client, so `s-maxage`
(for shared caches) is ignored; `no-store` and `no-cache` set no floor (they ask to revalidate,
which a conditional GET does).

The floor is capped at max(the feed's interval, bot.max_polite_delay): a server asking for a day
does not silence a launch feed for a day.
"""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime, timedelta

MAX_FLOOR = 7 * 24 * 3600.0  # seconds: longer answers are read as this (the cap is lower anyway)


def http_date(value: str | None) -> datetime | None:
    """An HTTP date header as an aware datetime (UTC when it names no zone); None if unreadable."""
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def _seconds(value: str) -> float | None:
    value = value.strip().strip('"')
    if not value.isdigit():
        return None
    return min(float(value[:12]), MAX_FLOOR)


def freshness(
    cache_control: str | None,
    expires: str | None,
    *,
    date: str | None = None,
    age: str | None = None,
    now: datetime,
) -> float | None:
    """Seconds the response stays fresh from now, by its headers; None when they say nothing
    (or say to revalidate every time). max-age wins over Expires, as in RFC 9111."""
    max_age: float | None = None
    for directive in (cache_control or "").split(","):
        name, _, value = directive.strip().partition("=")
        name = name.strip().lower()
        if name in ("no-store", "no-cache"):
            return None
        if name == "max-age" and max_age is None:
            max_age = _seconds(value)
    if max_age is not None:
        held = _seconds(age) if age else None
        return max(0.0, max_age - (held or 0.0))
    if expires is None:
        return None
    until = http_date(expires)
    if until is None:
        return 0.0  # an invalid Expires means "already expired" (RFC 9111 5.3)
    sent = http_date(date) or now
    return min(max(0.0, (until - sent).total_seconds()), MAX_FLOOR)


def ttl_seconds(value: str | None) -> int | None:
    """An RSS <ttl> (minutes) in seconds; None when absent or not a whole number."""
    if value is None:
        return None
    value = value.strip()
    if not value.isdigit() or len(value) > 7:
        return None
    return int(value) * 60


def floor(fresh_for: float | None, ttl: int | None) -> float | None:
    """The feed's floor in seconds: the longer of what its headers and its <ttl> ask."""
    asked = [s for s in (fresh_for, ttl) if s is not None]
    return max(asked) if asked else None


def polite_next(
    now: datetime,
    planned: datetime,
    floor_s: float | None,
    *,
    interval: timedelta,
    cap: timedelta,
) -> tuple[datetime, datetime | None]:
    """(next check, polite_until): the planned check moved to no sooner than the floor allows,
    and the earliest time a poll may come (None: no floor). The floor is capped at
    max(interval, cap)."""
    if floor_s is None or floor_s <= 0:
        return planned, None
    bound = min(timedelta(seconds=floor_s), max(interval, cap))
    until = now + bound
    return max(planned, until), until
