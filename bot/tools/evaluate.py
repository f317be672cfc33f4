"""Scoring a labelled data set: per-label precision, recall and F1, and the misses. Pure."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.domain.stories import StoryIndex, Tuning, fingerprint
from bot.models import Classification, Item

NON_NK_KINDS = frozenset({"other-test", "other-diplomacy", "hard-negative", "general"})


@dataclass(frozen=True)
class Example:
    id: str
    title: str
    summary: str
    labels: tuple[str, ...]
    kind: str = ""


@dataclass
class PairCounts:
    """True positives, false positives, false negatives; precision and recall from them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class LabelScore(PairCounts):
    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    labels: dict[str, LabelScore]
    total: int
    non_nk: int = 0
    non_nk_labelled: int = 0
    mistakes: list[tuple[Example, Classification]] = field(default_factory=list)

    @property
    def non_nk_rate(self) -> float:
        return self.non_nk_labelled / self.non_nk if self.non_nk else 0.0


def evaluate(
    examples: Sequence[Example],
    labels: Sequence[str],
    classify: Callable[[str, str], Classification],
) -> Report:
    report = Report(labels={label: LabelScore() for label in labels}, total=len(examples))
    for ex in examples:
        c = classify(ex.title, ex.summary)
        got = set(c.labels) & set(labels)
        want = set(ex.labels)
        for label in labels:
            score = report.labels[label]
            if label in got and label in want:
                score.tp += 1
            elif label in got:
                score.fp += 1
            elif label in want:
                score.fn += 1
        if ex.kind in NON_NK_KINDS:
            report.non_nk += 1
            report.non_nk_labelled += bool(got)
        if got != want:
            report.mistakes.append((ex, c))
    return report


_MISSILE = re.compile(r"\b(?:missile|missiles|launch\w*)\b", re.IGNORECASE)
_DIPLOMACY = re.compile(r"\b(?:talks|summit\w*|sanctions)\b", re.IGNORECASE)


def naive_baseline(title: str, summary: str) -> Classification:
    """The keyword baseline: "missile"/"launch" -> missile-test; "talks"/"summit"/"sanctions" -> diplomacy."""
    text = f"{title} {summary}"
    labels = []
    if _MISSILE.search(text):
        labels.append("missile-test")
    if _DIPLOMACY.search(text):
        labels.append("diplomacy")
    return Classification(tuple(labels), {}, {})


def format_report(report: Report, *, show_mistakes: bool = True) -> str:
    lines = [
        f"{report.total} items",
        f"{'label':<16}{'precision':>10}{'recall':>10}{'F1':>10}{'tp':>6}{'fp':>6}{'fn':>6}",
    ]
    for label, s in report.labels.items():
        lines.append(
            f"{label:<16}{s.precision:>10.3f}{s.recall:>10.3f}{s.f1:>10.3f}{s.tp:>6}{s.fp:>6}{s.fn:>6}"
        )
    if report.non_nk:
        lines.append(
            f"non-North-Korea items labelled: {report.non_nk_labelled}/{report.non_nk} "
            f"({100 * report.non_nk_rate:.1f}%)"
        )
    if show_mistakes and report.mistakes:
        lines += ["", *format_mistakes(report)]
    return "\n".join(lines)


def format_mistakes(report: Report, *, how: str = "") -> list[str]:
    """The misclassified items with their evidence, under a heading that counts them (`how`
    says whose mistakes they are, e.g. "rules only, as the config runs them"); [] for none."""
    if not report.mistakes:
        return []
    lines = [f"misclassified ({f'{how}: ' if how else ''}{len(report.mistakes)}):"]
    for ex, c in report.mistakes:
        lines.append(f"- {ex.id}: expected {sorted(ex.labels)} got {sorted(c.labels)}  {ex.title}")
        for label, terms in c.evidence.items():
            if terms:
                lines.append(f"    {label} {c.scores.get(label, 0.0):.1f}: {', '.join(terms)}")
    return lines


