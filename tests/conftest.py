"""Shared fixtures: real local peers (feed server, Slack stand-in) and config files on disk."""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from bot.domain.classify import RulePack, load_pack
from bot.tools.evaluate import Example
from bot.tools.feedserver import FeedServer
from bot.validate import Problems
from tests.peers import SlackStandIn

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "config" / "rules" / "northkorea.toml"
DATA = Path(__file__).resolve().parent / "data"
SHARED = ROOT.parent / "shared"


# A PostgreSQL server for the store suite and the integration tests: `bash .ci/postgres` starts
# one and prints this URL. Without it the PostgreSQL variants skip, unless NEWSBOT_REQUIRE_POSTGRES
# is set (CI sets it, so there they cannot be skipped silently).
POSTGRES = os.environ.get("NEWSBOT_TEST_POSTGRES", "")


def postgres_server() -> str:
    if not POSTGRES:
        if os.environ.get("NEWSBOT_REQUIRE_POSTGRES"):
            pytest.fail("NEWSBOT_REQUIRE_POSTGRES is set but NEWSBOT_TEST_POSTGRES is not")
        pytest.skip("no PostgreSQL server: run `bash .ci/postgres` and set NEWSBOT_TEST_POSTGRES")
    return POSTGRES


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    import psycopg

    from tests.replicas import fresh_database

    server = postgres_server()
    url = fresh_database(server, "newsbot_test")
    yield url
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The test's database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/newsbot.db"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture(scope="session")
def pack() -> RulePack:
    """The default rule pack, loaded once."""
    problems = Problems()
    loaded = load_pack(tomllib.loads(RULES.read_text(encoding="utf-8")), problems)
    assert loaded is not None, problems.items
    return loaded


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as stand_in:
        yield stand_in


def labelled_set(name: str) -> list[Example]:
    """A labelled project set of tests/data/ (JSON lines) as `newsbot eval` reads it."""
    out = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        out.append(
            Example(d["id"], d["title"], d["summary"], tuple(d["labels"]), d.get("kind", ""))
        )
    return out


def rss(*items: dict[str, object], title: str = "Test Wire") -> str:
    """An RSS 2.0 document; each item dict has title, summary, and optional link/guid/published."""
    parts = []
    for it in items:
        published = it.get("published")
        date = (
            f"<pubDate>{format_datetime(published)}</pubDate>"
            if isinstance(published, datetime)
            else ""
        )
        guid = (
            f'<guid isPermaLink="false">{escape(str(it["guid"]))}</guid>' if it.get("guid") else ""
        )
        link = f"<link>{escape(str(it['link']))}</link>" if it.get("link") else ""
        parts.append(
            f"<item><title>{escape(str(it['title']))}</title>{link}{guid}{date}"
            f"<description>{escape(str(it.get('summary', '')))}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://wire.test/</link><description>test</description>"
        + "".join(parts)
        + "</channel></rss>"
    )


def ago(**kwargs: float) -> datetime:
    return datetime.now(UTC) - timedelta(**kwargs)


def outlet_rss(outlet: str, title: str, lead: str, minutes_ago: float, n: int = 0) -> str:
    """One outlet's feed with one report, published `minutes_ago` (link and guid from its name)."""
    slug = outlet.lower().replace(" ", "-")
    return rss(
        {
            "title": title,
            "summary": lead,
            "link": f"https://{slug}.test/nk/{n}",
            "guid": f"{slug}-{n}",
            "published": ago(minutes=minutes_ago),
        },
        title=outlet,
    )


LAUNCH = {
    "title": "North Korea fires ballistic missile into East Sea, JCS says",
    "summary": "North Korea launched a short-range ballistic missile from near Pyongyang on Tuesday, "
    "South Korea's Joint Chiefs of Staff said. It flew about 350 km.",
    "link": "https://wire.test/nk/launch-1?utm_source=rss",
    "guid": "wire-launch-1",
}
# Three launches that are different events (their missile classes differ), for tests that need
# several alerts from one feed.
DISTINCT_LAUNCHES = [
    {
        "title": title,
        "summary": summary,
        "link": f"https://wire.test/nk/distinct-{i}",
        "guid": f"distinct-{i}",
    }
    for i, (title, summary) in enumerate(
        [
            (
                "North Korea fires ICBM that lands near Japan",
                "The intercontinental ballistic missile flew for 70 minutes.",
            ),
            (
                "North Korea test-fires cruise missiles over Yellow Sea",
                "Pyongyang launched several strategic cruise missiles on Sunday.",
            ),
            (
                "North Korea launches submarine-launched ballistic missile",
                "The SLBM was fired from waters off Sinpo, Seoul said.",
            ),
        ]
    )
]
NOISE = {
    "title": "SpaceX launches another batch of Starlink satellites",
    "summary": "A Falcon 9 rocket lifted off from Cape Canaveral on Tuesday night.",
    "link": "https://wire.test/space/starlink",
    "guid": "wire-space-1",
}


@pytest.fixture
def database(tmp_path: Path) -> str:
    """The database write_config names: a SQLite file in tmp_path. A test module that should run
    on both backends overrides this fixture with `database_url`."""
    return f"sqlite:///{tmp_path}/newsbot.db"


@pytest.fixture
def write_config(tmp_path: Path, database: str) -> Callable[..., Path]:
    """Write a config file for the given feeds; returns its path."""

    def write(
        feed_urls: dict[str, str],
        *,
        backfill: str = "6h",
        channels: str | None = None,
        extra_bot: str = "",
        drain: str = "20s",
        name: str = "newsbot.toml",
    ) -> Path:
        feeds_toml = "".join(
            f'[[feeds]]\nname = "{n}"\nurl = "{u}"\n\n' for n, u in feed_urls.items()
        )
        channels = (
            channels
            or '[[channels]]\nchannel = "C0ALERTS"\nlabels = ["missile-test", "diplomacy"]\n'
        )
        text = (
            f'[bot]\ndatabase = "{database}"\nbackfill = "{backfill}"\n'
            f'rules = ["{RULES}"]\nallow_private_networks = true\ndrain_timeout = "{drain}"\nread_timeout = "5s"\nconnect_timeout = "2s"\n{extra_bot}\n'
            '[slack]\npace = "0s"\n\n' + feeds_toml + channels
        )
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def env(slack: SlackStandIn) -> dict[str, str]:
    """An environment with a bot token and the Slack stand-in as the API."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NEWSBOT_"))}
    return {**base, "SLACK_BOT_TOKEN": "xoxb-test-token", "NEWSBOT_SLACK_API_URL": slack.url}
