"""What story matching needs to know of the rule packs, without importing them: which labels
name launches and which meetings, and the fact classes the story extractor finds. Pure data;
the packs' [stories] tables fill `StoryLabels` (`bot.domain.classify.pack.story_labels`)."""

from __future__ import annotations

from dataclasses import dataclass

# The fact classes bot/domain/stories.py extracts (its _CLASSES table has one entry for each):
# a rule pack's [stories] `facts` and its severity rules name these.
FACT_CLASSES = frozenset(
    {
        "icbm",
        "irbm",
        "mrbm",
        "srbm",
        "slbm",
        "long",
        "ballistic",
        "cruise",
        "satellite",
        "nuclear",
        "artillery",
        "drone",
    }
)


@dataclass(frozen=True)
class StoryLabels:
    """Which labels name which kind of event, as the rule packs' [stories] tables say.
    "launch" labels (a launch, a test): the time and the weapon's facts decide and reports need
    share few words; "meeting" labels (talks, statements, measures): the leaders, venue, act and
    words must agree. Other labels are compared on their specific words. The defaults are the
    bundled pack's, for callers that have no packs (evaluation on labelled sets); the pipeline
    passes its packs' own."""

    launch: frozenset[str] = frozenset({"missile-test"})
    meeting: frozenset[str] = frozenset({"diplomacy"})

    def launches(self, labels: frozenset[str]) -> bool:
        """Only launch labels (and at least one)."""
        return bool(labels) and labels <= self.launch
