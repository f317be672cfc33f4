"""Scoring an item against rule packs. Pure: text in, Classification out.

For each pack: find every phrase once in a single pass over the stems (a dict from first stem to
candidate phrases, so the cost is per token, not per rule). A topic's score is the sum, over its
matched phrases, of weight x title factor x proximity factor, plus its near rules; the label is
given when the pack's subject is mentioned and the score reaches the topic's threshold.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Mapping, Sequence

from bot.domain.classify import model as learned
from bot.domain.classify.pack import Pattern, RulePack
from bot.domain.classify.salience import clauses, judge, title_acts, title_mentions
from bot.domain.classify.text import (
    Tokens,
    detect_language,
    lead,
    quick_words,
    token_fits,
    tokenize,
    wide,
)
from bot.models import Classification

_Match = tuple[int, int, Pattern, tuple[str, int, int]]  # start, end, pattern, role


def _find(
    tokens: Tokens,
    pack: RulePack,
    index: Mapping[str, tuple[tuple[Pattern, tuple[str, int, int]], ...]] | None = None,
    follows: Mapping[str, frozenset[str]] | None = None,
) -> list[_Match]:
    """Every phrase of the pack's index (or of `index`) found in the stems."""
    stems = tokens.stems
    n = len(stems)
    by_second = pack.by_second
    if index is None or follows is None:
        index, follows = pack.index, pack.follows
    else:
        by_second = {}  # the second-character split is of the pack's own index
    found: list[_Match] = []
    # most words start no phrase: find the few that do in one comprehension
    for i, candidates in [(i, index[s]) for i, s in enumerate(stems) if s in index]:
        then = follows.get(stems[i])
        if then is not None and (i + 1 == n or stems[i + 1] not in then):
            continue  # a common first word ("the") not followed by any of its phrases' second
        split = by_second.get(stems[i])
        if split is not None:  # "북" starts 70 phrases: try those that go on with the next one
            rest, seconds = split
            candidates = rest + seconds.get(stems[i + 1], ()) if i + 1 < n else rest
        for pattern, role in candidates:
            ps = pattern.stems
            size = len(ps)
            if size == 1:
                found.append((i, i + 1, pattern, role))
                continue
            end = i + size
            if end > n:
                continue
            if pattern.exact:
                if stems[i:end] == ps:
                    found.append((i, end, pattern, role))
            elif all(token_fits(ps[k], stems[i + k]) for k in range(1, size)):
                found.append((i, end, pattern, role))
    return found


