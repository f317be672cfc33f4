"""Ministers of several governments agreeing over the North are diplomacy (issue 18, G7).

Invented headlines only. Foreign ministers who agree or pledge among themselves to act over
North Korea make a joint pledge of governments; ministers of one government agreeing on their
own affairs, with the North only in passing, do not.
"""

from __future__ import annotations

from bot.domain.classify import classify


def test_ministers_agreeing_over_the_north_is_diplomacy(pack) -> None:
    c = classify(
        [pack],
        "Three-way framework raises hopes of cooperation on North Korea",
        "The foreign ministers of China, Japan and South Korea agreed on Sunday to keep in close "
        "touch over North Korean issues.",
    )
    assert "diplomacy" in c.labels, c.evidence["diplomacy"]


def test_ministers_agreeing_on_their_own_affairs_are_not(pack) -> None:
    c = classify(
        [pack],
        "South Korean ministers agree on flood relief for farmers",
        "The package, agreed by finance and farm ministers, also covers towns near the border "
        "with North Korea.",
    )
    assert "diplomacy" not in c.labels, c.evidence["diplomacy"]
