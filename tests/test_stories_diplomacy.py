"""Distinct diplomacy events of one fortnight that share their actors, and the follow-ups that
belong with them.

tests/data/stories_alignment.jsonl is an invented set (written for these tests; no outlet's
text): a Russian minister's visit, North Korea's acknowledgment of its troops in Russia, the
anniversary of their treaty and a security chief's visit within a week; an offer of talks by a
US president, Kim Yo Jong's statement rejecting them and a foreign ministry statement on
sanctions; a Security Council meeting and a sanctions monitors' report; the South's loudspeakers
switched off and the North's taken down, leaflets, the hotline; Kim's trip to Beijing, the
parade, his summit with Xi and a Chinese delegation in Pyongyang. Each event has reports from
several outlets, some in Korean or Japanese, and its follow-ups (the next day's state media
account of a visit, "wraps up visit", a reaction naming the event).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.stories import compatible, extract_facts
from bot.tools.evaluate import StoryExample, assign_stories, evaluate_stories
from tests.conftest import DATA
from tests.realdata import read_set

SET = DATA / "stories_alignment.jsonl"
# A second invented set, written after the first rules for diplomacy to measure them on text
# they were not made for (B-cubed 0.776 / 0.720 then; 0.700 / 0.627 before any): a foreign
# minister in Moscow, a defence minister in Pyongyang, allied drills and the North's warning,
# sanctions on arms shipments, a Council statement blocked, Japan's summit offer and Kim Yo
# Jong's answer, fishermen sent home, a leader's message
MORE = DATA / "stories_alignment_more.jsonl"
# A third, written after the second round (B-cubed 0.935 / 0.870 then, 0.878 / 0.768 before
# issue 19e): a president's offer of talks and the envoy of another side saying the same the
# next day, her answer, a foreign minister in Beijing and a leader's letter, more troops sent
# and the fallen honoured, tourists at a resort, a Council meeting on human rights
THIRD = DATA / "stories_alignment_third.jsonl"


def _examples(path: Path = SET) -> list[StoryExample]:
    return read_set(path)


@pytest.fixture(scope="module")
def story() -> dict[str, str]:
    """Report id -> story id, the set fed through a story index in publication order."""
    return assign_stories(_examples())


def test_the_set_has_many_events_with_shared_actors() -> None:
    examples = _examples()
    events = {e.event for e in examples}
    assert len(examples) >= 50 and len(events) >= 15
    assert all(sum(e.event == ev for e in examples) >= 2 for ev in events)
    assert any("\uac00" <= c <= "\ud7a3" for e in examples for c in e.title)  # Korean
    assert any("\u3040" <= c <= "\u30ff" for e in examples for c in e.title)  # Japanese


def test_the_alignment_set_targets() -> None:
    report = evaluate_stories(_examples())
    assert report.bcubed_precision >= 0.98, report.merged[:5]
    assert report.bcubed_recall >= 0.95, report.split[:5]


def test_the_second_set() -> None:
    report = evaluate_stories(_examples(MORE))
    # the allies' drills and the North's warning about them are labelled two events but join
    # (a reaction naming an event joins it): the one known merge
    assert report.bcubed_precision >= 0.94, report.merged[:5]
    assert report.bcubed_recall >= 0.95, report.split[:5]
    story = assign_stories(_examples(MORE))
    assert story["h003"] == story["h006"] == story["h007"] == story["h008"]  # Choe in Moscow
    assert story["h020"] == story["h025"]  # the defence minister arrives; "ends trip"
    assert story["h003"] != story["h014"]  # talks in Moscow; Japan's offer of a summit
    assert story["h014"] != story["h015"]  # the offer; Kim Yo Jong's answer to it


def test_the_third_set() -> None:
    report = evaluate_stories(_examples(THIRD))
    assert report.bcubed_precision >= 0.98, report.merged[:5]
    assert report.bcubed_recall >= 0.98, report.split[:5]
    story = assign_stories(_examples(THIRD))
    assert story["t001"] != story["t006"]  # Seoul's offer of talks; the US envoy's the next day
    assert story["t006"] == story["t007"]
    assert story["t015"] != story["t018"]  # more troops sent; the fallen honoured a day on
    assert story["t020"] == story["t021"]  # the tourists arrive, in Japanese
    # "China, Russia object as Security Council discusses ...": no launch, so the Council's
    assert story["t022"] == story["t023"]


@pytest.mark.parametrize(
    ("a", "b", "why"),
    [
        ("a010", "a016", "the minister wraps up his visit; the host acknowledges its troops"),
        ("a004", "a012", "the leader receives the minister; his sister rejects talks with the US"),
        ("a013", "a007", "her statement rejecting the offer is not the offer"),
        ("a015", "a007", "the answer to her statement is not the offer either"),
        ("a023", "a025", "a statement on US sanctions; the sanctions monitors' report"),
        ("a023", "a027", "a statement on US sanctions; the treaty's anniversary"),
        (
            "a019",
            "a030",
            "the Russian leader thanks the troops; he greets the treaty's anniversary",
        ),
        ("a034", "a016", "the security chief agrees on builders for Kursk; the troops there"),
        ("a040", "a037", "the North takes its loudspeakers down; the South switched its off"),
        ("a049", "a046", "the parade; the leader's arrival the day before"),
        ("a048", "a051", "the parade; the summit the next day"),
        ("a055", "a051", "a Chinese delegation in Pyongyang; the summit in Beijing"),
    ],
)
def test_distinct_events_with_shared_actors_stay_apart(
    story: dict[str, str], a: str, b: str, why: str
) -> None:
    assert story[a] != story[b], why


@pytest.mark.parametrize(
    ("a", "b", "why"),
    [
        ("a001", "a004", "state media's account the next day of the leader receiving him"),
        ("a001", "a010", "'wraps up visit' two days on"),
        ("a001", "a011", "the same in Japanese"),
        ("a032", "a035", "the security chief's talks as state media tell them the next day"),
        ("a032", "a036", "the same in Japanese"),
        ("a012", "a014", "her statement in Korean"),
        ("a012", "a015", "the White House's answer naming her statement"),
        ("a016", "a018", "the troops acknowledged, in Korean"),
        ("a016", "a019", "the Russian leader's thanks for the troops, hours later"),
        ("a016", "a020", "the South's reaction naming the North's acknowledgment"),
        ("a027", "a031", "the treaty's anniversary, in Japanese"),
        ("a037", "a039", "the loudspeakers switched off, in Korean"),
        ("a044", "a045", "the hotline unanswered, in Korean"),
        ("a048", "a049", "the parade told without the word 'parade' in the headline"),
        ("a055", "a056", "the premier arrives; the leader meets him hours later"),
    ],
)
def test_follow_ups_of_one_event_join(story: dict[str, str], a: str, b: str, why: str) -> None:
    assert story[a] == story[b], why


@pytest.mark.parametrize(
    ("title", "acts"),
    [
        ("Lavrov wraps up North Korea visit", {"meeting"}),
        ("North Korea acknowledges sending troops to fight for Russia", {"troops"}),
        ("Kim hails 'invincible' alliance with Russia on treaty anniversary", {"treaty"}),
        ("Kim Yo Jong says North Korea has no interest in talks with US", {"statement"}),
        ("Seoul police block balloon launch of anti-Pyongyang leaflets", {"leaflets"}),
        ("군, 대북 확성기 방송 중단", {"loudspeakers"}),
        ("北朝鮮とロシア、包括的戦略パートナーシップ条約の締結1年", {"treaty"}),
    ],
)
def test_the_act_of_a_diplomatic_headline(title: str, acts: set[str]) -> None:
    facts = extract_facts(title, "")
    assert set(facts.acts) == acts
    assert facts.kind == "meeting"  # a balloon launch is no missile launch


def test_russias_own_security_council_is_not_the_un() -> None:
    facts = extract_facts("Russia's Security Council secretary Shoigu arrives in Pyongyang", "")
    assert facts.kind == "meeting" and "shoigu" in facts.parties


def test_a_visit_may_be_dated_over_a_weekend_but_not_longer() -> None:
    arrival = extract_facts(
        "Lavrov arrives in North Korea",
        "Sergei Lavrov landed in Wonsan on Saturday, his ministry said.",
    )
    received = extract_facts(
        "Kim Jong Un receives Lavrov", "Kim Jong Un received Sergei Lavrov on Monday, KCNA said."
    )
    later = extract_facts(
        "Kim Jong Un receives Lavrov", "Kim Jong Un received Sergei Lavrov on Tuesday, KCNA said."
    )
    assert compatible(arrival, received)  # Saturday to Monday: two days
    assert not compatible(arrival, later)