def _score_pack(tokens: Tokens, pack: RulePack) -> dict[str, tuple[float, list[str], bool]]:
    """Each topic's label name -> (score, evidence, salient: mainly about it, see salience)."""
    matches = _find(tokens, pack)
    # a phrase inside a longer name is part of the name: "Kim Jong Un" holds no "UN", the
    # "Unification Ministry" no "unification"
    names = {a: b for a, b, _p, r in matches if r[0] == "alias" and b - a > 1}
    if names:
        inside = {p for a, b in names.items() for p in range(a + 1, b)}
        matches = [
            m
            for m in matches
            if m[3][0] == "alias" or not (m[0] in inside or (m[0] in names and m[1] < names[m[0]]))
        ]
    # likewise a look-alike inside a longer term of its topic is part of that term: the product
    # "출시" (release) inside the engine test "지상분출시험" discounts nothing
    lookalikes = [
        m for m in matches if m[3][0] == "term" and pack.topics[m[3][1]].terms[m[3][2]][1] < 0
    ]
    if lookalikes:
        longer = {
            (r[1], a, b)
            for a, b, _p, r in matches
            if r[0] == "term" and b - a > 1 and pack.topics[r[1]].terms[r[2]][1] > 0
        }
        inner = {
            id(m)
            for m in lookalikes
            if any(
                t == m[3][1] and a <= m[0] and m[1] <= b and (a, b) != (m[0], m[1])
                for t, a, b in longer
            )
        }
        if inner:
            matches = [m for m in matches if id(m) not in inner]
    subject_pos: list[int] = []
    subject_ends: dict[int, int] = {}
    contextual_pos: list[int] = []
    contextual_terms: list[str] = []
    cancelled: set[int] = set()
    inside_other: set[int] = set()  # positions inside a not_subject phrase ("北上", "東北")
    has_context = False
    subject_terms: list[str] = []
    for start, end, pattern, role in matches:
        kind = role[0]
        if kind == "alias":
            subject_pos.append(start)
            subject_ends[start] = max(end, subject_ends.get(start, end))
            subject_terms.append(pattern.display)
        elif kind == "contextual":
            contextual_pos.append(start)
            contextual_terms.append(pattern.display)
        elif kind == "not_contextual":
            cancelled.add(start)
        elif kind == "not_subject":
            inside_other.update(range(start, end))
        elif kind == "context":
            has_context = True
    if inside_other:
        kept = [
            (p, t) for p, t in zip(subject_pos, subject_terms, strict=True) if p not in inside_other
        ]
        subject_pos = [p for p, _t in kept]
        subject_terms = [t for _p, t in kept]
        cancelled |= inside_other
    contextual = [
        (p, t) for p, t in zip(contextual_pos, contextual_terms, strict=True) if p not in cancelled
    ]
    contextual_pos = [p for p, _t in contextual]
    if contextual_pos and (has_context or subject_pos):
        subject_pos.extend(contextual_pos)
        subject_terms.append(contextual[0][1])
    subject_in_title = any(tokens.in_title[p] for p in subject_pos)
    subject_sentences = {tokens.sentence[p] for p in subject_pos}
    # The title and the lead sentence say what the item is about: a subject in either makes
    # terms in both "near" it (headlines often name the weapon and leave the country to the lead).
    lead = tokens.sentence[0] + 1 if tokens.sentence else 0
    lead_sentences = {tokens.sentence[0], lead} if tokens.sentence else set()
    subject_in_lead = bool(subject_sentences & lead_sentences)

    def factor(pos: int) -> float:
        f = pack.title_weight if tokens.in_title[pos] else 1.0
        near = (
            subject_in_title
            or tokens.sentence[pos] in subject_sentences
            or (subject_in_lead and tokens.sentence[pos] in lead_sentences)
            or any(abs(pos - p) <= pack.window for p in subject_pos)
        )
        return f if near else f * pack.far_factor

    by_topic: dict[int, list[_Match]] = {}
    for m in matches:
        if m[3][1] >= 0:
            by_topic.setdefault(m[3][1], []).append(m)
    results: dict[str, tuple[float, list[str], bool]] = {}
    # topics that reached their threshold: evidence (value, positions) and event positions
    found: dict[int, tuple[dict[str, tuple[float, list[int]]], list[int]]] = {}
    judged: list[int] = []  # those that reached their threshold
    for ti, topic in enumerate(pack.topics):
        best: dict[str, float] = {}
        at: dict[str, list[int]] = {}  # where each phrase matched
        events: list[int] = []
        negative: list[tuple[int, int]] = []  # spans of look-alikes ("live fire"): no event
        firsts: dict[int, list[int]] = {}
        seconds: dict[int, list[int]] = {}
        unless: dict[int, list[tuple[int, int]]] = {}  # spans that cancel a rule's words
        for start, end, pattern, role in by_topic.get(ti, ()):
            kind, _t, r_index = role
            if kind == "term":
                weight = topic.terms[r_index][1]
                value = weight * factor(start)
                key = pattern.display
                prev = best.get(key)
                at.setdefault(key, []).append(start)
                if weight < 0:
                    negative.append((start, end))
                if prev is None or (value > prev if weight > 0 else value < prev):
                    best[key] = value
            elif kind == "event":
                events.append(start)
            elif kind == "near1":
                firsts.setdefault(r_index, []).append(start)
            elif kind == "near2":
                seconds.setdefault(r_index, []).append(start)
            elif kind == "near_unless":
                unless.setdefault(r_index, []).append((start, end))
        for ri, rule in enumerate(topic.near):
            spans = unless.get(ri)
            ones, twos = firsts.get(ri, ()), seconds.get(ri, ())
            if spans:
                ones = [a for a in ones if not any(s <= a < e for s, e in spans)]
                twos = [b for b in twos if not any(s <= b < e for s, e in spans)]
            pairs = [
                (min(a, b), max(a, b))
                for a in ones
                for b in twos
                if (a < b if rule.ordered else a != b)
                and abs(a - b) <= rule.window
                and tokens.sentence[a] == tokens.sentence[b]
            ]
            if pairs:
                best[rule.name] = rule.weight * max(factor(p) for p, _q in pairs)
                at[rule.name] = [q for _p, q in pairs]  # a pair is as main as its later word
                if rule.event:
                    events.extend(q for _p, q in pairs)
        score = float(sum(best.values()))
        evidence = [
            (k if v > 0 else f"not: {k}")
            for k, v in sorted(best.items(), key=lambda kv: -kv[1])
            if v != 0
        ]
        if topic.needs_subject and not subject_pos:
            score = 0.0
            if evidence:
                evidence.append(f"no mention of {pack.subject_name}")
        elif topic.needs_subject and evidence:
            evidence.insert(0, f"about {pack.subject_name}: {subject_terms[0]}")
        name = pack.label_name(topic.label)
        results[name] = (round(score, 2), evidence, True)
        if pack.salience.enabled and best:
            events = [e for e in events if not any(a <= e < b for a, b in negative)]
            found[ti] = ({k: (v, at.get(k, [])) for k, v in best.items()}, events)
            if score >= topic.threshold and score > 0:
                judged.append(ti)
    # The clause model (salience.py) reads English sentence structure; Korean and Japanese
    # items are labelled by their scores alone, as their own rules and held-out sets expect.
    if judged and not tokens.cjk:
        found_markers = _find(tokens, pack, pack.salience_index, pack.salience_follows)
        markers = [(a, b, r[0]) for a, b, _p, r in found_markers]
        acting = frozenset(p.stems[0] for p in pack.salience.acting)
        where = clauses(tokens, markers, subject_pos, acting, subject_ends)
        acts = {ti: title_acts(ev, where) for ti, (ev, _e) in found.items()}
        named = {ti: title_mentions(ev, e, where) for ti, (ev, e) in found.items()}
        # nothing of any topic in the title's main clause: its "as" clause may be the news
        empty = not any(acts.values()) and not any(
            where.title_main(p) for _ev, e in found.values() for p in e
        )
        for ti in judged:
            ev, events = found[ti]
            topic = pack.topics[ti]
            name = pack.label_name(topic.label)
            others = any(a for tj, a in acts.items() if tj != ti)
            in_title = any(a for tj, a in named.items() if tj != ti)
            verdict = judge(
                topic,
                ev,
                events,
                where,
                other_acts=others,
                other_in_title=in_title,
                main_empty=empty,
            )
            score, evidence, _ = results[name]
            evidence.insert(1 if topic.needs_subject else 0, verdict.note)
            results[name] = (score, evidence, verdict.salient)
    return results


