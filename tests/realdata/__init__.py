"""Story sets rebuilt from real feeds (never committed) and the tools that read them."""

from __future__ import annotations

import json
from pathlib import Path

from bot.tools.evaluate import StoryExample


def read_set(path: Path) -> list[StoryExample]:
    """A story set's reports (real ones here, or invented ones in tests/data/), one JSON line
    each (blank lines skipped), in file order."""
    with path.open(encoding="utf-8") as f:
        return [StoryExample.from_json(json.loads(line)) for line in f if line.strip()]
