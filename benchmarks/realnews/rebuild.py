"""Rebuild the real-news classification sets from saved public feeds (text stays out of the repo).

The items come from rumca-js/RSS-Link-Database-2022 and -2023: daily JSON files of many outlets'
feed entries. Bring each repository here as a git directory (a bare clone or a snapshot), then:

    python -m benchmarks.realnews.rebuild --source 2022=PATH --source 2023=PATH
        [--source 2021=PATH] [--source 2025=DIR]

After a change to labels.jsonl only, `--relabel` re-applies it to the rebuilt sets without the
sources, `--from-pool` writes dev, hold-out and the dev batches again from data/items.jsonl (after
a labelling round added rows; `--draw-round4` to `--draw-round7` and `--draw-holdout2` print
the fourth to seventh rounds' and the second hold-out's fixed draws), and
`--relabel --first-pass` writes the labels before the audit (GUIDELINES.md) to data/pass1/.

It reads the daily files at the pinned commits below, keeps English entries (title, description
as plain text, date, feed), and writes, under benchmarks/realnews/data/ (git-ignored):

- items.jsonl: every English entry, deduplicated by link (the pool the labels were drawn from);
- dev.jsonl and holdout.jsonl: the hand-labelled items (labels.jsonl) in `newsbot eval` form;
- dev-round2.jsonl to dev-round7.jsonl: the dev items of the second to seventh labelling rounds
  alone (labels.jsonl rows with `"batch": "round2"` to `"round7"`, also in dev.jsonl), so the
  rules can be scored on items they were not written from;
- holdout2.jsonl: the second hold-out (rows with `"batch": "holdout2"`, items of hold-out days
  drawn by draw_holdout2), a measurement set alone: never in dev.jsonl or holdout.jsonl;
- days.jsonl: every English entry of the whole days listed in labels.jsonl's `days`, with hand
  labels where an item was labelled (all North Korea items of those days are) and none otherwise.

An item's id is "rl-" + the first 12 hex digits of the SHA-1 of its link. The split was fixed
before any tuning: an item belongs to the hold-out when the SHA-1 of its publication date
(YYYY-MM-DD) is 0 modulo 3, so reports of one day's events stay on one side.

The 2025 measurement set comes from rumca-js/RSS-Link-Database-2025, too big to bring here as a
git directory: `--source 2025=DIR` names a plain directory tree of its daily files (the working
tree of a clone, YYYY/MM/YYYY-MM-DD/<feed>_entries.json). Only the feed-days listed in
days2025.txt are read, so a full clone rebuilds exactly the same set. Its items get the same
id rule, and the labels.jsonl rows marked `"batch": "2025"` are written to measure2025.jsonl
alone: they never enter dev.jsonl, holdout.jsonl or days.jsonl, so the figures and floors of
those sets do not move; the 2025 feed-days' entries are written to items2025.jsonl, not to
items.jsonl. Without the 2025 source the other files are rebuilt exactly as before.

The 2021 measurement set comes from rumca-js/RSS-Link-Database-2021, a git directory like 2022
and 2023: `--source 2021=PATH` reads the daily files at the commit pinned in MEASURE_GIT (the
newest commit holds the same files as monthly zip files). Its items get the same id rule; the
labels.jsonl rows marked `"batch": "2021"` are written to measure2021.jsonl alone and the
year's entries to items2021.jsonl (and, labelled, to year2021.jsonl: the whole year, whose
entries that name neither North Korea nor Korea are all non-North-Korea), never to items.jsonl, dev.jsonl, holdout.jsonl or
days.jsonl, so without the 2021 source (or with it) every other file is byte for byte the same.
Which entries are labelled was fixed in code before any was read (draw_2021: every entry that
names North Korea or Korea, and 150 hard negatives drawn at random with a fixed seed), and the
rebuild checks that the labelled 2021 ids are exactly that draw.

No 2024 news is read: it is reserved for independent measurement.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from bot.poll.parse import plain_text

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
LABELS = HERE / "labels.jsonl"
DAYS_2025 = HERE / "days2025.txt"
# the labels.jsonl batch of the 2025 measurement set (never dev, hold-out or whole days)
MEASURE_BATCH = "2025"
# the measurement sets read from a git directory, each at the commit whose tree holds its daily
# files (rumca-js/RSS-Link-Database-2021's newest commit replaced them by monthly zip files of
# the same bytes): batch -> commit. Like 2025, never dev, hold-out or whole days.
MEASURE_GIT = {"2021": "06229f4f3d3bba91e3e82563ee9fa5b1963a73f8"}
MEASURE_BATCHES = (*MEASURE_GIT, MEASURE_BATCH)

# The 2021 set's candidate filter, written before any entry was read: an English entry of the
# year is a candidate when its title or description (as rebuilt) names North Korea, its
# capital, leaders, state bodies, sites or weapons, the inter-Korean relation, or Korea at all
# (so that the South's own news, a hard negative, is all in too, not only a sample of it).
NK_CANDIDATE = re.compile(
    r"\bkorea|north[- ]korea|\bn\.? ?korea|\bnkorea|\bdprk\b|pyongyang|kim jong|kim yo[- ]?jong|"
    r"\bkcna\b|korean central|rodong|workers' party of korea|korean people's army|"
    r"hwasong|pukguksong|yongbyon|punggye|sohae|sinpo|kaesong|panmunjom|"
    r"\bdmz\b|demilitari[sz]ed zone|korean peninsula|inter-korean|two koreas|"
    r"unification ministry|ministry of unification|denucleari[sz]",
    re.IGNORECASE,
)
# ...and its hard negatives are drawn at random (seed below) from the other entries of the year
# that match this filter: the words of tests, launches and diplomacy of any country.
HARD_NEGATIVE = re.compile(
    r"\b(?:missiles?|launch(?:es|ed|ing)?|tests?|tested|testing|nuclear|sanctions?|"
    r"summits?|talks|envoys?|treaty|treaties|satellites?|rockets?|ballistic|warheads?|"
    r"hypersonic|diplomat\w*|ambassadors?|negotiat\w*|security council|foreign minister)\b",
    re.IGNORECASE,
)
NEGATIVES_2021 = 150
SEED_2021 = 2021

# the commits whose tree holds the daily files (the newest commits replace them by zip files)
PINNED = {
    "2022": "cbdcc337",
    "2023": "08b89dd9b",
}
_DAILY = re.compile(r"^(20\d\d)/\d\d/(20\d\d-\d\d-\d\d)/(.+)_entries\.json$")
# feeds that are not news: video channels, forums, blogs of one person
_SKIP_FEED = re.compile(r"youtube|reddit|hnrss|ycombinator|github|wikipedia|\.pl")


def item_id(link: str) -> str:
    return "rl-" + hashlib.sha1(link.strip().encode("utf-8")).hexdigest()[:12]


def in_holdout(date: str) -> bool:
    """The split, fixed before tuning: by the day's hash, so one day's reports stay together."""
    return int(hashlib.sha1(date.encode("ascii")).hexdigest(), 16) % 3 == 0


def _blobs(git_dir: str, commit: str) -> list[tuple[str, str, str]]:
    """(blob, date, feed) of every daily entries file at `commit`."""
    out = subprocess.run(
        ["git", "--git-dir", git_dir, "ls-tree", "-r", commit],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    blobs = []
    for line in out.splitlines():
        meta, path = line.split("\t", 1)
        m = _DAILY.match(path)
        if not m or _SKIP_FEED.search(m.group(3) + "_"):
            continue
        if m.group(1) == "2024" or m.group(2).startswith("2024"):
            continue
        blobs.append((meta.split()[2], m.group(2), m.group(3)))
    return blobs


def _read_blobs(git_dir: str, shas: list[str]) -> Iterator[bytes]:
    proc = subprocess.Popen(
        ["git", "--git-dir", git_dir, "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    for sha in shas:
        proc.stdin.write(sha.encode() + b"\n")
        proc.stdin.flush()
        header = proc.stdout.readline().split()
        if len(header) < 3 or header[1] != b"blob":
            yield b""
            continue
        size = int(header[2])
        data = proc.stdout.read(size)
        proc.stdout.read(1)
        yield data
    proc.stdin.close()
    proc.wait()


def _rows(data: bytes, date: str, feed: str, year: str) -> Iterator[dict[str, str]]:
    """English entries of one daily file, in file order."""
    try:
        doc = json.loads(data)
    except ValueError:
        return
    rows = doc.get("entries", []) if isinstance(doc, dict) else doc
    for e in rows:
        if not isinstance(e, dict) or not e.get("link") or not e.get("title"):
            continue
        lang = (e.get("language") or "en").lower()
        if not lang.startswith("en"):
            continue
        published = str(e.get("date_published") or date)[:10]
        if published.startswith("2024") or not published.startswith(year):
            published = date  # the day the database saw it
        yield {
            "id": item_id(e["link"]),
            "date": published,
            "feed": feed,
            "title": plain_text(str(e["title"])),
            "summary": plain_text(str(e.get("description") or "")),
        }


def entries(git_dir: str, year: str, commit: str | None = None) -> Iterator[dict[str, str]]:
    """English entries of one year's database (at its pinned commit), in file order."""
    blobs = _blobs(git_dir, commit or PINNED[year])
    for (_sha, date, feed), data in zip(
        blobs, _read_blobs(git_dir, [b[0] for b in blobs]), strict=True
    ):
        yield from _rows(data, date, feed, year)