def format_comparison(
    dataset: str,
    report: Report,
    baseline: Report,
    *,
    baseline_name: str = "baseline",
    rules_only: Report | None = None,
) -> str:
    """One data set's per-label figures, the rules beside a baseline (P, R, F1 each). With
    `rules_only`, `report` is the rules combined with the learned model, and the rules alone
    stand between the two."""
    columns = [("rules + model" if rules_only else "rules", report)]
    if rules_only is not None:
        columns.append(("rules only", rules_only))
    columns.append((baseline_name, baseline))
    head = f"{'':<16}" + "   ".join(f"{name:>30}" for name, _r in columns)
    cols = f"{'precision':>10}{'recall':>10}{'F1':>10}"
    lines = [
        f"{dataset}: {report.total} items",
        head,
        f"{'label':<16}" + "   ".join([cols] * len(columns)),
    ]
    for label in report.labels:
        figures = []
        for _name, r in columns:
            s = r.labels.get(label, LabelScore())
            figures.append(f"{s.precision:>10.3f}{s.recall:>10.3f}{s.f1:>10.3f}")
        lines.append(f"{label:<16}" + "   ".join(figures))
    if report.non_nk:
        parts = [
            f"{name}: {r.non_nk_labelled}/{r.non_nk} ({100 * r.non_nk_rate:.1f}%)"
            for name, r in columns[1:]
        ]
        lines.append(
            f"non-North-Korea items labelled: {report.non_nk_labelled}/{report.non_nk} "
            f"({100 * report.non_nk_rate:.1f}%); " + "; ".join(parts)
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class StoryExample:
    """A labelled report of some event, for story evaluation."""

    id: str
    event: str
    source: str
    published: datetime
    title: str
    summary: str
    labels: tuple[str, ...]

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> StoryExample:
        """One line of a story set: {"id","event","source","published","title","summary",
        "labels"} (a published time ending in "Z" is UTC)."""
        return cls(
            str(d["id"]),
            str(d["event"]),
            d["source"],
            datetime.fromisoformat(d["published"].replace("Z", "+00:00")),
            d["title"],
            d.get("summary", ""),
            tuple(d["labels"]),
        )


@dataclass
class StoryReport(PairCounts):
    items: int = 0
    events: int = 0
    stories: int = 0
    bcubed_precision: float = 1.0  # per report: share of its story that is its event, averaged
    bcubed_recall: float = 1.0  # per report: share of its event that is in its story, averaged
    merged: list[tuple[StoryExample, StoryExample]] = field(
        default_factory=list
    )  # different events, one story
    split: list[tuple[StoryExample, StoryExample]] = field(
        default_factory=list
    )  # one event, two stories
    swallowed: list[str] = field(default_factory=list)  # event ids, see `swallowed_events`


def assign_stories(reports: Sequence[StoryExample], tuning: Tuning | None = None) -> dict[str, str]:
    """Report id -> story id: the reports fed in publication order through a story index alone."""
    index = StoryIndex(tuning)
    assigned: dict[str, str] = {}
    for r in sorted(reports, key=lambda r: (r.published, r.id)):
        item = Item(r.source, "", r.id, "", r.title, r.summary, r.published)
        fp = fingerprint(r.id, r.title, r.summary, r.labels, r.published, r.source)
        match = index.assign(fp)
        if match is None:
            story = index.create(fp, item, Classification(r.labels, {}, {}), r.published)
        else:
            story = index.join(match.story_id, fp, item, r.published).story
        assigned[r.id] = story.id
    return assigned


def evaluate_stories(reports: Sequence[StoryExample], tuning: Tuning | None = None) -> StoryReport:
    """Feed the reports in publication order through a story index; score all pairs."""
    return score_stories(reports, assign_stories(reports, tuning))


def bcubed(events: dict[str, str], stories: dict[str, str]) -> tuple[float, float]:
    """B-cubed precision and recall of a clustering (`stories`: item -> story) against the
    truth (`events`: item -> event), over the items in `events`."""
    if not events:
        return 1.0, 1.0
    by_story: dict[str, set[str]] = {}
    by_event: dict[str, set[str]] = {}
    for item, event in events.items():
        by_event.setdefault(event, set()).add(item)
        by_story.setdefault(stories[item], set()).add(item)
    precision = recall = 0.0
    for item, event in events.items():
        same = len(by_story[stories[item]] & by_event[event])
        precision += same / len(by_story[stories[item]])
        recall += same / len(by_event[event])
    return precision / len(events), recall / len(events)


def swallowed_events(reports: Sequence[StoryExample], assigned: dict[str, str]) -> list[str]:
    """The events the channel never saw: every report of the event sits in a story whose first
    report (by publication time, then id) is a report of another event. Sorted event ids."""
    heads: dict[str, StoryExample] = {}
    for x in sorted(reports, key=lambda r: (r.published, r.id)):
        heads.setdefault(assigned[x.id], x)
    headed = {x.event for x in heads.values()}
    return sorted({x.event for x in reports} - headed)


def score_stories(reports: Sequence[StoryExample], assigned: dict[str, str]) -> StoryReport:
    """Score an assignment of reports to stories: B-cubed, and every pair for the listing."""
    p, r = bcubed({x.id: x.event for x in reports}, assigned)
    report = StoryReport(
        items=len(reports),
        events=len({r.event for r in reports}),
        stories=len({assigned[x.id] for x in reports}),
        bcubed_precision=p,
        bcubed_recall=r,
        swallowed=swallowed_events(reports, assigned),
    )
    for i, a in enumerate(reports):
        for b in reports[i + 1 :]:
            same_true = a.event == b.event
            same_pred = assigned[a.id] == assigned[b.id]
            if same_true and same_pred:
                report.tp += 1
            elif same_pred:
                report.fp += 1
                report.merged.append((a, b))
            elif same_true:
                report.fn += 1
                report.split.append((a, b))
    return report


def format_story_report(report: StoryReport, *, show: int = 30) -> str:
    """The figures, then (for `show` > 0) the swallowed events' ids and the first `show`
    wrongly merged and wrongly split pairs; `show=0` prints figures only (a blind set)."""
    swallowed = f"events swallowed: {len(report.swallowed)} of {report.events}"
    if show > 0 and report.swallowed:
        swallowed += f" ({', '.join(report.swallowed)})"
    lines = [
        f"{report.items} reports of {report.events} events -> {report.stories} stories",
        f"B-cubed precision {report.bcubed_precision:.3f}  recall {report.bcubed_recall:.3f}",
        f"pairwise precision {report.precision:.3f}  recall {report.recall:.3f}  "
        f"(same-story pairs: {report.tp} right, {report.fp} wrongly merged, {report.fn} wrongly split)",
        swallowed,
    ]
    for title, pairs in (("wrongly merged", report.merged), ("wrongly split", report.split)):
        if pairs and show > 0:
            lines.append(f"\n{title} ({len(pairs)} pairs, first {min(show, len(pairs))}):")
            for a, b in pairs[:show]:
                lines.append(f"- {a.id} [{a.event}] {a.title}\n  {b.id} [{b.event}] {b.title}")
    return "\n".join(lines)
