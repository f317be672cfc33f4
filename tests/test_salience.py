"""Salience: a label for what an item is mainly about, not for every topic it mentions.

The items are written for these tests (realistic, not copied). Each case is one the default pack
got wrong before salience: a test named in a subordinate clause, another country's launch, a
meeting mentioned in passing, a photo caption as the "lead", a Russia visit or a release.
"""

from __future__ import annotations

import tomllib

import pytest

from bot.domain.classify import classify, load_pack, text
from bot.domain.classify.pack import RulePack
from bot.domain.classify.text import tokenize
from bot.validate import Problems
from tests.conftest import RULES


@pytest.fixture(scope="module")
def pack() -> RulePack:
    problems = Problems()
    loaded = load_pack(tomllib.loads(RULES.read_text()), problems)
    assert loaded is not None, problems.items
    return loaded


CASES = [
    # (title, summary, labels)
    (
        "North Korea fires ballistic missile toward East Sea, Seoul says",
        "North Korea fired a short-range ballistic missile off its east coast on Tuesday, the "
        "Joint Chiefs of Staff said, a day after envoys from Seoul and Washington met in Tokyo.",
        {"missile-test"},
    ),
    (
        "Pyongyang test-fires cruise missiles as vice minister rebuffs Tokyo summit offer",
        "The launches came hours after a vice foreign minister said talks with Japan were of no interest.",
        {"missile-test"},
    ),
    (
        "US envoy urges North Korea to return to talks without preconditions",
        "Speaking in Seoul, the special representative said Washington remained open to "
        "dialogue, weeks after Pyongyang tested an intercontinental ballistic missile.",
        {"diplomacy"},
    ),
    (
        "South Korea launches its first military spy satellite",
        "The rocket lifted off from California carrying a satellite meant to watch North Korea.",
        set(),
    ),
    (
        "Japan condemns North Korea's ballistic missile launch as 'unacceptable'",
        "Tokyo lodged a protest through diplomatic channels in Beijing, the chief cabinet "
        "secretary said.",
        {"missile-test", "diplomacy"},  # an official reaction, and a diplomatic act
    ),
    (
        "UN Security Council meets after North Korea's ICBM launch",
        "Members were split on a US push for new sanctions on Pyongyang.",
        {"missile-test", "diplomacy"},
    ),
    (
        "Allied warships arrive in Busan in show of strength",
        "A US carrier group docked in South Korea on Monday. North Korea has tested a record "
        "number of ballistic missiles this year.",
        set(),
    ),
    (
        "Kim Jong Un greets Russian defence minister Shoigu in Pyongyang",
        "The visit for the armistice anniversary deepens military ties between Moscow and North Korea, state media said.",
        {"diplomacy"},
    ),
    (
        "North Korea to expel detained US soldier after weeks of contacts",
        "The private crossed the border in July; Pyongyang said it would hand him over.",
        {"diplomacy"},
    ),
    (
        "Seoul lawmakers debate defence budget",
        "A South Korean soldier watches a screen showing file footage of a North Korean missile "
        "launch at a station in Seoul, Oct. 4, 2022. (Photo via Getty Images)",
        set(),
    ),
    (
        "Kim Jong Un bans birthday parties during mourning week",
        "Citizens were told to observe the anniversary of his father's death in silence.",
        set(),
    ),
    # a government's warning or call is a diplomatic act, besides a reaction to the test
    (
        "US, Japan and South Korea warn North Korea against conducting a nuclear test",
        "Officials of the three governments said any test would meet a response of "
        "unparalleled scale.",
        {"missile-test", "diplomacy"},
    ),
    (
        "Washington urges Pyongyang to drop its satellite launch plan",
        "State Department officials said a launch would breach council resolutions.",
        {"missile-test", "diplomacy"},
    ),
    # benchmarks/realnews/GUIDELINES.md G12: arms for Russia, as a government reports them
    (
        "Pyongyang has shipped artillery shells to Russia, White House says",
        "A spokesman said North Korea sent several trainloads of munitions to Moscow last month.",
        {"diplomacy"},
    ),
    (
        "Moscow seeks an arms-for-food deal with North Korea, US officials say",
        "Russia has offered grain in exchange for rockets and shells, the officials said.",
        {"diplomacy"},
    ),
    # G7: an allied pact over the North
    (
        "Biden and Yoon sign Washington Declaration to deter North Korea",
        "The two presidents agreed to set up a nuclear consultative group.",
        {"diplomacy"},
    ),
    # G3: a year's plans are not a test
    (
        "North Korea says it will launch three new spy satellites in 2024",
        "Kim Jong Un set out the goals at a party meeting that closed on Sunday.",
        set(),
    ),
    # G5: an event after the launch that is no reaction to it
    (
        "Allies issue cybersecurity advisory following North Korean satellite launch",
        "The advisory warns of phishing campaigns by a hacking group linked to Pyongyang.",
        set(),
    ),
    # North Korea only in the title's background clause, and the lead a photo caption
    (
        "Pentagon chief to hold talks with Asian allies amid North Korea threats",
        "The defense secretary speaks at a news conference in Washington on May 2. "
        "(Photo by A. Photographer/AFP via Getty Images)",
        set(),
    ),
    # the title reports sanctions: the lead's tests are their background
    (
        "US sanctions shipping firms in new North Korea coal measures",
        "The Treasury is bracing for Pyongyang to carry out a nuclear test, officials said. "
        "North Korea has fired dozens of ballistic missiles this year.",
        {"diplomacy"},
    ),
    # other countries' summit: North Korea only in the lead's background
    (
        "Yoon arrives in Tokyo for summit talks with Kishida",
        "The leaders are expected to discuss wartime labour and trade amid threats posed by "
        "North Korea and China.",
        set(),
    ),
    (
        "Yoon arrives in Tokyo for summit talks with Kishida",
        "The two leaders will discuss North Korea's nuclear programme.",
        {"diplomacy"},
    ),
    # a title without the North's name, but with its test, is about North Korea
    (
        "UN caps fuel imports a week after hydrogen bomb test",
        "The Security Council adopted the measures in response to North Korea's sixth "
        "nuclear test.",
        {"missile-test", "diplomacy"},
    ),
]

