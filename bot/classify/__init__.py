"""Rule-based classification: rule packs (data) and the scoring engine (pure)."""

from bot.classify.engine import classify
from bot.classify.pack import RulePack, load_pack

__all__ = ["RulePack", "classify", "load_pack"]
