"""Which channels get an item. Pure.

A channel receives an item when it subscribes to one of the item's labels, at least one of its
`keywords` appears (when it has any), and none of its `exclude` words appears. Matching is
case-insensitive and whole-word, over the title and summary.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.config import ChannelConfig
from bot.models import Classification, Item


def _words(words: Sequence[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    alternatives = "|".join(re.escape(w.strip()) for w in words if w.strip())
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class _Route:
    channel: ChannelConfig
    keywords: re.Pattern[str] | None
    exclude: re.Pattern[str] | None


class Router:
    """Channel rules compiled once; `route` is then a pure function of item and labels."""

    def __init__(self, channels: Sequence[ChannelConfig]) -> None:
        self._routes = [_Route(c, _words(c.keywords), _words(c.exclude)) for c in channels]

    def route(
        self, item: Item, classification: Classification
    ) -> list[tuple[str, tuple[str, ...]]]:
        """[(channel, labels for that channel)] for every channel that wants this item."""
        if not classification.labels:
            return []
        text = f"{item.title}\n{item.summary}"
        out = []
        for r in self._routes:
            labels = tuple(lb for lb in classification.labels if lb in r.channel.labels)
            if not labels:
                continue
            if r.keywords is not None and not r.keywords.search(text):
                continue
            if r.exclude is not None and r.exclude.search(text):
                continue
            out.append((r.channel.channel, labels))
        return out
