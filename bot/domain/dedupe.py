"""Keys that say "this entry was seen before". Pure.

An entry is a repeat when any of its keys was stored before: its id within the feed, its
canonical URL with its normalised title (across feeds), or its normalised title within the feed.
The URL key carries the title so that a feed cannot suppress another's report by listing its
URL first under other words ("Weather: sunny in Seoul"): a URL seen elsewhere only suppresses
an entry whose title matches; one with other words goes on to story clustering. Normalising the title
absorbs what feeds change when they republish: case, punctuation, "(LEAD)"/"UPDATE:" markers.
A title key only counts while the title was seen recently (the story window): wire services
reuse headlines such as "N. Korea fires ballistic missile into East Sea" for every launch.
"""

from __future__ import annotations

import hashlib
import re

from bot.models import Item

_MARKERS = re.compile(
    r"^\s*(?:(?:\(|\[)[^)\]]{0,20}(?:\)|\])\s*|(?:update[sd]?|updated|breaking|urgent|"
    r"exclusive|correct(?:ed|ion)|lead)\s*\d*\s*[:\-\u2013]\s*)+",
    re.IGNORECASE,
)
_TRAILING = re.compile(
    r"\s*(?:\(|\[)\s*(?:update[sd]?|lead|corrected|urgent)[^)\]]{0,15}(?:\)|\])\s*$", re.IGNORECASE
)
_NON_WORD = re.compile(r"[\W_]+")


def normalise_title(title: str) -> str:
    title = _MARKERS.sub("", title)
    title = _TRAILING.sub("", title)
    return _NON_WORD.sub(" ", title.lower()).strip()


def _digest(kind: str, text: str) -> str:
    """A 40-character key: its kind ("i" id, "u" URL, "t" title), a colon, 38 hex digits."""
    return f"{kind}:" + hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:38]


def is_title_key(key: str) -> bool:
    return key.startswith("t:")


def item_keys(item: Item) -> tuple[str, ...]:
    """The item's dedupe keys, id key first (it names the item in the outbox)."""
    keys = [_digest("i", f"{item.feed_url}\t{item.item_id}")]
    title = normalise_title(item.title)
    if item.url:
        keys.append(_digest("u", f"{item.url}\t{title}"))
    if title:
        keys.append(_digest("t", f"{item.feed_url}\t{title}"))
    return tuple(keys)
