"""Delivery edges: Slack through slack-sdk (the only importer of slack_sdk), or the console.

Retries are explicit and belong to the outbox: the WebClient is built with no retry handlers,
so one call is one HTTP request, and every failure comes back as a DeliveryError that says
whether to retry (and after how long) or to park the alert.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TextIO

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse
from slack_sdk.webhook import WebhookClient

from bot.delivery.format import render_console
from bot.errors import DeliveryError
from bot.models import Message

# Slack errors that retrying will not fix; the alert is parked and the log says what to do.
PERMANENT = {
    "channel_not_found": "the channel does not exist or the bot cannot see it; check the channel id",
    "not_in_channel": "invite the bot to the channel (/invite @newsbot)",
    "is_archived": "the channel is archived; unarchive it or change the config",
    "msg_too_long": "the message is too long for Slack",
    "invalid_blocks": "Slack rejected the message layout",
    "no_text": "the message had no text",
    "restricted_action": "the workspace does not let the bot post there",
    "message_not_found": "the message to edit no longer exists",
    "cant_update_message": "the bot cannot edit that message",
    "edit_window_closed": "the workspace no longer allows editing that message",
}


@dataclass(frozen=True)
class Posted:
    ts: str | None  # Slack's message id, for threads and edits
    channel_id: str | None  # the channel id Slack answered with (needed by chat.update)


# Errors of the token itself: every alert would fail the same way, so none is parked. All are
# held and retried every few minutes, with a loud log, until the token is fixed.
AUTH = {
    "invalid_auth": "SLACK_BOT_TOKEN is not valid; create a new bot token",
    "not_authed": "no token was sent; set SLACK_BOT_TOKEN",
    "account_inactive": "the token's app or user was deactivated; reinstall the app",
    "token_revoked": "the token was revoked; reinstall the app and set the new SLACK_BOT_TOKEN",
    "token_expired": "the token expired; set a fresh SLACK_BOT_TOKEN",
}
AUTH_RETRY = 300.0
# Slack's own errors for trouble on its side; the call may have taken effect
SLACK_TROUBLE = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
MAX_SLACK_RETRY_AFTER = 600.0  # the longest Retry-After from Slack or a webhook that is honoured
METADATA_TYPE = "newsbot_message"


class Notifier(Protocol):
    """Delivers messages: new posts (optionally in a thread) and edits of earlier posts."""

    def post(
        self,
        channel: str,
        message: Message,
        *,
        thread_ts: str | None = None,
        key: str | None = None,
    ) -> Posted: ...

    def update(self, channel: str, ts: str, message: Message) -> None: ...

    def find(
        self, channel: str, key: str, since: float, *, thread_ts: str | None = None
    ) -> Posted | None:
        """The message posted earlier with this outbox key, if it reached Slack."""
        ...


class ConsoleNotifier:
    """Console mode: prints each alert as a readable block, replies and edits as one line."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def post(
        self,
        channel: str,
        message: Message,
        *,
        thread_ts: str | None = None,
        key: str | None = None,
    ) -> Posted:
        kind = "post" if thread_ts is None else "reply"
        self.stream.write(
            render_console(channel, message, kind=kind) + ("\n" if kind == "post" else "")
        )
        self.stream.flush()
        return Posted(ts=f"console-{id(message)}", channel_id=channel)

    def update(self, channel: str, ts: str, message: Message) -> None:
        self.stream.write(render_console(channel, message, kind="update"))
        self.stream.flush()

    def find(
        self, channel: str, key: str, since: float, *, thread_ts: str | None = None
    ) -> Posted | None:
        return None  # the console keeps no history: a crash mid-print may print twice


