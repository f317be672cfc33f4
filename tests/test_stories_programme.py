"""An analysis of the programme or of a series of launches is an event of its own (issue 19,
LABELLING.md rule 3).

An analysis, explainer or tracker of the programme ("the North's growing nuclear arsenal",
"what its missile programme can do") is no report of one launch, nor of the news of the day it
appears: like a feature on a series of launches (`Facts.series`) it joins no story and no
report joins its story. A headline that names the programme and also a launch, a test, an
act or someone's word is that event's report ("Kim vows to boost nuclear capability after
ICBM launch" is the North's account of the launch). Headlines are written for these tests.
"""

from __future__ import annotations

import pytest

from bot.domain.stories import StoryIndex, extract_facts
from tests.test_stories_events import _story

DIPLOMACY = ("diplomacy",)


@pytest.mark.parametrize(
    "title",
    [
        "Worries mount over North Korea's expanding nuclear arsenal",
        "Inside Pyongyang's fast-growing missile programme",
        "How big is North Korea's nuclear stockpile now?",
    ],
)
def test_an_analysis_of_the_programme_is_a_series(title: str) -> None:
    assert extract_facts(title, "").series


@pytest.mark.parametrize(
    "title",
    [
        "Kim vows to boost nuclear capability after observing new ICBM launch",
        "Japan and South Korea condemn North Korea's weapons programmes",
        "US sanctions firms over support for North Korea's missile programme",
        "North Korea's nuclear arsenal grows as it tests new warhead",
    ],
)
def test_a_report_of_an_event_that_names_the_programme_is_no_series(title: str) -> None:
    """Guard: a launch, a test, an act or a side's word makes it that event's report."""
    assert not extract_facts(title, "").series


def test_a_programme_analysis_does_not_join_the_days_news() -> None:
    index = StoryIndex()
    news = _story(
        index,
        "n1",
        "South Korean party leader floats idea of nuclear weapons for the South",
        0,
        "Paper A",
        labels=DIPLOMACY,
    )
    analysis = _story(
        index,
        "a1",
        "Fears and questions over North Korea's growing nuclear arsenal",
        18,
        "Wire B",
        labels=DIPLOMACY,
    )
    assert analysis != news


def test_the_norths_account_of_a_launch_still_joins_it() -> None:
    """Guard: state media's next-day report, naming the programme, is the launch's (rule 5)."""
    index = StoryIndex()
    launch = _story(index, "l1", "North Korea fires ICBM into the sea off Japan", 0, "Wire A")
    account = "Kim vows to bolster nuclear capability after observing new ICBM launch"
    assert _story(index, "l2", account, 20, "Paper B") == launch


@pytest.mark.parametrize(
    "title",
    [
        "Why is North Korea firing so many missiles?",
        "North Korea's year of record missile launches, explained",
        "What missiles does North Korea have?",
        "Tracker: every North Korean missile launch this year",
        "North Korea has fired a record number of missiles this year. What is it up to?",
    ],
)
def test_a_feature_on_many_launches_does_not_join_todays_launch(title: str) -> None:
    """Rule 3: an analysis, explainer or tracker of a series of launches or of the arsenal is
    its own event, whatever launch it appears beside."""
    index = StoryIndex()
    launch = _story(index, "l1", "North Korea fires ICBM into the sea off Japan", 0, "Wire A")
    assert _story(index, "l2", "North Korea launches long-range missile, Japan says", 1, "B") == (
        launch
    )
    assert extract_facts(title, "").series
    assert _story(index, "f1", title, 5, "Paper C") != launch


@pytest.mark.parametrize(
    "title",
    [
        "What we know about North Korea's new ICBM",
        "North Korea fires its 20th missile this year",
        "Did North Korea just test a new ICBM?",
    ],
)
def test_the_one_launchs_explainer_and_a_count_in_a_launch_report_still_join(title: str) -> None:
    """Guard: an explainer of that one launch (rule 2), a launch report that counts the year's
    launches, a question about that launch: the launch's reports."""
    index = StoryIndex()
    launch = _story(index, "l1", "North Korea fires ICBM into the sea off Japan", 0, "Wire A")
    assert not extract_facts(title, "").series
    assert _story(index, "f1", title, 5, "Paper C") == launch
