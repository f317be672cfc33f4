"""Feed bytes -> Items. The only module that imports feedparser; pure (time is a parameter).

feedparser never does HTTP here: it gets the bytes fetch.py downloaded. Its HTML sanitiser and
relative-URI resolution are turned off (they are most of its cost, and the output is plain text).
Plain well-formed UTF-8 RSS and Atom take a faster road, bot/poll/feedxml.py, to the same items.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot.errors import FeedParseError
from bot.models import Item
from bot.poll import feedxml
from bot.poll.polite import ttl_seconds

_TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "_ga",
        "ref_src",
        "cmpid",
        "ocid",
        "taid",
        "guccounter",
        "guce_referrer",
        "guce_referrer_sig",
    }
)
_MAX_TITLE = 1000
_MAX_SUMMARY = 5000


@dataclass(frozen=True)
class ParsedFeed:
    items: tuple[Item, ...]
    title: str
    problem: str | None  # feedparser's "bozo" reason, when the feed was not well-formed
    ttl: int | None = None  # RSS <ttl> in seconds: a floor on the poll interval (polite.py)
    hubs: tuple[str, ...] = ()  # WebSub hubs the feed names (<link rel="hub">)
    self_url: str | None = None  # its <link rel="self">: the topic to subscribe to


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment, skipping scripts and styles."""

    _SKIP = frozenset({"script", "style", "noscript", "template"})
    _BLOCK = frozenset(
        {"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skipping += 1
        elif tag in self._BLOCK:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self.skipping:
            self.skipping -= 1
        elif tag in self._BLOCK:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


_WS = "[ \t\n\r\f]"
# A tag in the plainest form html.parser reads: a letters-and-digits name, attributes separated by
# whitespace, quoted or plainly unquoted values. Anything else (comments, declarations, a bare
# "<", odd names or quoting) is html.parser's to read.
_TAG = re.compile(
    "<(?:(/)?([a-zA-Z][a-zA-Z0-9]*)"
    f"((?:{_WS}+[a-zA-Z_:][-a-zA-Z0-9_:.]*"
    f"(?:{_WS}*={_WS}*(?:\"[^\"]*\"|'[^']*'|[^ \t\n\r\f\"'=<>`]+))?)*)"
    f"{_WS}*(/)?>)?"
)
# Elements whose content html.parser does not read as markup, or that _TextExtractor skips
_RAW = frozenset(
    {
        *_TextExtractor._SKIP,
        "textarea",
        "title",
        "xmp",
        "iframe",
        "noembed",
        "noframes",
        "plaintext",
        "svg",
        "math",
    }
)


def _simple_text(fragment: str) -> str | None:
    """The text of an HTML fragment made only of plain tags and text, as _TextExtractor gives
    it (block tags become spaces, character references are resolved); None for anything else.
    Real feeds' descriptions are nearly all of this kind, and a regex reads them ~4x faster."""
    parts = []
    pos = 0
    for m in _TAG.finditer(fragment):
        closing, name, attrs, selfclosing = m.groups()
        if name is None or (closing and (attrs or selfclosing)):
            return None
        name = name.lower()
        if name in _RAW:
            return None
        parts.append(html.unescape(fragment[pos : m.start()]))
        if name in _TextExtractor._BLOCK:
            parts.append(" ")
        pos = m.end()
    parts.append(html.unescape(fragment[pos:]))
    return "".join(parts)


def _parsed_text(fragment: str) -> str:
    """The text of any HTML fragment, by html.parser."""
    extractor = _TextExtractor()
    try:
        extractor.feed(fragment)
        extractor.close()
        return "".join(extractor.parts)
    except (AssertionError, ValueError):  # html.parser's own errors on broken markup
        return re.sub(r"<[^>]*>", " ", fragment)


def plain_text(fragment: str) -> str:
    """HTML (or text with entities) -> plain text, whitespace folded."""
    if "<" in fragment:
        simple = _simple_text(fragment)
        fragment = _parsed_text(fragment) if simple is None else simple
    else:
        fragment = html.unescape(fragment)
    return " ".join(fragment.split())  # the same whitespace as re's \s, several times faster


# A link already in canonical form but for its path: a lower-case http(s) scheme and host, no
# user, port, query or fragment, nothing that urlsplit would strip or read another way
_PLAIN_URL = re.compile(r"https?://[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(/[^?#\s\\]*)?")


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no fragment, no default port, no tracking parameters."""
    url = url.strip()
    plain = _PLAIN_URL.fullmatch(url)
    if plain is not None and url.isascii():
        return url if plain[1] else url + "/"
    return _canonical(url)


def _canonical(url: str) -> str:
    """`canonical_url` of any stripped URL, by urllib's reading of it."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return url
    scheme = parts.scheme.lower()
    host = parts.hostname.lower()
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not k.lower().startswith("utm_") and k.lower() not in _TRACKING_PARAMS
        ]
    )
    return urlunsplit((scheme, host, parts.path or "/", query, ""))