def head_words(tokens: Tokens) -> tuple[frozenset[str], frozenset[str]]:
    """The stems of the title, and those of the lead sentence (the one after the first)."""
    sentence = tokens.sentence
    if not sentence:
        return frozenset(), frozenset()
    k = tokens.in_title.count(True)  # the title's tokens come first
    lead = sentence[0] + 1
    end = bisect_right(sentence, lead)  # sentences are numbered in order
    stems = tokens.stems
    return frozenset(stems[:k]), frozenset(stems[i] for i in range(k, end) if sentence[i] == lead)


def _rules_give(score: float, threshold: float, salient: bool) -> bool:
    """The rules' decision on a label: a score that reaches the topic's threshold, and a
    mention that is not in passing."""
    return score >= threshold and score > 0 and salient


def _scored_topics(
    pack: RulePack, results: Mapping[str, tuple[float, list[str], bool]]
) -> list[tuple[str, bool, list[str]]]:
    """Each topic the rules scored (score > 0), in the pack's order: its bare label, the
    rules' decision, and the model's features from the rules' results."""
    by_label = {t.label: results[pack.label_name(t.label)] for t in pack.topics}
    thresholds = {t.label: t.threshold for t in pack.topics}
    scored = []
    for topic in pack.topics:
        score, _ev, salient = by_label[topic.label]
        if score > 0:
            rules = _rules_give(score, topic.threshold, salient)
            scored.append((topic.label, rules, learned.features(topic.label, by_label, thresholds)))
    return scored


def label_features(
    pack: RulePack,
    tokens: Tokens,
    results: Mapping[str, tuple[float, list[str], bool]],
    *,
    words: bool = False,
) -> dict[str, tuple[list[str], bool]]:
    """Each topic the rules scored (score > 0) in an English item: bare label -> (the model's
    features, the rules' decision). Korean and Japanese items are left to the rules. With
    `words`, the title's and the lead sentence's stems count too ("title: summit")."""
    scored = [] if tokens.cjk else _scored_topics(pack, results)
    if not scored:
        return {}
    title, lead = head_words(tokens) if words else (frozenset(), frozenset())
    extra = sorted(f"title: {s}" for s in title) + sorted(f"lead: {s}" for s in lead)
    return {label: (feats + extra, rules) for label, rules, feats in scored}


def _combined(
    pack: RulePack,
    model: learned.Model,
    tokens: Tokens,
    results: dict[str, tuple[float, list[str], bool]],
    explain: bool,
) -> dict[str, bool]:
    """The model's decisions (label name -> given). Its note ends each scored label's
    evidence when `explain`, or when the pack gives some label (bulk classification keeps
    only labelled items, with the same evidence as `explain` would give)."""
    scored = [
        (pack.label_name(label), lm, feats, rules)
        for label, rules, feats in ([] if tokens.cjk else _scored_topics(pack, results))
        if (lm := model.labels.get(label)) is not None
    ]
    if not scored:
        return {}
    title, lead = head_words(tokens) if model.words else (frozenset(), frozenset())
    decided: dict[str, bool] = {}
    outcomes = []
    for name, lm, feats, rules in scored:
        s = learned.score(lm, feats, rules, title, lead)
        decided[name] = s[0]
        outcomes.append((lm, feats, rules, s, name))
    if not explain and not any(decided.values()):
        rules_give = any(
            _rules_give(results[name][0], t.threshold, results[name][2])
            for t in pack.topics
            if (name := pack.label_name(t.label)) not in decided
        )
        if not rules_give:
            return decided
    for lm, feats, rules, s, name in outcomes:
        results[name][1].append(learned.note(learned.explain(lm, feats, s, title, lead), rules))
    return decided


