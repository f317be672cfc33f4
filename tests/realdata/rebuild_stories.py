"""Rebuild the real-news story set from a saved copy of public feeds.

    python -m tests.realdata.rebuild_stories --repo PATH [--labels tests/realdata/stories_labels.tsv]
        [--out tests/realdata/stories_real.jsonl] [--list]
    python -m tests.realdata.rebuild_stories --dir DIR --labels tests/realdata/stories_labels_2025.tsv
    python -m tests.realdata.rebuild_stories --repo PATH --labels tests/realdata/stories_labels_2021.tsv

PATH is a git directory of the year's rumca-js/RSS-Link-Database-<year> named in the labels
file (daily JSON files of many outlets' feed entries; a bare clone will do): 2023 for
stories_labels.tsv (-> stories_real.jsonl), 2022 for stories_labels_2022.tsv (-> its --out,
by default stories_real_2022.jsonl), 2021 for stories_labels_2021.tsv (->
stories_real_2021.jsonl; the commit it names is the one whose tree holds the daily files,
before the newest commit zipped them), 2023 again for stories_labels_2023b.tsv (->
stories_real_2023b.jsonl: other windows of 2023), 2022 again for stories_labels_2022b.tsv (->
stories_real_2022b.jsonl: the days of 2022 the 2022 set leaves out), 2023 again for
stories_labels_2023c.tsv (-> stories_real_2023c.jsonl: 2023 days neither 2023 set covers), 2023
again for stories_labels_2023d.tsv (-> stories_real_2023d.jsonl: 2023 days no earlier 2023 set
covers).
rumca-js/RSS-Link-Database-2025 is too big to bring here
as a git directory: for stories_labels_2025.tsv (-> stories_real_2025.jsonl), `--dir DIR` names a
plain directory tree of its daily files instead (a clone's working tree, YYYY/MM/YYYY-MM-DD/
<feed>_entries.json), read as it is. The script reads, at the commit named in the labels
file, the entries of the days in its windows, keeps those whose id (the first 12
hex digits of sha1 of the entry link) the labels file lists, and writes them as JSON lines in
the form `newsbot eval-stories` reads, with the labels file's event ids. Only ids, event ids and
our short notes live in the repository; the reports' text comes from the saved feeds, and the
output file is not committed (it is in .gitignore).

An entry that repeats an earlier one's title exactly (an aggregator re-publishing a wire story)
is left out: dedupe would drop it before stories are assigned.

`--list` prints, instead, every entry of the windows that the classifier labels (id, time,
feed, title, tab-separated): the candidates to label, whether or not the labels file lists them
yet. It is how a labels file is started; the listing is not kept.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import re
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).parent
LABELS = HERE / "stories_labels.tsv"
OUT = HERE / "stories_real.jsonl"
LABELS_2022 = HERE / "stories_labels_2022.tsv"
OUT_2022 = HERE / "stories_real_2022.jsonl"
LABELS_2025 = HERE / "stories_labels_2025.tsv"
OUT_2025 = HERE / "stories_real_2025.jsonl"
LABELS_2021 = HERE / "stories_labels_2021.tsv"
OUT_2021 = HERE / "stories_real_2021.jsonl"
LABELS_2023B = HERE / "stories_labels_2023b.tsv"  # a second 2023 set, other windows
OUT_2023B = HERE / "stories_real_2023b.jsonl"
LABELS_2022B = HERE / "stories_labels_2022b.tsv"  # the days of 2022 the 2022 set leaves out
OUT_2022B = HERE / "stories_real_2022b.jsonl"
LABELS_2023C = HERE / "stories_labels_2023c.tsv"  # 2023 days neither 2023 set covers
OUT_2023C = HERE / "stories_real_2023c.jsonl"
LABELS_2023D = HERE / "stories_labels_2023d.tsv"  # 2023 days no earlier 2023 set covers
OUT_2023D = HERE / "stories_real_2023d.jsonl"
_TAG = re.compile(r"<[^>]+>")


def read_labels(path: Path = LABELS) -> tuple[str, list[tuple[date, date]], dict[str, str]]:
    """(commit, windows, id -> event) from the labels file."""
    commit = ""
    windows: list[tuple[date, date]] = []
    events: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# repo "):
            commit = line.split()[-1]
        elif line.startswith("# window "):
            a, b = line.split()[2:4]
            windows.append((date.fromisoformat(a), date.fromisoformat(b)))
        elif line and not line.startswith(("#", "id\t")):
            ident, event = line.split("\t")[:2]
            events[ident] = event
    return commit, windows, events


def _clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", html.unescape(_TAG.sub(" ", text or ""))).strip()


def _feed_name(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "feed").removeprefix("www.").removeprefix("feeds.")
    path = parts.path.strip("/")
    return f"{host}/{path}" if path else host


def _git(repo: str, *args: str) -> bytes:
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True).stdout


def _day_files(repo: str, commit: str, folder: str, *, plain: bool) -> list[tuple[str, bytes]]:
    """(name, bytes) of one day's entries files: from git at `commit`, or a plain directory."""
    if plain:
        day = Path(repo) / folder
        if not day.is_dir():
            return []
        return [
            (f.name, f.read_bytes())
            for f in sorted(day.iterdir())
            if f.name.endswith("_entries.json")
        ]
    try:
        names = _git(repo, "ls-tree", "--name-only", f"{commit}:{folder}").decode().split()
    except subprocess.CalledProcessError:
        return []  # no folder for that day in the copy (2023 lacks a few): no entries
    out = []
    for name in names:
        if not name.endswith("_entries.json"):
            continue
        try:
            out.append((name, _git(repo, "show", f"{commit}:{folder}{name}")))
        except subprocess.CalledProcessError:
            continue
    return out


