"""The fast road (bot/poll/feedxml.py) against feedparser: where it reads a feed, the items are the same.

Every comparison parses the same bytes twice, `parse_feed(..., fast=True)` and `fast=False`
(feedparser alone), and also checks which road was taken, so a test cannot pass by always
falling back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import FeedParseError
from bot.poll import feedxml
from bot.poll.parse import ParsedFeed, parse_feed
from tests.conftest import DATA, SHARED

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
RSS = "application/rss+xml"
CORPUS = SHARED / "data" / "feedparser-corpus"


def both(body: bytes, content_type: str | None = RSS) -> tuple[object, object]:
    def one(fast: bool) -> ParsedFeed | str:
        try:
            return parse_feed(
                body,
                url="https://wire.test/feed",
                feed_name="Wire",
                now=NOW,
                content_type=content_type,
                fast=fast,
            )
        except FeedParseError as e:
            return str(e)

    return one(True), one(False)


def test_plain_feeds_take_the_fast_road_and_match_feedparser() -> None:
    from benchmarks.farm import _State

    farm = _State(feeds=5, items=50, slow=0, failing=0)
    bodies = [farm.bodies[i][0] for i in range(5)] + [(DATA / "seeds.xml").read_bytes()]
    for body in bodies:
        assert feedxml.read(body, RSS) is not None
        fast, slow = both(body)
        assert isinstance(fast, ParsedFeed) and fast.items
        assert fast == slow


ATOM_FEED = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="html">Desk &amp;amp; wire</title>
  <entry>
    <title>North Korea test-fires cruise missiles off west coast</title>
    <link rel="self" href="https://desk.test/self/1"/>
    <link href="https://desk.test/nk/1?utm_source=x"/>
    <id>https://desk.test/id/1</id>
    <updated>2026-11-21T09:10:11.250+09:00</updated>
    <summary type="html">&lt;p&gt;Several &lt;b&gt;cruise&lt;/b&gt; missiles flew for two hours.&lt;/p&gt;</summary>
  </entry>
  <entry>
    <title type="text">Envoys meet in Seoul &lt;again&gt;</title>
    <link rel="alternate" type="text/html" href="https://desk.test/nk/2"/>
    <id>https://desk.test/id/2</id>
    <published>2026-11-21T01:00:00Z</published>
    <updated>2026-11-21T02:00:00Z</updated>
    <content type="html">Talks &lt;i&gt;resumed&lt;/i&gt;.</content>
  </entry>
</feed>
"""


