"""The suite's fake CRM (tests/fakes) as a `serve` subprocess loads it.

`accountsync serve` builds its connectors with `build` when ACCOUNTSYNC_CONNECTOR_FACTORY is
`tests.service.fakecrm:build` (PYTHONPATH at the repository): every connection is a fake Salesforce org with
FAKE_CRM_ACCOUNTS accounts served FAKE_CRM_PAGE_SIZE a page, sleeping FAKE_CRM_PAGE_SLEEP seconds before each
page (so a test can kill a replica mid-run).
"""

from __future__ import annotations

import os
import threading
from typing import Any

from tests.fakes import FakeConnector, FakeCrm

SECRET = "fake-client-secret-Zx81"  # the deployment's secret: the tests check it never leaves the process


_CRMS: dict[str, FakeCrm] = {}
_LOCK = threading.Lock()


def build(_deployment: Any, name: str, _job: Any) -> FakeConnector:
    """The connector factory a `serve` subprocess loads: one seeded fake org per connection, per process."""
    with _LOCK:
        if name not in _CRMS:
            crm = FakeCrm(name, page_size=int(os.environ.get("FAKE_CRM_PAGE_SIZE", "3")),
                          page_sleep=float(os.environ.get("FAKE_CRM_PAGE_SLEEP", "0")))  # fmt: skip
            _CRMS[name] = crm.seed(int(os.environ.get("FAKE_CRM_ACCOUNTS", "12")))
        return _CRMS[name].connector()
