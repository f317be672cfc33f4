"""Salience: is an item mainly about a topic, or does it mention it in passing? Pure.

News says what happened in the title and the lead sentence, in their main clauses; what it
hangs the news on goes in subordinate clauses ("... amid talks", "... as Kim visits Putin") and
in later sentences. A topic whose evidence sits only there is mentioned in passing, and its
label is withheld; the evidence says why. Refinements:

- a clause opened by a `cause` marker ("after ...", "in response to ...") is subordinate too,
  but an event named there in the title is reported ("UN Council meets after ICBM launch");
- a reaction in the title's main clause ("condemns", "warns", "voices concern") makes the
  clause it governs count as main;
- a topic can name its event words (`events`: "fire", "launch", "test"): one of them must be in
  a main clause, and not with another country as its subject ("South Korea launches its first
  spy satellite");
- a topic can ask for a least amount of main-clause evidence (`head_min`);
- a summary that opens with a photo caption has no lead: the title decides;
- label against label: a topic absent from the title, beside another label's title, counts
  only from the lead's main clause; a topic without events named only in the title's
  subordinate clause, beside another label's main clause, is background;
- the subject as one name of a list of adversaries ("threats from China, Russia and North
  Korea", "Ukraine, China, North Korea crises", "challenges posed by North Korea and China")
  is one adversary among several: a topic without events needs it named on its own.

The markers are pack data (`[salience]`), so other languages add their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from bot.domain.classify.pack import Topic
from bot.domain.classify.text import Tokens

_NEVER = 1 << 30
_COORDINATORS = frozenset({"and", "but"})
# after a name, these make it an object ("notifies Japan of a launch"), not the one acting
_OBJECT_MARKERS = frozenset(
    {"of", "to", "for", "about", "against", "with", "from", "into", "at", "by", "over", "toward"}
)


@dataclass(frozen=True)
class Clauses:
    """Where each token stands: in the head (title or lead sentence), main or subordinate."""

    tokens: Tokens
    head_sentences: frozenset[int]
    near_sentences: frozenset[int]  # the head and the sentence after the lead
    sub_from: dict[int, tuple[int, int]]  # sentence -> (first subordinate token, its end)
    reaction_sentences: frozenset[int]  # a reaction in the sentence's main clause
    actors: tuple[tuple[int, int], ...]  # other countries' or companies' names (start, end)
    subject: tuple[int, ...]  # starts of subject mentions
    acting: frozenset[str]  # event words whose subject matters ("launch", not "evacuation")
    cause_sentences: frozenset[int] = frozenset()  # the subordinate clause names a cause
    listed: frozenset[int] = frozenset()  # subject mentions in a list of adversaries
    own_event: bool = False  # the title's main clause reports an event of its own ("visits")
    # title sentences whose subordinate clause reports a concurrent event ("as", "while")
    concurrent_sentences: frozenset[int] = frozenset()
    # non-restrictive relative clauses between commas (", who held a summit last month,")
    relatives: tuple[tuple[int, int], ...] = ()
    # launches in general: `series` and `programme` markers (start, end), whether the title is
    # of a general genre ("Explainer:"), the `particular` marks of one launch, and the tokens of
    # the subject's mentions (see `general_spans`)
    series: tuple[tuple[int, int], ...] = ()
    programme: tuple[tuple[int, int], ...] = ()
    general_title: bool = False
    particular: tuple[tuple[int, int], ...] = ()
    subject_tokens: frozenset[int] = frozenset()
    title_sentences: frozenset[int] = frozenset()  # the title's sentences (tokens come first)

    def in_head(self, pos: int) -> bool:
        return self.tokens.sentence[pos] in self.head_sentences

    def subordinate(self, pos: int) -> bool:
        start, end = self.sub_from.get(self.tokens.sentence[pos], (_NEVER, _NEVER))
        return start <= pos < end or _within(pos, self.relatives)

    def main(self, pos: int) -> bool:
        """In the head, in a main clause (or in what a main-clause reaction is about)."""
        if not self.in_head(pos):
            return False
        return not self.subordinate(pos) or self.tokens.sentence[pos] in self.reaction_sentences

    def other_actor(self, pos: int) -> bool:
        """The nearest name before `pos` in its clause is another actor acting: "South Korea
        launches", "South Korea on Friday launched" (not "notifies Japan of a launch", "warns
        the US after a test")."""
        if self.tokens.stems[pos] not in self.acting:
            return False
        clause = self.tokens.clause
        if self._done_by_subject(pos):
            return False  # "missile based on Russia's Iskander launched by North Korea"
        names = [(e, s) for s, e in self.actors if e <= pos and clause[s] == clause[pos]]
        names += [(s + 1, -1) for s in self.subject if s < pos and clause[s] == clause[pos]]
        if not names:
            return False
        end, start = max(names)
        if start < 0 or pos - end > 4:
            return False
        stems = self.tokens.stems
        if self.subordinate(pos) and not self.subordinate(start):
            return False  # "..., after watching a test": the clause has its own subject
        # "US interception of missile tests": the name is not the one testing
        return not any(stems[i] in _OBJECT_MARKERS for i in range(end, pos))

    def _done_by_subject(self, pos: int) -> bool:
        """A passive event whose agent is the subject: "launched by North Korea", "fired by
        the North" (the names before it are then what was launched, not who launched it)."""
        stems, clause = self.tokens.stems, self.tokens.clause
        after = pos + 1
        if after >= len(stems) or stems[after] != "by":
            return False
        agent = after + 2 if after + 1 < len(stems) and stems[after + 1] == "the" else after + 1
        return agent in self.subject and clause[agent] == clause[pos]

    def title_main(self, pos: int) -> bool:
        return self.tokens.in_title[pos] and not self.subordinate(pos)

    def title_subordinate(self, pos: int) -> bool:
        return self.tokens.in_title[pos] and self.subordinate(pos)

    def title_concurrent(self, pos: int) -> bool:
        """In the title's "as ..." or "while ..." clause: an event beside the main clause's."""
        return (
            self.title_subordinate(pos) and self.tokens.sentence[pos] in self.concurrent_sentences
        )

    def title_cause(self, pos: int) -> bool:
        """In the title's "after ..." or "in response to ..." clause: what the news follows."""
        return self.title_subordinate(pos) and self.tokens.sentence[pos] in self.cause_sentences