def _may_mention(pack: RulePack, words: set[str], chars: str) -> bool:
    """Whether some subject phrase of the pack has all its stems in the text (see
    `quick_words`: `words`, plus each character of `chars`, are the text's stems)."""
    keys = pack.subject_keys
    if chars:
        one_char = _subject_chars(pack)
        if one_char is not None:  # the subject stems of one character that the text holds
            words = words.union(one_char.findall(chars))
    return any(phrase <= words for key in words & keys.keys() for phrase in keys[key])


def _plain_lower(title: str, summary: str) -> str:
    """The title and the summary's lead as the stems are read from them (NFKC), in lower
    case, or "" when they have Korean or Japanese. A pack's `anchors` are in every such text
    that can mention its subject: none of them, and it cannot (`quick_words` is not needed)."""
    text = f"{title}\n{lead(summary)}"
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKC", text)
    if wide().has_cjk.search(text):
        return ""
    # lower case as each word alone is lowered, but for the Greek capital sigma, whose lower
    # case depends on the letters around it (a word that ends before "." gets the final form
    # U+03C2 alone, U+03C3 inside the text): one form for both, as the anchors have
    return text.lower().replace("\u03c2", "\u03c3")


def anchors_absent(anchors: Sequence[str], lower: str) -> bool:
    """Does a text (`_plain_lower`: "" when it has Korean or Japanese) hold none of a pack's
    anchors, so that it cannot mention the pack's subject?"""
    return bool(lower) and not any(a in lower for a in anchors)


_SUBJECT_CHARS: dict[int, tuple[RulePack, re.Pattern[str] | None]] = {}


def _subject_chars(pack: RulePack) -> re.Pattern[str] | None:
    """A character class of the stems of one character in the pack's subject phrases (北,
    朝, 鮮, 북, 한 ...): one C scan of a Korean or Japanese text finds those it holds."""
    cached = _SUBJECT_CHARS.get(id(pack))
    if cached is None or cached[0] is not pack:
        chars = sorted({s for phrase in pack.subject_words or () for s in phrase if len(s) == 1})
        pattern = re.compile("[" + "".join(map(re.escape, chars)) + "]") if chars else None
        cached = (pack, pattern)
        if len(_SUBJECT_CHARS) > 64:
            _SUBJECT_CHARS.clear()
        _SUBJECT_CHARS[id(pack)] = cached
    return cached[1]


def classify(
    packs: Sequence[RulePack], title: str, summary: str, *, explain: bool = True
) -> Classification:
    """Labels, scores and evidence for one item against every pack.

    With `explain=False` (the pipeline's bulk classification, where only labelled items are
    kept) a pack whose subject the text cannot mention, because no subject phrase has all its
    words in it, is passed over: its scores are 0, without the terms that would have counted.
    The labels are the same, and so are the scores and evidence of every pack that labels.
    """
    tokens: Tokens | None = None
    quick: tuple[set[str], str] | None = None
    lower: str | None = None  # the text in lower case, or "" when it has Korean or Japanese
    labels: list[str] = []
    scores: dict[str, float] = {}
    evidence: dict[str, tuple[str, ...]] = {}
    for pack in packs:
        passed = False
        if not explain and pack.subject_words is not None:
            if pack.anchors is not None:
                if lower is None:
                    lower = _plain_lower(title, summary)
                passed = anchors_absent(pack.anchors, lower)
            if not passed:
                if quick is None:
                    quick = quick_words(title, summary)
                passed = not _may_mention(pack, *quick)
        if passed:
            for topic in pack.topics:
                name = pack.label_name(topic.label)
                scores[name] = 0.0
                evidence[name] = ()
            continue
        if tokens is None:
            tokens = tokenize(title, summary)
        results = _score_pack(tokens, pack)
        model = learned.bundled(pack.model) if pack.model else None
        decided = _combined(pack, model, tokens, results, explain) if model is not None else {}
        for topic in pack.topics:
            name = pack.label_name(topic.label)
            score, ev, salient = results[name]
            scores[name] = score
            evidence[name] = tuple(ev)
            given = decided.get(name)
            if given is None:
                given = _rules_give(score, topic.threshold, salient)
            if given:
                labels.append(name)
    return Classification(
        labels=tuple(labels),
        scores=scores,
        evidence=evidence,
        language=detect_language(title, summary),
    )
