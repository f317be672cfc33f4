"""Tokenising for the classifier: one pass, stems from a cache, sentence ids for proximity.

"Test-fired", "test fired" and "test fires" all become the stems ``test fire``; "Hwasong-17"
becomes ``hwasong 17``; "N. Korea" stays one sentence. Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import snowballstemmer

_TOKEN = re.compile(r"[^\W_]+|[.!?;,:|]|\s-\s")
# the same tokens for ASCII text, where [^\W_] is exactly [A-Za-z0-9]: a third faster
_ASCII_TOKEN = re.compile(r"[A-Za-z0-9]+|[.!?;,:|]|\s-\s")
_WORD = re.compile(r"[^\W_]+")  # the same, without the sentence breaks
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")
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
_raw_cache: dict[str, str] = {}
_BREAKS = frozenset(".!?;")
_CLAUSE_BREAKS = frozenset({",", ":", "|", " - "})  # end a clause, not a sentence


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
    """A text as stems, with each stem's sentence number and whether it came from the title.

    `clause` numbers the clauses: a new one starts at each sentence and after , : | and a
    spaced dash (what the salience rules read as the end of "after ..." or "amid ...").
    """

    stems: tuple[str, ...]
    sentence: tuple[int, ...]
    in_title: tuple[bool, ...]
    clause: tuple[int, ...] = ()


def _prepare(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_DASHES)


MAX_SUMMARY_CHARS = 1200  # the lead carries the news; long bodies cost time and add noise


def tokenize(title: str, summary: str) -> Tokens:
    """Tokenise the title, then the summary's first MAX_SUMMARY_CHARS (cut at a space).

    The title is always a sentence of its own. A sentence ends at . ! ? ; except after a
    single capital or a known abbreviation ("N. Korea", "Gen. Kim").
    """
    summary = _lead(summary)
    stems: list[str] = []
    sentence: list[int] = []
    in_title: list[bool] = []
    cache = _raw_cache  # surface word (any case) -> stem: one lookup per token when warm
    add_stem = stems.append
    add_sentence = sentence.append
    clause: list[int] = []
    add_clause = clause.append
    sent = 0
    part_no = 0
    for part, is_title in ((title, True), (summary, False)):
        prev = ""
        text = _prepare(part)
        for raw in (_ASCII_TOKEN if text.isascii() else _TOKEN).findall(text):
            stemmed = cache.get(raw)
            if stemmed is None:
                if raw in _BREAKS:
                    if raw != "." or not (
                        (len(prev) == 1 and prev.isupper()) or prev.lower() in _ABBREVIATIONS
                    ):
                        sent += 1
                        part_no += 1
                    prev = raw
                    continue
                if raw in _CLAUSE_BREAKS:
                    part_no += 1
                    prev = raw
                    continue
                stemmed = _stem_raw(raw)
            add_stem(stemmed)
            add_sentence(sent)
            add_clause(part_no)
            prev = raw
        in_title.extend([is_title] * (len(stems) - len(in_title)))
        sent += 1
        part_no += 1
    return Tokens(tuple(stems), tuple(sentence), tuple(in_title), tuple(clause))


def stem_set(title: str, summary: str) -> frozenset[str]:
    """The stems `tokenize` would give, as a set: what a text could match, for a quick
    look before the full pass (no positions, no sentences: about half the cost)."""
    summary = _lead(summary)
    out: set[str] = set()
    for part in (title, summary):
        text = _prepare(part)
        words = set((_ASCII_WORD if text.isascii() else _WORD).findall(text))
        found = list(map(_raw_cache.get, words))
        if None in found:
            out.update(
                f if f is not None else _stem_raw(w) for f, w in zip(found, words, strict=True)
            )
        else:
            out.update(found)  # type: ignore[arg-type]
    return frozenset(out)


def _lead(summary: str) -> str:
    """The part of a summary that is classified: its first MAX_SUMMARY_CHARS, cut at a space."""
    if len(summary) <= MAX_SUMMARY_CHARS:
        return summary
    cut = summary.rfind(" ", 0, MAX_SUMMARY_CHARS)
    return summary[: cut if cut > 0 else MAX_SUMMARY_CHARS]


def _stem_raw(raw: str) -> str:
    stemmed = stem(raw.lower())
    if len(_raw_cache) < 200_000:
        _raw_cache[raw] = stemmed
    return stemmed


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


def matched_words(text: str, phrase: str) -> str | None:
    """The words of `text` that a rule's phrase matches, as the text writes them ("test-fired"
    for the phrase "test fire"), or None when the phrase is not in it (a near rule's name)."""
    wanted = pattern_stems(phrase)
    if not wanted:
        return None
    prepared = _prepare(text)
    words = list(_WORD.finditer(prepared))
    stems = [_stem_raw(w.group()) for w in words]
    size = len(wanted)
    for i in range(len(stems) - size + 1):
        if all(token_fits(wanted[k], stems[i + k]) for k in range(size)):
            return prepared[words[i].start() : words[i + size - 1].end()]
    at = prepared.casefold().find(phrase.casefold())  # scripts without spaces between words
    return prepared[at : at + len(phrase)] if at >= 0 and phrase.strip() else None
