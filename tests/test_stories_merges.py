"""Round 19z (merge audit): facts read wrongly that joined or split reports, and the ranking of
stories a fact-free follow-up fits.

A launch site's name ("Sohae Satellite Launching Ground") is a place, not the class of what is
launched; "again" said of someone's visit is no further launch. Fixture headlines and leads are
written for these tests (none is a real outlet's).
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from bot.domain.stories import StoryIndex, extract_facts
from tests.test_stories_events import _story as story_at

T0 = datetime(2026, 6, 9, 6, 0, tzinfo=UTC)  # a Tuesday

_story = functools.partial(story_at, start=T0)


def test_a_launch_sites_name_states_no_class() -> None:
    facts = extract_facts(
        "Kim oversees engine test at Sohae Satellite Launching Ground",
        "North Korea tested a high-thrust solid-fuel motor at the Sohae Satellite Launching "
        "Ground, state media said.",
    )
    assert "satellite" not in facts.classes
    station = extract_facts("Imagery shows new construction at satellite launch station", "")
    assert "satellite" not in station.classes


def test_a_satellite_launched_from_the_named_site_keeps_its_class() -> None:
    # guard: the launch itself names the class beside the site's name
    facts = extract_facts(
        "North Korea launches spy satellite from Sohae Satellite Launching Station", ""
    )
    assert "satellite" in facts.classes
    rocket = extract_facts(
        "North Korea fires space launch vehicle",
        "The rocket lifted off from the Sohae Satellite Launching Ground on Tuesday.",
    )
    assert "satellite" in rocket.classes


def test_an_engine_test_at_the_satellite_site_is_one_story_with_its_icbm_engine() -> None:
    """The engine test for a new ICBM told by one outlet by what it is for and by another by
    the site's name: one test, not an ICBM's and a satellite's."""
    index = StoryIndex()
    first = _story(
        index,
        "e1",
        "North Korea tests solid-fuel engine for new ICBM, state media says",
        0,
        "Wire A",
        labels=("missile-test",),
    )
    second = _story(
        index,
        "e2",
        "North Korea says it tested high-thrust engine at Sohae Satellite Launching Ground",
        3,
        "Wire B",
        labels=("missile-test",),
    )
    assert second == first


def test_again_said_of_someone_elses_visit_is_no_further_launch() -> None:
    facts = extract_facts("Kim Jong Un's daughter tags along to missile launch site again", "")
    assert not facts.repeat
    assert not extract_facts("Kim and his daughter visit ICBM unit again", "").repeat


def test_again_said_of_a_launch_is_a_further_launch() -> None:
    # guard: "again" of a launch verb, and the other words of a further launch, still count
    assert extract_facts("North Korea fires ballistic missiles again", "").repeat
    assert extract_facts("North Korea launches again, Japan says", "").repeat
    assert extract_facts("North Korea fires another ballistic missile", "").repeat
    assert extract_facts("North Korea test-fires cruise missiles again off west coast", "").repeat


def test_again_is_said_of_the_launch_verb_beside_it() -> None:
    # review of round 19z: "again" and a launch verb anywhere in the headline is not enough
    assert not extract_facts(
        "Kim Jong Un's daughter appears again as North Korea fires missiles", ""
    ).repeat
    # guards: "again" after the launch verb, or just before it
    assert extract_facts("North Korea fires ballistic missiles again", "").repeat
    assert extract_facts("North Korea again test-fires cruise missiles, Seoul says", "").repeat
