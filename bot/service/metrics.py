"""Prometheus metrics (prometheus-client). Label values are feed names and channel names from
the config, never URLs, so cardinality is bounded by the config."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

from bot import __version__

# `_created` series (a timestamp per counter and label set) double what is scraped and say
# nothing an operator asks; the process start time is in newsbot_build_info's neighbour,
# process_start_time_seconds, where the default collectors run.
disable_created_metrics()  # type: ignore[no-untyped-call]


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.polls = Counter(
            "newsbot_polls",
            "Feed polls by outcome (200, 304, error).",
            ["feed", "outcome"],
            registry=r,
        )
        self.items_parsed = Counter(
            "newsbot_items_parsed", "Entries parsed from feeds.", ["feed"], registry=r
        )
        self.items_classified = Counter(
            "newsbot_items_classified", "New entries by label given.", ["label"], registry=r
        )
        self.stories_created = Counter("newsbot_stories_created", "Stories created.", registry=r)
        self.build_info = Gauge(
            "newsbot_build_info", "Always 1; the running version.", ["version"], registry=r
        )
        self.build_info.labels(__version__).set(1)
        self.reports_absorbed = Counter(
            "newsbot_story_reports_absorbed",
            "Reports that joined an existing story instead of posting, by whether their source "
            "was new to the story and whether a thread reply showed them (reply) or not (silent: "
            "threads = false, muted, or no channel of the story takes the report).",
            ["source", "shown"],
            registry=r,
        )
        self.alerts = Counter(
            "newsbot_alerts",
            "Story alerts (a story's first post in a channel) by event (sent, failed, retried); "
            "not thread replies, edits, digests or storm summaries.",
            ["event"],
            registry=r,
        )
        self.messages = Counter(
            "newsbot_messages",
            "Every outbox message by event (sent, failed, retried) and kind (post, reply, update).",
            ["event", "kind"],
            registry=r,
        )
        self.feed_last_success = Gauge(
            "newsbot_feed_last_success_timestamp_seconds",
            "When each feed was last polled successfully (200 or 304).",
            ["feed"],
            registry=r,
        )
        self.items_dropped = Counter(
            "newsbot_items_dropped",
            "Labelled items a subscribed channel did not get, by what dropped them "
            "(keywords, exclude, min_severity, muted, backfill, too_old).",
            ["channel", "reason"],
            registry=r,
        )
        self.slack_429 = Counter(
            "newsbot_slack_rate_limited", "Slack 429 answers.", ["channel"], registry=r
        )
        self.outbox_depth = Gauge(
            "newsbot_outbox_depth", "Messages waiting in the outbox.", registry=r
        )
        self.feed_failures = Gauge(
            "newsbot_feed_consecutive_failures",
            "Consecutive failed polls per feed.",
            ["feed"],
            registry=r,
        )
        self.delay = Histogram(
            "newsbot_alert_delay_seconds",
            "Delay from an item's published time to its Slack post.",
            buckets=(15, 30, 60, 120, 180, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600),
            registry=r,
        )
        self.record_batch = Histogram(
            "newsbot_record_batch_feeds",
            "Fetched feeds recorded per database transaction.",
            buckets=(1, 2, 4, 8, 16, 32, 50),
            registry=r,
        )
        self.last_tick = Gauge(
            "newsbot_last_tick_timestamp_seconds", "When the scheduler last ticked.", registry=r
        )
        self.websub_pushes = Counter(
            "newsbot_websub_pushes",
            "WebSub pushes by outcome (new, unchanged, error, bad-signature).",
            ["feed", "outcome"],
            registry=r,
        )
