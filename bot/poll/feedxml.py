"""A fast path for the common case: a well-formed UTF-8 RSS 2.0, RSS 1.0 or Atom 1.0 document.

feedparser handles every feed ever published, at about 20 ms of CPU per 100 KB feed. Most feeds
are well-formed RSS or Atom, which the standard library's expat-based ElementTree reads in well
under a millisecond. This module reads those, with the shapes real news feeds have (escaped HTML
and CDATA in descriptions, Media RSS captions and thumbnails, dc: dates and creators, atom:link
beside the item, Windows-1252 punctuation and double-encoded UTF-8, which it repairs as
feedparser does), and settles media:title and media:description against <title> and
<description> by feedparser's own order-and-depth rules. It answers None, so that parse.py hands
the bytes to feedparser, whenever the feed has anything else whose meaning feedparser settles:
- a DOCTYPE or entity declarations;
- no XML media type, an encoding other than UTF-8, or a text/* type with no charset (RFC 3023's
  us-ascii);
- no entries (feedparser's verdict on an empty document decides whether it is an error);
- any XML error;
- xml:base;
- relative or missing-scheme links;
- XHTML, base64 or out-of-line content;
- dates that do not parse to an aware time with the standard library's own parsers, or that
  feedparser's RFC 822 reader would not read (day or month names not in English);
- any element, at any depth in an entry, whose name feedparser maps onto a field we read
  (itunes:summary, dcterms:issued, an alternate atom:link inside RSS, ...),
  unless it is one of those this module handles;
- repeated fields.

tests/test_feedxml.py checks, on every fixture, on generated feeds and (where present) on
feedparser's own corpus and on real outlets' feeds (benchmarks/realfeeds.py), that the two paths
give the same items.

Pure: bytes in, plain values out. Time and I/O play no part.
"""

from __future__ import annotations

import contextlib
import email.utils
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
DC = "{http://purl.org/dc/elements/1.1/}"
MEDIA = "{http://search.yahoo.com/mrss/}"
RSS1 = "{http://purl.org/rss/1.0/}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"

# Local names that feedparser maps onto a title, summary, content, link, id or date, in any
# namespace. An entry holding one of these that this module does not read goes to feedparser.
_RISKY = frozenset(
    {
        "title",
        "description",
        "summary",
        "content",
        "encoded",
        "fullitem",
        "body",
        "abstract",
        "link",
        "guid",
        "id",
        "identifier",
        "pubDate",
        "published",
        "updated",
        "date",
        "issued",
        "created",
        "modified",
        "dateModified",
        "subtitle",
        "tagline",
        "info",
        "source",
        "group",
    }
)
_RSS_FIELDS = frozenset(
    {"title", "link", "guid", "description", "pubDate", CONTENT + "encoded", DC + "date"}
)
_RSS1_FIELDS = frozenset(
    {RSS1 + "title", RSS1 + "link", RSS1 + "description", CONTENT + "encoded", DC + "date"}
)
_ATOM_FIELDS = frozenset(
    ATOM + n for n in ("title", "link", "id", "summary", "content", "published", "updated")
)
_XML_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/xml",
        "application/rdf+xml",
        "text/xml",
    }
)
_DECLARED = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
# C1 controls are Windows-1252 punctuation in disguise: feedparser maps them (those cp1252 defines)
_CP1252 = {
    i: bytes([i]).decode("cp1252")
    for i in range(0x80, 0xA0)
    if i not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}
_C1 = re.compile("[\x80-\x9f]")
_REFERENCE = re.compile(r"&[A-Za-z0-9_#]+;")
_ABSOLUTE = re.compile(r"^https?://[^\s/]+", re.IGNORECASE)


@dataclass(frozen=True)
class Entry:
    title: str
    summary: str  # HTML or text, as in the feed; the caller makes it plain text
    link: str
    guid: str
    published: datetime | None


@dataclass(frozen=True)
class Feed:
    title: str
    entries: tuple[Entry, ...]
    ttl: str | None = None  # RSS <ttl>, minutes, as written
    links: tuple[tuple[str, str], ...] = ()  # the feed's own (rel, href) links: hub, self


def feed_links(links: Iterable[tuple[str, str]]) -> tuple[tuple[str, ...], str | None]:
    """(WebSub hub URLs, the feed's self URL) among a feed's (rel, href) links; absolute
    http(s) URLs only, each hub once, in order."""
    hubs: list[str] = []
    self_url = None
    for rel, href in links:
        href = href.strip()
        if not _ABSOLUTE.match(href):
            continue
        if rel == "hub" and href not in hubs:
            hubs.append(href)
        elif rel == "self" and self_url is None:
            self_url = href
    return tuple(hubs), self_url


