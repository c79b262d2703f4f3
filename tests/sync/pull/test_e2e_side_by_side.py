"""End to end: a job's two CRMs are read at the same time (the default), or one after the other when the job says
so; either way the store ends up holding what each CRM holds."""

from __future__ import annotations

from datetime import datetime

import pytest

from sandbox.faults import FaultRule
from tests.sync.conftest_e2e import HS, SF, differences, hs_truth, sf_truth, store_view

SLOW_MS = 100  # every request waits: the two CRMs' reads last long enough to be seen overlapping


def _span(entries: list[tuple[datetime, str]], crm: str) -> tuple[datetime, datetime]:
    times = [at for at, which in entries if which == crm]
    return min(times), max(times)


@pytest.mark.parametrize("side_by_side", [True, False], ids=["side by side", "one after another"])
def test_the_crms_are_read_at_once_or_in_turn_as_the_job_says(make_e2e, side_by_side: bool) -> None:
    e2e = make_e2e(sf=["Account", "Opportunity"], hs=["companies", "deals"], sources_side_by_side=side_by_side)
    e2e.sandbox.faults.add([FaultRule(crm=crm, kind="slow", ms=SLOW_MS) for crm in ("salesforce", "hubspot")])
    e2e.sandbox.log.reset()

    summary = e2e.sync()

    assert summary.status == "succeeded", (summary.message, summary.errors)
    assert list(summary.streams) == [
        "salesforce.Account",
        "salesforce.Opportunity",
        "hubspot.companies",
        "hubspot.deals",
    ], "listed by source as the job lists them, however read"
    calls = [(datetime.fromisoformat(e.at), e.crm) for e in e2e.sandbox.log.recent if not e.path.startswith("/__")]
    sf_first, sf_last = _span(calls, "salesforce")
    hs_first, hs_last = _span(calls, "hubspot")
    overlap = max(sf_first, hs_first) < min(sf_last, hs_last)
    if side_by_side:
        assert overlap, f"Salesforce {sf_first}..{sf_last}, HubSpot {hs_first}..{hs_last}"
    else:
        assert sf_last < hs_first, "the sources in the order listed: Salesforce, then HubSpot"
    for obj in ("Account", "Opportunity"):
        assert differences(sf_truth(e2e.sandbox, obj), store_view(e2e.engine, obj, SF)) == {}, obj
    for obj in ("companies", "deals"):
        assert differences(hs_truth(e2e.sandbox, obj), store_view(e2e.engine, obj, HS)) == {}, obj
