"""Stages of one event that join its story, and the events next to them that stay apart.

Issue 19 (recall): one event's reports span hours and days (the first flash, the launcher's
own telling of what the launch was, the visit's preview and its talks). Each rule here joins a
later stage on a shape that says it is a stage of an event already reported; each has a guard
that a distinct event (another launch, another meeting, another side's word) stays apart.
Fixture headlines and leads are written for these tests (none is a real outlet's).
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from bot.domain.stories import StoryIndex, extract_facts
from tests.test_stories_events import _story as story_at

T0 = datetime(2026, 5, 12, 23, 0, tzinfo=UTC)  # a Tuesday, 08:00 in Seoul on Wednesday
LAUNCH = ("missile-test",)
TALKS = ("diplomacy",)

_story = functools.partial(story_at, start=T0)


def _seeded(index: StoryIndex, key: str, first: str, later: list[tuple[str, float]]) -> str:
    """A story begun by `first` (source A, hour 0), which each of `later` (title, hours on;
    sources B, C, ...) joins: the event a test's new report is then set against."""
    story = _story(index, f"{key}1", first, 0, "A")
    for n, (title, hours) in enumerate(later):
        assert _story(index, f"{key}{n + 2}", title, hours, "BCDEFG"[n]) == story, title
    return story


def _srbm(index: StoryIndex) -> str:
    return _seeded(
        index,
        "s",
        "North Korea fires ballistic missile into sea, Seoul says",
        [
            ("Japan says North Korean missile fell outside its waters", 1),
            ("North Korea launches missile as allies begin field drills", 4),
        ],
    )


# --- rule 1: the launcher's telling of what a launch was -----------------------------------


def test_the_launchers_characterisation_of_a_launch_is_a_follow_up() -> None:
    for title in (
        "North Korea describes its latest launch as a rehearsal for a counterstrike",
        "North Korea: newest missile launch simulated a strike on enemy airfields",
        "North Korea says weapons tests were practice for striking ports",
    ):
        assert extract_facts(title, "").follow_up, title


def test_the_launchers_characterisation_joins_the_launch_a_day_on() -> None:
    index = StoryIndex()
    launch = _srbm(index)
    late = _story(
        index,
        "k1",
        "North Korea describes latest missile launch as a mock attack on air bases",
        22,
        "D",
    )
    assert late == launch
    also = _story(
        index, "k2", "Latest missile launch simulated nuclear strike, Pyongyang says", 23, "E"
    )
    assert also == launch


def test_guard_a_fresh_launch_the_next_day_stays_apart() -> None:
    index = StoryIndex()
    launch = _srbm(index)
    # a new launch a day on, told plainly: another event
    assert _story(index, "n1", "North Korea fires missile into sea", 24, "D") != launch
    # drills that simulate a strike, with no launch told: not the launch's stage either
    assert not extract_facts(
        "South Korea holds drills simulating an artillery barrage", ""
    ).follow_up


# --- rule 2: a dispute over the launch, whatever list of sides it names --------------------


def _satellite(index: StoryIndex) -> str:
    return _seeded(
        index,
        "v",
        "North Korea launches rocket carrying spy satellite",
        [
            ("North Korea says satellite launch failed after second stage fault", 3),
            ("Japan protests North Korean satellite rocket launch", 6),
        ],
    )


def test_a_dispute_over_the_launch_naming_a_list_of_sides_is_a_follow_up() -> None:
    title = "Western powers clash with Pyongyang, Moscow and Beijing over failed satellite launch"
    assert extract_facts(title, "").follow_up
    index = StoryIndex()
    launch = _satellite(index)
    assert _story(index, "d1", title, 50, "D") == launch


def test_guard_a_new_rocket_launch_days_on_stays_apart() -> None:
    index = StoryIndex()
    launch = _satellite(index)
    title = "North Korea launches rocket over Japan, Tokyo and Seoul say"
    assert not extract_facts(title, "").follow_up
    assert _story(index, "d2", title, 50, "D") != launch


# --- rule 3: one side's warning about one launch to come, however each outlet words it -----


def test_a_call_on_another_side_to_scrap_is_no_measure_taken() -> None:
    assert not extract_facts("Seoul urges Pyongyang to scrap its satellite launch plan", "").measure
    # the guard: a side's own measure stays one
    assert extract_facts("South Korea suspends part of military pact with the North", "").measure


def test_one_sides_warning_worded_two_ways_is_one_story() -> None:
    index = StoryIndex()
    first = _story(
        index, "w1", "South Korea warns North Korea to halt imminent satellite launch", 0, "A"
    )
    again = _story(index, "w2", "Seoul urges Pyongyang to scrap spy satellite launch plan", 2, "B")
    assert again == first


def test_guard_another_sides_warning_about_the_same_launch_stays_apart() -> None:
    index = StoryIndex()
    first = _story(
        index, "w1", "South Korea warns North Korea to halt imminent satellite launch", 0, "A"
    )
    other = _story(
        index, "w3", "Japan urges North Korea to scrap spy satellite launch plan", 2, "B"
    )
    assert other != first