def _own_links(parent: ET.Element) -> tuple[tuple[str, str], ...]:
    """The (rel, href) of the atom:link children of a channel or Atom feed."""
    links = []
    for link in parent.findall(ATOM + "link"):
        rel, href = link.get("rel", "alternate"), link.get("href", "")
        if rel in ("hub", "self"):
            _link(href)  # relative: feedparser resolves it against the feed's URL
        links.append((rel, href))
    return tuple(links)


class _Unsure(Exception):
    """Something here is feedparser's to decide."""


def read(body: bytes, content_type: str | None = None) -> Feed | None:
    """The feed, or None when feedparser must read it."""
    try:
        _check_encoding(body, content_type)
        if b"<!DOCTYPE" in body or b"<!ENTITY" in body or b"xml:base" in body:
            return None
        root = ET.fromstring(body)
        if root.tag == "rss":
            feed = _rss(root)
        elif root.tag == ATOM + "feed":
            feed = _atom(root)
        elif root.tag == RDF + "RDF":
            feed = _rdf(root)
        else:
            return None
        return feed if feed.entries else None  # an empty feed: feedparser's verdict decides
    except (_Unsure, ET.ParseError, ValueError, OverflowError):
        return None


def _check_encoding(body: bytes, content_type: str | None) -> None:
    mime, _, params = (content_type or "").lower().partition(";")
    mime = mime.strip()
    if mime not in _XML_TYPES:
        raise _Unsure
    charset = None
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip() == "charset":
            charset = value.strip().strip("\"'")
    if charset is not None and charset not in ("utf-8", "utf8"):
        raise _Unsure
    if charset is None and mime.startswith("text/"):
        raise _Unsure
    if body.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00", b"\x4c\x6f\xa7\x94")):
        raise _Unsure  # UTF-16/32 or EBCDIC
    head = body[3:] if body.startswith(b"\xef\xbb\xbf") else body
    declared = _DECLARED.match(head.lstrip()[:300])
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        raise _Unsure
    if not head.lstrip().startswith(b"<"):
        raise _Unsure


def _text(element: ET.Element | None) -> str:
    if element is None:
        return ""
    if len(element):  # child elements: markup feedparser would reassemble
        raise _Unsure
    return _repair((element.text or "").strip())


def _repair(text: str) -> str:
    """feedparser's two repairs of every value of a UTF-8 feed: UTF-8 that was read as Latin-1
    and encoded again is decoded once more, and C1 controls become Windows-1252 punctuation."""
    if text.isascii():
        return text
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        text = text.encode("iso-8859-1").decode("utf-8")
    return text.translate(_CP1252) if _C1.search(text) else text


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _fields(entry: ET.Element, handled: frozenset[str]) -> dict[str, ET.Element]:
    """The entry's direct children that we read, by tag; _Unsure for anything risky."""
    found: dict[str, ET.Element] = {}
    for child in entry:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        if tag in handled:
            if tag in found and tag != ATOM + "link":
                raise _Unsure  # a repeated field: feedparser's depth rules pick one
            found.setdefault(tag, child)
            continue
        for element in child.iter():
            if isinstance(element.tag, str) and _local(element.tag) in _RISKY:
                raise _Unsure
    return found