ROUND2 = [
    # round 2 of the real-news tuning (benchmarks/realnews/GUIDELINES.md): missions closed,
    # messages to Moscow, the allies' deterrence pacts, and what is no diplomatic act
    (
        "North Korea shuts its embassies in Spain and Hong Kong",
        "The foreign ministry said the closures would let it use its diplomatic resources more "
        "efficiently.",
        {"diplomacy"},
    ),
    (
        "North Korea commends Moscow in a holiday message",
        "The message from Pyongyang praised Russia's struggle and promised solidarity.",
        {"diplomacy"},
    ),
    (
        "Washington and Seoul agree to strengthen extended deterrence",
        "The allies will hold regular talks on nuclear planning, officials in Seoul said.",
        {"diplomacy"},
    ),
    (
        "North Korea slams allies' new nuclear pact as 'dangerous'",
        "A foreign ministry statement said the agreement between Washington and Seoul would "
        "bring the peninsula closer to war.",
        set(),
    ),
    (
        "US and South Korea warn of North Korean hackers exploiting a zero-day flaw",
        "The joint advisory describes malware aimed at defence contractors.",
        set(),
    ),
    (
        "Kim oversees drill simulating a nuclear counterattack",
        "State media said the exercise rehearsed the North Korean army's response to an enemy "
        "attack.",
        set(),
    ),
]


@pytest.mark.parametrize(("title", "summary", "labels"), CASES + ROUND2)
def test_labels_follow_what_the_item_is_mainly_about(
    pack: RulePack, title: str, summary: str, labels: set[str]
) -> None:
    c = classify([pack], title, summary)
    assert set(c.labels) == labels, c.evidence


def test_evidence_says_why_a_label_was_withheld(pack: RulePack) -> None:
    title, summary, _ = CASES[2]
    c = classify([pack], title, summary)
    assert c.labels == ("diplomacy",)
    assert c.scores["missile-test"] >= 4.0  # enough terms, but in passing
    assert any(e.startswith("mentioned in passing") for e in c.evidence["missile-test"])
    assert "main clause of the title" in c.evidence["diplomacy"]