def test_atom_takes_the_fast_road_and_matches_feedparser() -> None:
    body = ATOM_FEED.encode()
    plain = feedxml.read(body, "application/atom+xml")
    assert plain is not None and len(plain.entries) == 2
    fast, slow = both(body, "application/atom+xml")
    assert fast == slow
    assert isinstance(fast, ParsedFeed)
    assert fast.items[0].url == "https://desk.test/nk/1"
    assert fast.items[0].published == datetime(2026, 11, 21, 0, 10, 11, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (
            b"<!DOCTYPE rss [<!ENTITY a 'x'>]><rss><channel><item><title>&a;</title></item></channel></rss>",
            RSS,
        ),
        (b"<rss><channel><item><title>caf\xe9</title></item></channel></rss>", RSS),  # not UTF-8
        (
            b'<?xml version="1.0" encoding="iso-8859-1"?><rss><channel><item><title>x</title></item></channel></rss>',
            RSS,
        ),
        (b"<rss><channel><item><title>x</title></item></channel></rss>", "text/xml"),  # RFC 3023
        (b"<rss><channel><item><title>x</title></item></channel></rss>", "text/html"),
        (b"<rss><channel><item><title>x</title></item></channel></rss>", None),
        (
            b"<rss><channel><item><title>x &nbsp; y</title></item></channel></rss>",
            RSS,
        ),  # HTML entity
        (b"<rss><channel><item><title>x</title><link>/relative</link></item></channel></rss>", RSS),
        (
            b"<rss><channel><item><title>x</title><pubDate>yesterday</pubDate></item></channel></rss>",
            RSS,
        ),
        (
            b"<rss><channel><item><title>x</title><pubDate>Sat, 21 Nov 2026 10:00:00 KST</pubDate></item></channel></rss>",
            RSS,
        ),
        (
            b"<rss><channel><item><title>x</title><itunes:title xmlns:itunes='http://www.itunes.com/dtds/podcast-1.0.dtd'>y</itunes:title></item></channel></rss>",
            RSS,
        ),
        (
            b"<rss><channel><item><title>x</title><pubDate>mer, 16 nov 2022 00:38:15 +0100</pubDate></item></channel></rss>",
            RSS,
        ),  # a day name feedparser does not know: its date is not ours to guess
        (
            b"<rss xmlns:atom='http://www.w3.org/2005/Atom'><channel><item><title>x</title>"
            b"<atom:link href='https://wire.test/alt'/></item></channel></rss>",
            RSS,
        ),  # an alternate atom:link becomes the item's link in feedparser
        (b"<rss><channel><item><title>a</title><title>b</title></item></channel></rss>", RSS),
        (
            b"<rss><channel><item><description><p>inline xhtml</p></description></item></channel></rss>",
            RSS,
        ),
        (b"<rss><channel><title>empty</title></channel></rss>", RSS),
        (b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'/>", RSS),
        (
            b"<rss><channel><item><title>x</title></item></channel><item><title>y</title></item></rss>",
            RSS,
        ),
        (b"<rss><channel><item><title>x</title><guid>id-42</guid></item></channel></rss>", RSS),
        (
            b"<rss><channel><item><title>x</title></item>"
            b"<wrap><item><title>nested</title></item></wrap></channel></rss>",
            RSS,
        ),
        (
            b"<feed xmlns='http://www.w3.org/2005/Atom'><entry><title>x</title>"
            b"<id>tag:desk.test,2026:1</id></entry></feed>",
            "application/atom+xml",
        ),
    ],
)
def test_anything_unusual_goes_to_feedparser(body: bytes, content_type: str | None) -> None:
    assert feedxml.read(body, content_type) is None
    fast, slow = both(body, content_type)
    assert fast == slow


_M = "xmlns:media='http://search.yahoo.com/mrss/' xmlns:atom='http://www.w3.org/2005/Atom'"


@pytest.mark.parametrize(
    "item",
    [
        # media:title after, before and instead of <title>; nested in media:content
        "<title>x</title><media:title>y</media:title>",
        "<media:title>y</media:title><title>x</title>",
        "<media:title>y</media:title>",
        "<title></title><media:content url='https://wire.test/i.jpg'><media:title>y</media:title></media:content>"
        "<description>d</description>",
        # a photo caption first, then the description (feedparser keeps the caption)
        "<title>x</title><media:description>caption</media:description><description>story</description>",
        "<title>x</title><description>story</description><media:description>caption</media:description>",
        "<title>x</title><content:encoded>body</content:encoded><media:description>caption</media:description>",
        "<title>x</title><description>story</description>"
        "<media:content url='https://wire.test/i.jpg'><media:description>c</media:description>"
        "<media:credit>Agency</media:credit></media:content><media:thumbnail url='https://wire.test/t.jpg'/>",
        "<title>x</title><media:group><media:content url='https://wire.test/v.mp4'/></media:group>",
        "<title>x</title><atom:link rel='standout' href='https://wire.test/s'/>",
        "<title>x</title><image><url>https://wire.test/i.jpg</url><title>Image</title>"
        "<link>https://wire.test/i</link></image><description>d</description>",
        "<image><title>Image</title></image><title>x</title>",
        # C1 controls (Windows-1252 punctuation) and UTF-8 read as Latin-1 ("mojibake")
        "<title>don\u0092t</title><description>caf\u00c3\u00a9 \u0080 5</description>",
        "<title>\u00d0\u00af\u00d0\u00bd\u00d0\u00b4\u00d0\u00b5\u00d0\u00ba\u00d1\u0081</title>",
        "<title>caf\u00e9 \u00e0 la carte</title>",
    ],
)
def test_real_world_rss_shapes_take_the_fast_road(item: str) -> None:
    body = (
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0' {_M} "
        "xmlns:content='http://purl.org/rss/1.0/modules/content/'><channel><title>W</title>"
        f"<item>{item}<link>https://wire.test/a</link></item></channel></rss>"
    ).encode()
    assert feedxml.read(body, RSS) is not None
    fast, slow = both(body)
    assert isinstance(fast, ParsedFeed) and fast.items
    assert fast == slow