def _date(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        # read as a plain dict: feedparser's own lookup maps a missing `updated_parsed` to
        # `published_parsed` with a DeprecationWarning (its issue 310), and this loop already
        # tries each key in turn
        value = dict.get(entry, key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, ValueError, OSError):
                continue
    return None


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def parse_feed(
    body: bytes,
    *,
    url: str,
    feed_name: str,
    now: datetime,
    content_type: str | None = None,
    fast: bool = True,
) -> ParsedFeed:
    """Parse a feed's bytes. Raises FeedParseError only when nothing usable came out.

    Plain well-formed UTF-8 RSS and Atom are read by bot/poll/feedxml.py (a 100 KB feed: 5 ms, not 36);
    everything else, and everything when `fast` is false, by feedparser. Both give the same items.
    """
    if fast:
        plain = feedxml.read(body, content_type)
        if plain is not None:
            hubs, self_url = feedxml.feed_links(plain.links)
            return ParsedFeed(
                items=_items(
                    ((e.title, e.summary, e.link, e.guid, e.published) for e in plain.entries),
                    url=url,
                    feed_name=feed_name,
                    now=now,
                ),
                title=plain_text(plain.title),
                problem=None,
                ttl=ttl_seconds(plain.ttl),
                hubs=hubs,
                self_url=self_url,
            )
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    import feedparser  # here: a run whose feeds all answer 304 or take the fast road needs none

    try:
        parsed = feedparser.parse(
            body,
            response_headers=headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as e:  # feedparser is untrusted-input code; wrap anything it throws
        raise FeedParseError(url, f"feedparser failed: {type(e).__name__}: {e}") from e
    problem = None
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        problem = f"{type(exc).__name__}: {exc}" if exc else "not well-formed"
    entries = parsed.get("entries") or []
    if not entries and problem is not None:
        raise FeedParseError(url, f"not a readable feed ({problem})")
    feed = parsed.get("feed") or {}
    hubs, self_url = feedxml.feed_links(
        (str(link.get("rel") or "alternate"), str(link.get("href") or ""))
        for link in feed.get("links") or ()
    )
    return ParsedFeed(
        items=_items(
            (
                (
                    entry.get("title") or "",
                    entry.get("summary")
                    or (entry["content"][0].get("value") if entry.get("content") else "")
                    or "",
                    entry.get("link") or "",
                    entry.get("id") or "",
                    _date(entry),
                )
                for entry in entries
            ),
            url=url,
            feed_name=feed_name,
            now=now,
        ),
        title=plain_text(feed.get("title") or ""),
        problem=problem,
        ttl=ttl_seconds(feed.get("ttl")),
        hubs=hubs,
        self_url=self_url,
    )


def _items(
    entries: Iterable[tuple[str, str, str, str, datetime | None]],
    *,
    url: str,
    feed_name: str,
    now: datetime,
) -> tuple[Item, ...]:
    """(title, summary HTML, link, guid, published) per entry -> Items."""
    items: list[Item] = []
    latest_allowed = now + timedelta(days=1)
    for raw_title, summary_html, raw_link, raw_guid, published in entries:
        title = _clip(plain_text(raw_title), _MAX_TITLE)
        summary = _clip(plain_text(summary_html), _MAX_SUMMARY)
        link = canonical_url(raw_link)
        guid = raw_guid.strip()
        if not title and not summary:
            continue
        if guid:
            item_id = guid[:500]
        elif link:
            item_id = link
        else:
            item_id = "sha1:" + hashlib.sha1(f"{title}\n{link}".encode()).hexdigest()
        dated = published is not None and published <= latest_allowed
        items.append(
            Item(
                feed_name=feed_name,
                feed_url=url,
                item_id=item_id,
                url=link,
                title=title or _clip(summary, 120),
                summary=summary,
                published=published if dated and published is not None else now,
                dated=dated,
            )
        )
    return tuple(items)
