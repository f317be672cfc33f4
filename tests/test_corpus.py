"""feedparser's own test corpus, served over the local feed server with the headers each file's
comment asks for, through fetch -> parse -> classify -> format. Skips where ../shared is absent."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.delivery.format import format_alert
from bot.domain.classify import classify
from bot.errors import FeedFetchError, FeedParseError
from bot.models import Alert, Classification
from bot.poll.fetch import fetch, make_client
from bot.poll.parse import parse_feed
from bot.tools.feedserver import FeedServer
from tests.conftest import SHARED

CORPUS = SHARED / "data" / "feedparser-corpus"
HEADER = re.compile(rb"^Header:\s*([\w-]+):\s*(.*?)\s*$", re.MULTILINE)
NOW = datetime(2026, 11, 22, tzinfo=UTC)
ENCODINGS = {".gz": "gzip", ".z": "deflate"}


def _serve(server: FeedServer, path: Path, rel: str) -> None:
    data = path.read_bytes()
    headers: dict[str, str] = {}
    status = 200
    content_type = "application/xml"
    for name, value in HEADER.findall(data[:2000]):
        key, val = name.decode(), value.decode("latin-1")
        if key.lower() == "status":
            status = int(val)
        elif key.lower() == "content-type":
            content_type = val
        elif key.lower() == "location":
            headers["Location"] = re.sub(r"^http://localhost:8097/(tests/)?", "/", val)
        else:
            headers[key] = val
    if path.suffix in ENCODINGS:
        headers["Content-Encoding"] = ENCODINGS[path.suffix]
    server.set(
        "/" + rel,
        data,
        status=status,
        content_type=content_type,
        headers=headers,
        etag=status == 200,
    )


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/data/feedparser-corpus is absent")
def test_every_corpus_file_goes_through_the_pipe(packs_for_corpus) -> None:  # type: ignore[no-untyped-def]
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "LICENSE")
    assert len(files) > 2000
    outcomes: Counter[str] = Counter()
    unexpected: list[str] = []
    with FeedServer() as server:
        for p in files:
            _serve(server, p, str(p.relative_to(CORPUS)))

        async def one(client, sem, p: Path) -> None:  # type: ignore[no-untyped-def]
            rel = str(p.relative_to(CORPUS))
            async with sem:
                try:
                    fetched = await fetch(
                        client,
                        server.url("/" + rel),
                        etag=None,
                        last_modified=None,
                        max_bytes=10 * 2**20,
                        deadline=20,
                        now=NOW,
                        allow_private=True,
                    )
                    if fetched.body is None:
                        outcomes["304"] += 1
                        return
                    parsed = parse_feed(
                        fetched.body,
                        url=fetched.final_url,
                        feed_name=rel,
                        now=NOW,
                        content_type=fetched.content_type,
                    )
                    for item in parsed.items:
                        c = classify(packs_for_corpus, item.title, item.summary)
                        labels = c.labels or ("missile-test",)
                        format_alert(
                            Alert("C1", item, labels, Classification(labels, c.scores, c.evidence))
                        )
                    outcomes["parsed-with-problem" if parsed.problem else "parsed"] += 1
                except FeedFetchError:
                    outcomes["fetch-error"] += 1
                except FeedParseError:
                    outcomes["parse-error"] += 1
                except Exception as e:  # the thing this test exists to catch
                    unexpected.append(f"{rel}: {type(e).__name__}: {e}")

        async def run_all() -> None:
            client = make_client(connect_timeout=5, read_timeout=10, max_connections=16)
            sem = asyncio.Semaphore(16)
            try:
                await asyncio.gather(*(one(client, sem, p) for p in files))
            finally:
                await client.aclose()

        asyncio.run(run_all())
    print(f"\ncorpus: {len(files)} files, outcomes {dict(outcomes)}")
    assert unexpected == []
    assert sum(outcomes.values()) == len(files)
    assert outcomes["parsed"] + outcomes["parsed-with-problem"] > 0.8 * len(files)


@pytest.fixture(scope="module")
def packs_for_corpus():  # type: ignore[no-untyped-def]
    import tomllib

    from bot.domain.classify import load_pack
    from bot.validate import Problems
    from tests.conftest import RULES

    return [load_pack(tomllib.loads(RULES.read_text(encoding="utf-8")), Problems())]
