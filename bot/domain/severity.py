"""Severity of an alert, from the rule pack's [[severity]] rules. Pure.

A rule names a level, the label it applies to, and what raises an alert of that label to the
level: fact classes the story extractor found (`facts`, e.g. "icbm") or phrases in the text
(`phrases`, whole words, any case). The alert's severity is the highest level any matching rule
gives, and "normal" when none matches. The mapping lives in the pack, not in code.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

LEVELS = ("normal", "high", "critical")


@dataclass(frozen=True)
class SeverityRule:
    level: str
    label: str  # as the pack's users see it: bare for the default pack, else pack:label
    facts: frozenset[str]
    phrases: tuple[str, ...]

    @functools.cached_property
    def pattern(self) -> re.Pattern[str] | None:
        """The phrases, compiled on first use (not while the config loads)."""
        return compile_phrases(self.phrases)

    def matches(self, labels: Iterable[str], facts: Iterable[str], text: str) -> bool:
        if self.label not in set(labels):
            return False
        if self.facts & set(facts):
            return True
        return bool(self.pattern and self.pattern.search(text))


# Hangul, kana and Han: Korean and Japanese phrases are found inside longer words ("J얼럿을",
# "日本上空を"), as the classifier finds them, so no word boundary is asked for at a CJK end.
@functools.cache
def _cjk() -> re.Pattern[str]:
    return re.compile("[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u9fff\uac00-\ud7a3]")


def _alternative(phrase: str) -> str:
    cjk = _cjk()
    body = r"\s*".join(re.escape(word) for word in phrase.split())
    if not cjk.search(phrase):
        body = r"\s+".join(re.escape(word) for word in phrase.split())
    left = "" if cjk.match(phrase[:1]) else r"(?<!\w)"
    right = "" if cjk.match(phrase[-1:]) else r"(?!\w)"
    return f"{left}{body}{right}"


def compile_phrases(phrases: Sequence[str]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    alternatives = "|".join(_alternative(p) for p in sorted(phrases, key=len)[::-1])
    return re.compile(f"(?:{alternatives})", re.IGNORECASE)


def rank(level: str) -> int:
    return LEVELS.index(level)


def severity_of(
    rules: Iterable[SeverityRule], labels: Iterable[str], facts: Iterable[str], text: str
) -> str:
    """The highest level a matching rule gives; "normal" when none matches."""
    labels, facts = tuple(labels), tuple(facts)
    best = 0
    for rule in rules:
        if rank(rule.level) > best and rule.matches(labels, facts, text):
            best = rank(rule.level)
    return LEVELS[best]
