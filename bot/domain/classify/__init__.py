"""Rule-based classification: rule packs (data) and the scoring engine (pure)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.domain.classify.pack import RulePack, load_pack

if TYPE_CHECKING:
    from bot.domain.classify.engine import classify

__all__ = ["RulePack", "classify", "load_pack"]


def __getattr__(name: str) -> Any:
    # the engine (and the models and salience rules it needs) loads on first use: loading the
    # config needs only the packs, and `run --once` sends its first requests before classifying
    if name == "classify":
        from bot.domain.classify.engine import classify

        return classify
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
