"""Reports of a genre of their own: opinion, commentary, editorials, profiles (issue 19).

On the 2023d measurement set most swallowed events were analyses, explainers, profiles,
opinion pieces and round-ups that joined the story of the event they discuss: each is an event
of its own there, and inside another event's story the channel never saw it. The dev sets and
the labelling rules (tests/realdata/stories_labels_2022.tsv, rule 2) make an analysis or an
explainer of one event a report of that event ("Putin and Kim meet, but why?", "What we know
about the satellite launch", "Explainer: why Kim is going to Russia"), so those still join.
What no labelling rule makes a report of an event is the writer's own piece, marked so by its
outlet: a headline that opens with "Opinion", "Commentary", "Editorial", "Op-ed", "Profile" or
"Who is ...", or ends with a columnist's byline ("... | Jane Doe"), and an explainer ending
"Here's why" (on the 2022b dev set one of a day-old news report was labelled an event of its
own). Such a report joins no story and no report joins its story, unless it is a near-copy of
a member (the series rule, `tests/test_stories_series.py`, extended). Headlines are written
for these tests.
"""

from __future__ import annotations

import pytest

from bot.domain.stories import StoryIndex, extract_facts
from tests.test_stories_events import _story

DIPLOMACY = ("diplomacy",)


@pytest.mark.parametrize(
    "title",
    [
        "Opinion: North Korea's launch shows the limits of sanctions",
        "Opinion | Kim's missile test is a message to Washington",
        "Commentary: What North Korea wants from its latest ICBM launch",
        "Editorial: The world cannot shrug off another North Korean missile",
        "North Korea's missile launch is a warning the West must heed | Anna Lindqvist",
        "Who is Ri Pyong Chol, the man behind North Korea's ICBM launch?",
        "North Korea's ICBM launch has Tokyo worried. Here's why",
        "Guest essay: After this ICBM launch, talk to Kim",
        "The Sentinel view on North Korea's ICBM launch: a test for Tokyo",
        "North Korea's ICBM launch demands an answer | Sentinel editorial",
    ],
)
def test_a_marked_opinion_or_profile_does_not_join_the_launch_it_discusses(title: str) -> None:
    index = StoryIndex()
    launch = _story(index, "l1", "North Korea fires ICBM into the sea off Japan", 0, "Wire A")
    assert _story(index, "l2", "North Korea launches long-range missile, Japan says", 1, "B") == (
        launch
    )
    assert _story(index, "o1", title, 4, "Paper C") != launch


def test_the_launch_story_does_not_join_an_opinion_piece_that_came_first() -> None:
    index = StoryIndex()
    column = _story(index, "o1", "Opinion: North Korea will test a missile again, and soon", 0, "C")
    assert _story(index, "l1", "North Korea fires ballistic missile into the sea", 2, "A") != column


def test_a_column_does_not_join_the_summit_it_discusses() -> None:
    index = StoryIndex()
    summit = _story(
        index, "s1", "Putin and Kim meet at Russian spaceport", 0, "Wire A", labels=DIPLOMACY
    )
    column = _story(
        index,
        "o1",
        "Putin's embrace of Kim is a sign of weakness, not strength | Mark Fellowes",
        6,
        "Paper B",
        labels=DIPLOMACY,
    )
    assert column != summit


def test_an_analysis_of_the_event_still_joins_it() -> None:
    """Guard: the dev sets and the labelling rules make an analysis of one event ("but why?",
    "Analysis: ..." of that launch) a report of it, and a photo gallery of it is the event's
    too."""
    index = StoryIndex()
    summit = _story(
        index, "s1", "Putin and Kim meet at Russian spaceport", 0, "Wire A", labels=DIPLOMACY
    )
    why = _story(index, "w1", "Putin and Kim meet, but why?", 2, "Paper B", labels=DIPLOMACY)
    assert why == summit
    index = StoryIndex()
    launch = _story(index, "l1", "North Korea fires ICBM into the sea off Japan", 0, "Wire A")
    photos = _story(index, "p1", "Photos: North Korea fires ICBM into the sea", 3, "Paper B")
    assert photos == launch
    analysis = _story(
        index, "a1", "Analysis: North Korea's new ICBM launch raises the stakes for Tokyo", 4, "C"
    )
    assert analysis == launch


def test_a_repost_of_the_same_column_joins_it() -> None:
    """Guard: the near-copy exception of the series rule holds for a marked genre too."""
    index = StoryIndex()
    first = _story(
        index,
        "o1",
        "Opinion: Kim Jong Un's missile diplomacy has run out of road with Washington",
        0,
        "Paper C",
    )
    again = _story(
        index,
        "o2",
        "Opinion: Kim Jong Un's missile diplomacy has run out of road with Washington",
        5,
        "Aggregator D",
    )
    assert again == first


