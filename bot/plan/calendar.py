"""When held alerts go out: digest schedules and quiet hours, in a channel's timezone. Pure.

Times come in as parameters (aware UTC datetimes) and go out the same way. Digest schedules are
APScheduler cron triggers, asked for their next fire time; nothing here runs a job. The release
time of a held alert is stored with it, so a digest whose moment passes while no replica is up
goes out at the next start instead of being lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_DAILY = re.compile(r"^daily\s+([01]?\d|2[0-3]):([0-5]\d)(?:\s+(\S+))?$")
_QUIET = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)$")


def zone(name: str) -> ZoneInfo | None:
    """The IANA timezone called `name`, or None if there is no such zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@dataclass(frozen=True)
class Digest:
    """`off`, `hourly` (on the hour) or `daily HH:MM [Zone]` (the channel's zone by default)."""

    kind: str = "off"
    at: time | None = None
    timezone: str = "UTC"

    @property
    def on(self) -> bool:
        return self.kind != "off"

    def next_after(self, now: datetime) -> datetime:
        """The first digest moment after `now` (UTC)."""
        # imported here: APScheduler's cron module costs tens of ms of start-up, and only a
        # channel with a digest needs it (run --once sends its first requests before this)
        from apscheduler.triggers.cron import CronTrigger

        tz = ZoneInfo(self.timezone)
        if self.kind == "hourly":
            trigger = CronTrigger(minute=0, timezone=tz)
        else:
            assert self.at is not None
            trigger = CronTrigger(hour=self.at.hour, minute=self.at.minute, timezone=tz)
        fire: datetime = trigger.get_next_fire_time(None, now + timedelta(seconds=1))
        return fire.astimezone(UTC)


def parse_digest(text: str, channel_timezone: str) -> Digest | str:
    """A Digest, or a message saying what is wrong with `text`."""
    spec = text.strip()
    if spec in ("", "off"):
        return Digest()
    if spec == "hourly":
        return Digest("hourly", None, channel_timezone)
    m = _DAILY.match(spec)
    if not m:
        return (
            f'"{text}" is not a digest schedule; write "off", "hourly" or "daily 08:30 Asia/Seoul"'
        )
    tz = m.group(3) or channel_timezone
    if zone(tz) is None:
        return f'unknown timezone "{tz}"; use an IANA name such as "Asia/Seoul" or "UTC"'
    return Digest("daily", time(int(m.group(1)), int(m.group(2))), tz)


@dataclass(frozen=True)
class QuietHours:
    """A daily window in the channel's timezone, e.g. 22:00-07:00 (it may cross midnight)."""

    start: time
    end: time
    timezone: str

    def _local(self, now: datetime) -> datetime:
        return now.astimezone(ZoneInfo(self.timezone))

    def active(self, now: datetime) -> bool:
        t = self._local(now).time()
        if self.start <= self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end  # across midnight

    def ends_after(self, now: datetime) -> datetime:
        """When the quiet window that contains `now` ends (UTC). Only meaningful if active."""
        local = self._local(now)
        end = datetime.combine(local.date(), self.end, tzinfo=local.tzinfo)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=local.tzinfo)
        # a wall-clock time that a DST change skips or repeats: normalise through UTC
        return end.astimezone(UTC)


def parse_quiet_hours(text: str, channel_timezone: str) -> QuietHours | str | None:
    """QuietHours, None for "" (none), or a message saying what is wrong."""
    spec = text.strip()
    if not spec:
        return None
    m = _QUIET.match(spec)
    if not m:
        return f'"{text}" is not a time range; write it like "22:00-07:00"'
    start = time(int(m.group(1)), int(m.group(2)))
    end = time(int(m.group(3)), int(m.group(4)))
    if start == end:
        return f'"{text}" starts and ends at the same time; leave quiet_hours empty for none'
    return QuietHours(start, end, channel_timezone)
