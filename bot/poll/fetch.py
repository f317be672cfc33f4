"""HTTP for feeds: a few small shared httpx pools, conditional GET, limits. Returns bytes.

Every failure becomes a FeedFetchError naming the URL and what went wrong; a 304 is a result,
not an error. The body is streamed and cut at the size cap, so a huge or endless response never
sits in memory; a total deadline covers servers that trickle bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import math
import socket
import ssl
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from urllib.parse import urlsplit

import httpx

from bot import __version__
from bot.errors import FeedFetchError
from bot.poll.polite import freshness, http_date

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
    # seconds the server says the answer stays fresh (Cache-Control max-age, Expires): the
    # floor of the next poll (bot/poll/polite.py); None when it says nothing
    fresh_for: float | None = None
    link: str | None = None  # the Link header (WebSub hubs are announced there too)


# what httpx.AsyncClient sent with every request, in its order (Host comes first, from httpx)
_HEADERS = (
    ("Accept", "*/*"),
    ("Connection", "keep-alive"),
    ("User-Agent", USER_AGENT),
    ("Accept-Encoding", "gzip, deflate"),
)


class FeedClient:
    """One small pool of connections to feed servers: httpx's transport, with the bot's headers,
    timeouts and cookie jar, and none of httpx.AsyncClient's other layers.

    fetch() follows redirects itself and uses no auth or event hooks, and the client's layers
    around the transport (building the request, the auth and redirect flows, the response
    wrapper) were about a sixth of a 304's CPU on loopback (0.92 -> 0.77 ms a request). The
    requests on the wire are the same; cookies a server sets are kept and sent back as the
    client did. `transport`: another transport (httpx.MockTransport in tests)."""

    def __init__(
        self,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 5.0,
        max_connections: int = 4,
        verify: ssl.SSLContext | bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
        self.transport = transport or httpx.AsyncHTTPTransport(
            verify=verify, limits=limits, trust_env=False
        )
        self.extensions = {
            "timeout": httpx.Timeout(read_timeout, connect=connect_timeout).as_dict()
        }
        self.cookies = httpx.Cookies()

    @contextlib.asynccontextmanager
    async def stream(self, url: str, headers: dict[str, str]) -> AsyncIterator[httpx.Response]:
        """GET `url` (with `headers` besides the bot's); the response is closed when the block
        ends, returning its connection to the pool once the body was read."""
        request = httpx.Request(
            "GET", url, headers=[*_HEADERS, *headers.items()], extensions=self.extensions
        )
        if self.cookies:
            self.cookies.set_cookie_header(request)
        response = await self.transport.handle_async_request(request)
        response.request = request
        try:
            if "set-cookie" in response.headers:
                self.cookies.extract_cookies(response)
            if response.has_redirect_location:
                _check_location(request, response.headers["Location"])
            yield response
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        await self.transport.aclose()

    async def __aenter__(self) -> FeedClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.aclose()


def _check_location(request: httpx.Request, location: str) -> None:
    """Refuse a redirect's Location as httpx.AsyncClient did when it read the answer (with
    the same errors, so a feed's reason reads as before): one that is not a URL, or an
    absolute one without a host that cannot take the request's host."""
    try:
        target = httpx.URL(location)
    except httpx.InvalidURL as e:
        raise httpx.RemoteProtocolError(
            f"Invalid URL in location header: {e}.", request=request
        ) from None
    if target.scheme and not target.host:
        target.copy_with(host=request.url.host)


def make_client(
    *,
    connect_timeout: float,
    read_timeout: float,
    max_connections: int,
    verify: ssl.SSLContext | bool = True,
) -> FeedClient:
    return FeedClient(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        max_connections=max_connections,
        verify=verify,
    )


class FeedClients:
    """Several small httpx clients instead of one big one.

    httpcore walks every connection and every waiting request of a pool each time it assigns a
    request, so CPU per request grows with the pool: on loopback, 1,000 conditional GETs at 20 in
    flight cost about 2.0 ms each through one 20-connection pool and about 1.0 ms through ten
    2-connection pools (the README's Performance section has the figures).

    A feed goes to the same client every time, so its keep-alive connection is reused, unless that
    client's connections are all busy (a slow feed holds one): then to the least busy client, so
    one slow server does not queue the feeds that share its client. The global and per-host
    semaphores in pipeline.py still cap what is in flight.
    """

    PER_CLIENT = 4

    def __init__(self, *, connect_timeout: float, read_timeout: float, max_connections: int):
        self.per = min(self.PER_CLIENT, max_connections)
        # one TLS context for all: loading the CA bundle costs ~25 ms of CPU each time
        context = httpx.create_ssl_context()
        self.clients = [
            make_client(
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                max_connections=self.per,
                verify=context,
            )
            for _ in range(max(1, math.ceil(max_connections / self.per)))
        ]
        self._busy = [0] * len(self.clients)

    @contextlib.contextmanager
    def client_for(self, url: str) -> Iterator[FeedClient]:
        """The client to fetch `url` with, counted as busy until the block ends."""
        n = zlib.crc32(url.encode()) % len(self.clients)
        if self._busy[n] >= self.per:
            n = min(range(len(self.clients)), key=self._busy.__getitem__)
        self._busy[n] += 1
        try:
            yield self.clients[n]
        finally:
            self._busy[n] -= 1

    async def aclose(self) -> None:
        for client in self.clients:
            await client.aclose()


DECODE_STEP = 64 * 1024  # the most one decompression step may produce
MAX_ENCODINGS = 3  # Content-Encoding layers decoded; more is refused


class BodyDecoder:
    """Undoes Content-Encoding (gzip, deflate, stacked) as the body arrives, never holding more
    than the size cap of output plus DECODE_STEP per layer: each layer is inflated in steps of
    at most DECODE_STEP (zlib's max_length), and the output is counted after every step."""

    def __init__(self, url: str, encoding: str | None, max_bytes: int) -> None:
        self.url = url
        self.max_bytes = max_bytes
        names = [e.strip().lower() for e in (encoding or "").split(",") if e.strip()]
        names = [n for n in names if n != "identity"]
        if len(names) > MAX_ENCODINGS:
            raise FeedFetchError(
                url, f"refused: {len(names)} stacked content encodings (at most {MAX_ENCODINGS})"
            )
        for name in names:
            if name not in ("gzip", "x-gzip", "deflate"):
                raise FeedFetchError(url, f"cannot decode the response body: {name} encoding")
        # the last encoding applied is the first to undo
        self.names = names[::-1]
        self.layers = [self._inflater(n) for n in self.names]
        self.started = [False] * len(self.names)
        self.parts: list[bytes] = []
        self.size = 0

    @staticmethod
    def _inflater(name: str, raw: bool = False) -> zlib._Decompress:
        # gzip: wbits 31. deflate is zlib-wrapped by the standard (wbits 15), raw (-15) from
        # some servers: tried when the zlib header is wrong, as browsers and httpx do
        return zlib.decompressobj(31 if name in ("gzip", "x-gzip") else -15 if raw else 15)

    def feed(self, data: bytes) -> None:
        self._push(0, data)

    def _push(self, depth: int, data: bytes) -> None:
        if depth == len(self.layers):
            self.size += len(data)
            if self.size > self.max_bytes:
                raise FeedFetchError(
                    self.url, f"body exceeds the {self.max_bytes}-byte cap (bot.max_feed_bytes)"
                )
            self.parts.append(data)
            return
        while True:
            layer = self.layers[depth]
            if layer.eof:  # another gzip member follows (or padding after the end)
                if not data.strip(b"\0"):
                    return
                layer = self.layers[depth] = self._inflater(self.names[depth])
            try:
                out = layer.decompress(data, DECODE_STEP)
            except zlib.error as e:
                if self.names[depth] == "deflate" and not self.started[depth]:
                    self.layers[depth] = self._inflater("deflate", raw=True)
                    self.started[depth] = True
                    continue
                raise FeedFetchError(self.url, f"cannot decode the response body: {e}") from e
            self.started[depth] = True
            data = layer.unconsumed_tail or (layer.unused_data if layer.eof else b"")
            if out:
                self._push(depth + 1, out)
            if not data and len(out) < DECODE_STEP:
                return  # all input taken, and zlib has no more output waiting

    def finish(self) -> bytes:
        """The decoded body (a stream cut short gives what arrived: the parser copes)."""
        return b"".join(self.parts)


MAX_RETRY_AFTER = 6 * 3600.0  # the longest wait a feed server's Retry-After is honoured for


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), at most
    MAX_RETRY_AFTER: a server cannot park a feed for longer (it may ask again next time)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value[:12]) if len(value) <= 12 else MAX_RETRY_AFTER, MAX_RETRY_AFTER)
    when = http_date(value)
    if when is None:
        return None
    return min(max(0.0, (when - now).total_seconds()), MAX_RETRY_AFTER)


_METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data"})


# Not public, though `ipaddress.is_private` says nothing of them: shared address space (carrier
# NAT; 100.100.100.200 is a cloud metadata address), IETF protocol assignments, benchmarking,
# documentation and the reserved block.
_NOT_PUBLIC = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "100.64.0.0/10",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "240.0.0.0/4",
        "2001:db8::/32",
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def address_problem(address: str) -> str | None:
    """Why an address must not be fetched from (None if it is a public unicast address).

    IPv6 forms that carry an IPv4 address (mapped, 6to4, Teredo, NAT64) are judged by the IPv4
    address inside, since that is where the packets would go."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        inner: ipaddress.IPv4Address | None = ip.ipv4_mapped or ip.sixtofour
        if inner is None and ip.teredo is not None:
            inner = ip.teredo[1]
        if inner is None and ip in _NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None:
            problem = address_problem(str(inner))
            return None if problem is None else f"{ip} carries {problem}"
    if ip.is_loopback:
        return f"{ip} is a loopback address"
    if ip.is_link_local:
        return f"{ip} is link-local (cloud metadata services live there)"
    if ip.is_private:
        return f"{ip} is a private-network address"
    if ip.is_multicast or ip.is_reserved or ip.is_unspecified:
        return f"{ip} is not a public unicast address"
    if any(ip in net for net in _NOT_PUBLIC) or not ip.is_global:
        return f"{ip} is not a public address (a shared, special-purpose or reserved range)"
    return None


async def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse non-http(s) URLs and, unless allowed, hosts that resolve to non-public addresses."""
    try:
        parts = urlsplit(url)
        port = parts.port  # ValueError when out of range
    except ValueError as e:
        raise FeedFetchError(url, f"not a valid URL: {e}") from e
    if parts.scheme not in ("http", "https"):
        raise FeedFetchError(
            url, f"refused: only http and https are fetched, not {parts.scheme or 'no scheme'}"
        )
    if port == 0:
        raise FeedFetchError(url, "not a valid URL: port 0")
    host = parts.hostname
    if not host:
        raise FeedFetchError(url, "refused: the URL has no host")
    if allow_private:
        return
    if host.lower() in _METADATA_HOSTS:
        raise FeedFetchError(url, f"refused: {host} is a cloud metadata host", blocked=True)
    try:
        addresses = [str(ipaddress.ip_address(host))]  # an address literal needs no lookup
    except ValueError:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port or 443, type=socket.SOCK_STREAM
            )
        except socket.gaierror as e:
            raise FeedFetchError(url, f"cannot resolve {host}: {e.strerror}") from e
        addresses = [str(info[4][0]) for info in infos]
    for address in addresses:
        problem = address_problem(address)
        if problem is not None:
            raise FeedFetchError(
                url,
                f"refused: {host} resolves to {problem}. To allow it, set "
                "bot.allow_private_networks = true or NEWSBOT_ALLOW_PRIVATE_NETWORKS=1",
                blocked=True,
            )


