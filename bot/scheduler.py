"""APScheduler glue only: a short "tick" that claims due feeds, and a delivery job.

There is deliberately no job per feed: each feed's next check lives in the store, and the tick
claims whatever is due. Both jobs coalesce and never overlap themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import App
from bot.errors import NewsbotError

log = logging.getLogger("newsbot")


async def run_forever(app: App, *, stop: asyncio.Event | None = None, grace: float = 20.0) -> None:
    """Run until SIGINT/SIGTERM (or `stop` is set); then finish in-flight work and return."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # not possible off the main thread or on some platforms; then `stop` is the only way
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    pipeline = app.pipeline
    pipeline.sync_feeds()
    running: set[asyncio.Task[object]] = set()

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
    scheduler.add_job(
        guarded("poll tick", pipeline.tick),
        "interval",
        seconds=tick,
        id="tick",
        next_run_time=now,
        **common,
    )
    scheduler.add_job(
        guarded("delivery", pipeline.deliver_due),
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
    scheduler.start()
    log.info(
        "newsbot running: %d feeds, %d channels, tick every %ss; stop with Ctrl-C or SIGTERM",
        len(app.config.feeds),
        len(app.config.channels),
        tick,
    )
    try:
        await stop.wait()
    finally:
        log.info("stopping: no new polls; waiting up to %.0fs for work in flight", grace)
        scheduler.shutdown(wait=False)
        if running:
            _done, pending = await asyncio.wait(set(running), timeout=grace)
            for task in pending:
                task.cancel()
        depth = app.store.outbox_counts().get("pending", 0)
        log.info("stopped; %d alerts still queued will be sent on the next start", depth)
