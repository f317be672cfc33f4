"""Tokenising for the classifier: one pass, stems from a cache, sentence ids for proximity.

"Test-fired", "test fired" and "test fires" all become the stems ``test fire``; "Hwasong-17"
becomes ``hwasong 17``; "N. Korea" stays one sentence. Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import snowballstemmer

_TOKEN = re.compile(r"[^\W_]+|[.!?;]")
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"})
# A period after these does not end a sentence ("N. Korea", "U.S. officials", "Gen. Kim").
_ABBREVIATIONS = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "dr",
        "gen",
        "lt",
        "col",
        "maj",
        "capt",
        "sgt",
        "adm",
        "st",
        "no",
        "vs",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "sen",
        "rep",
        "gov",
        "pres",
        "prof",
        "jr",
        "sr",
        "inc",
        "corp",
        "co",
        "etc",
        "approx",
        "est",
    }
)
_NUMBER = re.compile(r"\d+")
_stemmer = snowballstemmer.stemmer("english")
_stem_cache: dict[str, str] = {}


def stem(word: str) -> str:
    """The stem of one lower-case word (numbers stay as they are)."""
    cached = _stem_cache.get(word)
    if cached is None:
        cached = word if word.isdigit() else str(_stemmer.stemWord(word))
        if len(_stem_cache) < 200_000:
            _stem_cache[word] = cached
    return cached


@dataclass(frozen=True)
class Tokens:
    """A text as stems, with each stem's sentence number and whether it came from the title."""

    stems: tuple[str, ...]
    words: tuple[str, ...]  # the lower-case surface words, for evidence
    sentence: tuple[int, ...]
    in_title: tuple[bool, ...]


def _prepare(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_DASHES)


def tokenize(title: str, summary: str) -> Tokens:
    """Tokenise title then summary; the title is always a sentence of its own."""
    stems: list[str] = []
    words: list[str] = []
    sentence: list[int] = []
    in_title: list[bool] = []
    sent = 0
    for part, is_title in ((title, True), (summary, False)):
        prev_raw = ""
        for match in _TOKEN.finditer(_prepare(part)):
            raw = match.group()
            if raw in ".!?;":
                single_capital = len(prev_raw) == 1 and prev_raw.isupper()
                if raw != "." or not (single_capital or prev_raw.lower() in _ABBREVIATIONS):
                    sent += 1
                prev_raw = raw
                continue
            prev_raw = raw
            word = raw.lower()
            words.append(word)
            stems.append(stem(word))
            sentence.append(sent)
            in_title.append(is_title)
        sent += 1
    return Tokens(tuple(stems), tuple(words), tuple(sentence), tuple(in_title))


def pattern_stems(pattern: str) -> tuple[str, ...]:
    """A rule's phrase as stems. ``#`` stands for any number, ``*`` for any one word."""
    out: list[str] = []
    for match in re.finditer(r"[^\W_]+|[#*]", _prepare(pattern)):
        raw = match.group()
        out.append(raw if raw in "#*" else stem(raw.lower()))
    return tuple(out)


def token_fits(pattern_token: str, stem_: str) -> bool:
    if pattern_token == "#":
        return bool(_NUMBER.fullmatch(stem_))
    return pattern_token == "*" or pattern_token == stem_
