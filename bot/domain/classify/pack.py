"""Rule packs: TOML data -> validated, compiled matchers. Pure: the caller reads the file.

A pack names a subject (aliases; contextual aliases that count only when a context word is
present) and topics, one per label: weighted phrases (negative weights discount look-alikes),
and "near" rules that pair two word groups within a window of the same sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.domain.classify.text import is_cjk, pattern_stems
from bot.domain.severity import LEVELS, SeverityRule
from bot.domain.storykinds import FACT_CLASSES, StoryLabels
from bot.validate import Problems, Table

LABEL_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True)
class Pattern:
    """One phrase as stems; `display` is how it was written in the pack."""

    stems: tuple[str, ...]
    display: str
    exact: bool = field(init=False)  # no wildcards: the phrase can be compared as a slice

    def __post_init__(self) -> None:
        object.__setattr__(self, "exact", "#" not in self.stems and "*" not in self.stems)


_Candidates = tuple[tuple[Pattern, tuple[str, int, int]], ...]


@dataclass(frozen=True)
class NearRule:
    name: str
    first: tuple[Pattern, ...]
    second: tuple[Pattern, ...]
    window: int
    weight: float
    ordered: bool = False  # the first group must come before the second ("US ... condemns")
    # the pair reports the topic's event (salience: as an `events` word at its later word),
    # for events no single word names ("inspects ... the spy satellite", "failed satellite")
    event: bool = False
    # longer phrases that hold a first or second word and make it something else: a word of
    # either group inside one of them counts for nothing ("US soldier" is no government)
    unless: tuple[Pattern, ...] = ()


@dataclass(frozen=True)
class Topic:
    label: str
    threshold: float
    terms: tuple[tuple[Pattern, float], ...]
    near: tuple[NearRule, ...]
    needs_subject: bool = True
    # salience: the words that report this topic's event ("fire", "launch"); when given, one
    # of them must be in a main clause of the title or lead (see bot/domain/classify/salience.py)
    events: tuple[Pattern, ...] = ()
    # the least evidence a main clause of the title or lead must hold for the label
    head_min: float = 0.0


@dataclass(frozen=True)
class Salience:
    """What marks a clause as subordinate, a reaction, or another country acting (pack data)."""

    subordinate: tuple[Pattern, ...] = ()  # "after", "amid", "in response to"
    not_subordinate: tuple[Pattern, ...] = ()  # "as well as": not a clause
    opening: tuple[Pattern, ...] = ()  # subordinate only when they open a sentence ("With ...")
    cause: tuple[Pattern, ...] = ()  # subordinate, naming the cause ("after ...", "in response to")
    reaction: tuple[Pattern, ...] = ()  # "condemn", "warn": the clause is about its object
    other_actors: tuple[Pattern, ...] = ()  # "south korea", "spacex": not the subject acting
    captions: tuple[Pattern, ...] = ()  # "getty images": the summary opens with a photo caption
    acting: tuple[Pattern, ...] = ()  # event words whose subject is checked ("launch")
    # what a list of names beside it is: adversaries ("threats from China, Russia, North Korea")
    adversity: tuple[Pattern, ...] = ()
    # a title's main clause with one of these reports an event of its own ("visits", "arrives"):
    # what its cause clause names is background ("visits the DMZ after the launches")
    own_events: tuple[Pattern, ...] = ()
    # subordinate openers of a concurrent event ("as", "while"): beside a title's main clause
    # that holds nothing of any topic, such a clause is the title's news
    concurrent: tuple[Pattern, ...] = ()
    # openers of a relative clause ("who", "which"): set off by a comma, it is background
    relative: tuple[Pattern, ...] = ()
    # launches in general (GUIDELINES G3): a tally or a series opened by one of `series` ("a
    # string of", "record number of": up to the launch word after it), the programme a noun
    # compound names before one of `programme` ("spy satellite program"), or a title holding one
    # of `general_titles` anywhere ("Explainer: ..."); `particular` marks one launch (a weapon class, a
    # count of missiles, a day): with an event word beside it, the item reports that launch
    series: tuple[Pattern, ...] = ()
    programme: tuple[Pattern, ...] = ()
    general_titles: tuple[Pattern, ...] = ()
    particular: tuple[Pattern, ...] = ()

    @property
    def enabled(self) -> bool:
        return bool(self.subordinate or self.reaction or self.other_actors or self.captions)


@dataclass(frozen=True)
class RulePack:
    name: str
    description: str
    subject_name: str
    aliases: tuple[Pattern, ...]
    contextual: tuple[Pattern, ...]
    not_contextual: tuple[Pattern, ...]  # longer phrases that cancel a contextual alias
    context: tuple[Pattern, ...]
    window: int
    far_factor: float
    title_weight: float
    topics: tuple[Topic, ...]
    default: bool = False
    severity: tuple[SeverityRule, ...] = ()  # label names as label_name() gives them
    # [stories]: the topics whose events are launches or tests, and those that are meetings
    # (talks, statements, measures), as bare labels; and the fact classes its rules may name
    story_launch: tuple[str, ...] = ()
    story_meeting: tuple[str, ...] = ()
    story_facts: frozenset[str] = FACT_CLASSES
    salience: Salience = field(default_factory=Salience)
    # phrases in which an alias is part of another word ("북한산 국립공원", "北上", "東北"):
    # an alias or contextual alias that starts inside one of them does not count
    not_subject: tuple[Pattern, ...] = ()
    # the bundled learned model's name (`model = "northkorea"`), None for the rules alone
    model: str | None = None
    # first stem -> [(pattern, role)], role = ("alias"|"contextual"|"context", -1) or
    # ("term", topic index, term index) or ("near1"/"near2"/"near_unless", topic index, rule
    # index) or ("event", topic index, -1)
    index: Mapping[str, tuple[tuple[Pattern, tuple[str, int, int]], ...]] = field(
        default_factory=dict, hash=False, compare=False
    )
    # the salience markers, ("sub"|"cause"|"reaction"|"actor"|..., -1, -1), looked for only
    # in an item where a label's score is reached
    salience_index: Mapping[str, tuple[tuple[Pattern, tuple[str, int, int]], ...]] = field(
        default_factory=dict, hash=False, compare=False
    )
    salience_follows: Mapping[str, frozenset[str]] = field(
        default_factory=dict, hash=False, compare=False
    )
    # first stem -> the second stems its phrases go on with, when every phrase starting with it
    # has a plain second word ("the" starts only "the north", "the regime", ...): most of a
    # common first word's occurrences are passed over with one lookup
    follows: Mapping[str, frozenset[str]] = field(default_factory=dict, hash=False, compare=False)
    # a Korean or Japanese character that starts many phrases -> (its one-character and
    # wildcard phrases, {second character: the phrases that go on with it})
    by_second: Mapping[str, tuple[_Candidates, Mapping[str, _Candidates]]] = field(
        default_factory=dict, hash=False, compare=False
    )
    # the words (stems) of each subject phrase, aliases and contextual ones: a text that has all
    # the words of none of them cannot mention the subject. None when no such shortcut holds (a
    # topic that does not need the subject, or a phrase of wildcards only).
    subject_words: tuple[frozenset[str], ...] | None = field(
        default=None, hash=False, compare=False
    )
    # the same phrases by one of their words: a text need only try the phrases of its own words
    subject_keys: Mapping[str, tuple[frozenset[str], ...]] = field(
        default_factory=dict, hash=False, compare=False
    )
    # letters that every text able to mention the subject without Korean or Japanese holds
    # (`subject_anchors`): a text with none of them is passed over without being tokenised
    anchors: tuple[str, ...] | None = field(default=None, hash=False, compare=False)

    def label_name(self, label: str) -> str:
        """How a label is called outside the pack: bare for the default pack, else pack:label."""
        return label if self.default else f"{self.name}:{label}"

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.label_name(t.label) for t in self.topics)


def _patterns(table: Table, key: str, required: bool = False) -> tuple[Pattern, ...]:
    out = []
    for text in table.strings(key):
        stems = pattern_stems(text)
        if not stems or stems[0] in "#*":
            table.problems.add(
                table.key_path(key),
                f'"{text}" must start with a word (not empty, not "#" or "*")',
            )
            continue
        out.append(Pattern(stems, text))
    if required and not out:
        table.problems.add(table.key_path(key), "needs at least one phrase")
    return tuple(out)


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def load_pack(data: Mapping[str, Any], problems: Problems, *, path: str = "") -> RulePack | None:
    """Validate a pack's TOML data; add every problem to `problems`; None when unusable."""
    root = Table(data, path, problems)
    before = len(problems.items)
    name = root.string("name", required=True)
    if name and not set(name) <= LABEL_CHARS:
        problems.add(root.key_path("name"), "use lower-case letters, digits, '-' and '_' only")
    description = root.string("description")
    default = root.boolean("default", False)
    # a learned model shipped beside the bundled pack (bot/domain/classify/model.py): true
    # for the one named after the pack, or its name; false (the default) for the rules alone
    if isinstance(data.get("model"), bool):
        model_name = name if root.boolean("model", False) else ""
    else:
        model_name = root.string("model")
    if model_name:
        from bot.domain.classify.model import bundled

        try:
            found = bundled(model_name)
        except (ValueError, KeyError, TypeError) as e:
            problems.add(root.key_path("model"), f'the model "{model_name}" is unreadable: {e}')
        else:
            if found is None:
                problems.add(
                    root.key_path("model"), f'"{model_name}" is not a model shipped with newsbot'
                )

    subject = root.table("subject")
    subject_name = subject.string("name", name)
    aliases = _patterns(subject, "aliases", required=True)
    contextual = _patterns(subject, "contextual")
    not_contextual = _patterns(subject, "not_contextual")
    not_subject = _patterns(subject, "not_subject")
    context = _patterns(subject, "context")
    window = subject.integer("window", 20, minimum=1)
    far_factor = subject.number("far_factor", 0.5, minimum=0.0)
    title_weight = subject.number("title_weight", 2.0, minimum=0.0)
    subject.finish()
    sal = root.table("salience")
    salience = Salience(
        subordinate=_patterns(sal, "subordinate"),
        not_subordinate=_patterns(sal, "not_subordinate"),
        opening=_patterns(sal, "opening"),
        cause=_patterns(sal, "cause"),
        reaction=_patterns(sal, "reaction"),
        other_actors=_patterns(sal, "other_actors"),
        captions=_patterns(sal, "captions"),
        acting=_patterns(sal, "acting"),
        adversity=_patterns(sal, "adversity"),
        own_events=_patterns(sal, "own_events"),
        concurrent=_patterns(sal, "concurrent"),
        relative=_patterns(sal, "relative"),
        series=_patterns(sal, "series"),
        programme=_patterns(sal, "programme"),
        general_titles=_patterns(sal, "general_titles"),
        particular=_patterns(sal, "particular"),
    )
    sal.finish()

    topics = []
    seen_labels: set[str] = set()
    for t in root.tables("topic"):
        label = t.string("label", required=True)
        if label in seen_labels:
            problems.add(t.key_path("label"), f'"{label}" is defined twice in this pack')
        if label and not set(label) <= LABEL_CHARS:
            problems.add(t.key_path("label"), "use lower-case letters, digits, '-' and '_' only")
        seen_labels.add(label)
        threshold = t.number("threshold", 3.0, minimum=0.0)
        weights = t.mapping("terms", _as_float, "a number (the term's weight)")
        terms = []
        by_stems: dict[tuple[str, ...], str] = {}
        for text, weight in weights.items():
            stems = pattern_stems(text)
            if not stems or stems[0] in "#*":
                problems.add(t.key_path(f'terms."{text}"'), "must start with a word")
                continue
            if stems in by_stems:
                problems.add(
                    t.key_path(f'terms."{text}"'),
                    f'matches the same words as "{by_stems[stems]}" (phrases are compared by '
                    "stem, so plurals and verb forms are already covered); keep one of them",
                )
                continue
            by_stems[stems] = text
            terms.append((Pattern(stems, text), weight))
        near = []
        for n in t.tables("near"):
            near.append(
                NearRule(
                    name=n.string("name", "near"),
                    first=_patterns(n, "first", required=True),
                    second=_patterns(n, "second", required=True),
                    window=n.integer("window", 6, minimum=1),
                    weight=n.number("weight", 2.0),
                    ordered=n.boolean("ordered", False),
                    event=n.boolean("event", False),
                    unless=_patterns(n, "unless"),
                )
            )
            n.finish()
        needs_subject = t.boolean("needs_subject", True)
        events = _patterns(t, "events")
        head_min = t.number("head_min", 0.0, minimum=0.0)
        t.finish()
        topics.append(
            Topic(label, threshold, tuple(terms), tuple(near), needs_subject, events, head_min)
        )
    if not topics:
        problems.add(root.key_path("topic"), "a pack needs at least one [[topic]]")
    story_launch, story_meeting, story_facts = _stories(root.table("stories"), seen_labels)
    severity = []
    for s in root.tables("severity"):
        level = s.string("level", required=True)
        if level and level not in LEVELS:
            problems.add(s.key_path("level"), f'"{level}" is not one of {", ".join(LEVELS)}')
        label = s.string("label", required=True)
        if label and label not in seen_labels:
            known = ", ".join(sorted(seen_labels))
            problems.add(s.key_path("label"), f'"{label}" is not a topic of this pack ({known})')
        facts = frozenset(s.strings("facts"))
        for fact in sorted(facts - story_facts):
            problems.add(
                s.key_path("facts"),
                f'"{fact}" is not a fact class; use {", ".join(sorted(story_facts))}',
            )
        phrases = tuple(s.strings("phrases"))
        if not facts and not phrases:
            problems.add(s.key_path("phrases"), "a severity rule needs facts or phrases")
        s.finish()
        full = label if default else f"{name}:{label}"
        severity.append(SeverityRule(level, full, facts, phrases))
    root.finish()
    if len(problems.items) > before:
        return None
    pack = RulePack(
        name=name,
        description=description,
        subject_name=subject_name,
        aliases=aliases,
        contextual=contextual,
        not_contextual=not_contextual,
        context=context,
        window=window,
        far_factor=far_factor,
        title_weight=title_weight,
        topics=tuple(topics),
        default=default,
        severity=tuple(severity),
        story_launch=story_launch,
        story_meeting=story_meeting,
        story_facts=story_facts,
        salience=salience,
        not_subject=not_subject,
        model=model_name or None,
    )
    object.__setattr__(pack, "index", _build_index(pack))
    object.__setattr__(pack, "follows", _follows(pack.index))
    object.__setattr__(pack, "by_second", _by_second(pack.index))
    object.__setattr__(pack, "salience_index", _build_salience_index(pack.salience))
    object.__setattr__(pack, "salience_follows", _follows(pack.salience_index))
    object.__setattr__(pack, "subject_words", _subject_words(pack))
    object.__setattr__(pack, "subject_keys", _subject_keys(pack.subject_words))
    object.__setattr__(pack, "anchors", subject_anchors(pack.subject_words))
    return pack