_LINKS = frozenset({"and", "or"})
_SOURCES = frozenset({"from", "by", "of"})


def _listed(
    tokens: Tokens,
    names: Sequence[tuple[int, int, bool]],
    adversity: Sequence[tuple[int, int]],
) -> frozenset[int]:
    """The subject mentions that are one name of a list of adversaries: names joined by
    commas, dashes, "and" or "or" in one sentence, the subject's and another country's among
    them, that an `adversity` word qualifies right after ("China, North Korea threats") or just
    before ("threats from China, Russia and North Korea", "to counter China and North Korea").
    `names`: (start, end, is the subject), in order."""
    if not adversity or len(names) < 2:
        return frozenset()
    stems, sentence = tokens.stems, tokens.sentence
    n = len(stems)
    after = {a for a, _b in adversity}
    before = {b for _a, b in adversity}
    out: set[int] = set()
    run = [names[0]]
    for name in [*names[1:], None]:
        last = run[-1]
        if name is not None and sentence[name[0]] == sentence[last[0]]:
            gap = name[0] - last[1]
            if gap == 0 or (gap == 1 and stems[last[1]] in _LINKS):
                run.append(name)
                continue
        first, end = run[0][0], run[-1][1]
        mine = [s for s, _e, own in run if own]
        # two names joined by a dash or a space are a pair ("US-North Korea crisis": the two
        # sides of one relation), not a list
        joined = len(run) > 2 or any(
            tokens.clause[a[1] - 1] != tokens.clause[b[0]] or b[0] > a[1] for a, b in pairwise(run)
        )
        if mine and len(mine) < len(run) and joined:
            stop = end + 1 if end < n and stems[end] == "s" else end  # "China, North Korea's"
            # before the list, the word acts on it ("counter") or names its source: "threats
            # from", "aggression by" (not "challenges for Washington and Pyongyang")
            qualified = stop in after or first in before
            if not qualified and first - 1 in before and first - 1 > 0:
                qualified = stems[first - 1] in _SOURCES
            if qualified:
                out.update(mine)
        if name is not None:
            run = [name]
    return frozenset(out)