def test_a_headline_with_a_pipe_that_is_no_byline_is_no_column() -> None:
    """Guard: a live page's section ("... | live updates") or a headline naming a place after
    the bar is not a columnist's byline."""
    assert not extract_facts("North Korea fires missile | live updates", "").series
    assert not extract_facts("North Korea fires ICBM into the sea off Japan", "").series
    assert not extract_facts("Letter from Kim Jong Un thanks Putin for the summit", "").series
    assert not extract_facts(
        "North Korea fires missile toward Japan | Harbour City News", ""
    ).series
    assert not extract_facts("North Korea fires missile into the sea | The Daily Post", "").series


def test_weapons_sent_to_the_border_over_a_launch_are_a_measure_not_the_launch() -> None:
    """A side's answer to a launch is its own event (a pact suspended or scrapped over it): so
    is the deployment to the border that goes with it ("to send new weapons to border after
    the launch"). It joins the side's measure, not the launch (on the 2023 dev set it had joined
    the satellite launch's story)."""
    index = StoryIndex()
    launch = _story(index, "l1", "North Korea launches rocket carrying spy satellite", 0, "Wire A")
    assert _story(index, "l2", "North Korea says spy satellite put into orbit", 2, "B") == launch
    scraps = _story(
        index,
        "m1",
        "North Korea scraps military pact with South after satellite launch",
        26,
        "Wire C",
        labels=("missile-test", "diplomacy"),
    )
    assert scraps != launch
    border = _story(
        index,
        "m2",
        "North Korea to send troops and new weapons to border after satellite launch",
        29,
        "Paper D",
        summary="North Korea said it would deploy stronger forces and new weapons along the "
        "border with the South, after scrapping the pact.",
    )
    assert border != launch
    assert border == scraps


def test_a_launch_near_the_border_is_still_the_launch() -> None:
    """Guard: a launch report that names the border is no measure."""
    index = StoryIndex()
    launch = _story(index, "l1", "North Korea fires ballistic missile into the sea", 0, "Wire A")
    near = _story(
        index, "l2", "North Korea fires missile from near border with China, Seoul says", 2, "B"
    )
    assert near == launch


def _launch_day(index: StoryIndex) -> str:
    launch = _story(index, "l1", "North Korea fires two ballistic missiles into the sea", 0, "A")
    assert _story(index, "l2", "North Korea launches missiles toward East Sea, Seoul says", 1, "B")
    return launch


def test_an_account_of_a_series_of_launches_is_not_the_last_launch() -> None:
    """State media's account of two weeks of launches ("says its missile launches were drills
    for a nuclear strike") is an event of its own (labelling rule 3 of the 2022 sets), not a
    report of the last launch (on the 2022b dev set it had joined that launch's story, whose
    reports then hid it). Two outlets' accounts of it are one story."""
    index = StoryIndex()
    launch = _launch_day(index)
    account = _story(
        index,
        "k1",
        "North Korean state media says recent missile launches were rehearsals for nuclear strikes",
        20,
        "Paper C",
    )
    assert account != launch
    other = _story(
        index,
        "k2",
        "North Korea says missile tests were practice for tactical nuclear strikes on the South",
        21,
        "Wire D",
    )
    assert other == account


def test_a_launch_does_not_join_the_story_of_an_account_of_the_series() -> None:
    index = StoryIndex()
    account = _story(
        index,
        "k1",
        "North Korea says its weapons tests were practice for striking US bases",
        0,
        "Paper C",
    )
    launch = _story(index, "l1", "North Korea fires ballistic missile into the sea", 3, "Wire A")
    assert launch != account


def test_the_launchers_own_account_of_the_one_launch_still_joins_it() -> None:
    """Guard: state media's account of the day's launch is that launch's report."""
    index = StoryIndex()
    launch = _launch_day(index)
    claim = _story(
        index, "k1", "North Korea says its missile launch was a drill for a nuclear strike", 20, "C"
    )
    assert claim == launch


def test_a_warning_against_a_launch_is_not_the_launch() -> None:
    """Another side's warning against a launch to come ("warns North Korea against launching
    a satellite") is a warning, not a launch report: the launch hours later must not join its
    story (read as a fresh launch, the warning founded a launch story that the launch joined,
    and the channel never saw the launch)."""
    index = StoryIndex()
    warning = _story(
        index, "w1", "US warns North Korea against launching spy satellite", 0, "Paper C"
    )
    launch = _story(index, "l1", "North Korea launches rocket carrying spy satellite", 3, "Wire A")
    assert launch != warning
    index = StoryIndex()
    warning = _story(
        index,
        "w1",
        "Japan urges North Korea not to fire missiles over its territory",
        0,
        "Paper C",
    )
    launch = _story(index, "l1", "North Korea fires ballistic missile over Japan", 2, "Wire A")
    assert launch != warning


