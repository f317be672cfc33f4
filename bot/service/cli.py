"""Command line: argument parsing only; the work happens in app, pipeline and scheduler."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import unicodedata
from collections.abc import Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

# Only what every command needs is imported here: `newsbot --version` and `check-config` must
# start fast. The pipeline, the store (SQLAlchemy), Slack and the feed server are imported by the
# commands that use them.
from bot import __version__
from bot.errors import ConfigError, NewsbotError
from bot.kinds import OutboxStatus
from bot.service import logs
from bot.service.config import Config, load_config, parse_config
from bot.validate import format_duration, safe_url

if TYPE_CHECKING:
    import asyncio
    from concurrent.futures import ProcessPoolExecutor

    from bot.delivery.outbox import Deliverer, DeliveryStats
    from bot.models import Classification

log = logging.getLogger("newsbot")
T = TypeVar("T")
EXIT_CONFIG = 2
EXIT_USAGE = 2  # as argparse


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbot",
        description="Watch news feeds; alert Slack about North Korean missile tests and diplomacy.",
    )
    parser.add_argument("--version", action="version", version=f"newsbot {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="poll feeds and deliver alerts until stopped")
    run.add_argument(
        "--config", help="config file (default: $NEWSBOT_CONFIG or config/newsbot.toml)"
    )
    run.add_argument("--once", action="store_true", help="poll every feed once, deliver, and exit")

    check = sub.add_parser("check-config", help="validate the config and print a summary")
    check.add_argument("--config")

    status = sub.add_parser("status", help="feeds' health and the outbox, read from the database")
    status.add_argument("--config")
    status.add_argument("--json", action="store_true", help="machine-readable output")

    sub.add_parser("demo", help="run the real pipeline over bundled sample feeds on a local server")

    cls = sub.add_parser(
        "classify", help="classify JSON lines {id,title,summary} from a file or stdin"
    )
    cls.add_argument("--input", help="JSON lines file (default: stdin)")
    cls.add_argument("--config")
    ev = sub.add_parser(
        "eval", help="precision, recall and F1 of the rule packs on a labelled JSON-lines set"
    )
    ev.add_argument(
        "--dataset",
        required=True,
        action="append",
        help='lines {"id","title","summary","labels":[...]}; give several to score each',
    )
    ev.add_argument("--config")
    ev.add_argument(
        "--baseline", action="store_true", help="score the naive keyword baseline instead"
    )
    ev.add_argument(
        "--against",
        metavar="CONFIG",
        help="show this config's rules beside (instead of the naive keyword baseline)",
    )
    ev.add_argument(
        "--mistakes", action="store_true", help="list the misclassified items of every set"
    )
    ev.add_argument(
        "--figures-only",
        action="store_true",
        help="never list an item (for a blind measurement set: its items stay unseen)",
    )
    es = sub.add_parser(
        "eval-stories", help="B-cubed and pairwise precision and recall of story clustering"
    )
    es.add_argument(
        "--dataset",
        required=True,
        help='lines {"id","event","source","published","title","summary","labels"}',
    )
    es.add_argument(
        "--replay",
        action="store_true",
        help="run the reports through the whole pipeline (local feed server, throwaway "
        "database), revealed a slot at a time, instead of through the story index alone",
    )
    es.add_argument(
        "--slot-hours",
        type=float,
        default=24.0,
        help="with --replay: hours of reports each poll reveals (default 24: day by day)",
    )
    es.add_argument(
        "--figures-only",
        action="store_true",
        help="print the figures, not the wrongly merged or split reports",
    )
    _operator_parsers(sub)
    for command in sub.choices.values():  # `newsbot status -v` as well as `newsbot -v status`
        command.add_argument(
            "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="debug logging"
        )
    return parser


def _operator_parsers(sub: Any) -> None:
    """explain, replay and outbox: the operator's tools (bot/service/ops.py)."""
    ex = sub.add_parser(
        "explain",
        help="why each JSON line {id,title,summary} would (not) alert, channel by channel",
    )
    ex.add_argument("--config")
    ex.add_argument("--input", help="JSON lines file (default: stdin)")
    rp = sub.add_parser(
        "replay",
        help="what the given config would have sent for the entries of a past window",
    )
    rp.add_argument("--since", required=True, help='how far back, e.g. "24h" or "7d"')
    rp.add_argument("--config")
    rp.add_argument("--json", action="store_true", help="machine-readable output")
    ob = sub.add_parser("outbox", help="list, retry or drop queued and parked messages")
    ob_sub = ob.add_subparsers(dest="outbox_command", required=True)
    ls = ob_sub.add_parser("list", help="parked, pending and held messages")
    ls.add_argument("--status", choices=["parked", "pending", "held"])
    ls.add_argument("--json", action="store_true", help="machine-readable output")
    ls.add_argument("--config")
    rt = ob_sub.add_parser("retry", help="send parked messages again")
    rt.add_argument("--all", action="store_true", help="every parked message")
    rt.add_argument("keys", nargs="*", metavar="KEY", help="keys from `outbox list`")
    rt.add_argument("--config")
    dr = ob_sub.add_parser("drop", help="give up on messages for good")
    dr.add_argument("keys", nargs="+", metavar="KEY", help="keys from `outbox list`")
    dr.add_argument("--config")
    for command in ob_sub.choices.values():
        command.add_argument(
            "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="debug logging"
        )


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    args = _parser().parse_args(argv)
    env = os.environ if env is None else env
    logs.setup(verbose=args.verbose, fmt=env.get("NEWSBOT_LOG_FORMAT") or None)
    try:
        code = _dispatch(args, env)
        sys.stdout.flush()  # a reader gone away shows here, not as a traceback at exit
        return code
    except BrokenPipeError:
        # the reader went away (`newsbot ... | head`): stop quietly, as other tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def _dispatch(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    try:
        if args.command == "check-config":
            return _check_config(load_config(args.config, env))
        if args.command == "run":
            import asyncio

            config = load_config(args.config, env)
            if args.once:
                return asyncio.run(_run_once(config))
            return asyncio.run(_run(config, lambda: load_config(args.config, env)))
        if args.command == "status":
            return _status(load_config(args.config, env), as_json=args.json)
        if args.command == "demo":
            return _demo(env)
        if args.command == "classify":
            return _classify(load_config(args.config, env), args.input, sys.stdout, sys.stderr)
        if args.command == "eval-stories":
            return _eval_stories(
                args.dataset,
                replay=args.replay,
                slot_hours=args.slot_hours,
                figures_only=args.figures_only,
            )
        if args.command == "eval":
            against = load_config(args.against, env) if args.against else None
            return _eval(
                load_config(args.config, env),
                args.dataset,
                baseline=args.baseline,
                against=against,
                mistakes=args.mistakes and not args.figures_only,
                figures_only=args.figures_only,
            )
        if args.command in ("explain", "replay", "outbox"):
            return _operator(args, load_config(args.config, env))
    except ConfigError as e:
        print(f"newsbot: {logs.redact(str(e))}", file=sys.stderr)
        return EXIT_CONFIG
    except NewsbotError as e:
        print(f"newsbot: {logs.redact(str(e))}", file=sys.stderr)
        return 1
    return 0


