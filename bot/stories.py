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

from bot import cjk_facts
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
    "long": ("long range",),
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
_CLASS_NAMES = {
    "icbm": "ICBM",
    "irbm": "IRBM",
    "mrbm": "MRBM",
    "srbm": "SRBM",
    "slbm": "SLBM",
    "long": "long-range",
    "ballistic": "ballistic missile",
    "cruise": "cruise missile",
    "satellite": "satellite launch",
    "nuclear": "nuclear test",
    "artillery": "rocket artillery",
}
_BALLISTIC = frozenset({"icbm", "irbm", "mrbm", "srbm", "slbm", "long", "ballistic"})
# Ballistic classes that can name the same missile ("long-range" covers ICBMs and IRBMs).
_SAME_MISSILE = {("long", "icbm"), ("long", "irbm"), ("icbm", "long"), ("irbm", "long")}
# Families that cannot describe one event together. A satellite launch is often called a
# ballistic missile launch by others, so the two are one family.
_FAMILY = {c: "launch" for c in (*_BALLISTIC, "satellite")} | {
    "cruise": "cruise",
    "nuclear": "nuclear",
    "artillery": "artillery",
}
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
    r"(?<![-\w])(a|an|one|two|three|four|five|six|seven|eight|nine|ten|single|\d{1,2})\s+"
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
    kind: str = "event"  # what the headline is about: "launch", "un" (UN action) or "meeting"
    repeat: bool = False  # the headline says "again", "another", "more": a further event

    def merge(self, other: Facts) -> Facts:
        return Facts(
            self.classes | other.classes,
            self.names | other.names,
            self.counts | other.counts,
            self.parties | other.parties,
            self.venues | other.venues,
            self.confirmed or other.confirmed,
            self.kind,
            self.repeat,
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
        """Short fact labels for the parent message: "ICBM", "Hwasong-18", "2 missiles"."""
        classes = self.classes - {"ballistic"} if self.classes - {"ballistic"} else self.classes
        out = sorted(_CLASS_NAMES[c] for c in classes)
        out += sorted(self.names)
        if len(self.counts) == 1:
            (n,) = self.counts
            out.append(f"{n} missile{'s' if n > 1 else ''}")
        return out


# "..., hours after an SRBM launch" / "following last week's test": another event, not this one
_OTHER_EVENT = re.compile(
    r"\b(?:(?:hours?|days?|weeks?|a day|a week|shortly|just|soon|months?)\s+)?"
    r"(?:after|following|since|before)\b[^,.;:]*",
    re.IGNORECASE,
)
_LAUNCH_WORDS = re.compile(
    r"\b(?:fires?|fired|firing|launch\w*|test[- ]?fir\w*|missiles?|icbms?|slbms?|srbms?|irbms?|"
    r"rockets?|projectiles?|nuclear test|satellite launch\w*|j-alert|hwasong|pukguksong|chollima|"
    r"lob\w*|ballistic|blast|detonat\w*)\b",
    re.IGNORECASE,
)
_REPEAT = re.compile(
    r"\b(?:again|another|fresh|renewed|more (?:missiles?|rockets?|projectiles?)|"
    r"(?:second|third|new) (?:launch|round|salvo|volley))\b",
    re.IGNORECASE,
)
# "World condemns launch as Security Council prepares to meet": the headline's own event is
# what comes before such a clause.
_SUBORDINATE = re.compile(
    r"\s(?:as|while|after|following|amid|ahead of|before|days after|hours after)\s", re.IGNORECASE
)
_UN = re.compile(r"(?i:\b(?:security council|unsc|united nations)\b)|\bU\.?N\b\.?")
_FIRST_SENTENCE = re.compile(r"^(.+?[.!?])(?:\s+[A-Z\"'\u201c]|$)", re.DOTALL)


def extract_facts(title: str, summary: str) -> Facts:
    """Facts from the title and the lead sentence (later sentences are background)."""
    first = _FIRST_SENTENCE.match(summary.strip())
    summary = first.group(1) if first else summary
    main_clause = _SUBORDINATE.split(title, maxsplit=1)[0]
    if _UN.search(main_clause):
        kind = "un"
    elif _LAUNCH_WORDS.search(title):
        kind = "launch"
    else:
        kind = "meeting"
    text = _OTHER_EVENT.sub(" ", f"{title}. {summary}")
    low = text.lower().replace("-", " ")
    classes = {name for name, phrases in _CLASSES.items() if any(p in low for p in phrases)}
    names = {f"{m.group(1).capitalize()}-{m.group(2).upper()}" for m in _NAME.finditer(text)}
    names = {n.replace("Kn-", "KN-") for n in names}
    counts = set()
    for m in _COUNT.finditer(text):
        word = m.group(1).lower()
        if word in ("a", "an"):
            continue  # "a missile" in a first flash often turns out to be two
        counts.add(int(word) if word.isdigit() else _NUMBERS[word])
    stems = set(tokenize(title, summary).stems)
    parties, venues = stems & _PARTIES, stems & _VENUES
    confirmed, repeat = bool(_CONFIRMED.search(text)), bool(_REPEAT.search(title))
    if cjk_facts.has_cjk(f"{title} {summary}"):  # Korean or Japanese: the same facts, by its words
        cjk = f"{title}\n{cjk_facts.lead_sentence(summary)}"
        classes |= cjk_facts.classes(cjk)
        names |= cjk_facts.names(cjk)
        counts |= cjk_facts.counts(cjk)
        parties |= cjk_facts.parties(cjk)
        venues |= cjk_facts.venues(cjk)
        confirmed = confirmed or cjk_facts.confirmed(cjk)
        repeat = repeat or cjk_facts.repeat(title)
        kind = cjk_facts.kind(title) or kind
    return Facts(
        classes=frozenset(classes),
        names=frozenset(names),
        counts=frozenset(counts),
        parties=frozenset(parties),
        venues=frozenset(venues),
        confirmed=confirmed,
        kind=kind,
        repeat=repeat,
    )


def compatible(a: Facts, b: Facts, *, diplomacy: bool = True) -> bool:
    """False when two descriptions cannot be of the same event.

    Leaders and venues only tell diplomatic events apart: a launch report that quotes Abe and
    another that quotes Obama are still about one launch.
    """
    if a.classes and b.classes:
        a_fam = {_FAMILY[c] for c in a.classes}
        b_fam = {_FAMILY[c] for c in b.classes}
        if not a_fam & b_fam:
            return False
        a_spec, b_spec = (
            a.classes & _BALLISTIC - {"ballistic"},
            b.classes & _BALLISTIC - {"ballistic"},
        )
        if (
            a_spec
            and b_spec
            and not a_spec & b_spec
            and not any((x, y) in _SAME_MISSILE for x in a_spec for y in b_spec)
        ):
            return False
    if (a.kind == "un") != (b.kind == "un"):
        return False
    if a.names and b.names and not a.names & b.names:
        return False
    if a.counts and b.counts and not a.counts & b.counts:
        return False
    if not diplomacy:
        return True
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
    if cjk_facts.has_cjk(title) or cjk_facts.has_cjk(summary):
        # single characters carry no meaning: the concepts and bigrams stand for the words
        lead = cjk_facts.lead_sentence(summary)
        out = {w for w in out if not cjk_facts.has_cjk(w)}
        out.update(_CANON.get(w, w) for w in cjk_facts.words((title, lead)))
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
    founding_labels: frozenset[str]  # the first report's labels
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
    # Word overlap needed to join a story. Tuned on tests/data/stories_dev.jsonl: reports of
    # one launch hours apart share few words, so for launches time and facts decide and words
    # only matter for reports that come late; diplomacy needs shared leaders or venue, or words.
    launch_close: float = 0.05  # launch report within `close` of the story's first report
    launch_agreeing: float = 0.15  # later launch report whose class or name agrees
    launch_far: float = 0.5  # later launch report with nothing in common but words
    threshold_agreeing: float = 0.05  # diplomacy (or mixed) when leaders, venue or class agree
    threshold: float = 0.2  # diplomacy (or mixed) otherwise
    close: timedelta = timedelta(hours=30)  # state media report a launch the next morning
    repeat_gap: timedelta = timedelta(hours=2)  # "again"/"another" this long after: not "close"
    num_perm: int = 32
    lsh_bands: tuple[int, int] = (16, 2)  # bands x rows: likely to catch pairs with Jaccard 0.25
    recent_limit: int = 16  # stories close in time always compared, at most this many


def _agree(a: Facts, b: Facts) -> bool:
    specific_a = a.classes - {"ballistic"}
    return bool(
        (specific_a & b.classes)
        or (a.names & b.names)
        or (a.venues & b.venues)
        or (len(a.parties & b.parties) >= 1 and a.parties and b.parties)
    )


def decide(fp: Fingerprint, stories: Iterable[StoryState], tuning: Tuning) -> Match | None:
    """The best existing story for `fp` among the candidates, or None for a new story. Pure.

    Reports of one launch, hours apart, often share few words ("fires ballistic missile into
    East Sea" / "Japan says missile fell outside its EEZ"): for launch stories the facts and the
    time decide, and the words only need to overlap a little. Diplomacy has many parallel
    stories, so there the words must agree more.
    """
    best: Match | None = None
    best_rank: tuple[float, float, str] = (0.0, 0.0, "")
    for story in stories:
        if not fp.labels & story.labels:
            continue
        gap = abs(fp.published - story.first_published)
        if gap > tuning.window:
            continue
        launch = fp.labels == story.founding_labels == frozenset({"missile-test"})
        if not compatible(fp.facts, story.facts, diplomacy=not launch):
            continue
        if {fp.facts.kind, story.facts.kind} == {
            "launch",
            "meeting",
        } and "diplomacy" in fp.labels | story.founding_labels:
            continue  # a launch during a summit is not the summit's story, nor the reverse
        agree = _agree(fp.facts, story.facts)
        if launch:
            if gap <= tuning.close and not (fp.facts.repeat and gap > tuning.repeat_gap):
                need = tuning.launch_close
            else:
                need = tuning.launch_agreeing if agree else tuning.launch_far
        else:
            need = tuning.threshold_agreeing if agree else tuning.threshold
        members = story.members
        compared = members if len(members) <= 6 else [members[0], *members[-5:]]
        score = max((overlap(fp.words, m.words) for m in compared), default=0.0)
        if score < need:
            continue
        rank = (score, -gap.total_seconds(), story.id)  # ties: the story closest in time
        if best is None or rank > best_rank:
            best, best_rank = Match(story.id, score), rank
    return best


class StoryIndex:
    """Open stories in memory with a MinHash-LSH index over their members' words."""

    def __init__(self, tuning: Tuning | None = None) -> None:
        self.tuning = tuning or Tuning()
        self._template = MinHash(num_perm=self.tuning.num_perm)
        self._lsh = MinHashLSH(num_perm=self.tuning.num_perm, params=self.tuning.lsh_bands)
        self.stories: dict[str, StoryState] = {}
        self._order: list[str] = []  # story ids, oldest first
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
        """Stories that might be `fp`'s: LSH neighbours, plus the latest stories close in time.

        Reworded reports of one event can share few words; the recent stories with a shared
        label are few, so they are always compared in full.
        """
        ids: set[str] = set()
        if fp.words:
            hits = self._lsh.query(self._minhash(fp.words))
            ids.update(self._member_story[k] for k in hits if k in self._member_story)
        recent = 0
        for story_id in reversed(self._order):
            story = self.stories.get(story_id)
            if story is None or not (story.labels & fp.labels):
                continue
            if abs(story.first_published - fp.published) <= self.tuning.window:
                ids.add(story_id)
                recent += 1
                if recent >= self.tuning.recent_limit:
                    break
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
            founding_labels=fp.labels,
            first_published=fp.published,
            facts=fp.facts,
            headline=item,
            classification=classification,
            last_updated=now,
        )
        self.stories[story.id] = story
        self._order.append(story.id)
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
        gone = set(closed)
        self._order = [sid for sid in self._order if sid not in gone]
        for sid in closed:
            for m in self.stories.pop(sid).members:
                if self._member_story.pop(m.key, None) is not None:
                    self._lsh.remove(m.key)
        return closed

    def __len__(self) -> int:
        return len(self._member_story)