_DAYS = frozenset({"mon", "tue", "wed", "thu", "fri", "sat", "sun"})
_MONTHS = frozenset(
    {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
)


_MONTH_NUMBER = {
    m: n
    for n, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
# The shape nearly every feed writes, "Tue, 01 Dec 2026 08:09:58 +0000" or "... GMT", read
# here as email.utils reads it; any other shape, or a value out of range, goes the general way.
_PLAIN_RFC822 = re.compile(
    r"(?:([A-Za-z]{3}), )?(\d{1,2}) ([A-Za-z]{3}) (\d{4}) (\d\d):(\d\d):(\d\d)"
    r" (?:(GMT|UTC?|Z)|([+-])(\d\d)(\d\d))"
)


def _plain_rfc822(value: str) -> datetime | None:
    plain = _PLAIN_RFC822.fullmatch(value)
    if plain is None:
        return None
    name, day, month, year, hour, minute, second, utc, sign, zh, zm = plain.groups()
    number = _MONTH_NUMBER.get(month.lower())
    if number is None or (name is not None and name.lower() not in _DAYS) or year < "0100":
        return None  # email.utils reads a year below 100 as 19xx or 20xx, even "0099"
    if utc or (zh == "00" and zm == "00" and sign == "+"):
        zone = UTC
    elif zh == "00" and zm == "00":
        return None  # "-0000": no zone known, which email.utils gives as a naive time
    else:
        offset = timedelta(hours=int(zh), minutes=int(zm))
        if offset >= timedelta(hours=24):
            return None
        zone = timezone(-offset if sign == "-" else offset)
    try:
        when = datetime(
            int(year), number, int(day), int(hour), int(minute), int(second), tzinfo=zone
        )
    except ValueError:
        return None
    return _utc(when)


def _rfc822(value: str) -> datetime:
    plain = _plain_rfc822(value)
    if plain is not None:
        return plain
    parts = value.lower().split()
    if parts and parts[0][:3] in _DAYS:
        parts = parts[1:]
    if len(parts) < 5 or not parts[0].isdigit() or parts[1][:3] not in _MONTHS:
        raise _Unsure  # "mer, 16 nov": feedparser reads only English names, day before month
    try:
        when = email.utils.parsedate_to_datetime(value)
    except TypeError as e:
        raise _Unsure from e
    if when.tzinfo is None:
        raise _Unsure
    return _utc(when)


def _utc(when: datetime) -> datetime:
    """As feedparser gives it: UTC, whole seconds."""
    return when.astimezone(UTC).replace(microsecond=0)


def _iso(value: str) -> datetime:
    if "T" not in value:
        raise _Unsure
    when = datetime.fromisoformat(value)
    if when.tzinfo is None:
        raise _Unsure
    return _utc(when)


def _link(value: str) -> str:
    if value and not _ABSOLUTE.match(value):
        raise _Unsure  # relative: feedparser resolves it against the feed's URL
    if _REFERENCE.search(value):
        raise _Unsure  # feedparser rewrites what looks like an entity reference in a link
    return value


class _Item:
    """One RSS item's title and summary, settled as feedparser settles them.

    feedparser reads an item's elements in document order, and media:title and media:description
    (at any depth) compete with <title> and <description>: a later value at the same or a
    shallower depth replaces an earlier one, a non-empty <title> shuts out every later title, and
    a <description> that comes after another summary is read as content instead. This replays
    those rules on the events it is given, in the same order.
    """

    def __init__(self) -> None:
        self.title: str | None = None
        self._title_depth: int | None = None
        self._title_shut = -1  # feedparser's title_depth: later titles at this depth or deeper lose
        self.summary: str | None = None
        self._summary_depth: int | None = None
        self.has_content = False
        self.content: list[str] = []

    def on_title(self, value: str, depth: int, media: bool) -> None:
        if -1 < self._title_shut <= depth:
            return
        if self._title_depth is None or depth <= self._title_depth:
            self.title, self._title_depth = value, depth
        if value and not media:  # media:title leaves feedparser's title_depth as it was
            self._title_shut = depth

    def forget_title_order(self) -> None:
        self._title_shut = -1

    def on_description(self, value: str, depth: int) -> None:
        if self.summary is not None and not self.has_content:
            self.on_content(value)  # feedparser: a second summary is content
        elif self._summary_depth is None or depth <= self._summary_depth:
            self.summary, self._summary_depth = value, depth

    def on_content(self, value: str) -> None:
        self.has_content = True
        self.content.append(value)
        if self.summary is None:
            self.summary = value  # kept until a <description> replaces it

    def summary_text(self) -> str:
        return self.summary or (self.content[0] if self.content else "")


def _media(child: ET.Element, item: _Item) -> None:
    """Media RSS under an item: media:title and media:description are feedparser's title and
    summary candidates; the rest (content, group, thumbnail, credit, ...) sets no field we read."""

    def walk(element: ET.Element, depth: int) -> None:
        tag = element.tag
        if not isinstance(tag, str):
            return
        if tag == MEDIA + "title":
            item.on_title(_text(element), depth, media=True)
        elif tag == MEDIA + "description":
            item.on_description(_text(element), depth)
        elif not tag.startswith(MEDIA) and _local(tag) in _RISKY:
            raise _Unsure
        else:
            for sub in element:
                walk(sub, depth + 1)

    walk(child, 1)


def _image(image: ET.Element, item: _Item) -> None:
    """An <image> inside an item: feedparser forgets which title came first (its title_depth),
    reads the image's <title> as a title candidate one level down and ignores its link."""
    item.forget_title_order()
    for sub in image:
        if sub.tag == "title":
            item.on_title(_text(sub), 2, media=False)
        elif sub.tag not in ("url", "link", "width", "height") or len(sub):
            raise _Unsure


def _rss(root: ET.Element) -> Feed:
    channel = root.find("channel")
    if channel is None or root.find("item") is not None:
        raise _Unsure
    entries = [_rss_item(item, "", item.attrib) for item in channel.findall("item")]
    if len(entries) != sum(1 for _ in root.iter("item")):
        raise _Unsure  # items outside the channel, or inside something else
    ttl = channel.find("ttl")
    return Feed(
        _feed_title(channel, ""),
        tuple(entries),
        ttl=None if ttl is None else _text(ttl),
        links=_own_links(channel),
    )


def _rdf(root: ET.Element) -> Feed:
    """RSS 1.0: items beside the channel, each named by its rdf:about."""
    channel = root.find(RSS1 + "channel")
    if channel is None:
        raise _Unsure
    entries = []
    for item in root.findall(RSS1 + "item"):
        attrs = {k: v for k, v in item.attrib.items() if k != RDF + "about"}
        entries.append(_rss_item(item, RSS1, attrs, about=item.get(RDF + "about", "")))
    if len(entries) != sum(1 for _ in root.iter(RSS1 + "item")):
        raise _Unsure
    return Feed(_feed_title(channel, RSS1), tuple(entries), links=_own_links(channel))


def _rss_item(item: ET.Element, ns: str, attrs: dict[str, str], about: str = "") -> Entry:
    if attrs:
        raise _Unsure
    handled = _RSS1_FIELDS if ns else _RSS_FIELDS
    found: dict[str, ET.Element] = {}
    settled = _Item()
    for child in item:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        if tag in handled:
            if tag in found:
                raise _Unsure  # a repeated field: feedparser's depth rules pick one
            found[tag] = child
            if child.attrib and tag != "guid":
                raise _Unsure
            if tag == ns + "title":
                settled.on_title(_text(child), 1, media=False)
            elif tag == ns + "description":
                settled.on_description(_text(child), 1)
            elif tag == CONTENT + "encoded":
                settled.on_content(_text(child))
        elif tag.startswith(MEDIA):
            _media(child, settled)
        elif tag == ns + "image" and not ns:
            _image(child, settled)
        elif tag == ATOM + "link" and not ns:
            # feedparser keeps an atom:link in an item as the link only when it is alternate
            if child.get("rel", "alternate") == "alternate" or "href" not in child.attrib:
                raise _Unsure
            if len(child):
                raise _Unsure
        else:
            for element in child.iter():
                if isinstance(element.tag, str) and _local(element.tag) in _RISKY:
                    raise _Unsure
    guid = about or _text(found.get("guid"))
    link = _text(found.get(ns + "link"))
    if ns + "link" in found and not link:
        raise _Unsure  # an empty <link>: whether the guid stands in depends on the order
    if not about and guid and found["guid"].get("isPermaLink", "true") == "true":
        _link(guid)  # a permalink guid that is relative: feedparser resolves it
        if not link:
            link = guid  # feedparser's rule: a permalink guid stands in for a missing link
    published = None
    if "pubDate" in found and _text(found["pubDate"]):
        published = _rfc822(_text(found["pubDate"]))
    elif DC + "date" in found and _text(found[DC + "date"]):
        published = _iso(_text(found[DC + "date"]))
    return Entry(settled.title or "", settled.summary_text(), _link(link), guid, published)


def _atom_content(element: ET.Element | None) -> str:
    if element is None:
        return ""
    kind = element.get("type", "text")
    if kind not in ("text", "html", "text/plain", "text/html") or "src" in element.attrib:
        raise _Unsure
    return _text(element)


def _atom(root: ET.Element) -> Feed:
    entries = []
    for entry in root.findall(ATOM + "entry"):
        f = _fields(entry, _ATOM_FIELDS)
        link = ""
        for child in entry.findall(ATOM + "link"):
            href = child.get("href")
            if href is None:
                raise _Unsure
            kind = child.get("type", "text/html")
            if child.get("rel", "alternate") == "alternate" and kind in ("text/html", "html"):
                link = href  # the last alternate HTML link, as feedparser
            elif child.get("rel", "alternate") == "alternate" and "xhtml" in kind:
                raise _Unsure
        guid = _text(f.get(ATOM + "id"))
        if guid:
            _link(guid)  # feedparser treats an Atom id as a permalink: relative ones it resolves
            link = link or guid
        published = None
        for name in ("published", "updated"):
            value = _text(f.get(ATOM + name))
            if value:
                published = _iso(value)
                break
        entries.append(
            Entry(
                _atom_content(f.get(ATOM + "title")),
                _atom_content(f.get(ATOM + "summary")) or _atom_content(f.get(ATOM + "content")),
                _link(link.strip()),
                guid,
                published,
            )
        )
    if len(entries) != sum(1 for _ in root.iter(ATOM + "entry")):
        raise _Unsure  # entries nested in something else
    return Feed(_feed_title(root, ATOM), tuple(entries), links=_own_links(root))


def _feed_title(parent: ET.Element, ns: str) -> str:
    titles = parent.findall(ns + "title")
    others = [c for c in parent if isinstance(c.tag, str) and _local(c.tag) in ("title", "tagline")]
    if len(titles) > 1 or len(others) != len(titles):
        raise _Unsure  # two titles, or another element feedparser might take the title from
    if not titles:
        return ""
    return _atom_content(titles[0]) if ns else _text(titles[0])