def _stories(
    table: Table, labels: set[str]
) -> tuple[tuple[str, ...], tuple[str, ...], frozenset[str]]:
    """The [stories] table: `launch` and `meeting` list topic labels, `facts` fact classes."""
    kinds = []
    for key in ("launch", "meeting"):
        named = table.strings(key)
        for label in named:
            if label not in labels:
                known = ", ".join(sorted(labels))
                table.problems.add(
                    table.key_path(key), f'"{label}" is not a topic of this pack ({known})'
                )
        kinds.append(tuple(named))
    both = set(kinds[0]) & set(kinds[1])
    if both:
        table.problems.add(
            table.key_path("meeting"),
            f"{', '.join(sorted(both))}: a label is one kind or the other",
        )
    facts = frozenset(table.strings("facts", tuple(sorted(FACT_CLASSES))))
    for fact in sorted(facts - FACT_CLASSES):
        table.problems.add(
            table.key_path("facts"),
            f'"{fact}" is not a fact class the story extractor knows; use '
            + ", ".join(sorted(FACT_CLASSES)),
        )
    table.finish()
    return kinds[0], kinds[1], facts & FACT_CLASSES


def story_labels(packs: Iterable[RulePack]) -> StoryLabels:
    """The launch and meeting labels of all `packs`, named as classification names them
    (bare for the default pack, pack:label otherwise), for the story index."""
    packs = tuple(packs)
    return StoryLabels(
        launch=frozenset(p.label_name(label) for p in packs for label in p.story_launch),
        meeting=frozenset(p.label_name(label) for p in packs for label in p.story_meeting),
    )