def test_a_launch_that_defies_warnings_is_still_the_launch() -> None:
    """Guard: the launch report that names the warnings is the launch."""
    index = StoryIndex()
    launch = _story(index, "l1", "North Korea launches rocket carrying spy satellite", 0, "Wire A")
    defying = _story(
        index, "l2", "North Korea launches satellite rocket, defying warnings from US", 1, "B"
    )
    assert defying == launch


def _kim_in_russia(index: StoryIndex) -> str:
    trip = _story(
        index,
        "v1",
        "Kim Jong Un arrives in Russia for talks with Putin",
        0,
        "Wire A",
        labels=DIPLOMACY,
    )
    assert (
        _story(
            index,
            "v2",
            "North Korea's Kim crosses into Russia by train ahead of Putin talks",
            1,
            "Wire B",
            labels=DIPLOMACY,
        )
        == trip
    )
    return trip


def test_talks_between_two_other_countries_are_not_north_koreas() -> None:
    """China's foreign minister's talks in Moscow the same week are China's and Russia's own
    event, not a report of Kim's visit: a meeting headline that names no North Korean party
    and names a side the story's does not is apart from a North Korea meeting's story."""
    index = StoryIndex()
    trip = _kim_in_russia(index)
    other = _story(
        index,
        "c1",
        "China's Wang Yi arrives in Moscow for talks with Lavrov as Putin hosts guests",
        5,
        "Paper C",
        labels=DIPLOMACY,
        summary="China's top diplomat arrived in Moscow days after the North Korean leader "
        "began his visit to Russia.",
    )
    assert other != trip


def test_the_hosts_own_word_on_the_visit_still_joins_it() -> None:
    """Guard: a headline naming only the host ("Putin to show guest the spaceport, Kremlin
    says") names no new side: it is the visit's."""
    index = StoryIndex()
    trip = _kim_in_russia(index)
    host = _story(
        index,
        "h1",
        "Putin to hold talks with his guest at Vostochny spaceport, Kremlin says",
        3,
        "Paper C",
        labels=DIPLOMACY,
        summary="Putin will hold talks with Kim Jong Un at the Vostochny spaceport.",
    )
    assert host == trip


def test_a_warships_port_call_is_not_the_summit() -> None:
    """An ally's submarine or carrier arriving in port is a deployment, an event of its own,
    not a stage of the summit whose pledge it carries out ("arrives" had read as a visit)."""
    index = StoryIndex()
    summit = _story(
        index,
        "s1",
        "Biden and Yoon meet at White House, agree on nuclear consultative group",
        0,
        "Wire A",
        labels=DIPLOMACY,
        summary="The US will send a nuclear-armed submarine to South Korea, the leaders said.",
    )
    port = _story(
        index,
        "p1",
        "US nuclear-armed submarine arrives in South Korean port for first visit in decades",
        30,
        "Paper B",
        labels=DIPLOMACY,
        summary="The submarine's visit follows the pledge Biden and Yoon made at their summit.",
    )
    assert port != summit
    assert extract_facts("US aircraft carrier docks in Busan amid tensions", "").acts == {"troops"}


def test_a_leaders_visit_aboard_a_submarine_is_still_a_visit() -> None:
    """Guard: a leader visiting the vessel is a visit."""
    facts = extract_facts("Yoon visits US nuclear submarine in Busan", "")
    assert "meeting" in facts.acts


def test_the_eus_statement_is_not_washingtons_claim() -> None:
    """The European Union speaks as a side of its own: its statement on arms for Russia is an
    event apart from Washington's claim of the same week (with no side, the EU's headline had
    joined the claim's story on the shared words)."""
    index = StoryIndex()
    claim = _story(
        index,
        "u1",
        "US says North Korea is shipping artillery shells to Russia",
        0,
        "Wire A",
        labels=DIPLOMACY,
    )
    assert (
        _story(
            index,
            "u2",
            "Washington says Pyongyang sent artillery shells to Russia by rail",
            2,
            "Wire B",
            labels=DIPLOMACY,
        )
        == claim
    )
    eu = _story(
        index,
        "e1",
        "EU condemns North Korea's artillery shells shipments to Russia",
        20,
        "Paper C",
        labels=DIPLOMACY,
    )
    assert eu != claim
    again = _story(
        index,
        "e2",
        "European Union condemns shipments of North Korean artillery shells to Russia",
        21,
        "Wire D",
        labels=DIPLOMACY,
    )
    assert again == eu  # guard: two outlets' reports of the EU's statement are one story


