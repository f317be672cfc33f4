"""Start-up: loading the config validates the rule packs but leaves the costly parts (the wide
Korean and Japanese expressions, the severity phrases, the engine) for the first text read, and
the shortcuts taken for that give what the general code gives."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.classify import text

ROOT = Path(__file__).resolve().parent.parent


def test_loading_the_config_compiles_nothing_wide_and_classifying_does() -> None:
    # a fresh interpreter: this one has classified already
    child = textwrap.dedent(
        """
        import json, sys
        from bot.service.config import load_config
        from bot.domain.classify import text

        config = load_config("config/newsbot.toml", {})
        rules = [r for p in config.packs for r in p.severity if r.phrases]
        before = {
            "wide": text.wide.cache_info().currsize,
            "engine": "bot.domain.classify.engine" in sys.modules,
            "severity compiled": sum("pattern" in vars(r) for r in rules),
        }
        from bot.domain.classify import classify

        c = classify(config.packs, "북한, 동해상으로 탄도미사일 발사", "합참은 북한이 탄도미사일을 발사했다고 밝혔다.")
        print(json.dumps({"before": before, "labels": list(c.labels),
                          "wide": text.wide.cache_info().currsize, "rules": len(rules),
                          "matched": rules[0].matches([rules[0].label], (), rules[0].phrases[0])}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, cwd=ROOT, check=True
    )
    out = json.loads(done.stdout)
    assert out["before"] == {"wide": 0, "engine": False, "severity compiled": 0}
    assert out["labels"] == ["missile-test"]
    assert out["wide"] == 1
    assert out["rules"] > 0 and out["matched"] is True


def test_is_cjk_is_the_character_class() -> None:
    cls = re.compile(f"[{text.CJK_CHARS}]")
    assert [c for c in range(0x110000) if text.is_cjk(chr(c)) != bool(cls.match(chr(c)))] == []


def _reference_pattern_stems(pattern: str) -> tuple[str, ...]:
    """pattern_stems as it was: the general expression for every phrase."""
    found = re.findall(f"[{text.CJK_CHARS}]|[^\\W_{text.CJK_CHARS}]+|[#*]", text._prepare(pattern))
    return tuple(raw if raw in "#*" else text.stem(raw.lower()) for raw in found)


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)))
def test_ascii_phrases_are_split_as_the_general_expression_splits_them(phrase: str) -> None:
    assert text.pattern_stems(phrase) == _reference_pattern_stems(phrase)


@given(
    st.text(alphabet="ab 1#*-_.북한ミサイル発射\uff21\u3005\u30fb\u00b2\u0301\u4dc0") | st.text()
)
def test_other_phrases_are_split_as_before(phrase: str) -> None:
    assert text.pattern_stems(phrase) == _reference_pattern_stems(phrase)