def extend_pack_data(base: Mapping[str, Any], extension: Mapping[str, Any]) -> dict[str, Any]:
    """A pack that `extends` another: its own name and subject, the base's topics, plus its own.

    A topic in the extension with a label the base has adds to (or re-weights) that topic's
    terms and near rules; a topic with a new label is added as it is.
    """
    merged: dict[str, Any] = {k: v for k, v in extension.items() if k not in ("extends", "topic")}
    topics: list[dict[str, Any]] = [
        {**t, "terms": dict(t.get("terms", {})), "near": list(t.get("near", []))}
        for t in base.get("topic", [])
        if isinstance(t, dict)
    ]
    for extra in extension.get("topic", []):
        if not isinstance(extra, dict):
            continue
        same = next((t for t in topics if t.get("label") == extra.get("label")), None)
        if same is None:
            topics.append(dict(extra))
            continue
        same["terms"].update(extra.get("terms", {}))
        same["near"].extend(extra.get("near", []))
        for key, value in extra.items():
            if key not in ("terms", "near", "label"):
                same[key] = value
    merged["topic"] = topics
    if "subject" not in merged:
        merged["subject"] = base.get("subject", {})
    if "salience" not in merged and "salience" in base:
        merged["salience"] = base["salience"]
    if "severity" not in merged:
        merged["severity"] = list(base.get("severity", []))
    if isinstance(base.get("stories"), dict):  # the base's event labels, plus the extension's
        own = extension.get("stories", {})
        if isinstance(own, dict):
            merged["stories"] = {
                **base["stories"],
                **{
                    k: [*base["stories"].get(k, []), *v]
                    if k != "facts" and isinstance(v, list)
                    else v
                    for k, v in own.items()
                },
            }
    return merged