def test_the_leaders_word_on_the_launch_days_later_joins_it() -> None:
    """The launcher's own word on its launch ("Kim Jong Un says the ICBM launch was the right answer") two
    days on is a claim about the launch made, a follow-up, not a fresh launch: it joins the
    launch's story after 36 h (on the 2023b dev set two such reports had started their own)."""
    index = StoryIndex()
    launch = _story(index, "l1", "North Korea fires ICBM into the sea off Japan", 0, "Wire A")
    assert _story(index, "l2", "North Korea launches long-range ICBM, Tokyo says", 1, "B") == (
        launch
    )
    word = _story(
        index,
        "k1",
        "Kim Jong Un says ICBM launch was the right answer to US threats",
        55,
        "Paper C",
    )
    assert word == launch


def test_a_fresh_launch_two_days_on_stays_another_launch() -> None:
    """Guard: another side's word on a fresh launch ("North Korea fires missile, Seoul says")
    is a launch report: two days on, another launch."""
    index = StoryIndex()
    launch = _story(index, "l1", "North Korea fires ICBM into the sea off Japan", 0, "Wire A")
    again = _story(index, "l2", "South Korea says North Korea fires missile into sea", 50, "B")
    assert again != launch


def test_state_medias_simulated_nuclear_strike_is_the_launchs_account() -> None:
    """State media name a launch drill a simulated nuclear strike ("North Korea says it
    simulated a nuclear attack on the South"): that names the launch, whose story it joins (it
    had founded a story of its own, read as a statement naming no launch)."""
    index = StoryIndex()
    launch = _story(
        index, "l1", "North Korea fires two short-range ballistic missiles into the sea", 0, "A"
    )
    account = _story(
        index,
        "k1",
        "North Korea says it simulated a tactical nuclear strike on South Korean airfields",
        11,
        "Paper C",
        summary="State media said the two short-range ballistic missiles fired on Wednesday "
        "carried mock nuclear warheads.",
    )
    assert account == launch


def test_allies_drill_against_a_nuclear_attack_is_not_the_launch() -> None:
    """Guard: the allies' drill against a North Korean nuclear attack names no launch."""
    index = StoryIndex()
    launch = _story(index, "l1", "North Korea fires ballistic missile into the sea", 0, "A")
    drill = _story(
        index,
        "d1",
        "US and South Korea hold drill simulating response to North Korean nuclear attack",
        6,
        "Paper C",
    )
    assert drill != launch


def test_a_dispute_over_the_launch_days_later_joins_it() -> None:
    """Allies and the North's partners clashing over a launch two days on ("clash with China
    over the launch") are a reaction to the launch made, not a fresh launch."""
    index = StoryIndex()
    launch = _story(index, "l1", "North Korea fires ICBM into the sea off Japan", 0, "Wire A")
    dispute = _story(
        index,
        "u1",
        "US and allies clash with China and Russia over North Korea's ICBM launch",
        50,
        "Paper C",
    )
    assert dispute == launch


def test_a_launch_after_a_naval_clash_is_a_fresh_launch() -> None:
    """Guard: a launch reported "after a naval clash" two days on is another launch."""
    index = StoryIndex()
    launch = _story(index, "l1", "North Korea fires ICBM into the sea off Japan", 0, "Wire A")
    again = _story(
        index, "l2", "North Korea fires missiles after naval clash with South Korea", 50, "B"
    )
    assert again != launch


def test_a_korean_or_japanese_editorial_does_not_join_the_launch() -> None:
    """Korean and Japanese papers mark the genre in brackets: [사설] (editorial), 【社説】."""
    index = StoryIndex()
    launch = _story(index, "l1", '북한, 동해상으로 ICBM 발사…합참 "비행거리 1000㎞"', 0, "Wire A")
    assert _story(index, "l2", "北朝鮮がICBM発射　日本のEEZ内に落下か", 1, "Wire B") == launch
    assert _story(index, "o1", "[사설] 북한 ICBM 발사, 대화의 문은 닫혔나", 4, "Paper C") != launch
    assert _story(index, "o2", "【社説】北朝鮮のICBM発射　抑止力の強化を急げ", 5, "Paper D") != (
        launch
    )
    # guard: a news report that opens with the word is none ("사설 경호원" is a private guard)
    assert not extract_facts("사설 경호원 동행한 북한 대표단, 서울 도착", "").series
