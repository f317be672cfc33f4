"""Diplomacy that generalises: the alignments of 2023-2026 (issue 18, item 3).

`tests/data/classify_alignments_dev.jsonl` and `..._holdout.jsonl` are the project's own
invented items (English, Korean, Japanese) of the kinds of engagement diplomacy must cover now:
Russia and China visits in either direction, the partnership treaty and its ratification, the
troops officially acknowledged, thanked and decorated, what each side gives, offers and refusals
of talks, inter-Korean measures, detainees, the Council and the sanctions monitoring team; and
the look-alikes that are no diplomacy (battlefield reports about the troops, defectors, passing
mentions, other countries' diplomacy). Labels follow benchmarks/realnews/GUIDELINES.md. The
hold-out was written before any rule was changed for these sets and is not tuned on.
"""

from __future__ import annotations

import pytest

from bot.domain.classify import classify
from bot.domain.classify.text import detect_language
from bot.tools.evaluate import evaluate
from tests.conftest import labelled_set

LABELS = ("missile-test", "diplomacy")
KINDS = {"nk-diplomacy", "nk-test", "nk-other", "other-diplomacy", "hard-negative"}


@pytest.mark.parametrize("split", ["dev", "holdout"])
def test_alignment_sets_have_every_kind_and_language(split: str) -> None:
    examples = labelled_set(f"classify_alignments_{split}.jsonl")
    assert len({e.id for e in examples}) == len(examples)
    assert {e.kind for e in examples} <= KINDS
    assert all(set(e.labels) <= set(LABELS) for e in examples)
    assert all((e.kind == "nk-diplomacy") == (e.labels == ("diplomacy",)) for e in examples)
    negatives = [e for e in examples if not e.labels]
    assert len(negatives) >= len(examples) // 5
    languages = {detect_language(e.title, e.summary) for e in examples}
    assert languages == {"en", "ko", "ja"}


def test_alignment_dev_set_meets_its_target(pack) -> None:
    """The set the new rules were written from: every diplomacy item, no false one."""
    report = evaluate(
        labelled_set("classify_alignments_dev.jsonl"), LABELS, lambda t, s: classify([pack], t, s)
    )
    assert report.labels["diplomacy"].f1 >= 0.97, report.labels["diplomacy"]
    assert report.non_nk_rate == 0.0


def test_alignment_hold_out_stays_above_the_floor(pack) -> None:
    """Not tuned on. Its first 48 items were written before the rules for them (diplomacy 0.86
    with the rules before, 0.94 after), the next 50 after two rounds of them and scored once
    (0.86 with the rules before either round, 0.94 with both), the last 30 after all of them
    (0.88 before, 0.91 after). The floor is a little under the whole set's 0.94. Its few
    launch reports are there as look-alikes for diplomacy; the one item that also gets
    missile-test (Seoul accusing Moscow of giving the North missile technology) is not this
    set's subject."""
    report = evaluate(
        labelled_set("classify_alignments_holdout.jsonl"),
        LABELS,
        lambda t, s: classify([pack], t, s),
    )
    assert report.labels["diplomacy"].f1 >= 0.92, report.labels["diplomacy"]
    assert report.labels["missile-test"].recall == 1.0, report.labels["missile-test"]
    assert report.non_nk_rate == 0.0


@pytest.mark.parametrize(
    ("title", "summary", "rules"),
    [
        (
            "Moscow confirms North Korean troops fought for Russia",
            "The Kremlin said the units had helped retake villages near the border.",
            ["troops acknowledged", "the allies' governments act"],
        ),
        (
            "Putin awards medals to North Korean officers",
            "The decree was published on the Kremlin website.",
            ["troops acknowledged", "the allies' governments act"],
        ),
        (
            "Russia to help North Korea build submarines, Seoul says",
            "South Korea's defence minister said the accord was reached during a recent visit.",
            ["Russia or China gives or agrees"],
        ),
        (
            "Seoul restores military agreement with North Korea",
            "The government said it would bring back the ban on drills near the border.",
            ["inter-Korean measure"],
        ),
        (
            "North Korea sends home Japanese fishermen",
            "The crew of a fishing boat seized last month were handed over at sea, Tokyo said.",
            ["detainee released"],
        ),
        (
            "러시아, 북한군 파병 공식 인정",
            "러시아 국방부는 북한군이 작전에 참여했다고 밝혔다.",
            ["파병·派兵 acknowledged"],
        ),
        (
            "Kim Jong Un says North Korea will stand with Russia in Ukraine war",
            "Speaking at a party meeting, Kim praised Russia's fight against the West.",
            ["ties with Russia or China"],
        ),
        (
            "韓国政府、北朝鮮向け拡声器放送を中断",
            "南北の緊張緩和に向けた措置だと説明した。",
            ["남북·南北 measure"],
        ),
    ],
)
def test_new_alignment_rules_give_diplomacy_and_show_in_the_evidence(
    pack, title: str, summary: str, rules: list[str]
) -> None:
    c = classify([pack], title, summary)
    assert "diplomacy" in c.labels, c.evidence["diplomacy"]
    for rule in rules:
        assert rule in c.evidence["diplomacy"], c.evidence["diplomacy"]


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        # the troops on the battlefield, as the other side or a spy agency reports them (G12)
        (
            "Kyiv confirms North Korean troops killed in drone strikes",
            "Ukraine's army said several soldiers from the North died near the border.",
        ),
        # a comparison with the North's treaty inside another country's diplomacy (G1)
        (
            "Russia and Belarus sign new security pact",
            "The agreement covers air defence, similar to the treaty Moscow signed with North Korea.",
        ),
        # a think tank's analysis of the alignment (G12)
        (
            "Russia and North Korea deepen military ties, think tank says",
            "A report by a Washington institute says Moscow may be sharing technology with Pyongyang.",
        ),
        # tourists are no delegation; a family's plea is what follows a detention at home (G15)
        (
            "Russian tourists return to North Korean ski resort",
            "A tour agency in Vladivostok said the group visited the resort for a week.",
        ),
        (
            "Family of American held in North Korea pleads for his return",
            "His relatives told reporters they had heard nothing from him for months.",
        ),
    ],
)
def test_alignment_look_alikes_get_no_diplomacy(pack, title: str, summary: str) -> None:
    assert "diplomacy" not in classify([pack], title, summary).labels