def rebuild(
    repo: str,
    out: Path = OUT,
    labels: Path = LABELS,
    *,
    listing: bool = False,
    plain: bool = False,
) -> int:
    from bot.domain.classify import classify
    from bot.service.config import load_config

    commit, windows, events = read_labels(labels)
    packs = load_config(str(HERE.parent.parent / "config" / "newsbot.toml"), {}).packs
    days = []
    for a, b in windows:
        d = a
        while d <= b:
            days.append(d)
            d += timedelta(days=1)
    found: dict[str, dict[str, object]] = {}
    for d in days:
        folder = f"{d:%Y}/{d:%m}/{d.isoformat()}/"
        for _name, raw in _day_files(repo, commit, folder, plain=plain):
            try:
                data = json.loads(raw)
            except ValueError:
                continue
            entries = data.get("entries", []) if isinstance(data, dict) else data
            for e in entries:
                link = e.get("link") or ""
                ident = hashlib.sha1(link.encode()).hexdigest()[:12]
                if (ident not in events and not listing) or ident in found:
                    continue
                title, summary = _clean(e.get("title")), _clean(e.get("description"))
                published = datetime.fromisoformat(str(e["date_published"]))
                c = classify(packs, title, summary, explain=False)
                if listing:
                    if c.labels:
                        found[ident] = {"id": ident, "published": published.isoformat()}
                        print(
                            ident,
                            published.isoformat(),
                            _feed_name(str(e.get("source") or e.get("source_url") or "")),
                            ",".join(c.labels),
                            title,
                            sep="\t",
                        )
                    continue
                found[ident] = {
                    "id": ident,
                    "event": events[ident],
                    "source": _feed_name(str(e.get("source") or e.get("source_url") or "")),
                    "published": published.isoformat(),
                    "title": title,
                    "summary": summary,
                    "labels": list(c.labels) or ["missile-test"],
                }
    if listing:
        return 0
    rows = sorted(found.values(), key=lambda r: (str(r["published"]), str(r["id"])))
    titles: set[str] = set()
    kept = []
    for r in rows:
        key = str(r["title"]).casefold()
        if key in titles:
            continue
        titles.add(key)
        kept.append(r)
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept), "utf-8")
    missing = len(events) - len(found)
    print(
        f"{len(kept)} reports written to {out} ({len(rows) - len(kept)} repeated titles left out, "
        f"{missing} labelled ids not found)",
        file=sys.stderr,
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--repo", help="git directory of RSS-Link-Database-<year>")
    where.add_argument("--dir", help="plain directory of the year's daily files (2025)")
    parser.add_argument("--labels", default=str(LABELS))
    parser.add_argument(
        "--out",
        help="default: stories_real.jsonl, or _2021 / _2022 / _2022b / _2023b / _2023c / _2023d / _2025 for those labels files",
    )
    parser.add_argument("--list", action="store_true", help="list the candidates to label")
    args = parser.parse_args()
    labels = Path(args.labels)
    default = {
        LABELS_2021.name: OUT_2021,
        LABELS_2022.name: OUT_2022,
        LABELS_2025.name: OUT_2025,
        LABELS_2023B.name: OUT_2023B,
        LABELS_2022B.name: OUT_2022B,
        LABELS_2023C.name: OUT_2023C,
        LABELS_2023D.name: OUT_2023D,
    }.get(labels.name, OUT)
    out = Path(args.out) if args.out else default
    repo = args.repo or args.dir
    return rebuild(repo, out, labels, listing=args.list, plain=args.dir is not None)


if __name__ == "__main__":
    raise SystemExit(main())
