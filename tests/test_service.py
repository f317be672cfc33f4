"""The container's start command, run outside Docker: health, readiness, metrics, JSON logs,
secret redaction, hot reload and graceful shutdown. Plus the deploy manifests themselves."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot import __version__
from bot.service import logs
from bot.service.config import parse_config
from bot.store import Store
from bot.tools.feedserver import FeedServer
from tests.conftest import DISTINCT_LAUNCHES, LAUNCH, ROOT, ago, rss
from tests.peers import SlackStandIn

DOCKERFILE = ROOT / "deploy" / "Dockerfile"
TOKEN = "xoxb-1111-2222-secretsecret"


def _dockerfile() -> dict[str, object]:
    """ENTRYPOINT, CMD and ENV of the runtime stage, as Docker would read them."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    stages = text.split("\nFROM ")
    runtime = stages[-1]
    env: dict[str, str] = {}
    out: dict[str, object] = {"env": env}
    for line in runtime.splitlines():
        word, _, rest = line.strip().partition(" ")
        if word == "ENV":
            for pair in shlex.split(rest):
                key, _, value = pair.partition("=")
                env[key] = value
        elif word in ("ENTRYPOINT", "CMD", "USER", "HEALTHCHECK", "EXPOSE"):
            out[word] = json.loads(rest) if rest.startswith("[") else rest
    out["FROM"] = [s.split()[0] for s in ["FROM " + st for st in stages[1:]]]
    out["from_lines"] = [line for line in text.splitlines() if line.startswith("FROM ")]
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def _wait(check, timeout: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.2)
    return False


class Container:
    """The image's filesystem layout in a temp dir, and its start command as a process."""

    def __init__(self, root: Path, feeds: FeedServer, slack: SlackStandIn) -> None:
        spec = _dockerfile()
        self.env_spec: dict[str, str] = spec["env"]  # type: ignore[assignment]
        self.command = [*spec["ENTRYPOINT"], *spec["CMD"]]  # type: ignore[misc]
        self.etc = root / "etc-newsbot"  # stands for /etc/newsbot (COPY config /etc/newsbot)
        self.data = root / "var-lib-newsbot"  # stands for the /var/lib/newsbot volume
        shutil.copytree(ROOT / "config", self.etc)
        self.data.mkdir()
        self.port = _free_port()
        self.feeds = feeds
        self.slack = slack
        self.stderr = root / "stderr.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def path(self, image_path: str) -> str:
        return image_path.replace("/etc/newsbot", str(self.etc)).replace(
            "/var/lib/newsbot", str(self.data)
        )

    def write_config(self, feeds: dict[str, str], extra: str = "") -> None:
        body = "".join(f'[[feeds]]\nname = "{n}"\nurl = "{u}"\n' for n, u in feeds.items())
        (self.etc / "newsbot.toml").write_text(
            f'[bot]\ntick = "1s"\npoll_interval = "2s"\nrules = ["rules/northkorea.toml"]\n{extra}\n'
            f'[slack]\npace = "0s"\n{body}'
            '[[channels]]\nchannel = "C0ALERTS"\nlabels = ["missile-test", "diplomacy"]\n'
        )

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NEWSBOT_"))}
        env.update({k: self.path(v) for k, v in self.env_spec.items()})
        env["NEWSBOT_HTTP_PORT"] = str(self.port)  # the image's 8080, moved to a free port
        env["SLACK_BOT_TOKEN"] = TOKEN
        env["NEWSBOT_ALLOW_PRIVATE_NETWORKS"] = "1"  # the local feed server is on loopback
        env["NEWSBOT_SLACK_API_URL"] = self.slack.url
        self.proc = subprocess.Popen(
            self.command,
            env=env,
            cwd=self.data,
            stdout=subprocess.DEVNULL,
            stderr=self.stderr.open("wb"),
        )

    def log(self) -> str:
        return self.stderr.read_text(errors="replace")

    def log_records(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.log().splitlines() if line.startswith("{")]

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 40) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=timeout)


@pytest.fixture
def container(tmp_path: Path, feeds: FeedServer, slack: SlackStandIn) -> Iterator[Container]:
    c = Container(tmp_path, feeds, slack)
    yield c
    if c.proc is not None and c.proc.poll() is None:
        c.proc.kill()
        c.proc.wait()


