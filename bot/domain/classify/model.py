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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
        labels[str(label)] = LabelModel(
            weights={str(k): float(v) for k, v in dict(d["weights"]).items()},
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


def features(
    label: str,
    results: Mapping[str, tuple[float, Sequence[str], bool]],
    thresholds: Mapping[str, float],
) -> list[str]:
    """The features of one label of one item, from the engine's per-label results
    (name -> (score, evidence, salient)) and the labels' thresholds. The other labels'
    evidence counts too, under "other ": a launch report's diplomacy is judged beside it."""
    out: list[str] = []
    for name, (score, evidence, salient) in results.items():
        prefix = "" if name == label else "other "
        t = thresholds[name]
        reached = score >= t and score > 0
        if reached and salient:
            out.append(f"{prefix}rules give")
        elif reached:
            out.append(f"{prefix}rules withhold")
        out += [f"{prefix}score >= {b}t" for b in _BUCKETS if score > 0 and score >= b * t]
        out += [f"{prefix}{_kind(e)}" for e in evidence]
    return out


def score(model: LabelModel, feats: Sequence[str], rules: bool, *, top: int = 4) -> Scored:
    """The model's probability for the label and the decision under its combination rule."""
    weights = model.weights
    parts = [(f, weights[f]) for f in dict.fromkeys(feats) if f in weights]
    z = model.bias + sum(w for _f, w in parts)
    p = 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
    if model.combine == "model":
        label = p >= model.threshold
    else:
        label = p >= model.give if not rules else p > model.withhold
    parts.sort(key=lambda fw: (-abs(fw[1]), fw[0]))
    return Scored(label, p, tuple(parts[:top]))


def note(s: Scored, rules: bool) -> str:
    """The evidence line: the model's probability, whether it changed the rules' decision,
    and the features that weighed most ("model 0.93 gives: +rules give 1.8, ...")."""
    verb = "gives" if s.label else "withholds"
    if s.label != rules:
        verb += " (rules: " + ("give" if rules else "withhold") + ")"
    parts = ", ".join(f"{'+' if w > 0 else '-'}{f} {abs(w):.2f}" for f, w in s.top)
    return f"model {s.p:.2f} {verb}: {parts}" if parts else f"model {s.p:.2f} {verb}"
