"""Configuration: one TOML file plus secrets from the environment, validated once at start.

Everything is read into frozen dataclasses. Every problem is collected and reported together,
each naming the file and the key path; the bot does not start with an invalid config.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.domain.classify.pack import RulePack, extend_pack_data, load_pack
from bot.domain.severity import LEVELS
from bot.errors import ConfigError
from bot.plan.calendar import Digest, QuietHours, parse_digest, parse_quiet_hours, zone
from bot.service.logs import redact
from bot.validate import Problems, Table, format_duration

DEFAULT_CONFIG = Path("config") / "newsbot.toml"
SLACK_API_URL = "https://slack.com/api/"
MAX_FEED_NAME = 200  # feeds.name and items.feed_name are VARCHAR(200) on PostgreSQL
MAX_FEED_URL = 2000
MAX_CHANNEL = 80  # Slack's longest channel name; the outbox column holds 200
MAX_CONCURRENCY = 1000  # fetches in flight; each holds up to max_feed_bytes


@dataclass(frozen=True)
class BotConfig:
    database: str = "sqlite:///data/newsbot.db"
    poll_interval: timedelta = timedelta(minutes=2)
    backfill: timedelta = timedelta(hours=6)
    tick: timedelta = timedelta(seconds=1)  # a due feed waits for the next tick: keep it short
    jitter: float = 0.1
    max_concurrency: int = 20
    per_host_concurrency: int = 4
    connect_timeout: timedelta = timedelta(seconds=10)
    read_timeout: timedelta = timedelta(seconds=30)
    max_feed_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    allow_private_networks: bool = False
    parse_processes: int = -1  # -1: one per core when there are several; 0: parse in a thread
    max_backoff: timedelta = timedelta(hours=1)
    drain_timeout: timedelta = timedelta(seconds=60)
    story_window: timedelta = timedelta(hours=72)
    # a headline seen this recently does not alert again (wire copies hours apart); kept apart
    # from story_window: one agency's headline for two launches days apart is often the same
    title_window: timedelta = timedelta(hours=36)
    retention: timedelta = timedelta(days=30)
    http_port: int = 8080
    ops_channel: str = ""
    feed_alert_after: timedelta = timedelta(hours=6)
    shutdown_grace: timedelta = timedelta(seconds=20)
    # replicas: how long a claim on a feed or a message lasts (a dead replica's work waits at
    # most this long), and how many due feeds one tick claims at a time
    lease: timedelta = timedelta(minutes=5)
    claim_batch: int = 200
    # latency and politeness (bot/poll/polite.py, bot/poll/hot.py, bot/poll/websub.py)
    max_polite_delay: timedelta = timedelta(hours=1)  # cap on a server's floor past the interval
    hot_interval: timedelta = timedelta(seconds=30)
    hot_window: timedelta = timedelta(minutes=20)  # 0s: hot mode off
    hot_severity: str = "high"  # high | critical
    public_url: str = ""  # where hubs reach this bot (WebSub callbacks); empty: no WebSub
    websub_lease: timedelta = timedelta(days=7)  # the lease asked of hubs


@dataclass(frozen=True)
class SlackConfig:
    api_url: str = SLACK_API_URL
    pace: timedelta = timedelta(seconds=1)
    burst: int = 3  # messages a channel may get at once before pacing applies
    timeout: timedelta = timedelta(seconds=30)
    token: str | None = field(default=None, repr=False)  # from SLACK_BOT_TOKEN, never the file
    # from SLACK_APP_TOKEN: turns on the /newsbot slash command over Socket Mode
    app_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class FeedConfig:
    name: str
    url: str
    interval: timedelta | None = None
    hot: bool = False  # polled at bot.hot_interval while a grave story is fresh


@dataclass(frozen=True)
class ChannelConfig:
    channel: str
    labels: tuple[str, ...]
    keywords: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    threads: bool = True  # later reports of a story: thread replies and parent edits
    webhook_url_env: str = ""  # the env var holding an incoming-webhook URL, if not the bot token
    webhook_url: str | None = field(default=None, repr=False)  # its value (a secret)
    min_severity: str = "normal"  # normal | high | critical
    mention: str = "none"  # none | here | channel: added to critical alerts only
    digest: Digest = field(default_factory=Digest)
    storm_threshold: int = 5  # alerts within storm_window before storm mode starts
    storm_window: timedelta = timedelta(minutes=10)
    quiet_hours: QuietHours | None = None
    timezone: str = "UTC"

    @property
    def threaded(self) -> bool:
        """Webhooks cannot reply in threads or edit: their channels get first posts only."""
        return self.threads and self.webhook_url is None


@dataclass(frozen=True)
class Config:
    path: str
    bot: BotConfig
    slack: SlackConfig
    feeds: tuple[FeedConfig, ...]
    channels: tuple[ChannelConfig, ...]
    packs: tuple[RulePack, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(label for pack in self.packs for label in pack.labels)

    def interval_for(self, feed: FeedConfig) -> timedelta:
        return feed.interval or self.bot.poll_interval


def _url_problem(url: str) -> str | None:
    shown = redact(url)  # a password in the URL is not printed back
    try:
        parts = urlsplit(url)
        port = parts.port  # ValueError when out of range or not a number
    except ValueError as e:
        return f'"{shown}" is not a valid URL ({e})'
    if parts.scheme not in ("http", "https"):
        return f'"{shown}" must be an http:// or https:// URL'
    if not parts.hostname:
        return f'"{shown}" has no host name'
    if port == 0:
        return f'"{shown}" has port 0; use a port from 1 to 65535'
    return None


def _secret(env: Mapping[str, str], name: str, problems: Problems) -> str | None:
    """A secret from NAME, or from the file named by NAME_FILE (container secrets)."""
    value = env.get(name)
    if value:
        return _one_line(value.strip(), name, problems)
    file_name = env.get(f"{name}_FILE")
    if file_name:
        try:
            text = Path(file_name).read_text(encoding="utf-8").strip() or None
        except OSError as e:
            problems.add(f"{name}_FILE", f"cannot read {file_name}: {e.strerror}")
            return None
        return _one_line(text, f"{name}_FILE", problems) if text else None
    return None


def _one_line(value: str, name: str, problems: Problems) -> str | None:
    """A secret with a line break or a control character inside would end up in an HTTP header
    (and, refused there, in a traceback): refuse it here, without printing it."""
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in value):
        problems.add(
            name,
            "contains a line break, a space or a control character; set it to the secret alone, "
            "on one line",
        )
        return None
    return value


def bundled_packs() -> list[str]:
    """Names of the rule packs shipped inside the package ("northkorea", "examples/iran")."""
    root = resources.files("bot") / "rules"
    names = []
    for entry in root.iterdir():
        if entry.name.endswith(".toml"):
            names.append(entry.name.removesuffix(".toml"))
        elif entry.is_dir():
            names += [
                f"{entry.name}/{e.name.removesuffix('.toml')}"
                for e in entry.iterdir()
                if e.name.endswith(".toml")
            ]
    return sorted(names)


def _read_pack_files(
    base: Path, names: tuple[str, ...], problems: Problems
) -> list[tuple[str, dict[str, Any]]]:
    """(key path, raw TOML data) of each rule pack named in bot.rules.

    An entry ending in ".toml" is a file, relative to the config file's folder; any other entry
    names a pack shipped with newsbot ("northkorea")."""
    out = []
    for i, name in enumerate(names):
        key = f"bot.rules[{i}]"
        if not name.endswith(".toml"):
            bundled = resources.files("bot") / "rules" / f"{name}.toml"
            if ".." in name.split("/") or not bundled.is_file():
                problems.add(
                    key,
                    f'"{name}" is not a rule pack shipped with newsbot (shipped: '
                    f"{', '.join(bundled_packs())}); a pack file must be named by a path ending in .toml",
                )
                continue
            where, text = f"{key} (bundled rule pack {name})", bundled.read_text(encoding="utf-8")
        else:
            path = base / name
            where = f"{key} (rule pack {path})"
            try:
                text = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                problems.add(key, f"rule pack file {path} does not exist")
                continue
            except OSError as e:
                problems.add(key, f"cannot read rule pack {path}: {e.strerror}")
                continue
        try:
            out.append((where, tomllib.loads(text)))
        except tomllib.TOMLDecodeError as e:
            problems.add(key, f"{where.split(' (', 1)[1].rstrip(')')} is not valid TOML: {e}")
    return out


def _load_packs(raw: list[tuple[str, dict[str, Any]]], problems: Problems) -> list[RulePack]:
    """Validate and compile packs in order; a pack may extend one listed before it."""
    packs: list[RulePack] = []
    data_by_name: dict[str, dict[str, Any]] = {}
    for where, data in raw:
        parent = data.get("extends")
        if parent is not None:
            if parent not in data_by_name:
                known = ", ".join(data_by_name) or "none"
                problems.add(
                    where,
                    f'extends "{parent}", which is not a pack listed before it (known: {known})',
                )
                continue
            data = extend_pack_data(data_by_name[parent], data)
        pack_problems = Problems()
        pack = load_pack(data, pack_problems)
        for p in pack_problems.items:
            problems.add(where, p)
        if pack is None:
            continue
        if pack.name in data_by_name:
            problems.add(where, f'two rule packs are named "{pack.name}"')
            continue
        data_by_name[pack.name] = data
        packs.append(pack)
    defaults = [p.name for p in packs if p.default]
    if len(defaults) > 1:
        problems.add("bot.rules", f"only one pack may say default = true, found {defaults}")
    return packs


def parse_config(text: str, path: str, env: Mapping[str, str]) -> Config:
    """Validate config text; raise ConfigError listing every problem found."""
    problems = Problems()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(path, [f"not valid TOML: {e}"]) from e
    root = Table(data, "", problems)

    b = root.table("bot")
    d = BotConfig()
    bot = BotConfig(
        database=b.string("database", d.database),
        poll_interval=b.duration("poll_interval", d.poll_interval),
        backfill=b.duration("backfill", d.backfill),
        tick=b.duration("tick", d.tick),
        jitter=b.number("jitter", d.jitter, minimum=0.0),
        max_concurrency=b.integer(
            "max_concurrency", d.max_concurrency, minimum=1, maximum=MAX_CONCURRENCY
        ),
        per_host_concurrency=b.integer(
            "per_host_concurrency", d.per_host_concurrency, minimum=1, maximum=MAX_CONCURRENCY
        ),
        connect_timeout=b.duration("connect_timeout", d.connect_timeout),
        read_timeout=b.duration("read_timeout", d.read_timeout),
        max_feed_bytes=b.integer("max_feed_bytes", d.max_feed_bytes, minimum=1024),
        max_redirects=b.integer("max_redirects", d.max_redirects, minimum=0),
        allow_private_networks=b.boolean("allow_private_networks", d.allow_private_networks),
        parse_processes=b.integer("parse_processes", d.parse_processes, minimum=-1),
        max_backoff=b.duration("max_backoff", d.max_backoff),
        drain_timeout=b.duration("drain_timeout", d.drain_timeout),
        story_window=b.duration("story_window", d.story_window),
        title_window=b.duration("title_window", d.title_window),
        retention=b.duration("retention", d.retention),
        http_port=b.integer("http_port", d.http_port, minimum=0, maximum=65535),
        ops_channel=b.string("ops_channel"),
        feed_alert_after=b.duration("feed_alert_after", d.feed_alert_after),
        shutdown_grace=b.duration("shutdown_grace", d.shutdown_grace),
        lease=b.duration("lease", d.lease),
        claim_batch=b.integer("claim_batch", d.claim_batch, minimum=1),
        max_polite_delay=b.duration("max_polite_delay", d.max_polite_delay),
        hot_interval=b.duration("hot_interval", d.hot_interval),
        hot_window=b.duration("hot_window", d.hot_window),
        hot_severity=b.choice("hot_severity", ("high", "critical"), d.hot_severity),
        public_url=b.string("public_url", d.public_url),
        websub_lease=b.duration("websub_lease", d.websub_lease),
    )
    _check_latency_keys(bot, problems)
    rules = b.strings("rules", ("northkorea",))
    if bot.poll_interval < timedelta(seconds=1):
        problems.add("bot.poll_interval", "must be at least 1s")
    if bot.tick < timedelta(seconds=1):
        problems.add("bot.tick", "must be at least 1s")
    if bot.lease < bot.connect_timeout + bot.read_timeout + timedelta(seconds=1):
        problems.add(
            "bot.lease",
            "must be longer than one fetch (connect_timeout + read_timeout), or replicas would "
            "poll the same feed twice",
        )
    if bot.retention < max(bot.story_window, bot.backfill) + timedelta(days=1):
        problems.add(
            "bot.retention",
            "must exceed story_window and backfill by at least a day, or old entries could alert again",
        )
    if len(bot.ops_channel) > MAX_CHANNEL:
        problems.add(
            "bot.ops_channel",
            f"is {len(bot.ops_channel)} characters; a Slack channel name or id has at most "
            f"{MAX_CHANNEL}",
        )
    if bot.jitter > 0.5:
        problems.add(
            "bot.jitter",
            f"must be between 0 and 0.5 (a fraction of the interval), got {bot.jitter}",
        )
    b.finish()

    s = root.table("slack")
    sd = SlackConfig()
    api_url = s.string("api_url", sd.api_url)
    api_url = env.get("NEWSBOT_SLACK_API_URL") or api_url
    if (problem := _url_problem(api_url)) is not None:
        problems.add("slack.api_url", problem)
    if not api_url.endswith("/"):
        api_url += "/"
    slack = SlackConfig(
        api_url=api_url,
        pace=s.duration("pace", sd.pace),
        burst=s.integer("burst", sd.burst, minimum=1),
        timeout=s.duration("timeout", sd.timeout),
        token=_secret(env, "SLACK_BOT_TOKEN", problems),
        app_token=_secret(env, "SLACK_APP_TOKEN", problems),
    )
    if s.has("token"):
        problems.add("slack.token", "secrets never go in the file: set SLACK_BOT_TOKEN instead")
        s.finish_all_used()
    s.finish()

    feeds: list[FeedConfig] = []
    names: set[str] = set()
    urls: set[str] = set()
    for t in root.tables("feeds"):
        name = t.string("name", required=True)
        url = t.string("url", required=True)
        interval = t.duration("interval", timedelta(0)) if t.has("interval") else None
        hot = t.boolean("hot", False)
        if interval is not None and interval < timedelta(seconds=1):
            problems.add(t.key_path("interval"), "must be at least 1s")
        if url and (problem := _url_problem(url)) is not None:
            problems.add(t.key_path("url"), problem)
        if len(name) > MAX_FEED_NAME:  # the columns that keep them have these sizes
            problems.add(
                t.key_path("name"), f"is {len(name)} characters; at most {MAX_FEED_NAME} allowed"
            )
        if len(url) > MAX_FEED_URL:
            problems.add(
                t.key_path("url"), f"is {len(url)} characters; at most {MAX_FEED_URL} allowed"
            )
        if name in names:
            problems.add(
                t.key_path("name"), f'feed name "{name}" is used twice; names must be unique'
            )
        if url in urls:
            problems.add(t.key_path("url"), f"{url} is listed twice; remove one of the entries")
        names.add(name)
        urls.add(url)
        t.finish()
        feeds.append(FeedConfig(name=name, url=url, interval=interval, hot=hot))

    base = Path(path).parent
    raw_packs = _read_pack_files(base, rules, problems)
    inline = root.tables("packs")
    for t in inline:
        t.finish_all_used()  # validated by the pack loader, with this key path
    raw_packs += [(t.path, dict(t.data)) for t in inline]
    packs = _load_packs(raw_packs, problems)
    known_labels = {label for p in packs for label in p.labels}

    channels: list[ChannelConfig] = []
    for t in root.tables("channels"):
        channel = t.string("channel", required=True)
        if len(channel) > MAX_CHANNEL:
            problems.add(
                t.key_path("channel"),
                f"is {len(channel)} characters; a Slack channel name or id has at most "
                f"{MAX_CHANNEL}",
            )
        labels = t.strings("labels")
        if not labels:
            problems.add(t.key_path("labels"), "subscribe to at least one label")
        for label in labels:
            if packs and label not in known_labels:
                problems.add(
                    t.key_path("labels"),
                    f'unknown label "{label}"; known labels: {", ".join(sorted(known_labels))}',
                )
        webhook_env = t.string("webhook_url_env")
        webhook_url = None
        if webhook_env:
            webhook_url = _secret(env, webhook_env, problems)
            if webhook_url is None:
                problems.add(
                    t.key_path("webhook_url_env"),
                    f"environment variable {webhook_env} is not set; set it to the channel's "
                    "incoming-webhook URL, or remove webhook_url_env to post with the bot token",
                )
            elif (problem := _url_problem(webhook_url)) is not None:
                problems.add(t.key_path("webhook_url_env"), f"{webhook_env}: not a URL")
        tz = t.string("timezone", "UTC")
        if zone(tz) is None:
            problems.add(
                t.key_path("timezone"),
                f'unknown timezone "{tz}"; use an IANA name such as "Asia/Seoul" or "UTC"',
            )
            tz = "UTC"
        min_severity = t.choice("min_severity", LEVELS, "normal")
        mention = t.choice("mention", ("none", "here", "channel"), "none")
        digest = parse_digest(t.string("digest", "off"), tz)
        if isinstance(digest, str):
            problems.add(t.key_path("digest"), digest)
            digest = Digest()
        quiet = parse_quiet_hours(t.string("quiet_hours"), tz)
        if isinstance(quiet, str):
            problems.add(t.key_path("quiet_hours"), quiet)
            quiet = None
        storm_window = t.duration("storm_window", timedelta(minutes=10))
        if storm_window < timedelta(seconds=1):
            problems.add(t.key_path("storm_window"), "must be at least 1s")
        channels.append(
            ChannelConfig(
                channel=channel,
                labels=labels,
                keywords=t.strings("keywords"),
                exclude=t.strings("exclude"),
                threads=t.boolean("threads", True),
                webhook_url_env=webhook_env,
                webhook_url=webhook_url,
                min_severity=min_severity,
                mention=mention,
                digest=digest,
                storm_threshold=t.integer("storm_threshold", 5, minimum=1),
                storm_window=storm_window,
                quiet_hours=quiet,
                timezone=tz,
            )
        )
        t.finish()
    root.finish()

    database = _secret(env, "NEWSBOT_DATABASE_URL", problems) or bot.database
    http_port = bot.http_port
    if env.get("NEWSBOT_HTTP_PORT"):
        raw_port = env["NEWSBOT_HTTP_PORT"]
        if raw_port.isdigit() and int(raw_port) < 65536:
            http_port = int(raw_port)
        else:
            problems.add(
                "NEWSBOT_HTTP_PORT", f'"{raw_port}" is not a port number (0 turns the endpoint off)'
            )
    if not (database.startswith("sqlite:///") or database.startswith("postgresql")):
        problems.add(
            "bot.database",
            f'"{redact(database)}" is not supported; use "sqlite:///path/to/file.db" '
            '(or "postgresql://..." once that backend is installed)',
        )
    if problems.items:
        raise ConfigError(path, problems.items)
    database = anchor_sqlite(database, Path(path).parent)
    return Config(
        path=path,
        bot=BotConfig(
            **{
                **bot.__dict__,
                "database": database,
                "http_port": http_port,
                "allow_private_networks": bot.allow_private_networks
                or env.get("NEWSBOT_ALLOW_PRIVATE_NETWORKS", "").strip().lower()
                in ("1", "true", "yes"),
            }
        ),
        slack=slack,
        feeds=tuple(feeds),
        channels=tuple(channels),
        packs=tuple(packs),
    )


MIN_HOT_INTERVAL = timedelta(seconds=10)
MIN_WEBSUB_LEASE = timedelta(hours=1)


def _check_latency_keys(bot: BotConfig, problems: Problems) -> None:
    """Bounds of the politeness, hot-mode and WebSub keys."""
    if bot.hot_interval < MIN_HOT_INTERVAL:
        problems.add(
            "bot.hot_interval",
            f"must be at least {format_duration(MIN_HOT_INTERVAL)}: hot mode must not hammer "
            "the feeds it polls",
        )
    if bot.hot_window > timedelta(hours=6):
        problems.add("bot.hot_window", "must be at most 6h (0s turns hot mode off)")
    if bot.public_url:
        problem = _url_problem(bot.public_url)
        if problem is not None:
            problems.add("bot.public_url", f"{problem} (hubs post to <public_url>/websub/...)")
        elif urlsplit(bot.public_url).query or urlsplit(bot.public_url).fragment:
            problems.add("bot.public_url", "must not have a query or a fragment")
    if bot.websub_lease < MIN_WEBSUB_LEASE:
        problems.add(
            "bot.websub_lease",
            f"must be at least {format_duration(MIN_WEBSUB_LEASE)} (subscriptions are renewed "
            "before they run out)",
        )


def anchor_sqlite(url: str, base: Path) -> str:
    """A relative SQLite path made absolute against `base`, the config file's folder.

    One config means one database, whatever the working directory of the command that reads it
    (`run` in one place and `status` in another see the same file)."""
    if not url.startswith("sqlite:///"):
        return url
    rest = url.removeprefix("sqlite:///")
    prefix = ""
    if rest.startswith("file:"):
        prefix, rest = "file:", rest.removeprefix("file:")
    path, sep, query = rest.partition("?")
    if not path or path == ":memory:" or Path(path).is_absolute():
        return url
    return f"sqlite:///{prefix}{(base / path).resolve()}{sep}{query}"


def resolve_path(explicit: str | None, env: Mapping[str, str]) -> Path:
    """--config, else NEWSBOT_CONFIG, else config/newsbot.toml here, else the one in the source tree."""
    if explicit:
        return Path(explicit)
    if env.get("NEWSBOT_CONFIG"):
        return Path(env["NEWSBOT_CONFIG"])
    if DEFAULT_CONFIG.exists():
        return DEFAULT_CONFIG
    return Path(__file__).resolve().parents[2] / DEFAULT_CONFIG


def load_config(explicit: str | None, env: Mapping[str, str]) -> Config:
    path = resolve_path(explicit, env)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise ConfigError(
            str(path), ["file not found; pass --config PATH or set NEWSBOT_CONFIG"]
        ) from e
    except OSError as e:
        raise ConfigError(str(path), [f"cannot read the file: {e.strerror}"]) from e
    return parse_config(text, str(path), env)
