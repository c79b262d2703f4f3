"""Saving and loading the orgs' state: round trip, atomic writes, clear errors."""

from __future__ import annotations

import pickle
import threading
from pathlib import Path
from typing import Any

import pytest

from sandbox.errors import PersistError
from sandbox.persist import load_state, save_state
from sandbox.world import CrmName, WorldSpec

SPEC = WorldSpec(seed=3, accounts=10)


def _locks() -> dict[CrmName, threading.RLock]:
    return {"salesforce": threading.RLock(), "hubspot": threading.RLock()}


def test_a_saved_state_loads_back(tmp_path: Path, stub_org: Any) -> None:
    orgs = {"salesforce": stub_org("salesforce", SPEC), "hubspot": stub_org("hubspot", SPEC)}
    orgs["hubspot"].records["1"]["n"] = 42
    path = save_state(tmp_path / "org.pickle", SPEC, orgs, _locks())
    saved = load_state(path)
    assert saved.spec == SPEC
    assert saved.orgs["hubspot"].records["1"] == {"n": 42}
    assert saved.saved_at.tzinfo is not None


def test_an_org_that_does_not_pickle_is_a_persist_error_and_leaves_no_file(tmp_path: Path) -> None:
    orgs = {"salesforce": threading.Lock(), "hubspot": object()}
    with pytest.raises(PersistError, match="does not pickle"):
        save_state(tmp_path / "org.pickle", SPEC, orgs, _locks())
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"not a pickle", "cannot load"),
        (pickle.dumps({"some": "dict"}), "not a sandbox state file"),
        (pickle.dumps({"magic": "accountsync-crm-sandbox", "version": 99}), "state version 99"),
    ],
)
def test_a_file_that_is_not_our_state_is_refused(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "org.pickle"
    path.write_bytes(content)
    with pytest.raises(PersistError, match=problem):
        load_state(path)


def test_a_missing_state_file_is_a_persist_error(tmp_path: Path) -> None:
    with pytest.raises(PersistError):
        load_state(tmp_path / "absent.pickle")
