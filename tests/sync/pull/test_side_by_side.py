"""A job's sources read side by side: at the same time, a CRM's refusal leaves the others to finish, anything
else stops them at their next page, and the errors come back worst first."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, cast

import pytest

from config import Source
from connectors import AuthError, BudgetExceededError, Connector
from sync.pull.side_by_side import read_side_by_side
from sync.pull.stream import ProgressSink


@dataclass
class Seen:
    """A sink that notes every page a source reported committed."""

    pages: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def stream_started(self, stream: str, expected: int | None) -> None:
        """Nothing to note."""

    def advanced(self, stream: str, records: int) -> None:
        with self.lock:
            self.pages.append(stream)

    def stream_finished(self, stream: str) -> None:
        """Nothing to note."""


@dataclass(frozen=True)
class FakeConnector:
    name: str


def pairs(*names: str) -> list[tuple[Source, Connector]]:
    return [(Source(connection=n, objects=["Account"]), cast(Connector, FakeConnector(n))) for n in names]


def test_the_sources_are_read_at_the_same_time() -> None:
    both_reading = threading.Barrier(2, timeout=10)  # one after another, the first would wait here alone

    def work(source: Source, connector: Connector, sink: ProgressSink) -> None:
        both_reading.wait()
        sink.advanced(f"{source.connection}.Account", 10)

    seen = Seen()
    assert read_side_by_side(pairs("salesforce", "hubspot"), work, seen) == []
    assert sorted(seen.pages) == ["hubspot.Account", "salesforce.Account"]


@pytest.mark.parametrize(
    ("raised", "hubspot_pages"),
    [
        (AuthError("salesforce", "login refused"), 3),  # a CRM's refusal: HubSpot reads all its pages
        (RuntimeError("a bug"), 1),  # anything else: the page committed when told is kept, none after it
    ],
    ids=["a CRM refusing leaves the other to finish", "anything else stops the other at its next page"],
)
def test_when_one_source_fails(raised: BaseException, hubspot_pages: int) -> None:
    failed = threading.Event()

    def work(source: Source, connector: Connector, sink: ProgressSink) -> None:
        if source.connection == "salesforce":
            failed.set()
            raise raised
        assert failed.wait(10)
        for _ in range(3):
            sink.advanced("hubspot.companies", 100)

    seen = Seen()
    assert read_side_by_side(pairs("salesforce", "hubspot"), work, seen) == [raised]
    assert seen.pages == ["hubspot.companies"] * hubspot_pages


@pytest.mark.parametrize("order", [("a", "b", "c"), ("c", "b", "a")])
def test_the_errors_come_back_worst_first(order: tuple[str, ...]) -> None:
    raised: dict[str, BaseException] = {
        "a": BudgetExceededError("a", used=10, allowed=10),  # stop: the next run resumes
        "b": AuthError("b", "login refused"),  # fix, then rerun
        "c": ValueError("not from a CRM"),
    }
    everyone_failing = threading.Barrier(3, timeout=10)  # each fails only once all three are reading

    def work(source: Source, connector: Connector, sink: ProgressSink) -> None:
        everyone_failing.wait()
        raise raised[source.connection]

    errors = read_side_by_side(pairs(*order), work, Seen())
    assert errors == [raised["c"], raised["b"], raised["a"]]


def test_one_source_is_read_in_the_callers_thread() -> None:
    threads: list[Any] = []

    def work(source: Source, connector: Connector, sink: ProgressSink) -> None:
        threads.append(threading.current_thread())

    assert read_side_by_side(pairs("salesforce"), work, Seen()) == []
    assert threads == [threading.current_thread()]
