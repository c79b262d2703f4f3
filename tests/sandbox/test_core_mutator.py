"""The mutator: seeded changes through the orgs' own methods, step by step or in a thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from sandbox.errors import SpecError
from sandbox.mutator import Mutator
from sandbox.world import CrmName, WorldSpec

SPEC = WorldSpec(seed=1, accounts=30, now=datetime(2026, 11, 1, tzinfo=UTC))
FIXED = datetime(2026, 11, 2, tzinfo=UTC)


Make = Callable[[], tuple[Mutator, dict[CrmName, Any]]]


@pytest.fixture
def make(stub_org: Any) -> Make:
    def build() -> tuple[Mutator, dict[CrmName, Any]]:
        orgs: dict[CrmName, Any] = {"salesforce": stub_org("salesforce", SPEC), "hubspot": stub_org("hubspot", SPEC)}
        locks: dict[CrmName, threading.RLock] = {crm: threading.RLock() for crm in orgs}
        return Mutator(orgs, locks, clock=lambda: FIXED), orgs

    return build


def test_same_seed_makes_the_same_changes(make: Make) -> None:
    (first, orgs1), (second, orgs2) = make(), make()
    first.reseed(9)
    second.reseed(9)
    assert [(m.crm, m.result) for m in first.step(40)] == [(m.crm, m.result) for m in second.step(40)]
    assert orgs1["hubspot"].records == orgs2["hubspot"].records


def test_another_seed_makes_other_changes(make: Make) -> None:
    (first, _), (second, _) = make(), make()
    first.reseed(1)
    second.reseed(2)
    assert [m.result for m in first.step(20)] != [m.result for m in second.step(20)]


def test_changes_can_be_limited_to_one_crm(make: Make) -> None:
    mutator, orgs = make()
    mutator.reseed(3, crms=("hubspot",))
    assert {m.crm for m in mutator.step(10)} == {"hubspot"}
    assert sum(r["n"] for r in orgs["salesforce"].records.values()) == 0


def test_each_change_is_recorded_with_its_sequence_and_time(make: Make) -> None:
    mutator, _ = make()
    done = mutator.step(3)
    assert [m.seq for m in done] == [1, 2, 3]
    assert list(mutator.history) == done
    assert done[0].as_json()["at"] == FIXED.isoformat()


def test_a_failing_change_is_recorded_and_does_not_stop_the_mutator(make: Make) -> None:
    mutator, orgs = make()
    orgs["hubspot"].records.clear()
    orgs["salesforce"].records.clear()
    done = mutator.step(2)
    assert all(m.error and m.error.startswith("IndexError") for m in done)
    assert mutator.status()["errors"] == 2


def test_the_thread_changes_at_about_the_rate_and_stops(make: Make) -> None:
    mutator, _ = make()
    mutator.start(rate=100, seed=5)
    time.sleep(0.5)
    mutator.stop()
    done = mutator.status()["done"]
    assert 20 <= done <= 60
    time.sleep(0.1)
    assert mutator.status()["done"] == done
    assert not mutator.running


@pytest.mark.parametrize("rate", [0, -1, 10_000])
def test_an_impossible_rate_is_refused(make: Make, rate: float) -> None:
    mutator, _ = make()
    with pytest.raises(SpecError):
        mutator.start(rate=rate, seed=1)


def test_unknown_crms_are_refused(make: Make) -> None:
    mutator, _ = make()
    with pytest.raises(SpecError):
        mutator.reseed(1, crms=("pipedrive",))  # type: ignore[arg-type]


def test_the_same_seed_makes_the_same_changes_to_fresh_real_orgs(make_sandbox: Callable[..., Any]) -> None:
    runs = []
    for _ in range(2):
        sb = make_sandbox(accounts=50)
        sb.mutator.reseed(3)
        runs.append([(m.crm, m.result, m.error) for m in sb.mutator.step(30)])
    assert runs[0] == runs[1]
    assert {crm for crm, _, _ in runs[0]} == {"salesforce", "hubspot"}
    assert [error for _, _, error in runs[0] if error] == []
