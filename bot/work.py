"""CPU-bound work that runs in the parsing processes: parse a feed's bytes, classify its items.

Pure functions of their inputs. The rule packs reach each worker once, through the pool's
initializer, not with every call.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.classify import RulePack, classify
from bot.dedupe import item_keys
from bot.models import Classification
from bot.parse import ParsedFeed, parse_feed

_PACKS: tuple[RulePack, ...] = ()


def init_worker(packs: Sequence[RulePack]) -> None:
    global _PACKS
    _PACKS = tuple(packs)


def parse_and_classify(
    body: bytes,
    *,
    url: str,
    feed_name: str,
    now: datetime,
    content_type: str | None,
    packs: Sequence[RulePack] | None = None,
    classify_items: bool = True,
) -> tuple[ParsedFeed, list[tuple[str, ...]], list[Classification] | None]:
    """Parse, and work out every item's dedupe keys; classify every item too when most are
    likely new (a feed's first poll), so the bulk of that work runs here, in parallel. Otherwise
    the caller classifies the few new ones."""
    parsed = parse_feed(body, url=url, feed_name=feed_name, now=now, content_type=content_type)
    keys = [item_keys(item) for item in parsed.items]
    if not classify_items:
        return parsed, keys, None
    use = _PACKS if packs is None else packs
    # only labelled items are kept, so the unlabelled ones need no explanation
    return (
        parsed,
        keys,
        [classify(use, item.title, item.summary, explain=False) for item in parsed.items],
    )
