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
from pathlib import Path

from bot.domain.classify import load_pack
from bot.domain.classify.engine import _may_mention, _plain_lower
from bot.domain.classify.pack import word_start
from bot.domain.classify.text import quick_words, stem, wide
from bot.validate import Problems

RULES = Path(__file__).resolve().parent.parent / "config" / "rules" / "northkorea.toml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args(argv)
    pack = load_pack(tomllib.loads(RULES.read_text(encoding="utf-8")), Problems())
    assert pack is not None and pack.anchors is not None
    rx = wide()
    vocabulary: set[str] = set()
    items = passed = broken = 0
    for path in args.files:
        with path.open(encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                title, summary = row.get("title") or "", row.get("summary") or ""
                items += 1
                text = unicodedata.normalize("NFKC", f"{title} {summary}")
                vocabulary.update(w.lower() for w in rx.other_word.findall(text))
                lower = _plain_lower(title, summary)
                if lower and not any(a in lower for a in pack.anchors):
                    passed += 1
                    if _may_mention(pack, *quick_words(title, summary)):
                        broken += 1
                        print(f"item passed over but naming the subject: {title[:100]!r}")
    bad_words = sorted(w for w in vocabulary if not w.startswith(word_start(stem(w))))
    for w in bad_words[:50]:
        print(f"word not started by its stem's start: {w!r} (stem {stem(w)!r})")
    print(
        f"{items:,} items, {passed:,} passed over by the anchors ({passed / max(items, 1):.1%}),"
        f" {broken} of them naming the subject; {len(vocabulary):,} distinct words,"
        f" {len(bad_words)} not started by their stem's start"
    )
    return 1 if broken or bad_words else 0


if __name__ == "__main__":
    sys.exit(main())
