"""WebSub: hubs found in feeds (and Link headers) are subscribed to where bot.public_url is set;
the hub's verification is answered only for what was asked; signed pushes go through the same
parse -> classify -> story -> outbox path as a poll; leases are renewed. A local hub over real
sockets plays the other side."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.poll import websub as ws
from bot.poll.websub import Subscription
from bot.service.app import build_app
from bot.service.config import load_config
from bot.service.metrics import Metrics
from bot.service.web import HealthServer
from bot.service.websub import WebSub
from bot.tools.feedserver import FeedServer
from tests.conftest import DISTINCT_LAUNCHES, LAUNCH, ago, rss
from tests.hub import LocalHub, get
from tests.peers import SlackStandIn
from tests.test_pipeline import FakeTime

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
TOPIC = "https://desk.test/feed.xml"


def _sub(**changes: object) -> Subscription:
    base: dict[str, object] = {
        "feed_url": TOPIC,
        "token": "t0ken",
        "hub": "https://hub.test/",
        "topic": TOPIC,
        "secret": "s3cret",
        "state": "requested",
        "requested_at": T0,
    }
    return Subscription(**{**base, **changes})  # type: ignore[arg-type]


# -- the pure decisions ------------------------------------------------------------------------


def test_link_headers_name_hubs_and_self() -> None:
    header = (
        '<https://hub.test/>; rel="hub", <https://desk.test/feed.xml>; rel="self", '
        "<https://other.test/hub>; rel=hub, <https://desk.test/>; rel=alternate, "
        '</relative>; rel="hub", <https://both.test/>; rel="hub self"'
    )
    assert ws.link_header(header) == (
        ("https://hub.test/", "https://other.test/hub", "https://both.test/"),
        "https://desk.test/feed.xml",
    )
    assert ws.link_header(None) == ((), None)
    assert ws.link_header("garbage") == ((), None)


def test_signatures_in_sha1_and_sha256_form_are_checked() -> None:
    body = b"<rss/>"
    for method in ("sha1", "sha256", "sha512"):
        good = hmac.new(b"s3cret", body, getattr(hashlib, method)).hexdigest()
        assert ws.signature_ok("s3cret", body, f"{method}={good}")
        assert not ws.signature_ok("other", body, f"{method}={good}")
        assert not ws.signature_ok("s3cret", body + b" ", f"{method}={good}")
    assert not ws.signature_ok("s3cret", body, None)
    assert not ws.signature_ok("s3cret", body, "md5=abc")
    assert not ws.signature_ok("s3cret", body, "nonsense")


def test_only_the_intent_we_asked_for_is_confirmed() -> None:
    ask = {"hub.mode": "subscribe", "hub.topic": TOPIC, "hub.challenge": "xyz"}
    lease = timedelta(days=7)
    answer = ws.verify_intent(_sub(), {**ask, "hub.lease_seconds": "3600"}, T0, lease)
    assert (answer.status, answer.body) == (200, "xyz")
    assert answer.verified_until == T0 + timedelta(hours=1)
    assert ws.verify_intent(_sub(), ask, T0, lease).verified_until == T0 + lease  # no lease given
    refused = [
        (None, ask),  # an unknown callback
        (_sub(), {**ask, "hub.topic": "https://elsewhere.test/"}),
        (_sub(), {**ask, "hub.mode": "unsubscribe"}),  # never asked for
        (_sub(), {**ask, "hub.challenge": ""}),
        (_sub(state="failed"), ask),
    ]
    for sub, params in refused:
        answer = ws.verify_intent(sub, params, T0, lease)
        assert answer.status == 404 and answer.verified_until is None
    denied = ws.verify_intent(
        _sub(), {"hub.mode": "denied", "hub.topic": TOPIC, "hub.reason": "no"}, T0, lease
    )
    assert (denied.status, denied.denied) == (200, "no")


def test_leases_are_renewed_before_they_run_out() -> None:
    active = _sub(state="active", lease_until=T0 + timedelta(days=10))
    assert not ws.renewal_due(active, T0 + timedelta(days=8))
    assert ws.renewal_due(active, T0 + timedelta(days=9, hours=1))  # the last tenth
    assert not ws.renewal_due(_sub(), T0 + timedelta(minutes=10))  # awaiting verification
    assert ws.renewal_due(_sub(), T0 + timedelta(hours=1))  # never verified: ask again
    assert not ws.renewal_due(_sub(state="denied"), T0 + timedelta(hours=1))
    assert ws.renewal_due(_sub(state="failed"), T0 + timedelta(hours=7))


# -- against a local hub ------------------------------------------------------------------------


def _feed_with_hub(*items: dict[str, object], hub: str, self_url: str) -> str:
    return (
        rss(*items)
        .replace(
            '<rss version="2.0">', '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
        )
        .replace(
            "<description>test</description>",
            f'<description>test</description><atom:link rel="hub" href="{hub}"/>'
            f'<atom:link rel="self" href="{self_url}"/>',
        )
    )


def _config(tmp_path: Path, feed_url: str, public_url: str) -> Path:
    path = tmp_path / "newsbot.toml"
    path.write_text(
        f'[bot]\ndatabase = "sqlite:///{tmp_path}/newsbot.db"\nallow_private_networks = true\n'
        f'read_timeout = "5s"\npublic_url = "{public_url}"\nwebsub_lease = "10d"\n'
        '[slack]\npace = "0s"\n\n'
        f'[[feeds]]\nname = "Wire"\nurl = "{feed_url}"\n\n'
        '[[channels]]\nchannel = "C0ALERTS"\nlabels = ["missile-test"]\n',
        encoding="utf-8",
    )
    return path


def test_subscribe_verify_push_and_renew_against_a_local_hub(
    tmp_path: Path,
    feeds: FeedServer,
    slack: SlackStandIn,
    env: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="newsbot")
    clock = FakeTime()

    async def scenario(hub: LocalHub) -> None:
        feed_url = feeds.url("/wire.xml")
        feeds.set("/wire.xml", _feed_with_hub(hub=hub.url, self_url=feed_url))
        server = HealthServer(Metrics(), lambda: (True, ""))
        port = await server.start("127.0.0.1", 0)
        public = f"http://127.0.0.1:{port}/"
        app = build_app(load_config(str(_config(tmp_path, feed_url, public)), env), clock=clock)
        websub = WebSub(app.pipeline, app.store)
        server.websub = websub
        try:
            await app.pipeline.poll_all()  # finds the hub, asks it
            await websub.settle()
            (form,) = hub.requests
            assert form["hub.topic"] == feed_url
            (stored,) = app.store.subscriptions()
            assert form["hub.callback"] == f"{public.rstrip('/')}/websub/{stored.token}"
            assert len(stored.token) >= 24 and form["hub.secret"] == stored.secret
            assert form["hub.lease_seconds"] == str(10 * 86400)
            sub = hub.subscriptions[feed_url]
            assert await asyncio.to_thread(sub.verified.wait, 10)
            assert sub.challenge_echoed
            (stored,) = app.store.subscriptions()
            assert stored.state == "active"
            assert stored.lease_until == clock.now + timedelta(days=10)

            # a verification for a topic never asked for, or an unsubscribe, is refused
            callback = form["hub.callback"]
            for query in (
                "hub.mode=subscribe&hub.topic=https://evil.test/&hub.challenge=x",
                f"hub.mode=unsubscribe&hub.topic={feed_url}&hub.challenge=x",
            ):
                status, body = await asyncio.to_thread(get, f"{callback}?{query}")
                assert status == 404 and body != "x"  # the challenge is not echoed

            # a signed push: the launch goes the way a polled one goes, to Slack
            pushed = _feed_with_hub(
                {**LAUNCH, "published": ago(minutes=1)}, hub=hub.url, self_url=feed_url
            ).encode()
            assert await asyncio.to_thread(hub.push, feed_url, pushed) == 202
            await app.deliverer.deliver_due()
            assert any(LAUNCH["title"] in str(c.args) for c in slack.posts())

            # a push signed with another secret is ignored, and the log names the feed
            forged = _feed_with_hub(
                {**DISTINCT_LAUNCHES[0], "published": ago(minutes=1)},
                hub=hub.url,
                self_url=feed_url,
            ).encode()
            assert await asyncio.to_thread(hub.push, feed_url, forged, secret="guess") == 202
            await app.deliverer.deliver_due()
            assert not any(DISTINCT_LAUNCHES[0]["title"] in str(c.args) for c in slack.posts())
            assert "feed 'Wire': a WebSub push" in caplog.text
            assert "not signed" in caplog.text
            # the sha1 form, rightly signed, is taken
            assert await asyncio.to_thread(hub.push, feed_url, forged, method="sha1") == 202
            await app.deliverer.deliver_due()
            titles = [str(c.args) for c in slack.posts()]
            assert sum(DISTINCT_LAUNCHES[0]["title"] in t for t in titles) == 1

            # near the end of the lease the subscription is renewed, same callback and secret
            clock.now += timedelta(days=9, hours=12)
            assert await websub.renew_due() == 1
            assert len(hub.requests) == 2
            assert hub.requests[1]["hub.callback"] == callback
            assert hub.requests[1]["hub.secret"] == form["hub.secret"]
            polled = [r.path for r in feeds.requests]
            assert polled == ["/wire.xml"]  # pushes needed no poll; polling itself goes on
        finally:
            await websub.aclose()
            await server.stop()
            await app.aclose()

    with LocalHub() as hub:
        asyncio.run(scenario(hub))


def test_a_hub_named_in_the_link_header_is_found_and_none_without_public_url(
    tmp_path: Path, feeds: FeedServer, env: dict[str, str]
) -> None:
    clock = FakeTime()

    async def scenario(hub: LocalHub, public_url: str) -> None:
        feed_url = feeds.set(
            "/wire.xml",
            rss(),
            headers={"Link": f'<{hub.url}>; rel="hub", <https://desk.test/x.xml>; rel="self"'},
        )
        home = tmp_path / ("with" if public_url else "without")  # a database each
        home.mkdir()
        app = build_app(load_config(str(_config(home, feed_url, public_url)), env), clock=clock)
        websub = WebSub(app.pipeline, app.store)
        try:
            await app.pipeline.poll_all()
            await websub.settle()
        finally:
            await websub.aclose()
            await app.aclose()

    with LocalHub() as hub:
        asyncio.run(scenario(hub, ""))
        assert hub.requests == []  # no public_url: no subscription
        asyncio.run(scenario(hub, "http://127.0.0.1:9/"))
        (form,) = hub.requests
        assert form["hub.topic"] == "https://desk.test/x.xml"