# --- rule 4: a meeting announced at a named venue, and the talks held there days on --------


def _announced(index: StoryIndex) -> str:
    first = _story(
        index,
        "m1",
        "Leaders of US, Japan and South Korea to meet at Camp David next week",
        0,
        "A",
        labels=TALKS,
        summary="The three leaders will hold a summit at the presidential retreat in Maryland.",
    )
    return first


def test_the_talks_held_at_the_announced_venue_join_the_announcement() -> None:
    index = StoryIndex()
    first = _announced(index)
    held = _story(
        index,
        "m2",
        "Biden, Yoon and Kishida hold trilateral summit at Camp David",
        30,
        "B",
        labels=TALKS,
    )
    assert held == first


def test_guard_talks_held_elsewhere_a_day_on_stay_apart() -> None:
    index = StoryIndex()
    first = _announced(index)
    held = _story(
        index,
        "m3",
        "Biden, Yoon and Kishida hold trilateral summit in Hiroshima",
        30,
        "B",
        labels=TALKS,
    )
    assert held != first


# --- rule 5: one visit told from each side within hours ------------------------------------


def _visit(index: StoryIndex) -> str:
    return _story(
        index,
        "h1",
        "Moon visits Japan, seeking to restore ties amid regional threats",
        0,
        "A",
        labels=TALKS,
        summary="The neighbours face pressure to cooperate, but history keeps intruding.",
    )


def test_the_visitor_and_the_host_tell_one_visit() -> None:
    index = StoryIndex()
    first = _visit(index)
    host = _story(
        index,
        "h2",
        "Japan hosts South Korean leader for first time in years for fence-mending summit",
        3,
        "B",
        labels=TALKS,
    )
    assert host == first


def test_guard_a_third_side_hosting_the_visitor_stays_apart() -> None:
    index = StoryIndex()
    first = _visit(index)
    other = _story(
        index,
        "h3",
        "China hosts South Korean leader for first time in years for fence-mending summit",
        3,
        "B",
        labels=TALKS,
    )
    assert other != first


# --- rule 6: "to try" a launch is a launch to come --------------------------------------------


def test_to_try_a_launch_is_a_plan_and_joins_the_notice() -> None:
    assert extract_facts("North Korea to try another satellite launch within days", "").kind == (
        "plan"
    )
    index = StoryIndex()
    notice = _story(
        index, "p1", "North Korea notifies Japan it plans to launch satellite next week", 0, "A"
    )
    again = _story(
        index, "p2", "North Korea to try another satellite launch as allies hold drills", 2, "B"
    )
    assert again == notice


def test_guard_a_launch_tried_or_made_is_no_plan() -> None:
    for title in (
        "North Korea tries to launch satellite, but rocket fails",
        "North Korea's attempt to launch a satellite ends in failure",
        "North Korea launches rocket in attempt to put satellite into orbit",
    ):
        assert extract_facts(title, "").kind == "launch", title


# --- rule 8: a measure taken "over" a launch is the measure, not the launch ----------------

BOTH = ("missile-test", "diplomacy")


def test_a_measure_over_a_launch_is_the_measures_report() -> None:
    facts = extract_facts(
        "Seoul to partially suspend military accord over spy satellite launch", ""
    )
    assert facts.kind == "meeting" and facts.measure
    index = StoryIndex()
    first = _story(
        index,
        "q1",
        "South Korea suspends part of military pact after North's spy satellite launch",
        0,
        "A",
        labels=BOTH,
    )
    again = _story(
        index,
        "q2",
        "Seoul to partially suspend military accord over spy satellite launch",
        4,
        "B",
        labels=BOTH,
    )
    assert again == first


def test_guard_a_launch_over_somewhere_stays_a_launch() -> None:
    for title in (
        "North Korea fires missile over Japan",
        "North Korea fires artillery along border over allied drills",
        "North Korea suspends hotline, fires missile over Japan",
    ):
        assert extract_facts(title, "").kind == "launch", title


# --- rule 9: allies' sanctions announced the same day are one measure ----------------------


def test_the_sanctioned_side_as_subject_is_a_sanctions_report() -> None:
    facts = extract_facts("North Korea hit with sanctions after weapons tests", "")
    assert "sanctions" in facts.acts


def test_allies_sanctions_on_one_day_are_one_measure() -> None:
    index = StoryIndex()
    first = _story(
        index,
        "r1",
        "US sanctions four North Korean officials over weapons programme",
        0,
        "A",
        labels=TALKS,
    )
    tokyo = _story(
        index,
        "r2",
        "Tokyo imposes new sanctions on North Korean shipping firms",
        5,
        "B",
        labels=TALKS,
    )
    hit = _story(
        index, "r3", "North Korea hit with sanctions after weapons tests", 8, "C", labels=BOTH
    )
    assert tokyo == first and hit == first