class SlackNotifier:
    """chat.postMessage through the real slack-sdk WebClient; one attempt per call."""

    def __init__(self, token: str, api_url: str, *, timeout: float = 30.0) -> None:
        self.client = WebClient(
            token=token, base_url=api_url, timeout=int(timeout), retry_handlers=[]
        )

    def post(
        self,
        channel: str,
        message: Message,
        *,
        thread_ts: str | None = None,
        key: str | None = None,
    ) -> Posted:
        metadata = {"event_type": METADATA_TYPE, "event_payload": {"key": key}} if key else None
        response = self._call(
            channel,
            lambda: self.client.chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=[dict(b) for b in message.blocks],
                unfurl_links=False,
                unfurl_media=False,
                thread_ts=thread_ts,
                metadata=metadata,
            ),
        )
        ts = response.get("ts")
        if not ts:
            # the post may be in the channel, but without its id no reply or edit can follow it
            raise DeliveryError(
                channel, "Slack said ok but gave no message id (ts)", maybe_sent=True
            )
        answered = response.get("channel")
        return Posted(ts=str(ts), channel_id=str(answered) if answered else None)

    def update(self, channel: str, ts: str, message: Message) -> None:
        self._call(
            channel,
            lambda: self.client.chat_update(
                channel=channel, ts=ts, text=message.text, blocks=[dict(b) for b in message.blocks]
            ),
        )

    def find(
        self, channel: str, key: str, since: float, *, thread_ts: str | None = None
    ) -> Posted | None:
        """Look for our message (by the outbox key in its metadata) posted since `since`.

        Needs the channels:history scope (groups:history for private channels); without it
        this raises a permanent DeliveryError and the caller falls back to posting again.
        """
        oldest = f"{max(0.0, since - 60):.6f}"
        if thread_ts:
            call = lambda: self.client.conversations_replies(  # noqa: E731
                channel=channel, ts=thread_ts, oldest=oldest, include_all_metadata=True, limit=200
            )
        else:
            call = lambda: self.client.conversations_history(  # noqa: E731
                channel=channel, oldest=oldest, include_all_metadata=True, limit=200
            )
        response = self._call(
            channel, call, needs="channels:history (groups:history for private channels)"
        )
        for msg in response.get("messages") or []:
            meta = msg.get("metadata") or {}
            if (
                meta.get("event_type") == METADATA_TYPE
                and (meta.get("event_payload") or {}).get("key") == key
            ):
                return Posted(
                    ts=str(msg.get("ts")), channel_id=str(response.get("channel") or channel)
                )
        return None

    def _call(
        self, channel: str, call: Callable[[], SlackResponse], *, needs: str = "chat:write"
    ) -> SlackResponse:
        """One Web API call; every failure becomes a DeliveryError (`needs`: the scope it needs)."""
        try:
            response = call()
        except SlackApiError as e:
            data = e.response.data if isinstance(e.response.data, dict) else {}
            raise slack_failure(
                channel,
                status=e.response.status_code,
                error=str(data.get("error") or ""),
                retry_after=e.response.headers.get("Retry-After")
                or e.response.headers.get("retry-after"),
                needed=str(data.get("needed") or needs),
            ) from e
        except SlackClientError as e:
            raise DeliveryError(channel, f"cannot reach Slack: {e}") from e
        except TimeoutError as e:  # the request went out; Slack may have posted it
            raise DeliveryError(channel, "Slack did not answer in time", maybe_sent=True) from e
        except OSError as e:  # connection refused, reset, DNS, timeouts from urllib
            reason = getattr(e, "reason", None)
            # refused or unresolved: the request never left; anything else may have reached Slack
            never_sent = isinstance(reason or e, ConnectionRefusedError | socket.gaierror)
            raise DeliveryError(
                channel,
                f"cannot reach Slack: {type(e).__name__}: {e}",
                maybe_sent=not never_sent,
            ) from e
        except (AttributeError, TypeError, ValueError) as e:
            # slack-sdk fails this way on a 200 whose body is JSON but not an object ("ok", [])
            raise DeliveryError(
                channel,
                f"Slack answered with something that is not a Slack API response ({e})",
                maybe_sent=True,
            ) from e
        if not isinstance(response.data, dict) or response.data.get("ok") is not True:
            raise DeliveryError(
                channel,
                "Slack answered without ok: true; treating it as a failure",
                maybe_sent=True,
            )
        return response


def _retry_after(raw: object, default: float) -> float:
    """Seconds from a Retry-After header, at most MAX_SLACK_RETRY_AFTER (a server may not park a
    channel for longer: after that the message is tried again, and may be told to wait again)."""
    text = str(raw).strip() if raw is not None else ""
    if not text.isdigit():
        return default
    return min(float(text[:10]), MAX_SLACK_RETRY_AFTER)  # ten digits already exceed the cap