# The third labelling round's kinds of diplomacy (benchmarks/realnews/GUIDELINES.md, "The third
# round"): a government's sanctions office designating, the Council's action blocked, embassies
# closed, Moscow proposing joint activity. Invented sentences, not the round's items.
@pytest.mark.parametrize(
    ("title", "summary", "rule"),
    [
        (
            "Treasury sanctions North Korean trading firm",
            "The Office of Foreign Assets Control said the firm ran an evasion network.",
            "office of foreign assets control",
        ),
        (
            "Washington accuses Beijing of blocking UN action on North Korea",
            "The remarks came at a press briefing on Tuesday.",
            "UN action",
        ),
        (
            "North Korea closes a number of its embassies",
            "Officials in Seoul said the regime could no longer afford them.",
            "diplomatic missions",
        ),
        (
            "Moscow proposes joint exercises with North Korea",
            "The defence ministry said the two navies could train together next year.",
            "Russia or China gives or agrees",
        ),
    ],
)
def test_third_round_rules_give_diplomacy_and_show_in_the_evidence(
    pack, title: str, summary: str, rule: str
) -> None:
    c = classify([pack], title, summary)
    assert "diplomacy" in c.labels, c.evidence["diplomacy"]
    assert rule in c.evidence["diplomacy"], c.evidence["diplomacy"]


def test_what_images_suggest_is_no_diplomacy(pack) -> None:
    """Imagery read by analysts is a report of transfers, not a move between governments (G12)."""
    c = classify(
        [pack],
        "North Korean shells may be reaching Russia by rail, images suggest",
        "Analysts counted freight wagons at a border station over several weeks.",
    )
    assert "diplomacy" not in c.labels, c.evidence["diplomacy"]


def test_the_group_of_seven_spelt_with_a_hyphen_counts(pack) -> None:
    """Outlets write "G-7" as often as "G7": a statement of the North's on it is on talks (G13)."""
    c = classify(
        [pack],
        "North Korea rebuffs G-7 call to give up its nuclear weapons",
        "The foreign ministry said the arsenal was not up for discussion.",
    )
    assert "diplomacy" in c.labels, c.evidence["diplomacy"]
    assert "g 7" in c.evidence["diplomacy"], c.evidence["diplomacy"]


def test_what_a_launch_defies_is_background(pack) -> None:
    """A launch "in defiance of UN resolutions" names no Council action: it is the news (G0)."""
    c = classify(
        [pack],
        "North Korea fires ballistic missile in defiance of UN resolutions",
        "The missile flew about 600 km before landing in the sea, Seoul said.",
    )
    assert c.labels == ("missile-test",), c.evidence


def test_an_underwater_drone_with_a_word_between_is_a_weapons_test(pack) -> None:
    """An "underwater attack drone" or "underwater nuclear drone" test is a weapons test (G2)."""
    c = classify(
        [pack],
        "North Korea tests underwater strike drone off its east coast",
        "State media said the weapon was tried in waters off the east coast.",
    )
    assert "missile-test" in c.labels, c.evidence["missile-test"]
    assert "underwater * drone" in c.evidence["missile-test"], c.evidence["missile-test"]


