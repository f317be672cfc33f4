"""CPU-bound work that runs in the parsing processes: parse a feed's bytes, classify its items.

Pure functions of their inputs. The rule packs reach each worker once, through the pool's
initializer, not with every call.
"""

from __future__ import annotations

import ctypes
import importlib
import multiprocessing
import os
import signal
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING

from bot.domain.classify import RulePack
from bot.domain.dedupe import item_keys
from bot.models import NO_LABELS, Classification

if TYPE_CHECKING:
    from bot.domain.stories import Fingerprint
    from bot.poll.parse import ParsedFeed

_PACKS: tuple[RulePack, ...] = ()


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def init_worker(packs: Sequence[RulePack]) -> None:
    """Runs once in each worker: keep the packs, and tie the worker's life to the bot's.

    Ctrl-C reaches the whole process group; the bot handles it and shuts the pool down, so a
    worker ignores SIGINT instead of dying with a KeyboardInterrupt traceback. On Linux a worker
    is also told to end when its parent ends, so even a SIGKILLed bot leaves no worker behind
    (the forkserver that forked it exits when the bot's end of its pipe closes)."""
    global _PACKS
    _PACKS = tuple(packs)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()


def make_parse_executor(processes: int, packs: Sequence[RulePack]) -> ProcessPoolExecutor | None:
    """Parsing is CPU-bound: with several cores, changed feeds are parsed in worker processes
    (fed the fetched bytes), so parsing is not serialised behind the event loop's GIL."""
    processes = worker_count(processes)
    if not processes:
        return None
    # spawn, not forkserver: a forkserver's workers and the forkserver keep each other alive
    # when the bot is SIGKILLed (each holds the other's "alive" pipe), while a spawned worker's
    # parent is the bot itself, so the worker's parent-death signal (init_worker) ends it
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(
        max_workers=processes, mp_context=context, initializer=init_worker, initargs=(tuple(packs),)
    )


def worker_count(processes: int) -> int:
    """The `parse_processes` setting as a number of workers: -1 is one per core when there are
    several; 0 (or -1 on one core) is none, parsing in a thread."""
    if processes == -1:
        cores = os.cpu_count() or 1
        return cores if cores >= 2 else 0
    return max(processes, 0)


def start_parse_workers(processes: int, packs: Sequence[RulePack]) -> ProcessPoolExecutor | None:
    """`make_parse_executor`, its workers started now and loading the parser and the classifier
    (`warm_up`), instead of at the first feed handed to them. `run --once` calls it when the
    first changed feed's body comes in, while the store and the pipeline are still loading, so
    the workers' start-up (each a new interpreter: about half a second of CPU) runs on the other
    cores meanwhile, not after."""
    executor = make_parse_executor(processes, packs)
    if executor is not None:
        # a pool with spawned workers starts one per call it cannot give to an idle worker
        for _ in range(worker_count(processes)):
            executor.submit(warm_up)
    return executor


def warm_up() -> None:
    """In a worker: load the parser and build the packs' matchers (compiled on first use) with
    one short classification, so the first feed's parse pays for neither."""
    from bot.domain.classify import classify

    importlib.import_module("bot.poll.parse")
    classify(_PACKS, "North Korea fires missile", "Talks with Seoul.", explain=False)


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent exits (Linux; elsewhere nothing)."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent ended before the request took effect
        os._exit(0)


def parse_and_classify(
    body: bytes,
    *,
    url: str,
    feed_name: str,
    now: datetime,
    content_type: str | None,
    packs: Sequence[RulePack] | None = None,
    classify_items: bool = True,
) -> tuple[
    ParsedFeed,
    list[tuple[str, ...]],
    list[Classification] | None,
    list[Fingerprint | None] | None,
]:
    """Parse, and work out every item's dedupe keys; classify every item too when most are
    likely new (a feed's first poll), so the bulk of that work runs here, in parallel. Otherwise
    the caller classifies the few new ones.

    With the classifications come the story fingerprints of the labelled items (None for the
    others), as the planner would make them for this poll (`bot.plan.planner`, batch
    `url@now`): a pure function of the item, so the main process need not."""
    from bot.poll.parse import parse_feed  # imported by the first parse, not by the pool's start

    parsed = parse_feed(body, url=url, feed_name=feed_name, now=now, content_type=content_type)
    keys = [item_keys(item) for item in parsed.items]
    if not classify_items:
        return parsed, keys, None, None
    from bot.domain.classify import classify  # the engine: a bot that gets only 304s needs none
    from bot.domain.stories import polled_fingerprint

    use = _PACKS if packs is None else packs
    # only labelled items are kept, so the unlabelled ones need no explanation, and they are
    # sent back as the one NO_LABELS (their scores are not kept: most of a feed's items pickle
    # as a reference to it)
    classified = [
        c if c.labels else NO_LABELS
        for c in (classify(use, item.title, item.summary, explain=False) for item in parsed.items)
    ]
    fingerprints = [
        polled_fingerprint(k[0], item, c.labels, now) if c.labels else None
        for item, k, c in zip(parsed.items, keys, classified, strict=True)
    ]
    return parsed, keys, classified, fingerprints
