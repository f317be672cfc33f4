"""Alert -> Slack message (Block Kit plus plain-text fallback), and the console rendering. Pure.

Feed text is untrusted: every piece of it is escaped for Slack (&, <, > only), so a headline
containing "<!channel>" or "<@U123>" pings nobody. Only this module builds Slack markup.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.classify.text import detect_language, matched_words
from bot.kinds import MessageKind, Severity
from bot.models import Alert, DigestEntry, Item, Message

# Slack's limits (https://api.slack.com/reference/block-kit): a header's text, a section's text,
# blocks per message, and the plain-text fallback. Longer values are cut with an ellipsis.
HEADER_MAX = 150
SECTION_MAX = 3000
BLOCKS_MAX = 50
TEXT_MAX = 40000
SEVERITY_STYLE: Mapping[str, str] = {
    Severity.CRITICAL: ":red_circle: Critical",
    Severity.HIGH: ":large_orange_circle: High",
    Severity.NORMAL: ":white_circle: Normal",
}
MENTION = {"here": "<!here>", "channel": "<!channel>"}

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


def local_time(when: datetime, timezone: str = "UTC", *, date: bool = True) -> str:
    """`when` in the channel's timezone, with the zone's abbreviation (KST, JST, UTC)."""
    local = when.astimezone(UTC if timezone == "UTC" else ZoneInfo(timezone))
    return local.strftime("%Y-%m-%d %H:%M %Z" if date else "%H:%M %Z")


def _when(item: Item, timezone: str = "UTC") -> str:
    return local_time(item.published, timezone) if item.dated else "undated"


def _headline(item: Item, limit: int = 300) -> str:
    """A linked headline; only http(s) links, so a feed cannot smuggle in <!channel|...>."""
    title = escape(clip(item.title, limit)) or "(untitled)"
    if _LINKABLE.match(item.url) and len(item.url) <= 2000:
        return f"<{_url(item.url)}|{title}>"
    return f"*{title}*"


LANGUAGE_NAMES: Mapping[str, str] = {"ko": "Korean", "ja": "Japanese", "zh": "Chinese"}


def english_line(item: Item, labels: Sequence[str] = ()) -> str:
    """For a Korean or Japanese report: what it says, in English, from its extracted facts.

    "Missile test · ICBM · Hwasong-18 · 1 missile · East Sea · inside Japan's EEZ · per Japan's
    Ministry of Defense · reported in Japanese by NHK". Built from the words the facts came
    from, not translated: nothing leaves the machine. "" for an item in any other language.
    """
    language = detect_language(item.title, item.summary)
    if language not in LANGUAGE_NAMES:
        return ""
    # imported here: their expressions compile at import, and a bot start that posts no
    # Korean or Japanese report (a warm `run --once`) need not pay for them
    from bot.domain import cjk_facts
    from bot.domain.stories import extract_facts

    text = f"{item.title}\n{cjk_facts.lead_sentence(item.summary)}"
    facts = extract_facts(item.title, item.summary)
    parts = [label_title(lb).split(" ", 1)[1] for lb in labels]
    parts += facts.describe()
    parts += sorted(cjk_facts.areas(text))
    parts += [f"with {p.capitalize()}" for p in sorted(facts.parties)]
    parts += [f"in {v.capitalize()}" for v in sorted(facts.venues)]
    parts += [f"per {r}" for r in cjk_facts.reporters(text)]
    parts.append(f"reported in {LANGUAGE_NAMES[language]} by {item.feed_name}")
    return " · ".join(parts)


def format_alert(alert: Alert) -> Message:
    """Block Kit for one alert (a story's parent message); every value is within Slack's limits.

    A mention (`<!here>`, `<!channel>`) is added only here, only for a critical alert, and only
    when the channel asked for it: feed text is escaped, so it can never produce one.
    """
    item = alert.item
    story = alert.story
    tz = alert.timezone
    labels = " + ".join(label_title(lb) for lb in alert.labels)
    severity = SEVERITY_STYLE.get(alert.severity, alert.severity)
    mention = MENTION.get(alert.mention, "") if alert.severity == Severity.CRITICAL else ""
    lead_item = story.summary if story is not None and story.summary is not None else item
    summary = escape(lead(lead_item.summary))
    why = escape(clip(_why(alert), 500))
    first = f"{mention} " if mention else ""
    blocks: list[dict[str, object]] = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": clip(f"{first}*{labels}* · {severity}\n{_headline(item)}", SECTION_MAX),
            },
        },
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": clip(f"{escape(item.feed_name)} · {_when(item, tz)}", SECTION_MAX),
                }
            ],
        },
    ]
    gloss = english_line(item, alert.labels)
    if gloss:  # a Korean or Japanese report: an English line so any channel can read it
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": clip(f"In English: {escape(gloss)}", SECTION_MAX)}
                ],
            }
        )
    if summary:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": clip(summary, 3000)}})
    if story is not None and story.facts:
        facts = escape(clip(" · ".join(story.facts), 500))
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Facts: {facts}"}]}
        )
    if story is not None and story.update_note:
        note = escape(clip(story.update_note, 500))
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(f"Why: {why}", 3000)}]}
    )
    if story is not None and len(story.sources) > 1:
        names = escape(clip(", ".join(story.sources), 1500))
        line = (
            f"Reported by {len(story.sources)} sources: {names} · first seen "
            f"{local_time(story.first_seen, tz)} · updated "
            f"{local_time(story.last_updated, tz, date=False)}"
        )
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(line, 3000)}]}
        )
    names = ", ".join(label_title(lb).split(" ", 1)[1] for lb in alert.labels)
    count = (
        f" [{len(story.sources)} sources]" if story is not None and len(story.sources) > 1 else ""
    )
    level = alert.severity.capitalize()
    english = f" (In English: {escape(gloss)})" if gloss else ""
    text = clip(
        f"{first}[{names}, {level}] {escape(item.title)}{english} "
        f"({escape(item.feed_name)}){count}",
        SECTION_MAX,
    )
    return Message(text=text, blocks=tuple(blocks[:BLOCKS_MAX]))


def _why(alert: Alert) -> str:
    """The evidence in words: what the item is about, and the phrases that counted, quoted as
    the item writes them. Rule names and stems ("launch verb near weapon", "test fire") are
    not words a reader should have to decode."""
    item = alert.item
    text = f"{item.title}\n{item.summary}"
    about: list[str] = []
    quoted: list[str] = []
    for label in alert.labels:
        for term in alert.classification.evidence.get(label, ()):
            if term.startswith(("not:", "no mention of ")):
                continue
            if term.startswith("about ") and ":" in term:
                subject = term.split(":", 1)[0]  # "about North Korea: dprk"
                if subject not in about:
                    about.append(subject)
                continue
            words = matched_words(text, term)
            if words and not any(words.casefold() in q.casefold() for q in quoted):
                quoted.append(words)  # "missile" says nothing after "ballistic missile"
    phrases = ", ".join(f"“{q}”" for q in quoted[:8])
    return "; ".join([*about, phrases] if phrases else about) or "the rules matched"


def _entry_line(e: DigestEntry, timezone: str) -> str:
    dot = SEVERITY_STYLE.get(e.severity, "").split(" ", 1)[0]
    link = (
        f"<{_url(e.url)}|{escape(clip(e.title, 300))}>"
        if _LINKABLE.match(e.url) and len(e.url) <= 2000
        else f"*{escape(clip(e.title, 300))}*"
    )
    more = f" · {e.sources} sources" if e.sources > 1 else ""
    return (
        f"{dot} {link} · {escape(clip(e.source, 100))} · "
        f"{local_time(e.published, timezone, date=False)}{more}"
    )


def _listing(
    heading: str, intro: str, groups: Sequence[tuple[str, Sequence[str]]], fallback: str
) -> Message:
    """A header, an intro line and sections of lines, within Slack's limits: sections are cut
    at SECTION_MAX, and past BLOCKS_MAX the rest is counted, not shown."""
    blocks: list[dict[str, object]] = [
        {"type": "header", "text": {"type": "plain_text", "text": clip(heading, HEADER_MAX)}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(intro, SECTION_MAX)}]},
    ]
    sections: list[tuple[str, int]] = []  # (text, how many lines it lists)
    for title, lines in groups:
        chunk, count = (f"*{title}*" if title else ""), 0
        for line in lines:
            candidate = f"{chunk}\n{line}" if chunk else line
            if len(candidate) > SECTION_MAX and count:
                sections.append((chunk, count))
                chunk, count = line, 1
            else:
                chunk, count = candidate, count + 1
        if count:
            sections.append((chunk, count))
    room = BLOCKS_MAX - len(blocks) - 1  # one block kept for "… and N more"
    for text, _count in sections[:room]:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_MAX)}}
        )
    hidden = sum(count for _text, count in sections[room:])
    if hidden:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"… and {hidden} more"}]}
        )
    return Message(text=clip(fallback, TEXT_MAX), blocks=tuple(blocks[:BLOCKS_MAX]))


def format_digest(
    entries: Sequence[DigestEntry],
    *,
    since: datetime,
    until: datetime,
    timezone: str = "UTC",
    why: str = "Digest",
) -> Message:
    """One message listing held stories, grouped by label, most severe first."""
    by_label: dict[str, list[DigestEntry]] = {}
    for e in entries:
        by_label.setdefault(e.label, []).append(e)
    groups = [
        (
            label_title(label),
            [
                _entry_line(e, timezone)
                for e in sorted(items, key=lambda e: (_loudest_first(e.severity), e.published))
            ],
        )
        for label, items in sorted(by_label.items())
    ]
    n = len(entries)
    heading = f"{why}: {n} {'story' if n == 1 else 'stories'}"
    intro = f"From {local_time(since, timezone)} to {local_time(until, timezone)}"
    fallback = (
        heading + "\n" + "\n".join(f"- {escape(e.title)} ({escape(e.source)})" for e in entries)
    )
    return _listing(heading, intro, groups, fallback)


def format_storm(
    entries: Sequence[DigestEntry], *, started: datetime, window: timedelta, timezone: str = "UTC"
) -> Message:
    """The rolling summary of a storm: edited in place as stories join it."""
    n = len(entries)
    minutes = max(1, int(window.total_seconds() // 60))
    heading = f"Storm mode: {n} more {'story' if n == 1 else 'stories'}"
    intro = (
        f"More alerts than usual since {local_time(started, timezone, date=False)}: further "
        f"stories are listed here instead of posted one by one, until {minutes} min pass with "
        "fewer alerts. This message is updated in place."
    )
    lines = [_entry_line(e, timezone) for e in entries]
    fallback = (
        heading + "\n" + "\n".join(f"- {escape(e.title)} ({escape(e.source)})" for e in entries)
    )
    return _listing(heading, intro, [("", lines)], fallback)


def format_reply(
    item: Item, timezone: str = "UTC", *, again: bool = False, added: tuple[str, ...] = ()
) -> Message:
    """A thread reply: another outlet's report of the same story, or (`again`) a further report
    from a source already in it, with the facts it changed; its time in the channel's timezone
    like the parent message, and an English line for a Korean or Japanese report."""
    source = escape(clip(item.feed_name, 200))
    if again:
        change = f" ({escape(clip(', '.join(added), 300))})" if added else ""
        head, plain = f"Update from *{source}*{change}", f"Update from {source}{change}"
    else:
        head, plain = f"Also reported by *{source}*", f"Also reported by {source}"
    gloss = english_line(item)
    english = f" (In English: {escape(clip(gloss, 500))})" if gloss else ""
    line = f"{head}: {_headline(item)}{english} · {_when(item, timezone)}"
    text = clip(f"{plain}: {escape(item.title)}{english}", 3000)
    return Message(
        text=text,
        blocks=({"type": "section", "text": {"type": "mrkdwn", "text": clip(line, 3000)}},),
    )


def format_feed_health(
    name: str, *, hours: int | None = None, polls: int = 0, error: str | None = None
) -> Message:
    """For the ops channel: a feed down for `hours` (or, with no hours, working again)."""
    if hours is None:
        text = f":white_check_mark: Feed *{escape(clip(name, 200))}* is working again."
    else:
        text = (
            f":warning: Feed *{escape(clip(name, 200))}* has failed for {hours} h ({polls} polls). "
            f"Last error: {escape(clip(error or 'unknown', 1000))}"
        )
    return Message(
        text=text, blocks=({"type": "section", "text": {"type": "mrkdwn", "text": text}},)
    )


# C0 and C1 control characters but tab and newline: feed text must not drive the terminal
# (colours, cursor moves, a retitled window, a cleared screen)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _unslack(text: str) -> str:
    text = _LINK.sub(lambda m: f"{m.group(2)}\n{m.group(1)}", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return _CONTROL.sub("", text)


def _loudest_first(severity: str) -> int:
    """Sort key of a digest line: critical first, then high, normal, and unknown levels last."""
    try:
        return -Severity(severity).rank
    except ValueError:
        return 1


CONSOLE_HEADINGS: Mapping[str, str] = {
    MessageKind.POST: "alert for",
    MessageKind.REPLY: "  ↳ thread reply in",
    MessageKind.UPDATE: "  ↻ story updated in",
}


def render_console(channel: str, message: Message, *, kind: str = MessageKind.POST) -> str:
    """A readable block of plain text for console mode."""
    heading = CONSOLE_HEADINGS[kind]
    if kind != MessageKind.POST:
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