def test_dockerfile_is_what_the_deploy_docs_promise() -> None:
    spec = _dockerfile()
    assert spec["ENTRYPOINT"] == ["newsbot"] and spec["CMD"] == ["run"]
    assert spec["USER"] == "10001:10001"
    assert "HEALTHCHECK" in spec and "/healthz" in str(spec["HEALTHCHECK"])
    for line in spec["from_lines"]:  # type: ignore[attr-defined]
        image = line.split()[1]
        assert image.startswith("python:3.11.") and "slim" in image  # pinned by version
    text = DOCKERFILE.read_text()
    assert f'"newsbot[postgres]=={__version__}"' in text
    assert "SLACK_BOT_TOKEN" not in text  # no secrets baked in
    assert (ROOT / ".dockerignore").exists()


def test_container_start_command_serves_health_metrics_and_json_logs(container: Container) -> None:
    url = container.feeds.set("/wire.xml", rss({**LAUNCH, "published": ago(minutes=3)}))
    container.write_config({"Wire": url})
    container.start()
    assert _wait(lambda: _get(container.port, "/healthz")[0] == 200)
    assert _wait(lambda: _get(container.port, "/readyz") == (200, "ready\n"))
    assert _wait(lambda: len(container.slack.posts()) == 1)
    assert _wait(
        lambda: 'newsbot_alerts_total{event="sent"} 1.0' in _get(container.port, "/metrics")[1]
    )
    metrics = _get(container.port, "/metrics")[1]
    for needle in (
        'newsbot_polls_total{feed="Wire",outcome="200"} 1.0',
        'newsbot_items_classified_total{label="missile-test"} 1.0',
        "newsbot_stories_created_total 1.0",
        "newsbot_outbox_depth",
        'newsbot_feed_consecutive_failures{feed="Wire"} 0.0',
        "newsbot_alert_delay_seconds_bucket",
        'newsbot_messages_total{event="sent",kind="post"} 1.0',
        'newsbot_feed_last_success_timestamp_seconds{feed="Wire"}',
        f'newsbot_build_info{{version="{__version__}"}} 1.0',
    ):
        assert needle in metrics, needle
    # one series per counter, not a second with its birth time
    assert not re.search(r"^\w+_created[{ ]", metrics, re.MULTILINE)
    assert "127.0.0.1" not in metrics  # feed names label series, never URLs
    assert (container.data / "newsbot.db").exists()  # the data volume holds SQLite

    assert container.stop() == 0
    records = container.log_records()
    assert records and all({"time", "level", "message"} <= set(r) for r in records)
    assert TOKEN not in container.log()


def test_hot_reload_valid_and_invalid(container: Container) -> None:
    first = container.feeds.set("/a.xml", rss({**LAUNCH, "published": ago(minutes=3)}))
    second = container.feeds.set(
        "/b.xml", rss({**DISTINCT_LAUNCHES[1], "published": ago(minutes=1)})
    )
    container.write_config({"A": first})
    container.start()
    assert _wait(lambda: len(container.slack.posts()) == 1)

    (container.etc / "newsbot.toml").write_text("[bot]\npoll_interval = 'soon'\n")
    assert _wait(lambda: "config not reloaded" in container.log())
    assert "bot.poll_interval" in container.log()
    hits = len(container.feeds.hits("/a.xml"))
    assert _wait(lambda: len(container.feeds.hits("/a.xml")) > hits)  # still polling, old config
    assert _get(container.port, "/healthz")[0] == 200

    container.write_config({"A": first, "B": second})
    assert _wait(lambda: "config reloaded" in container.log())
    assert _wait(lambda: len(container.slack.posts()) == 2)  # the new feed's item was posted

    container.write_config({"B": second})
    assert container.proc is not None
    container.proc.send_signal(signal.SIGHUP)
    assert _wait(lambda: container.log().count("config reloaded") >= 2)
    hits = len(container.feeds.hits("/a.xml"))
    time.sleep(3)
    assert len(container.feeds.hits("/a.xml")) == hits  # feed A was removed
    assert container.stop() == 0


def test_graceful_shutdown_with_pending_alerts_loses_nothing(container: Container) -> None:
    items = [{**launch, "published": ago(minutes=2)} for launch in DISTINCT_LAUNCHES]
    url = container.feeds.set("/wire.xml", rss(*items))
    container.write_config({"Wire": url}, extra='shutdown_grace = "5s"')
    container.slack.delay = 1.5  # a slow Slack: deliveries are in flight when SIGTERM arrives
    container.start()
    assert _wait(lambda: len(container.slack.attempts()) >= 1)
    started = time.monotonic()
    assert container.stop() == 0
    assert time.monotonic() - started < 15
    store = Store.open(f"sqlite:///{container.data}/newsbot.db")
    counts = store.outbox_counts()
    store.close()
    assert counts.get("sent", 0) + counts.get("pending", 0) == 3 and not counts.get("failed")
    # the next start sends whatever was still queued, and nothing twice
    container.slack.delay = 0
    container.start()
    assert _wait(lambda: len(container.slack.posts()) == 3)
    time.sleep(1.5)
    assert len(container.slack.posts()) == 3
    assert container.stop() == 0


