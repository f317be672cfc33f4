"""A small linear model over the rule features: one logistic regression per label. Pure.

The rules say which phrases matched, where (the salience verdict) and how strongly; on real
news their fixed weights and thresholds decide the "mainly about" boundary worse than weights
learned from labelled items. The model reads only what the engine already computed for an
item (its evidence and scores, for the label and for the other labels of the pack), so it adds
a dot product per label to an item the rules scored, nothing to one they did not.

It is trained offline (`benchmarks/realnews/train.py`) and shipped as data beside the pack
(`bot/rules/<name>.model.json`); a pack names it with `model = "<name>"`. Weights are a
mapping from feature name to float; a feature the file does not know counts nothing.

How the two combine is part of the data, per label: "model" (the model decides, at its
threshold) or "rules" (the rules decide unless the model is confident either way).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

FORMAT = 1
_BUCKETS = (0.5, 1.0, 1.5, 2.0, 3.0)  # score / threshold steps, as indicator features


@dataclass(frozen=True)
class LabelModel:
    weights: Mapping[str, float]
    bias: float
    combine: str  # "model" or "rules"
    threshold: float = 0.5  # "model": give the label at p >= threshold
    give: float = 1.0  # "rules": give a withheld label at p >= give
    withhold: float = 0.0  # "rules": withhold a given label at p <= withhold
    # derived from `weights`: those of the "title: <stem>" and "lead: <stem>" features by
    # stem (scoring looks the item's stems up without building a name for each), and for the
    # evidence each feature's (-|weight|, name, weight): the largest contributions sort first
    title: Mapping[str, float] = field(init=False, repr=False, compare=False)
    lead: Mapping[str, float] = field(init=False, repr=False, compare=False)
    ranked: Mapping[str, tuple[float, str, float]] = field(init=False, repr=False, compare=False)
    ranked_title: Mapping[str, tuple[float, str, float]] = field(
        init=False, repr=False, compare=False
    )
    ranked_lead: Mapping[str, tuple[float, str, float]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        w = self.weights
        ranked = {k: (-abs(v), k, v) for k, v in w.items()}
        set_ = object.__setattr__
        set_(self, "title", {k[7:]: v for k, v in w.items() if k.startswith("title: ")})
        set_(self, "lead", {k[6:]: v for k, v in w.items() if k.startswith("lead: ")})
        set_(self, "ranked", ranked)
        set_(self, "ranked_title", {k[7:]: r for k, r in ranked.items() if k.startswith("title: ")})
        set_(self, "ranked_lead", {k[6:]: r for k, r in ranked.items() if k.startswith("lead: ")})


@dataclass(frozen=True)
class Model:
    name: str
    labels: Mapping[str, LabelModel]  # bare label -> its model
    words: bool = False  # the title's and lead's stems are features too


@dataclass(frozen=True)
class Scored:
    label: bool
    p: float
    top: tuple[tuple[str, float], ...]  # the largest contributions, by size


def parse_model(data: Mapping[str, Any], name: str) -> Model:
    """The model from its JSON data; ValueError when the data is not a model of this format."""
    if data.get("format") != FORMAT:
        raise ValueError(f"model {name}: format {data.get('format')!r}, expected {FORMAT}")
    labels: dict[str, LabelModel] = {}
    for label, d in dict(data["labels"]).items():
        combine = str(d["combine"])
        if combine not in ("model", "rules"):
            raise ValueError(f"model {name}: label {label}: combine {combine!r}")
        weights = {str(k): float(v) for k, v in dict(d["weights"]).items()}
        labels[str(label)] = LabelModel(
            weights=weights,
            bias=float(d["bias"]),
            combine=combine,
            threshold=float(d.get("threshold", 0.5)),
            give=float(d.get("give", 1.0)),
            withhold=float(d.get("withhold", 0.0)),
        )
    return Model(name, labels, bool(data.get("words", False)))


@cache
def bundled(name: str) -> Model | None:
    """The model shipped with newsbot as `bot/rules/<name>.model.json`, or None without one.

    Package data, read once (like the bundled packs); a broken file is a ValueError."""
    if not name or "/" in name or ".." in name:
        return None
    path = resources.files("bot") / "rules" / f"{name}.model.json"
    if not path.is_file():
        return None
    return parse_model(json.loads(path.read_text(encoding="utf-8")), name)


def _kind(entry: str) -> str:
    """An evidence entry as a feature name: the phrase or rule, a "not:" look-alike, or the
    salience verdict; the subject's alias is dropped ("about North Korea: dprk" -> "about")."""
    if entry.startswith("about ") and ":" in entry:
        return "about"
    if entry.startswith(("mentioned in passing", "main clause")):
        return f"salience: {entry}"
    return entry


