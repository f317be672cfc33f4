"""HTTP for feeds: one shared httpx.AsyncClient, conditional GET, limits. Returns bytes.

Every failure becomes a FeedFetchError naming the URL and what went wrong; a 304 is a result,
not an error. The body is streamed and cut at the size cap, so a huge or endless response never
sits in memory; a total deadline covers servers that trickle bytes.
"""

from __future__ import annotations

import asyncio
import email.utils
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from bot import __version__
from bot.errors import FeedFetchError

USER_AGENT = f"newsbot/{__version__} (news alerting bot; httpx/{httpx.__version__})"


@dataclass(frozen=True)
class Fetched:
    """What a poll got. `body` is None when the server answered 304 Not Modified."""

    status: int
    body: bytes | None
    etag: str | None
    last_modified: str | None
    content_type: str | None
    final_url: str


def make_client(
    *, connect_timeout: float, read_timeout: float, max_redirects: int, max_connections: int
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
        limits=httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        ),
        follow_redirects=True,
        max_redirects=max_redirects,
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
        trust_env=False,
    )


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    etag: str | None,
    last_modified: str | None,
    max_bytes: int,
    deadline: float,
    now: datetime,
) -> Fetched:
    """GET a feed, conditionally. Raises FeedFetchError for anything but 200 or 304."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        async with asyncio.timeout(deadline):
            async with client.stream("GET", url, headers=headers) as response:
                if response.status_code == 304:
                    return Fetched(304, None, etag, last_modified, None, str(response.url))
                if response.status_code != 200:
                    retry_after = None
                    if response.status_code in (429, 503):
                        retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
                    reason = f"HTTP {response.status_code} {response.reason_phrase}".strip()
                    raise FeedFetchError(url, reason, retry_after=retry_after)
                declared = response.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    raise FeedFetchError(
                        url, f"body of {int(declared)} bytes exceeds the {max_bytes}-byte cap"
                    )
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise FeedFetchError(
                            url, f"body exceeds the {max_bytes}-byte cap (bot.max_feed_bytes)"
                        )
                    chunks.append(chunk)
                return Fetched(
                    status=200,
                    body=b"".join(chunks),
                    etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"),
                    content_type=response.headers.get("Content-Type"),
                    final_url=str(response.url),
                )
    except TimeoutError as e:
        raise FeedFetchError(url, f"no complete response within {deadline:.0f}s") from e
    except httpx.TooManyRedirects as e:
        raise FeedFetchError(url, "too many redirects (bot.max_redirects)") from e
    except httpx.TimeoutException as e:
        raise FeedFetchError(url, f"timed out ({type(e).__name__})") from e
    except httpx.ConnectError as e:
        raise FeedFetchError(url, f"cannot connect: {e}") from e
    except httpx.DecodingError as e:
        raise FeedFetchError(url, f"cannot decode the response body: {e}") from e
    except httpx.HTTPError as e:
        raise FeedFetchError(url, f"{type(e).__name__}: {e}") from e
