"""Reading untrusted TOML tables into typed values, collecting every problem with its key path.

Used by the config and the rule-pack loaders so that both report errors the same way:
``feeds[2].interval: "5 minutes" is not a duration; write it like "5m", "90s" or "1h30m"``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from difflib import get_close_matches
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

T = TypeVar("T")

_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


def parse_duration(text: str) -> timedelta | None:
    """``"90s"``, ``"2m"``, ``"1h30m"``, ``"1d"``, ``"0s"`` -> timedelta; anything else -> None."""
    text = text.strip().lower()
    match = _DURATION.fullmatch(text)
    if not text or match is None:
        return None
    days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


class Problems:
    """An accumulator of problems, each already phrased with its key path."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}" if path else message)


class Table:
    """One TOML table being read; remembers which keys were used so unknown keys are reported."""

    def __init__(self, data: Mapping[str, Any], path: str, problems: Problems) -> None:
        self.data = data
        self.path = path
        self.problems = problems
        self._used: set[str] = set()

    def key_path(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _get(self, key: str) -> Any:
        self._used.add(key)
        return self.data.get(key)

    def _typed(self, key: str, default: T, kinds: type | tuple[type, ...], what: str) -> T:
        value = self._get(key)
        if value is None:
            return default
        if isinstance(value, bool) and bool not in (
            kinds if isinstance(kinds, tuple) else (kinds,)
        ):
            self.problems.add(self.key_path(key), f"expected {what}, got a boolean ({value!r})")
            return default
        if not isinstance(value, kinds):
            self.problems.add(
                self.key_path(key), f"expected {what}, got {type(value).__name__} ({value!r})"
            )
            return default
        return value  # type: ignore[return-value]

    def has(self, key: str) -> bool:
        return key in self.data

    def string(self, key: str, default: str = "", *, required: bool = False) -> str:
        if required and key not in self.data:
            self._used.add(key)
            self.problems.add(self.key_path(key), "is required")
            return default
        return self._typed(key, default, str, "a string")

    def choice(self, key: str, options: Sequence[str], default: str) -> str:
        value = self.string(key, default)
        if value not in options:
            self.problems.add(
                self.key_path(key),
                f'"{value}" is not one of ' + ", ".join(f'"{o}"' for o in options),
            )
            return default
        return value

    def boolean(self, key: str, default: bool) -> bool:
        return self._typed(key, default, bool, "true or false")

    def integer(self, key: str, default: int, *, minimum: int | None = None) -> int:
        value = self._typed(key, default, int, "a whole number")
        if minimum is not None and value < minimum:
            self.problems.add(self.key_path(key), f"must be at least {minimum}, got {value}")
            return default
        return value

    def number(self, key: str, default: float, *, minimum: float | None = None) -> float:
        value = float(self._typed(key, default, (int, float), "a number"))
        if minimum is not None and value < minimum:
            self.problems.add(self.key_path(key), f"must be at least {minimum}, got {value}")
            return default
        return value

    def duration(self, key: str, default: timedelta) -> timedelta:
        text = self._typed(key, "", str, 'a duration string such as "2m"')
        if not text:
            return default
        parsed = parse_duration(text)
        if parsed is None:
            self.problems.add(
                self.key_path(key),
                f'"{text}" is not a duration; write it like "90s", "5m", "6h", "1h30m" or "1d"',
            )
            return default
        return parsed

    def strings(self, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        value = self._get(key)
        if value is None:
            return default
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problems.add(self.key_path(key), f"expected a list of strings, got {value!r}")
            return default
        return tuple(value)

    def table(self, key: str) -> Table:
        value = self._get(key)
        if value is None:
            value = {}
        if not isinstance(value, dict):
            self.problems.add(self.key_path(key), f"expected a table, got {type(value).__name__}")
            value = {}
        return Table(value, self.key_path(key), self.problems)

    def tables(self, key: str) -> list[Table]:
        value = self._get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problems.add(
                self.key_path(key), f"expected an array of tables ([[{key}]]), got {value!r}"
            )
            return []
        return [Table(v, f"{self.key_path(key)}[{i}]", self.problems) for i, v in enumerate(value)]

    def mapping(self, key: str, convert: Callable[[Any], T | None], what: str) -> dict[str, T]:
        """A table of free-form keys, each value converted (None from `convert` = wrong type)."""
        raw = self.table(key)
        out: dict[str, T] = {}
        for name, value in raw.data.items():
            converted = convert(value)
            if converted is None:
                self.problems.add(raw.key_path(f'"{name}"'), f"expected {what}, got {value!r}")
            else:
                out[name] = converted
        raw.finish_all_used()
        return out

    def finish_all_used(self) -> None:
        self._used.update(self.data)

    def finish(self) -> None:
        """Report every key that was never read, suggesting the nearest known one."""
        for key in self.data:
            if key in self._used:
                continue
            known = sorted(self._used)
            close = get_close_matches(key, known, n=1)
            hint = f'; did you mean "{close[0]}"?' if close else ""
            choices = f" (known keys: {', '.join(known)})" if known else ""
            self.problems.add(self.key_path(key), f"unknown key{hint}{choices}")


_SECRET_QUERY = re.compile(r"(?i)((?:^|&)(?:password|passwd|pwd|secret|token)=)[^&]*")


def safe_url(url: str) -> str:
    """A URL fit for a log line or a summary: any password (user info or query) hidden."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            user, _, host = netloc.rpartition("@")
            if ":" in user:
                user = user.split(":", 1)[0] + ":***"
            netloc = f"{user}@{host}"
        query = _SECRET_QUERY.sub(r"\1***", parts.query)
        if (netloc, query) == (parts.netloc, parts.query):
            return url
        return urlunsplit(parts._replace(netloc=netloc, query=query))
    except ValueError:
        return "(unparseable URL)"