def _check_config(config: Config) -> int:
    print(f"{config.path}: OK")
    print(f"  database: {logs.redact(safe_url(config.bot.database))}")
    print(
        f"  slack: {'bot token set' if config.slack.token else 'no SLACK_BOT_TOKEN: console mode'}"
        + ("; /newsbot over Socket Mode" if config.slack.app_token else "")
    )
    print(
        f"  rule packs: {', '.join(p.name for p in config.packs)} (labels: {', '.join(config.labels)})"
    )
    print(f"  feeds: {len(config.feeds)}")
    for f in config.feeds:
        print(
            f"    - {f.name}: {logs.redact(f.url)} every {format_duration(config.interval_for(f))}"
        )
    print(f"  channels: {len(config.channels)}")
    for c in config.channels:
        narrowing = f"; keywords {list(c.keywords)}" if c.keywords else ""
        narrowing += f"; exclude {list(c.exclude)}" if c.exclude else ""
        noise = [f"min {c.min_severity}"]
        noise += [f"mention {c.mention} on critical"] if c.mention != "none" else []
        noise += [f"digest {c.digest.kind}"] if c.digest.on else []
        noise += (
            [f"quiet {c.quiet_hours.start:%H:%M}-{c.quiet_hours.end:%H:%M}"]
            if c.quiet_hours
            else []
        )
        noise += [f"storm >{c.storm_threshold}/{format_duration(c.storm_window)}", c.timezone]
        print(f"    - {c.channel}: {', '.join(c.labels)}{narrowing} ({', '.join(noise)})")
    return 0


async def _run(config: Config, reload: Callable[[], Config]) -> int:
    from bot.service.app import build_app
    from bot.service.scheduler import run_forever

    app = build_app(config)
    try:
        await run_forever(app, reload=reload, config_path=config.path)
    finally:
        await app.aclose()
    return 0


