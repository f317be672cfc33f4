"""The bulk classifier's first gate: a text without a pack's subject anchors is passed over
without being tokenised (`bot.domain.classify.pack.subject_anchors`).

The gate is sound only if a stem, cut before the endings the stemmer writes (`word_start`),
starts every word it is the stem of. These tests hold the stemmer to that (hand-picked hard
words, generated words, and every distinct word of the real-news pool where it is rebuilt),
and hold the gate to giving the labels the full pass gives.
"""

from __future__ import annotations

import tomllib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.check_gate import check, read_rows
from bot.domain.classify import classify, load_pack
from bot.domain.classify.engine import _may_mention, _plain_lower, anchors_absent
from bot.domain.classify.pack import subject_anchors, word_start
from bot.domain.classify.text import _OWN_STEMS, quick_words, stem
from bot.validate import Problems
from tests.conftest import ROOT, RULES

PACK = load_pack(tomllib.loads(RULES.read_text(encoding="utf-8")), Problems())
DAYS = ROOT / "benchmarks" / "realnews" / "data" / "days.jsonl"

# words whose stems the stemmer writes letters of its own into
HARD_WORDS = (
    "dying lying tying skies flies cried cries crying happily ability possibility "
    "possibilities capability hoping hoped generalization nationalization criticize critical "
    "critically agreed agreeing sensational conditional vacancy ably probably fully "
    "hopefulness carelessly archaeology electricity rationalize decisive sky news only early "
    "gently singly ugly idly atlas cosmos bias andes skis koreans korean's pyongyang's dprk's "
    "hwasongs kims unification ministries separated families deterrence umbrellas"
).split()


def _starts_its_words(word: str) -> bool:
    return word.startswith(word_start(stem(word)))


def test_a_stem_cut_before_its_written_ending_starts_the_word() -> None:
    bad = [w for w in HARD_WORDS if not _starts_its_words(w.replace("'", ""))]
    assert bad == []
    # the cut is what makes these hold: the stems themselves do not start their words
    assert stem("possibility") == "possibl" and not "possibility".startswith("possibl")
    assert stem("dying") == "die" and stem("cry") == "cri"


def test_the_projects_own_stems_start_their_words() -> None:
    assert _OWN_STEMS and all(k.startswith(word_start(v)) for k, v in _OWN_STEMS.items())


_SUFFIXES = (
    "",
    "s",
    "es",
    "ies",
    "ied",
    "y",
    "ly",
    "ily",
    "ing",
    "ed",
    "ation",
    "ational",
    "ization",
    "ility",
    "ibility",
    "ness",
    "fulness",
    "ous",
    "ously",
    "ive",
    "ivity",
    "ical",
    "icate",
    "ence",
    "ency",
    "ancy",
    "able",
    "ably",
    "ement",
    "li",
    "ogy",
    "er",
    "ism",
)
words = st.builds(
    lambda base, a, b: base + a + b,
    st.text(alphabet="abcdeghiklmnoprstuvwy", min_size=1, max_size=9),
    st.sampled_from(_SUFFIXES),
    st.sampled_from(_SUFFIXES),
)


@settings(max_examples=3000, deadline=None)
@given(words)
def test_generated_words_start_with_their_stems_start(word: str) -> None:
    assert _starts_its_words(word)


def test_the_default_pack_has_anchors_and_passes_noise_over() -> None:
    assert PACK is not None and PACK.anchors
    assert "korea" in PACK.anchors and "kim" in PACK.anchors
    noise = _plain_lower("SpaceX launches Starlink satellites", "The rocket lifted off on time.")
    assert anchors_absent(PACK.anchors, noise)
    # Korean or Japanese text is never passed over by the anchors: its subject is in characters
    assert _plain_lower("북한, 탄도미사일 발사", "") == ""
    # full-width letters are read as the stems read them (NFKC)
    shouted = "NORTH KOREA".translate(_FULL_WIDTH)
    assert "korea" in _plain_lower(f"{shouted} fires", "")
    assert classify([PACK], f"{shouted} fires a ballistic missile", "", explain=False).labels


def test_a_phrase_whose_words_may_all_be_written_otherwise_turns_the_anchors_off() -> None:
    assert subject_anchors(None) is None
    assert subject_anchors((frozenset({"i"}),)) is None  # "y", "ies" ...: no letters are sure
    assert subject_anchors((frozenset({"north", "korea"}), frozenset({"korean"}))) == ("korea",)
    assert subject_anchors((frozenset({"北", "朝", "鮮"}),)) == ()  # characters only


def _surface_forms() -> list[str]:
    assert PACK is not None and PACK.subject_words is not None
    forms: list[str] = []
    for phrase in PACK.subject_words:
        for w in phrase:
            if w.isascii():
                forms += [w, w.upper(), w.title(), w + "s", w + "'s", w + "ies", w + "y", w + "-"]
                forms.append(w.translate(_FULL_WIDTH))  # read as ASCII after NFKC
    return sorted(set(forms))


_FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})
news_like = st.lists(
    st.one_of(
        st.sampled_from(_surface_forms()),
        st.sampled_from(["the", "said", "fires", "missile", "talks", "envoy", "N.", "\u2014"]),
        st.sampled_from(["launch", "ballistic", "summit", "Seoul", "é", "über", ",", "."]),
        st.text(max_size=6),
    ),
    max_size=40,
).map(" ".join)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(news_like, news_like)
def test_a_text_the_anchors_pass_over_cannot_mention_the_subject(title: str, summary: str) -> None:
    assert PACK is not None and PACK.anchors is not None
    if anchors_absent(PACK.anchors, _plain_lower(title, summary)):
        assert not _may_mention(PACK, *quick_words(title, summary))
    assert classify([PACK], title, summary, explain=False).labels == (
        classify([PACK], title, summary).labels
    )


@pytest.mark.skipif(not DAYS.exists(), reason="real-news sets not rebuilt (benchmarks/realnews)")
def test_on_real_whole_days_the_anchors_pass_over_only_what_cannot_mention_the_subject() -> None:
    """Every English entry of the six whole days (13,231), as `benchmarks.check_gate` checks
    them: the words start with their stems' starts, and what the anchors pass over (about four
    in five) has no subject phrase."""
    result = check(read_rows([DAYS]))
    assert result.words > 20_000
    assert result.bad_words == ()
    assert result.broken == ()
    assert result.passed > result.items * 0.6


def test_a_greek_subject_is_found_whatever_the_final_sigma() -> None:
    """Lower-casing a capital sigma depends on its neighbours: a word ending before a full
    stop or an apostrophe is lowered alone with the final form, inside the whole text with the
    other. The anchors and the text use one form, so a pack of a user's own in Greek labels in
    bulk what the full pass labels."""
    data = {
        "name": "greece",
        "subject": {"name": "Athens", "aliases": ["Αθήνας"]},
        "topic": [{"label": "quake", "terms": {"earthquake": 3.0, "quake": 3.0}}],
    }
    pack = load_pack(data, Problems())
    assert pack is not None and pack.anchors is not None
    for title in ("Quake hits near ΑΘΉΝΑΣ\u2019S port", "Quake near ΑΘΉΝΑΣ.quake", "Αθήνας quake"):
        full = classify([pack], title, "")
        assert full.labels, title
        assert classify([pack], title, "", explain=False).labels == full.labels, title