def clauses(
    tokens: Tokens,
    markers: Iterable[tuple[int, int, str]],
    subject: Sequence[int],
    acting: frozenset[str] = frozenset(),
    subject_ends: Mapping[int, int] | None = None,
) -> Clauses:
    """Read the clause structure from the salience markers found: (start, end, kind).
    `subject_ends`: where each subject mention (by its start) ends, for lists of names."""
    sentence = tokens.sentence
    clause = tokens.clause
    subs: list[tuple[int, int]] = []
    cancelled: list[tuple[int, int]] = []
    reactions: list[int] = []
    actors: list[tuple[int, int]] = []
    captions: list[int] = []
    causes: set[int] = set()
    adversity: list[tuple[int, int]] = []
    own_events: list[int] = []
    concurrent: set[int] = set()
    relative_starts: list[int] = []
    general: dict[str, list[tuple[int, int]]] = {}
    for start, end, kind in markers:
        if kind in ("sub", "cause") or (
            kind == "open" and (start == 0 or sentence[start - 1] != sentence[start])
        ):
            subs.append((start, end))
            if kind == "cause":
                causes.add(start)
        elif kind == "not_sub":
            cancelled.append((start, end))
        elif kind == "reaction":
            reactions.append(start)
        elif kind == "actor":
            actors.append((start, end))
        elif kind == "caption":
            captions.append(start)
        elif kind == "adversity":
            adversity.append((start, end))
        elif kind == "own_event":
            own_events.append(start)
        elif kind == "concurrent":
            concurrent.add(start)
        elif kind == "relative":
            relative_starts.append(start)
        elif kind in _GENERAL_KINDS:
            general.setdefault(kind, []).append((start, end))
    sub_from: dict[int, tuple[int, int]] = {}
    cause_sentences: set[int] = set()
    n = len(tokens.stems)
    for start, _end in sorted(subs):
        if any(a <= start < b for a, b in cancelled):
            continue
        s = sentence[start]
        if s in sub_from and sub_from[s][0] <= start:
            continue
        first = start == 0 or sentence[start - 1] != s
        stop = start
        # a clause that opens its sentence ("After the launch, ...") ends at its comma;
        # one that follows the main clause runs to the end of the sentence
        while stop < n and sentence[stop] == s and (not first or clause[stop] == clause[start]):
            stop += 1
            # "..., and will keep enforcing sanctions": a coordinated main clause begins
            if (
                stop < n
                and clause[stop] != clause[stop - 1]
                and tokens.stems[stop] in _COORDINATORS
            ):
                break
        sub_from[s] = (start, stop)
        if start in causes:
            cause_sentences.add(s)
    # a relative clause set off by a comma (", who held a summit with Putin last month,") is
    # background to the sentence it sits in; it ends at the next comma
    relatives: list[tuple[int, int]] = []
    for start in relative_starts:
        if start == 0 or sentence[start - 1] != sentence[start]:
            continue
        if clause[start - 1] == clause[start] or _within(start, cancelled):
            continue
        stop = start
        while stop < n and clause[stop] == clause[start]:
            stop += 1
        relatives.append((start, stop))
    k = tokens.in_title.count(True)  # the title's tokens come first
    title = set(sentence[:k])
    concurrent_sentences = frozenset(
        s for s, (start, _stop) in sub_from.items() if start in concurrent and s in title
    )
    lead = sentence[k] if k < n else None
    head = frozenset(title if lead is None else title | {lead})
    if lead is not None and any(lead <= sentence[c] <= lead + 2 for c in captions):
        head = frozenset(title)  # the "lead" is a photo caption: the title says it all
    near = frozenset(head | ({lead + 1} if lead is not None else set()))
    own = set(subject)
    ends = subject_ends or {}
    # a name inside a subject mention is part of it ("North and South Korea" holds "South Korea")
    inside = {p for s in own for p in range(s, ends.get(s, s + 1))}
    actors = [(a, b) for a, b in actors if a not in inside]
    names = sorted(
        {(a, b, False) for a, b in actors} | {(p, ends.get(p, p + 1), True) for p in own}
    )
    listed = _listed(tokens, names, adversity)
    probe = Clauses(
        tokens,
        head,
        near,
        sub_from,
        frozenset(),
        tuple(actors),
        tuple(subject),
        acting,
        relatives=tuple(relatives),
    )
    # a reaction counts in the title only: leads are full of "warned" and "said"
    reaction_sentences = frozenset(
        sentence[p] for p in reactions if tokens.in_title[p] and not probe.subordinate(p)
    )
    return Clauses(
        tokens,
        head,
        near,
        sub_from,
        reaction_sentences,
        tuple(actors),
        tuple(subject),
        acting,
        frozenset(cause_sentences),
        listed,
        any(tokens.in_title[p] and not probe.subordinate(p) for p in own_events),
        concurrent_sentences,
        tuple(relatives),
        tuple(general.get("series", ())),
        tuple(general.get("programme", ())),
        any(tokens.in_title[a] for a, _b in general.get("general_title", ())),
        tuple(general.get("particular", ())),
        frozenset(inside),
        frozenset(title),
    )


