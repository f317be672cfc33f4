"""A government's policy of engaging the North is diplomacy (issue 18, GUIDELINES G7).

Invented headlines only. "Wants to engage North Korea" states a policy of talks toward the
North; jets engaging drones that come from the North are no such policy.
"""

from __future__ import annotations

from bot.domain.classify import classify


def test_a_policy_of_engaging_the_north_is_diplomacy(pack) -> None:
    c = classify(
        [pack],
        "Tokyo wants to engage Pyongyang but lacks a channel",
        "Officials say there is no reliable way to reach the North Korean leader.",
    )
    assert "diplomacy" in c.labels, c.evidence["diplomacy"]


def test_engaging_what_comes_from_the_north_is_not(pack) -> None:
    c = classify(
        [pack],
        "South Korean jets engage drones flying in from the North",
        "The military said five North Korean drones crossed the border on Monday.",
    )
    assert "diplomacy" not in c.labels, c.evidence["diplomacy"]