# The fourth labelling round's kinds that recur in the first scores of rounds 2 to 4
# (benchmarks/realnews/GUIDELINES.md, "The fourth round"): an ally's commitment to the South's
# defence, the North speaking at the UN or answering the UN Command, the North's partners at its
# own celebrations. Invented sentences, not the round's items.
@pytest.mark.parametrize(
    ("title", "summary", "rule"),
    [
        (
            "US pledges to strengthen South Korean defence against the North",
            "The commitment came as the two presidents met in Washington and agreed on new "
            "consultations.",
            "commitment to an ally's security",
        ),
        (
            "North Korea defends its satellite launch at UN as Kim studies the first photos",
            "",
            "the North at the UN",
        ),
        (
            "Pyongyang replies to UN Command about detained American",
            "The North's answer came through the border channel, officials said.",
            "the North at the UN",
        ),
        (
            "North Korea and its partners Russia and China mark victory day",
            "Kim Jong Un hosted the guests at a banquet in Pyongyang.",
            "ties with Russia or China",
        ),
    ],
)
def test_fourth_round_rules_give_diplomacy_and_show_in_the_evidence(
    pack, title: str, summary: str, rule: str
) -> None:
    c = classify([pack], title, summary)
    assert "diplomacy" in c.labels, c.evidence["diplomacy"]
    assert rule in c.evidence["diplomacy"], c.evidence["diplomacy"]


def test_a_launch_defended_at_the_un_keeps_both_labels(pack) -> None:
    """A statement at the UN defending the North's own launch is both labels (G6, G22)."""
    c = classify([pack], "North Korea defends its satellite launch at UN as Kim studies photos", "")
    assert c.labels == ("missile-test", "diplomacy"), c.evidence


def test_talking_a_claim_down_is_no_talks(pack) -> None:
    """'Talks down' the North's claims is playing them down, like 'talks up': no diplomacy."""
    c = classify(
        [pack],
        "Seoul talks down the North's claims about a new drone",
        "Officials said the unveiled aircraft was probably a mock-up.",
    )
    assert "diplomacy" not in c.labels, c.evidence["diplomacy"]


def test_a_new_weapon_tested_is_a_weapons_test(pack) -> None:
    """KCNA's "tests new weapon", with no system named, is a weapons test (G2)."""
    c = classify(
        [pack],
        "North Korea tests new weapon, state media says",
        "Kim Jong Un watched the trial and praised the scientists.",
    )
    assert "missile-test" in c.labels, c.evidence["missile-test"]
    assert "tests a new weapon" in c.evidence["missile-test"], c.evidence["missile-test"]


# The fifth labelling round's kinds (benchmarks/realnews/GUIDELINES.md, "The fifth round"):
# several of the allies' governments acting together over the North. Invented sentences.
@pytest.mark.parametrize(
    ("title", "summary"),
    [
        (
            "Japan, South Korea, US rebuke North Korea over new launch",
            "The three governments said the firing threatened the whole region.",
        ),
        (
            "S Korea and Japan concerned over North Korean arms shipments",
            "Officials of the two neighbours spoke after reports of rail traffic at the border.",
        ),
        (
            "United States, Japan and South Korea to step up pressure on Pyongyang's hackers",
            "Senior officials met in Tokyo on Friday.",
        ),
    ],
)
def test_several_allied_governments_acting_together_is_diplomacy(
    pack, title: str, summary: str
) -> None:
    """A joint statement or step of several governments over the North is diplomacy (G7, G9)."""
    c = classify([pack], title, summary)
    assert "diplomacy" in c.labels, c.evidence["diplomacy"]
    assert "governments together" in c.evidence["diplomacy"], c.evidence["diplomacy"]


@pytest.mark.parametrize(
    "title",
    [
        "US, South Korea fly fighter jets after North Korean drills",
        "S Korea, US discussing larger joint exercises against the North",
        "US condemns North Korea's latest ballistic missile launch",
    ],
)
def test_allied_drills_and_one_government_condemning_are_not_a_joint_act(pack, title: str) -> None:
    """Drills, flights and their planning are no diplomacy (G7); one government condemning a
    launch is a reaction to the test (G9)."""
    c = classify([pack], title, "")
    assert "governments together" not in c.evidence.get("diplomacy", ()), c.evidence


def test_a_tally_of_launches_is_no_launch_report(pack) -> None:
    """A record number or year of tests counts them; it reports none (G3)."""
    c = classify([pack], "A record year of weapons testing by North Korea unsettles Asia", "")
    assert "missile-test" not in c.labels, c.evidence["missile-test"]
    assert "not: record year of * test" in c.evidence["missile-test"], c.evidence


def test_a_launch_reported_beside_a_tally_keeps_its_label(pack) -> None:
    c = classify(
        [pack],
        "North Korea fires ballistic missile, capping a record number of launches",
        "The missile landed in the sea east of the peninsula, Seoul's military said.",
    )
    assert "missile-test" in c.labels, c.evidence["missile-test"]
