"""Saving and loading the orgs' whole state (a pickle the sandbox itself wrote), for `--org` / `--state-dir`."""

from __future__ import annotations

import os
import pickle
import threading
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from sandbox.errors import PersistError
from sandbox.world import CrmName, WorldSpec

__all__ = ["STATE_VERSION", "SavedState", "load_state", "save_state"]

STATE_VERSION: Final = 1
_MAGIC: Final = "accountsync-crm-sandbox"


@dataclass(frozen=True, slots=True)
class SavedState:
    """The orgs as they were at `saved_at`, and the world they were generated from."""

    spec: WorldSpec | None
    orgs: dict[CrmName, Any]
    saved_at: datetime


def save_state(
    path: Path, spec: WorldSpec | None, orgs: Mapping[CrmName, Any], locks: Mapping[CrmName, threading.RLock]
) -> Path:
    """Pickle the orgs (holding every org's lock, so the snapshot is consistent) to `path`, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with ExitStack() as stack:
        for crm in sorted(locks):
            stack.enter_context(locks[crm])
        payload = {"magic": _MAGIC, "version": STATE_VERSION, "spec": spec, "orgs": dict(orgs),
                   "saved_at": datetime.now(UTC)}  # fmt: skip
        try:
            with tmp.open("wb") as handle:
                pickle.dump(payload, handle, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, AttributeError, TypeError) as exc:
            tmp.unlink(missing_ok=True)
            raise PersistError(str(path), f"an org does not pickle: {exc}") from exc
    os.replace(tmp, path)
    return path


def load_state(path: Path) -> SavedState:
    """Load a state file written by `save_state` (only ever load files the sandbox wrote: it is a pickle)."""
    try:
        with path.open("rb") as handle:
            payload = pickle.load(handle)  # noqa: S301 - our own state file, chosen by the operator
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
        raise PersistError(str(path), f"cannot load: {exc}") from exc
    if not isinstance(payload, dict) or payload.get("magic") != _MAGIC:
        raise PersistError(str(path), "not a sandbox state file")
    if payload.get("version") != STATE_VERSION:
        raise PersistError(str(path), f"state version {payload.get('version')} is not {STATE_VERSION}")
    return SavedState(payload["spec"], payload["orgs"], payload["saved_at"])