def test_log_redaction() -> None:
    stream = io.StringIO()
    logs.setup(verbose=False, fmt="json", stream=stream)
    log = logging.getLogger("newsbot.test")
    log.warning("token %s and hook %s", TOKEN, "https://hooks.slack.com/services/T0/B0/abcdef")
    try:
        raise RuntimeError(f"boom with {TOKEN}")
    except RuntimeError:
        log.exception("failed")
    out = stream.getvalue()
    assert TOKEN not in out and "abcdef" not in out and out.count("[redacted]") >= 3
    logs.setup(verbose=False, fmt="text", stream=io.StringIO())


def _manifests(folder: str = "") -> dict[str, dict[str, object]]:
    out = {}
    for path in sorted((ROOT / "deploy" / "k8s" / folder).glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            out[doc["kind"]] = doc
    return out


def test_kubernetes_manifests(tmp_path: Path) -> None:
    m = _manifests()
    assert {"StatefulSet", "ConfigMap", "Secret", "PersistentVolumeClaim"} <= set(m)
    pod = m["StatefulSet"]["spec"]["template"]["spec"]  # type: ignore[index]
    [c] = pod["containers"]
    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert c["resources"]["requests"] and c["resources"]["limits"]
    sc = c["securityContext"]
    assert (
        sc["runAsNonRoot"]
        and sc["readOnlyRootFilesystem"]
        and sc["allowPrivilegeEscalation"] is False
    )
    assert pod["securityContext"]["runAsNonRoot"]
    assert {"secretRef": {"name": "newsbot-secrets"}} in c["envFrom"]
    env = {e["name"]: e["value"] for e in c["env"]}
    assert env["NEWSBOT_CONFIG"] == "/etc/newsbot/site/newsbot.toml"
    mounts = {v["mountPath"] for v in c["volumeMounts"]}
    assert {"/etc/newsbot/site", "/var/lib/newsbot"} <= mounts
    # the ConfigMap's TOML is a valid config when laid out as in the image
    config_text = m["ConfigMap"]["data"]["newsbot.toml"]  # type: ignore[index]
    shutil.copytree(ROOT / "config" / "rules", tmp_path / "rules")  # the image's /etc/newsbot
    (tmp_path / "site").mkdir()
    config = parse_config(config_text, str(tmp_path / "site" / "newsbot.toml"), {})
    assert config.feeds and config.channels


def test_compose_file() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    bot = compose["services"]["newsbot"]
    assert bot["build"]["dockerfile"] == "deploy/Dockerfile"
    assert "newsbot-data:/var/lib/newsbot" in bot["volumes"] and bot["env_file"] == [".env"]
    assert compose["services"]["postgres"]["profiles"] == ["postgres"]
    assert "newsbot-data" in compose["volumes"]
    replica = compose["services"]["newsbot-replica"]
    assert replica["deploy"]["replicas"] == 3 and replica["profiles"] == ["postgres"]
    # the image's SQLite default must not win over the PostgreSQL URL in the secret file
    assert replica["environment"]["NEWSBOT_DATABASE_URL"] == ""
    assert replica["environment"]["NEWSBOT_DATABASE_URL_FILE"] == "/run/secrets/database_url"


def test_replicated_manifests_and_secrets(tmp_path: Path) -> None:
    m = _manifests("replicated")
    deployment = m["Deployment"]["spec"]  # type: ignore[index]
    assert deployment["replicas"] == 3
    [c] = deployment["template"]["spec"]["containers"]
    db = next(e for e in c["env"] if e["name"] == "NEWSBOT_DATABASE_URL")
    assert db["valueFrom"]["secretKeyRef"] == {"name": "newsbot-database", "key": "url"}
    assert m["Secret"]["stringData"]["url"].startswith("postgresql://")  # type: ignore[index]
    assert m["PodDisruptionBudget"]["spec"]["minAvailable"] == 2  # type: ignore[index]
    # compose's way: an empty NEWSBOT_DATABASE_URL gives way to NEWSBOT_DATABASE_URL_FILE
    secret = tmp_path / "database_url"
    secret.write_text("postgresql://newsbot:pw@postgres:5432/newsbot\n")
    shipped = ROOT / "config" / "newsbot.toml"
    config = parse_config(
        shipped.read_text(),
        str(shipped),
        {"NEWSBOT_DATABASE_URL": "", "NEWSBOT_DATABASE_URL_FILE": str(secret)},
    )
    assert config.bot.database == "postgresql://newsbot:pw@postgres:5432/newsbot"