def _cell(text: str, width: int) -> str:
    """`text` cut and padded to `width` terminal columns, a wide (Korean, Japanese, Chinese)
    character taking two, so a feed named in hangul or kana keeps the status table aligned."""
    out, used = [], 0
    for ch in text:
        w = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used + w > width:
            break
        out.append(ch)
        used += w
    return "".join(out) + " " * (width - used)


def _status(config: Config, *, as_json: bool) -> int:
    from bot.store import Store

    store = Store.open(config.bot.database)
    try:
        states = store.feed_states([f.url for f in config.feeds])
        counts = store.outbox_counts()
        stories, absorbed = store.story_counts()
    finally:
        store.close()

    def when(value: object) -> str | None:
        return value.isoformat(timespec="seconds") if hasattr(value, "isoformat") else None

    feeds: list[dict[str, Any]] = [
        {
            "name": s.name,
            "last_success": when(s.last_success_at),
            "last_error": s.last_error,
            "last_error_at": when(s.last_error_at),
            "next_check": when(s.next_check_at),
            "items_seen": s.items_seen,
            "consecutive_failures": s.failures,
        }
        for s in states
    ]
    outbox = {
        "pending": counts.get(OutboxStatus.PENDING, 0),
        "failed": counts.get(OutboxStatus.FAILED, 0),
        "sent": counts.get(OutboxStatus.SENT, 0),
    }
    story_info = {"stories": stories, "reports_absorbed": absorbed}
    if as_json:
        print(json.dumps({"feeds": feeds, "outbox": outbox, "stories": story_info}, indent=2))
        return 0
    header = f"{'feed':<32} {'last success':<20} {'next check':<20} {'items':>6} {'fails':>5}  last error"
    print(header)
    for f in feeds:
        print(
            f"{_cell(f['name'], 32)} {(f['last_success'] or '-')[:19]:<20} {(f['next_check'] or '-')[:19]:<20} "
            f"{f['items_seen']:>6} {f['consecutive_failures']:>5}  {(f['last_error'] or '')[:60]}"
        )
    missing = len(config.feeds) - len(feeds)
    if missing:
        print(f"({missing} configured feeds not polled yet)")
    print(
        f"outbox: {outbox['pending']} pending, {outbox['failed']} failed (parked), {outbox['sent']} sent"
    )
    if outbox["failed"]:
        print("  `newsbot outbox list --status parked` shows why and what to do; `retry` resends")
    print(
        f"stories: {stories} in the database, {absorbed} later reports absorbed into them "
        "(thread replies, or silent where a channel has threads = false)"
    )
    return 0


EXIT_UNDELIVERED = 3
EARLY_TURNS = 20  # run --once: alerts are still queued because Slack failed or was too slow


async def _run_once(config: Config, stdout: TextIO | None = None) -> int:
    """One poll of every feed, then the outbox drained. SIGINT or SIGTERM ends it early, as
    `newsbot run` ends: the polls are cancelled and their records written, the message being
    sent to Slack is finished (no other started), and it exits 128 + the signal's number; a
    second signal stops waiting for that send."""
    import asyncio
    import signal

    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    signals: list[signal.Signals] = []

    def interrupt(sig: signal.Signals) -> None:
        signals.append(sig)
        if task is not None:
            task.cancel()

    handled = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        # not possible off the main thread or on some platforms; then Python's own handling
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, interrupt, sig)
            handled.append(sig)
    try:
        return await _poll_and_drain(config, stdout)
    except asyncio.CancelledError:
        if not signals:
            raise
        log.warning(
            "run --once stopped by %s: feeds not polled yet and alerts still queued wait for "
            "the next run",
            signals[0].name,
        )
        return 128 + signals[0].value
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)


