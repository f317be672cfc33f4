"""WebSub (W3C Recommendation, 2018), the subscriber's decisions. Pure: no I/O, no clock.

Hubs are discovered in the feed (`<link rel="hub">`, read by bot/poll/parse.py) and in the HTTP
`Link` header; the topic is the feed's `rel="self"` URL when it names one, else the feed's URL.
bot/service/websub.py does the requests; this module says what to send, what to answer the
hub's verification, whether a push is genuinely signed, and when to renew.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

CALLBACK_PREFIX = "/websub/"
# a subscription the hub has not verified within this long is asked for again; one the hub
# refused or denied is asked for again after RETRY_REFUSED
RETRY_UNVERIFIED = timedelta(minutes=30)
RETRY_REFUSED = timedelta(hours=6)
RENEW_MARGIN = 0.1  # renew when this share of the granted lease is left (at least a minute)
_SIGNATURES = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha384": hashlib.sha384}
_SIGNATURES["sha512"] = hashlib.sha512


@dataclass(frozen=True)
class Subscription:
    """A feed's WebSub subscription as stored (bot/store/latency.py)."""

    feed_url: str
    token: str
    hub: str
    topic: str
    secret: str
    state: str  # requested | active | denied | failed
    requested_at: datetime
    lease_until: datetime | None = None
    last_push_at: datetime | None = None
    last_error: str | None = None


_LINK = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]*)*)")
_REL = re.compile(r"""rel\s*=\s*(?:"([^"]*)"|([^\s;,"]+))""", re.IGNORECASE)


def link_header(value: str | None) -> tuple[tuple[str, ...], str | None]:
    """(hub URLs, self URL) from an HTTP Link header (RFC 8288): `<url>; rel="hub"`."""
    hubs: list[str] = []
    self_url = None
    for match in _LINK.finditer(value or ""):
        url, params = match.group(1).strip(), match.group(2)
        rel = _REL.search(params)
        if rel is None or not url.lower().startswith(("http://", "https://")):
            continue
        rels = (rel.group(1) or rel.group(2) or "").lower().split()
        if "hub" in rels and url not in hubs:
            hubs.append(url)
        if "self" in rels and self_url is None:
            self_url = url
    return tuple(hubs), self_url


def callback_url(public_url: str, token: str) -> str:
    return public_url.rstrip("/") + CALLBACK_PREFIX + token


def subscribe_form(
    *, topic: str, callback: str, secret: str, lease: timedelta, mode: str = "subscribe"
) -> dict[str, str]:
    """The form a subscriber POSTs to the hub."""
    return {
        "hub.mode": mode,
        "hub.topic": topic,
        "hub.callback": callback,
        "hub.secret": secret,
        "hub.lease_seconds": str(int(lease.total_seconds())),
    }


@dataclass(frozen=True)
class Verification:
    """The answer to a hub's GET on the callback, and what to record."""

    status: int
    body: str
    verified_until: datetime | None = None  # the subscription is active until then
    denied: str | None = None  # the hub denied it, for this reason


def verify_intent(
    sub: Subscription | None,
    params: Mapping[str, str],
    now: datetime,
    default_lease: timedelta,
) -> Verification:
    """Echo the challenge only for a subscription we asked for, for its topic; a denial is
    acknowledged and recorded. Anything else (unsubscribe requests we never sent, other
    topics, unknown callbacks) is refused with 404, as the spec asks."""
    mode = params.get("hub.mode", "")
    if sub is None or params.get("hub.topic") != sub.topic:
        return Verification(404, "unknown subscription\n")
    if mode == "denied":
        return Verification(200, "", denied=params.get("hub.reason") or "denied by the hub")
    challenge = params.get("hub.challenge", "")
    if mode != "subscribe" or not challenge or sub.state not in ("requested", "active"):
        return Verification(404, "not a subscription this bot asked for\n")
    seconds = params.get("hub.lease_seconds", "")
    lease = timedelta(seconds=int(seconds)) if seconds.isdigit() else default_lease
    lease = min(lease, timedelta(days=365))
    return Verification(200, challenge, verified_until=now + lease)


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """Whether `X-Hub-Signature: method=hex` is the HMAC of the body with the subscription's
    secret (sha1, sha256, sha384 or sha512)."""
    if not header or "=" not in header:
        return False
    method, _, given = header.strip().partition("=")
    digest = _SIGNATURES.get(method.strip().lower())
    if digest is None:
        return False
    expected = hmac.new(secret.encode(), body, digest).hexdigest()
    return hmac.compare_digest(expected, given.strip().lower())


def renewal_due(sub: Subscription, now: datetime) -> bool:
    """Whether to (re)subscribe now: an active lease nearly over, a request the hub never
    verified, or a refusal long enough ago."""
    if sub.state == "active" and sub.lease_until is not None:
        granted = sub.lease_until - sub.requested_at
        margin = max(granted * RENEW_MARGIN, timedelta(minutes=1))
        return now >= sub.lease_until - margin
    if sub.state == "requested":
        return now - sub.requested_at >= RETRY_UNVERIFIED
    return now - sub.requested_at >= RETRY_REFUSED


def healthy(sub: Subscription | None, now: datetime) -> bool:
    """An active subscription whose lease has not run out."""
    return (
        sub is not None
        and sub.state == "active"
        and sub.lease_until is not None
        and sub.lease_until > now
    )
