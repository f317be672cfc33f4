"""The /newsbot slash command: parsing, layering Slack-side settings over the config, and the
commands themselves. Everything acts on the channel the command was typed in, and nowhere else.

Precedence: the config file is the source of truth for what it sets. From Slack a channel may add
labels and keywords on top of its config entry (or subscribe a channel the config does not list),
remove what it added, and mute a story for a while; it cannot remove a label the config gives it.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.delivery.format import escape, local_time
from bot.service.config import ChannelConfig
from bot.store import ChannelPrefs, SlashStore
from bot.validate import parse_duration

HELP = """*`/newsbot` commands* (they apply to this channel only)
• `subscribe <label>`: also alert here on a label, e.g. `diplomacy` or `iran:missile-test`
• `unsubscribe <label>`: stop a label added here (labels from the config file stay)
• `keywords add <word>` · `keywords remove <word>` · `keywords list`: alerts here must mention one of the keywords
• `mute <story link> [duration]`: no more thread replies or edits for that story here (default 24h)
• `status`: feeds, the last alert, the queue, and this channel's settings
• `help`: this list"""

MUTE_DEFAULT = timedelta(hours=24)


def effective_channels(
    configured: Sequence[ChannelConfig], prefs: dict[str, ChannelPrefs]
) -> tuple[ChannelConfig, ...]:
    """The config's channels with what Slack added, plus channels subscribed only from Slack."""
    out = []
    for c in configured:
        extra = prefs.get(c.channel)
        if extra is None:
            out.append(c)
            continue
        labels = c.labels + tuple(lb for lb in extra.labels if lb not in c.labels)
        keywords = c.keywords + tuple(k for k in extra.keywords if k not in c.keywords)
        out.append(replace(c, labels=labels, keywords=keywords))
    listed = {c.channel for c in configured}
    for channel, extra in sorted(prefs.items()):
        if channel not in listed and extra.labels:
            out.append(ChannelConfig(channel=channel, labels=extra.labels, keywords=extra.keywords))
    return tuple(out)


@dataclass(frozen=True)
class Invocation:
    channel: str
    user: str
    text: str
    now: datetime


