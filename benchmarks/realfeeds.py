"""Real news outlets' saved feeds, for the benchmarks and the fast road's differential tests.

    python -m benchmarks.realfeeds [--mirrors DIR]

benchmarks/realfeeds.toml lists each feed by repository, commit, path and sha256: files that
public feed-parser projects keep as test fixtures (Reuters, NYT, BBC, Guardian, Spiegel, Le Monde,
Indian Express, Japan Times, UOL, ...). Their text is not ours, so it never enters this repository:
this script copies each file into benchmarks/.realfeeds/ (git-ignored by a .gitignore it writes
there), from a local bare git copy of the repository when --mirrors holds one, else from GitHub at
the pinned commit, and keeps only files whose sha256 matches. Files already cached are kept.

Readers: `available()` answers the cached feeds (an empty list when nothing was fetched, so
tests skip and benchmarks say so).
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tomllib
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "realfeeds.toml"
CACHE = HERE / ".realfeeds"


@dataclass(frozen=True)
class RealFeed:
    outlet: str
    repo: str  # owner/name on GitHub
    commit: str
    path: str
    sha256: str
    content_type: str

    @property
    def cached(self) -> Path:
        return CACHE / f"{self.sha256[:12]}-{Path(self.path).name}"

    def body(self) -> bytes:
        return self.cached.read_bytes()


def manifest() -> list[RealFeed]:
    with MANIFEST.open("rb") as f:
        return [RealFeed(**entry) for entry in tomllib.load(f)["feed"]]


def available() -> list[RealFeed]:
    """The listed feeds that are in the cache, unaltered."""
    return [
        feed
        for feed in manifest()
        if feed.cached.is_file()
        and hashlib.sha256(feed.cached.read_bytes()).hexdigest() == feed.sha256
    ]


def _from_git(feed: RealFeed, mirrors: Path) -> bytes | None:
    owner, name = feed.repo.split("/")
    for git_dir in (
        mirrors / f"{owner}+{name}" / "repo",
        mirrors / f"{owner}+{name}",
        mirrors / owner / name,
        mirrors / f"{name}.git",
    ):
        if git_dir.is_dir():
            done = subprocess.run(
                ["git", "--git-dir", str(git_dir), "show", f"{feed.commit}:{feed.path}"],
                capture_output=True,
            )
            if done.returncode == 0:
                return done.stdout
    return None


def _from_github(feed: RealFeed) -> bytes | None:
    url = f"https://raw.githubusercontent.com/{feed.repo}/{feed.commit}/{feed.path}"
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return bytes(response.read())
    except OSError as e:
        print(f"{feed.outlet}: cannot download {url}: {e}", file=sys.stderr)
        return None


def fetch(mirrors: Path | None = None) -> tuple[int, int]:
    """Fill the cache; answers (feeds cached, feeds listed)."""
    CACHE.mkdir(exist_ok=True)
    (CACHE / ".gitignore").write_text("*\n")
    feeds = manifest()
    have = {feed.cached for feed in available()}
    for feed in feeds:
        if feed.cached in have:
            continue
        body = _from_git(feed, mirrors) if mirrors else None
        if body is None:
            body = _from_github(feed)
        if body is None:
            continue
        digest = hashlib.sha256(body).hexdigest()
        if digest != feed.sha256:
            print(
                f"{feed.outlet}: {feed.repo}:{feed.path}@{feed.commit[:10]} has sha256 {digest},"
                f" not {feed.sha256}: not cached",
                file=sys.stderr,
            )
            continue
        feed.cached.write_bytes(body)
    return len(available()), len(feeds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--mirrors",
        type=Path,
        help="a folder of bare git copies (owner+name/repo, owner+name, owner/name or name.git)",
    )
    args = parser.parse_args()
    cached, listed = fetch(args.mirrors)
    print(f"{cached} of {listed} real feeds cached in {CACHE.relative_to(HERE.parent)}")
    if cached < listed:
        sys.exit(1)


if __name__ == "__main__":
    main()
