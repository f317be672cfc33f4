"""The command line as users run it: subprocesses for `newsbot`, `python -m bot`, signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.store import Store
from bot.tools.feedserver import FeedServer
from tests.conftest import DISTINCT_LAUNCHES, LAUNCH, ROOT, ago, rss
from tests.peers import SlackStandIn


def _env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NEWSBOT_"))}
    return {**base, "NEWSBOT_HTTP_PORT": "0", "NEWSBOT_ALLOW_PRIVATE_NETWORKS": "1", **extra}


def test_python_m_bot_and_console_script_are_the_same() -> None:
    a = subprocess.run(
        [sys.executable, "-m", "bot", "--version"], capture_output=True, text=True, check=True
    )
    # the console script installed beside the interpreter running the tests (a venv not on PATH
    # still has it there), else the one on PATH
    beside = Path(sys.executable).with_name("newsbot")
    script = str(beside) if beside.exists() else "newsbot"
    b = subprocess.run([script, "--version"], capture_output=True, text=True, check=True)
    assert a.stdout == b.stdout and a.stdout.startswith("newsbot ")


def test_classify_contract_and_bad_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {"id": "a", "title": "North Korea fires ICBM", "summary": "The missile flew 1,000 km."}
        ),
        "{not json",
        json.dumps({"id": "c", "title": 5, "summary": ""}),
        json.dumps({"id": "d", "title": "Bake sale raises funds", "summary": "Cupcakes sold out."}),
    ]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "classify",
            "--config",
            str(ROOT / "config" / "newsbot.toml"),
        ],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert result.returncode == 0
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", "d"]
    assert out[0]["labels"] == ["missile-test"]
    assert set(out[0]["scores"]) == {"missile-test", "diplomacy"}
    assert out[0]["evidence"]["missile-test"] and out[1]["labels"] == []
    errors = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert [e.get("line") for e in errors] == [2, 3]
    assert errors[1]["id"] == "c"


def test_demo_runs_the_pipeline_offline() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
        cwd="/",
    )
    assert result.returncode == 0, result.stderr
    # the launch told by two outlets is one alert with a thread reply; the diplomacy story is one
    assert result.stdout.count("alert for #newsbot-demo") == 2
    assert result.stdout.count("thread reply in #newsbot-demo") == 1
    assert "console mode" in result.stderr
    for noise in ("Falcon 9", "doping", "K-pop", "Port strike", "Ukrainian power grid"):
        assert noise not in result.stdout


def test_run_polls_on_schedule_and_sigterm_stops_cleanly(tmp_path: Path) -> None:
    with FeedServer() as feeds, SlackStandIn() as slack:
        url = feeds.set("/wire.xml", rss({**LAUNCH, "published": ago(minutes=2)}))
        config = tmp_path / "newsbot.toml"
        config.write_text(
            f'[bot]\ndatabase = "sqlite:///{tmp_path}/bot.db"\npoll_interval = "2s"\ntick = "1s"\n'
            f'rules = ["{ROOT / "config" / "rules" / "northkorea.toml"}"]\n[slack]\npace = "0s"\n'
            f'[[feeds]]\nname = "Wire"\nurl = "{url}"\n'
            '[[channels]]\nchannel = "C0ALERTS"\nlabels = ["missile-test"]\n'
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(config)],
            env=_env(SLACK_BOT_TOKEN="xoxb-t", NEWSBOT_SLACK_API_URL=slack.url),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and (
                len(feeds.hits("/wire.xml")) < 3 or not slack.posts()
            ):
                time.sleep(0.2)
            assert len(slack.posts()) == 1
            assert len(feeds.hits("/wire.xml")) >= 3  # polled again on its interval, as 304s
            assert all(r.status == 304 for r in feeds.hits("/wire.xml")[1:])
        finally:
            proc.send_signal(signal.SIGTERM)
            _out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert "stopped" in err
    store = Store.open(f"sqlite:///{tmp_path}/bot.db")
    assert store.outbox_counts() == {"sent": 1}
    store.close()


def test_sigkill_while_slack_is_down_then_restart_delivers_exactly_once(tmp_path: Path) -> None:
    """A real crash: the bot is killed with alerts queued; the next start sends each once."""
    with FeedServer() as feeds, SlackStandIn() as slack:
        items = [{**launch, "published": ago(minutes=2)} for launch in DISTINCT_LAUNCHES]
        url = feeds.set("/wire.xml", rss(*items))
        config = tmp_path / "newsbot.toml"
        config.write_text(
            f'[bot]\ndatabase = "sqlite:///{tmp_path}/bot.db"\ntick = "1s"\n'
            f'rules = ["{ROOT / "config" / "rules" / "northkorea.toml"}"]\n'
            # a kill that lands mid-send leaves that message claimed for 2 x timeout + 15 s (a
            # slow Slack may still post it), which the restart waits out: a short timeout keeps
            # that wait (19 s) inside the restart's drain_timeout (60 s)
            '[slack]\npace = "0s"\ntimeout = "2s"\n'
            f'[[feeds]]\nname = "Wire"\nurl = "{url}"\n'
            '[[channels]]\nchannel = "C0ALERTS"\nlabels = ["missile-test"]\n'
        )
        env = _env(SLACK_BOT_TOKEN="xoxb-t", NEWSBOT_SLACK_API_URL="http://127.0.0.1:9/api/")
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(config)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if (tmp_path / "bot.db").exists():
                    store = Store.open(f"sqlite:///{tmp_path}/bot.db")
                    counts = store.outbox_counts()
                    store.close()
                    if counts.get("pending") == 3:
                        break
                time.sleep(0.2)
        finally:
            proc.kill()
            proc.wait()
        env["NEWSBOT_SLACK_API_URL"] = slack.url
        result = subprocess.run(
            [sys.executable, "-m", "bot", "run", "--once", "--config", str(config)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert len(slack.posts()) == 3
        assert len({p.args["text"] for p in slack.posts()}) == 3


def test_busy_health_port_is_reported_and_the_bot_keeps_running(tmp_path: Path) -> None:
    import socket

    with FeedServer() as feeds, socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        url = feeds.set("/wire.xml", rss({**LAUNCH, "published": ago(minutes=2)}))
        config = tmp_path / "newsbot.toml"
        config.write_text(
            f'[bot]\ndatabase = "sqlite:///{tmp_path}/bot.db"\ntick = "1s"\npoll_interval = "2s"\n'
            f'rules = ["{ROOT / "config" / "rules" / "northkorea.toml"}"]\n'
            f'[[feeds]]\nname = "Wire"\nurl = "{url}"\n'
            '[[channels]]\nchannel = "C0ALERTS"\nlabels = ["missile-test"]\n'
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(config)],
            env=_env(NEWSBOT_HTTP_PORT=str(port)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and len(feeds.hits("/wire.xml")) < 2:
                time.sleep(0.2)
            assert len(feeds.hits("/wire.xml")) >= 2  # still polling
        finally:
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0
        assert f"port {port}" in err and "NEWSBOT_HTTP_PORT" in err
        assert "alert for C0ALERTS" in out  # console mode still delivered