def test_guard_another_governments_sanctions_days_later_stay_apart() -> None:
    index = StoryIndex()
    first = _story(
        index,
        "t1",
        "US sanctions four North Korean officials over weapons programme",
        0,
        "A",
        labels=TALKS,
    )
    later = _story(
        index,
        "t2",
        "Tokyo imposes new sanctions on North Korean shipping firms",
        50,
        "B",
        labels=TALKS,
    )
    assert later != first


def test_guard_a_sides_statement_on_sanctions_stays_apart() -> None:
    index = StoryIndex()
    first = _story(
        index,
        "u1",
        "US sanctions four North Korean officials over weapons programme",
        0,
        "A",
        labels=TALKS,
    )
    statement = _story(
        index,
        "u2",
        "China says it opposes new US sanctions on North Korea",
        4,
        "B",
        labels=TALKS,
    )
    talks = _story(
        index,
        "u3",
        "Japan and South Korea agree to hold talks on North Korea",
        5,
        "C",
        labels=TALKS,
    )
    assert statement != first and talks != first


# --- rule 10: one outlet's rewritten headline of a launch within the hour -------------------


def test_an_outlets_rewritten_launch_headline_within_the_hour_joins() -> None:
    index = StoryIndex()
    first = _story(
        index, "v1", "North Korea fires cruise missiles as allies stage naval drills", 0, "A"
    )
    assert _story(index, "v2", "South Korea says North fired cruise missiles", 0.3, "B") == first
    again = _story(
        index,
        "v3",
        "Pyongyang launches cruise missiles while US and Seoul hold exercises",
        0.8,
        "A",
    )
    assert again == first


def test_guard_an_outlets_headline_with_new_facts_or_another_launch_stays_apart() -> None:
    index = StoryIndex()
    first = _story(
        index, "w1", "North Korea test-fires cruise missiles off west coast, Seoul says", 0, "A"
    )
    for n, title in enumerate(
        (
            "Pyongyang launches two strategic cruise missiles from Nampo area",
            "North Korea fires cruise missiles from Nampo",
            "North Korea launches ballistic missile toward East Sea",
        )
    ):
        assert _story(index, f"w{n + 2}", title, 0.5 + n / 10, "A") != first, title


def test_guard_two_items_of_one_poll_stay_two_events_however_alike() -> None:
    """Issue 19, point 1: one feed's new items in one poll are different events unless
    near-copies or updates. The rewritten-headline rule is for a headline the outlet rewrote
    between polls; in one poll the second launch headline posts (when in doubt, post)."""
    index = StoryIndex()
    first = _story(
        index,
        "y1",
        "North Korea fires cruise missiles as allies stage naval drills",
        0,
        "A",
        batch="A@poll1",
    )
    second = _story(
        index,
        "y2",
        "Pyongyang launches cruise missiles while US and Seoul hold exercises",
        0.5,
        "A",
        batch="A@poll1",
    )
    assert second != first


# --- rule 11: a first flash hours after a launch story began is another launch -------------


def test_a_first_flash_hours_after_a_launch_starts_its_own_story() -> None:
    index = StoryIndex()
    first = _story(index, "x1", "North Korea fires short-range ballistic missile into sea", 0, "A")
    assert _story(index, "x2", "North Korea fires ballistic missile, Seoul says", 3, "B") == first
    flash = _story(
        index,
        "x3",
        "North Korea launches possible ballistic missile, Japan's coast guard says",
        8,
        "C",
    )
    assert flash != first
    told = _story(index, "x4", "North Korea fires long-range missile toward sea", 8.5, "D")
    assert told == flash


def test_guard_a_flash_soon_after_or_naming_the_launch_still_joins() -> None:
    _seeded(
        StoryIndex(),
        "y",
        "North Korea fires ICBM into sea off Hokkaido, Japan says",
        [
            ("North Korea fires suspected ballistic missile, Seoul says", 2),
            ("Suspected missile believed to have fallen outside Japan's waters", 7),
            ("North Korea fires suspected ICBM after warning allies over drills", 8),
        ],
    )


# --- rule 12: a summary that is a photo's caption gives no facts ---------------------------


def test_a_photo_caption_summary_gives_no_facts() -> None:
    caption = (
        "A television screen shows a file image of an ICBM launch during a news programme at a "
        "railway station in Seoul on March 3, 2026. (Kim Min-su/AP Photo)"
    )
    facts = extract_facts("North Korea fires ballistic missile into sea", caption)
    assert "icbm" not in facts.classes
    credited = "Hwasong-17 missiles on parade in Pyongyang on Saturday. (KCNA via AP)"
    title = "North Korea fires missile into sea"
    assert extract_facts(title, credited) == extract_facts(title, "")


def test_guard_a_lead_or_a_parenthesis_that_is_no_credit_keeps_its_facts() -> None:
    lead = "North Korea fired an intercontinental ballistic missile on Friday, Seoul said."
    assert "icbm" in extract_facts("North Korea fires missile into sea", lead).classes
    aside = "North Korea fired two missiles on Friday (one of them an ICBM)."
    assert "icbm" in extract_facts("North Korea fires two missiles into sea", aside).classes