RDF_FEED = """<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://desk.test/"><title>Desk</title><link>https://desk.test/</link>
    <items><rdf:Seq><rdf:li rdf:resource="https://desk.test/1"/></rdf:Seq></items></channel>
  <item rdf:about="https://desk.test/1">
    <title>Envoys meet in Seoul</title><link>https://desk.test/1?utm_source=rss</link>
    <description>&lt;p&gt;Talks resumed.&lt;/p&gt;</description>
    <dc:date>2026-11-21T09:10:11+09:00</dc:date><dc:subject>World</dc:subject>
  </item>
  <item><title>No about</title><link>https://desk.test/2</link></item>
</rdf:RDF>
"""


def test_rss_1_takes_the_fast_road_and_matches_feedparser() -> None:
    body = RDF_FEED.encode()
    assert feedxml.read(body, "application/rdf+xml") is not None
    fast, slow = both(body, "application/rdf+xml")
    assert isinstance(fast, ParsedFeed) and len(fast.items) == 2
    assert fast == slow
    assert fast.items[0].item_id == "https://desk.test/1"


# Generated feeds: every field optional, in any order, with markup, entities, CDATA, odd dates,
# permalink guids, relative links and elements feedparser maps onto the fields we read.
_words = st.text(
    alphabet=st.characters(
        codec="utf-8", categories=("L", "N", "P", "Zs", "S"), exclude_characters="\x00"
    ),
    max_size=40,
)
_markup = st.one_of(
    _words.map(escape),
    _words.map(lambda w: escape(f"<b>{w}</b> &amp; <br/>{w}")),
    _words.filter(lambda w: "]]>" not in w).map(lambda w: f"<![CDATA[{w} <i>x</i> &amp;]]>"),
    st.sampled_from(
        [
            "",
            "  ",
            "&amp;amp;",
            "a &lt; b",
            "&#8217;quoted&#8217;",
            "tab\there",
            "don\u0092t \u0081",
            "caf\u00c3\u00a9",
            "caf\u00e9",
            "&#x92;",
        ]
    ),
)
_dates = st.one_of(
    st.datetimes(
        min_value=datetime(1995, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
    ).map(lambda d: d.strftime("%a, %d %b %Y %H:%M:%S +0000")),
    st.sampled_from(
        [
            "Sat, 21 Nov 2026 10:00:00 GMT",
            "21 Nov 2026 10:00:00 +0900",
            "Sat, 21 Nov 2026 10:00 EST",
            "Sat, 21 Nov 26 10:00:00 +0000",
            "2026-11-21T10:00:00Z",
            "not a date",
            "",
        ]
    ),
)
_links = st.sampled_from(
    [
        "https://wire.test/a/1",
        "http://WIRE.test:80/a?utm_source=x&id=2",
        "/rel/3",
        "",
        "  https://wire.test/sp  ",
        "https://wire.test/q?a=1&amp;b=2",
        "https://wire.test/q?a=1&b=2",
        "",
    ]
)


@st.composite
def _rss_item(draw: st.DrawFn) -> str:
    parts = []
    if draw(st.booleans()):
        parts.append(f"<title>{draw(_markup)}</title>")
    if draw(st.booleans()):
        parts.append(f"<link>{escape(draw(_links))}</link>")
    if draw(st.booleans()):
        permalink = draw(st.sampled_from(["", " isPermaLink='false'", " isPermaLink='true'"]))
        guid = draw(st.sampled_from(["https://wire.test/g/1", "id-42", " spaced "]))
        parts.append(f"<guid{permalink}>{guid}</guid>")
    if draw(st.booleans()):
        parts.append(f"<description>{draw(_markup)}</description>")
    if draw(st.booleans()):
        parts.append(f"<content:encoded>{draw(_markup)}</content:encoded>")
    if draw(st.booleans()):
        parts.append(f"<pubDate>{draw(_dates)}</pubDate>")
    if draw(st.booleans()):
        parts.append(
            f"<dc:date>{draw(st.sampled_from(['2026-11-21T10:00:00+09:00', '2026-11-21']))}</dc:date>"
        )
    extras = draw(
        st.lists(
            st.sampled_from(
                [
                    "",
                    "<category>World</category>",
                    "<media:title>Other title</media:title>",
                    "<itunes:summary>Other summary</itunes:summary>",
                    "<dc:creator>Desk</dc:creator>",
                    "<atom:link rel='alternate' href='https://wire.test/alt'/>",
                    "<enclosure url='https://wire.test/a.mp3' type='audio/mpeg' length='1'/>",
                    "<media:description>Caption</media:description>",
                    "<media:content url='https://wire.test/i.jpg'><media:title>T</media:title>"
                    "<media:description>D</media:description></media:content>",
                    "<media:group><media:content url='https://wire.test/v.mp4'/></media:group>",
                    "<media:thumbnail url='https://wire.test/t.jpg'/>",
                    "<atom:link rel='standout' href='https://wire.test/s'/>",
                    "<image><url>https://wire.test/i.jpg</url><title>Image</title>"
                    "<link>https://wire.test/i</link><width>150</width></image>",
                    "<image><title></title></image>",
                ]
            ),
            max_size=2,
        )
    )
    parts.extend(extras)
    order = draw(st.permutations(parts))
    return "<item>" + "".join(order) + "</item>"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_rss_item(), min_size=1, max_size=4), _words)