# feature names by (prefix, evidence entry): the entries are the pack's phrases and notes, few
# and repeated on every item
_NAMES: dict[tuple[str, str], str] = {}
_FIXED = {
    prefix: (
        f"{prefix}rules give",
        f"{prefix}rules withhold",
        *(f"{prefix}score >= {b}t" for b in _BUCKETS),
    )
    for prefix in ("", "other ")
}


def features(
    label: str,
    results: Mapping[str, tuple[float, Sequence[str], bool]],
    thresholds: Mapping[str, float],
) -> list[str]:
    """The features of one label of one item, from the engine's per-label results
    (name -> (score, evidence, salient)) and the labels' thresholds. The other labels'
    evidence counts too, under "other ": a launch report's diplomacy is judged beside it."""
    out: list[str] = []
    names = _NAMES
    for name, (score, evidence, salient) in results.items():
        prefix = "" if name == label else "other "
        fixed = _FIXED[prefix]
        t = thresholds[name]
        if score > 0:
            if score >= t:
                out.append(fixed[0] if salient else fixed[1])
            out += [fixed[2 + i] for i, b in enumerate(_BUCKETS) if score >= b * t]
        for e in evidence:
            f = names.get((prefix, e))
            if f is None:
                if len(names) > 50_000:
                    names.clear()
                f = names[prefix, e] = prefix + _kind(e)
            out.append(f)
    return out


def score(
    model: LabelModel,
    feats: Sequence[str],
    rules: bool,
    title: Set[str] = frozenset(),
    lead: Set[str] = frozenset(),
) -> tuple[bool, float]:
    """The decision under the label's combination rule, and the model's probability, from the
    features and the stems of the title and the lead (the "title: " and "lead: " features)."""
    weights = model.weights
    z = model.bias + sum([weights.get(f, 0.0) for f in set(feats)])
    if title:
        tw = model.title
        z += sum([tw[s] for s in title if s in tw])
    if lead:
        lw = model.lead
        z += sum([lw[s] for s in lead if s in lw])
    p = 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
    if model.combine == "model":
        return p >= model.threshold, p
    return (p >= model.give if not rules else p > model.withhold), p


def explain(
    model: LabelModel,
    feats: Sequence[str],
    decided: tuple[bool, float],
    title: Set[str] = frozenset(),
    lead: Set[str] = frozenset(),
    *,
    top: int = 4,
) -> Scored:
    """A decision `score` made, with the features that weighed most (by size; a feature the
    model does not know weighs nothing)."""
    ranked, rt, rl = model.ranked, model.ranked_title, model.ranked_lead
    parts = [ranked[f] for f in set(feats) if f in ranked]
    parts += [rt[s] for s in title if s in rt]
    parts += [rl[s] for s in lead if s in rl]
    best = sorted(parts)[:top]
    return Scored(decided[0], decided[1], tuple((f, w) for _r, f, w in best))


def note(s: Scored, rules: bool) -> str:
    """The evidence line: the model's probability, whether it changed the rules' decision,
    and the features that weighed most ("model 0.93 gives: +rules give 1.8, ...")."""
    verb = "gives" if s.label else "withholds"
    if s.label != rules:
        verb += " (rules: " + ("give" if rules else "withhold") + ")"
    parts = ", ".join(f"{'+' if w > 0 else '-'}{f} {abs(w):.2f}" for f, w in s.top)
    return f"model {s.p:.2f} {verb}: {parts}" if parts else f"model {s.p:.2f} {verb}"