def _within(pos: int, spans: Sequence[tuple[int, int]]) -> bool:
    """Whether token `pos` lies in one of the (start, end) spans."""
    return any(a <= pos < b for a, b in spans)


_GENERAL_KINDS = frozenset({"series", "programme", "general_title", "particular"})
# words that end a noun compound before a `programme` marker, looking back ("its missile
# program", "North Korea's nuclear weapons programme")
_COMPOUND_STOPS = frozenset({"the", "a", "an", "it", "s", "their", "his", "of", "and", "or"})
_SERIES_REACH = 5  # a series marker's launch word comes within this many words after it,
# counted from the marker's last word (so at most the sixth token after the marker)
# a headline verb that makes a series its object reports those launches as one day's news
# ("North Korea conducts series of missile launches", "carries out a string of tests")
_SERIES_VERBS = frozenset({"conduct", "stage", "fire", "launch", "test", "carri"})
_SERIES_SKIP = frozenset({"a", "anoth", "new", "fresh", "out"})
_COMPOUND_REACH = 3  # the words of a programme's noun compound before the marker


def general_spans(where: Clauses) -> list[tuple[int, int]]:
    """The spans that name launches in general: a `series` marker up to the first launch word
    (`acting`: "launch", "test", "fire") after it in its clause ("string of North Korean missile launches", "record number of
    launches"), and a `programme` marker with the noun compound before it ("spy satellite
    program", "weapons testing programme"); (start, end) token positions."""
    clause, stems = where.tokens.clause, where.tokens.stems
    n = len(stems)
    spans = []
    for a, b in where.series:
        end = b  # the marker alone when no launch word follows
        for e in range(b, min(n, b + _SERIES_REACH + 1)):
            if clause[e] != clause[a]:
                break
            if stems[e] in where.acting:
                end = e + 1
                break
        spans.append((a, end))
    for a, b in where.programme:
        start = a
        while (
            start > 0
            and a - start < _COMPOUND_REACH
            and clause[start - 1] == clause[a]
            and stems[start - 1] not in _COMPOUND_STOPS
            and start - 1 not in where.subject_tokens
        ):
            start -= 1
        spans.append((start, b))
    return spans


def _reports_one(
    where: Clauses,
    events: Sequence[int],
    spans: Sequence[tuple[int, int]],
    sentences: frozenset[int],
) -> bool:
    """Whether these sentences (the title's, or the lead's) report one particular launch: an
    event word and a `particular` mark (a weapon class, a count, a day) in them, both outside
    the spans of launches in general."""
    sentence = where.tokens.sentence

    def free(p: int) -> bool:
        return sentence[p] in sentences and not _within(p, spans)

    return any(free(p) for p in events) and any(free(a) for a, _b in where.particular)


