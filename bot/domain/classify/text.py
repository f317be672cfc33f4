"""Tokenising for the classifier: one pass, stems from a cache, sentence ids for proximity.

"Test-fired", "test fired" and "test fires" all become the stems ``test fire``; "Hwasong-17"
becomes ``hwasong 17``; "N. Korea" stays one sentence. Pure: no I/O, no clock.

Korean and Japanese are read one character at a time: every Hangul syllable, kana and Han
character is a token of its own, so a pack phrase such as "탄도미사일" or "弾道ミサイル" is a
sequence of characters, found inside compounds and before particles ("탄도미사일을", "北朝鮮が")
without a dictionary, on scripts that write words without spaces (README, "Korean and
Japanese").
"""

from __future__ import annotations

import functools
import re
import unicodedata
from bisect import bisect
from dataclasses import dataclass

import snowballstemmer

# Hangul (syllables, jamo), kana (with the long-vowel mark), Han and the iteration mark 々
CJK_CHARS = (
    "\u1100-\u11ff\u3005\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7a3\uf900-\ufaff"
)


def _bounds(ranges: str) -> tuple[int, ...]:
    """A character class's ranges ("a-z" or one character) as sorted code-point bounds: a
    character is in the class when `bisect` puts it at an odd position (`is_cjk`)."""
    out: list[int] = []
    at = 0
    while at < len(ranges):
        span = 3 if ranges[at + 1 : at + 2] == "-" else 1
        out += [ord(ranges[at]), ord(ranges[at + span - 1]) + 1]
        at += span
    return tuple(out)


_CJK_BOUNDS = _bounds(CJK_CHARS)
# the tokens of ASCII text, where [^\W_] is exactly [A-Za-z0-9]: a third faster than the
# general ones (`_Wide.token`)
_ASCII_TOKEN = re.compile(r"[A-Za-z0-9]+|[.!?;,:|]|\s-\s")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")
_ASCII_PHRASE = re.compile(r"[A-Za-z0-9]+|[#*]")  # a rule's phrase in ASCII (pattern_stems)


class _Wide:
    """The expressions over Korean and Japanese characters. Their classes span tens of
    thousands of code points, and compiling them costs ~25 ms: they are compiled when a text
    is first read (`wide()`), not at import, so loading the rule packs (validation, `run
    --once` before its first request) does not wait for them."""

    def __init__(self) -> None:
        # a CJK character alone, or a run of other letters and digits, or a sentence or clause
        # break
        self.token = re.compile(f"[{CJK_CHARS}]|[^\\W_{CJK_CHARS}]+|[.!?;\u3002,:|]|\\s-\\s")
        self.word = re.compile(f"[{CJK_CHARS}]|[^\\W_{CJK_CHARS}]+")  # the same, without breaks
        self.other_word = re.compile(f"[^\\W_{CJK_CHARS}]+")  # words not Korean or Japanese
        self.has_cjk = re.compile(f"[{CJK_CHARS}]")
        # In Korean and Japanese text, punctuation separates words that would otherwise run
        # together ("북, 위성발사" is not "북위", latitude): every punctuation mark but the
        # joining ones (the middle dots of "북·러" and "日・朝", the hyphen of "화성-18형")
        # stays in the stems as a barrier that no phrase can match across. Spaces do not:
        # "위성 발사" and "위성발사" are one.
        self.cjk_token = re.compile(f"[{CJK_CHARS}]|[^\\W_{CJK_CHARS}]+|[^\\w\\s\\-\u00b7\u30fb~]")
        self.hangul = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
        # runs of what is not of a script (see _NOT_LATIN)
        self.not_cjk = re.compile(f"[^{CJK_CHARS}]+")
        self.not_hangul = re.compile("[^\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]+")


@functools.cache
def wide() -> _Wide:
    """The expressions over Korean and Japanese characters, compiled on the first call."""
    return _Wide()


def is_cjk(char: str) -> bool:
    """Whether one character is Hangul, kana or Han (one of CJK_CHARS), without compiling the
    expressions of `wide()`."""
    return bisect(_CJK_BOUNDS, ord(char)) % 2 == 1


