"""The /newsbot slash command over Socket Mode, with slack-bolt.

Socket Mode needs no public URL: the bot opens a WebSocket to Slack with the app-level token
(SLACK_APP_TOKEN, scope connections:write) and receives the command there. Bolt acknowledges each
command with its reply, computed from the database in milliseconds, well inside Slack's 3 s.
The reply is shown only to the person who typed the command, and every command acts on the
channel it was typed in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.service.commands import Commands, Invocation
from bot.service.config import Config
from bot.store import Store

log = logging.getLogger("newsbot")


def make_bolt_app(config: Config, store: Store, clock: Callable[[], datetime]) -> App:
    """A Bolt app answering /newsbot; requests reach it from Socket Mode (or a test)."""
    client = WebClient(
        token=config.slack.token,
        base_url=config.slack.api_url,
        timeout=int(config.slack.timeout.total_seconds()),
    )
    bolt = App(
        client=client,
        token_verification_enabled=False,  # the bot token is checked by the delivery side
        request_verification_enabled=False,  # Socket Mode: Slack's WebSocket is authenticated
        logger=logging.getLogger("newsbot.slash"),
    )

    @bolt.command("/newsbot")
    def newsbot(ack: Ack, command: dict[str, Any]) -> None:
        commands = Commands(store, config.channels, config.labels, len(config.feeds))
        invocation = Invocation(
            channel=str(command.get("channel_id", "")),
            user=str(command.get("user_id", "")),
            text=str(command.get("text", "")),
            now=clock(),
        )
        try:
            reply = commands.run(invocation)
        except Exception as e:  # a database outage: say so, do not leave Slack waiting
            log.error("/newsbot %r in %s failed: %s", invocation.text, invocation.channel, e)
            reply = f"Sorry, that did not work: {e}. Nothing was changed."
        log.info("/newsbot %r by %s in %s", invocation.text, invocation.user, invocation.channel)
        ack(text=reply, response_type="ephemeral")

    return bolt


class SocketModeRunner:
    """Connects the Bolt app to Slack over Socket Mode (in slack-sdk's own threads)."""

    def __init__(self, bolt: App, app_token: str, api_url: str) -> None:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        self.handler = SocketModeHandler(
            bolt, app_token, web_client=WebClient(token=app_token, base_url=api_url)
        )

    def start(self) -> None:
        self.handler.connect()  # type: ignore[no-untyped-call]
        log.info("/newsbot slash command connected over Socket Mode")

    def stop(self) -> None:
        self.handler.close()  # type: ignore[no-untyped-call]
