"""Charges at home, UN reports and rights groups' appeals are no diplomatic acts (issue 18).

Invented headlines only. GUIDELINES G15: what follows a detainee's release at home (the charges
he faces) is not diplomacy, the release is. G8: a UN report's findings alone are not Council
action, a Council meeting on them is. G14: a rights group's appeal to Beijing over
repatriations is not a move between governments, a government's protest is.
"""

from __future__ import annotations

import pytest

from bot.domain.classify import classify


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        (
            "American freed by North Korea faces fraud charges back home",
            "The former detainee was released last month and appeared before a judge in Ohio.",
        ),
        (
            "UN report: North Korea earned record sums from IT workers abroad",
            "A United Nations report seen by reporters says the sanctions monitors found the "
            "North's earnings doubled.",
        ),
        (
            "Rights groups call on China to halt deportations of North Korean escapees",
            "Rights groups protested outside the Chinese embassy over the forced repatriation "
            "of defectors, urging the United Nations to act.",
        ),
    ],
)
def test_no_act_between_governments_gives_no_diplomacy(title: str, summary: str, pack) -> None:
    c = classify([pack], title, summary)
    assert "diplomacy" not in c.labels, c.evidence["diplomacy"]


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        (
            "North Korea frees detained American after envoy's visit",
            "The man was handed over at the border after talks with a US delegation.",
        ),
        (
            "UN Security Council meets on North Korea's sanctions evasion",
            "Council members discussed new sanctions after the panel's findings.",
        ),
        (
            "South Korea calls on China to halt deportations of North Korean escapees",
            "Seoul's foreign ministry protested the forced repatriation of defectors to "
            "Beijing's ambassador.",
        ),
    ],
)
def test_the_governments_acts_beside_them_keep_diplomacy(title: str, summary: str, pack) -> None:
    c = classify([pack], title, summary)
    assert "diplomacy" in c.labels, c.evidence["diplomacy"]
