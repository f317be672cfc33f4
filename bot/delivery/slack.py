"""Delivery edges: Slack through slack-sdk (the only importer of slack_sdk), or the console.

Retries are explicit and belong to the outbox: the WebClient is built with no retry handlers,
so one call is one HTTP request, and every failure comes back as a DeliveryError carrying what
was observed (a `Failure`); what follows from it is `bot.delivery.policy`'s decision.

slack-sdk and the console's formatting are imported on the first message, not with this module:
a run with nothing to send (every feed unchanged) does not load them.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Protocol, TextIO

from bot.delivery.policy import classify_slack, retry_after_seconds
from bot.errors import DeliveryError, Failure, FailureKind
from bot.kinds import MessageKind
from bot.models import Message

if TYPE_CHECKING:
    from slack_sdk import WebClient
    from slack_sdk.web import SlackResponse
    from slack_sdk.webhook import WebhookClient


@dataclass(frozen=True)
class Posted:
    ts: str | None  # Slack's message id, for threads and edits
    channel_id: str | None  # the channel id Slack answered with (needed by chat.update)


METADATA_TYPE = "newsbot_message"
MAYBE_SENT, UNREACHABLE = FailureKind.MAYBE_SENT, FailureKind.UNREACHABLE


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
        from bot.delivery.format import render_console

        kind = MessageKind.POST if thread_ts is None else MessageKind.REPLY
        self.stream.write(
            render_console(channel, message, kind=kind) + ("\n" if kind == MessageKind.POST else "")
        )
        self.stream.flush()
        return Posted(ts=f"console-{id(message)}", channel_id=channel)

    def update(self, channel: str, ts: str, message: Message) -> None:
        from bot.delivery.format import render_console

        self.stream.write(render_console(channel, message, kind=MessageKind.UPDATE))
        self.stream.flush()

    def find(
        self, channel: str, key: str, since: float, *, thread_ts: str | None = None
    ) -> Posted | None:
        return None  # the console keeps no history: a crash mid-print may print twice


class SlackNotifier:
    """chat.postMessage through the real slack-sdk WebClient; one attempt per call."""

    def __init__(self, token: str, api_url: str, *, timeout: float = 30.0) -> None:
        self.token, self.api_url, self.timeout = token, api_url, timeout

    @cached_property
    def client(self) -> WebClient:
        from slack_sdk import WebClient

        return WebClient(
            token=self.token, base_url=self.api_url, timeout=int(self.timeout), retry_handlers=[]
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
                channel, Failure(MAYBE_SENT, "Slack said ok but gave no message id (ts)")
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
        from slack_sdk.errors import SlackApiError, SlackClientError

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
            raise DeliveryError(channel, Failure(UNREACHABLE, f"cannot reach Slack: {e}")) from e
        except TimeoutError as e:  # the request went out; Slack may have posted it
            raise DeliveryError(channel, Failure(MAYBE_SENT, "Slack did not answer in time")) from e
        except OSError as e:  # connection refused, reset, DNS, timeouts from urllib
            reason = getattr(e, "reason", None)
            # refused or unresolved: the request never left; anything else may have reached Slack
            never_sent = isinstance(reason or e, ConnectionRefusedError | socket.gaierror)
            kind = UNREACHABLE if never_sent else MAYBE_SENT
            raise DeliveryError(
                channel, Failure(kind, f"cannot reach Slack: {type(e).__name__}: {e}")
            ) from e
        except (AttributeError, TypeError, ValueError) as e:
            # slack-sdk fails this way on a 200 whose body is JSON but not an object ("ok", [])
            raise DeliveryError(
                channel,
                Failure(
                    MAYBE_SENT,
                    f"Slack answered with something that is not a Slack API response ({e})",
                ),
            ) from e
        if not isinstance(response.data, dict) or response.data.get("ok") is not True:
            raise DeliveryError(
                channel,
                Failure(MAYBE_SENT, "Slack answered without ok: true; treating it as a failure"),
            )
        return response


def slack_failure(
    channel: str, *, status: int, error: str, retry_after: object = None, needed: str = ""
) -> DeliveryError:
    """A failed Slack Web API answer as a DeliveryError (the policy's `classify_slack` reads it)."""
    return DeliveryError(
        channel,
        classify_slack(status=status, error=error, retry_after=retry_after, needed=needed),
    )


class WebhookNotifier:
    """An incoming webhook: posts only (no thread replies, no edits, no message id)."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        self.url, self.timeout = url, timeout

    @cached_property
    def client(self) -> WebhookClient:
        from slack_sdk.webhook import WebhookClient

        return WebhookClient(self.url, timeout=int(self.timeout), retry_handlers=[])

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
            reason = f"cannot reach the webhook: {type(e).__name__}"
            raise DeliveryError(channel, Failure(UNREACHABLE, reason)) from e
        status, body = response.status_code, (response.body or "").strip()
        if status == 200:
            return Posted(ts=None, channel_id=None)
        if status == 429:
            raw = response.headers.get("Retry-After") or response.headers.get("retry-after")
            wait = retry_after_seconds(raw)
            raise DeliveryError(
                channel, Failure(FailureKind.RATE_LIMITED, "webhook rate limited", wait)
            )
        if status in (400, 403, 404, 410):
            reason = (
                f"the webhook refused the message (HTTP {status} {body[:60]}); check the URL in "
                "the channel's webhook_url_env variable"
            )
            raise DeliveryError(channel, Failure(FailureKind.PERMANENT, reason))
        raise DeliveryError(channel, Failure(UNREACHABLE, f"webhook answered HTTP {status}"))

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
