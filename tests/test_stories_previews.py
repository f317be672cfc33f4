"""Round 19bb: a trip's previews, the summit the trip leads to, and the events beside it.

LABELLING.md rule 4: a diplomacy event is one meeting or visit (its previews, its participants'
remarks, its outcome); the 2023 dev set gives a leader's journey (departure, border crossing,
arrival, the explainers of where the talks may be) and the talks it leads to days on as two
events. An explainer's guess of the venue ("may meet at this spaceport. Why there?") announces
no meeting there, the acts of a story an explainer began are compared as a meeting's, and a
report dated by a stage ranks the story covered now before an older one with more sources.
Fixture headlines and leads are written for these tests (none is a real outlet's).
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from bot.domain.stories import StoryIndex, compatible, extract_facts
from tests.test_stories_events import _story as story_at

T0 = datetime(2026, 7, 6, 2, 0, tzinfo=UTC)  # a Monday, 11:00 in Seoul
DIP = ("diplomacy",)

_story = functools.partial(story_at, start=T0, labels=DIP)


def _previews(index: StoryIndex) -> str:
    """Two outlets' previews of the trip, a day before the talks: an explainer guessing the
    venue, then the leader's train crossing the border for the talks."""
    first = _story(
        index,
        "p1",
        "Kim and Putin could meet at this rocket base in Siberia. Why there?",
        0,
        "Paper A",
        summary="Analysts expect the talks at the Vostochny cosmodrome, a space launch base.",
    )
    crossing = _story(
        index,
        "p2",
        "Kim Jong Un's train crosses into Russia for talks with Putin",
        0.1,
        "Wire B",
        summary="The leader is expected to meet Putin at the Vostochny cosmodrome.",
    )
    assert crossing == first
    return first


def _talks(index: StoryIndex, key: str, hours: float) -> str:
    """Wire C's report of the talks held at the cosmodrome, `hours` after the first preview."""
    return _story(
        index,
        key,
        "Kim Jong Un and Putin meet at Vostochny cosmodrome",
        hours,
        "Wire C",
        summary="Putin greeted Kim Jong Un at the Vostochny cosmodrome for talks.",
    )


def test_an_explainers_guess_of_the_venue_announces_no_meeting_there() -> None:
    guess = extract_facts(
        "Kim and Putin could meet at this rocket base in Siberia. Why there?",
        "Analysts expect the talks at the Vostochny cosmodrome, a space launch base.",
    )
    assert guess.kind == "feature"
    assert guess.venues  # the venue is read, it only announces nothing
    index = StoryIndex()
    story = _previews(index)
    assert index.stories[story].announced_at == frozenset()


def test_the_talks_at_the_guessed_venue_do_not_join_the_trips_previews() -> None:
    index = StoryIndex()
    previews = _previews(index)
    held = _talks(index, "s1", 15)
    assert held != previews


def test_the_summits_own_reports_and_the_next_day_account_join_each_other() -> None:
    # guard: with the previews apart, the summit's reports (another outlet's, a remark, state
    # media's account the next day) join the summit's story
    index = StoryIndex()
    _previews(index)
    summit = _talks(index, "s1", 15)
    assert (
        _story(
            index,
            "s2",
            "Putin and Kim hold talks at Russian space base, discuss military ties",
            16,
            "Wire D",
            summary="The leaders held talks at the Vostochny cosmodrome on Tuesday.",
        )
        == summit
    )
    assert (
        _story(
            index,
            "s3",
            "North Korean state media says Kim and Putin held talks at Vostochny cosmodrome",
            35,
            "Wire E",
            summary="KCNA said on Wednesday that Kim Jong Un met Putin at the cosmodrome on "
            "Tuesday.",
        )
        == summit
    )


def test_the_talks_at_an_announced_venue_still_join_the_announcement() -> None:
    # guard (the Camp David rule, tests/test_stories_stages.py): a news report of a meeting to
    # come at a named venue, and the talks held there a day on, are one meeting
    index = StoryIndex()
    announced = _story(
        index,
        "c1",
        "Kim Jong Un and Putin to meet at Vostochny cosmodrome, Kremlin says",
        0,
        "Wire A",
        summary="The Kremlin said the leaders will hold talks at the cosmodrome.",
    )
    assert index.stories[announced].announced_at
    held = _talks(index, "c2", 20)
    assert held == announced


def test_a_meeting_and_an_explainer_with_other_acts_are_two_events() -> None:
    # the acts of a story an explainer began are compared, as two meetings' are
    warning = extract_facts(
        "Kim Jong Un's support for Moscow draws sanctions warnings from the West",
        "Washington and its allies threatened new sanctions after the summit.",
    )
    explainer = extract_facts(
        "Kim and Putin could meet at this rocket base in Siberia. Why there?",
        "Analysts expect the talks at the Vostochny cosmodrome.",
    )
    assert warning.acts and explainer.acts and not warning.acts & explainer.acts
    assert not compatible(warning, explainer)
    # guard: the meeting itself and the explainer of it agree
    held = extract_facts("Kim Jong Un and Putin meet at Vostochny cosmodrome", "")
    assert compatible(held, explainer)


def test_a_one_report_event_beside_the_summit_is_not_swallowed() -> None:
    index = StoryIndex()
    previews = _previews(index)
    warning = _story(
        index,
        "w1",
        "Kim Jong Un's support for Moscow draws sanctions warnings from the West",
        20,
        "Paper F",
        summary="Washington and its allies threatened new sanctions after Kim's talks with Putin "
        "at the Vostochny cosmodrome.",
    )
    assert warning == "w1"
    assert warning != previews


def test_an_arrival_for_the_talks_on_their_day_joins_the_summit_begun_now() -> None:
    # the previews (two sources) are 15 hours old; the summit's story (one report) began
    # minutes ago: a report dated by a stage belongs with the story covered now
    index = StoryIndex()
    previews = _previews(index)
    summit = _story(
        index,
        "s1",
        "Putin meets Kim Jong Un for talks in Russia's far east",
        15,
        "Wire C",
        summary="The leaders began talks on Tuesday.",
    )
    assert summit != previews
    arrives = _story(
        index,
        "s2",
        "North Korea's Kim Jong Un arrives for meeting with Putin",
        15.4,
        "Wire D",
        summary="Kim arrived at the Vostochny cosmodrome, where Putin was waiting for him.",
    )
    assert arrives == summit