class Commands:
    """Runs one command against the store; returns the reply (Slack mrkdwn, shown to the user)."""

    def __init__(
        self,
        store: SlashStore,
        configured: Sequence[ChannelConfig],
        labels: Sequence[str],
        feeds: int,
    ) -> None:
        self.store = store
        self.configured = {c.channel: c for c in configured}
        self.labels = tuple(labels)
        self.feeds = feeds

    def run(self, inv: Invocation) -> str:
        try:
            words = shlex.split(inv.text.strip())
        except ValueError:
            words = inv.text.split()
        if not words or words[0] == "help":
            return HELP
        verb, args = words[0].lower(), words[1:]
        handler = {
            "subscribe": self._subscribe,
            "unsubscribe": self._unsubscribe,
            "keywords": self._keywords,
            "mute": self._mute,
            "status": self._status,
        }.get(verb)
        if handler is None:
            return f"Unknown command `{escape(verb)}`.\n\n{HELP}"
        return handler(inv, args)

    def _prefs(self, channel: str) -> ChannelPrefs:
        return self.store.channel_prefs().get(channel, ChannelPrefs((), ()))

    def _subscribe(self, inv: Invocation, args: list[str]) -> str:
        if len(args) != 1:
            return "Usage: `/newsbot subscribe <label>`, e.g. `/newsbot subscribe diplomacy`"
        label = args[0]
        if label not in self.labels:
            return f"No label `{escape(label)}`. Labels: " + ", ".join(
                f"`{lb}`" for lb in self.labels
            )
        prefs = self._prefs(inv.channel)
        configured = self.configured.get(inv.channel)
        if (configured and label in configured.labels) or label in prefs.labels:
            return f"This channel already gets `{label}` alerts."
        self.store.set_channel_prefs(
            inv.channel, (*prefs.labels, label), prefs.keywords, inv.now, inv.user
        )
        return f"Subscribed this channel to `{label}`. It applies from the next poll."

    def _unsubscribe(self, inv: Invocation, args: list[str]) -> str:
        if len(args) != 1:
            return "Usage: `/newsbot unsubscribe <label>`"
        label = args[0]
        prefs = self._prefs(inv.channel)
        configured = self.configured.get(inv.channel)
        if configured and label in configured.labels:
            return (
                f"`{escape(label)}` is set for this channel in the config file; remove it there "
                "(the config file is the source of truth for what it sets)."
            )
        if label not in prefs.labels:
            return f"This channel is not subscribed to `{escape(label)}` from Slack."
        labels = tuple(lb for lb in prefs.labels if lb != label)
        self.store.set_channel_prefs(inv.channel, labels, prefs.keywords, inv.now, inv.user)
        return f"Unsubscribed this channel from `{label}`."

    def _keywords(self, inv: Invocation, args: list[str]) -> str:
        prefs = self._prefs(inv.channel)
        configured = self.configured.get(inv.channel)
        from_config = configured.keywords if configured else ()
        if args[:1] == ["list"] or not args:
            return _keyword_list(from_config, prefs.keywords)
        if len(args) < 2 or args[0] not in ("add", "remove"):
            return (
                "Usage: `/newsbot keywords add <word>`, `keywords remove <word>` or `keywords list`"
            )
        word = " ".join(args[1:])
        if args[0] == "add":
            if word in from_config or word in prefs.keywords:
                return f"`{escape(word)}` is already a keyword here."
            keywords = (*prefs.keywords, word)
        else:
            if word in from_config:
                return f"`{escape(word)}` comes from the config file; remove it there."
            if word not in prefs.keywords:
                return f"`{escape(word)}` is not a keyword added here."
            keywords = tuple(k for k in prefs.keywords if k != word)
        self.store.set_channel_prefs(inv.channel, prefs.labels, keywords, inv.now, inv.user)
        return _keyword_list(from_config, keywords)

    def _mute(self, inv: Invocation, args: list[str]) -> str:
        if not args or len(args) > 2:
            return "Usage: `/newsbot mute <story link> [duration]`, e.g. `mute https://… 6h`"
        link = args[0].strip("<>").split("|", 1)[0]  # Slack wraps links as <url> or <url|text>
        duration = MUTE_DEFAULT
        if len(args) == 2:
            parsed = parse_duration(args[1])
            if parsed is None or parsed <= timedelta(0):
                return f'`{escape(args[1])}` is not a duration; write it like "90m", "6h" or "2d".'
            duration = parsed
        from bot.poll.parse import canonical_url  # the parser's modules: not for every run

        found = self.store.story_for_link(canonical_url(link))
        if found is None:
            return "No story I alerted on has that link. Paste the link from an alert or a reply."
        story, headline = found
        until = inv.now + duration
        self.store.mute(inv.channel, story, until, inv.user)
        return (
            f"Muted *{escape(headline)}* in this channel until {local_time(until)}: "
            "no more replies or edits for it here."
        )

    def _status(self, inv: Invocation, _args: list[str]) -> str:
        states = self.store.feed_states()
        failing = [s for s in states if s.failures]
        summary = self.store.channel_summary(inv.channel)
        prefs = self._prefs(inv.channel)
        configured = self.configured.get(inv.channel)
        labels = [f"`{escape(lb)}`" for lb in (configured.labels if configured else ())] + [
            f"`{escape(lb)}` (from Slack)" for lb in prefs.labels
        ]
        mutes = [story for (channel, story) in self.store.mutes(inv.now) if channel == inv.channel]
        last = summary["last_alert"]
        lines = [
            f"*Feeds*: {self.feeds} configured, {len(failing)} failing"
            + (" (" + ", ".join(escape(s.name) for s in failing[:5]) + ")" if failing else ""),
            f"*Last alert here*: {local_time(last) if last else 'none yet'}",
            f"*Queue*: {summary['pending']} waiting to send, {summary['held']} held for a digest "
            "or quiet hours",
            "*Labels*: " + (", ".join(labels) or "none"),
            _keyword_list(configured.keywords if configured else (), prefs.keywords),
            f"*Muted stories*: {len(mutes)}",
        ]
        return "\n".join(lines)


def _keyword_list(from_config: Sequence[str], from_slack: Sequence[str]) -> str:
    if not from_config and not from_slack:
        return "*Keywords*: none (every alert for this channel's labels is posted)"
    parts = [f"`{escape(k)}`" for k in from_config] + [
        f"`{escape(k)}` (from Slack)" for k in from_slack
    ]
    return "*Keywords* (an alert must mention one): " + ", ".join(parts)