def feed_days(path: Path = DAYS_2025) -> list[str]:
    """The daily files (paths inside the repository) the 2025 set is drawn from."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def dir_entries(root: str, year: str, files: list[str]) -> Iterator[dict[str, str]]:
    """English entries of the listed daily files of a plain directory tree, in list order.

    A listed file that is absent is reported on stderr and skipped (the labelled ids it held
    are then counted as not found).
    """
    for rel in files:
        m = _DAILY.match(rel)
        if not m or _SKIP_FEED.search(m.group(3) + "_"):
            continue
        if m.group(1) != year or m.group(2).startswith("2024"):
            continue
        path = Path(root) / rel
        if not path.is_file():
            print(f"rebuild: {rel} is not in {root}", file=sys.stderr)
            continue
        yield from _rows(path.read_bytes(), m.group(2), m.group(3), year)


def first_per_title(
    entries: Iterable[dict[str, str]],
) -> Iterator[tuple[str, dict[str, str]]]:
    """(title key, entry) of the first entry of each distinct title, in file order: the draws
    keep one entry per title (the key: the title case-folded and stripped)."""
    titles: set[str] = set()
    for e in entries:
        key = e["title"].casefold().strip()
        if key not in titles:
            titles.add(key)
            yield key, e


def draw_2021(items: Iterable[dict[str, str]]) -> tuple[list[str], list[str]]:
    """The 2021 set's ids, fixed before any entry was read: (candidates, hard negatives).

    Candidates are the entries NK_CANDIDATE matches in title or summary; negatives are
    NEGATIVES_2021 of the entries HARD_NEGATIVE matches and NK_CANDIDATE does not, drawn with
    random.Random(SEED_2021) from them in id order. Both keep one entry per distinct title
    (the first in file order), and both lists are in id order.
    """
    nk: list[str] = []
    pool: list[str] = []
    for _key, e in first_per_title(items):
        text = f"{e['title']} {e['summary']}"
        if NK_CANDIDATE.search(text):
            nk.append(e["id"])
        elif HARD_NEGATIVE.search(text):
            pool.append(e["id"])
    pool.sort()
    negatives = random.Random(SEED_2021).sample(pool, min(NEGATIVES_2021, len(pool)))
    return sorted(nk), sorted(negatives)


# The fourth labelling round's draw (GUIDELINES.md, "The fourth round"), fixed before any of
# its entries was read: entries of items.jsonl naming the North in title or summary...
ROUND4_NK = re.compile(
    r"north[- ]korea|\bn\.? ?korea|\bnkorea|\bdprk\b|pyongyang|kim jong[- ]un|kim yo[- ]?jong|"
    r"\bkcna\b",
    re.IGNORECASE,
)
# every match of ROUND4_NK holds one of these (lower case): a quick test first, for speed
_ROUND4_HINTS = ("korea", "dprk", "pyongyang", "kim jong", "kim yo", "kcna")


def _names_the_north(text: str) -> bool:
    low = text.lower()
    return any(h in low for h in _ROUND4_HINTS) and ROUND4_NK.search(text) is not None


# ...of which those whose title also names a word of diplomacy are drawn first, so that the
# round holds as many diplomacy items as the pool gives...
ROUND4_DIPLOMACY = re.compile(
    r"\b(?:talks?|summits?|envoys?|sanctions?|russi\w*|putin|moscow|lavrov|shoigu|chin\w*|xi|"
    r"beijing|u\.?n\.?|united nations|security council|visits?|visited|treaty|pact|ministers?|"
    r"letters?|statement|diplomat\w*|dialogue|negotiat\w*|ambassador|embassy|g-?7|biden|"
    r"trump|yoon|kishida|blinken|allies|alliance|trilateral|detain\w*|releas\w*|expel\w*|"
    r"deport\w*|repatriat\w*|unification|inter-korean|hotline|military agreement)\b",
    re.IGNORECASE,
)
ROUND4_BATCH = "round4"
ROUND4_SEED = 4
ROUND4_DIPLOMACY_N = 120  # all of them: the pool holds 118
ROUND4_OTHER_N = 52
ROUND4_NEGATIVES_N = 30
# the batches whose draw is fixed in code, each with the batches whose rows its draw does not
# count as labelled: its own, those drawn after it, and those drawn beside it (the fifth round
# and the second hold-out were drawn in the same session, each without the other's rows), so
# every draw is the same after the others' rows are written
DRAWN_WITHOUT = {
    "round4": ("round4", "round5", "holdout2", "round6", "round7"),
    "round5": ("round5", "holdout2", "round6", "round7"),
    "holdout2": ("holdout2", "round5", "round6", "round7"),
    "round6": ("round6", "round7"),
    "round7": ("round7",),
}


def _candidates(
    pool: Iterable[dict[str, str]],
    labels: dict[str, dict[str, Any]],
    days: Iterable[str],
    batch: str,
    *,
    holdout_days: bool = False,
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(North Korea entries, hard negatives) a drawn batch draws from, in file order.

    The entries of `pool` (items.jsonl) on dev days (not a hold-out day, not a whole day; with
    `holdout_days`, on hold-out days instead), not labelled before the batch (rows of the
    batches DRAWN_WITHOUT names for it are not counted as labelled, so the draw is the same
    after they are written) and not repeating a labelled title, one per distinct title (the
    first in file order): those naming the North (ROUND4_NK) in title or summary, and hard
    negatives (HARD_NEGATIVE in the title, the North named nowhere).
    """
    nk: list[dict[str, str]] = []
    negatives: list[dict[str, str]] = []
    for e in _unlabelled(pool, labels, days, batch, holdout_days=holdout_days):
        if _names_the_north(f"{e['title']} {e['summary']}"):
            nk.append(e)
        elif HARD_NEGATIVE.search(e["title"]) and not NK_CANDIDATE.search(
            f"{e['title']} {e['summary']}"
        ):
            negatives.append(e)
    return nk, negatives


