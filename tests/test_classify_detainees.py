"""Contact between governments about a detainee is diplomacy (issue 18, GUIDELINES G15).

Invented headlines only. The North answering UN officials about a detained foreigner, and a
government working to secure a detainee's return (through a protecting power), report contact
between governments; the bare incident and the detainee's life at home do not.
"""

from __future__ import annotations

import pytest

from bot.domain.classify import classify


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        (
            "Pyongyang breaks silence on detained Australian student",
            "North Korea has replied to United Nations officials about the young Australian "
            "held since March, a spokesperson said.",
        ),
        (
            "Canada says it has asked Sweden to help secure the return of a citizen held in "
            "North Korea",
            "Ottawa has no embassy in Pyongyang and relies on the Swedish mission there.",
        ),
    ],
)
def test_contact_about_a_detainee_is_diplomacy(title: str, summary: str, pack) -> None:
    c = classify([pack], title, summary)
    assert "diplomacy" in c.labels, c.evidence["diplomacy"]


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        (
            "Australian tourist detained after crossing into North Korea",
            "The student ran across the border during a guided tour, officials said.",
        ),
        (
            "Family of Canadian held in North Korea pleads for his return",
            "His mother told reporters she had not heard from him in months.",
        ),
    ],
)
def test_the_bare_incident_and_the_family_are_not(title: str, summary: str, pack) -> None:
    c = classify([pack], title, summary)
    assert "diplomacy" not in c.labels, c.evidence["diplomacy"]