def _series_is_object(stems: Sequence[str], start: int) -> bool:
    """Whether the series marker at `start` is the object of a launch verb ("conducts series
    of", "carries out a string of", "fires another salvo of"): a report of those launches."""
    p = start - 1
    while p >= 0 and stems[p] in _SERIES_SKIP and start - p <= 3:
        p -= 1
    return p >= 0 and stems[p] in _SERIES_VERBS


def about_launches_in_general(
    evidence: Mapping[str, tuple[float, list[int]]], events: Sequence[int], where: Clauses
) -> bool:
    """A title whose launch evidence names launches in general (a series, a tally, the
    programme, an explainer: G3), with neither it nor the lead sentence reporting one
    particular launch ("fires ballistic missile, its latest in a string of launches" does)."""
    if not (where.series or where.programme or where.general_title):
        return False
    in_title = where.tokens.in_title
    if any(in_title[a] and _series_is_object(where.tokens.stems, a) for a, _b in where.series):
        return False
    spans = general_spans(where)
    named = [p for p in events if in_title[p]]
    named += [p for v, ps in evidence.values() if v > 0 for p in ps if in_title[p]]
    if not named:
        return False
    if not where.general_title and not all(_within(p, spans) for p in named):
        return False
    title = where.title_sentences
    # the lead sentence, unless the summary opens with a photo caption (no lead)
    lead = frozenset(where.head_sentences - title)
    return not _reports_one(where, events, spans, title) and not _reports_one(
        where, events, spans, lead
    )


@dataclass(frozen=True)
class Verdict:
    salient: bool
    note: str  # why: where the main evidence is, or why the label is withheld


def title_mentions(
    evidence: dict[str, tuple[float, list[int]]], events: Sequence[int], where: Clauses
) -> bool:
    """Whether a topic has evidence or an event word anywhere in the title."""
    in_title = where.tokens.in_title
    return any(in_title[p] for p in events) or any(
        v > 0 and any(in_title[p] for p in ps) for v, ps in evidence.values()
    )


def title_acts(evidence: dict[str, tuple[float, list[int]]], where: Clauses) -> bool:
    """Whether a topic's evidence holds the title's main clause."""
    return any(v > 0 and any(where.title_main(p) for p in ps) for v, ps in evidence.values())