def _unlabelled(
    pool: Iterable[dict[str, str]],
    labels: dict[str, dict[str, Any]],
    days: Iterable[str],
    batch: str,
    *,
    holdout_days: bool = False,
    fresh_feed_days: bool = False,
) -> Iterator[dict[str, str]]:
    """The entries of `pool` a drawn batch may draw, in file order: one per distinct title (the
    first), not labelled before the batch (rows of the batches DRAWN_WITHOUT names for it do not
    count, so the draw is the same after they are written), not repeating a labelled title, on
    dev days (not a hold-out day, not one of `days`; with `holdout_days`, on hold-out days
    instead); with `fresh_feed_days`, only on feed-days (date, feed) none of whose entries is
    labelled."""
    ignored = DRAWN_WITHOUT[batch]
    labels = {i: lab for i, lab in labels.items() if lab.get("batch") not in ignored}
    entries = list(pool)
    skip_days = set(days)
    labelled_titles = {e["title"].casefold().strip() for e in entries if e["id"] in labels}
    used = (
        {(e["date"], e.get("feed", "")) for e in entries if e["id"] in labels}
        if fresh_feed_days
        else set()
    )
    for key, e in first_per_title(entries):
        if e["id"] in labels or key in labelled_titles or (e["date"], e.get("feed", "")) in used:
            continue
        if e["date"] in skip_days or in_holdout(e["date"]) != holdout_days:
            continue
        yield e


