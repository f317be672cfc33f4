"""Several `newsbot run` replicas on one PostgreSQL database, one of them SIGKILLed mid-run.

Used by tests/test_replicas.py (one run in the suite) and runnable alone for repeated runs:

    python -m tests.replicas --runs 5 --database postgresql://user@127.0.0.1:55432/postgres

A local feed server holds `feeds` feeds, empty at first. Once every feed has had its first poll,
five news events break over several rounds: each is reported by `reporters` feeds, each at its
own round, in the same words (so the reports must make one story). Partway through, one replica
is killed with SIGKILL. At the end, every story must have been posted exactly once per channel,
every further report must have made exactly one thread reply, and every feed must have been
polled again after the kill (the dead replica's feeds were taken over).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from bot.store import schema as t
from bot.tools.feedserver import FeedServer
from tests.conftest import DISTINCT_LAUNCHES, RULES, rss
from tests.peers import SlackStandIn

EVENTS = [(launch["title"], launch["summary"]) for launch in DISTINCT_LAUNCHES] + [
    (
        "North Korean and US envoys meet at Panmunjom to discuss resuming nuclear talks",
        "The special representatives held two hours of talks at the truce village, officials said.",
    ),
    (
        "UN Security Council votes on new sanctions resolution against North Korea",
        "The 15-member council met after Pyongyang's latest launch; China and Russia abstained.",
    ),
]
EMPTY = "<rss version='2.0'><channel><title>quiet</title></channel></rss>"


@dataclass
class Result:
    posts_by_key: dict[str, int]
    parents: int
    replies: int
    expected_parents: int
    expected_replies: int
    feeds_polled_after_kill: int
    feeds: int
    exit_codes: list[int | None] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def duplicates(self) -> dict[str, int]:
        return {k: n for k, n in self.posts_by_key.items() if n > 1}

    @property
    def ok(self) -> bool:
        return (
            not self.duplicates
            and self.parents == self.expected_parents
            and self.replies == self.expected_replies
            and self.feeds_polled_after_kill == self.feeds
            and all(code == 0 for code in self.exit_codes)
        )


def _config(workdir: Path, urls: list[str], database: str) -> Path:
    feeds = "".join(f'[[feeds]]\nname = "Outlet {n}"\nurl = "{u}"\n' for n, u in enumerate(urls))
    path = workdir / "newsbot.toml"
    path.write_text(
        f'[bot]\ndatabase = "{database}"\npoll_interval = "3s"\ntick = "1s"\njitter = 0.2\n'
        f'rules = ["{RULES}"]\nallow_private_networks = true\nconnect_timeout = "1s"\n'
        'read_timeout = "2s"\nlease = "6s"\nclaim_batch = 25\nparse_processes = 0\n'
        'http_port = 0\nbackfill = "6h"\nshutdown_grace = "5s"\n'
        '[slack]\npace = "0s"\n\n'
        + feeds
        + '[[channels]]\nchannel = "C0ALERTS"\nlabels = ["missile-test", "diplomacy"]\n',
        encoding="utf-8",
    )
    return path


def _wait(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


def run(
    database: str,
    *,
    replicas: int = 3,
    feeds: int = 200,
    reporters: int = 8,
    rounds: int = 6,
    seed: int = 0,
    workdir: Path | None = None,
) -> Result:
    """One run against `database` (a fresh, empty PostgreSQL database)."""
    rng = random.Random(seed)
    started = time.monotonic()
    tmp = Path(workdir or tempfile.mkdtemp(prefix="newsbot-replicas-"))
    with FeedServer() as server, SlackStandIn() as slack:
        paths = [f"/outlet{n}.xml" for n in range(feeds)]
        urls = [server.set(p, EMPTY) for p in paths]
        config = _config(tmp, urls, database)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NEWSBOT_"))}
        env.update(SLACK_BOT_TOKEN="xoxb-test", NEWSBOT_SLACK_API_URL=slack.url)
        logs = [open(tmp / f"replica{n}.log", "w") for n in range(replicas)]  # noqa: SIM115
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--config", str(config)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=logs[n],
            )
            for n in range(replicas)
        ]
        engine = create_engine(database.replace("postgresql://", "postgresql+psycopg://", 1))
        try:

            def first_polls_done() -> bool:
                try:
                    with engine.connect() as conn:
                        done = conn.execute(
                            select(func.count()).where(t.feeds.c.first_success_at.is_not(None))
                        ).scalar()
                except SQLAlchemyError:
                    return False  # the replicas have not created the schema yet
                return done == feeds

            _wait(first_polls_done, 90, "every feed's first poll")
            # which feed reports which event, and in which round
            plan: dict[int, list[tuple[int, int]]] = {r: [] for r in range(rounds)}
            for e in range(len(EVENTS)):
                for f in rng.sample(range(feeds), reporters):
                    plan[rng.randrange(rounds)].append((f, e))
            items: dict[int, list[dict[str, object]]] = {}
            kill_at = rounds // 2
            kill_index = 0
            for r in range(rounds):
                if r == kill_at:
                    procs[0].send_signal(signal.SIGKILL)
                    procs[0].wait()
                    kill_index = len(server.requests)
                now = datetime.now(UTC)
                for f, e in plan[r]:
                    title, summary = EVENTS[e]
                    items.setdefault(f, []).append(
                        {
                            "title": title,
                            "summary": summary,
                            "link": f"https://outlet{f}.test/news/{e}",
                            "guid": f"outlet{f}-event{e}",
                            "published": now - timedelta(minutes=1),
                        }
                    )
                    server.set(paths[f], rss(*items[f], title=f"Outlet {f}"))
                time.sleep(2.0)
            expected_parents = len(EVENTS)
            reports = [pair for pairs in plan.values() for pair in pairs]
            reporting = {e: {f for f, e2 in reports if e2 == e} for e in range(len(EVENTS))}
            expected_replies = sum(len(fs) - 1 for fs in reporting.values())

            def delivered() -> bool:
                keys = slack.posts_by_key()
                return len(keys) >= expected_parents + expected_replies

            _wait(delivered, 120, "every alert and reply to reach Slack")
            _wait(lambda: len({r.path for r in server.requests[kill_index:]}) == feeds, 30, "polls")
            polled_after = {req.path for req in server.requests[kill_index:]}
            time.sleep(3.0)  # anything sent twice would arrive now
        finally:
            for p in procs[1:]:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            codes: list[int | None] = []
            for p in procs[1:]:
                try:
                    codes.append(p.wait(timeout=30))
                except subprocess.TimeoutExpired:
                    p.kill()
                    codes.append(None)
            for log in logs:
                log.close()
            engine.dispose()
        keys = slack.posts_by_key()
        return Result(
            posts_by_key=keys,
            parents=sum(1 for k in keys if k.startswith("post:")),
            replies=sum(1 for k in keys if k.startswith("reply:")),
            expected_parents=expected_parents,
            expected_replies=expected_replies,
            feeds_polled_after_kill=len(polled_after),
            feeds=feeds,
            exit_codes=codes,
            seconds=time.monotonic() - started,
        )


def fresh_database(server: str, prefix: str = "newsbot_replicas") -> str:
    """Create an empty database on the PostgreSQL server at `server`; returns its URL."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return server.rsplit("/", 1)[0] + "/" + name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", default=os.environ.get("NEWSBOT_TEST_POSTGRES", ""))
    parser.add_argument("--feeds", type=int, default=200)
    args = parser.parse_args()
    if not args.database:
        parser.error("give --database or set NEWSBOT_TEST_POSTGRES (see `bash .ci/postgres`)")
    failures = 0
    for n in range(args.runs):
        result = run(fresh_database(args.database), feeds=args.feeds, seed=n)
        failures += not result.ok
        print(
            f"run {n + 1}: {'ok' if result.ok else 'FAILED'} in {result.seconds:.0f}s: "
            f"{result.parents}/{result.expected_parents} stories posted, "
            f"{result.replies}/{result.expected_replies} replies, "
            f"duplicates {result.duplicates or 'none'}, "
            f"{result.feeds_polled_after_kill}/{result.feeds} feeds polled after the kill, "
            f"survivors exited {result.exit_codes}",
            flush=True,
        )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