def judge(
    topic: Topic,
    evidence: dict[str, tuple[float, list[int]]],
    events: Sequence[int],
    where: Clauses,
    *,
    other_acts: bool = False,
    other_in_title: bool = False,
    main_empty: bool = False,
) -> Verdict:
    """Whether a topic that reached its threshold is what the item is mainly about.

    `other_acts`: another label's evidence holds the title's main clause; a topic with no
    evidence in the title is then mentioned in passing. For a topic with events, an event
    named as the title's cause ("sanctions after the ICBM test", "drills after the launch")
    is what the item reports. `other_in_title`: another label has evidence anywhere in the
    title ("sanctions a week after 'H-bomb' test" names North Korea's test, if not the North).
    `main_empty`: no topic has evidence or an event word in the title's main clause; its
    concurrent clause ("Carrier docks in Busan as Pyongyang fires missiles", "As the North
    fires missiles, it stays silent on ...") is then the title's news.
    """
    follows = bool(topic.events)
    in_title = any(where.tokens.in_title[p] for p in events) or any(
        v > 0 and any(where.tokens.in_title[p] for p in ps) for v, ps in evidence.values()
    )
    if other_acts and not in_title and topic.events:
        # the title reports another label's news; an event only the lead names is its
        # background ("new sanctions" over a lead about tests). Diplomacy keeps its lead: a
        # launch report's lead often carries the Council's or the allies' response.
        return Verdict(False, "mentioned in passing: the title is about another label")
    if (
        other_acts
        and not topic.events
        and in_title
        and not any(v > 0 and any(where.title_main(p) for p in ps) for v, ps in evidence.values())
    ):
        # "North Korea fires a missile ahead of the summit": the summit is the background
        return Verdict(False, "mentioned in passing: the title's main clause is another label's")

    if follows and about_launches_in_general(evidence, events, where):
        return Verdict(False, "launches in general, no particular launch")

    # a title that names North Korea only in its cause clause ("Soldier arrives home after
    # being freed by North Korea") reports that cause as the North's news, for any topic; a
    # title whose main clause reports an event of its own ("Harris visits the DMZ after the
    # launches", "submarine arrives a day after the tests") does not report its cause (G5, G27)
    cause_named = (follows and not where.own_event) or (
        not follows
        and not other_acts
        and any(where.title_cause(p) for p in where.subject)
        and not any(where.title_main(p) for p in where.subject)
    )

    # a launch beside a title's main clause that holds nothing of either label, and no event of
    # its own ("docks", "arrives": G5), is the title's news; diplomacy in an "as" clause stays
    # background (the leader's messages as a carrier arrives, a pact "as she criticises" it)
    concurrent = (
        main_empty
        and follows
        and not where.own_event
        and any(where.title_concurrent(p) for p in events)
    )

    def main(p: int) -> bool:
        return (
            where.main(p)
            or (cause_named and where.title_cause(p))
            or (concurrent and where.title_concurrent(p))
        )

    main_value = 0.0
    main_in_title = False
    for value, positions in evidence.values():
        if value > 0 and any(main(p) for p in positions):
            main_value += value
            main_in_title = main_in_title or any(
                where.tokens.in_title[p] and main(p) for p in positions
            )
    sentence = where.tokens.sentence
    if (
        topic.needs_subject
        and not topic.events
        and not any(sentence[p] in where.near_sentences for p in where.subject)
    ):
        return Verdict(False, "mentioned in passing: the subject is not in the title or lead")
    # diplomacy "over North Korea": a title that does not name North Korea in its main clause
    # (or its cause: "... after being freed by North Korea") needs it in the lead's main clause ("Yoon arrives in Japan for talks with Kishida" and
    # "... talks with allies amid North Korea threats" are other countries' diplomacy,
    # whatever the subordinate clauses add about the North)
    if topic.needs_subject and not topic.events and not other_in_title:
        # the subject as one of a list of adversaries ("G7 vows tough stance on China, North
        # Korea and Russia") is not what the meeting or statement is about (G7)
        named = [p for p in where.subject if where.title_main(p) or where.title_cause(p)]
        named += [p for p in where.subject if main(p)]
        if not named:
            return Verdict(False, "mentioned in passing: North Korea not in the title or lead")
        if all(p in where.listed for p in named):
            return Verdict(False, "mentioned in passing: North Korea one of several adversaries")
    if topic.events:
        title_events = [p for p in events if where.tokens.in_title[p] and main(p)]
        if title_events and all(where.other_actor(p) for p in title_events):
            return Verdict(False, "mentioned in passing: another country's or company's launch")
        main_events = [p for p in events if main(p)]
        own = [p for p in main_events if not where.other_actor(p)]
        if (
            not own
            and not where.own_event
            and any(v > 0 and any(where.title_cause(p) for p in ps) for v, ps in evidence.values())
        ):
            own = [-1]  # the title's news follows this topic's event ("... after ICBM")
        if not own:
            if main_events:
                return Verdict(False, "mentioned in passing: another country's or company's launch")
            if any(where.in_head(p) for p in events):
                return Verdict(False, "mentioned in passing: only in a subordinate clause")
            return Verdict(False, "mentioned in passing: not reported in the title or lead")
    if main_value < max(topic.head_min, 1e-9):
        if any(v > 0 and any(where.in_head(p) for p in ps) for v, ps in evidence.values()):
            return Verdict(False, "mentioned in passing: only in a subordinate clause")
        return Verdict(False, "mentioned in passing: not in the title or lead")
    return Verdict(True, "main clause of the title" if main_in_title else "main clause of the lead")
