"""A newsletter's summary that lists its other stories is no lead (issue 18, GUIDELINES G29, G30).

Invented headlines only. "Also in today's newsletter, ..." lists the day's other stories; the
North named there is one line of a roundup whose title is about something else (G29), so
those lines give no label. A newsletter whose title names the North's event keeps its label
from the title (G30), and a vague title with a lead of its own still reads the lead (G0).
"""

from __future__ import annotations

import pytest

from bot.domain.classify import classify


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        (
            "Morning digest: Chipmaker shares jump on record orders",
            "Also in today's newsletter, Putin accepts Kim Jong Un's invitation to visit "
            "Pyongyang and Brussels opens a probe into steel subsidies",
        ),
        (
            "Morning digest: Dockworkers strike across three ports",
            "Also in today's newsletter, Washington warns that North Korea and Russia are "
            "advancing arms talks and a heatwave grips southern Europe",
        ),
        (
            "Morning digest: US sailor held in North Korea after crossing the border",
            "Also in today's newsletter, the president meets his Brazilian counterpart for talks and oil "
            "prices climb",
        ),
    ],
)
def test_the_other_stories_of_a_newsletter_give_no_label(title: str, summary: str, pack) -> None:
    c = classify([pack], title, summary)
    assert "diplomacy" not in c.labels, c.evidence["diplomacy"]


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        # the title names the North's diplomacy: it is the newsletter's story (G30)
        (
            "Morning digest: Kim Jong Un to visit Putin for talks on arms",
            "Also in today's newsletter, chip stocks rally and floods hit northern Italy",
        ),
        # not a newsletter's list: a lead of its own still tells what a vague title means
        (
            "Tuesday digest",
            "Putin and Kim Jong Un are to hold talks in Vladivostok this week, the Kremlin said.",
        ),
    ],
)
def test_a_newsletter_s_own_story_keeps_its_label(title: str, summary: str, pack) -> None:
    c = classify([pack], title, summary)
    assert "diplomacy" in c.labels, c.evidence["diplomacy"]
