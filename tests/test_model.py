"""The learned model over the rule features (bot/domain/classify/model.py): its scorer, its
evidence, its switch, and that its weights ship inside the package."""

from __future__ import annotations

import fnmatch
import json
import math
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from bot.domain.classify import classify
from bot.domain.classify.model import LabelModel, bundled, explain, parse_model, score
from bot.domain.classify.pack import RulePack, load_pack
from bot.errors import ConfigError
from bot.service.cli import main
from bot.service.config import load_config
from bot.validate import Problems
from tests.conftest import DATA, ROOT, RULES

LAUNCH = (
    "North Korea fires ballistic missile into the sea ahead of summit",
    "North Korea fired a short-range ballistic missile off its east coast on Tuesday, days "
    "before leaders of South Korea and Japan meet for talks, the Joint Chiefs of Staff said.",
)


def _examples(name: str) -> list[tuple[str, str]]:
    rows = [json.loads(x) for x in (DATA / name).read_text(encoding="utf-8").splitlines()]
    return [(r["title"], r.get("summary", "")) for r in rows]


# the sets the model's switch is shown on: the invented English sets, and the rebuilt real dev
# set where it is here (the model is trained on it). The shipped model agrees with the rules on
# every item of the four project sets, so classify_model_switch.jsonl holds invented items on
# which it does not (a deal told in the clause after a market headline): without them a clean
# checkout, which has no real dev set, could not show the switch does anything. A retrained
# model that agrees with the rules on these too fails here: find new such items, or say why the
# model ships at all.
_INVENTED = (
    "classify_dev.jsonl",
    "classify_holdout.jsonl",
    "classify_alignments_dev.jsonl",
    "classify_alignments_holdout.jsonl",
    "classify_model_switch.jsonl",
)
_REAL_DEV = ROOT / "benchmarks" / "realnews" / "data" / "dev.jsonl"


def _switch_examples() -> list[tuple[str, str]]:
    items = [it for name in _INVENTED for it in _examples(name)]
    if _REAL_DEV.exists():
        rows = [json.loads(x) for x in _REAL_DEV.read_text(encoding="utf-8").splitlines()]
        items += [(r["title"], r.get("summary", "")) for r in rows]
    return items


def _with_model(pack: RulePack) -> RulePack:
    return replace(pack, model="northkorea")


def test_the_weights_file_ships_in_the_package() -> None:
    """The model file is package data (a wheel built from pyproject.toml carries it; the
    wheel check in .ci/ loads it from an installed wheel too)."""
    assert bundled("northkorea") is not None
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]["package-data"]["bot"]
    assert any(fnmatch.fnmatch("rules/northkorea.model.json", p) for p in patterns), patterns
    assert (ROOT / "bot" / "rules" / "northkorea.model.json").is_file()


def test_the_scorer_is_a_logistic_dot_product() -> None:
    lm = LabelModel({"a": 1.5, "b": -0.5, "c": 0.25}, bias=-1.0, combine="model", threshold=0.5)
    feats = ["a", "b", "unknown"]
    s = explain(lm, feats, score(lm, feats, rules=False))
    assert s.p == 0.5 and s.label  # z = -1 + 1.5 - 0.5 = 0: at the threshold, given
    assert s.top == (("a", 1.5), ("b", -0.5))  # by size; unknown features count nothing
    # the title's and the lead's stems are the "title: " and "lead: " features
    words = LabelModel(
        {"title: summit": 2.0, "lead: summit": -0.5},
        bias=0.0,
        combine="model",
    )
    both = score(words, [], False, frozenset({"summit"}), frozenset({"summit", "x"}))
    assert both == score(words, ["title: summit", "lead: summit"], False)
    assert both[1] == pytest.approx(1 / (1 + math.exp(-1.5)))
    assert explain(words, [], both, frozenset({"summit"})).top == (("title: summit", 2.0),)
    assert score(lm, ["c"], rules=False)[1] == pytest.approx(1 / (1 + math.exp(0.75)))
    assert not score(lm, ["b", "c"], rules=True)[0]  # the model decides, whatever the rules
    # "rules": the rules decide unless the model is confident either way
    keep = LabelModel({"a": 3.0}, bias=-1.0, combine="rules", give=0.9, withhold=0.2)
    assert score(keep, [], rules=True)[0]  # p 0.27 > 0.2: the rules' label stays
    assert not score(keep, ["a"], rules=False)[0]  # p 0.88 < 0.9: still withheld
    assert score(replace(keep, give=0.8), ["a"], rules=False)[0]
    assert not score(replace(keep, withhold=0.3), [], rules=True)[0]


def test_a_model_file_of_another_format_is_refused() -> None:
    with pytest.raises(ValueError, match="format"):
        parse_model({"format": 99, "labels": {}}, "x")
    with pytest.raises(ValueError, match="combine"):
        parse_model(
            {"format": 1, "labels": {"x": {"bias": 0, "combine": "vote", "weights": {}}}}, "x"
        )