# --- rule 11, second part: a fresh report hours after a new flash joins the flash's story --


def test_a_fresh_report_after_a_new_flash_joins_the_flashs_story() -> None:
    index = StoryIndex()
    first = _story(index, "z1", "North Korea fires short-range ballistic missile into sea", 0, "A")
    for n, title in enumerate(("Seoul says North fired missile", "Japan says missile fell in sea")):
        assert _story(index, f"z{n + 2}", title, 1 + n, "BC"[n]) == first
    flash = _story(
        index,
        "z4",
        "North Korea launches possible ballistic missile, Japan's coast guard says",
        8,
        "D",
    )
    fresh = _story(
        index,
        "z5",
        "North Korea launches ballistic missiles as allies plan deterrence talks",
        8.5,
        "E",
    )
    assert flash != first and fresh == flash


def test_guard_the_launchers_word_on_the_earlier_launch_stays_with_it() -> None:
    index = StoryIndex()
    first = _story(index, "g1", "North Korea fires short-range ballistic missile into sea", 0, "A")
    assert _story(index, "g2", "Seoul says North fired missile", 1, "B") == first
    flash = _story(
        index,
        "g3",
        "North Korea launches possible ballistic missile, Japan's coast guard says",
        8,
        "C",
    )
    told = _story(
        index, "g4", "North Korea says it test-fired new short-range missile overnight", 8.5, "D"
    )
    assert flash != first and told == first


# --- issue 19t: what a satellite saw is no satellite launch ---------------------------------
# A collision replay (tests/realdata/collide.py) put a feature on pictures of a test site just
# before a missile launch: "satellite imagery" read as a satellite launch, one family with
# ballistic missiles, and the launch joined the feature's story, never alerted.


def test_a_launch_after_a_feature_on_satellite_imagery_starts_its_own_story() -> None:
    assert extract_facts("Satellite photos show new digging at Sohae site", "").classes == set()
    index = StoryIndex()
    feature = _story(
        index,
        "i1",
        "Fresh satellite imagery shows North Korea digging at its nuclear test site",
        0,
        "A",
        summary="Commercial satellite images suggest new tunnel work that could shorten the "
        "time needed for another test.",
    )
    launch = _story(
        index, "i2", "North Korea fires ballistic missile toward its eastern waters", 0.7, "B"
    )
    assert launch != feature


def test_guard_a_satellite_launch_still_names_its_class_and_its_follow_up_joins() -> None:
    facts = extract_facts("North Korea launches military spy satellite", "")
    assert facts.classes == {"satellite"}
    index = StoryIndex()
    first = _story(index, "j1", "North Korea launches military spy satellite", 0, "A")
    later = _story(
        index, "j2", "North Korea says satellite reached orbit, images to follow", 2, "B"
    )
    assert later == first


# --- issue 19u, rule 1: a fresh launch report is set against each launch report of the story --
# A story's facts are the union of its members': once a first report's class was corrected
# ("short-range", then several outlets' ICBM), the story holds both classes and any fresh report
# agrees with one of them. A collision replay put a second launch beside such a story, and its
# short-range report joined, never alerted.


def _corrected(index: StoryIndex) -> str:
    """A launch story whose first report's class (short-range) the later outlets corrected."""
    return _seeded(
        index,
        "c",
        "North Korea fires short-range ballistic missile, Seoul says",
        [
            ("North Korea fires missile toward the sea, Japan says", 0.3),
            ("North Korean missile fell outside Japan's waters, Tokyo says", 0.6),
            ("North Korea fires ICBM in its first long-range test this year", 1.0),
            ("North Korean ICBM flew for 70 minutes, Japan's defence ministry says", 1.2),
        ],
    )


def test_a_fresh_report_against_the_storys_later_members_starts_its_own_story() -> None:
    index = StoryIndex()
    corrected = _corrected(index)
    assert {"srbm", "icbm"} <= index.stories[corrected].facts.classes
    other = _story(
        index, "c9", "North Korea fires two short-range missiles off its west coast", 1.5, "Z"
    )
    assert other != corrected


def test_guard_the_corrected_class_still_joins_and_the_next_day_confirmation_too() -> None:
    index = StoryIndex()
    corrected = _corrected(index)
    again = _story(index, "c8", "North Korea launches ICBM, second outlet reports", 3, "Y")
    told = _story(
        index,
        "c9",
        "North Korea confirms it test-fired new ICBM, state media says",
        22,
        "X",
        summary="KCNA said on Thursday the launch was overseen by Kim Jong Un.",
    )
    assert again == corrected and told == corrected


# --- issue 19u, rule 2: a fresh launch is no report of a story of reactions and analyses ----
# An assessment or a reaction about an earlier launch began a story ("... detected using
# seismic data", "US assesses ...", "experts say ..."); a fresh launch report of another launch
# 40 minutes on joined it on the time alone and was never alerted. A fresh report ("fires",
# "launches", "test-fires") now joins only a story one of whose reports tells of a launch itself
# (a fresh report, the launcher's telling, its pictures; not another side's reaction nor an
# assessment), or, within hours, one that states its class, name or count: a slower feed's
# report of the launch the reaction names. When in doubt, post.


