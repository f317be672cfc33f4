"""The replay moves every date by whole weeks, so each report keeps its weekday: rules read
weekday words ("on Thursday"), and a shift by days would change what they mean."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.tools.replay import replay_shift

END = datetime(2023, 2, 21, tzinfo=UTC)  # a Tuesday


@pytest.mark.parametrize("days_later", [0, 1, 3, 6, 7, 8, 13, 400, 1380])
def test_the_shift_is_whole_weeks_and_ends_in_the_week_before_now(days_later: int) -> None:
    now = END + timedelta(days=days_later, hours=5)
    shift = replay_shift(END, now)
    assert shift % timedelta(weeks=1) == timedelta(0)
    assert (END + shift).weekday() == END.weekday()
    assert now - timedelta(weeks=1) < END + shift <= now


def test_no_shift_when_the_last_slot_ends_after_now() -> None:
    assert replay_shift(END, END - timedelta(days=3)) == timedelta(0)
