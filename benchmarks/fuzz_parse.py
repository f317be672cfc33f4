"""Fuzz the parse -> classify -> story -> format path for a fixed time (default 10 minutes).

    python -m benchmarks.fuzz_parse [--minutes 10] [--seed 1]

Inputs are feed documents built from random pieces (RSS, Atom, entities, CDATA, HTML, odd
encodings, Slack markup, huge and empty fields) and then mutated byte-wise. Anything other than
a FeedParseError is a finding; the script prints the count of inputs, outcomes and findings.
"""

from __future__ import annotations

import argparse
import json
import random
import time
import tomllib
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bot.delivery.format import format_alert, format_reply
from bot.domain.classify import classify, load_pack
from bot.domain.stories import StoryIndex, fingerprint
from bot.errors import FeedParseError
from bot.models import Alert, Classification
from bot.poll.parse import parse_feed
from bot.validate import Problems

ROOT = Path(__file__).resolve().parent.parent
PIECES = [
    "North Korea fires ballistic missile",
    "Pyongyang",
    "ICBM",
    "<!channel>",
    "<@U123>",
    "&amp;",
    "&lt;b&gt;",
    "&#x0;",
    "&#65535;",
    "&nosuch;",
    "<![CDATA[ <b>x</b> ]]>",
    "<script>alert(1)</script>",
    "\u202e",
    "\ud7ff",
    "\x00",
    "\x1b[31m",
    "é",
    "漢字",
    "🚀",
    "x" * 5000,
    "",
    " ",
    "\t\n",
    "<",
    ">",
    "]]>",
    "<?xml?>",
    "<!--",
]
DATES = [
    "Mon, 01 Jan 1900 00:00:00 GMT",
    "Sat, 01 Jan 9999 23:59:59 +2400",
    "2026-13-45T99:99:99Z",
    "yesterday",
    "",
]


def document(rng: random.Random) -> bytes:
    def text() -> str:
        return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 6)))

    items = []
    for i in range(rng.randint(0, 8)):
        if rng.random() < 0.5:
            items.append(
                f"<item><title>{text()}</title><link>{rng.choice(['https://x.test/' + str(i), text(), 'javascript:alert(1)'])}</link>"
                f"<guid>{text()}</guid><pubDate>{rng.choice(DATES)}</pubDate><description>{text()}</description></item>"
            )
        else:
            items.append(
                f"<entry><title type='html'>{text()}</title><id>{text()}</id><updated>{rng.choice(DATES)}</updated><summary>{text()}</summary></entry>"
            )
    body = "".join(items)
    wrapper = rng.choice(
        [
            f'<?xml version="1.0" encoding="{rng.choice(["utf-8", "iso-8859-1", "utf-16", "bogus"])}"?><rss version="2.0"><channel><title>{text()}</title>{body}</channel></rss>',
            f'<feed xmlns="http://www.w3.org/2005/Atom"><title>{text()}</title>{body}</feed>',
            f"<rdf:RDF>{body}</rdf:RDF>",
            body,
        ]
    )
    data = bytearray(wrapper.encode("utf-8", "surrogatepass"))
    for _ in range(rng.choice([0, 0, 1, 5, 50])):  # byte-level mutations
        if data:
            data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    pack = load_pack(
        tomllib.loads((ROOT / "config" / "rules" / "northkorea.toml").read_text()), Problems()
    )
    assert pack is not None
    index = StoryIndex()
    now = datetime.now(UTC)
    deadline = time.monotonic() + args.minutes * 60
    counts = {"inputs": 0, "parse_errors": 0, "items": 0, "labelled": 0, "findings": 0}
    findings = []
    while time.monotonic() < deadline:
        data = document(rng)
        counts["inputs"] += 1
        try:
            parsed = parse_feed(data, url="https://fuzz.test/rss", feed_name="fuzz", now=now)
            for item in parsed.items:
                counts["items"] += 1
                c = classify([pack], item.title, item.summary)
                labels = c.labels or ("missile-test",)
                counts["labelled"] += bool(c.labels)
                fp = fingerprint(
                    f"k{counts['items']}",
                    item.title,
                    item.summary,
                    labels,
                    item.published,
                    item.feed_name,
                )
                match = index.assign(fp)
                if match is None:
                    index.create(fp, item, Classification(labels, c.scores, c.evidence), now)
                else:
                    index.join(match.story_id, fp, item, now)
                format_alert(
                    Alert("C1", item, labels, Classification(labels, c.scores, c.evidence))
                )
                format_reply(item)
            if len(index) > 20_000:
                index = StoryIndex()
        except FeedParseError:
            counts["parse_errors"] += 1
        except Exception:
            counts["findings"] += 1
            if len(findings) < 10:
                findings.append(
                    {"input": data[:500].decode("latin-1"), "error": traceback.format_exc(limit=3)}
                )
    print(json.dumps({"minutes": args.minutes, **counts, "findings_sample": findings}, indent=2))
    raise SystemExit(1 if counts["findings"] else 0)


if __name__ == "__main__":
    main()
