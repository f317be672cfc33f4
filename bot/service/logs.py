"""Logging: JSON lines in containers, readable lines on a terminal; secrets never printed.

Every record passes a redaction filter that masks Slack tokens and webhook URLs wherever they
appear (message, arguments, exception text), so a token cannot leak through a library's error.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import TextIO

_SECRETS = re.compile(
    r"(xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|https?://hooks\.slack\.com/[^\s\"'<>]+|"
    r"https?://[^\s\"'<>]*/hooks/[^\s\"'<>]+)"
)
# a password in a URL's user part (feed, database or proxy URLs), and secret-looking query values
_URL_PASSWORD = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/:@\"'<>]*:)[^\s/@\"'<>]*@")
_QUERY_SECRET = re.compile(
    r"([?&;](?:password|passwd|pwd|pass|token|access_token|api_key|apikey|key|secret|sig|"
    r"signature|auth)=)[^&\s\"'<>]*",
    re.IGNORECASE,
)
_FIELDS = ("feed", "story", "channel", "event")


def redact(text: str) -> str:
    """Text fit to print: tokens, webhook URLs, URL passwords and secret query values masked."""
    text = _SECRETS.sub("[redacted]", text)
    text = _URL_PASSWORD.sub(r"\1***@", text)
    return _QUERY_SECRET.sub(r"\1***", text)


class RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                data[name] = value
        if record.exc_text:
            data["exception"] = record.exc_text
        return json.dumps(data, ensure_ascii=False)


def setup(*, verbose: bool, fmt: str | None, stream: TextIO | None = None) -> None:
    """fmt: "json", "text", or None (json unless the stream is a terminal)."""
    stream = stream or sys.stderr
    use_json = fmt == "json" or (fmt is None and not stream.isatty())
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactFilter())
    handler.setFormatter(
        JsonFormatter()
        if use_json
        else logging.Formatter("%(asctime)s %(levelname)-7s %(message)s")
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_newsbot", False):
            root.removeHandler(old)
    handler._newsbot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in ("apscheduler", "httpx", "httpcore", "slack_sdk"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # "skipped: maximum number of running instances reached" only says a tick ran longer than
    # the tick interval, which is normal with many feeds (ticks are coalesced by design)
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