def _build_index(
    pack: RulePack,
) -> dict[str, tuple[tuple[Pattern, tuple[str, int, int]], ...]]:
    index: dict[str, list[tuple[Pattern, tuple[str, int, int]]]] = {}

    def add(pattern: Pattern, role: tuple[str, int, int]) -> None:
        index.setdefault(pattern.stems[0], []).append((pattern, role))

    for p in pack.aliases:
        add(p, ("alias", -1, -1))
    for p in pack.contextual:
        add(p, ("contextual", -1, -1))
    for p in pack.not_contextual:
        add(p, ("not_contextual", -1, -1))
    for p in pack.not_subject:
        add(p, ("not_subject", -1, -1))
    for p in pack.context:
        add(p, ("context", -1, -1))
    for ti, topic in enumerate(pack.topics):
        for term_i, (p, _w) in enumerate(topic.terms):
            add(p, ("term", ti, term_i))
        for ri, rule in enumerate(topic.near):
            for p in rule.first:
                add(p, ("near1", ti, ri))
            for p in rule.second:
                add(p, ("near2", ti, ri))
            for p in rule.unless:
                add(p, ("near_unless", ti, ri))
        for p in topic.events:
            add(p, ("event", ti, -1))
    return {k: tuple(v) for k, v in index.items()}


