"""Which channels get an item. Pure.

A channel receives an item when it subscribes to one of the item's labels, at least one of its
`keywords` appears (when it has any), and none of its `exclude` words appears. Matching is
case-insensitive and whole-word, over the title and summary.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.models import Classification, Decision, Item
from bot.service.config import ChannelConfig


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


def _listed(words: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(f'"{w}"' for w in words[:limit])
    return shown + (f" and {len(words) - limit} more" if len(words) > limit else "")


class Router:
    """Channel rules compiled once; `route` is then a pure function of item and labels."""

    def __init__(self, channels: Sequence[ChannelConfig]) -> None:
        self._routes = [_Route(c, _words(c.keywords), _words(c.exclude)) for c in channels]

    def route(
        self, item: Item, classification: Classification
    ) -> list[tuple[str, tuple[str, ...]]]:
        """[(channel, labels for that channel)] for every channel that wants this item."""
        return [(d.channel, labels) for d, labels in self.decide(item, classification) if d.route]

    def decide(
        self, item: Item, classification: Classification
    ) -> list[tuple[Decision, tuple[str, ...]]]:
        """Every channel's decision on a labelled item, with the labels it subscribes to."""
        if not classification.labels:
            return []
        text = f"{item.title}\n{item.summary}"
        out = []
        for r in self._routes:
            c = r.channel
            labels = tuple(lb for lb in classification.labels if lb in c.labels)
            if not labels:
                given = ", ".join(classification.labels)
                reason = f"the channel does not subscribe to {given}"
                out.append((Decision(c.channel, False, reason), labels))
                continue
            why = f"labelled {', '.join(labels)}"
            if r.keywords is not None:
                found = r.keywords.search(text)
                if found is None:
                    reason = (
                        f"{why}, but none of the channel's keywords "
                        f"({_listed(c.keywords)}) appears in the title or summary"
                    )
                    out.append((Decision(c.channel, False, reason, "keywords"), labels))
                    continue
                why += f' and keyword "{found.group()}" appears'
            if r.exclude is not None:
                found = r.exclude.search(text)
                if found is not None:
                    reason = f'{why}, but the channel excludes "{found.group()}", which appears'
                    out.append((Decision(c.channel, False, reason, "exclude"), labels))
                    continue
            out.append((Decision(c.channel, True, why), labels))
        return out