def _sample(rng: random.Random, groups: Iterable[tuple[list[str], int]]) -> list[str]:
    """n ids of each group, drawn in turn with `rng` from its id-sorted list (all of a shorter
    one); the drawn ids in id order."""
    drawn: list[str] = []
    for ids, n in groups:
        ids.sort()
        drawn.extend(rng.sample(ids, min(n, len(ids))))
    return sorted(drawn)


def draw_round4(
    pool: Iterable[dict[str, str]], labels: dict[str, dict[str, Any]], days: Iterable[str]
) -> list[str]:
    """The fourth round's ids (in id order), fixed in code before any entry was read.

    Of the candidates (_candidates, batch ROUND4_BATCH): ROUND4_DIPLOMACY_N of the North
    Korea entries whose title has a word of ROUND4_DIPLOMACY, ROUND4_OTHER_N of the other North
    Korea entries, and ROUND4_NEGATIVES_N hard negatives, each drawn with
    random.Random(ROUND4_SEED) from its id-sorted list (all of it when it is shorter).
    """
    nk, negatives = _candidates(pool, labels, days, ROUND4_BATCH)
    nk_dipl = [e["id"] for e in nk if ROUND4_DIPLOMACY.search(e["title"])]
    nk_other = [e["id"] for e in nk if not ROUND4_DIPLOMACY.search(e["title"])]
    return _sample(
        random.Random(ROUND4_SEED),
        (
            (nk_dipl, ROUND4_DIPLOMACY_N),
            (nk_other, ROUND4_OTHER_N),
            ([e["id"] for e in negatives], ROUND4_NEGATIVES_N),
        ),
    )


# The fifth labelling round's draw (GUIDELINES.md, "The fifth round"), fixed before any of its
# entries was read: after round 4 took every North Korea entry with a word of diplomacy in its
# title, the rest of the North Korea entries at random, and hard negatives not drawn before.
ROUND5_BATCH = "round5"
ROUND5_SEED = 5
ROUND5_NK_N = 170
ROUND5_NEGATIVES_N = 30


def draw_round5(
    pool: Iterable[dict[str, str]], labels: dict[str, dict[str, Any]], days: Iterable[str]
) -> list[str]:
    """The fifth round's ids (in id order), fixed in code before any entry was read.

    Of the candidates (_candidates, batch ROUND5_BATCH: the rounds before it are labelled,
    so none of their entries or titles comes again): ROUND5_NK_N of the North Korea entries and
    ROUND5_NEGATIVES_N hard negatives, each drawn with random.Random(ROUND5_SEED) from its
    id-sorted list (all of it when it is shorter).
    """
    nk, negatives = _candidates(pool, labels, days, ROUND5_BATCH)
    return _sample(
        random.Random(ROUND5_SEED),
        (
            ([e["id"] for e in nk], ROUND5_NK_N),
            ([e["id"] for e in negatives], ROUND5_NEGATIVES_N),
        ),
    )