def test_an_assessment_tells_of_no_launch_of_its_own() -> None:
    for title in (
        "US assesses North Korea's newest ICBM flew on a lofted path",
        "Experts say North Korea's latest missile could carry several warheads",
        "North Korean missile launch detected using seismic sensors, researchers find",
        "US condemns North Korea's missile launch",
    ):
        assert not extract_facts(title, "").tells_launch, title
    for title in (
        "North Korea fires ballistic missile into the East Sea",
        "Japan detects North Korean missile launch",
        "North Korean missile launch detected by Japanese radar",
        "North Korea confirms it launched a new ICBM",
    ):
        assert extract_facts(title, "").tells_launch, title


def test_a_fresh_launch_after_an_assessment_or_a_reaction_starts_its_own_story() -> None:
    for n, first in enumerate(
        (
            "US assesses North Korea's newest ICBM flew on a lofted path",
            "Experts say North Korea's latest ballistic missile could carry several warheads",
            "US condemns North Korea's ballistic missile launch",
        )
    ):
        index = StoryIndex()
        earlier = _story(index, f"r{n}a", first, 0, "A")
        fresh = _story(
            index,
            f"r{n}b",
            "North Korea fires ballistic missile toward its eastern waters",
            0.7,
            "B",
        )
        assert fresh != earlier, first


def test_guard_the_launchs_reaction_confirmation_and_later_reports_still_join() -> None:
    index = StoryIndex()
    launch = _story(index, "g1", "North Korea fires ballistic missile into the East Sea", 0, "A")
    assert (
        _story(index, "g2", "US condemns North Korea's ballistic missile launch", 1, "B") == launch
    )
    assert _story(
        index, "g3", "North Korea launches missile, Japan's coast guard says", 2, "C"
    ) == (launch)
    told = _story(
        index,
        "g4",
        "North Korea confirms it tested new tactical ballistic missile",
        20,
        "D",
        summary="State media said on Thursday Kim Jong Un observed the test.",
    )
    council = _story(
        index, "g5", "UN Security Council to meet over North Korea's missile launch", 26, "E"
    )
    assert told == launch and council == launch
    # a slower feed's report of the launch a reaction names, with its class, joins the reaction
    index = StoryIndex()
    reaction = _story(index, "k1", "Japan condemns North Korea's ICBM launch", 0, "A")
    assert _story(index, "k2", "North Korea fires ICBM toward the sea, Seoul says", 1, "B") == (
        reaction
    )
    # a story the launcher's own telling began is a launch's: a fresh report an hour on joins it
    index = StoryIndex()
    first = _story(index, "h1", "North Korea says it launched a new solid-fuel missile", 0, "A")
    assert _story(index, "h2", "North Korea fires missile toward the sea, Seoul says", 1, "B") == (
        first
    )


# --- issue 19u, rule 3: counts are counts of the missiles of one salvo ---------------------
# A count keeps two launches apart ("two missiles" against "four missiles"). A count of
# launches or tests ("four missile tests"), a tally ("25 missiles this year") or an ordinal
# ("its seventh test") counts no salvo; "a salvo of three" does.


def test_only_a_salvos_missiles_are_counted() -> None:
    counted = {
        "North Korea fires two ballistic missiles into the East Sea": {2},
        "North Korea fires a salvo of three short-range missiles": {3},
        "North Korea launches a volley of four rockets off its west coast": {4},
        "North Korea fires 2 missiles, its seventh launch this year": {2},
    }
    for title, counts in counted.items():
        assert extract_facts(title, "").counts == counts, title
    for title in (
        "North Korea conducted four missile tests in a single week",
        "North Korea confirms two missile launches were drills",
        "South Korea says North Korea has fired 25 missiles this year",
        "North Korea fires ballistic missile in its seventh test in two weeks",
        "North Korea launches fifth ICBM this year",
        "Japan says North Korea has launched 30 ballistic missiles so far",
    ):
        assert extract_facts(title, "").counts == set(), title


def test_a_tally_of_the_year_does_not_keep_the_launchs_report_apart() -> None:
    index = StoryIndex()
    launch = _story(index, "t1", "North Korea fires two short-range missiles into the sea", 0, "A")
    tally = _story(
        index, "t2", "South Korea says North Korea has now fired 25 missiles this year", 2, "B"
    )
    assert tally == launch


def test_a_salvo_of_three_and_two_missiles_are_two_launches() -> None:
    index = StoryIndex()
    salvo = _story(index, "v1", "North Korea fires a salvo of three from near Pyongyang", 0, "A")
    two = _story(index, "v2", "North Korea fires two missiles, Japan says", 0.7, "B")
    assert two != salvo