def test_evidence_names_another_countrys_launch(pack: RulePack) -> None:
    title, summary, _ = CASES[3]
    c = classify([pack], title, summary)
    assert (
        "mentioned in passing: another country's or company's launch"
        in (c.evidence["missile-test"])
    )


def test_bulk_classification_gives_the_same_labels(pack: RulePack) -> None:
    for title, summary, labels in CASES + ROUND2:
        assert set(classify([pack], title, summary, explain=False).labels) == labels


def test_clauses_break_at_commas_and_colons_not_in_stems() -> None:
    t = tokenize("Seoul: North fires missile, report says", "")
    assert t.stems == ("seoul", "north", "fire", "missil", "report", "say")
    assert t.clause[0] != t.clause[1] and t.clause[1] == t.clause[3] != t.clause[4]
    assert set(t.sentence) == {0}


def test_a_pack_without_salience_labels_by_score_alone(pack: RulePack) -> None:
    """Other packs (and old ones) keep the plain threshold rule."""
    data = tomllib.loads(RULES.read_text())
    data.pop("salience")
    for topic in data["topic"]:
        topic.pop("events", None)
        topic.pop("head_min", None)
    plain = load_pack(data, Problems())
    assert plain is not None and not plain.salience.enabled
    title, summary, _ = CASES[2]
    assert set(classify([plain], title, summary).labels) == {"missile-test", "diplomacy"}


def test_any_spaced_dash_breaks_a_clause() -> None:
    tokens = tokenize("x", "said\n-\nlaunch")
    assert tokens.stems == ("x", "said", "launch")
    assert tokens.clause[1] != tokens.clause[2]


def test_a_government_reacts_only_when_it_is_named_before_its_act(pack: RulePack) -> None:
    """A government named after the act ("North Korea urges US") is not reacting: ordered."""
    title, summary = "North Korea urges US to drop hostile policy", "State media said so."
    assert "diplomacy" not in classify([pack], title, summary).labels
    data = tomllib.loads(RULES.read_text())
    diplomacy = next(t for t in data["topic"] if t["label"] == "diplomacy")
    rule = next(n for n in diplomacy["near"] if n["name"] == "government reacts")
    rule["ordered"] = False
    unordered = load_pack(data, Problems())
    assert unordered is not None
    assert "diplomacy" in classify([unordered], title, summary).labels


def test_a_near_rule_s_unless_phrase_cancels_the_word_it_holds(pack: RulePack) -> None:
    """`unless`: a first or second word inside one of the rule's longer phrases counts for
    nothing ("US soldier" is no government reacting); without the list the pair counts."""
    title, summary = "North Korea says US soldier blamed poor treatment for his flight", ""
    assert "diplomacy" not in classify([pack], title, summary).labels
    guard = "Washington blames North Korea for silence on detained US soldier"
    assert "diplomacy" in classify([pack], guard, summary).labels
    data = tomllib.loads(RULES.read_text())
    diplomacy = next(t for t in data["topic"] if t["label"] == "diplomacy")
    rule = next(n for n in diplomacy["near"] if n["name"] == "government reacts")
    del rule["unless"]
    without = load_pack(data, Problems())
    assert without is not None
    assert "diplomacy" in classify([without], title, summary).labels


def test_evidence_says_when_the_title_reports_another_label(pack: RulePack) -> None:
    title, summary, _ = CASES[-4]
    c = classify([pack], title, summary)
    assert "mentioned in passing: the title is about another label" in c.evidence["missile-test"]
    title, summary, _ = CASES[-3]
    c = classify([pack], title, summary)
    assert "mentioned in passing: North Korea not in the title or lead" in c.evidence["diplomacy"]


def test_evidence_names_the_norths_denunciation(pack: RulePack) -> None:
    """A diplomacy label withheld from a threat or denunciation says so (GUIDELINES.md, G13)."""
    title, summary, _ = ROUND2[3]
    c = classify([pack], title, summary)
    assert "not: the North denounces" in c.evidence["diplomacy"]


