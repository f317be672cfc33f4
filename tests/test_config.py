"""Config validation: every bad file gives its own clear error naming the file and key path."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.service.cli import main
from bot.service.config import load_config
from bot.validate import parse_duration
from tests.conftest import DATA, ROOT

BAD = DATA / "bad_configs"

# file -> fragments that must all appear in the error (key path, problem, hint)
EXPECTED = {
    "syntax_error.toml": ["not valid TOML", "line 2"],
    "unknown_key.toml": ["bot.pol_interval", "unknown key", 'did you mean "poll_interval"'],
    "wrong_type.toml": ["bot.max_concurrency", "expected a whole number", "'lots'"],
    "bad_duration.toml": ["bot.poll_interval", '"5 minutes" is not a duration', '"5m"'],
    "bad_url.toml": ["feeds[0].url", "must be an http:// or https:// URL"],
    "duplicate_feed.toml": ["feeds[1].name", "used twice", "feeds[1].url", "listed twice"],
    "unknown_label.toml": ["channels[0].labels", 'unknown label "missile-tests"', "missile-test"],
    "token_in_file.toml": ["slack.token", "SLACK_BOT_TOKEN"],
    "missing_feed_url.toml": ["feeds[0].url", "is required"],
    "feeds_not_array.toml": ["feeds", "expected an array of tables"],
    "missing_rule_pack.toml": ["bot.rules[0]", "does-not-exist.toml", "does not exist"],
    "bad_database.toml": ["bot.database", "not supported", "sqlite:///"],
    "out_of_range.toml": [
        "bot.http_port",
        "must be at most 65535, got 70000",
        "bot.max_concurrency",
        "must be at most 1000",
        "bot.poll_interval",
        '"3650000d" is not a duration of at most 36500d',
        "feeds[0].interval",
        '"99999999999d" is not a duration',
    ],
    "unusable_feed_urls.toml": [
        "feeds[0].url",
        '"http://[::1/feed" is not a valid URL',
        "feeds[1].url",
        "is not a valid URL (Port out of range",
    ],
    "long_channel.toml": ["channels[0].channel", "at most 80"],
    "bad_latency.toml": [
        "bot.hot_interval",
        "must be at least 10s",
        "bot.hot_window",
        "must be at most 6h",
        "bot.hot_severity",
        '"normal" is not one of "high", "critical"',
        "bot.public_url",
        "must be an http:// or https:// URL",
        "bot.websub_lease",
        "must be at least 1h",
        "feeds[0].hot",
        "true or false",
    ],
    "long_feed_name.toml": [
        "feeds[0].name",
        "at most 200 allowed",
        "feeds[0].url",
        "at most 2000 allowed",
    ],
}


@pytest.fixture
def bad_dir(tmp_path: Path) -> Path:
    """The bad configs beside a copy of the rules, as a user's config directory would be."""
    shutil.copytree(ROOT / "config" / "rules", tmp_path / "rules")
    for f in BAD.iterdir():
        shutil.copy(f, tmp_path / f.name)
    return tmp_path


def test_every_bad_config_fixture_has_expectations() -> None:
    assert sorted(p.name for p in BAD.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_config_gives_a_clear_error(
    bad_dir: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = bad_dir / name
    code = main(["check-config", "--config", str(path)], {})
    err = capsys.readouterr().err
    assert code == 2
    assert str(path) in err
    for fragment in EXPECTED[name]:
        assert fragment in err, f"{fragment!r} missing from: {err}"


def test_secrets_in_urls_and_tokens_are_never_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(ROOT / "config" / "rules", tmp_path / "rules")
    path = tmp_path / "newsbot.toml"
    feed = '[[feeds]]\nname = "Wire"\nurl = "https://bob:s3cret@feeds.example.org/rss?token=t0k"\n'
    for database in ("postgres://news:pa55word@db/news", "mysql://root:pa55word@db/news"):
        path.write_text(f'[bot]\ndatabase = "{database}"\n{feed}')
        assert main(["check-config", "--config", str(path)], {}) == 2
        err = capsys.readouterr().err
        assert ("bot.database" in err and "pa55word" not in err and "news:***@" in err) or (
            "root:***@" in err
        )
    path.write_text(f'[bot]\ndatabase = "sqlite:///{tmp_path}/x.db?password=pa55word"\n{feed}')
    assert main(["check-config", "--config", str(path)], {}) == 0
    out = capsys.readouterr().out
    assert "pa55word" not in out and "password=***" in out
    assert "s3cret" not in out and "t0k" not in out and "bob:***@feeds.example.org" in out
    token = "xoxb-1234-5678-abcdefSECRET"
    code = main(["check-config", "--config", str(path)], {"SLACK_BOT_TOKEN": f"{token}\nxyz"})
    err = capsys.readouterr().err
    assert code == 2 and "SLACK_BOT_TOKEN" in err and "line break" in err
    assert "abcdefSECRET" not in err


def test_shipped_config_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", "--config", str(ROOT / "config" / "newsbot.toml")], {}) == 0
    out = capsys.readouterr().out
    assert "OK" in out and "console mode" in out and "missile-test" in out


def test_environment_overrides_and_secret_file(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("xoxb-from-file\n")
    config = load_config(
        str(ROOT / "config" / "newsbot.toml"),
        {
            "SLACK_BOT_TOKEN_FILE": str(token_file),
            "NEWSBOT_SLACK_API_URL": "http://127.0.0.1:9/api",
            "NEWSBOT_DATABASE_URL": "sqlite:////tmp/x.db",
        },
    )
    assert config.slack.token == "xoxb-from-file"
    assert config.slack.api_url == "http://127.0.0.1:9/api/"
    assert config.bot.database == "sqlite:////tmp/x.db"
    assert "xoxb" not in repr(config)


def test_newsbot_config_env_selects_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(None, {"NEWSBOT_CONFIG": str(tmp_path / "nope.toml")})
    assert "nope.toml" in str(info.value) and "file not found" in str(info.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("2m", timedelta(minutes=2)),
        ("1h30m", timedelta(minutes=90)),
        ("1d", timedelta(days=1)),
        ("0s", timedelta(0)),
        ("2 m", None),
        ("", None),
        ("m", None),
        ("5", None),
    ],
)
def test_durations(text: str, expected: timedelta | None) -> None:
    assert parse_duration(text) == expected