def test_guard_the_salvos_later_report_with_its_count_still_joins() -> None:
    index = StoryIndex()
    salvo = _story(index, "w1", "North Korea fires a salvo of three ballistic missiles", 0, "A")
    again = _story(index, "w2", "Three North Korean missiles flew 350 km, Japan says", 1.5, "B")
    told = _story(
        index,
        "w3",
        "North Korea confirms it fired three tactical missiles in a drill",
        20,
        "C",
        summary="State media said on Thursday the launch was overseen by Kim Jong Un.",
    )
    assert again == salvo and told == salvo


# --- issue 19u, rule 4: a record of launches is the series, not one launch ------------------
# A feature on a record year of tests, with no count to tell it apart once tallies no longer
# count, took the next fresh launch report in a collision replay (and the launch took it).


def test_a_record_year_of_tests_is_a_feature_on_the_series() -> None:
    assert extract_facts(
        "North Korea's record year of missile tests alarms its neighbours", ""
    ).series
    assert extract_facts("A record number of tests worries Tokyo", "").series
    # "launches" after "of" is the noun: the record, not a launch
    assert extract_facts("North Korea keeps up a record pace of launches", "").series
    assert extract_facts("Seoul counts a record year of missile launches by the North", "").series
    index = StoryIndex()
    record = _story(
        index, "y1", "North Korea's record year of missile tests alarms its neighbours", 0, "A"
    )
    fresh = _story(index, "y2", "North Korea fires ballistic missile toward the East Sea", 0.7, "B")
    assert fresh != record


def test_guard_a_launch_in_a_record_year_is_that_launchs_report() -> None:
    facts = extract_facts("North Korea fires ICBM, capping a record year of missile tests", "")
    assert not facts.series
    assert not extract_facts("North Korea launches ICBM at a record pace of tests", "").series
    index = StoryIndex()
    launch = _story(index, "z1", "North Korea fires ICBM toward the sea, Japan says", 0, "A")
    later = _story(
        index, "z2", "North Korea fires ICBM, capping a record year of missile tests", 2, "B"
    )
    assert later == launch


# --- issue 19u, rule 5: a flight over or toward Japan went east ------------------------------
# "fires ballistic missile over Japan" stated no sea, so it joined a west-coast salvo's story
# 40 minutes old in a collision replay; the seas tell them apart.


def test_a_flight_over_japan_is_an_eastern_one() -> None:
    for title in (
        "North Korea fires ballistic missile over Japan",
        "North Korean missile flies toward Japan, lands in the Pacific Ocean",
        "North Korea fires missile that fell into the Pacific",
    ):
        assert extract_facts(title, "").seas == {"east"}, title
    assert extract_facts("US Pacific Command condemns the launch", "").seas == set()
    index = StoryIndex()
    west = _story(index, "o1", "North Korea fires four missiles off its west coast", 0, "A")
    east = _story(index, "o2", "North Korea fires ballistic missile over Japan", 0.7, "B")
    assert east != west


def test_guard_the_flight_over_japan_joins_its_east_sea_launch() -> None:
    index = StoryIndex()
    launch = _story(index, "p1", "North Korea fires ballistic missile into the East Sea", 0, "A")
    over = _story(index, "p2", "North Korean missile flew over Japan, Tokyo says", 0.5, "B")
    assert over == launch


# --- issue 19u, rule 6: "could soon launch" is a launch to come --------------------------------
# A spy agency's warning that the North "could soon launch" an ICBM read as a launch, and a
# fresh launch report of another missile 40 minutes on joined it in a collision replay.


def test_a_launch_that_could_soon_come_is_a_plan() -> None:
    for title in (
        "North Korea could soon launch a solid-fuel ICBM, Seoul's spies say",
        "North Korea may now fire a spy satellite, Japan warns",
    ):
        assert extract_facts(title, "").kind == "plan", title
    index = StoryIndex()
    warning = _story(
        index, "q1", "North Korea could soon launch a solid-fuel ICBM, Seoul's spies say", 0, "A"
    )
    fresh = _story(index, "q2", "North Korea launches ballistic missile toward the sea", 0.7, "B")
    assert fresh != warning


def test_guard_a_missile_that_could_reach_far_is_a_launch() -> None:
    facts = extract_facts("North Korea fires missile that could reach the US mainland", "")
    assert facts.kind == "launch"
    index = StoryIndex()
    launch = _story(index, "u1", "North Korea fires ICBM into the East Sea, Seoul says", 0, "A")
    later = _story(index, "u2", "North Korea fires ICBM that could reach the US mainland", 1.5, "B")
    assert later == launch


# --- issue 19w: an outlet's headline is set against all it already told -------------------


def test_an_outlets_rewrite_is_set_against_every_report_it_has_in_the_story() -> None:
    """Its launch headlines within the hour: "long-range", then "suspected ICBM" over an hour
    later, then "long-range" again beside the ICBM one. Set against the ICBM headline alone it
    added "long-range" and was taken as another launch; the outlet had said it already."""
    index = StoryIndex()
    first = _story(index, "x1", "North Korea fires ballistic missile into sea, Seoul says", 0, "B")
    for key, title, hours in (
        ("x2", "North Korea fires long-range missile after warning to US", 0.5),
        ("x3", "North Korea fires suspected ICBM after issuing threat to US", 1.6),
        ("x4", "South Korea says North Korea fires long-range missile", 1.6),
    ):
        assert _story(index, key, title, hours, "A") == first, title


