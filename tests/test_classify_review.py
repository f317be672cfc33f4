"""Defects a review of the default pack found in this session's alignment rules (issue 18).

Invented headlines only. Each case failed with the pack as the review found it.
"""

from __future__ import annotations

import pytest

from bot.domain.classify import classify

# 1. Comparison words must not make launch evidence background: a passive launch headline names
# the weapon the new one is compared with.


@pytest.mark.parametrize(
    "title",
    [
        "Missile similar to Hwasong-18 launched by North Korea, Seoul says",
        "New ICBM modelled on Hwasong-17 test-fired by North Korea",
        "Solid-fuel missile modeled on KN-23 launched from near Pyongyang, Tokyo says",
        "Ballistic missile similar to the one fired in May launched by North Korea",
        "Missile like the one fired in March launched by North Korea, Seoul says",
        "ICBM unlike the Hwasong-17 launched by North Korea, Tokyo says",
    ],
)
def test_a_comparison_in_a_launch_headline_keeps_missile_test(pack, title: str) -> None:
    c = classify([pack], title, "")
    assert "missile-test" in c.labels, c.evidence["missile-test"]


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        ("Russia and Belarus sign a defence treaty like the one Moscow has with North Korea", ""),
        (
            "Russia and Iran sign partnership treaty",
            "It has no defence clause like the one the Kremlin signed with North Korea.",
        ),
        (
            "Russia and Belarus agree on joint air defence",
            "The deal is modelled on the treaty Moscow signed with Pyongyang last year.",
        ),
    ],
)
def test_a_treaty_compared_with_the_north_s_is_still_another_country_s_diplomacy(
    pack, title: str, summary: str
) -> None:
    """The comparisons that stay subordinate name the treaty or the tie they compare with."""
    c = classify([pack], title, summary)
    assert "diplomacy" not in c.labels, c.evidence["diplomacy"]


# 2. A pledge to defend is diplomacy when it names the defended ally and governments give it to
# each other; a leader's vow to protect the public, or one government reaffirming its commitment
# after a launch (a reaction to the test, G4 and G9), is not.


@pytest.mark.parametrize(
    ("title", "labels"),
    [
        ("Japan's Ishiba vows to protect the public after North Korea's launch", ()),
        ("Yoon vows to protect nation from North Korea's threats", ()),
        (
            "Kishida pledges to protect the people after North Korea's missile launch",
            ("missile-test",),
        ),
        (
            "US reaffirms commitment to defend South Korea after North Korea fires ICBM",
            ("missile-test",),
        ),
        (
            "Pentagon reaffirms ironclad commitment to defense of Japan after North Korean "
            "missile launch",
            ("missile-test",),
        ),
    ],
)
def test_a_vow_or_a_reaffirmed_commitment_alone_is_no_diplomacy(
    pack, title: str, labels: tuple[str, ...]
) -> None:
    c = classify([pack], title, "")
    assert c.labels == labels, c.evidence


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        ("Biden and Yoon agree on new pledge to defend South Korea from North Korea", ""),
        (
            "US to deploy bombers in new pledge to protect Japan from North Korea",
            "The agreement was reached at talks in Tokyo.",
        ),
    ],
)
def test_a_pledge_governments_give_each_other_is_diplomacy(pack, title: str, summary: str) -> None:
    c = classify([pack], title, summary)
    assert "diplomacy" in c.labels, c.evidence["diplomacy"]
    assert "pledge to defend" in c.evidence["diplomacy"], c.evidence["diplomacy"]


# 3. The troops are diplomacy only when a government acknowledges them (G20); the other side's
# battlefield reports of Russian forces or commanders praising them are not.


@pytest.mark.parametrize(
    "title",
    [
        "Russian forces confirm North Korean soldiers fighting in Kursk, Ukrainian army says",
        "Ukraine's military says Russian commanders praise North Korean troops in Kursk",
        "Russian soldiers confirm North Korean troops fighting near Kursk, Ukraine says",
        "Russian military bloggers praise North Korean soldiers in Kursk",
    ],
)
def test_battlefield_reports_about_the_troops_are_no_diplomacy(pack, title: str) -> None:
    c = classify([pack], title, "")
    assert "diplomacy" not in c.labels, c.evidence["diplomacy"]


@pytest.mark.parametrize(
    "title",
    [
        "Russian defence ministry confirms North Korean troops fought in Kursk",
        "Russian foreign minister Lavrov thanks North Korean soldiers for Kursk",
        "Kremlin confirms North Korean troops helped retake Kursk",
    ],
)
def test_a_government_acknowledging_the_troops_is_diplomacy(pack, title: str) -> None:
    c = classify([pack], title, "")
    assert "diplomacy" in c.labels, c.evidence["diplomacy"]
    assert "the allies' governments act" in c.evidence["diplomacy"], c.evidence["diplomacy"]


# 4. A passive launch headline whose agent is North Korea is its launch, whatever country the
# weapon it names comes from ("based on Russia's Iskander"): the name before the verb is what
# was launched, not who launched it. Another country's passive launch stays another's.


@pytest.mark.parametrize(
    "title",
    [
        "Missile based on Russia's Iskander launched by North Korea",
        "Missile like Russia's Iskander fired by North Korea, Seoul says",
        "Rocket built with Russia's help launched by North Korea carries spy satellite",
    ],
)
def test_a_passive_launch_by_north_korea_is_its_launch(pack, title: str) -> None:
    c = classify([pack], title, "")
    assert "missile-test" in c.labels, c.evidence["missile-test"]


@pytest.mark.parametrize(
    "title",
    [
        "Missile launched by Russia hits Kyiv apartment block",
        "Russia's Soyuz rocket launched by Roscosmos carries North Korean satellite parts, report says",
    ],
)
def test_a_passive_launch_by_another_country_stays_another_countrys(pack, title: str) -> None:
    assert "missile-test" not in classify([pack], title, "").labels
