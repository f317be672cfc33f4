"""The bot as a user starts and stops it: any working directory, minimal configs, bundled rule
packs, Ctrl-C and SIGKILL. Real processes, a real feed server and the Slack stand-in."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.service.config import bundled_packs, load_config
from bot.tools.feedserver import FeedServer
from tests.conftest import DISTINCT_LAUNCHES, ROOT, ago, rss
from tests.peers import SlackStandIn

MINIMAL = """\
[[feeds]]
name = "Wire"
url = "{url}"

[[channels]]
channel = "C0ALERTS"
labels = ["missile-test", "diplomacy"]
"""


def _env(slack: SlackStandIn | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NEWSBOT_"))}
    env["NEWSBOT_ALLOW_PRIVATE_NETWORKS"] = "1"  # the local feed server is on loopback
    env["NEWSBOT_HTTP_PORT"] = "0"
    env["PYTHONPATH"] = str(ROOT)
    if slack is not None:
        env["SLACK_BOT_TOKEN"] = "xoxb-test"
        env["NEWSBOT_SLACK_API_URL"] = slack.url
    return env


def _newsbot(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )


def _wait(check: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def _group(pgid: int) -> list[int]:
    """Every live (not zombie) process in the process group, read from /proc."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            pids.append(int(entry.name))
    return pids


def test_minimal_config_anywhere_uses_the_bundled_pack_and_a_database_beside_it(
    tmp_path: Path, feeds: FeedServer
) -> None:
    """A config with only [[feeds]] and [[channels]], outside the source tree: the bundled pack
    classifies, the database lands beside the config, and `status` run from elsewhere sees it."""
    url = feeds.set("/wire.xml", rss({**DISTINCT_LAUNCHES[0], "published": ago(minutes=3)}))
    site = tmp_path / "site"
    site.mkdir()
    (site / "bot.toml").write_text(MINIMAL.format(url=url))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = _env()

    ran = _newsbot("run", "--once", "--config", str(site / "bot.toml"), cwd=elsewhere, env=env)
    assert ran.returncode == 0, ran.stderr
    assert "North Korea" in ran.stdout  # the console alert
    assert (site / "data" / "newsbot.db").is_file()
    assert not (elsewhere / "data").exists()

    other = tmp_path / "other"
    other.mkdir()
    status = _newsbot(
        "status", "--json", "--config", str(Path("..") / "site" / "bot.toml"), cwd=other, env=env
    )
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert [f["name"] for f in report["feeds"]] == ["Wire"]
    assert report["feeds"][0]["items_seen"] == 1
    assert report["outbox"]["sent"] == 1
    assert not (other / "data").exists()


def test_rule_packs_by_bundled_name_or_by_file(tmp_path: Path) -> None:
    assert {"northkorea", "examples/iran"} <= set(bundled_packs())
    base = '[[channels]]\nchannel = "C0"\nlabels = ["missile-test"]\n'
    named = tmp_path / "named.toml"
    named.write_text('[bot]\nrules = ["northkorea", "examples/iran"]\n' + base)
    config = load_config(str(named), {})
    assert [p.name for p in config.packs] == ["northkorea", "iran"]

    copy = tmp_path / "rules" / "mine.toml"
    copy.parent.mkdir()
    copy.write_text((ROOT / "config" / "rules" / "northkorea.toml").read_text())
    by_file = tmp_path / "file.toml"
    by_file.write_text('[bot]\nrules = ["rules/mine.toml"]\n' + base)
    assert [p.name for p in load_config(str(by_file), {}).packs] == ["northkorea"]

    unknown = tmp_path / "unknown.toml"
    unknown.write_text('[bot]\nrules = ["nothkorea"]\n' + base)
    with pytest.raises(ConfigError) as e:
        load_config(str(unknown), {})
    message = str(e.value)
    assert "bot.rules[0]" in message and "nothkorea" in message and "northkorea" in message
    assert ".toml" in message  # says how to name a file instead


def test_bundled_pack_is_the_one_users_copy_from() -> None:
    """config/rules/ is where users copy the default pack from; the package ships the same file."""
    from importlib import resources

    shipped = (resources.files("bot") / "rules" / "northkorea.toml").read_text(encoding="utf-8")
    assert shipped == (ROOT / "config" / "rules" / "northkorea.toml").read_text(encoding="utf-8")


def test_relative_sqlite_path_is_relative_to_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text(
        '[bot]\ndatabase = "sqlite:///state/bot.db"\n[[channels]]\nchannel = "C0"\n'
        'labels = ["missile-test"]\n'
    )
    config = load_config(str(tmp_path / "c.toml"), {})
    assert config.bot.database == f"sqlite:///{tmp_path.resolve()}/state/bot.db"
    absolute = load_config(
        str(tmp_path / "c.toml"), {"NEWSBOT_DATABASE_URL": "sqlite:////var/lib/x.db"}
    )
    assert absolute.bot.database == "sqlite:////var/lib/x.db"


def _start(tmp_path: Path, feeds: FeedServer, slack: SlackStandIn) -> subprocess.Popen[bytes]:
    """`newsbot run` with two parse workers, in its own session (like a terminal's job)."""
    items = [{**launch, "published": ago(minutes=2)} for launch in DISTINCT_LAUNCHES]
    url = feeds.set("/wire.xml", rss(*items))
    config = tmp_path / "bot.toml"
    config.write_text(
        '[bot]\ntick = "1s"\npoll_interval = "2s"\nparse_processes = 2\n'
        '[slack]\npace = "0s"\n' + MINIMAL.format(url=url)
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--config", str(config)],
        cwd=tmp_path,
        env=_env(slack),
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "stderr.log").open("wb"),
        start_new_session=True,
    )
    # the first poll's items are parsed and classified in the workers, then posted
    assert _wait(lambda: len(slack.posts()) == len(DISTINCT_LAUNCHES)), (
        tmp_path / "stderr.log"
    ).read_text()
    assert len(_group(proc.pid)) >= 3  # the bot, the forkserver and at least one worker
    return proc


def test_ctrl_c_stops_with_one_log_line_and_no_traceback(
    tmp_path: Path, feeds: FeedServer, slack: SlackStandIn
) -> None:
    proc = _start(tmp_path, feeds, slack)
    time.sleep(0.5)
    before = len((tmp_path / "stderr.log").read_text())
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole group
    assert proc.wait(timeout=30) == 0
    log = (tmp_path / "stderr.log").read_text()
    assert "Traceback" not in log and "KeyboardInterrupt" not in log, log
    assert _wait(lambda: not _group(proc.pid), timeout=10), _group(proc.pid)
    after = log[before:].splitlines()
    assert len(after) == 1 and "stopped" in after[0], after


def test_sigkill_of_the_bot_leaves_no_process_behind(
    tmp_path: Path, feeds: FeedServer, slack: SlackStandIn
) -> None:
    proc = _start(tmp_path, feeds, slack)
    proc.kill()  # the bot alone; its workers get no signal from us
    proc.wait(timeout=10)
    assert _wait(lambda: not _group(proc.pid), timeout=15), _group(proc.pid)
