"""Rule-based classification: rule packs (data) and the scoring engine (pure)."""

from bot.domain.classify.engine import classify
from bot.domain.classify.pack import RulePack, load_pack

__all__ = ["RulePack", "classify", "load_pack"]