def _build_salience_index(
    salience: Salience,
) -> dict[str, tuple[tuple[Pattern, tuple[str, int, int]], ...]]:
    index: dict[str, list[tuple[Pattern, tuple[str, int, int]]]] = {}
    for kind, patterns in (
        ("sub", salience.subordinate),
        ("not_sub", salience.not_subordinate),
        ("open", salience.opening),
        ("cause", salience.cause),
        ("reaction", salience.reaction),
        ("actor", salience.other_actors),
        ("caption", salience.captions),
        ("adversity", salience.adversity),
        ("own_event", salience.own_events),
        ("concurrent", salience.concurrent),
        ("relative", salience.relative),
        ("series", salience.series),
        ("programme", salience.programme),
        ("general_title", salience.general_titles),
        ("particular", salience.particular),
    ):
        for p in patterns:
            index.setdefault(p.stems[0], []).append((p, (kind, -1, -1)))
    return {k: tuple(v) for k, v in index.items()}


def _follows(
    index: Mapping[str, tuple[tuple[Pattern, tuple[str, int, int]], ...]],
) -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for first, candidates in index.items():
        seconds = [p.stems[1] if len(p.stems) > 1 else "*" for p, _role in candidates]
        if "*" not in seconds and "#" not in seconds:
            out[first] = frozenset(seconds)
    return out