def test_guard_a_rewrite_adding_what_the_outlet_never_said_stays_apart() -> None:
    index = StoryIndex()
    first = _story(index, "z1", "North Korea fires ballistic missile into sea, Seoul says", 0, "B")
    assert (
        _story(index, "z2", "North Korea fires long-range missile after warning", 0.5, "A") == first
    )
    assert (
        _story(index, "z3", "North Korea fires suspected ICBM after threat to US", 1.6, "A")
        == first
    )
    # a count none of its headlines gave: another launch (when in doubt, post)
    assert _story(index, "z4", "North Korea fires two long-range missiles", 1.7, "A") != first
    assert _story(index, "z5", "North Korea fires two ICBMs toward sea", 1.8, "A") != first


# --- issue 19w: of two launch stories, the one whose facts a report shares -----------------


def _two_launches(index: StoryIndex) -> tuple[str, str]:
    """An east-coast launch three outlets report, and cruise missiles off the west coast an
    hour on that one outlet reports (the seas keep them apart)."""
    east = _seeded(
        index,
        "e",
        "North Korea fires missile toward East Sea, Seoul says",
        [
            ("North Korea launches missile into the East Sea", 0.3),
            ("Japan says North Korean missile fell in the Sea of Japan", 0.6),
        ],
    )
    west = _story(index, "c1", "North Korea fires two cruise missiles off its west coast", 1, "D")
    assert west != east
    return east, west


def test_a_launch_report_joins_the_story_whose_facts_it_shares() -> None:
    """It could join both; the east-coast story has more sources, the cruise one its facts."""
    index = StoryIndex()
    _east, west = _two_launches(index)
    assert (
        _story(index, "c2", "North Korea fires two cruise missiles, South Korea says", 1.3, "E")
        == west
    )


def test_guard_a_report_with_no_fact_of_either_joins_the_story_more_sources_share() -> None:
    index = StoryIndex()
    east, _west = _two_launches(index)
    assert _story(index, "n1", "North Korea fires missile, Japan's ministry says", 1.5, "F") == east


# --- issue 19w: the allies' answer to a launch is dated by its own day ---------------------


def _long_range(index: StoryIndex) -> str:
    story = _story(
        index,
        "l1",
        "North Korea fires long-range ballistic missile into the sea",
        0,
        "A",
        summary="North Korea fired a long-range ballistic missile on Wednesday, Seoul said.",
    )
    for n, title in enumerate(
        (
            "Japan says North Korean long-range missile fell outside its waters",
            "North Korea says new ICBM test was a warning to its enemies",
        )
    ):
        assert _story(index, f"l{n + 2}", title, 3 + 24 * n, "BC"[n]) == story, title
    return story


def test_the_allies_drills_named_after_the_launch_join_it_days_on() -> None:
    index = StoryIndex()
    story = _long_range(index)
    bombers = _story(
        index,
        "l4",
        "US flies bombers with South Korea and Japan after North's long-range missile launch",
        50,
        "D",
        summary="The United States flew bombers for joint drills with South Korea and Japan on "
        "Friday, days after the North's launch.",
    )
    assert bombers == story


def test_guard_an_answer_dated_three_days_off_or_a_fresh_launch_stays_apart() -> None:
    index = StoryIndex()
    story = _long_range(index)
    # the slack is two days: bombers flown "on Saturday" answer some other launch
    other = _story(
        index,
        "l5",
        "US flies bombers with South Korea after North's long-range missile launch",
        50,
        "D",
        summary="The United States flew bombers with South Korea on Saturday.",
    )
    assert other != story
    # a fresh launch's report dated Friday is no answer: its day must be the launch's
    fresh = _story(
        index,
        "l6",
        "North Korea fires long-range ballistic missile toward the sea",
        30,
        "E",
        summary="North Korea fired a long-range ballistic missile on Friday, Japan said.",
    )
    assert fresh != story


# --- issue 19w: what a satellite saw at the test site is neither a satellite nor a test ------


def test_imagery_of_the_test_site_does_not_join_a_launch_story() -> None:
    facts = extract_facts("New satellite imagery shows activity at the nuclear test site", "")
    assert facts.kind != "launch" and not facts.classes and not facts.names_launch
    index = StoryIndex()
    launch = _story(
        index, "k1", "North Korea tests a missile near its border with the South", 0, "A"
    )
    imagery = _story(
        index,
        "k2",
        "New satellite imagery shows activity at North Korea's underground nuclear test site",
        0.7,
        "B",
    )
    assert imagery != launch


def test_guard_a_quake_near_the_test_site_is_the_nuclear_test() -> None:
    facts = extract_facts("Artificial quake detected near North Korea's nuclear test site", "")
    assert facts.kind == "launch" and facts.classes == {"nuclear"}
    index = StoryIndex()
    quake = _story(
        index, "q1", "Artificial quake detected near North Korea's nuclear test site", 0, "A"
    )
    later = _story(index, "q2", "North Korea conducts sixth nuclear test, Seoul says", 1, "B")
    assert later == quake