# The sixth labelling round's draw (GUIDELINES.md, "The sixth round"), fixed before any of its
# entries was read: every North Korea entry of dev days that rounds 4 and 5 left unlabelled, and
# hard negatives not drawn before.
ROUND6_BATCH = "round6"
ROUND6_SEED = 6
ROUND6_NEGATIVES_N = 30


def draw_round6(
    pool: Iterable[dict[str, str]], labels: dict[str, dict[str, Any]], days: Iterable[str]
) -> list[str]:
    """The sixth round's ids (in id order), fixed in code before any entry was read.

    Of the candidates (_candidates, batch ROUND6_BATCH: the rounds and the second hold-out
    before it are labelled, so none of their entries or titles comes again): every North Korea
    entry, and ROUND6_NEGATIVES_N hard negatives drawn with random.Random(ROUND6_SEED) from
    their id-sorted list (all of it when it is shorter).
    """
    nk, negatives = _candidates(pool, labels, days, ROUND6_BATCH)
    return _sample(
        random.Random(ROUND6_SEED),
        (
            ([e["id"] for e in nk], len(nk)),
            ([e["id"] for e in negatives], ROUND6_NEGATIVES_N),
        ),
    )


# The seventh labelling round's draw (GUIDELINES.md, "The seventh round"), fixed before any of
# its entries was read. Round 6 left no dev-day entry that ROUND4_NK finds unlabelled, so the
# round reads the feed-days (one feed's file of one day: date and feed) of dev days that no
# earlier set uses (none of their entries is labelled), and of those the entries that name
# Korea in the wider 2021 sense (NK_CANDIDATE: the peninsula, the DMZ, the sites and missile
# names, Seoul's ministries, or Korea at all) without ROUND4_NK: first those whose title has a
# word of diplomacy (ROUND4_DIPLOMACY) or of tests and launches (HARD_NEGATIVE), then others,
# and hard negatives (HARD_NEGATIVE in the title, Korea named nowhere) of the same feed-days.
ROUND7_BATCH = "round7"
ROUND7_SEED = 7
ROUND7_WORDS_N = 120
ROUND7_OTHER_N = 50
ROUND7_NEGATIVES_N = 30


def _round7_candidates(
    pool: Iterable[dict[str, str]], labels: dict[str, dict[str, Any]], days: Iterable[str]
) -> tuple[list[str], list[str], list[str]]:
    """(Korea entries with a word of diplomacy or launches in the title, other Korea entries,
    hard negatives): ids the seventh round draws from, in file order.

    Entries of `pool` on dev days (not a hold-out day, not a whole day), on a feed-day (date,
    feed) none of whose entries is labelled outside round 7, not labelled, one per distinct
    title (the first in file order) and not repeating a labelled title; Korea entries match
    NK_CANDIDATE in title or summary and not ROUND4_NK (those are all labelled), hard negatives
    match HARD_NEGATIVE in the title and NK_CANDIDATE nowhere.
    """
    words: list[str] = []
    other: list[str] = []
    negatives: list[str] = []
    for e in _unlabelled(pool, labels, days, ROUND7_BATCH, fresh_feed_days=True):
        text = f"{e['title']} {e['summary']}"
        if NK_CANDIDATE.search(text):
            if _names_the_north(text):
                continue  # labelled by the earlier rounds (none is left on dev days)
            title = e["title"]
            if ROUND4_DIPLOMACY.search(title) or HARD_NEGATIVE.search(title):
                words.append(e["id"])
            else:
                other.append(e["id"])
        elif HARD_NEGATIVE.search(e["title"]):
            negatives.append(e["id"])
    return words, other, negatives


def draw_round7(
    pool: Iterable[dict[str, str]], labels: dict[str, dict[str, Any]], days: Iterable[str]
) -> list[str]:
    """The seventh round's ids (in id order), fixed in code before any entry was read.

    Of the candidates (_round7_candidates): ROUND7_WORDS_N of the Korea entries with a word of
    diplomacy or launches in the title, ROUND7_OTHER_N of the other Korea entries and
    ROUND7_NEGATIVES_N hard negatives, each drawn with random.Random(ROUND7_SEED) from its
    id-sorted list (all of it when it is shorter).
    """
    words, other, negatives = _round7_candidates(pool, labels, days)
    return _sample(
        random.Random(ROUND7_SEED),
        ((words, ROUND7_WORDS_N), (other, ROUND7_OTHER_N), (negatives, ROUND7_NEGATIVES_N)),
    )


# The second hold-out (GUIDELINES.md, "The second hold-out"), a measurement set like the 2021
# one: its draw was fixed here before any of its entries was read, and its items are written to
# data/holdout2.jsonl alone (never dev.jsonl or holdout.jsonl, never trained or tuned on).
HOLDOUT2_BATCH = "holdout2"
HOLDOUT2_SEED = 22
# of the 626 North Korea entries the draw reads from, 274 have a word of diplomacy in the title:
# more than the ~200 items planned, so 150 of them are drawn (three in four of the set) and 50
# of the other 352
HOLDOUT2_DIPLOMACY_N = 150
HOLDOUT2_OTHER_N = 50
HOLDOUT2_NEGATIVES_N = 40


