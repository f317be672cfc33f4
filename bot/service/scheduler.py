"""APScheduler glue only: a short "tick" that claims due feeds, and a delivery job.

There is deliberately no job per feed: each feed's next check lives in the store, and the tick
claims whatever is due and starts each poll as a task of its own, without waiting for it, so a
slow feed holds only itself. Both jobs coalesce and never overlap themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.errors import ConfigError, NewsbotError
from bot.kinds import OutboxStatus
from bot.service.app import App
from bot.service.config import Config
from bot.service.slash import SocketModeRunner, make_bolt_app
from bot.service.web import HealthServer
from bot.service.websub import RENEW_EVERY, WebSub
from bot.validate import format_duration

log = logging.getLogger("newsbot")


Reloader = Callable[[], Config]


async def run_forever(
    app: App,
    *,
    stop: asyncio.Event | None = None,
    reload: Reloader | None = None,
    config_path: str | None = None,
) -> None:
    """Run until SIGINT/SIGTERM (or `stop` is set); then finish in-flight work and return.

    SIGHUP, or a change of the config file's modification time, re-reads the config through
    `reload`: a valid one takes effect at once, an invalid one is logged and ignored.
    """
    app.store.hold_sole_runner()  # a second `run` on one SQLite file stops here, with a message
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    pipeline = app.pipeline
    grace = app.config.bot.shutdown_grace.total_seconds()
    watched = {"mtime": _mtime(config_path)}

    def do_reload(reason: str) -> None:
        if reload is None:
            return
        watched["mtime"] = _mtime(config_path)
        try:
            config = reload()
        except ConfigError as e:
            log.error("config not reloaded (%s); the running config stays. %s", reason, e)
            return
        restart = pipeline.reconfigure(config)
        log.info(
            "config reloaded (%s): %d feeds, %d channels",
            reason,
            len(config.feeds),
            len(config.channels),
        )
        if restart:
            log.warning("changes to %s take effect only after a restart", ", ".join(restart))

    for sig in (signal.SIGINT, signal.SIGTERM):
        # not possible off the main thread or on some platforms; then `stop` is the only way
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    with contextlib.suppress(NotImplementedError, RuntimeError, AttributeError):
        loop.add_signal_handler(signal.SIGHUP, do_reload, "SIGHUP")

    async def watch_config() -> None:
        if config_path and _mtime(config_path) != watched["mtime"]:
            do_reload("file changed")

    pipeline.sync_feeds()
    running: set[asyncio.Task[Any]] = set()

    def guarded(name: str, work: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[None]]:
        async def job() -> None:
            if stop.is_set():
                return
            task = asyncio.current_task()
            if task is not None:
                running.add(task)
            try:
                await work()
            except NewsbotError as e:
                log.error("%s failed: %s", name, e)
            except Exception:
                log.exception("%s failed unexpectedly; it will run again at the next tick", name)
            finally:
                if task is not None:
                    running.discard(task)

        return job

    scheduler = AsyncIOScheduler(timezone="UTC", event_loop=loop)
    tick = app.config.bot.tick.total_seconds()
    now = pipeline.clock()
    common = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}

    async def start_polls() -> None:
        pipeline.start_due()  # returns at once; the polls run on as tasks of their own

    scheduler.add_job(
        guarded("poll tick", start_polls),
        "interval",
        seconds=tick,
        id="tick",
        next_run_time=now,
        **common,
    )
    scheduler.add_job(
        guarded("delivery", app.deliverer.deliver_due),
        "interval",
        seconds=1,
        id="deliver",
        next_run_time=now + timedelta(seconds=0.5),
        **common,
    )

    async def housekeeping() -> None:
        pipeline.housekeeping()

    scheduler.add_job(
        guarded("housekeeping", housekeeping),
        "interval",
        hours=1,
        id="housekeeping",
        next_run_time=now + timedelta(minutes=1),
        **common,
    )
    scheduler.add_job(
        guarded("config watch", watch_config), "interval", seconds=2, id="watch", **common
    )
    websub: WebSub | None = None
    if app.config.bot.public_url and app.config.bot.http_port:
        websub = WebSub(
            pipeline, app.store
        )  # subscribes as polls find hubs; callbacks on the health port
        scheduler.add_job(
            guarded("WebSub renewal", websub.renew_due),
            "interval",
            seconds=RENEW_EVERY.total_seconds(),
            id="websub",
            **common,
        )
    elif app.config.bot.public_url:
        log.warning(
            "bot.public_url is set but bot.http_port is 0: no WebSub callbacks, polling only"
        )
    scheduler.start()
    slash = _start_slash_command(app)
    health: HealthServer | None = None
    if app.config.bot.http_port:
        health = HealthServer(pipeline.metrics, lambda: _ready(app, scheduler), websub)
        try:
            await health.start("0.0.0.0", app.config.bot.http_port)
        except OSError as e:
            health = None
            log.error(
                "cannot serve /healthz, /readyz and /metrics on port %d (%s); the bot runs "
                "without them. Set bot.http_port or NEWSBOT_HTTP_PORT to a free port (0 turns "
                "the endpoint off).",
                app.config.bot.http_port,
                e.strerror,
            )
    log.info(
        "newsbot running: %d feeds, %d channels, tick every %s; stop with Ctrl-C or SIGTERM",
        len(app.config.feeds),
        len(app.config.channels),
        format_duration(app.config.bot.tick),
    )
    try:
        await stop.wait()
    finally:
        pipeline.stopping = app.deliverer.stopping = True
        scheduler.pause()  # no new job runs; APScheduler's shutdown would cancel running ones
        in_flight = set(running) | pipeline.polls_in_flight()
        if in_flight:
            log.info("stopping: waiting up to %.0fs for %d jobs in flight", grace, len(in_flight))
            _done, pending = await asyncio.wait(in_flight, timeout=grace)
            for task in pending:
                log.warning("a job did not finish within the grace period; it is cancelled")
                task.cancel()
        pipeline.flush_unchanged()  # 304s of the polls that ended meanwhile
        scheduler.shutdown(wait=False)
        if slash is not None:
            with contextlib.suppress(Exception):
                slash.stop()
        if health is not None:
            await health.stop()
        if websub is not None:
            await websub.aclose()
        depth = app.store.outbox_counts().get(OutboxStatus.PENDING, 0)
        log.info("stopped; %d messages still queued will be sent on the next start", depth)


def _mtime(path: str | None) -> float | None:
    if not path:
        return None
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


def _ready(app: App, scheduler: AsyncIOScheduler) -> tuple[bool, str]:
    """Ready: the database answers, the scheduler runs, and the last tick is recent."""
    if not scheduler.running:
        return False, "scheduler not running"
    try:
        app.store.ping()
    except NewsbotError as e:
        return False, f"database unreachable: {e}"
    last = app.pipeline.last_tick
    limit = app.config.bot.tick * 3 + timedelta(seconds=30)
    if last is None or app.pipeline.clock() - last > limit:
        return False, "no recent scheduler tick"
    return True, "ready"


def _start_slash_command(app: App) -> SocketModeRunner | None:
    """The /newsbot command, when SLACK_APP_TOKEN (and a bot token) are set."""
    slack = app.config.slack
    if not slack.app_token:
        return None
    if not slack.token:
        log.warning("SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not: /newsbot stays off")
        return None
    try:
        runner = SocketModeRunner(
            make_bolt_app(app.config, app.store, app.pipeline.clock),
            slack.app_token,
            slack.api_url,
        )
        runner.start()
    except Exception as e:  # Slack unreachable or the token refused: alerts go on without it
        log.error(
            "cannot connect the /newsbot slash command over Socket Mode (%s); alerts go on "
            "without it. Check SLACK_APP_TOKEN (an xapp- token with connections:write) and "
            "that Socket Mode is enabled for the app.",
            e,
        )
        return None
    return runner
