"""The North's promises and pledges to Russia and China are diplomacy (issue 18, G12, G13).

Invented headlines only. Kim's promise or pledge addressed to Beijing or Moscow (at a parade, in
a speech) is a statement on relations with those governments; his pledges about his own arsenal
are not, and neither is a promise with no partner named.
"""

from __future__ import annotations

import pytest

from bot.domain.classify import classify


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        (
            "North Korea's Kim holds torch-lit rally, makes promises to China, Russia",
            "Soldiers and students marched through the capital on the party's anniversary.",
        ),
        (
            "Kim Jong Un pledges to stand firm with Moscow in speech to party cadres",
            "The speech was carried in full by state television.",
        ),
    ],
)
def test_a_promise_to_russia_or_china_is_diplomacy(title: str, summary: str, pack) -> None:
    c = classify([pack], title, summary)
    assert "diplomacy" in c.labels, c.evidence["diplomacy"]


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        (
            "North Korea's Kim holds torch-lit rally, promises more nuclear weapons",
            "Soldiers and students marched through the capital on the party's anniversary.",
        ),
        (
            "Kim Jong Un pledges to boost farm output at party meeting",
            "The leader told cadres that grain harvests must rise this year.",
        ),
    ],
)
def test_kim_s_promises_about_his_own_affairs_are_not(title: str, summary: str, pack) -> None:
    c = classify([pack], title, summary)
    assert "diplomacy" not in c.labels, c.evidence["diplomacy"]