async def _poll_and_drain(config: Config, stdout: TextIO | None) -> int:
    import asyncio
    import importlib
    import time

    from bot.service import early

    started = time.monotonic()
    # the parsing workers, started at the first changed feed's body (none when all answer 304)
    workers: list[ProcessPoolExecutor | None] = []

    def start_workers() -> None:
        from bot.poll.work import start_parse_workers

        workers.append(start_parse_workers(config.bot.parse_processes, config.packs))

    # the first requests go out now; the store, pipeline and Slack load (in a thread, so the
    # loop sends them, and the next feeds' as answers come back, meanwhile)
    first = early.start(config, on_body=start_workers)
    switch = sys.getswitchinterval()
    try:
        for _ in range(EARLY_TURNS):  # a few turns of the loop alone get the requests moving
            await asyncio.sleep(0)
        # the importing thread hands the loop the GIL within 1 ms instead of 5 ms: the loop
        # goes on sending requests as answers come (early.py); at 0.1 ms the handovers cost
        # more CPU than they gain (warm run --once, 300 feeds: about 7% more CPU, 10% more wall)
        sys.setswitchinterval(1e-3)
        try:
            await asyncio.to_thread(importlib.import_module, "bot.service.app")
        finally:
            sys.setswitchinterval(switch)
        from bot.service.app import build_app

        first.release_lock()
        executor = workers[0] if workers else None
        app = build_app(config, stdout=stdout, http=first.http, parse_executor=executor)
    except BaseException:
        await first.cancel()
        await first.http.aclose()
        for pool in workers:
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
        raise
    try:
        app.store.hold_sole_runner()
        first.handover([f.url for f in config.feeds])  # the early requests went on till now
        app.pipeline.early = first.fetches
        polls = asyncio.ensure_future(app.pipeline.poll_all())
        # alerts go out as they are queued, as `newsbot run` sends them, not after the last poll
        meanwhile = await _deliver_while(app.deliverer, polls)
        outcomes = polls.result()
        if (slow := first.slowest()) is not None:
            app.store.record_slow_feeds(slow)  # the next run starts these first
        stats = await _finishing_send(app.deliverer, app.deliverer.drain(config.bot.drain_timeout))
        stats.add(meanwhile)
        pending = app.store.outbox_counts().get(OutboxStatus.PENDING, 0)
        waiting = app.store.pending_by_channel() if pending else []
    finally:
        await first.cancel()  # any early request no poll took
        await app.aclose()
    failed = [o for o in outcomes if o.status == "error"]
    log.info(
        "run --once: %d feeds polled (%d changed, %d unchanged, %d failed), %d entries, %d new, "
        "%d alerts queued, %d sent, %d still queued, %.2fs",
        len(outcomes),
        sum(o.status == "new" for o in outcomes),
        sum(o.status == "unchanged" for o in outcomes),
        len(failed),
        sum(o.items for o in outcomes),
        sum(o.new_items for o in outcomes),
        sum(o.alerts for o in outcomes),
        stats.sent,
        pending,
        time.monotonic() - started,
    )
    if outcomes and len(failed) == len(outcomes):
        log.error("no feed could be fetched; check the network and the feed URLs")
        return 1
    if pending:
        # drain_timeout passed, or the next retry falls after it: say what waits, and why
        why = "; ".join(
            f"{n} for {channel}: {' / '.join(errors) or 'not tried before drain_timeout ended'}"
            for channel, n, errors in waiting
        )
        log.error(
            "%d messages could not be delivered within drain_timeout (%ss); they stay queued "
            "for the next run. Still queued: %s",
            pending,
            f"{config.bot.drain_timeout.total_seconds():g}",
            why,
        )
        return EXIT_UNDELIVERED
    return 0


DELIVER_EVERY = 0.2  # run --once: seconds between looks at the outbox while feeds are polled


async def _deliver_while(deliverer: Deliverer, polls: asyncio.Future[Any]) -> DeliveryStats:
    """Send what the outbox holds while `polls` runs, looking again every DELIVER_EVERY; when
    it ends, finish the message in flight and start no other (the drain takes over, within its
    drain_timeout). A delivery fault here is logged once and ends sending until the polls are
    done: the polls go on, and the drain meets the outbox as it is."""
    import asyncio

    from bot.delivery.outbox import DeliveryStats

    stats = DeliveryStats()
    active = True

    def stop(_: object) -> None:
        # a done callback runs later, from the loop: when the polls were over before this
        # started, after the `finally` below; it must not then stop the drain that follows
        if active:
            deliverer.stopping = True

    polls.add_done_callback(stop)
    try:
        while not polls.done():
            try:
                stats.add(await _finishing_send(deliverer, deliverer.deliver_due()))
            except Exception:  # any fault: the polls must not pay for it, nor the log
                log.exception("delivery failed; tried again once the feeds are polled")
                await asyncio.wait([polls])
                break
            await asyncio.wait([polls], timeout=DELIVER_EVERY)
    except BaseException:
        polls.cancel()  # interrupted: the polls end with this run
        # ... once they have unwound: they write their 304s while the store is still open
        await asyncio.wait([polls])
        if not polls.cancelled() and polls.exception() is not None:
            log.error("the polls ended with an error", exc_info=polls.exception())
        raise
    finally:
        active = False
        polls.remove_done_callback(stop)
        deliverer.stopping = False
    return stats