def test_generated_rss_reads_the_same_on_both_roads(items: list[str], title: str) -> None:
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/" '
        'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
        'xmlns:atom="http://www.w3.org/2005/Atom">'
        f"<channel><title>{escape(title)}</title><link>https://wire.test/</link>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()
    fast, slow = both(body)
    assert fast == slow


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            _words,
            st.sampled_from(["text", "html"]),
            _words,
            st.sampled_from(["2026-11-21T10:00:00Z", "2026-11-21T10:00:00.5-05:00", "2026-11-21"]),
            st.sampled_from(["", "https://wire.test/e/1", "/rel"]),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_generated_atom_reads_the_same_on_both_roads(
    entries: list[tuple[str, str, str, str, str]],
) -> None:
    body = '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>W</title>'
    for title, kind, summary, updated, link in entries:
        href = f"<link href={quoteattr(link)}/>" if link else ""
        body += (
            f"<entry><title type='{kind}'>{escape(title)}</title>{href}<id>urn:x:{abs(hash(title))}</id>"
            f"<updated>{updated}</updated><summary type='{kind}'>{escape(summary)}</summary></entry>"
        )
    fast, slow = both((body + "</feed>").encode(), "application/atom+xml")
    assert fast == slow


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/data/feedparser-corpus is absent")
def test_feedparser_corpus_reads_the_same_on_both_roads() -> None:
    taken = 0
    files = sorted(CORPUS.rglob("*.xml"))
    for path in files:
        body = path.read_bytes()
        for content_type in (RSS, None):
            if feedxml.read(body, content_type) is None:
                continue
            taken += 1
            fast, slow = both(body, content_type)
            assert fast == slow, path.relative_to(CORPUS)
    assert taken > 500, taken  # the fast road is exercised, not skipped


def test_fixture_files_read_the_same_on_both_roads() -> None:
    for path in sorted(Path(DATA).rglob("*.xml")):
        fast, slow = both(path.read_bytes())
        assert fast == slow, path.name


def _real_feeds() -> list[object]:
    from benchmarks.realfeeds import available

    return list(available())


@pytest.mark.skipif(
    not _real_feeds(), reason="no real feeds cached: run `python -m benchmarks.realfeeds`"
)
def test_real_outlets_feeds_read_the_same_on_both_roads() -> None:
    """Real news outlets' feeds (benchmarks/realfeeds.toml): the same items, ids, links, titles,
    summaries and dates on both roads, and most of them on the fast road."""
    from benchmarks.realfeeds import available

    feeds = available()
    taken = 0
    for feed in feeds:
        body = feed.body()
        taken += feedxml.read(body, feed.content_type) is not None
        fast, slow = both(body, feed.content_type)
        assert fast == slow, feed.outlet
    # 30 of the 38 listed when this was written (18 before media:, RSS 1.0, C1 and item images)
    assert taken >= min(30, len(feeds) - 8), f"{taken} of {len(feeds)} real feeds on the fast road"