def draw_holdout2(
    pool: Iterable[dict[str, str]], labels: dict[str, dict[str, Any]], days: Iterable[str]
) -> list[str]:
    """The second hold-out's ids (in id order), fixed in code before any entry was read.

    Of the candidates on hold-out days (_candidates, batch HOLDOUT2_BATCH, `holdout_days`):
    HOLDOUT2_DIPLOMACY_N of the North Korea entries whose title has a word of ROUND4_DIPLOMACY,
    HOLDOUT2_OTHER_N of the other North Korea entries and HOLDOUT2_NEGATIVES_N hard negatives,
    each drawn with random.Random(HOLDOUT2_SEED) from its id-sorted list.
    """
    nk, negatives = _candidates(pool, labels, days, HOLDOUT2_BATCH, holdout_days=True)
    return _sample(
        random.Random(HOLDOUT2_SEED),
        (
            ([e["id"] for e in nk if ROUND4_DIPLOMACY.search(e["title"])], HOLDOUT2_DIPLOMACY_N),
            ([e["id"] for e in nk if not ROUND4_DIPLOMACY.search(e["title"])], HOLDOUT2_OTHER_N),
            ([e["id"] for e in negatives], HOLDOUT2_NEGATIVES_N),
        ),
    )


def whole_year(
    pool: Iterable[dict[str, str]], labels: dict[str, dict[str, Any]]
) -> list[dict[str, object]]:
    """The 2021 pool as a whole-year set: hand labels where labelled, `general` (no label, not
    North Korea) otherwise. An unlabelled entry the candidate filter matches repeats a labelled
    title (the draw keeps one per title) and is left out, so every `general` entry is one that
    names neither North Korea nor Korea: a label on it is a false alert."""
    out: list[dict[str, object]] = []
    for e in pool:
        lab = labels.get(e["id"])
        if lab is not None:
            out.append({**e, "labels": lab["labels"], "kind": lab.get("kind", "")})
        elif not NK_CANDIDATE.search(f"{e['title']} {e['summary']}"):
            out.append({**e, "labels": [], "kind": "general"})
    return out


def read_labels(path: Path = LABELS) -> tuple[dict[str, dict[str, object]], list[str]]:
    labels: dict[str, dict[str, object]] = {}
    days: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        d = json.loads(line)
        if "days" in d:
            days.extend(d["days"])
        else:
            labels[d["id"]] = d
    return labels, days


_NK_KIND = {(): "nk-other", ("missile-test",): "nk-test", ("diplomacy",): "nk-diplomacy"}


def first_pass(row: dict[str, Any]) -> tuple[list[str], str]:
    """An item's labels and kind before the audit (GUIDELINES.md): `pass1` where it changed."""
    if "pass1" not in row:
        return list(row["labels"]), str(row.get("kind", ""))
    old = sorted(row["pass1"])
    return old, _NK_KIND.get(tuple(old), "nk-both")


