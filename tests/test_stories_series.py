"""An explainer of a whole series of launches is not a report of the day's launch (issue 19).

On the 2023 story dev set, "Explainer: why the North's satellite launches draw condemnation",
published hours after a launch notice, joined the notice's story: an explainer that names a
launch may join that launch's story, and nothing told the series ("satellite launches", in the
plural, as a noun) from the launch. The channel never saw it. A feature whose headline speaks of
launches or tests in the plural is about the series: it starts its own story, and a launch
report does not join a story it founded. A feature about the one launch ("what we know about
the launch") still joins. Fixture headlines are written for these tests (none is an outlet's).
"""

from __future__ import annotations

from bot.domain.stories import StoryIndex
from tests.test_stories_events import _story


def test_an_explainer_of_the_launches_in_general_is_its_own_story() -> None:
    index = StoryIndex()
    notice = _story(index, "n1", "North Korea launches rocket carrying military satellite", 0, "A")
    explainer = _story(
        index,
        "x1",
        "Explainer: Why North Korea's satellite launches alarm its neighbours",
        3,
        "B",
        summary="The North has tried several times this year to put a spy satellite in orbit.",
    )
    assert explainer != notice


def test_a_launch_does_not_join_a_story_of_the_series() -> None:
    index = StoryIndex()
    tracker = _story(
        index, "t1", "Analysis: North Korea's missile tests this year, and what they show", 0, "A"
    )
    launch = _story(index, "l1", "North Korea fires ballistic missile into the sea", 2, "B")
    assert launch != tracker


def test_an_explainer_of_the_one_launch_still_joins_it() -> None:
    index = StoryIndex()
    notice = _story(index, "n1", "North Korea launches rocket carrying military satellite", 0, "A")
    explainer = _story(
        index, "x1", "What we know about North Korea's military satellite launch", 3, "B"
    )
    assert explainer == notice


def test_no_report_joins_an_explainer_of_the_series() -> None:
    """The next day's measure over the launch is not the explainer's event either."""
    index = StoryIndex()
    _story(index, "n1", "North Korea launches rocket carrying military satellite", 0, "A")
    explainer = _story(
        index, "x1", "Explainer: Why North Korea's satellite launches alarm its neighbours", 3, "B"
    )
    measure = _story(
        index, "m1", "South Korea suspends part of military pact after satellite launch", 26, "C"
    )
    assert measure != explainer
