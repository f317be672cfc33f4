"""A known failure, kept as a strict expected failure: a new launch two days after a weekend test.

A wire that first reports a weekend test on Tuesday ("last weekend", in a headline that says
"weapons test" and no launch word) and then, on Thursday, a new launch with a bare headline
("fires two ballistic missiles") reports two events. The second joins the first's story: the
story is not a launch report, so the rule that a fresh launch long after a story's start needs
a specific fact in common does not apply, and the count of two, the commonest count there is,
would vouch for it anyway. The blind 2021 story set has this shape (its March 25 launch). Rules
tried that fix it, each with a cost on the 2022 set (index B-cubed 0.955 / 0.816 without them):
a present-tense launch headline dated by its publication, the day before to the day after, and
"last weekend" read as Saturday and Sunday (0.947 / 0.803, and the replays, which shift dates by
whole days, lose recall); a count of two not vouching, with the fresh-launch rule applied to
any story naming a launch (0.940 / 0.788); an outlet's fresh launch report more than 18 hours
after its own report of another kind starting a story of its own (0.947 / 0.783: the October 4,
2022 launch over Japan splits further). None was kept.
When a fix lands this test passes and
`strict` makes that fail: drop the marker then. Fixture headlines are written for this test
(none is a real outlet's).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.stories import StoryIndex
from tests.test_stories_events import T0
from tests.test_stories_events import _story as story_at

TUESDAY = datetime(2026, 3, 24, 23, 30, tzinfo=UTC)


def _story(
    index: StoryIndex, key: str, title: str, when: datetime, source: str, summary: str = ""
) -> str:
    hours = (when - T0).total_seconds() / 3600
    return story_at(index, key, title, hours, source, summary=summary)


@pytest.mark.xfail(strict=True, reason="known: joins the weekend test's story (see module doc)")
def test_a_new_launch_two_days_after_a_weekend_test_is_its_own_story() -> None:
    index = StoryIndex()
    weekend = _story(
        index,
        "w1",
        "North Korea carries out its first weapons test in a year",
        TUESDAY,
        "Wire A",
        "The North fired two projectiles last weekend, according to officials in Washington.",
    )
    thursday = TUESDAY + timedelta(hours=28)
    new = _story(
        index, "w2", "North Korea fires two ballistic missiles, officials say", thursday, "Wire A"
    )
    assert new != weekend
    # another outlet's report of Thursday's launch joins it, not the weekend's
    other = _story(
        index,
        "w3",
        "Japan protests as North Korean missiles land in the sea",
        thursday + timedelta(hours=2),
        "Wire B",
        "Two ballistic missiles fired by North Korea on Thursday fell outside Japan's waters.",
    )
    assert other == new