async def fetch(
    client: FeedClient,
    url: str,
    *,
    etag: str | None,
    last_modified: str | None,
    max_bytes: int,
    deadline: float,
    now: datetime,
    max_redirects: int = 5,
    allow_private: bool = False,
) -> Fetched:
    """GET a feed, conditionally, following redirects itself so every hop is checked."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        async with asyncio.timeout(deadline):
            target = url
            for _hop in range(max_redirects + 1):
                await check_url(target, allow_private=allow_private)
                result = await _get(client, url, target, headers, max_bytes, now)
                if isinstance(result, Fetched):
                    return result
                target = result  # a redirect's absolute location
            raise FeedFetchError(url, f"more than {max_redirects} redirects (bot.max_redirects)")
    except TimeoutError as e:
        raise FeedFetchError(url, f"no complete response within {deadline:.0f}s") from e
    except httpx.TimeoutException as e:
        raise FeedFetchError(url, f"timed out ({type(e).__name__})") from e
    except httpx.ConnectError as e:
        raise FeedFetchError(url, f"cannot connect: {e}") from e
    except httpx.DecodingError as e:
        raise FeedFetchError(url, f"cannot decode the response body: {e}") from e
    except httpx.HTTPError as e:
        raise FeedFetchError(url, f"{type(e).__name__}: {e}") from e
    except httpx.InvalidURL as e:  # not an HTTPError: a URL httpx cannot request
        raise FeedFetchError(url, f"not a valid URL: {e}") from e


async def _get(
    client: FeedClient,
    url: str,
    target: str,
    headers: dict[str, str],
    max_bytes: int,
    now: datetime,
) -> Fetched | str:
    """One request: the result, or the next URL when the answer is a redirect."""
    async with client.stream(target, headers) as response:
        if response.status_code in (301, 302, 303, 307, 308):
            location = response.headers.get("Location")
            if not location:
                raise FeedFetchError(url, f"HTTP {response.status_code} without a Location header")
            try:
                return str(response.url.join(location))
            except httpx.InvalidURL as e:
                raise FeedFetchError(url, f"redirected to an invalid URL: {e}") from e
        if response.status_code == 304:
            # A 304 has no body, but httpcore returns the connection to the pool only once the
            # response has been read to its end; unread, every poll would open a new connection
            # (and, for https, a new TLS handshake).
            await response.aread()
            return Fetched(
                304,
                None,
                headers.get("If-None-Match"),
                headers.get("If-Modified-Since"),
                None,
                target,
                fresh_for=_fresh_for(response.headers, now),
                link=response.headers.get("Link"),
            )
        if response.status_code != 200:
            retry_after = None
            if response.status_code in (429, 503):
                retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
            reason = f"HTTP {response.status_code} {response.reason_phrase}".strip()
            raise FeedFetchError(url, reason, retry_after=retry_after)
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise FeedFetchError(
                url,
                f"body of {int(declared)} bytes exceeds the {max_bytes}-byte cap (bot.max_feed_bytes)",
            )
        # Decoded here, not by httpx: httpx inflates each chunk whole, layer after layer, before
        # anything can count it, so a 2 KB stacked-gzip body becomes gigabytes in memory first.
        decoder = BodyDecoder(url, response.headers.get("Content-Encoding"), max_bytes)
        async for chunk in response.aiter_raw():
            decoder.feed(chunk)
        body = decoder.finish()
        return Fetched(
            status=200,
            body=body,
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
            content_type=response.headers.get("Content-Type"),
            final_url=str(response.url),
            fresh_for=_fresh_for(response.headers, now),
            link=response.headers.get("Link"),
        )


def _fresh_for(headers: httpx.Headers, now: datetime) -> float | None:
    return freshness(
        headers.get("Cache-Control"),
        headers.get("Expires"),
        date=headers.get("Date"),
        age=headers.get("Age"),
        now=now,
    )