async def _finishing_send(
    deliverer: Deliverer, sending: Coroutine[Any, Any, DeliveryStats]
) -> DeliveryStats:
    """Await `sending`; if this run is cancelled meanwhile (SIGINT, SIGTERM), the message in
    flight is finished and no other started before the cancellation goes on, as at `newsbot
    run`'s shutdown: a post cut short could be in Slack without being marked sent. The wait is
    bounded by one send (slack.timeout) and its pacing; a second cancellation ends it."""
    import asyncio

    task = asyncio.ensure_future(sending)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        if task.done():
            raise
        deliverer.stopping = True
        log.info("stopping: finishing the message being sent to Slack")
        try:
            await asyncio.wait([task])
        except asyncio.CancelledError:  # a second signal: the send is left to the next run
            task.cancel()
            raise
        if not task.cancelled() and task.exception() is not None:
            log.error("the last send ended with an error", exc_info=task.exception())
        raise


def _demo(env: Mapping[str, str]) -> int:
    import asyncio
    import tempfile
    from importlib import resources

    from bot.tools.feedserver import FeedServer

    demo = resources.files("bot") / "demo"
    with FeedServer() as server, tempfile.TemporaryDirectory(prefix="newsbot-demo-") as tmp:
        feeds = []
        for name in sorted(p.name for p in demo.iterdir() if p.name.endswith(".xml")):
            url = server.set(f"/{name}", (demo / name).read_bytes())
            feeds.append(
                f'[[feeds]]\nname = "{name.removesuffix(".xml").title()} (sample)"\nurl = "{url}"\n'
            )
        text = (
            f'[bot]\ndatabase = "sqlite:///{tmp}/demo.db"\nbackfill = "3650d"\nretention = "4000d"\nallow_private_networks = true\n'
            '[slack]\npace = "0s"\n'
            + "\n".join(feeds)
            + '\n[[channels]]\nchannel = "#newsbot-demo"\nlabels = ["missile-test", "diplomacy"]\n'
        )
        config_path = Path(tmp) / "demo.toml"
        config_path.write_text(text, encoding="utf-8")
        demo_env = {k: v for k, v in env.items() if k != "NEWSBOT_DATABASE_URL"}
        config = parse_config(text, str(config_path), demo_env)
        print(
            f"newsbot demo: serving {len(feeds)} sample feeds on {server.url('/')}, "
            "running one poll cycle with a throwaway database.\n",
            file=sys.stderr,
        )
        return asyncio.run(_run_once(config))


