"""Check the bulk classifier's anchor gate on real text (see tests/test_classify_gate.py).

    python -m benchmarks.check_gate benchmarks/realnews/data/items.jsonl [more.jsonl ...]

For JSON lines with "title" and "summary" (the rebuilt real-news pool, for example): every
distinct word must start with its stem's start (`bot.domain.classify.pack.word_start`), and
every item the default pack's anchors pass over must have no subject phrase. Prints the counts
and any word or item that breaks either; exits 1 if one does. Reads only the files given.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.domain.classify import load_pack
from bot.domain.classify.engine import _may_mention, _plain_lower, anchors_absent
from bot.domain.classify.pack import word_start
from bot.domain.classify.text import quick_words, stem, wide
from bot.validate import Problems

RULES = Path(__file__).resolve().parent.parent / "config" / "rules" / "northkorea.toml"


@dataclass(frozen=True)
class GateCheck:
    items: int
    passed: int  # items the anchors pass over
    broken: tuple[str, ...]  # titles of those that name the subject all the same
    words: int  # distinct words
    bad_words: tuple[str, ...]  # words their stem's start does not start


def check(rows: Iterable[Mapping[str, str | None]]) -> GateCheck:
    """The default pack's anchors and the stemming rule they rest on, on `rows`."""
    pack = load_pack(tomllib.loads(RULES.read_text(encoding="utf-8")), Problems())
    assert pack is not None and pack.anchors is not None
    rx = wide()
    vocabulary: set[str] = set()
    items = passed = 0
    broken: list[str] = []
    for row in rows:
        title, summary = row.get("title") or "", row.get("summary") or ""
        items += 1
        text = unicodedata.normalize("NFKC", f"{title} {summary}")
        vocabulary.update(w.lower() for w in rx.other_word.findall(text))
        if anchors_absent(pack.anchors, _plain_lower(title, summary)):
            passed += 1
            if _may_mention(pack, *quick_words(title, summary)):
                broken.append(title)
    bad_words = tuple(sorted(w for w in vocabulary if not w.startswith(word_start(stem(w)))))
    return GateCheck(items, passed, tuple(broken), len(vocabulary), bad_words)


def read_rows(paths: Iterable[Path]) -> Iterator[dict[str, str | None]]:
    for path in paths:
        with path.open(encoding="utf-8") as f:
            for line in f:
                yield json.loads(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args(argv)
    result = check(read_rows(args.files))
    for title in result.broken:
        print(f"item passed over but naming the subject: {title[:100]!r}")
    for w in result.bad_words[:50]:
        print(f"word not started by its stem's start: {w!r} (stem {stem(w)!r})")
    print(
        f"{result.items:,} items, {result.passed:,} passed over by the anchors"
        f" ({result.passed / max(result.items, 1):.1%}), {len(result.broken)} of them naming the"
        f" subject; {result.words:,} distinct words, {len(result.bad_words)} not started by"
        " their stem's start"
    )
    return 1 if result.broken or result.bad_words else 0


if __name__ == "__main__":
    sys.exit(main())