def slack_failure(
    channel: str, *, status: int, error: str, retry_after: object = None, needed: str = ""
) -> DeliveryError:
    """What a failed Slack Web API answer means for the outbox: the one place that decides."""
    if status == 429 or error == "ratelimited":
        wait = _retry_after(retry_after, 30.0)
        return DeliveryError(
            channel,
            f"rate limited by Slack; retrying after {wait:.0f}s",
            retry_after=wait,
            rate_limited=True,
        )
    if error in AUTH:
        return DeliveryError(
            channel,
            f"Slack said {error}: {AUTH[error]}. Every alert is held until this is fixed.",
            retry_after=AUTH_RETRY,
            token_error=True,
        )
    if error == "missing_scope":
        scope = f"the {needed} scope" if needed else "a scope this call needs"
        return DeliveryError(
            channel,
            f"Slack said missing_scope: the app lacks {scope}; add it and reinstall the app",
            permanent=True,
        )
    if error in PERMANENT:
        return DeliveryError(channel, f"Slack said {error}: {PERMANENT[error]}", permanent=True)
    if error.startswith("Received a response in a non-JSON format"):
        error = ""  # slack-sdk's words for a body that is not JSON (an HTML error page)
    if status >= 500 or error in SLACK_TROUBLE:
        # Slack may have done the work before failing: look before posting again
        detail = error or f"HTTP {status}"
        return DeliveryError(channel, f"Slack is having trouble ({detail})", maybe_sent=True)
    # an error newsbot does not know, about this message: it waits, the channel's others do not
    detail = error or f"HTTP {status}"
    return DeliveryError(channel, f"Slack refused the message: {detail}", hold_channel=False)


class WebhookNotifier:
    """An incoming webhook: posts only (no thread replies, no edits, no message id)."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        self.client = WebhookClient(url, timeout=int(timeout), retry_handlers=[])

    def post(
        self,
        channel: str,
        message: Message,
        *,
        thread_ts: str | None = None,
        key: str | None = None,
    ) -> Posted:
        try:
            response = self.client.send(
                text=message.text,
                blocks=[dict(b) for b in message.blocks],
                unfurl_links=False,
                unfurl_media=False,
            )
        except OSError as e:
            raise DeliveryError(channel, f"cannot reach the webhook: {type(e).__name__}") from e
        status, body = response.status_code, (response.body or "").strip()
        if status == 200:
            return Posted(ts=None, channel_id=None)
        if status == 429:
            raw = response.headers.get("Retry-After") or response.headers.get("retry-after")
            retry_after = _retry_after(raw, 30.0)
            raise DeliveryError(
                channel, "webhook rate limited", retry_after=retry_after, rate_limited=True
            )
        if status in (400, 403, 404, 410):
            raise DeliveryError(
                channel,
                f"the webhook refused the message (HTTP {status} {body[:60]}); check the URL in "
                "the channel's webhook_url_env variable",
                permanent=True,
            )
        raise DeliveryError(channel, f"webhook answered HTTP {status}")

    def update(self, channel: str, ts: str, message: Message) -> None:
        """Webhook messages cannot be edited; the pipeline never asks."""

    def find(
        self, channel: str, key: str, since: float, *, thread_ts: str | None = None
    ) -> Posted | None:
        return None  # a webhook cannot read its channel


class ChannelNotifier:
    """Routes each channel to its webhook, or else to the bot-token (or console) notifier."""

    def __init__(self, default: Notifier, webhooks: dict[str, WebhookNotifier]) -> None:
        self.default = default
        self.webhooks = webhooks

    def _for(self, channel: str) -> Notifier:
        return self.webhooks.get(channel, self.default)

    def post(
        self,
        channel: str,
        message: Message,
        *,
        thread_ts: str | None = None,
        key: str | None = None,
    ) -> Posted:
        return self._for(channel).post(channel, message, thread_ts=thread_ts, key=key)

    def update(self, channel: str, ts: str, message: Message) -> None:
        self._for(channel).update(channel, ts, message)

    def find(
        self, channel: str, key: str, since: float, *, thread_ts: str | None = None
    ) -> Posted | None:
        return self._for(channel).find(channel, key, since, thread_ts=thread_ts)
