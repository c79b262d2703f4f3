"""Instants as HubSpot writes and reads them: epoch milliseconds inside, ISO-8601 UTC on the wire."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

__all__ = [
    "MonotonicClock",
    "datetime_to_ms",
    "iso_ms",
    "iso_pair",
    "iso_property",
    "ms_to_datetime",
    "parse_instant",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_DATE = date(1970, 1, 1)


def ms_to_datetime(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def datetime_to_ms(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


# Rendering instants is the hot path of every read: the date, the time of day and the fraction are
# looked up (cached) instead of formatted per record.
_FRACTION = tuple(f".{m:03d}Z" for m in range(1000))


@lru_cache(maxsize=16_384)
def _day(days: int) -> str:
    return (_EPOCH_DATE + timedelta(days=days)).isoformat() + "T"


@lru_cache(maxsize=86_400)
def _clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def _stem(ms: int) -> tuple[str, int]:
    """(`YYYY-MM-DDTHH:MM:SS`, milliseconds)."""
    seconds, millis = divmod(ms, 1000)
    days, rest = divmod(seconds, 86_400)
    return _day(days) + _clock(rest), millis


def iso_ms(ms: int) -> str:
    """`2026-01-01T00:00:00.000Z`: the form of `createdAt`, `updatedAt`, `archivedAt`, batch stamps."""
    stem, millis = _stem(ms)
    return stem + _FRACTION[millis]


def iso_property(ms: int) -> str:
    """A datetime *property value*: Java's `Instant.toString()`, which drops a zero fraction.

    HubSpot answers `"closedate": "2026-03-31T00:00:00Z"` but `"createdate": "2026-01-05T10:11:12.345Z"`.
    """
    stem, millis = _stem(ms)
    return stem + ("Z" if millis == 0 else _FRACTION[millis])


def iso_pair(ms: int) -> tuple[str, str]:
    """(property form, top-level form) of one instant, formatted once."""
    stem, millis = _stem(ms)
    full = stem + _FRACTION[millis]
    return (stem + "Z" if millis == 0 else full), full


def parse_instant(text: str) -> int | None:
    """Epoch ms from what HubSpot accepts for a datetime: epoch-ms digits, an ISO instant or a date."""
    value = text.strip()
    if not value:
        return None
    if value.lstrip("-").isdigit():
        return int(value)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return datetime_to_ms(parsed)


class MonotonicClock:
    """Real UTC time in ms, strictly increasing per account so that two writes never share a stamp."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    @staticmethod
    def wall_ms() -> int:
        """The real time in ms, without taking a stamp (for batch timings and reads)."""
        return time.time_ns() // 1_000_000

    def now_ms(self) -> int:
        with self._lock:
            stamp = max(time.time_ns() // 1_000_000, self._last + 1)
            self._last = stamp
            return stamp

    def __getstate__(self) -> dict[str, int]:
        return {"last": self._last}

    def __setstate__(self, state: dict[str, int]) -> None:
        self._last = state["last"]
        self._lock = threading.Lock()

    def observe(self, ms: int) -> None:
        """Keep later stamps above an explicitly written one."""
        with self._lock:
            self._last = max(self._last, ms)
