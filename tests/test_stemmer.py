"""The classifier's stemmer is snowballstemmer's, in C when PyStemmer is installed (a
dependency, for speed): both must give the same stems, or classification would change with
what happens to be installed."""

from __future__ import annotations

import re
from pathlib import Path

from snowballstemmer.english_stemmer import EnglishStemmer

from bot.domain.classify import text

DATA = Path(__file__).parent / "data"
RULES = Path(__file__).parent.parent / "config" / "rules"


def _words() -> list[str]:
    found: set[str] = set()
    for path in [*DATA.glob("*.jsonl"), *DATA.glob("*.xml"), *RULES.glob("*.toml")]:
        found.update(w.lower() for w in re.findall(r"[^\W\d_]+", path.read_text("utf-8")))
    return sorted(found)


def test_the_stemmer_in_use_is_the_c_one_and_stems_as_the_python_one() -> None:
    words = _words()
    assert len(words) > 3000
    assert type(text._stemmer).__module__ == "Stemmer"  # PyStemmer, not the pure-Python port
    python = EnglishStemmer()
    differ = [w for w in words if text._stemmer.stemWord(w) != python.stemWord(w)]
    assert differ == []