def _classify(config: Config, input_path: str | None, out: TextIO, err: TextIO) -> int:
    from bot.domain.classify import classify

    stream: TextIO
    stream = open(input_path, encoding="utf-8") if input_path else sys.stdin  # noqa: SIM115
    bad = 0
    try:
        for number, line in enumerate(stream, 1):
            if not line.strip():
                continue
            ident: object = number
            try:
                data = json.loads(line)
                if not isinstance(data, dict):
                    raise ValueError("expected a JSON object")
                ident = data.get("id", number)
                title, summary = data.get("title", ""), data.get("summary", "")
                if not isinstance(title, str) or not isinstance(summary, str):
                    raise ValueError('"title" and "summary" must be strings')
            except ValueError as e:
                bad += 1
                err.write(json.dumps({"id": ident, "line": number, "error": str(e)}) + "\n")
                continue
            c = classify(config.packs, title, summary)
            out.write(
                json.dumps(
                    {
                        "id": ident,
                        "language": c.language,
                        "labels": list(c.labels),
                        "scores": dict(c.scores),
                        "evidence": {k: list(v) for k, v in c.evidence.items()},
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
    finally:
        if input_path:
            stream.close()
    return 0


def _read_jsonl(dataset: str, make: Callable[[dict[str, Any]], T]) -> list[T] | None:
    """Labelled examples from a JSON-lines file; bad lines are reported and skipped."""
    examples: list[T] = []
    try:
        with open(dataset, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    examples.append(make(json.loads(line)))
                except (ValueError, KeyError, TypeError) as e:
                    print(f"newsbot: {dataset}:{number}: skipped ({e})", file=sys.stderr)
    except OSError as e:
        print(f"newsbot: cannot read {dataset}: {e.strerror}", file=sys.stderr)
        return None
    return examples


def _eval(
    config: Config,
    datasets: Sequence[str],
    *,
    baseline: bool,
    against: Config | None = None,
    mistakes: bool = False,
    figures_only: bool = False,
) -> int:
    """Per-label figures for each data set; the rules beside a baseline (the naive keyword
    one, or another config's rules with `against`). One set alone lists its mistakes, unless
    `figures_only` (a blind set's items stay unseen)."""
    from dataclasses import replace

    from bot.domain.classify import classify
    from bot.domain.classify.model import bundled
    from bot.tools.evaluate import (
        Example,
        evaluate,
        format_comparison,
        format_mistakes,
        format_report,
        naive_baseline,
    )

    labels = [lb for p in config.packs if p.default for lb in p.labels] or list(config.labels)

    # a pack with a learned model beside it (on, or shipped switched off) is scored both ways
    modelled = [
        replace(p, model=p.model or p.name) if bundled(p.model or p.name) else p
        for p in config.packs
    ]
    plain = [replace(p, model=None) for p in config.packs]
    with_model = modelled != plain
    model_on = any(p.model for p in config.packs)

    def rules(title: str, summary: str) -> Classification:
        return classify(modelled, title, summary)

    def rules_only(title: str, summary: str) -> Classification:
        return classify(plain, title, summary)

    def other(title: str, summary: str) -> Classification:
        assert against is not None
        return classify(against.packs, title, summary)

    failed = 0
    for n, dataset in enumerate(datasets):
        examples = _read_jsonl(
            dataset,
            lambda d: Example(
                str(d["id"]),
                d["title"],
                d.get("summary", ""),
                tuple(d["labels"]),
                d.get("kind", ""),
            ),
        )
        if examples is None:
            failed += 1
            continue
        if n:
            print()
        if baseline:
            print(format_report(evaluate(examples, labels, naive_baseline), show_mistakes=False))
            continue
        report = evaluate(examples, labels, rules)
        alone = evaluate(examples, labels, rules_only) if with_model else None
        base = evaluate(examples, labels, other if against else naive_baseline)
        name = "against" if against else "keyword baseline"
        print(format_comparison(dataset, report, base, baseline_name=name, rules_only=alone))
        if mistakes or (len(datasets) == 1 and not figures_only):
            # the mistakes of what the bot runs: rules alone unless a pack turns its model on
            run = report if alone is None or model_on else alone
            how = ""
            if alone is not None:
                how = f"{'rules + model' if model_on else 'rules only'}, as the config runs them"
            if listed := format_mistakes(run, how=how):
                print("\n" + "\n".join(listed))
    return 1 if failed else 0


def _eval_stories(
    dataset: str, *, replay: bool = False, slot_hours: float = 24.0, figures_only: bool = False
) -> int:
    from datetime import timedelta

    from bot.tools.evaluate import StoryExample, evaluate_stories, format_story_report

    examples = _read_jsonl(dataset, StoryExample.from_json)
    if examples is None:
        return 1
    show = 0 if figures_only else 30
    if not replay:
        print(format_story_report(evaluate_stories(examples), show=show))
        return 0
    if slot_hours <= 0:
        print("newsbot: --slot-hours must be more than 0", file=sys.stderr)
        return 2
    from bot.tools.replay import replay_stories

    result = replay_stories(examples, rules="northkorea", slot=timedelta(hours=slot_hours))
    print(
        f"replayed through the pipeline in {result.polls} slots of {slot_hours:g} h; "
        f"{len(result.unassigned)} reports got no story (not labelled, or duplicates)"
    )
    print(format_story_report(result.report, show=show))
    return 0


def _operator(args: argparse.Namespace, config: Config) -> int:
    """`explain`, `replay` and `outbox`: they read the database, and only `outbox retry|drop`
    change it."""
    from bot.service import ops

    if args.command == "explain":
        return ops.explain_command(config, args.input, sys.stdout, sys.stderr)
    if args.command == "replay":
        return ops.replay_command(config, args.since, sys.stdout, as_json=args.json)
    if args.outbox_command == "list":
        return ops.outbox_list(config, args.status, sys.stdout, as_json=args.json)
    if args.outbox_command == "retry":
        if args.all == bool(args.keys):
            print(
                "newsbot: outbox retry takes --all or the keys of parked messages (from `newsbot outbox list`), not both",
                file=sys.stderr,
            )
            return EXIT_USAGE
        return ops.outbox_retry(config, None if args.all else args.keys, sys.stdout)
    return ops.outbox_drop(config, args.keys, sys.stdout)
