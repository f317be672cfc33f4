"""The North's satellite as a test report without a launch verb (issue 18, GUIDELINES G2, G3).

Invented headlines only. Each positive case got no label before the rules of this file: a
failed or crashed satellite is the failed launch's news, and Kim inspecting the satellite is a
particular coming launch; the guards are what the satellite took and Kim's other inspections.
"""

from __future__ import annotations

import pytest

from bot.domain.classify import classify


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        (
            "North Korea's failed satellite could not have spied on anything, Seoul says",
            "Debris recovered from the sea showed a camera too crude for military use.",
        ),
        (
            "Crashed North Korean satellite was of little military value, officials say",
            "South Korea's defence ministry said on Wednesday the parts it salvaged were basic.",
        ),
        (
            "Japan readies missile defences to shoot down North Korean satellite debris",
            "Tokyo ordered destroyers to the Sea of Japan before the notified window.",
        ),
    ],
)
def test_a_failed_or_downed_satellite_is_the_launch_s_news(pack, title: str, summary: str) -> None:
    c = classify([pack], title, summary)
    assert "missile-test" in c.labels, c.evidence["missile-test"]


@pytest.mark.parametrize(
    "title",
    [
        "Kim Jong Un inspects North Korea's new military reconnaissance satellite",
        "Kim Jong Un and his daughter inspect the North's spy satellite before launch",
    ],
)
def test_kim_inspecting_the_satellite_is_a_coming_launch(pack, title: str) -> None:
    c = classify([pack], title, "State media showed the leader beside it at a space centre.")
    assert "missile-test" in c.labels, c.evidence["missile-test"]


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        (
            "Kim Jong Un inspects spy satellite images of US bases in Guam",
            "KCNA said the leader looked at satellite photos of 'target regions'.",
        ),
        (
            "North Korea's Kim inspects a munitions factory",
            "Kim Jong Un visited a plant making shells and rockets, state media said.",
        ),
        (
            "Talks fail as North Korea rejects Seoul's offer",
            "Pyongyang said it would not send a delegation.",
        ),
    ],
)
def test_what_the_satellite_took_and_other_inspections_are_no_test(
    pack, title: str, summary: str
) -> None:
    c = classify([pack], title, summary)
    assert "missile-test" not in c.labels, c.evidence["missile-test"]


def test_a_near_rule_marked_event_reports_the_event(pack) -> None:
    """Without `event = true` on the rules the satellite alone names no event."""
    from dataclasses import replace

    topics = tuple(
        replace(t, near=tuple(replace(n, event=False) for n in t.near)) for t in pack.topics
    )
    plain = replace(pack, topics=topics)
    title = "Kim Jong Un inspects North Korea's new military reconnaissance satellite"
    assert "missile-test" not in classify([plain], title, "").labels
    assert "missile-test" in classify([pack], title, "").labels


# A drill that puts a mock nuclear warhead on a missile fires it (G2, G6); a drill with no
# weapon named stays none.


def test_a_drill_with_a_mock_warhead_reports_a_launch(pack) -> None:
    c = classify(
        [pack],
        "North Korea holds 'nuclear counterstrike drill' to warn its enemies",
        "State media said two long-range missiles carried a mock nuclear warhead each.",
    )
    assert "missile-test" in c.labels, c.evidence["missile-test"]


def test_a_drill_without_a_weapon_named_stays_unlabelled(pack) -> None:
    c = classify(
        [pack],
        "North Korea holds 'nuclear counterstrike drill' to warn its enemies",
        "State media said units rehearsed the orders of the nuclear command.",
    )
    assert "missile-test" not in c.labels, c.evidence["missile-test"]