def test_same_weights_same_output(pack: RulePack) -> None:
    packs = [_with_model(pack)]
    first = [classify(packs, t, s) for t, s in _examples("classify_dev.jsonl")[:120]]
    again = [classify(packs, t, s) for t, s in _examples("classify_dev.jsonl")[:120]]
    assert first == again
    # and the pipeline's bulk mode gives the same labels
    bulk = [classify(packs, t, s, explain=False) for t, s in _examples("classify_dev.jsonl")[:120]]
    assert [c.labels for c in bulk] == [c.labels for c in first]
    labelled = [(b, c) for b, c in zip(bulk, first, strict=True) if c.labels]
    assert labelled and all(b.evidence == c.evidence for b, c in labelled)


def test_evidence_shows_the_model_score_and_top_features(pack: RulePack) -> None:
    c = classify([_with_model(pack)], *LAUNCH)
    assert "missile-test" in c.labels
    notes = [e for e in c.evidence["missile-test"] if e.startswith("model ")]
    assert len(notes) == 1, c.evidence
    assert notes[0].startswith("model 0.") and " gives" in notes[0]
    assert "+rules give" in notes[0] or "+salience: main clause of the title" in notes[0]
    # a label scored but withheld says so too, with its features
    withheld = [e for e in c.evidence.get("diplomacy", ()) if e.startswith("model ")]
    assert "diplomacy" not in c.labels and withheld and "withholds" in withheld[0]
    # without the model there is no such line
    plain = classify([pack], *LAUNCH)
    assert not any(e.startswith("model ") for ev in plain.evidence.values() for e in ev)


def test_switched_off_is_the_rules_alone(pack: RulePack) -> None:
    """The shipped pack says `model = false`: the same output as a pack without the key, and
    the model, when on, does change some labels (so the switch is not a no-op)."""
    data = tomllib.loads(RULES.read_text(encoding="utf-8"))
    assert data["model"] is False and pack.model is None
    bare = load_pack({k: v for k, v in data.items() if k != "model"}, Problems())
    assert bare is not None and bare.model is None
    items = _switch_examples()
    off = [classify([pack], t, s) for t, s in items]
    assert off == [classify([bare], t, s) for t, s in items]
    on = [classify([_with_model(pack)], t, s).labels for t, s in items]
    assert on != [c.labels for c in off]


def test_korean_and_japanese_items_are_left_to_the_rules(pack: RulePack) -> None:
    items = [it for name in ("ko", "ja") for it in _examples(f"classify_{name}_dev.jsonl")]
    assert [classify([_with_model(pack)], t, s) for t, s in items] == [
        classify([pack], t, s) for t, s in items
    ]


def test_other_packs_have_no_model(tmp_path: Path) -> None:
    """A pack that extends the default one (its rules differ) does not inherit its model."""
    iran = ROOT / "config" / "rules" / "examples" / "iran.toml"
    (tmp_path / "on.toml").write_text(
        '[bot]\nrules = ["northkorea", "examples/iran"]\n', encoding="utf-8"
    )
    packs = load_config(str(tmp_path / "on.toml"), {}).packs
    assert [p.model for p in packs] == [None, None]
    # a pack naming a model newsbot does not ship is a config error naming the key
    (tmp_path / "mine.toml").write_text(
        iran.read_text(encoding="utf-8").replace('name = "iran"', 'name = "mine"\nmodel = true', 1),
        encoding="utf-8",
    )
    (tmp_path / "newsbot.toml").write_text(
        '[bot]\nrules = ["northkorea", "mine.toml"]\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="model"):
        load_config(str(tmp_path / "newsbot.toml"), {})


def test_eval_shows_rules_only_beside_rules_and_model(capsys: pytest.CaptureFixture[str]) -> None:
    config = str(ROOT / "config" / "newsbot.toml")
    assert (
        main(["eval", "--dataset", str(DATA / "classify_dev.jsonl"), "--config", config], {}) == 0
    )
    out = capsys.readouterr().out
    assert "rules + model" in out and "rules only" in out and "keyword baseline" in out
    head = out.splitlines()
    row = next(line for line in head if line.startswith("missile-test"))
    assert len(row.split()) == 1 + 9  # three columns of precision, recall, F1


def test_eval_lists_the_mistakes_of_what_the_bot_runs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The shipped pack has its model switched off, so the bot labels by the rules alone: the
    mistakes `eval` lists must be the rules' own, not those of rules + model. The set is built
    here from the examples on which the two disagree, each labelled as the model labels it, so
    the rules are wrong on every one and the model on none, whatever the model's weights are
    (test_switched_off_is_the_rules_alone shows that there are such examples)."""
    config = str(ROOT / "config" / "newsbot.toml")
    packs = load_config(config, {}).packs
    assert all(p.model is None for p in packs)  # shipped switched off
    modelled = [replace(p, model=p.name) if bundled(p.name) else p for p in packs]
    rows = []
    examples = _switch_examples()
    for n, (title, summary) in enumerate(examples):
        by_model = sorted(classify(modelled, title, summary).labels)
        if sorted(classify(packs, title, summary).labels) != by_model:
            rows.append({"id": f"x{n}", "title": title, "summary": summary, "labels": by_model})
    assert rows  # else this test could not tell the two lists apart
    data = tmp_path / "disagree.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert main(["eval", "--dataset", str(data), "--config", config, "--mistakes"], {}) == 0
    out = capsys.readouterr().out
    assert f"misclassified (rules only, as the config runs them: {len(rows)}):" in out
