"""Kill the bot with SIGKILL at random moments while it delivers; restart; repeat. At the end
every expected alert must have reached Slack exactly once. Used by tests/test_crash.py (a few
kills) and benchmarks/crash_loop.py (30 kills)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.tools.feedserver import FeedServer
from tests.conftest import RULES, rss
from tests.peers import SlackStandIn


def run(
    kills: int, workdir: Path, *, alerts: int = 8, seed: int = 1, slack_delay: float = 0.4
) -> dict[str, object]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    # one launch every two days: each is its own story, so each is one alert
    items = [
        {
            "title": f"North Korea fires ballistic missile into East Sea, report {i}",
            "summary": "South Korea's Joint Chiefs of Staff said the missile flew about 600 km.",
            "link": f"https://wire.test/nk/{i}",
            "guid": f"crash-{i}",
            "published": now - timedelta(days=2 * i, minutes=5),
        }
        for i in range(alerts)
    ]
    with FeedServer() as feeds, SlackStandIn() as slack:
        url = feeds.set("/wire.xml", rss(*items))
        config = workdir / "newsbot.toml"
        config.write_text(
            f'[bot]\ndatabase = "sqlite:///{workdir}/crash.db"\nbackfill = "{2 * alerts + 2}d"\n'
            f'retention = "{2 * alerts + 30}d"\ntick = "1s"\nrules = ["{RULES}"]\nallow_private_networks = true\n'
            # a short Slack timeout keeps the hold of a message cut short (2 x timeout + 15 s)
            '[slack]\npace = "0s"\ntimeout = "3s"\n'
            f'[[feeds]]\nname = "Wire"\nurl = "{url}"\n'
            '[[channels]]\nchannel = "C0CRASH"\nlabels = ["missile-test"]\nstorm_threshold = 100000\n'
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NEWSBOT_"))}
        env.update(
            SLACK_BOT_TOKEN="xoxb-crash", NEWSBOT_SLACK_API_URL=slack.url, NEWSBOT_HTTP_PORT="0"
        )
        slack.delay = slack_delay
        killed_mid_send = 0
        for _ in range(kills):
            proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--config", str(config)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(rng.uniform(0.6, 2.5))
            in_flight_before = len(slack.calls)
            proc.kill()
            proc.wait()
            killed_mid_send += len(slack.calls) != in_flight_before
            if len(slack.posts_by_key()) == alerts:
                break
        slack.delay = 0
        final = subprocess.run(
            [sys.executable, "-m", "bot", "run", "--once", "--config", str(config)],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        counts = slack.posts_by_key()
        return {
            "returncode": final.returncode,
            "stderr": final.stderr[-2000:],
            "alerts": alerts,
            "distinct_posted": len(counts),
            "duplicates": {k: v for k, v in counts.items() if v > 1},
            "post_calls": len(slack.attempts()),
            "history_checks": len(slack.attempts("conversations.history")),
        }
