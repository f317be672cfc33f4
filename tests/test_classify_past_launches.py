"""A launch named as the past of the news, and a failed launch as news (issue 18, G2, G3).

Invented headlines only. "The satellite launched last month" names what the item is about (its
photos, threats over it), not a launch the item reports: no `missile-test` (G3, G17). A failed
launch is a launch report (G2), also when the title names it only as "failed launch". The
guards: a new launch whose lead recalls last month's, another country's failed launch.
"""

from __future__ import annotations

import pytest

from bot.domain.classify import classify


def test_the_satellite_launched_last_month_is_no_launch_report(pack) -> None:
    c = classify(
        [pack],
        "North Korea says jamming its spy satellite would be an act of war",
        "Pyongyang warned that any attempt to jam the reconnaissance satellite launched last "
        "month would be met with force.",
    )
    assert "missile-test" not in c.labels, c.evidence["missile-test"]


def test_a_new_launch_keeps_its_label_beside_last_month_s(pack) -> None:
    c = classify(
        [pack],
        "North Korea fires ballistic missile into the sea",
        "The launch comes weeks after an ICBM launched last month flew for more than an hour.",
    )
    assert "missile-test" in c.labels, c.evidence["missile-test"]


@pytest.mark.parametrize(
    "title",
    [
        "'Reckless' act, Tokyo says of failed DPRK launch",
        "Seoul recovers debris after North Korea's launch failure",
    ],
)
def test_a_failed_launch_is_a_launch_report(pack, title: str) -> None:
    c = classify([pack], title, "")
    assert "missile-test" in c.labels, c.evidence["missile-test"]


def test_another_country_s_failed_launch_gives_no_label(pack) -> None:
    c = classify(
        [pack],
        "South Korea's failed launch sets back its spy satellite plans",
        "Seoul had hoped to match North Korea's reconnaissance satellite this year.",
    )
    assert "missile-test" not in c.labels, c.evidence["missile-test"]
