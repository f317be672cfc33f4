"""New steps the United States announces to protect its allies from the North (issue 18, G7).

Invented headlines only. The positive cases got no label before these rules; the guards are
the South's and Japan's own defence news and a deployment (G7, G17).
"""

from __future__ import annotations

import pytest

from bot.domain.classify import classify


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        (
            "White House to announce new steps to protect South Korea from North Korean nukes",
            "Officials said the measures would be made public on Thursday.",
        ),
        (
            "Washington unveils new measures to defend Japan against North Korean missiles",
            "The plan will be put to Tokyo next week, a spokesman said.",
        ),
    ],
)
def test_new_us_steps_to_protect_an_ally_are_diplomacy(pack, title: str, summary: str) -> None:
    c = classify([pack], title, summary)
    assert "diplomacy" in c.labels, c.evidence["diplomacy"]


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        (
            "Seoul unveils new interceptor to protect South Korea from North Korean missiles",
            "The defence ministry showed the system to reporters on Tuesday.",
        ),
        (
            "US sends aircraft carrier to deter a North Korean attack on South Korea",
            "The carrier group will stay in the region for a week, the navy said.",
        ),
        (
            "Japan's army unveils new drone unit to defend Japan from North Korean raids",
            "The unit will patrol the coast, the ministry said.",
        ),
    ],
)
def test_own_defence_news_and_deployments_stay_unlabelled(pack, title: str, summary: str) -> None:
    c = classify([pack], title, summary)
    assert "diplomacy" not in c.labels, c.evidence["diplomacy"]


# A government's warning is a diplomatic act when it is addressed to a government or against a
# step (G9, G12); warning of a risk, or its own people to be ready, is none (G17).


@pytest.mark.parametrize(
    "title",
    [
        "Australia warns of growing cyber threats from China, Iran and North Korea",
        "Japan warns over North Korean hackers posing as recruiters",
        "Kishida warns Japanese must be ready for North Korean attack",
    ],
)
def test_a_warning_of_a_risk_is_no_diplomacy(pack, title: str) -> None:
    c = classify([pack], title, "Officials gave no further details.")
    assert "diplomacy" not in c.labels, c.evidence["diplomacy"]


@pytest.mark.parametrize(
    "title",
    [
        "Biden to warn Xi over North Korea's arms deals with Moscow",
        "US warns Russia against buying North Korean shells",
    ],
)
def test_a_warning_addressed_to_a_government_stays_diplomacy(pack, title: str) -> None:
    c = classify([pack], title, "Officials gave no further details.")
    assert "diplomacy" in c.labels, c.evidence["diplomacy"]


# What arms for Russia could or might do is analysis (G12); a government saying the North may
# be supplying them is an accusation between governments (G26).


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        (
            "North Korea could earn a windfall from selling shells to Russia",
            "Economists expect the trade to ease the North's shortages of fuel.",
        ),
        (
            "North Korea may be shipping weapons to Russia, photos suggest",
            "Images of a rail yard near the border show long trains of covered wagons.",
        ),
    ],
)
def test_speculation_about_arms_for_russia_is_no_diplomacy(pack, title: str, summary: str) -> None:
    c = classify([pack], title, summary)
    assert "diplomacy" not in c.labels, c.evidence["diplomacy"]


@pytest.mark.parametrize(
    "title",
    [
        "North Korea may be supplying Russia with artillery shells, US says",
        "North Korea may be sending weapons to Russia, Seoul says",
    ],
)
def test_a_government_saying_the_north_may_supply_russia_stays_diplomacy(pack, title: str) -> None:
    c = classify([pack], title, "Officials gave no further details.")
    assert "diplomacy" in c.labels, c.evidence["diplomacy"]