# --- an outlet's flash and its own next headline that adds the class: one launch ------------


def test_an_outlets_next_headline_adding_a_class_to_its_flash_joins_it() -> None:
    """Issue 19, point 2: the outlet's fuller headline of its own flash (a class, a count) is an
    updated fact of the same launch and edits the story; it is no launch of its own. (Round 19x
    had made it one, to spare a collision-replay pair; it split the wires' flash-then-story.)"""
    index = StoryIndex()
    first = _story(index, "f1", "North Korea launches possible ballistic missile: Japan", 0, "A")
    assert _story(index, "f2", "North Korea fires missiles into the sea, Seoul says", 0.3, "B") == (
        first
    )
    later = _story(
        index, "f3", "Japan: North Korea launches short-range ballistic missile", 0.7, "A"
    )
    assert later == first


def test_guard_other_outlets_and_marked_updates_adding_a_class_still_join() -> None:
    index = StoryIndex()
    first = _story(index, "g1", "North Korea launches possible ballistic missile: Japan", 0, "A")
    assert (
        _story(index, "g2", "North Korea fires short-range ballistic missile, Seoul says", 0.4, "B")
        == first
    )
    assert (
        _story(index, "g3", "UPDATE 1-North Korea launches short-range ballistic missile", 0.7, "A")
        == first
    )
    # the same outlet past the hour, adding the class: the same launch told fuller
    assert (
        _story(index, "g4", "Japan: North Korea launches short-range ballistic missile", 1.5, "A")
        == first
    )


# --- issue 19x: a satellite's rocket is no short-range or submarine-launched missile --------


def test_a_short_range_launch_is_not_the_satellite_launch_of_the_hour_before() -> None:
    index = StoryIndex()
    rocket = _story(index, "s1", "North Korea launches rocket carrying spy satellite", 0, "A")
    assert _story(index, "s2", "North Korea fires missile, Japan issues alert", 0.3, "B") == rocket
    short = _story(
        index, "s3", "North Korea fires short-range ballistic missile toward East Sea", 0.7, "C"
    )
    assert short != rocket
    sub = _story(index, "s4", "North Korea fires submarine-launched ballistic missile", 0.9, "D")
    assert sub != rocket


def test_guard_the_satellite_rocket_called_a_ballistic_or_long_range_missile_joins() -> None:
    index = StoryIndex()
    rocket = _story(index, "t1", "North Korea launches rocket carrying spy satellite", 0, "A")
    for key, title, hours in (
        ("t2", "North Korea fires ballistic missile, Japan says", 0.4),
        ("t3", "North Korea fires long-range rocket over Okinawa", 0.8),
    ):
        assert _story(index, key, title, hours, "B" if key == "t2" else "C") == rocket, title


def test_guard_a_missile_report_naming_the_satellite_site_joins_the_short_range_launch() -> None:
    index = StoryIndex()
    short = _story(
        index, "u1", "North Korea fires short-range ballistic missile toward East Sea", 0, "A"
    )
    title = "North Korea fires ballistic missile as allies end their drills"
    summary = "It was launched from near the satellite launching ground, the South said."
    # (since round 19z the site's name states no class: `satellite` is no longer read from it)
    assert "satellite" not in extract_facts(title, summary).classes
    assert _story(index, "u2", title, 0.5, "B", summary=summary) == short


# --- issue 19x: a video whose headline names neither the North nor a launch ------------------


def test_a_video_headline_about_something_else_neither_joins_nor_takes_a_story() -> None:
    """ "Watch live: press briefing" (its lead lists the North's satellite launch among the
    topics) came first, and Japan's call on the North 40 minutes on joined it: the channel
    showed the briefing's headline for it."""
    index = StoryIndex()
    video = _story(
        index,
        "v1",
        "Watch live: spokesman joins daily press briefing",
        0,
        "A",
        summary="The press secretary gives the daily briefing on Wednesday, joined by the"
        " security spokesman. He may address new trade rules and North Korea's provocative"
        " planned military satellite launch.",
    )
    both = ("missile-test", "diplomacy")
    warning = _story(
        index,
        "v2",
        "Japan calls on North Korea to abandon satellite launch",
        0.7,
        "B",
        summary="Japan called on North Korea to refrain from a planned launch it called"
        " provocative, after reports it may put a military satellite in orbit on Wednesday.",
        labels=both,
    )
    assert warning != video


def test_guard_a_video_of_the_launch_still_joins_it() -> None:
    index = StoryIndex()
    launch = _story(index, "w1", "North Korea fires ICBM into the sea off its east coast", 0, "A")
    assert _story(index, "w2", "WATCH: state TV shows the latest ICBM launch", 2, "B") == launch
    assert _story(index, "w3", "Photos: North Korea's new ICBM on its launch pad", 3, "C") == launch