# GUIDELINES G7: a meeting or statement about several adversaries at once is diplomacy only
# when North Korea is its main subject. The default pack leaves `adversity` unset (it cost a
# true label on the hold-out); a pack that sets it reads the North in such a list as background.
ADVERSITY = [
    "threat", "threats", "aggression", "crisis", "crises", "challenge", "challenges", "danger",
    "dangers", "risk", "risks", "menace", "posed by", "counter",
]  # fmt: skip

ADVERSARIES = [
    # (title, summary): diplomacy withheld, the North one adversary among several
    ("EU foreign ministers to weigh Russia, China, North Korea risks at Brussels meeting", ""),
    (
        "Canada's prime minister visits Seoul to deepen ties",
        "The two leaders discussed the challenges posed by North Korea and China, officials said.",
    ),
]

PARTNERS = [
    # (title, summary): still diplomacy, the North a partner or the meeting's own subject
    ("China and North Korea pledge closer ties at Beijing talks", ""),
    ("Putin and Kim sign mutual defence pact in Pyongyang", ""),
    ("Allies clash with Russia, China at UN over North Korea's missile launch", ""),
    ("Envoys meet in Geneva to defuse US-North Korea crisis", ""),
    ("Seoul and Tokyo leaders discuss North Korea threat at summit", ""),
    ("Lavrov to visit North Korea and China next week", ""),
    ("Envoys resume talks, facing new challenges for Washington and Pyongyang", ""),
    (
        "Russia and North Korea threats dominate talks between Seoul and Tokyo",
        "The foreign ministers agreed to coordinate their response to North Korea's nuclear "
        "programme.",
    ),
]


@pytest.fixture(scope="module")
def adversity_pack() -> RulePack:
    data = tomllib.loads(RULES.read_text())
    data["salience"]["adversity"] = ADVERSITY
    problems = Problems()
    loaded = load_pack(data, problems)
    assert loaded is not None, problems.items
    return loaded


@pytest.mark.parametrize(("title", "summary"), ADVERSARIES)
def test_the_north_as_one_of_several_adversaries_is_background(
    pack: RulePack, adversity_pack: RulePack, title: str, summary: str
) -> None:
    assert "diplomacy" in classify([pack], title, summary).labels  # the default pack's reading
    c = classify([adversity_pack], title, summary)
    assert "diplomacy" not in c.labels
    assert "mentioned in passing: North Korea one of several adversaries" in c.evidence["diplomacy"]
    assert "diplomacy" not in classify([adversity_pack], title, summary, explain=False).labels


@pytest.mark.parametrize(("title", "summary"), PARTNERS)
def test_the_norths_partners_and_own_meetings_keep_diplomacy(
    adversity_pack: RulePack, title: str, summary: str
) -> None:
    assert "diplomacy" in classify([adversity_pack], title, summary).labels


def test_the_adjective_critical_is_no_reaction(pack: RulePack) -> None:
    """Snowball stems "critical" as "criticize": "talks with 'critical partners'" read as a
    reaction made the "amid" clause main, and the meeting of others diplomacy over the North."""
    assert text.stem("critical") != text.stem("criticize") == text.stem("criticizes")
    title = (
        "Australian defence chief to hold talks with 'critical partners' amid Iran, "
        "North Korea threats"
    )
    c = classify([pack], title, "The minister arrived in Singapore on Friday.")
    assert "diplomacy" not in c.labels
    assert "mentioned in passing: North Korea not in the title or lead" in c.evidence["diplomacy"]
    # the verb still reacts: what it is about counts as main
    title = "South Korea criticizes North Korea over ballistic missile launch"
    assert "missile-test" in classify([pack], title, "").labels


def test_what_a_meeting_looks_beyond_is_background(pack: RulePack) -> None:
    """ "... risks beyond North Korea": the allies' meeting is about other dangers (G7)."""
    title = "Canberra hosts Seoul's president to seek unity against risks beyond North Korea"
    summary = (
        "The president arrived in Canberra for talks with the prime minister, whose government "
        "wants to align more closely on China."
    )
    c = classify([pack], title, summary)
    assert "diplomacy" not in c.labels
    assert "mentioned in passing: North Korea not in the title or lead" in c.evidence["diplomacy"]
    # the North in the main clause, before "beyond", keeps its labels
    title = "North Korea's Kim vows to take ties with Russia beyond arms trade"
    assert "diplomacy" in classify([pack], title, "").labels
    title = "North Korea launches ballistic missile that flies beyond Japan"
    assert "missile-test" in classify([pack], title, "").labels


