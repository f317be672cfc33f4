"""The default rule pack on the development set, the CNS vocabulary, and pack validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.domain.classify import classify
from bot.errors import ConfigError
from bot.service.cli import main
from bot.service.config import load_config
from bot.tools.evaluate import evaluate, naive_baseline
from tests.conftest import DATA, ROOT, RULES, SHARED, labelled_set

LABELS = ("missile-test", "diplomacy")


def test_development_set_shape() -> None:
    examples = labelled_set("classify_dev.jsonl")
    assert len(examples) >= 300
    assert len({e.id for e in examples}) == len(examples)
    both = sum(set(e.labels) == set(LABELS) for e in examples)
    none = sum(not e.labels for e in examples)
    assert both >= 30 and none >= 150


def test_default_pack_meets_the_development_set_targets(pack) -> None:
    report = evaluate(
        labelled_set("classify_dev.jsonl"), LABELS, lambda t, s: classify([pack], t, s)
    )
    for label in LABELS:
        assert report.labels[label].f1 >= 0.95, (label, report.labels[label])
    assert report.non_nk >= 100
    assert report.non_nk_rate <= 0.02


def test_rules_beat_the_naive_baseline_by_a_wide_margin(pack) -> None:
    examples = labelled_set("classify_dev.jsonl")
    rules = evaluate(examples, LABELS, lambda t, s: classify([pack], t, s))
    naive = evaluate(examples, LABELS, naive_baseline)
    for label in LABELS:
        assert rules.labels[label].f1 - naive.labels[label].f1 >= 0.2


def test_eval_command_prints_the_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "eval",
                "--dataset",
                str(DATA / "classify_dev.jsonl"),
                "--config",
                str(ROOT / "config" / "newsbot.toml"),
            ],
            {},
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "precision" in out and "missile-test" in out and "non-North-Korea items labelled" in out


@pytest.mark.skipif(
    not (SHARED / "data" / "cns-missile-tests").is_dir(), reason="../shared is absent"
)
def test_every_cns_missile_name_is_recognised(pack) -> None:
    """Each missile in the CNS database, named in a one-line launch report, is a missile-test."""
    names = json.loads((SHARED / "data" / "cns-missile-tests" / "missile.en.json").read_text())
    missed = []
    for entry in names.values():
        name = entry["name"]
        if name == "Unknown" or name.startswith("New "):
            continue
        c = classify([pack], f"North Korea test-launches {name}", "")
        bare = classify([pack], f"{name} launched, military says", "The projectile flew east.")
        if "missile-test" not in c.labels:
            missed.append(name)
        if "missile-test" not in bare.labels and not name.lower().startswith(
            ("scud", "er scud", "rail", "silo")
        ):
            missed.append(f"{name} (without naming North Korea)")
    assert missed == []


def test_extending_pack_and_pack_labels(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        f'[bot]\nrules = ["{RULES}", "{ROOT / "config" / "rules" / "examples" / "iran.toml"}"]\n'
        '[[channels]]\nchannel = "C1"\nlabels = ["iran:missile-test"]\n'
    )
    loaded = load_config(str(config), {})
    assert loaded.labels == ("missile-test", "diplomacy", "iran:missile-test", "iran:diplomacy")
    c = classify(
        loaded.packs,
        "Iran test-fires Khorramshahr ballistic missile",
        "The missile flew 2,000 km, state TV said.",
    )
    assert c.labels == ("iran:missile-test",)
    c = classify(loaded.packs, "North Korea fires ballistic missile", "It flew 600 km.")
    assert c.labels == ("missile-test",)


@pytest.mark.parametrize(
    ("pack_toml", "fragments"),
    [
        (
            'name = "x"\n[subject]\naliases = []\n[[topic]]\nlabel = "a"\n',
            ["subject.aliases", "needs at least one phrase"],
        ),
        ('name = "x"\n[subject]\naliases = ["x"]\n', ["topic", "at least one [[topic]]"]),
        (
            'name = "x"\n[subject]\naliases = ["x"]\n[[topic]]\nlabel = "a"\n[topic.terms]\n"test" = 1\n"tests" = 2\n',
            ['"tests"', "same words"],
        ),
        (
            'name = "x"\n[subject]\naliases = ["# x"]\n[[topic]]\nlabel = "a"\n',
            ["must start with a word"],
        ),
        (
            'name = "x"\n[subject]\naliases = ["x"]\nwindw = 3\n[[topic]]\nlabel = "a"\n',
            ["subject.windw", "unknown key", 'did you mean "window"'],
        ),
        (
            'name = "x"\n[subject]\naliases = ["x"]\n[[topic]]\nlabel = "a"\n[topic.terms]\n"y" = "high"\n',
            ['terms."y"', "expected a number"],
        ),
        ('name = "x"\nextends = "nope"\n[subject]\naliases = ["x"]\n', ['extends "nope"']),
    ],
)
def test_bad_rule_packs_give_clear_errors(
    tmp_path: Path, pack_toml: str, fragments: list[str]
) -> None:
    (tmp_path / "bad.toml").write_text(pack_toml)
    config = tmp_path / "c.toml"
    config.write_text('[bot]\nrules = ["bad.toml"]\n')
    with pytest.raises(ConfigError) as info:
        load_config(str(config), {})
    message = str(info.value)
    assert "bad.toml" in message
    for fragment in fragments:
        assert fragment in message, message


def test_hold_out_set_stays_above_the_floor(pack) -> None:
    """A second set, written separately from the rules; the floor guards against regressions."""
    report = evaluate(
        labelled_set("classify_holdout.jsonl"), LABELS, lambda t, s: classify([pack], t, s)
    )
    for label in LABELS:
        assert report.labels[label].f1 >= 0.90, (label, report.labels[label])
    assert report.non_nk_rate <= 0.05
