"""The programme's factories and look-alike names are no test (issue 18, GUIDELINES G3).

Invented headlines only. Kim ordering more missile production, factories making missiles and
launch platforms, and towers in Pyongyang's Hwasong district (the housing district, not the
missile) report no test. The guards are launches beside them, which keep `missile-test`.
"""

from __future__ import annotations

import pytest

from bot.domain.classify import classify


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        (
            "Kim Jong Un calls for mass production of tactical missiles",
            "The leader toured plants turning out missiles and mobile launch platforms, state "
            "media said.",
        ),
        (
            "North Korea's Kim opens towers in Hwasong district styled on rockets",
            "Kim Jong Un cut the ribbon on the new flats in the Hwasong district of Pyongyang, "
            "whose spires recall his missiles.",
        ),
    ],
)
def test_factories_and_the_housing_district_are_no_test(title: str, summary: str, pack) -> None:
    c = classify([pack], title, summary)
    assert "missile-test" not in c.labels, c.evidence["missile-test"]


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        (
            "North Korea fires missile from new mobile launch platform",
            "The Joint Chiefs of Staff said the missile flew 600 km into the sea.",
        ),
        (
            "North Korea test-fires Hwasong-18 after Kim calls for more missile production",
            "The solid-fuel missile landed outside Japan's exclusive economic zone.",
        ),
    ],
)
def test_a_launch_beside_them_keeps_its_label(title: str, summary: str, pack) -> None:
    c = classify([pack], title, summary)
    assert "missile-test" in c.labels, c.evidence["missile-test"]