@pytest.mark.parametrize(
    "title",
    [
        "Detained American back on US soil after being freed by North Korea",
        "Detained Australian journalist safe in Beijing after being expelled from North Korea",
    ],
)
def test_a_title_naming_the_north_only_in_its_cause_reports_that_cause(
    pack: RulePack, title: str
) -> None:
    """The release is the North's news in the title (G15), though it is an "after" clause."""
    c = classify([pack], title, "Officials said he was in good health.")
    assert "diplomacy" in c.labels, c.evidence["diplomacy"]


@pytest.mark.parametrize(
    "title",
    [
        # the North acts in the main clause: what it does is the news, the pact its cause
        "North Korea moves artillery to the border after military pact is scrapped",
        # another label's main clause: the summit is background
        "North Korea fires ballistic missile after Biden and Yoon hold summit",
    ],
)
def test_a_cause_clause_stays_background_when_the_north_acts_in_the_main_clause(
    pack: RulePack, title: str
) -> None:
    c = classify([pack], title, "Officials in Seoul said the move raised tensions.")
    assert "diplomacy" not in c.labels, c.evidence["diplomacy"]


@pytest.mark.parametrize(
    "title",
    [
        "British aircraft carrier arrives in Busan two days after North Korea's missile launches",
        "Japan's defence minister visits the DMZ a day after North Korea fires ballistic missiles",
    ],
)
def test_a_title_with_its_own_event_does_not_report_its_cause(pack: RulePack, title: str) -> None:
    """A visit or an arrival "after the launches" is the news; the launch is background (G5)."""
    c = classify([pack], title, "Officials in Seoul welcomed the ship's crew.")
    assert "missile-test" not in c.labels, c.evidence["missile-test"]


@pytest.mark.parametrize(
    "title",
    [
        "US and South Korea stage air drills a day after North Korea's missile launches",
        "Japan issues shelter warning after North Korea fires ballistic missile",
    ],
)
def test_a_response_after_the_launch_still_reports_it(pack: RulePack, title: str) -> None:
    c = classify([pack], title, "Officials in Seoul gave no further details.")
    assert "missile-test" in c.labels, c.evidence["missile-test"]


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        (
            "Kim Jong Un receives a rifle and a fur hat as gifts as his Russia trip ends",
            "State media showed the leader boarding his train home.",
        ),
        (
            "Kim Jong Un looks at fighter jets being built during his Russia trip",
            "The plant in Komsomolsk makes Sukhoi jets, state media said.",
        ),
    ],
)
def test_what_the_leader_does_on_his_trip_abroad_is_about_the_trip(
    pack: RulePack, title: str, summary: str
) -> None:
    """The gifts and tours of a visit are about the visit (G12), not background to it."""
    c = classify([pack], title, summary)
    assert "diplomacy" in c.labels, c.evidence["diplomacy"]


def test_a_launch_as_the_trip_ends_keeps_the_trip_background(pack: RulePack) -> None:
    c = classify(
        [pack],
        "North Korea fires ballistic missile as Kim's Russia trip ends",
        "The missile flew 600 km, Seoul's military said.",
    )
    assert c.labels == ("missile-test",), c.evidence


@pytest.mark.parametrize(
    "title",
    [
        "G7 foreign ministers vow tough stance on Russia, China and North Korea aggression",
        "EU envoys to grapple with Iran, Russia, North Korea crises in Brussels",
    ],
)
def test_the_default_pack_reads_a_list_of_aggressors_as_background(
    pack: RulePack, title: str
) -> None:
    c = classify([pack], title, "The ministers will meet for two days.")
    assert "diplomacy" not in c.labels, c.evidence["diplomacy"]


@pytest.mark.parametrize(
    "title",
    [
        "Envoys meet in Geneva to defuse US-North Korea crisis",
        "China and North Korea pledge closer ties at Beijing talks",
    ],
)
def test_the_default_pack_keeps_a_pair_or_partners(pack: RulePack, title: str) -> None:
    assert "diplomacy" in classify([pack], title, "").labels