_DASHES = str.maketrans(
    {c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"} | {"\u119e": "\u00b7"}
)  # dashes to "-"; the Hangul vowel ㆍ (NFKC makes U+318D U+119E), which Korean writes as a
# middle dot ("북ㆍ미"), to "·"
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
# Snowball gives "criticize" and "critical" one stem ("critic"): the adjective ("talks with
# 'critical allies'", "critical minerals") is then read as a reaction that makes the clause it
# governs main. It keeps a stem of its own.
# the stemmer keeps the "s" of a plural with no vowel before it: "SRBMs", "SLBMs"
_OWN_STEMS = {
    "critical": "critical",
    "critically": "critical",
    "srbms": "srbm",
    "slbms": "slbm",
    "mrbms": "mrbm",
}
_stem_cache: dict[str, str] = {}
_raw_cache: dict[str, str] = {}
_BREAKS = frozenset(".!?;\u3002")
_CLAUSE_BREAKS = frozenset({",", ":", "|", " - "})  # end a clause, not a sentence


def stem(word: str) -> str:
    """The stem of one lower-case word (numbers stay as they are)."""
    cached = _stem_cache.get(word)
    if cached is None:
        cached = _OWN_STEMS.get(word)
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
    cjk: bool = False  # some part was Korean or Japanese (read by characters, not words)


_DASH_CHARS = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u119e"


def _prepare(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text
    # str.translate looks up every character of a non-ASCII text: replacing the few that occur
    # is several times faster on Korean and Japanese text, for the same result
    for c in _DASH_CHARS:
        if c in text:
            text = text.translate(_DASHES)
            break
    return text


MAX_SUMMARY_CHARS = 1200  # the lead carries the news; long bodies cost time and add noise


def tokenize(title: str, summary: str) -> Tokens:
    """Tokenise the title, then the summary's first MAX_SUMMARY_CHARS (cut at a space).

    The title is always a sentence of its own. A sentence ends at . ! ? ; except after a
    single capital or a known abbreviation ("N. Korea", "Gen. Kim").
    """
    summary = lead(summary)
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
    cjk = False
    for part, is_title in ((title, True), (summary, False)):
        prev = ""
        text = _prepare(part)
        if not text.isascii() and wide().has_cjk.search(text) and _mostly_cjk(text):
            if stems:
                add_stem(_BARRIER)  # a phrase does not run on from the title into the summary
                add_sentence(sent)
                add_clause(part_no)
            cjk = True
            sent, part_no = _tokenize_cjk(text, sent, part_no, stems, sentence, clause)
            in_title.extend([is_title] * (len(stems) - len(in_title)))
            sent += 1
            part_no += 1
            continue
        for raw in (_ASCII_TOKEN if text.isascii() else wide().token).findall(text):
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
                if raw in _CLAUSE_BREAKS or raw.strip() == "-":  # also "\n-\n", "\t- "
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
    return Tokens(tuple(stems), tuple(sentence), tuple(in_title), tuple(clause), cjk)


_CJK_BREAK = re.compile("[.!?;\u3002]")
_BARRIER = "|"


def _mostly_cjk(text: str) -> bool:
    """A part written in Korean or Japanese (read by characters), not an English one that
    quotes a name or a place in Hangul or kana, "Kim Jong Un (김정은)": that one keeps the
    English reading (sentences, clauses, "N. Korea"), its CJK characters single tokens."""
    return _script_language(text) in ("ko", "ja", "zh")


# apart from _raw_cache: its punctuation stems are barriers here, and a sentence break is "|"
_cjk_cache: dict[str, str] = dict.fromkeys(_BREAKS, _BARRIER)


def _tokenize_cjk(
    text: str,
    sent: int,
    part_no: int,
    stems: list[str],
    sentence: list[int],
    clause: list[int],
) -> tuple[int, int]:
    """Tokens of a part with Korean or Japanese in it: characters, words and barriers.

    A punctuation mark is kept as its own stem, which no pack phrase contains: a barrier. A
    sentence break is one too (the stem "|", from the cache), and starts the next sentence
    (and clause). One `findall` over the whole part; only a part with a sentence break in it
    is walked, break by break.
    """
    raws = wide().cjk_token.findall(text)
    found = list(map(_cjk_cache.get, raws))
    if None in found:
        found = [f if f is not None else _stem_cjk(r) for f, r in zip(found, raws, strict=True)]
    stems.extend(found)  # type: ignore[arg-type]
    done = 0
    if _CJK_BREAK.search(text) is not None:
        for at in [i for i, r in enumerate(raws) if r in _BREAKS]:
            sentence.extend([sent] * (at + 1 - done))  # the barrier ends its sentence
            clause.extend([part_no] * (at + 1 - done))
            sent += 1
            part_no += 1
            done = at + 1
    sentence.extend([sent] * (len(raws) - done))
    clause.extend([part_no] * (len(raws) - done))
    return sent, part_no


def _stem_cjk(raw: str) -> str:
    stemmed = stem(raw.lower())
    if len(_cjk_cache) < 200_000:
        _cjk_cache[raw] = stemmed
    return stemmed


def stem_set(title: str, summary: str) -> frozenset[str]:
    """The stems `tokenize` would give, as a set: what a text could match, for a quick
    look before the full pass (no positions, no sentences: about half the cost)."""
    words, parts = _quick(title, summary)
    return frozenset(words.union(*parts))


def quick_words(title: str, summary: str) -> tuple[set[str], str]:
    """`stem_set` in two parts: the stems of the words that are not Korean or Japanese, and
    the text of the parts with Korean or Japanese in them ("" when none has).

    In those parts every character is a stem of its own, so a stem of one character is in
    the set when it is in that text: `s in words or (len(s) == 1 and s in chars)` asks what
    `s in stem_set(...)` asks, without building a string for each character (the parts are
    joined by a line break, which is no stem).
    """
    words, parts = _quick(title, summary)
    return words, "\n".join(parts)


def _quick(title: str, summary: str) -> tuple[set[str], list[str]]:
    summary = lead(summary)
    out: set[str] = set()
    chars: list[str] = []
    rx = wide()
    for part in (title, summary):
        text = _prepare(part)
        if text.isascii():
            words = set(_ASCII_WORD.findall(text))
        elif rx.has_cjk.search(text):
            chars.append(text)
            words = set(rx.other_word.findall(text))
        else:
            words = set(rx.word.findall(text))
        found = list(map(_raw_cache.get, words))
        if None in found:
            out.update(
                f if f is not None else _stem_raw(w) for f, w in zip(found, words, strict=True)
            )
        else:
            out.update(found)  # type: ignore[arg-type]
    return out, chars


def lead(summary: str) -> str:
    """The part of a summary that is classified: its first MAX_SUMMARY_CHARS, cut at a space."""
    if len(summary) <= MAX_SUMMARY_CHARS:
        return summary
    cut = summary.rfind(" ", 0, MAX_SUMMARY_CHARS)
    return summary[: cut if cut > 0 else MAX_SUMMARY_CHARS]


def _stem_raw(raw: str) -> str:
    """The stem of a word as the text writes it (any case), through `_raw_cache`. The hot loops
    of `tokenize` and `_quick` look the cache up themselves first and call this on a miss."""
    stemmed = _raw_cache.get(raw)
    if stemmed is not None:
        return stemmed
    stemmed = stem(raw.lower())
    if len(_raw_cache) < 200_000:
        _raw_cache[raw] = stemmed
    return stemmed


def pattern_stems(pattern: str) -> tuple[str, ...]:
    """A rule's phrase as stems. ``#`` stands for any number, ``*`` for any one word."""
    text = _prepare(pattern)
    found = _ASCII_PHRASE.findall(text) if text.isascii() else _phrase_tokens(text)
    return tuple(raw if raw in "#*" else stem(raw.lower()) for raw in found)


def _phrase_tokens(text: str) -> list[str]:
    """What `[CJK]|[^\\W_CJK]+|[#*]` finds (a CJK character alone, a run of other letters and
    digits, a wildcard), read character by character: a pack's phrases are short, and loading
    them then needs none of the wide expressions (`wide()`). In ASCII, `_ASCII_PHRASE` is the
    same expression."""
    out: list[str] = []
    run = ""
    for c in text:
        if c.isalnum() and not is_cjk(c):  # [^\W_]: a letter or digit; "_" is not alnum
            run += c
            continue
        if run:
            out.append(run)
            run = ""
        if is_cjk(c) or c in "#*":
            out.append(c)
    if run:
        out.append(run)
    return out


def token_fits(pattern_token: str, stem_: str) -> bool:
    if pattern_token == "#":
        return bool(_NUMBER.fullmatch(stem_))
    return pattern_token == "*" or pattern_token == stem_


@functools.lru_cache(maxsize=8)
def _stemmed_words(text: str) -> tuple[str, tuple[re.Match[str], ...], tuple[str, ...]]:
    """A text prepared, its words and their stems: an alert's explanation asks `matched_words`
    about several phrases of one text."""
    prepared = _prepare(text)
    words = tuple(wide().word.finditer(prepared))
    return prepared, words, tuple(_stem_raw(w.group()) for w in words)


def matched_words(text: str, phrase: str) -> str | None:
    """The words of `text` that a rule's phrase matches, as the text writes them ("test-fired"
    for the phrase "test fire"), or None when the phrase is not in it (a near rule's name)."""
    wanted = pattern_stems(phrase)
    if not wanted:
        return None
    prepared, words, stems = _stemmed_words(text)
    size = len(wanted)
    first = wanted[0]
    wild = first in ("#", "*")
    for i in range(len(stems) - size + 1):
        if (wild or stems[i] == first) and all(
            token_fits(wanted[k], stems[i + k]) for k in range(size)
        ):
            return prepared[words[i].start() : words[i + size - 1].end()]
    at = prepared.casefold().find(phrase.casefold())  # scripts without spaces between words
    return prepared[at : at + len(phrase)] if at >= 0 and phrase.strip() else None


_KANA = re.compile("[\u3040-\u309f\u30a1-\u30fa\u31f0-\u31ff]")  # not the long-vowel mark
_LATIN = re.compile("[A-Za-z\u00c0-\u024f]")
# What is not of a script, in runs: `len(X.sub("", text))` counts a script's letters in one C
# pass, without the list of one-character strings `findall` would build (a third the cost).
_NOT_LATIN = re.compile("[^A-Za-z\u00c0-\u024f]+")
_NOT_KANA = re.compile("[^\u3040-\u309f\u30a1-\u30fa\u31f0-\u31ff]+")


def detect_language(title: str, summary: str) -> str:
    """The item's language by its script: "ko", "ja", "zh", "en" (any Latin script) or "und".

    Kana mark Japanese and Hangul marks Korean, so a script count tells the three apart more
    reliably than a statistical detector on a headline; an English report that quotes a name
    in Hangul stays English (CJK must be a fifth of its letters).
    """
    text = f"{title} {summary[:300]}"  # the script of a headline and a lead is plenty
    if text.isascii():
        return "en" if _LATIN.search(text) else "und"
    return _script_language(text)


def _script_language(text: str) -> str:
    """`detect_language` of a text that is not ASCII."""
    has_latin = _LATIN.search(text) is not None
    rx = wide()
    if rx.has_cjk.search(text) is None:
        return "en" if has_latin else "und"
    if has_latin and len(rx.not_cjk.sub("", text)) * 4 < len(_NOT_LATIN.sub("", text)):
        return "en"
    hangul = rx.hangul.search(text) is not None
    kana = _KANA.search(text) is not None
    if hangul and kana:  # both scripts: the one with more letters
        kana_n = len(_NOT_KANA.sub("", text))
        return "ja" if kana_n >= len(rx.not_hangul.sub("", text)) else "ko"
    if kana:
        return "ja"
    if hangul:
        return "ko"
    return "zh"
