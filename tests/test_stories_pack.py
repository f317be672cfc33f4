"""Story matching reads its event labels from the rule packs' [stories] tables (issue 16)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.domain import stories
from bot.domain.classify.pack import story_labels
from bot.domain.stories import Tuning
from bot.domain.storykinds import FACT_CLASSES, StoryLabels
from bot.errors import ConfigError
from bot.service.config import parse_config
from bot.tools.evaluate import StoryExample, evaluate_stories
from tests.conftest import DATA
from tests.realdata import read_set

# the bundled pack, and a pack extending it under its own name (labels "watch:missile-test")
EXTENDED = """
[bot]
database = "sqlite:///unused.db"
rules = ["northkorea", "watch.toml"]
"""
WATCH = """
name = "watch"
extends = "northkorea"
[subject]
aliases = ["north korea", "pyongyang"]
[[topic]]
label = "missile-test"
[topic.terms]
"rocket engine test" = 2.0
"""


def _config(tmp_path: Path, text: str, pack: str = WATCH):
    (tmp_path / "watch.toml").write_text(pack, encoding="utf-8")
    return parse_config(text, str(tmp_path / "newsbot.toml"), {})


def _dev(prefix: str = "") -> list[StoryExample]:
    return [
        replace(e, labels=tuple(prefix + label for label in e.labels))
        for e in read_set(DATA / "stories_dev.jsonl")
    ]


def _partition(assigned_by_story: dict[str, str]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for item, story in assigned_by_story.items():
        groups.setdefault(story, set()).add(item)
    return {frozenset(g) for g in groups.values()}


def _stories(examples: list[StoryExample], tuning: Tuning) -> set[frozenset[str]]:
    from bot.domain.stories import StoryIndex, fingerprint
    from bot.models import Classification, Item

    index = StoryIndex(tuning)
    assigned = {}
    for r in sorted(examples, key=lambda r: (r.published, r.id)):
        fp = fingerprint(r.id, r.title, r.summary, r.labels, r.published, r.source)
        match = index.assign(fp)
        item = Item(r.source, "", r.id, "", r.title, r.summary, r.published)
        if match is None:
            story = index.create(fp, item, Classification(r.labels, {}, {}), r.published)
        else:
            story = index.join(match.story_id, fp, item, r.published).story
        assigned[r.id] = story.id
    return _partition(assigned)


def test_the_fact_classes_packs_may_name_are_the_ones_the_extractor_finds() -> None:
    assert frozenset(stories._CLASSES) == FACT_CLASSES
    assert frozenset(stories._CLASS_NAMES) == FACT_CLASSES


def test_the_bundled_pack_declares_the_default_story_labels(tmp_path: Path) -> None:
    config = _config(tmp_path, EXTENDED.replace(', "watch.toml"', ""))
    assert story_labels(config.packs) == StoryLabels()
    (pack,) = config.packs
    assert pack.story_launch == ("missile-test",) and pack.story_meeting == ("diplomacy",)


def test_an_extended_packs_labels_cluster_like_the_defaults(tmp_path: Path) -> None:
    """The same reports labelled "watch:missile-test" / "watch:diplomacy" make the same stories
    as with the bare labels, because the extension inherits the base's [stories] table."""
    config = _config(tmp_path, EXTENDED)
    labels = story_labels(config.packs)
    assert "watch:missile-test" in labels.launch and "watch:diplomacy" in labels.meeting
    default = _stories(_dev(), Tuning())
    extended = _stories(_dev("watch:"), replace(Tuning(), labels=labels))
    assert extended == default
    # without the pack's labels, "watch:..." reports cluster differently (what this fixes)
    assert _stories(_dev("watch:"), Tuning()) != default
    assert evaluate_stories(_dev("watch:"), replace(Tuning(), labels=labels)).bcubed_recall == (
        evaluate_stories(_dev()).bcubed_recall
    )


def test_an_extension_may_add_its_own_event_labels(tmp_path: Path) -> None:
    pack = WATCH + '\n[[topic]]\nlabel = "engine-test"\n[topic.terms]\n"engine test" = 3.0\n'
    pack += '[stories]\nlaunch = ["engine-test"]\n'
    labels = story_labels(_config(tmp_path, EXTENDED, pack).packs)
    assert {"watch:missile-test", "watch:engine-test", "missile-test"} <= labels.launch


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('[stories]\nlaunch = ["nope"]\n', '"nope" is not a topic of this pack'),
        ('[stories]\nfacts = ["icbm", "warp"]\n', '"warp" is not a fact class'),
        (
            '[stories]\nlaunch = ["missile-test"]\nmeeting = ["missile-test"]\n',
            "one kind or the other",
        ),
        ('[stories]\nlauch = ["missile-test"]\n', 'did you mean "launch"'),
        (
            '[stories]\nfacts = ["icbm"]\n[[severity]]\nlevel = "high"\nlabel = "missile-test"\n'
            'facts = ["srbm"]\n',
            '"srbm" is not a fact class; use icbm',
        ),
    ],
)
def test_a_bad_stories_table_is_reported(tmp_path: Path, table: str, expected: str) -> None:
    pack = 'name = "own"\n[subject]\naliases = ["north korea"]\n'
    pack += '[[topic]]\nlabel = "missile-test"\n[topic.terms]\n"missile" = 3.0\n' + table
    text = EXTENDED.replace('"northkorea", ', "")
    with pytest.raises(ConfigError) as caught:
        _config(tmp_path, text, pack)
    assert expected in str(caught.value)
