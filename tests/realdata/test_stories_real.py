"""Stories on real feeds: the rebuilt set (see rebuild_stories.py) replayed through the pipeline.

Skips where the set has not been rebuilt (its text is not in the repository). The floors are
a margin under today's figures, so that a change that makes them clearly worse fails; the targets (B-cubed precision
0.98, recall 0.95) are not reached yet: see the README, "Stories".
"""

from __future__ import annotations

import json

import pytest

from bot.tools.evaluate import StoryExample
from bot.tools.replay import replay_stories
from tests.conftest import RULES
from tests.realdata.rebuild_stories import OUT

pytestmark = pytest.mark.skipif(
    not OUT.exists(), reason="real story set not rebuilt (python -m tests.realdata.rebuild_stories)"
)


def _examples() -> list[StoryExample]:
    out = []
    for line in OUT.read_text(encoding="utf-8").splitlines():
        out.append(StoryExample.from_json(json.loads(line)))
    return out


def test_day_by_day_replay_of_real_feeds() -> None:
    examples = _examples()
    result = replay_stories(examples, rules=str(RULES))
    # Reports the classifier does not label get no story. The set's labels are the ones the
    # classifier gave before salience (issue 18), which now withholds some of them as mentioned
    # in passing (14 of 323: explainers, a Crimea strike, South Korea's own measures); that is
    # the classifier's measure, not the stories'. A classifier change that drops many more fails.
    assert len(result.unassigned) <= len(examples) // 20, [u.title for u in result.unassigned]
    # feeds of one poll cycle are fetched concurrently, so the order reports reach the story
    # index varies from run to run: the figures move by about 0.015, hence the margin (today
    # P 0.88-0.89, R 0.59-0.63; before follow-ups joined for 72 h, P 0.88, R 0.50)
    assert result.report.bcubed_precision >= 0.85
    assert result.report.bcubed_recall >= 0.55
