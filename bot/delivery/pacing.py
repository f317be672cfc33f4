"""Per-channel pacing: a token bucket, shared by posts, replies and edits. Pure: time is given.

Slack allows about one message per second per channel, with short bursts. Each channel's bucket
holds up to `burst` messages and refills one every `pace`; a send that finds it empty waits for
the next token. Nothing is dropped: waiting is the caller's job, the bucket only says how long.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass
class Pacer:
    pace: timedelta
    burst: int = 3
    _tokens: dict[str, float] = field(default_factory=dict)
    _at: dict[str, datetime] = field(default_factory=dict)

    def _refill(self, channel: str, now: datetime) -> float:
        tokens = self._tokens.get(channel, float(self.burst))
        last = self._at.get(channel)
        if last is not None and self.pace:
            tokens = min(float(self.burst), tokens + (now - last) / self.pace)
        self._tokens[channel], self._at[channel] = tokens, now
        return tokens

    def wait(self, channel: str, now: datetime) -> float:
        """Seconds until `channel` may get its next message (0: now)."""
        if not self.pace:
            return 0.0
        tokens = self._refill(channel, now)
        if tokens >= 1.0:
            return 0.0
        return (1.0 - tokens) * self.pace.total_seconds()

    def spend(self, channel: str, now: datetime) -> None:
        """A message went to `channel` (or was attempted: a failure counts too)."""
        if self.pace:
            self._tokens[channel] = self._refill(channel, now) - 1.0
