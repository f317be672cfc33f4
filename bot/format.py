"""Alert -> Slack message (Block Kit plus plain-text fallback), and the console rendering. Pure.

Feed text is untrusted: every piece of it is escaped for Slack (&, <, > only), so a headline
containing "<!channel>" or "<@U123>" pings nobody. Only this module builds Slack markup.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.models import Alert, Item, Message

LABEL_STYLE: Mapping[str, tuple[str, str]] = {
    "missile-test": (":rocket:", "Missile test"),
    "diplomacy": (":handshake:", "Diplomacy"),
}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'\u201c\u2018])")
_LINK = re.compile(r"<([^|>]+)\|([^>]*)>")
_LINKABLE = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)


def escape(text: str) -> str:
    """Escape feed text for Slack mrkdwn and plain text: &, <, > and nothing else."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _url(url: str) -> str:
    return escape(url).replace("|", "%7C").replace(" ", "%20")


def clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    # never leave half an escape sequence at the cut
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut.rstrip() + "…"


def lead(summary: str, *, sentences: int = 3, limit: int = 600) -> str:
    """The first one to three sentences of a summary, at most `limit` characters."""
    parts = _SENTENCE_END.split(summary.strip())
    out = ""
    for part in parts[:sentences]:
        candidate = f"{out} {part}".strip()
        if out and len(candidate) > limit:
            break
        out = candidate
    return clip(out, limit)


def label_title(label: str) -> str:
    base = label.split(":", 1)[-1]
    emoji, name = LABEL_STYLE.get(base, (":newspaper:", base.replace("-", " ").capitalize()))
    prefix = f"{label.split(':', 1)[0]} · " if ":" in label else ""
    return f"{emoji} {prefix}{name}"


def _when(item: Item) -> str:
    return item.published.strftime("%Y-%m-%d %H:%M UTC") if item.dated else "undated"


def _headline(item: Item, limit: int = 300) -> str:
    """A linked headline; only http(s) links, so a feed cannot smuggle in <!channel|...>."""
    title = escape(clip(item.title, limit)) or "(untitled)"
    if _LINKABLE.match(item.url) and len(item.url) <= 2000:
        return f"<{_url(item.url)}|{title}>"
    return f"*{title}*"


def format_alert(alert: Alert) -> Message:
    """Block Kit for one alert (a story's parent message); every value is within Slack's limits."""
    item = alert.item
    story = alert.story
    labels = " + ".join(label_title(lb) for lb in alert.labels)
    lead_item = story.summary if story is not None and story.summary is not None else item
    summary = escape(lead(lead_item.summary))
    evidence: list[str] = []
    for label in alert.labels:
        for term in alert.classification.evidence.get(label, ()):
            if not term.startswith("not:") and term not in evidence:
                evidence.append(term)
    why = escape(clip(", ".join(evidence[:8]), 500)) if evidence else "rules matched"
    blocks: list[dict[str, object]] = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": clip(f"*{labels}*\n{_headline(item)}", 3000)},
        },
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": clip(f"{escape(item.feed_name)} · {_when(item)}", 3000)}
            ],
        },
    ]
    if summary:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": clip(summary, 3000)}})
    if story is not None and story.facts:
        facts = escape(clip(" · ".join(story.facts), 500))
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Facts: {facts}"}]}
        )
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(f"Why: {why}", 3000)}]}
    )
    if story is not None and len(story.sources) > 1:
        names = escape(clip(", ".join(story.sources), 1500))
        line = (
            f"Reported by {len(story.sources)} sources: {names} · first seen "
            f"{story.first_seen.strftime('%Y-%m-%d %H:%M UTC')} · updated "
            f"{story.last_updated.strftime('%H:%M UTC')}"
        )
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(line, 3000)}]}
        )
    names = ", ".join(label_title(lb).split(" ", 1)[1] for lb in alert.labels)
    count = (
        f" [{len(story.sources)} sources]" if story is not None and len(story.sources) > 1 else ""
    )
    text = clip(f"[{names}] {escape(item.title)} ({escape(item.feed_name)}){count}", 3000)
    return Message(text=text, blocks=tuple(blocks))


def format_reply(item: Item) -> Message:
    """A thread reply: another outlet's report of the same story."""
    line = (
        f"Also reported by *{escape(clip(item.feed_name, 200))}*: {_headline(item)} · {_when(item)}"
    )
    text = clip(f"Also reported by {escape(item.feed_name)}: {escape(item.title)}", 3000)
    return Message(
        text=text,
        blocks=({"type": "section", "text": {"type": "mrkdwn", "text": clip(line, 3000)}},),
    )


def _unslack(text: str) -> str:
    text = _LINK.sub(lambda m: f"{m.group(2)}\n{m.group(1)}", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def render_console(channel: str, message: Message, *, kind: str = "post") -> str:
    """A readable block of plain text for console mode."""
    heading = {
        "post": "alert for",
        "reply": "  ↳ thread reply in",
        "update": "  ↻ story updated in",
    }[kind]
    if kind != "post":
        return f"{heading} {channel}: {_unslack(message.text)}\n"
    lines = [f"── {heading} {channel} " + "─" * max(0, 50 - len(channel))]
    for block in message.blocks:
        if block.get("type") == "section":
            text = block.get("text")
            if isinstance(text, Mapping):
                lines.append(_unslack(str(text.get("text", ""))).replace("*", ""))
        elif block.get("type") == "context":
            elements = block.get("elements")
            if isinstance(elements, list):
                lines.extend(
                    _unslack(str(e.get("text", ""))) for e in elements if isinstance(e, Mapping)
                )
    return "\n".join(lines) + "\n"
