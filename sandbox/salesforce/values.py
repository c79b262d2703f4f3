"""Stored values to and from Salesforce's wire formats (REST JSON, Bulk CSV) and back from API input."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, Final

EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()


@lru_cache(maxsize=8192)
def day_text(days: int) -> str:
    """`2026-01-01` for epoch day `days`."""
    return date.fromordinal(_EPOCH_ORDINAL + days).isoformat()


def datetime_text(ms: int, zulu: bool = False) -> str:
    """`2026-01-01T00:00:00.000+0000` (REST) or `...000Z` (Bulk CSV) for epoch milliseconds `ms`."""
    secs, milli = divmod(ms, 1000)
    days, rem = divmod(secs, 86400)
    clock, millis = _clock_texts()
    return f"{day_text(days)}T{clock[rem]}.{millis[milli]}{'Z' if zulu else '+0000'}"


@lru_cache(maxsize=1)
def _clock_texts() -> tuple[list[str], list[str]]:
    """Every `HH:MM:SS` of a day and every `mmm`: formatting a page of stamps becomes two lookups each."""
    clock = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]
    return clock, [f"{m:03d}" for m in range(1000)]


def to_ms(moment: datetime) -> int:
    """Epoch milliseconds of an aware datetime."""
    return (moment - EPOCH) // timedelta(milliseconds=1)


def from_ms(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


def to_days(day: date) -> int:
    return day.toordinal() - _EPOCH_ORDINAL


def from_days(days: int) -> date:
    return date.fromordinal(_EPOCH_ORDINAL + days)


def json_value(kind: str, value: Any) -> Any:
    """A stored value as REST JSON carries it (storage kind as in schema.STORAGE)."""
    if value is None:
        return None
    if kind == "datetime":
        return datetime_text(value)
    if kind == "date":
        return day_text(value)
    return value


def csv_value(kind: str, value: Any) -> str | None:
    """A stored value as a Bulk 2.0 CSV cell (None: an empty cell)."""
    if value is None:
        return None
    if kind == "datetime":
        return datetime_text(value, zulu=True)
    if kind == "date":
        return day_text(value)
    if kind == "bool":
        return "true" if value else "false"
    if kind == "float":
        return repr(value) if value != int(value) or abs(value) >= 1e16 else f"{value:.1f}"
    return str(value)


def parse_datetime_input(raw: str) -> datetime | None:
    """An API-supplied dateTime (`2026-01-01T00:00:00Z`, `+00:00`, `.000+0000`), or None if unreadable."""
    text = raw.strip().replace("Z", "+00:00")
    if len(text) >= 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def parse_date_input(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip()[:10])
    except ValueError:
        return None
