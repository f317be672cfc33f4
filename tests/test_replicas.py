"""Three replicas on one PostgreSQL database, one SIGKILLed mid-run: every alert exactly once.

The suite runs it once; `python -m tests.replicas --runs 5` repeats it (see tests/replicas.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.replicas import run


@pytest.mark.timeout(300)
def test_three_replicas_one_killed_post_every_story_once_and_take_over_its_feeds(
    pg_url: str, tmp_path: Path
) -> None:
    result = run(pg_url, replicas=3, feeds=200, workdir=tmp_path, seed=1)
    logs = "\n".join(p.read_text()[-2000:] for p in sorted(tmp_path.glob("replica*.log")))
    assert result.duplicates == {}, logs
    assert result.parents == result.expected_parents == 5, logs
    assert result.replies == result.expected_replies, logs
    assert result.feeds_polled_after_kill == result.feeds, logs
    assert result.exit_codes == [0, 0], logs
