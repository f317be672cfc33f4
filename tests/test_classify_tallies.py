"""The habit of testing is not a test (issue 18, GUIDELINES G3).

Invented headlines only. A tally of launches ("has launched a record number of missiles this
year"), a flurry of tests, regular tests and more tests to come describe the programme, not a
particular launch: no `missile-test`. The guards are launch reports whose lead adds such a
tally, and a day's record salvo, which keep the label.
"""

from __future__ import annotations

import pytest

from bot.domain.classify import classify


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        (
            "How North Korea's missile arsenal has changed in five years",
            "The flurry of North Korean missile tests shows the weapons are getting harder to "
            "track, analysts say.",
        ),
        (
            "North Korea: which missiles can reach Guam?",
            "North Korea has been carrying out regular missile tests as it builds up its arsenal.",
        ),
        (
            "Pyongyang bets on a divided world",
            "Kim Jong Un has launched a record number of missiles this year, counting on the "
            "rift between Washington and Beijing.",
        ),
        (
            "Seoul fears North Korea will conduct additional ballistic missile testing",
            "Officials said the North could conduct more long-range missile tests in the "
            "coming months.",
        ),
    ],
)
def test_a_tally_or_habit_of_tests_is_no_test_report(title: str, summary: str, pack) -> None:
    c = classify([pack], title, summary)
    assert "missile-test" not in c.labels, c.evidence["missile-test"]


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        (
            "North Korea fires ballistic missile into the sea, Seoul says",
            "The launch is the latest in a flurry of missile tests this year, the Joint Chiefs "
            "of Staff said.",
        ),
        (
            "North Korea fires a record number of missiles in a single day",
            "South Korea's military said at least 20 missiles were fired on Wednesday morning.",
        ),
        (
            "North Korea test-fires new cruise missile",
            "State media said the test was part of regular drills; it has launched a record "
            "number of missiles this year.",
        ),
    ],
)
def test_a_launch_report_keeps_its_label_beside_a_tally(title: str, summary: str, pack) -> None:
    c = classify([pack], title, summary)
    assert "missile-test" in c.labels, c.evidence["missile-test"]