def _by_second(
    index: Mapping[str, _Candidates],
) -> dict[str, tuple[_Candidates, Mapping[str, _Candidates]]]:
    out: dict[str, tuple[_Candidates, Mapping[str, _Candidates]]] = {}
    for first, candidates in index.items():
        if len(candidates) < 6 or len(first) != 1 or not is_cjk(first):
            continue
        rest = []
        seconds: dict[str, list[tuple[Pattern, tuple[str, int, int]]]] = {}
        for candidate in candidates:
            stems = candidate[0].stems
            if len(stems) == 1 or stems[1] in ("#", "*"):
                rest.append(candidate)
            else:
                seconds.setdefault(stems[1], []).append(candidate)
        out[first] = (tuple(rest), {k: tuple(v) for k, v in seconds.items()})
    return out


def _subject_keys(
    phrases: tuple[frozenset[str], ...] | None,
) -> dict[str, tuple[frozenset[str], ...]]:
    out: dict[str, list[frozenset[str]]] = {}
    for phrase in phrases or ():
        out.setdefault(min(phrase), []).append(phrase)
    return {k: tuple(v) for k, v in out.items()}


# English (Porter2) stemming removes letters from a word's end and writes few of its own, and
# only at the stem's end: an "e" ("hoping" "hope", "ization" "ize", "ational" "ate"), an "i"
# for "y" ("cry" "cri"), "ie" for "ying" after a consonant ("dying" "die"), "l" or "le" after
# the "b" of "bility" ("possibility" "possibl"), and "y" in "skies" "sky". So a stem, cut
# before such an ending, starts every word whose stem it is. tests/test_classify_gate.py
# holds it to that, for the project's own stems (`bot.domain.classify.text._OWN_STEMS`) too,
# and on the distinct words of the real-news whole days where those are rebuilt
# (`python -m benchmarks.check_gate` checks the whole pool: 265,554 words).
_WRITTEN_END = re.compile(r"(?:(?<=b)le?|ie|e|i|y)$")


def word_start(stem: str) -> str:
    """Letters that start every word whose stem is `stem` (see `_WRITTEN_END`)."""
    return _WRITTEN_END.sub("", stem)


def subject_anchors(phrases: tuple[frozenset[str], ...] | None) -> tuple[str, ...] | None:
    """Letters at least one of which every text naming the subject holds (lower case), when
    it has no Korean or Japanese (None when no such letters are known).

    Every word of a subject phrase must be in a text for the phrase to match, so one word's
    start (`word_start`) stands for the phrase. Phrases of one word come first, then the
    others by their longest start; a phrase already stood for by a chosen start inside one of
    its words ("korea" in "korean") adds nothing, else its longest start is chosen."""
    if phrases is None:
        return None
    plain = [p for p in phrases if not any(is_cjk(c) for word in p for c in word)]
    starts = [sorted({word_start(w) for w in p}, key=lambda s: (-len(s), s)) for p in plain]
    if not all(s and s[0] for s in starts):
        return None  # a phrase whose every word might be written otherwise
    chosen: list[str] = []
    for words in sorted(starts, key=lambda s: (len(s) > 1, len(s[0]), s)):
        if not any(a in w for a in chosen for w in words):
            chosen.append(words[0])
    chosen = [a.replace("\u03c2", "\u03c3") for a in chosen]  # final sigma as `_plain_lower` has it
    return tuple(sorted(a for a in chosen if not any(b != a and b in a for b in chosen)))


def _subject_words(pack: RulePack) -> tuple[frozenset[str], ...] | None:
    if not all(t.needs_subject for t in pack.topics):
        return None
    phrases = [frozenset(p.stems) - {"#", "*"} for p in (*pack.aliases, *pack.contextual)]
    if not all(phrases):
        return None
    return tuple(phrases)
