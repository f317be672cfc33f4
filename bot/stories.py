"""One story per event: fingerprints, event features and near-duplicate matching.

An alertable item joins an existing story when it reports the same event:
- it shares a label with the story, and was published within `window` of the story's first
  report;
- its event features do not contradict the story's (missile class and name, number of
  missiles, and for diplomacy the leaders and the venue);
- its title and lead are close enough to some member's (overlap of normalised words).
  Candidates come from a MinHash-LSH index (datasketch) over those words, so the cost does not
  grow with the number of stories in the window; the overlap is then computed exactly.

Everything here is pure apart from the in-memory index, which the store rebuilds at start.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from datasketch import MinHash, MinHashLSH

from bot.classify.text import stem, tokenize
from bot.models import Classification, Item, StoryView

# Words that carry no event identity.
_STOP = frozenset(
    stem(w)
    for w in (
        "a an the of to in on at for from by with and or but as is are was were be been being has "
        "have had it its this that these those which who whom what when where while after before "
        "over into about said says say saying told tells according reported reports report news "
        "official officials than then also more most new latest early late first last one its "
        "there their they he she his her we our you your not no will would could may might can "
        "s t just such some other own same so very up out day week year"
    ).split()
)
# Different outlets name the same things differently; fold the common variants together.
_CANON = {
    stem(k): v
    for k, v in {
        "pyongyang": "nk",
        "dprk": "nk",
        "north": "nk",
        "nkorea": "nk",
        "kcna": "nk",
        "fire": "launch",
        "fired": "launch",
        "fires": "launch",
        "launch": "launch",
        "lob": "launch",
        "lobbed": "launch",
        "test-fire": "launch",
        "projectile": "missile",
        "projectiles": "missile",
        "missile": "missile",
        "missiles": "missile",
        "rocket": "missile",
        "seoul": "south",
        "east": "eastsea",
        "sea": "sea",
        "washington": "us",
        "america": "us",
        "american": "us",
        "tokyo": "japan",
        "japanese": "japan",
        "beijing": "china",
        "chinese": "china",
        "moscow": "russia",
        "russian": "russia",
        "kremlin": "russia",
    }.items()
}

_CLASSES: dict[str, tuple[str, ...]] = {
    "icbm": ("icbm", "intercontinental"),
    "irbm": ("irbm", "intermediate range"),
    "mrbm": ("mrbm", "medium range"),
    "srbm": ("srbm", "short range"),
    "slbm": ("slbm", "submarine launched", "sea launched"),
    "cruise": ("cruise missile",),
    "satellite": ("satellite", "space launch vehicle", "carrier rocket"),
    "nuclear": (
        "nuclear test",
        "nuclear detonation",
        "nuclear explosion",
        "hydrogen bomb",
        "atomic test",
    ),
    "artillery": ("rocket launcher", "artillery", "multiple rocket"),
    "ballistic": ("ballistic",),
}
_BALLISTIC = frozenset({"icbm", "irbm", "mrbm", "srbm", "slbm", "ballistic"})
_NAME = re.compile(
    r"\b(hwasong|hwasal|pukguksong|chollima|unha|taepodong|kn|haeil|pulhwasal|malligyong|"
    r"kwangmyongsong)[\s-]*(\d+[a-z]?)\b",
    re.IGNORECASE,
)
_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "single": 1,
    "pair": 2,
}
_COUNT = re.compile(
    r"\b(a|an|one|two|three|four|five|six|seven|eight|nine|ten|single|\d{1,2})\s+"
    r"(?:(?:more|new|suspected|apparent|short[\s-]range|long[\s-]range|medium[\s-]range|"
    r"intermediate[\s-]range|intercontinental|ballistic|cruise|hypersonic|submarine[\s-]launched|"
    r"strategic|tactical|unidentified|solid[\s-]fuel(?:ed)?)\s+){0,3}"
    r"(?:missiles?|projectiles?|rockets?|icbms?|srbms?|slbms?|irbms?)\b",
    re.IGNORECASE,
)
_PARTIES = {
    stem(w)
    for w in (
        "trump biden obama xi putin moon yoon lee abe kishida ishiba takaichi suga lavrov pompeo "
        "blinken rubio tillerson biegun guterres shoigu wang albanese macron"
    ).split()
}
_VENUES = {
    stem(w)
    for w in (
        "singapore hanoi panmunjom vladivostok vostochny beijing dmz stockholm geneva camp david "
        "helsinki osaka hiroshima"
    ).split()
}
_CONFIRMED = re.compile(
    r"\b(kcna|confirmed|joint chiefs|defen[cs]e ministry|state media)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Facts:
    """What an item says about its event, as far as simple patterns can tell."""

    classes: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    counts: frozenset[int] = frozenset()
    parties: frozenset[str] = frozenset()
    venues: frozenset[str] = frozenset()
    confirmed: bool = False

    def merge(self, other: Facts) -> Facts:
        return Facts(
            self.classes | other.classes,
            self.names | other.names,
            self.counts | other.counts,
            self.parties | other.parties,
            self.venues | other.venues,
            self.confirmed or other.confirmed,
        )

    def adds_to(self, known: Facts) -> bool:
        """Does this item state something material the story did not have yet?"""
        return bool(
            (self.classes - known.classes - {"ballistic"})
            or (self.names - known.names)
            or (self.counts and not known.counts)
            or (self.confirmed and not known.confirmed)
        )

    def describe(self) -> list[str]:
        out = sorted(
            c.upper() if c in _BALLISTIC - {"ballistic"} else c
            for c in self.classes
            if c != "ballistic" or len(self.classes) == 1
        )
        out += sorted(n for n in self.names)
        if len(self.counts) == 1:
            (n,) = self.counts
            out.append(f"{n} launched" if n > 1 else "1 launched")
        return out


def extract_facts(title: str, summary: str) -> Facts:
    text = f"{title}. {summary}"
    low = text.lower().replace("-", " ")
    classes = {name for name, phrases in _CLASSES.items() if any(p in low for p in phrases)}
    names = {f"{m.group(1).capitalize()}-{m.group(2).upper()}" for m in _NAME.finditer(text)}
    names = {n.replace("Kn-", "KN-") for n in names}
    counts = set()
    for m in _COUNT.finditer(text):
        word = m.group(1).lower()
        counts.add(int(word) if word.isdigit() else _NUMBERS[word])
    stems = set(tokenize(title, summary).stems)
    return Facts(
        classes=frozenset(classes),
        names=frozenset(names),
        counts=frozenset(counts),
        parties=frozenset(stems & _PARTIES),
        venues=frozenset(stems & _VENUES),
        confirmed=bool(_CONFIRMED.search(text)),
    )


def compatible(a: Facts, b: Facts) -> bool:
    """False when two descriptions cannot be of the same event."""
    if a.classes and b.classes:
        a_fam = {"ballistic" if c in _BALLISTIC else c for c in a.classes}
        b_fam = {"ballistic" if c in _BALLISTIC else c for c in b.classes}
        if not a_fam & b_fam:
            return False
        a_spec, b_spec = (
            a.classes & _BALLISTIC - {"ballistic"},
            b.classes & _BALLISTIC - {"ballistic"},
        )
        if a_spec and b_spec and not a_spec & b_spec:
            return False
    if a.names and b.names and not a.names & b.names:
        return False
    if a.counts and b.counts and not a.counts & b.counts:
        return False
    if a.parties and b.parties and not a.parties & b.parties:
        return False
    return not (a.venues and b.venues and not a.venues & b.venues)


def words(title: str, summary: str, *, lead_sentences: int = 2) -> frozenset[str]:
    """Normalised content words of the title and the lead, synonyms folded."""
    tokens = tokenize(title, summary)
    last = (tokens.sentence[0] + lead_sentences) if tokens.sentence else 0
    out = set()
    for s, sentence in zip(tokens.stems, tokens.sentence, strict=True):
        if sentence > last or s in _STOP or (len(s) < 2 and not s.isdigit()):
            continue
        out.add(_CANON.get(s, s))
    return frozenset(out)


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Shared words over the smaller set: a short headline can match a long lead."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


@dataclass(frozen=True)
class Fingerprint:
    key: str
    words: frozenset[str]
    facts: Facts
    labels: frozenset[str]
    published: datetime
    source: str


def fingerprint(
    key: str, title: str, summary: str, labels: Iterable[str], published: datetime, source: str
) -> Fingerprint:
    return Fingerprint(
        key,
        words(title, summary),
        extract_facts(title, summary),
        frozenset(labels),
        published,
        source,
    )


@dataclass
class StoryState:
    """What the index knows of an open story."""

    id: str
    labels: frozenset[str]
    first_published: datetime
    facts: Facts
    headline: Item  # the first report: its headline and link head the parent message
    classification: Classification  # the first report's, for the evidence line
    last_updated: datetime
    summary_item: Item | None = None  # a later report that added facts
    sources: list[str] = field(default_factory=list)
    members: list[Fingerprint] = field(default_factory=list)
    channels: set[str] = field(default_factory=set)  # channels holding its first post

    def view(self) -> StoryView:
        return StoryView(
            sources=tuple(self.sources),
            first_seen=self.first_published,
            last_updated=self.last_updated,
            facts=tuple(self.facts.describe()),
            summary=self.summary_item,
        )


@dataclass(frozen=True)
class Match:
    story_id: str
    score: float


@dataclass(frozen=True)
class Joined:
    story: StoryState
    new_source: bool  # the first report of this story from that source
    adds_facts: bool  # states a class, name, count or confirmation the story lacked


@dataclass(frozen=True)
class Tuning:
    window: timedelta = timedelta(hours=36)
    threshold: float = 0.5  # word overlap needed when no feature positively agrees
    threshold_agreeing: float = 0.3  # ... when class, name, parties or venue agree
    num_perm: int = 64
    lsh_threshold: float = 0.2


def _agree(a: Facts, b: Facts) -> bool:
    specific_a = a.classes - {"ballistic"}
    return bool(
        (specific_a & b.classes)
        or (a.names & b.names)
        or (a.venues & b.venues)
        or (len(a.parties & b.parties) >= 1 and a.parties and b.parties)
    )


def decide(fp: Fingerprint, stories: Iterable[StoryState], tuning: Tuning) -> Match | None:
    """The best existing story for `fp` among the candidates, or None for a new story. Pure."""
    best: Match | None = None
    for story in stories:
        if not fp.labels & story.labels:
            continue
        if abs(fp.published - story.first_published) > tuning.window:
            continue
        if not compatible(fp.facts, story.facts):
            continue
        need = tuning.threshold_agreeing if _agree(fp.facts, story.facts) else tuning.threshold
        score = max((overlap(fp.words, m.words) for m in story.members), default=0.0)
        if score >= need and (best is None or score > best.score):
            best = Match(story.id, score)
    return best


class StoryIndex:
    """Open stories in memory with a MinHash-LSH index over their members' words."""

    def __init__(self, tuning: Tuning | None = None) -> None:
        self.tuning = tuning or Tuning()
        self._template = MinHash(num_perm=self.tuning.num_perm)
        self._lsh = MinHashLSH(threshold=self.tuning.lsh_threshold, num_perm=self.tuning.num_perm)
        self.stories: dict[str, StoryState] = {}
        self._member_story: dict[str, str] = {}

    def _minhash(self, words: frozenset[str]) -> MinHash:
        m = MinHash(
            num_perm=self.tuning.num_perm,
            permutations=self._template.permutations,
            scheme=self._template.scheme,
        )
        m.update_batch([w.encode("utf-8") for w in sorted(words)])
        return m

    def candidates(self, fp: Fingerprint) -> list[StoryState]:
        if not fp.words:
            return []
        ids = {
            self._member_story[k]
            for k in self._lsh.query(self._minhash(fp.words))
            if k in self._member_story
        }
        return [self.stories[i] for i in ids if i in self.stories]

    def assign(self, fp: Fingerprint) -> Match | None:
        return decide(fp, self.candidates(fp), self.tuning)

    def create(
        self, fp: Fingerprint, item: Item, classification: Classification, now: datetime
    ) -> StoryState:
        """A new story whose first report is `fp` (its key becomes the story's id)."""
        story = StoryState(
            id=fp.key,
            labels=fp.labels,
            first_published=fp.published,
            facts=fp.facts,
            headline=item,
            classification=classification,
            last_updated=now,
        )
        self.stories[story.id] = story
        self._add_member(story, fp)
        return story

    def join(self, story_id: str, fp: Fingerprint, item: Item, now: datetime) -> Joined:
        story = self.stories[story_id]
        adds = fp.facts.adds_to(story.facts)
        new_source = fp.source not in story.sources
        story.facts = story.facts.merge(fp.facts)
        story.labels = story.labels | fp.labels
        story.first_published = min(story.first_published, fp.published)
        story.last_updated = now
        if adds:
            story.summary_item = item
        self._add_member(story, fp)
        return Joined(story, new_source, adds)

    def _add_member(self, story: StoryState, fp: Fingerprint) -> None:
        if fp.source not in story.sources:
            story.sources.append(fp.source)
        story.members.append(fp)
        if fp.words and fp.key not in self._member_story:
            self._lsh.insert(fp.key, self._minhash(fp.words))
            self._member_story[fp.key] = story.id

    def close_before(self, cutoff: datetime) -> list[str]:
        """Forget stories whose first report is older than `cutoff`; returns their ids."""
        closed = [sid for sid, s in self.stories.items() if s.first_published < cutoff]
        for sid in closed:
            for m in self.stories.pop(sid).members:
                if self._member_story.pop(m.key, None) is not None:
                    self._lsh.remove(m.key)
        return closed

    def __len__(self) -> int:
        return len(self._member_story)