def relabel(first: bool = False, data: Path = DATA) -> int:
    """Re-apply labels.jsonl to the rebuilt sets in place (no sources needed).

    With `first`, write the first pass's labels instead, to data/pass1/, so the figures under
    the original and the audited labels can be set side by side.
    """
    labels, _days = read_labels()
    out_dir = data / "pass1" if first else data
    out_dir.mkdir(exist_ok=True)
    later = (
        "dev-round2",
        "dev-round3",
        "dev-round4",
        "dev-round5",
        "dev-round6",
        "dev-round7",
        "holdout2",
        "measure2021",
        "measure2025",
    )
    for name in ("dev", "holdout", "days", *later):
        path = data / f"{name}.jsonl"
        if name in later and not path.exists():
            continue  # rebuilt before that round, or without that measurement source
        rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
        for row in rows:
            lab = labels.get(row["id"])
            if lab is None:
                continue
            row["labels"], row["kind"] = first_pass(lab) if first else (lab["labels"], lab["kind"])
            if name != "days":
                row["note"] = lab.get("note")
        (out_dir / f"{name}.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
    print(f"relabelled dev, holdout and days in {out_dir}")
    return 0


def read_pool(data: Path = DATA) -> list[dict[str, str]]:
    """Every entry of data/items.jsonl (the 2022/2023 pool), in file order."""
    with (data / "items.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def write_parts(
    labels: dict[str, dict[str, Any]], found: dict[str, dict[str, str]], data: Path
) -> dict[str, list[str]]:
    """Write dev.jsonl, holdout.jsonl, each later dev batch's dev-<batch>.jsonl and the second
    hold-out's holdout2.jsonl (rows in labels.jsonl order) from the labelled entries `found`
    (id -> entry); returns the rows."""
    parts: dict[str, list[str]] = {"dev": [], "holdout": [], HOLDOUT2_BATCH: []}
    for i, lab in labels.items():
        if lab.get("batch") in MEASURE_BATCHES:
            continue  # a measurement set: its measure<batch>.jsonl alone
        hit = found.get(i)
        if hit is None or lab.get("dup"):
            continue  # a copy under another link is labelled for the whole days only
        row = {**hit, "labels": lab["labels"], "kind": lab.get("kind", ""), "note": lab.get("note")}
        if lab.get("batch") == HOLDOUT2_BATCH:  # a measurement set of hold-out days, alone
            parts[HOLDOUT2_BATCH].append(json.dumps({**row, "batch": HOLDOUT2_BATCH}))
            continue
        part = "holdout" if in_holdout(hit["date"]) else "dev"
        if lab.get("batch"):
            row["batch"] = lab["batch"]
            if part == "dev":  # a later batch of dev items, also scored alone
                parts.setdefault(f"dev-{lab['batch']}", []).append(json.dumps(row))
        parts[part].append(json.dumps(row))
    for name, rows in parts.items():
        (data / f"{name}.jsonl").write_text("".join(r + "\n" for r in rows), encoding="utf-8")
    return parts


def from_pool(data: Path = DATA, labels_path: Path = LABELS) -> int:
    """Rewrite dev, hold-out and the later dev batches from data/items.jsonl (no sources): after
    a labelling round adds rows to labels.jsonl, the items are in the pool already. Whole days
    and the measurement sets are left as they are; 0 when every dev or hold-out label was found.
    """
    labels, days = read_labels(labels_path)
    wanted = {i for i, lab in labels.items() if lab.get("batch") not in MEASURE_BATCHES}
    pool = read_pool(data)
    found: dict[str, dict[str, str]] = {}
    for e in pool:
        if e["id"] in wanted and e["id"] not in found:
            found[e["id"]] = e
    parts = write_parts(labels, found, data)
    missing = len(wanted - set(found))
    drawn_batches = (
        (ROUND4_BATCH, draw_round4),
        (ROUND5_BATCH, draw_round5),
        (HOLDOUT2_BATCH, draw_holdout2),
        (ROUND6_BATCH, draw_round6),
        (ROUND7_BATCH, draw_round7),
    )
    for batch, draw in drawn_batches:
        drawn = set(draw(pool, labels, days))
        got = {i for i, lab in labels.items() if lab.get("batch") == batch}
        if got and got != drawn:  # the labelled ids of a drawn batch are exactly its draw
            print(f"from the pool: the {batch} labels are not the draw ({len(got ^ drawn)} differ)")
            missing += len(got ^ drawn)
    print(
        f"from the pool: dev {len(parts['dev'])}, hold-out {len(parts['holdout'])}, "
        f"second hold-out {len(parts[HOLDOUT2_BATCH])}; {missing} labelled ids not found"
    )
    return 0 if not missing else 1


def print_round(batch: str = ROUND4_BATCH, data: Path = DATA) -> int:
    """Print a drawn batch for labelling, "N | id | date | title || summary" in id order: the
    entries only, never a label or the classifier's output."""
    draw = {
        ROUND4_BATCH: draw_round4,
        ROUND5_BATCH: draw_round5,
        HOLDOUT2_BATCH: draw_holdout2,
        ROUND6_BATCH: draw_round6,
        ROUND7_BATCH: draw_round7,
    }
    labels, days = read_labels()
    pool = read_pool(data)
    by_id = {e["id"]: e for e in pool}
    for n, i in enumerate(draw[batch](pool, labels, days)):
        e = by_id[i]
        title, summary = " ".join(e["title"].split()), " ".join(e["summary"].split())[:400]
        print(f"{n} | {i} | {e['date']} | {title} || {summary}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--source",
        action="append",
        help="YEAR=git directory of that year (2025=a plain directory of its daily files)",
    )
    parser.add_argument(
        "--relabel", action="store_true", help="re-apply labels.jsonl to the rebuilt sets"
    )
    parser.add_argument(
        "--first-pass", action="store_true", help="with --relabel: the labels before the audit"
    )
    parser.add_argument(
        "--from-pool",
        action="store_true",
        help="rewrite dev, hold-out and the dev batches from data/items.jsonl (no sources)",
    )
    parser.add_argument(
        "--draw-round4", action="store_true", help="print the fourth round's draw (items.jsonl)"
    )
    parser.add_argument(
        "--draw-round5", action="store_true", help="print the fifth round's draw (items.jsonl)"
    )
    parser.add_argument(
        "--draw-round6", action="store_true", help="print the sixth round's draw (items.jsonl)"
    )
    parser.add_argument(
        "--draw-round7", action="store_true", help="print the seventh round's draw (items.jsonl)"
    )
    parser.add_argument(
        "--draw-holdout2",
        action="store_true",
        help="print the second hold-out's draw (items.jsonl)",
    )
    args = parser.parse_args(argv)
    if args.draw_round4:
        return print_round(ROUND4_BATCH)
    if args.draw_round5:
        return print_round(ROUND5_BATCH)
    if args.draw_round6:
        return print_round(ROUND6_BATCH)
    if args.draw_round7:
        return print_round(ROUND7_BATCH)
    if args.draw_holdout2:
        return print_round(HOLDOUT2_BATCH)
    if args.from_pool:
        return from_pool()
    if args.relabel:
        return relabel(args.first_pass)
    if not args.source:
        parser.error("--source is required (or --relabel)")
    return rebuild(args.source)


def rebuild(
    sources: list[str],
    data: Path = DATA,
    labels_path: Path = LABELS,
    pins: dict[str, str] | None = None,
) -> int:
    """Rebuild the sets from `sources` (YEAR=PATH) into `data`; 0 when every label was found.

    `pins` replaces the pinned commits (PINNED, MEASURE_GIT) of the years it names.
    """
    pinned = {**PINNED, **MEASURE_GIT, **(pins or {})}
    data.mkdir(exist_ok=True)
    labels, days = read_labels(labels_path)
    seen: set[str] = set()
    found: dict[str, dict[str, str]] = {}
    day_set = set(days)
    day_items: list[dict[str, object]] = []
    measure: dict[str, list[dict[str, str]]] = {}  # batch -> its source's entries
    with (data / "items.jsonl").open("w", encoding="utf-8") as pool:
        for spec in sources:
            year, _, git_dir = spec.partition("=")
            if year == MEASURE_BATCH:
                measure.setdefault(year, []).extend(dir_entries(git_dir, year, feed_days()))
                continue
            if year in MEASURE_GIT:
                measure.setdefault(year, []).extend(entries(git_dir, year, pinned[year]))
                continue
            if year not in PINNED:
                print(
                    f"rebuild: no pinned commit for {year!r} "
                    f"(use {', '.join(PINNED)}, {', '.join(MEASURE_GIT)}, or {MEASURE_BATCH}=DIR)"
                )
                return 2
            for e in entries(git_dir, year, pinned[year]):
                if e["id"] in seen:
                    continue
                seen.add(e["id"])
                pool.write(json.dumps(e, ensure_ascii=False) + "\n")
                if e["id"] in labels:
                    found[e["id"]] = e
                if e["date"] in day_set:
                    lab = labels.get(e["id"], {})
                    day_items.append(
                        {
                            **e,
                            "labels": lab.get("labels", []),
                            "kind": lab.get("kind", "general"),
                        }
                    )
    # each measurement set's pool (items2021.jsonl, items2025.jsonl): its source's entries
    # that are not in items.jsonl, deduplicated by link
    found_measure: dict[str, dict[str, dict[str, str]]] = {}
    for batch in MEASURE_BATCHES:
        if batch not in measure:
            continue
        got = found_measure[batch] = {}
        with (data / f"items{batch}.jsonl").open("w", encoding="utf-8") as pool:
            for e in measure[batch]:
                if e["id"] in seen or e["id"] in got:
                    continue
                got[e["id"]] = e
                pool.write(json.dumps(e, ensure_ascii=False) + "\n")
    measured = {
        b: {i for i, lab in labels.items() if lab.get("batch") == b} for b in MEASURE_BATCHES
    }
    expected = set(labels).difference(*(measured[b] for b in MEASURE_BATCHES if b not in measure))
    missing = sorted(expected - set(found).union(*found_measure.values()))
    if "2021" in measure:  # the labelled 2021 ids are exactly the fixed draw
        nk, negatives = draw_2021(measure["2021"])
        drawn = set(nk) | set(negatives)
        if drawn != measured["2021"]:
            print(
                f"rebuild: the 2021 labels are not the draw: {len(drawn - measured['2021'])} "
                f"drawn ids unlabelled, {len(measured['2021'] - drawn)} labelled ids not drawn"
            )
            missing.extend(sorted(drawn ^ measured["2021"]))
    parts = write_parts(labels, found, data)
    (data / "days.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in day_items), encoding="utf-8"
    )
    summary = (
        f"{len(seen)} items; dev {len(parts['dev'])}, hold-out {len(parts['holdout'])}, "
        f"{len(day_items)} items on {len(day_set)} whole days"
    )
    for batch in sorted(found_measure):
        got = found_measure[batch]
        rows_m = [
            {
                **got[i],
                "labels": labels[i]["labels"],
                "kind": labels[i].get("kind", ""),
                "note": labels[i].get("note"),
                "batch": batch,
            }
            for i in sorted(measured[batch], key=lambda i: (got[i]["date"], i))
            if i in got
        ]
        (data / f"measure{batch}.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in rows_m), encoding="utf-8"
        )
        summary += f"; {batch}: {len(got)} items, measure{batch} {len(rows_m)}"
    if "2021" in found_measure:
        whole = whole_year(found_measure["2021"].values(), labels)
        (data / "year2021.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in whole), encoding="utf-8"
        )
        summary += f", year2021 {len(whole)}"
    print(f"{summary}; {len(missing)} labelled ids not found")
    return 0 if not missing else 1


if __name__ == "__main__":
    sys.exit(main())