# plain_text reads plain HTML with a regex and hands the rest to html.parser: where the regex
# answers, it must answer what html.parser would.
_html_pieces = st.sampled_from(
    [
        "Talks resumed",
        " in Seoul. ",
        "a &amp; b",
        "&#8217;",
        "&nbsp;",
        "&amp",
        "x > y",
        "a < b",
        "<",
        "<p>",
        "</p>",
        "</p >",
        "<br/>",
        "<BR>",
        "<br />",
        "<b>",
        "</b>",
        "<img src='https://wire.test/i.jpg' alt=\"a > b\"/>",
        '<a href="https://wire.test/?a=1&amp;b=2" title="x<y">',
        "<a href=https://wire.test/x>",
        "</a>",
        "<div class=lead data-x='1'>",
        "</div>",
        "<li>",
        "<h2>",
        "</h2>",
        "<script>var a = '<p>';</script>",
        "<style>p { color: red }</style>",
        "<!-- a comment -->",
        "<!DOCTYPE html>",
        "<?pi x?>",
        "<my-tag>",
        "</a href='x'>",
        "<p\u00a0class='x'>",
        "<iframe src='https://wire.test/v'></iframe>",
        "<input disabled>",
        "<a b='1'c='2'>",
        "< p>",
        "</>",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_html_pieces, max_size=12))
def test_plain_html_reads_as_html_parser_reads_it(pieces: list[str]) -> None:
    from bot.poll.parse import _parsed_text, _simple_text

    fragment = "".join(pieces)
    simple = _simple_text(fragment)
    if simple is not None:
        assert " ".join(simple.split()) == " ".join(_parsed_text(fragment).split())


def test_common_description_markup_takes_the_regex() -> None:
    from bot.poll.parse import _simple_text, plain_text

    fragment = (
        '<p>Several <b>cruise</b> missiles &amp; a <a href="https://wire.test/?a=1&amp;b=2">'
        "drone</a>.</p><br/><img src='https://wire.test/i.jpg' alt='x'/>Seoul&#8217;s view"
    )
    assert _simple_text(fragment) is not None
    assert plain_text(fragment) == "Several cruise missiles & a drone. Seoul\u2019s view"


def _html_fragments(bodies: list[bytes]) -> list[str]:
    import xml.etree.ElementTree as ET

    found = []
    for body in bodies:
        try:
            root = ET.fromstring(body)
        except (ET.ParseError, ValueError, LookupError):  # ill-formed, or an unknown encoding
            continue
        found += [e.text for e in root.iter() if e.text and "<" in e.text]
    return found


def test_real_html_reads_as_html_parser_reads_it() -> None:
    from bot.poll.parse import _parsed_text, _simple_text

    bodies = [p.read_bytes() for p in sorted(Path(DATA).rglob("*.xml"))]
    if CORPUS.is_dir():
        bodies += [p.read_bytes() for p in sorted(CORPUS.rglob("*.xml"))]
    bodies += [feed.body() for feed in _real_feeds()]  # type: ignore[attr-defined]
    fragments = _html_fragments(bodies)
    if not fragments:
        pytest.skip("no HTML fragments: neither feedparser's corpus nor real feeds are here")
    simple = 0
    for fragment in fragments:
        text = _simple_text(fragment)
        if text is not None:
            simple += 1
            assert " ".join(text.split()) == " ".join(_parsed_text(fragment).split()), fragment
    assert simple > len(fragments) / 2, (simple, len(fragments))


def test_an_unreadable_date_falls_back_without_feedparsers_deprecated_mapping() -> None:
    import warnings

    # feedparser leaves published_parsed None for a date it cannot read; the bot then tries
    # updated_parsed, which feedparser's own lookup would map back to published_parsed with a
    # DeprecationWarning (a mapping it says it will remove)
    body = (
        b"<rss version='2.0'><channel><title>Wire</title><item><title>North Korea fires missile"
        b"</title><guid>w-1</guid><pubDate>sometime on Tuesday</pubDate></item>"
        b"<item><title>Envoy arrives</title><guid>w-2</guid>"
        b"<pubDate>Tue, 10 Mar 2026 22:00:00 GMT</pubDate></item></channel></rss>"
    )
    now = datetime(2026, 3, 11, tzinfo=UTC)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parsed = parse_feed(
            body, url="https://wire.test/rss", feed_name="Wire", now=now, fast=False
        )
    assert [i.title for i in parsed.items] == ["North Korea fires missile", "Envoy arrives"]
    assert parsed.items[1].published == datetime(2026, 3, 10, 22, 0, tzinfo=UTC)
