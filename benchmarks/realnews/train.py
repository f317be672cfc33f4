"""Train the default pack's learned model on the dev sets, choosing by grouped cross-validation.

    python -m benchmarks.realnews.train            # CV report, then writes the model file
    python -m benchmarks.realnews.train --check    # CV report; fail if the shipped file differs

Data: the real-news dev set (`benchmarks/realnews/data/dev.jsonl`, rebuilt by `rebuild.py`;
never the hold-out or the whole days) and the project's English dev set
(`tests/data/classify_dev.jsonl`). Features are the rules' own (`label_features` in
`bot/domain/classify/engine.py`), computed with the model switched off.

Cross-validation is grouped: the real items of one day are in one fold (a story's reports are
mostly on one day), the project items by a hash of their id. For each label it tries each
regularisation strength C and each combination rule ("model": the model decides at a
threshold; "rules": the rules decide unless the model is confident), scored by the pooled
out-of-fold F1 on the real dev items, and keeps the best. The final model is trained on all
the dev items with the chosen C. Everything is in a fixed order, and lbfgs is deterministic, so
the same data gives the same file; weights are rounded to 4 decimals.

scikit-learn is needed here only (the `bench` extra); the bot scores with a dot product.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "benchmarks/realnews/data/dev.jsonl"
PROJECT_DEV = ROOT / "tests/data/classify_dev.jsonl"
PACK = ROOT / "config/rules/northkorea.toml"
OUT = ROOT / "config/rules/northkorea.model.json"
FOLDS = 5
CS = (0.03, 0.1, 0.3, 1.0, 3.0)
MIN_COUNT = 2  # a feature seen in fewer training items is left out
THRESHOLDS = tuple(round(0.2 + 0.05 * i, 2) for i in range(13))  # 0.2 .. 0.8
GIVE = (0.6, 0.7, 0.8, 0.9, 0.95, 1.01)  # 1.01: never
WITHHOLD = (-0.01, 0.05, 0.1, 0.2, 0.3, 0.4)  # -0.01: never


@dataclass(frozen=True)
class Row:
    id: str
    group: str
    real: bool
    want: frozenset[str]
    feats: dict[str, tuple[list[str], bool]]  # label -> (features, rules' decision)


def _pack():  # type: ignore[no-untyped-def]
    from bot.domain.classify.pack import load_pack
    from bot.validate import Problems

    problems = Problems()
    pack = load_pack(tomllib.loads(PACK.read_text(encoding="utf-8")), problems)
    if pack is None:
        raise SystemExit(f"{PACK.relative_to(ROOT)}: {problems.items}")
    return replace(pack, model=None)


def rows(words: bool = True) -> list[Row]:
    """Every dev item with its features; `words`: the title's and lead's stems too."""
    from bot.domain.classify.engine import _score_pack, label_features
    from bot.domain.classify.text import tokenize

    pack = _pack()
    out: list[Row] = []
    for path, real in ((DEV, True), (PROJECT_DEV, False)):
        if not path.exists():
            raise SystemExit(f"{path.relative_to(ROOT)} is missing (see rebuild.py)")
        for line in path.read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            tokens = tokenize(d["title"], d.get("summary", ""))
            feats = label_features(pack, tokens, _score_pack(tokens, pack), words=words)
            if real:
                group = d["date"]
            else:
                group = "p" + str(int(hashlib.sha256(d["id"].encode()).hexdigest(), 16) % 10)
            out.append(Row(d["id"], group, real, frozenset(d["labels"]), feats))
    return out


def _f1(pred: list[bool], want: list[bool]) -> float:
    tp = sum(p and w for p, w in zip(pred, want, strict=True))
    fp = sum(p and not w for p, w in zip(pred, want, strict=True))
    fn = sum(w and not p for p, w in zip(pred, want, strict=True))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _fit(xs: list[list[str]], ys: list[bool], c: float):  # type: ignore[no-untyped-def]
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    counts: dict[str, int] = {}
    for x in xs:
        for f in set(x):
            counts[f] = counts.get(f, 0) + 1
    keep = {f for f, n in counts.items() if n >= MIN_COUNT}
    vec = DictVectorizer(sort=True)
    matrix = vec.fit_transform([{f: 1 for f in sorted(set(x)) if f in keep} for x in xs])
    matrix.sort_indices()
    # converged far past the 4 decimals written, on one thread: the same file on any machine
    clf = LogisticRegression(C=c, solver="lbfgs", max_iter=100_000, tol=1e-10)
    with threadpool_limits(1):
        clf.fit(matrix, ys)
    return vec, clf


def _decide(combine: str, p: float, rules: bool, a: float, b: float) -> bool:
    if combine == "model":
        return p >= a
    return p >= a if not rules else p > b


def _options() -> list[tuple[str, float, float]]:
    opts = [("model", t, 0.0) for t in THRESHOLDS]
    opts += [("rules", g, w) for g in GIVE for w in WITHHOLD]
    return opts


def _folds(data: list[Row]) -> list[tuple[list[int], list[int]]]:
    from sklearn.model_selection import GroupKFold

    split = GroupKFold(n_splits=FOLDS).split(data, groups=[r.group for r in data])
    return [(list(a), list(b)) for a, b in split]


def cross_validate(data: list[Row], label: str) -> dict[float, list[float | None]]:
    """Out-of-fold probabilities per C (None: the rules did not score the label)."""
    probs: dict[float, list[float | None]] = {c: [None] * len(data) for c in CS}
    for train, test in _folds(data):
        tr = [data[i] for i in train if label in data[i].feats]
        xs = [r.feats[label][0] for r in tr]
        ys = [label in r.want for r in tr]
        for c in CS:
            vec, clf = _fit(xs, ys, c)
            for i in test:
                if label in data[i].feats:
                    m = vec.transform([{f: 1 for f in data[i].feats[label][0]}])
                    probs[c][i] = float(clf.predict_proba(m)[0][1])
    return probs


def _predict(
    data: list[Row], label: str, probs: list[float | None], opt: tuple[str, float, float]
) -> list[bool]:
    out = []
    for r, p in zip(data, probs, strict=True):
        if p is None:
            out.append(False)
        else:
            out.append(_decide(opt[0], p, r.feats[label][1], opt[1], opt[2]))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    ap.add_argument("--no-words", action="store_true", help="the rules' features alone")
    ap.add_argument("--check", action="store_true", help="do not write; fail if the file differs")
    args = ap.parse_args(argv)
    data = rows(not args.no_words)
    labels = [t.label for t in _pack().topics]
    real = [r.real for r in data]
    model: dict[str, object] = {"format": 1, "words": not args.no_words, "labels": {}}
    print(
        f"{sum(real)} real dev items, {len(data) - sum(real)} project dev items, {FOLDS} folds by day"
    )
    for label in labels:
        want = [label in r.want for r in data]
        rules = [r.feats[label][1] if label in r.feats else False for r in data]
        sub = [i for i, x in enumerate(real) if x]
        proj = [i for i, x in enumerate(real) if not x]

        def f1(pred: list[bool], idx: list[int], want: list[bool] = want) -> float:
            return _f1([pred[i] for i in idx], [want[i] for i in idx])

        print(
            f"\n{label}: rules-only F1 real dev {f1(rules, sub):.3f}, project dev {f1(rules, proj):.3f}"
        )
        probs = cross_validate(data, label)
        best: tuple[float, float, tuple[str, float, float]] | None = None
        for c in CS:
            for opt in _options():
                pred = _predict(data, label, probs[c], opt)
                key = f1(pred, sub)
                if best is None or key > best[0] + 1e-12:
                    best = (key, c, opt)
            row = max(
                (f1(_predict(data, label, probs[c], o), sub), o)
                for o in _options()
                if o[0] == "model"
            )
            print(f"  C={c:<5} best model-decides CV F1 {row[0]:.3f} at p >= {row[1][1]}")
        assert best is not None
        score, c, opt = best
        # the choice itself was made on these predictions: an honest estimate chooses on the
        # other folds' items and scores each fold with the choice made without it
        nested = [False] * len(data)
        fold_of = {i: k for k, (_tr, te) in enumerate(_folds(data)) for i in te}
        for k in range(FOLDS):
            inner = [i for i in sub if fold_of[i] != k]
            pick = max(
                (
                    (f1(_predict(data, label, probs[cc], o), inner), -n, cc, o)
                    for n, (cc, o) in enumerate((cc, o) for cc in CS for o in _options())
                )
            )
            pred_k = _predict(data, label, probs[pick[2]], pick[3])
            for i in range(len(data)):
                if fold_of[i] == k:
                    nested[i] = pred_k[i]
        print(
            f"  nested CV F1 real dev (choice made without the scored fold): {f1(nested, sub):.3f}"
        )
        pred = _predict(data, label, probs[c], opt)
        print(
            f"  chosen: C={c}, combine={opt[0]} {opt[1]}/{opt[2]}: CV F1 real dev {score:.3f}"
            f" (rules {f1(rules, sub):.3f}), project dev {f1(pred, proj):.3f} (rules {f1(rules, proj):.3f})"
        )
        tr = [r for r in data if label in r.feats]
        vec, clf = _fit([r.feats[label][0] for r in tr], [label in r.want for r in tr], c)
        weights = {
            f: round(float(w), 4)
            for f, w in zip(vec.get_feature_names_out(), clf.coef_[0], strict=True)
            if round(float(w), 4) != 0
        }
        entry: dict[str, object] = {
            "bias": round(float(clf.intercept_[0]), 4),
            "combine": opt[0],
            "C": c,
        }
        if opt[0] == "model":
            entry["threshold"] = opt[1]
        else:
            entry["give"] = opt[1]
            entry["withhold"] = opt[2]
        entry["weights"] = dict(sorted(weights.items()))
        model["labels"][label] = entry  # type: ignore[index]
    text = json.dumps(model, indent=1, sort_keys=False, ensure_ascii=False) + "\n"
    if args.check:
        same = OUT.exists() and OUT.read_text(encoding="utf-8") == text
        print(f"\n{OUT.relative_to(ROOT)}: {'identical' if same else 'DIFFERS'}")
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8")
    print(f"\nwrote {OUT.relative_to(ROOT) if OUT.is_relative_to(ROOT) else OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
