"""Hot mode: while a grave story is fresh, poll the feeds that reported it, and the feeds
marked `hot = true`, at a short interval, to catch its follow-ups and corrections. Pure.

A story is grave when a report of it is planned at `bot.hot_severity` or above (high, by
default); it stays fresh for `bot.hot_window` (20 minutes) after its last grave report. The
server's floor (bot/poll/polite.py) still wins: hot mode never polls a feed sooner than its
Cache-Control/Expires/<ttl> allows. A server that asked for five minutes gave its answer for
five minutes; a faster poll there would mostly fetch the same cached copy, and risk the feed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.severity import rank

MIN_INTERVAL = timedelta(seconds=10)  # hot polling is never faster than this


@dataclass(frozen=True)
class HotPolicy:
    interval: timedelta = timedelta(seconds=30)
    window: timedelta = timedelta(minutes=20)  # 0: hot mode off
    severity: str = "high"  # the least severity that makes a story hot

    def grave(self, severity: str | None) -> bool:
        return (
            self.window > timedelta(0)
            and severity is not None
            and rank(severity) >= rank(self.severity)
        )


@dataclass
class HotStory:
    last_report: datetime
    feeds: set[str] = field(default_factory=set)


@dataclass
class HotBoard:
    """The fresh grave stories this process planned: story key -> its last grave report and
    the feeds (URLs) that reported it."""

    stories: dict[str, HotStory] = field(default_factory=dict)

    def note(self, story: str, feeds: Iterable[str], at: datetime) -> None:
        hot = self.stories.setdefault(story, HotStory(at))
        hot.last_report = max(hot.last_report, at)
        hot.feeds.update(feeds)

    def prune(self, now: datetime, policy: HotPolicy) -> None:
        """Forget the stories no longer fresh."""
        for key in [k for k, s in self.stories.items() if now - s.last_report > policy.window]:
            del self.stories[key]

    def hot_feeds(self, now: datetime, policy: HotPolicy, flagged: Iterable[str]) -> frozenset[str]:
        """The feeds to poll at the hot interval now: those that reported a fresh grave story,
        and, while there is one, the `flagged` (hot = true) feeds."""
        fresh = [s for s in self.stories.values() if now - s.last_report <= policy.window]
        if not fresh:
            return frozenset()
        return frozenset().union(*(s.feeds for s in fresh), flagged)


def planned_next(normal: datetime, hot_next: datetime, hot: bool) -> datetime:
    """A feed's next check: the normal one, or the hot one if the feed is hot and that comes
    sooner. The server's floor is applied after this (polite.polite_next), so it wins."""
    return min(normal, hot_next) if hot else normal
